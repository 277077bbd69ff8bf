/**
 * The small amount of msgpack the receiver handles itself: finding where a top-level object ends (without decoding
 * it), decoding the protocol envelope with strings kept as raw bytes (handshake salts are not UTF-8; the ack must echo
 * the chunk id byte for byte), and encoding the server's replies. Records are read in decode.ts.
 */

export class ProtocolError extends Error {}

/** The bytes are not there yet. */
export const INCOMPLETE = -1;

/** A msgpack str kept as its raw bytes; `text` decodes it on demand. */
export class RawString {
  constructor(readonly bytes: Buffer) {}
  get text(): string {
    return this.bytes.toString('utf8');
  }
}

export type RawValue =
  | null
  | boolean
  | number
  | bigint
  | RawString
  | Uint8Array
  | RawValue[]
  | Map<string, RawValue>
  | { ext: number; data: Buffer };

/** Header of one msgpack object: how many header bytes, how many payload bytes, how many child objects. */
interface Head {
  headBytes: number;
  bodyBytes: number;
  children: number;
}

const head: Head = { headBytes: 0, bodyBytes: 0, children: 0 };

/**
 * Reads the header at `pos` into the shared `head` (no allocation on the hot path).
 * Returns false when the header itself is incomplete; throws on the reserved byte 0xc1.
 */
function readHead(buf: Buffer, pos: number, end: number): boolean {
  const avail = end - pos;
  if (avail < 1) return false;
  const b = buf[pos];
  head.headBytes = 1;
  head.bodyBytes = 0;
  head.children = 0;
  if (b <= 0x7f || b >= 0xe0) return true; // fixint
  if (b <= 0x8f) return (head.children = (b & 0x0f) * 2), true; // fixmap
  if (b <= 0x9f) return (head.children = b & 0x0f), true; // fixarray
  if (b <= 0xbf) return (head.bodyBytes = b & 0x1f), true; // fixstr
  switch (b) {
    case 0xc0: case 0xc2: case 0xc3: return true;
    case 0xc1: throw new ProtocolError('invalid msgpack: reserved byte 0xc1');
    case 0xc4: case 0xd9: return sized(buf, pos, avail, 1, 0);
    case 0xc5: case 0xda: return sized(buf, pos, avail, 2, 0);
    case 0xc6: case 0xdb: return sized(buf, pos, avail, 4, 0);
    case 0xc7: return sized(buf, pos, avail, 1, 1); // ext8: length, type
    case 0xc8: return sized(buf, pos, avail, 2, 1);
    case 0xc9: return sized(buf, pos, avail, 4, 1);
    case 0xca: return (head.bodyBytes = 4), true;
    case 0xcb: return (head.bodyBytes = 8), true;
    case 0xcc: case 0xd0: return (head.bodyBytes = 1), true;
    case 0xcd: case 0xd1: return (head.bodyBytes = 2), true;
    case 0xce: case 0xd2: return (head.bodyBytes = 4), true;
    case 0xcf: case 0xd3: return (head.bodyBytes = 8), true;
    case 0xd4: return (head.bodyBytes = 2), true; // fixext1: type + 1
    case 0xd5: return (head.bodyBytes = 3), true;
    case 0xd6: return (head.bodyBytes = 5), true;
    case 0xd7: return (head.bodyBytes = 9), true;
    case 0xd8: return (head.bodyBytes = 17), true;
    case 0xdc: return counted(buf, pos, avail, 2, 1);
    case 0xdd: return counted(buf, pos, avail, 4, 1);
    case 0xde: return counted(buf, pos, avail, 2, 2);
    default: return counted(buf, pos, avail, 4, 2); // 0xdf map32
  }
}

function lengthAt(buf: Buffer, pos: number, width: number): number {
  return width === 1 ? buf[pos] : width === 2 ? buf.readUInt16BE(pos) : buf.readUInt32BE(pos);
}

function sized(buf: Buffer, pos: number, avail: number, width: number, extra: number): boolean {
  if (avail < 1 + width) return false;
  head.headBytes = 1 + width;
  head.bodyBytes = lengthAt(buf, pos + 1, width) + extra;
  return true;
}

function counted(buf: Buffer, pos: number, avail: number, width: number, perItem: number): boolean {
  if (avail < 1 + width) return false;
  head.headBytes = 1 + width;
  head.children = lengthAt(buf, pos + 1, width) * perItem;
  return true;
}

/** Returns the offset just after the complete msgpack value at `pos`, walking headers only. */
export function skipValue(buf: Buffer, pos: number, end: number = buf.length): number {
  let remaining = 1;
  while (remaining > 0) {
    if (!readHead(buf, pos, end)) throw new ProtocolError('truncated msgpack value');
    pos += head.headBytes + head.bodyBytes;
    if (pos > end) throw new ProtocolError('truncated msgpack value');
    remaining += head.children - 1;
  }
  return pos;
}

export interface FramerLimits {
  /** Largest top-level object accepted, in bytes. */
  maxBytes: number;
  /** Deepest nesting of arrays and maps accepted. */
  maxDepth: number;
}

/**
 * Bytes received so far for the object being scanned, possibly spread over several buffers. `window(pos)` points
 * `buf`/`at`/`end` at the bytes from absolute position `pos` on, contiguous for at least a header's 9 bytes (or to the
 * end of what was received); positions only move forward within one object.
 */
export interface ByteSource {
  readonly length: number;
  buf: Buffer;
  at: number;
  end: number;
  window(pos: number): void;
}

/**
 * Finds the end of one top-level msgpack object in bytes that arrive piece by piece, by walking headers only,
 * resumably: a message arriving in many reads is walked once in total, not once per read (the quadratic trap of
 * stream decoders), and str/bin payloads are skipped by their length.
 */
export class ObjectScanner {
  private pos = 0;
  private pending: number[] = []; // children still to walk, per open container
  private skipUntil = 0; // end of a str/bin/ext payload not fully received yet

  constructor(private readonly limits: FramerLimits) {}

  /** Resets for the next object, which starts at position 0 of the source. */
  reset(): void {
    this.pos = 0;
    this.pending.length = 0;
    this.skipUntil = 0;
  }

  /**
   * Walks the source from where the last call stopped. Returns the object's length once it is complete, else
   * INCOMPLETE. Throws ProtocolError when the object breaks a limit or is not msgpack.
   */
  scan(source: ByteSource): number {
    const { maxBytes, maxDepth } = this.limits;
    const total = source.length;
    if (this.skipUntil > 0) {
      if (total < this.skipUntil) return INCOMPLETE;
      this.pos = this.skipUntil;
      this.skipUntil = 0;
      if (this.finishOne()) return this.pos;
    }
    for (;;) {
      if (this.pos >= total) return INCOMPLETE;
      source.window(this.pos);
      if (!readHead(source.buf, source.at, source.end)) return INCOMPLETE;
      const { headBytes, bodyBytes, children } = head;
      const next = this.pos + headBytes + bodyBytes;
      // Each child takes at least one byte, so a declared count or length past the limit can never fit.
      if (next + children > maxBytes) {
        throw new ProtocolError(`message exceeds the maximum size of ${maxBytes} bytes (declares at least ${next + children})`);
      }
      if (children > 0) {
        if (this.pending.length >= maxDepth) throw new ProtocolError(`message nests deeper than ${maxDepth} levels`);
        this.pos += headBytes;
        this.pending.push(children);
        continue;
      }
      if (next > total) {
        this.skipUntil = next;
        return INCOMPLETE;
      }
      this.pos = next;
      if (this.finishOne()) return this.pos;
    }
  }

  /** One object finished: count it against its container. True when the top-level object is complete. */
  private finishOne(): boolean {
    const pending = this.pending;
    while (pending.length > 0) {
      const left = pending[pending.length - 1] - 1;
      if (left > 0) {
        pending[pending.length - 1] = left;
        return false;
      }
      pending.pop();
    }
    return true;
  }
}

/**
 * Decodes one complete msgpack object with strings kept as raw bytes and maps keyed by their UTF-8 text. Used for the
 * protocol envelope (handshake, options), never for records. Returns the value and the offset after it.
 */
export function decodeRaw(buf: Buffer, pos: number, end: number = buf.length): [RawValue, number] {
  if (!readHead(buf, pos, end)) throw new ProtocolError('truncated msgpack value');
  const { headBytes, bodyBytes, children } = head;
  const b = buf[pos];
  const body = pos + headBytes;
  const after = body + bodyBytes;
  if (after > end) throw new ProtocolError('truncated msgpack value');
  if (b <= 0x7f) return [b, after];
  if (b >= 0xe0) return [b - 0x100, after];
  if ((b >= 0x80 && b <= 0x8f) || b === 0xde || b === 0xdf) {
    const map = new Map<string, RawValue>();
    let at = body;
    for (let i = 0; i < children / 2; i++) {
      const [key, afterKey] = decodeRaw(buf, at, end);
      const [value, afterValue] = decodeRaw(buf, afterKey, end);
      map.set(key instanceof RawString ? key.text : String(key), value);
      at = afterValue;
    }
    return [map, at];
  }
  if ((b >= 0x90 && b <= 0x9f) || b === 0xdc || b === 0xdd) {
    const items: RawValue[] = [];
    let at = body;
    for (let i = 0; i < children; i++) {
      const [item, next] = decodeRaw(buf, at, end);
      items.push(item);
      at = next;
    }
    return [items, at];
  }
  if ((b >= 0xa0 && b <= 0xbf) || b === 0xd9 || b === 0xda || b === 0xdb) return [new RawString(buf.subarray(body, after)), after];
  switch (b) {
    case 0xc0: return [null, after];
    case 0xc2: return [false, after];
    case 0xc3: return [true, after];
    case 0xc4: case 0xc5: case 0xc6: return [buf.subarray(body, after), after];
    case 0xca: return [buf.readFloatBE(body), after];
    case 0xcb: return [buf.readDoubleBE(body), after];
    case 0xcc: return [buf[body], after];
    case 0xcd: return [buf.readUInt16BE(body), after];
    case 0xce: return [buf.readUInt32BE(body), after];
    case 0xcf: return [buf.readBigUInt64BE(body), after];
    case 0xd0: return [buf.readInt8(body), after];
    case 0xd1: return [buf.readInt16BE(body), after];
    case 0xd2: return [buf.readInt32BE(body), after];
    case 0xd3: return [buf.readBigInt64BE(body), after];
    default: // ext: the type byte is the first byte of the body
      return [{ ext: buf.readInt8(body), data: buf.subarray(body + 1, after) }, after];
  }
}

/** Values the server sends: handshake replies and acks. */
export type Encodable = null | boolean | string | Buffer | RawString | Encodable[] | Map<string, Encodable>;

/** Encodes with the smallest header for each value, as Fluent Bit and Fluentd do (acks must match byte for byte). */
export function encode(value: Encodable): Buffer {
  const parts: Buffer[] = [];
  encodeInto(value, parts);
  return Buffer.concat(parts);
}

function encodeInto(value: Encodable, parts: Buffer[]): void {
  if (value === null) return void parts.push(Buffer.of(0xc0));
  if (typeof value === 'boolean') return void parts.push(Buffer.of(value ? 0xc3 : 0xc2));
  if (typeof value === 'string' || value instanceof RawString) {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value.bytes;
    parts.push(lengthHeader(bytes.length, 0xa0, 31, 0xd9, 0xda, 0xdb), bytes);
    return;
  }
  if (Buffer.isBuffer(value)) {
    parts.push(lengthHeader(value.length, -1, -1, 0xc4, 0xc5, 0xc6), value);
    return;
  }
  if (value instanceof Map) {
    parts.push(lengthHeader(value.size, 0x80, 15, -1, 0xde, 0xdf));
    for (const [key, item] of value) {
      encodeInto(key, parts);
      encodeInto(item, parts);
    }
    return;
  }
  parts.push(arrayHeader(value.length));
  for (const item of value) encodeInto(item, parts);
}

/** The smallest array header for `length` items (fixarray, array16 or array32), as Fluent Bit writes it. */
export function arrayHeader(length: number): Buffer {
  return lengthHeader(length, 0x90, 15, -1, 0xdc, 0xdd);
}

function lengthHeader(length: number, fixBase: number, fixMax: number, op8: number, op16: number, op32: number): Buffer {
  if (length <= fixMax) return Buffer.of(fixBase | length);
  if (op8 >= 0 && length <= 0xff) return Buffer.of(op8, length);
  if (length <= 0xffff) return Buffer.of(op16, length >> 8, length & 0xff);
  const out = Buffer.alloc(5);
  out[0] = op32;
  out.writeUInt32BE(length, 1);
  return out;
}
