/** Shared slabs of memory that many small texts are written into, so that records waiting for a batch hold no string each. */

/**
 * Bytes written one after another into a slab, and a new slab once it is full. A text written here is a range of
 * a slab: a record that keeps it holds a reference to the slab, not a string or Buffer of its own, so thousands of
 * records waiting for their batch are a few slabs to the garbage collector instead of thousands of objects it copies
 * and marks. A slab is freed when the last record that points into it is.
 *
 * A text can be written piece by piece: `begin` marks its start, and a piece that does not fit takes the pieces
 * written since to the new slab with it, so the text stays one range.
 */
export class ByteArena {
  /** The slab being written, and the offset of its first free byte. */
  slab: Buffer;
  pos = 0;
  /** Where the text being written piece by piece starts. */
  private mark = 0;

  constructor(private readonly slabBytes: number) {
    this.slab = Buffer.allocUnsafeSlow(slabBytes);
  }

  /** Makes room for `bytes` at `pos`: a fresh slab (at least that big) when the current one has less left. */
  reserve(bytes: number): void {
    if (this.pos + bytes <= this.slab.length) return;
    this.slab = Buffer.allocUnsafeSlow(Math.max(this.slabBytes, bytes));
    this.pos = 0;
  }

  /** Writes `text` as UTF-8; returns where it starts in `slab` (it ends at `pos`). */
  put(text: string): number {
    this.reserve(text.length * 3);
    const start = this.pos;
    this.pos += utf8Write(this.slab, text, start);
    return start;
  }

  /** Starts a text written piece by piece (`ascii`, `utf8`, `bytes`, `copy`, `byte`, `hex`); returns where it starts. */
  begin(): number {
    this.mark = this.pos;
    return this.pos;
  }

  /** Where the text begun last starts now: a piece that needed a new slab moved it there. */
  get begun(): number {
    return this.mark;
  }

  /** Room for `bytes` more of the text begun: a new slab takes what was written of it along. */
  room(bytes: number): void {
    if (this.pos + bytes <= this.slab.length) return;
    const written = this.pos - this.mark;
    const slab = Buffer.allocUnsafeSlow(Math.max(this.slabBytes, 2 * (written + bytes)));
    this.slab.copy(slab, 0, this.mark, this.pos);
    this.slab = slab;
    this.mark = 0;
    this.pos = written;
  }

  /** A text of ASCII characters (each one byte). */
  ascii(text: string): void {
    const n = text.length;
    this.room(n);
    const slab = this.slab;
    let pos = this.pos;
    // A loop beats the native write for the short pieces of a record's tail.
    if (n < 48) for (let i = 0; i < n; i++) slab[pos++] = text.charCodeAt(i);
    else pos += (slab as Buffer & { latin1Write(text: string, offset: number): number }).latin1Write(text, pos);
    this.pos = pos;
  }

  /** Any text, as UTF-8. */
  utf8(text: string): void {
    const n = text.length;
    this.room(n * 3);
    const slab = this.slab;
    let pos = this.pos;
    // A short text by hand while it is ASCII, as `ascii` writes it; at any other character, the native write of it all.
    if (n < 48) {
      for (let i = 0; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c > 127) break;
        slab[pos++] = c;
      }
      if (pos - this.pos === n) {
        this.pos = pos;
        return;
      }
    }
    this.pos += utf8Write(slab, text, this.pos);
  }

  /** All of `bytes`. */
  bytes(bytes: Buffer): void {
    this.copy(bytes, 0, bytes.length);
  }

  /** The bytes `source[from, to)`. */
  copy(source: Buffer, from: number, to: number): void {
    const n = to - from;
    this.room(n);
    const slab = this.slab;
    let pos = this.pos;
    // Short runs by hand: Buffer#copy of a range allocates a view on Node 20.
    if (n < 48) for (let i = from; i < to; i++) slab[pos++] = source[i];
    else pos += source.copy(slab, pos, from, to);
    this.pos = pos;
  }

  byte(code: number): void {
    this.room(1);
    this.slab[this.pos++] = code;
  }

  /** A non-negative safe integer in lowercase hexadecimal. */
  hex(value: number): void {
    let digits = 1;
    for (let v = value; v >= 16; v = Math.floor(v / 16)) digits++;
    this.room(digits);
    const slab = this.slab;
    let v = value;
    for (let i = this.pos + digits - 1; i >= this.pos; i--) {
      const d = v % 16;
      slab[i] = d < 10 ? 48 + d : 87 + d;
      v = (v - d) / 16;
    }
    this.pos += digits;
  }
}

/**
 * Where records keep what is theirs: the appended fields, and the head when many values were coerced. One per process
 * (records are made synchronously). A slab lives as long as its longest-waiting record, and the in-flight budget
 * counts only each record's own bytes of it: 8 KiB slabs (a few dozen tails each) keep what a stuck record holds
 * beyond its own small, and still spare the collector thousands of strings.
 */
export const recordArena = new ByteArena(8 * 1024);

/** Buffer#utf8Write: Buffer#write without its argument handling, which costs more than writing a short text. */
export function utf8Write(buf: Buffer, text: string, offset: number): number {
  return (buf as Buffer & { utf8Write(text: string, offset: number): number }).utf8Write(text, offset);
}
