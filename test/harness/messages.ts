/**
 * Pre-encoded forward messages for the load generator, shaped exactly as Fluent Bit 5.1.1's out_forward sends them
 * (Forward mode, `[[EventTime, {}], record]` entries, `{chunk, size, fluent_signal: 0}` options; see
 * encodeForwardMessage). A pool of a few distinct messages per log type is generated and encoded once; each message
 * handed out is a copy of one of them with its records' sequence numbers and its chunk id patched in place, so
 * producing a message costs one memcpy, not a re-encoding. A message handed back with `recycle` once it is acked lends
 * its buffer to a later message of the same template, which then costs only the patching: a fresh 2.4 MB Buffer per
 * message (allocation, page faults, collection) cost the generator more CPU than all the patching.
 */
import { randomBytes } from 'node:crypto';
import { encodeForwardMessage } from '../../src/forward/client.js';
import { LssGenerator, seededRandom } from '../../src/zpa/index.js';
import { SEQ_BASE, SEQ_DIGITS, SEQ_KEY } from './seq.js';

/** `none`: `{log: "<raw JSON line>"}` (Fluent Bit `Format none`); `json`: the parsed record as a msgpack map. */
export type RecordFormat = 'none' | 'json';

export interface LoadMessage {
  bytes: Buffer;
  chunk: string;
  records: number;
  /** Sequence numbers [firstSeq, firstSeq + records). */
  firstSeq: number;
  /** Which template of its pool it was patched from (see MessagePool.recycle). */
  template?: number;
}

interface Template {
  bytes: Buffer;
  /** Where each record's sequence number is written. */
  seqOffsets: number[];
  /** Where the 24 base64 characters of the chunk id are. */
  chunkOffset: number;
  index: number;
  /** Buffers of acked messages of this template, to be patched and sent again. */
  free: Buffer[];
}

const PLACEHOLDER_JSON = SEQ_BASE; // 13 digits
const PLACEHOLDER_UINT32 = 0xf0000000; // packed as uint32 (0xce + 4 bytes)
const JSON_MARKER = Buffer.from(`"${SEQ_KEY}":`);
const MSGPACK_MARKER = Buffer.concat([Buffer.of(0xa0 | SEQ_KEY.length), Buffer.from(SEQ_KEY), Buffer.of(0xce)]);
const CHUNK_KEY = Buffer.concat([Buffer.of(0xa5), Buffer.from('chunk')]);

export class MessagePool {
  private readonly templates: Template[] = [];
  private next = 0;
  /** Unique chunk ids: a random prefix per pool and a counter. */
  private readonly chunkId = randomBytes(16);
  private chunkCounter = 0;
  readonly bytesPerRecord: number;

  constructor(
    readonly logType: string,
    readonly format: RecordFormat,
    readonly recordsPerMessage: number,
    options: { distinct?: number; seed?: number; generator?: LssGenerator } = {},
  ) {
    const generator = options.generator ?? new LssGenerator();
    const random = seededRandom(options.seed ?? 7);
    for (let t = 0; t < (options.distinct ?? 4); t++) {
      const records = Array.from({ length: recordsPerMessage }, () => benchRecord(generator.line(logType, 'json', random), format));
      const { bytes } = encodeForwardMessage(`zpa.${logType}`, records);
      const marker = format === 'none' ? JSON_MARKER : MSGPACK_MARKER;
      const seqOffsets: number[] = [];
      for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 1)) seqOffsets.push(at + marker.length);
      if (seqOffsets.length !== recordsPerMessage) throw new Error(`${logType}: found ${seqOffsets.length} sequence numbers in a message of ${recordsPerMessage} records`);
      const chunkKey = bytes.lastIndexOf(CHUNK_KEY);
      if (chunkKey < 0 || bytes[chunkKey + CHUNK_KEY.length] !== (0xa0 | 24)) throw new Error('unexpected options map in the encoded message');
      this.templates.push({ bytes, seqOffsets, chunkOffset: chunkKey + CHUNK_KEY.length + 1, index: t, free: [] });
    }
    this.bytesPerRecord = this.templates.reduce((sum, t) => sum + t.bytes.length, 0) / this.templates.length / recordsPerMessage;
  }

  /** A new message whose records carry the sequence numbers [firstSeq, firstSeq + recordsPerMessage). */
  message(firstSeq: number): LoadMessage {
    const template = this.templates[this.next++ % this.templates.length];
    // A copy (or a recycled one): an unacked message may be resent while others are patched.
    const bytes = template.free.pop() ?? Buffer.from(template.bytes);
    const offsets = template.seqOffsets;
    for (let i = 0; i < offsets.length; i++) {
      if (this.format === 'none') writeDigits(bytes, offsets[i], SEQ_BASE + firstSeq + i);
      else bytes.writeUInt32BE(firstSeq + i, offsets[i]);
    }
    this.chunkId.writeUInt32BE(this.chunkCounter++ >>> 0, 12);
    const chunk = this.chunkId.toString('base64');
    bytes.write(chunk, template.chunkOffset, 'latin1');
    return { bytes, chunk, records: offsets.length, firstSeq, template: template.index };
  }

  /**
   * The message was acked and will never be sent again: its buffer may be patched into a later message. Only for
   * callers that drop every reference to it (the load client's `onAcked`); a message not handed back is simply kept.
   */
  recycle(message: LoadMessage): void {
    const template = message.template === undefined ? undefined : this.templates[message.template];
    if (template?.bytes.length === message.bytes.length) template.free.push(message.bytes);
  }
}

/** A generator of consecutive messages from a pool, numbering records from `firstSeq`, up to `maxRecords` records. */
export function messageSource(pool: MessagePool, firstSeq: number, maxRecords = Infinity): { next(): LoadMessage | undefined; readonly nextSeq: number; stop(): void } {
  let seq = firstSeq;
  let limit = firstSeq + maxRecords;
  return {
    next() {
      if (seq + pool.recordsPerMessage > limit) return undefined;
      const message = pool.message(seq);
      seq += message.records;
      return message;
    },
    get nextSeq() {
      return seq;
    },
    stop() {
      limit = seq;
    },
  };
}

/**
 * One record as Fluent Bit hands it over: the raw line (with the sequence number as the first key) for `Format none`;
 * for `Format json`, the parsed record with integers beyond 2^53 kept exact as BigInt (Fluent Bit packs them as int64).
 */
function benchRecord(line: string, format: RecordFormat): Record<string, unknown> {
  if (!line.startsWith('{')) throw new Error(`expected a JSON line, got ${line.slice(0, 40)}`);
  if (format === 'none') return { log: `{"${SEQ_KEY}":${PLACEHOLDER_JSON},${line.slice(1)}` };
  const parsed = JSON.parse(line.replace(/:\s*(-?\d{16,})(?=\s*[,}])/g, ':"\\u0000big$1"'), (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith('\u0000big') ? BigInt(value.slice(4)) : value,
  ) as Record<string, unknown>;
  return { [SEQ_KEY]: PLACEHOLDER_UINT32, ...parsed };
}

function writeDigits(bytes: Buffer, offset: number, value: number): void {
  for (let i = SEQ_DIGITS - 1; i >= 0; i--) {
    bytes[offset + i] = 48 + (value % 10);
    value = Math.floor(value / 10);
  }
}
