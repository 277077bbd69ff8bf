/** The line as bytes: what the processor learns of a `Format none` record's UTF-8 bytes before reading it as text. */

/** Every character is ASCII. */
export function isAsciiText(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return false;
  return true;
}

/** Bits of scanBytes' answer. */
export const HAS_CONTROL = 1;
export const HAS_HIGH = 2;

/** The last ArrayBuffer scanBytes read, as 32-bit words: the records of one request share it. */
let wordsOf: ArrayBufferLike | undefined;
let words: Int32Array<ArrayBufferLike> = new Int32Array(0);

/**
 * Whether `buf[start, end)` holds a control character (a byte below 0x20: JSON allows none inside strings) and
 * whether it holds a byte above 0x7f (not ASCII), in one pass, four bytes at a time.
 */
export function scanBytes(buf: Buffer, start: number, end: number): number {
  const base = buf.byteOffset;
  if (wordsOf !== buf.buffer) {
    wordsOf = buf.buffer;
    words = new Int32Array(buf.buffer, 0, buf.buffer.byteLength >> 2);
  }
  const w = words;
  let found = 0;
  let i = start;
  for (; i < end && ((base + i) & 3) !== 0; i++) found |= byteFlags(buf[i]);
  let word = (base + i) >> 2;
  const lastWord = (base + end) >> 2;
  // Per word: (x - 0x20202020) & ~x has a byte's top bit set if some byte of x is below 0x20 (borrows may flag more
  // bytes, never none); x itself has one set if some byte is above 0x7f.
  let low = 0;
  let high = 0;
  for (; word + 3 < lastWord; word += 4) {
    const a = w[word];
    const b = w[word + 1];
    const c = w[word + 2];
    const d = w[word + 3];
    low |= ((a - 0x20202020) & ~a) | ((b - 0x20202020) & ~b) | ((c - 0x20202020) & ~c) | ((d - 0x20202020) & ~d);
    high |= a | b | c | d;
  }
  for (; word < lastWord; word++) {
    const a = w[word];
    low |= (a - 0x20202020) & ~a;
    high |= a;
  }
  if ((low & 0x80808080) !== 0) found |= HAS_CONTROL;
  if ((high & 0x80808080) !== 0) found |= HAS_HIGH;
  for (i = Math.max(i, (lastWord << 2) - base); i < end; i++) found |= byteFlags(buf[i]);
  return found;
}

function byteFlags(byte: number): number {
  return byte < 0x20 ? HAS_CONTROL : byte > 0x7f ? HAS_HIGH : 0;
}

/** `buf[start, end)` as Latin-1: Buffer#latin1Slice, without toString's argument handling (ASCII bytes here). */
export function latin1Text(buf: Buffer, start: number, end: number): string {
  return (buf as Buffer & { latin1Slice(start: number, end: number): string }).latin1Slice(start, end);
}
