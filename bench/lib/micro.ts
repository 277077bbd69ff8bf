/**
 * In-process micro-benchmarks of the relay's three stages on the very messages the end-to-end run sends: forward
 * decode (framing is a header walk; this is decodeRequest, msgpack → entries), parse + validate + enrich
 * (ZpaProcessor.processBytes for \`Format none\` lines, as the relay does), and encode + compress (NDJSON body, gzip level 1 as the gzip presets use). Figures are
 * records per CPU-second of this process.
 */
import { gzipSync } from 'node:zlib';
import { decodeRequest } from '../../src/forward/decode.js';
import type { ForwardEntry } from '../../src/forward/message.js';
import { ZpaProcessor, loadSchemas } from '../../src/zpa/index.js';
import type { MessagePool } from './messages.js';

export interface MicroResult {
  decode: number;
  process: number;
  encodeGzip: number;
  /** Records rejected by the processor (should be 0: the generator makes valid records). */
  rejected: number;
}

let processor: ZpaProcessor | undefined;

/** Runs `work` (which handles `records` records) repeatedly for about `seconds` of CPU; records per CPU-second. */
function perCpuSecond(records: number, seconds: number, work: () => void): number {
  work(); // warm-up
  const start = process.cpuUsage();
  let n = 0;
  let used = 0;
  while (used < seconds * 1e6) {
    work();
    n += records;
    const cpu = process.cpuUsage(start);
    used = cpu.user + cpu.system;
  }
  return n / (used / 1e6);
}

export function microBenchmark(pool: MessagePool, seconds = 0.5): MicroResult {
  processor ??= new ZpaProcessor(loadSchemas());
  const zpa = processor;
  const message = pool.message(0);
  const decoded = decodeRequest(message.bytes);
  if (decoded.kind !== 'entries') throw new Error(`unexpected request kind ${decoded.kind}`);
  const entries: ForwardEntry[] = decoded.entries;
  const ctx = { tag: decoded.tag, source: '127.0.0.1' };
  const processEntry = (entry: ForwardEntry) => (entry.line === undefined ? zpa.process(entry.record, ctx) : zpa.processBytes(entry.line.bytes, entry.line.start, entry.line.end, ctx));
  const json: string[] = [];
  let rejected = 0;
  for (const entry of entries) {
    const outcome = processEntry(entry);
    if (outcome.ok) json.push(outcome.text.json);
    else rejected++;
  }
  return {
    decode: perCpuSecond(entries.length, seconds, () => decodeRequest(message.bytes)),
    process: perCpuSecond(entries.length, seconds, () => {
      for (const entry of entries) processEntry(entry);
    }),
    encodeGzip: perCpuSecond(json.length, seconds, () => gzipSync(Buffer.from(json.join('\n') + '\n'), { level: 1 })),
    rejected,
  };
}
