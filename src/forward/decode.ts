/** Decodes forward requests of all four modes into entries, keeping `{log: str}` lines as undecoded bytes. */
import { Unpackr, addExtension } from 'msgpackr';
import { EventTime } from './event-time.js';
import type { ForwardEntry, LogLine } from './message.js';
import { ProtocolError, RawString, decodeRaw, skipValue, type RawValue } from './msgpack.js';

// EventTime is ext type 0 (fixext8, or ext8 from some Fluentd versions). msgpackr keeps extensions globally.
addExtension({
  type: 0,
  unpack(data: Buffer) {
    const time = EventTime.fromExt(data);
    if (!time) throw new ProtocolError(`EventTime must be 8 bytes, got ${data.length}`);
    return time;
  },
});

/**
 * Records other than `{log: str}` lines (see readLineEntry) are decoded by msgpackr: maps become plain objects, integers beyond ±2^53 become BigInt (Audit IDs must
 * keep every digit), everything else a number. Bin values are views of the message buffer, which is never reused.
 */
// 'auto' is documented by msgpackr but missing from its type definitions.
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'bigint' });

export type ForwardMode = 'message' | 'forward' | 'packed' | 'compressed';

/** The options map of a request, as far as the server acts on it. */
export interface ForwardOptions {
  /** The chunk id exactly as sent, echoed in the ack. */
  chunk: RawString | undefined;
  compressed: string | undefined;
  /** 0 = logs, 1 = metrics, 2 = traces (Fluent Bit's `fluent_signal`). */
  signal: number;
}

export type DecodedRequest =
  | { kind: 'heartbeat' }
  | { kind: 'entries'; mode: ForwardMode; tag: string; options: ForwardOptions; entries: ForwardEntry[] }
  /** CompressedPackedForward: the payload still has to be decompressed (asynchronously) before decodeEntries. */
  | { kind: 'compressed'; tag: string; options: ForwardOptions; payload: Buffer };

function arrayHeader(buf: Buffer): { length: number; start: number } | undefined {
  const b = buf[0];
  if (b >= 0x90 && b <= 0x9f) return { length: b & 0x0f, start: 1 };
  if (b === 0xdc && buf.length >= 3) return { length: buf.readUInt16BE(1), start: 3 };
  if (b === 0xdd && buf.length >= 5) return { length: buf.readUInt32BE(1), start: 5 };
  return undefined;
}

function describe(value: RawValue): string {
  if (value === null) return 'nil';
  if (value instanceof RawString) return 'str';
  if (value instanceof Map) return 'map';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bin';
  if (typeof value === 'object') return `ext ${value.ext}`;
  return typeof value;
}

function readOptions(value: RawValue | undefined): ForwardOptions {
  if (value === undefined || value === null) return { chunk: undefined, compressed: undefined, signal: 0 };
  if (!(value instanceof Map)) throw new ProtocolError(`options must be a map, got ${describe(value)}`);
  const chunk = value.get('chunk');
  if (chunk !== undefined && chunk !== null && !(chunk instanceof RawString) && !(chunk instanceof Uint8Array)) {
    throw new ProtocolError(`option chunk must be a str, got ${describe(chunk)}`);
  }
  const compressed = value.get('compressed');
  if (compressed !== undefined && compressed !== null && !(compressed instanceof RawString)) {
    throw new ProtocolError(`option compressed must be a str, got ${describe(compressed)}`);
  }
  const signal = value.get('fluent_signal');
  return {
    // A copy of the few bytes: a view would keep the whole request buffer (megabytes) alive until the ack.
    chunk: chunk == null ? undefined : new RawString(Buffer.from(chunk instanceof RawString ? chunk.bytes : chunk)),
    compressed: compressed instanceof RawString ? compressed.text : undefined,
    signal: typeof signal === 'number' ? signal : 0,
  };
}

/**
 * Decodes one complete top-level request: Message `[tag, time, record, options?]`, Forward `[tag, [entries],
 * options?]`, PackedForward `[tag, bin|str, options?]` (Fluentd sends str32 payloads), CompressedPackedForward (the
 * same with `compressed`), or a nil heartbeat.
 */
export function decodeRequest(buf: Buffer): DecodedRequest {
  if (buf[0] === 0xc0) return { kind: 'heartbeat' };
  const array = arrayHeader(buf);
  if (!array) throw new ProtocolError(`a request must be an array [tag, ...], got ${describe(decodeRaw(buf, 0)[0])}`);
  if (array.length < 2 || array.length > 4) throw new ProtocolError(`a request must have 2 to 4 elements, got ${array.length}`);
  const [tagValue, secondAt] = decodeRaw(buf, array.start);
  if (!(tagValue instanceof RawString)) throw new ProtocolError(`tag must be a str, got ${describe(tagValue)}`);
  const tag = tagValue.text;
  const second = buf[secondAt];
  const isArray = (second >= 0x90 && second <= 0x9f) || second === 0xdc || second === 0xdd;
  const isBytes = (second >= 0xa0 && second <= 0xbf) || (second >= 0xd9 && second <= 0xdb) || (second >= 0xc4 && second <= 0xc6);

  if (isArray || isBytes) {
    if (array.length > 3) throw new ProtocolError(`a Forward or PackedForward request has at most 3 elements, got ${array.length}`);
    const secondEnd = skipValue(buf, secondAt);
    const options = readOptions(array.length === 3 ? decodeRaw(buf, secondEnd)[0] : undefined);
    if (isArray) {
      const entriesAt = arrayHeader(buf.subarray(secondAt, secondEnd))!;
      return { kind: 'entries', mode: 'forward', tag, options, entries: readEntries(buf, secondAt + entriesAt.start, secondEnd, entriesAt.length) };
    }
    const [payloadValue] = decodeRaw(buf, secondAt);
    const payload = payloadValue instanceof RawString ? payloadValue.bytes : (payloadValue as Buffer);
    if (options.compressed !== undefined && options.compressed !== 'text') return { kind: 'compressed', tag, options, payload };
    return { kind: 'entries', mode: 'packed', tag, options, entries: decodeEntries(payload) };
  }

  // Message mode: [tag, time, record, options?]
  if (array.length < 3) throw new ProtocolError('a Message request needs [tag, time, record]');
  const timeEnd = skipValue(buf, secondAt);
  const recordEnd = skipValue(buf, timeEnd);
  const options = readOptions(array.length === 4 ? decodeRaw(buf, recordEnd)[0] : undefined);
  const entry = normalizeEntry([unpack(buf.subarray(secondAt, timeEnd)), unpack(buf.subarray(timeEnd, recordEnd))], 0);
  return { kind: 'entries', mode: 'message', tag, options, entries: [entry] };
}

/** Decodes a PackedForward payload: a concatenation of `[time, record]` entries. */
export function decodeEntries(payload: Buffer): ForwardEntry[] {
  return readEntries(payload, 0, payload.length, Infinity);
}

/**
 * Reads `count` entries (or up to `end`) from `pos`. An entry shaped as Fluent Bit writes a `Format none` record,
 * `[EventTime, {"log": str}]` or `[[EventTime, {}], {"log": str}]`, is read here from its bytes and its line left
 * undecoded (a `LineEntry`); any other entry is decoded by msgpackr.
 */
function readEntries(buf: Buffer, pos: number, end: number, count: number): ForwardEntry[] {
  const entries: ForwardEntry[] = [];
  while (entries.length < count && pos < end) {
    const index = entries.length;
    const line = readLineEntry(buf, pos, end);
    if (line !== undefined) {
      entries.push(line);
      pos = line.end;
      continue;
    }
    let entryEnd: number;
    try {
      entryEnd = skipValue(buf, pos, end);
    } catch (error) {
      throw new ProtocolError(`invalid entries payload: entry ${index}: ${(error as Error).message}`);
    }
    const value = unpack(buf.subarray(pos, entryEnd));
    if (!Array.isArray(value) || value.length !== 2) throw new ProtocolError(`entry ${index} must be [time, record]`);
    entries.push(normalizeEntry(value, index));
    pos = entryEnd;
  }
  if (count !== Infinity && entries.length < count) throw new ProtocolError(`invalid entries: ${count} declared, ${entries.length} present`);
  return entries;
}

/** An entry whose record is a line left as UTF-8 bytes; `record` decodes it only if someone asks. */
class LineEntry implements ForwardEntry, LogLine {
  readonly metadata: Record<string, unknown> | undefined;
  constructor(
    readonly time: EventTime,
    emptyMetadata: boolean,
    readonly bytes: Buffer,
    readonly start: number,
    readonly end: number,
  ) {
    this.metadata = emptyMetadata ? {} : undefined;
  }

  get line(): LogLine {
    return this;
  }

  get record(): Record<string, unknown> {
    if (this.bytes.length < this.end) throw new Error('forward entry read after its request was released (after its message settled)');
    return { log: this.bytes.toString('utf8', this.start, this.end) };
  }
}

/** `log` as a fixstr. */
const LOG_KEY = [0xa3, 0x6c, 0x6f, 0x67];

/**
 * The index after an array or map header at `p` of `size` (< 16) items, in any width (Fluent Bit writes map32 and
 * array32 in places), or -1. `fix` is the fixarray/fixmap base, `wide` the 16-bit form (the 32-bit one follows it).
 */
function afterHeader(buf: Buffer, p: number, fix: number, wide: number, size: number): number {
  const b = buf[p];
  if (b === (fix | size)) return p + 1;
  if (b === wide && buf[p + 1] === 0 && buf[p + 2] === size) return p + 3;
  if (b === wide + 1 && buf[p + 1] === 0 && buf[p + 2] === 0 && buf[p + 3] === 0 && buf[p + 4] === size) return p + 5;
  return -1;
}

/** The `Format none` entry at `pos`, read from its bytes, or undefined for any other shape (msgpackr's to decode). */
function readLineEntry(buf: Buffer, pos: number, end: number): LineEntry | undefined {
  let p = afterHeader(buf, pos, 0x90, 0xdc, 2);
  if (p < 0) return undefined;
  // [[time, metadata], record]: only the empty metadata map Fluent Bit sends is read here.
  const head = afterHeader(buf, p, 0x90, 0xdc, 2);
  const emptyMetadata = head >= 0;
  if (emptyMetadata) p = head;
  // EventTime: fixext8 or ext8 of type 0, 4 bytes of seconds then 4 of nanoseconds.
  if (buf[p] === 0xd7 && buf[p + 1] === 0) p += 2;
  else if (buf[p] === 0xc7 && buf[p + 1] === 8 && buf[p + 2] === 0) p += 3;
  else return undefined;
  if (p + 8 > end) return undefined;
  const time = new EventTime(buf.readUInt32BE(p), buf.readUInt32BE(p + 4));
  p += 8;
  if (emptyMetadata) {
    p = afterHeader(buf, p, 0x80, 0xde, 0);
    if (p < 0) return undefined;
  }
  p = afterHeader(buf, p, 0x80, 0xde, 1);
  if (p < 0 || buf[p] !== LOG_KEY[0] || buf[p + 1] !== LOG_KEY[1] || buf[p + 2] !== LOG_KEY[2] || buf[p + 3] !== LOG_KEY[3]) return undefined;
  p += 4;
  // The value must be a str (fixstr, str8/16/32: 1, 2, 3 or 5 header bytes); skipValue finds where it ends.
  const b = buf[p];
  const headerBytes = b >= 0xa0 && b <= 0xbf ? 1 : b === 0xd9 ? 2 : b === 0xda ? 3 : b === 0xdb ? 5 : 0;
  if (headerBytes === 0) return undefined;
  let strEnd: number;
  try {
    strEnd = skipValue(buf, p, end);
  } catch {
    return undefined; // truncated: msgpackr's path names the error
  }
  return new LineEntry(time, emptyMetadata, buf, p + headerBytes, strEnd);
}

function unpack(bytes: Buffer): unknown {
  try {
    return unpackr.unpack(bytes);
  } catch (error) {
    throw new ProtocolError(`invalid msgpack: ${(error as Error).message}`);
  }
}

function normalizeEntry([head, record]: unknown[], index: number): ForwardEntry {
  let time = head;
  let metadata: Record<string, unknown> | undefined;
  if (Array.isArray(head)) {
    // Fluent Bit ≥ 5.0.5: [[time, metadata], record]
    if (head.length !== 2 || !isPlainMap(head[1])) throw new ProtocolError(`entry ${index}: header must be [time, metadata map]`);
    time = head[0];
    metadata = head[1];
  }
  if (!isPlainMap(record)) throw new ProtocolError(`entry ${index}: record must be a map`);
  return { time: toEventTime(time, index), metadata, record };
}

function toEventTime(time: unknown, index: number): EventTime {
  if (time instanceof EventTime) return time;
  if (typeof time === 'number' && Number.isFinite(time) && time >= 0) return EventTime.fromNumber(time);
  throw new ProtocolError(`entry ${index}: time must be an EventTime, an integer or a float, got ${typeof time}`);
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof EventTime) && !(value instanceof Date);
}
