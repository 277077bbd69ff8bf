/**
 * In-process micro-benchmarks of the relay's three stages on the very messages the end-to-end run sends: forward
 * decode (framing is a header walk; this is decodeRequest, msgpack → entries), parse + validate + enrich
 * (ZpaProcessor.processBytes for `Format none` lines, as the relay does), and encode + compress (NDJSON body, gzip
 * level 1 as the gzip presets use). Beside them, two yardsticks that move with the machine as the relay does: the
 * straightforward pipeline (msgpackr → JSON.parse → a zod schema → JSON.stringify) and JSON.parse of each line alone,
 * the least any parsing pipeline does. Figures are records per CPU-second of this process.
 */
import { gzipSync } from 'node:zlib';
import { Unpackr } from 'msgpackr';
import { z } from 'zod';
import { decodeRequest } from '../../src/forward/decode.js';
import type { ForwardEntry } from '../../src/forward/message.js';
import { ZpaProcessor, loadSchemas, type LogSchema, type SchemaSet } from '../../src/zpa/index.js';
import { recordsPerCpuSecond } from './cpu-rate.js';
import type { MessagePool } from './messages.js';
import { isFailure } from '../../src/contract.js';

export interface MicroResult {
  decode: number;
  process: number;
  encodeGzip: number;
  /** msgpackr → JSON.parse of the line (Format none) → zod → JSON.stringify, per record. */
  straightforward: number;
  /** JSON.parse of each line alone; undefined for Format json records, which have no line. */
  jsonParse: number | undefined;
  /** Records rejected by the processor (should be 0: the generator makes valid records). */
  rejected: number;
  /** Records of the message the straightforward pipeline's schema rejects (should be 0 too). */
  straightforwardRejected: number;
}

let schemas: SchemaSet | undefined;
let processor: ZpaProcessor | undefined;

/**
 * The schema as a plain zod object, the way one would first write it: each field's JSON type, null allowed where it
 * is optional, other keys passed through (as the relay passes them: LSS records carry keys the schemas do not list).
 * Coercing where LSS is loose, as the relay does: numbers may come quoted, and text fields as numbers.
 */
function zodSchema(schema: LogSchema): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const field of schema.fields) {
    let type: z.ZodType;
    if (field.type === 'string' || field.type === 'timestamp') type = z.coerce.string();
    else if (field.type === 'bigint' || field.type === 'float') type = z.coerce.number();
    else if (field.type === 'boolean') type = z.boolean();
    else type = z.unknown();
    shape[field.name] = field.required ? type : type.nullish();
  }
  return z.looseObject(shape);
}

/** A Format json record's int64 as text: JSON.stringify refuses a BigInt, and a replacer would slow it down. */
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'string' });

export function microBenchmark(pool: MessagePool, seconds = 1): MicroResult {
  schemas ??= loadSchemas();
  processor ??= new ZpaProcessor(schemas);
  const zpa = processor;
  const message = pool.message(0);
  const decoded = decodeRequest(message.bytes);
  if (decoded.kind !== 'entries') throw new Error(`unexpected request kind ${decoded.kind}`);
  const entries: ForwardEntry[] = decoded.entries;
  const ctx = { tag: decoded.tag, address: '127.0.0.1', source: '127.0.0.1' };
  const processEntry = (entry: ForwardEntry) => (entry.line === undefined ? zpa.process(entry.record, ctx) : zpa.processBytes(entry.line.bytes, entry.line.start, entry.line.end, ctx));
  const json: string[] = [];
  let rejected = 0;
  for (const entry of entries) {
    const outcome = processEntry(entry);
    if (!isFailure(outcome)) json.push(outcome.text.json);
    else rejected++;
  }
  const schema = schemas.byId.get(pool.logType);
  if (schema === undefined) throw new Error(`no schema for ${pool.logType}`);
  const validator = zodSchema(schema);
  // Forward mode: [tag, [[time, record], ...], options].
  const straightforward = (): number => {
    let rejects = 0;
    const [, records] = unpackr.unpack(message.bytes) as [string, [unknown, Record<string, unknown>][]];
    for (const [, record] of records) {
      const line = record.log;
      const parsed = validator.safeParse(typeof line === 'string' ? JSON.parse(line) : record);
      if (parsed.success) JSON.stringify(parsed.data);
      else rejects++;
    }
    return rejects;
  };
  const lines = entries.flatMap((entry) => (entry.line === undefined ? [] : [entry.line.bytes.toString('utf8', entry.line.start, entry.line.end)]));
  return {
    straightforward: recordsPerCpuSecond(entries.length, seconds, straightforward),
    jsonParse: lines.length === 0 ? undefined : recordsPerCpuSecond(lines.length, seconds, () => lines.forEach((line) => JSON.parse(line))),
    decode: recordsPerCpuSecond(entries.length, seconds, () => decodeRequest(message.bytes)),
    process: recordsPerCpuSecond(entries.length, seconds, () => {
      for (const entry of entries) processEntry(entry);
    }),
    encodeGzip: recordsPerCpuSecond(json.length, seconds, () => gzipSync(Buffer.from(json.join('\n') + '\n'), { level: 1 })),
    rejected,
    straightforwardRejected: straightforward(),
  };
}
