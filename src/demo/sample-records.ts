/** One record of every LSS log type as sinks receive them: generated lines read by the relay's processor on its byte path. */
import type { Config } from '../config/config.js';
import { configSchema } from '../config/config.js';
import { isFailure, type Delivery } from '../contract.js';
import { zpaProcessorFor } from '../relay.js';
import { LssGenerator, seededRandom, type LssFormat } from '../zpa/index.js';

export interface SampleRecord {
  /** The log type id (`user-activity`, ...). */
  id: string;
  /** The LSS line as sent. */
  line: string;
  record: Delivery;
}

/**
 * A record per log type, in LSS's default JSON format unless `format` says otherwise. The lines sit in one buffer, as
 * in a forward request, and each record is read from it as the relay reads a `Format none` record: its text and its
 * line are ranges of that buffer.
 */
export function sampleRecords(options: { config?: Config; format?: LssFormat; seed?: number } = {}): SampleRecord[] {
  const config = options.config ?? configSchema.parse({});
  const processor = zpaProcessorFor(config);
  const generator = new LssGenerator();
  const random = seededRandom(options.seed ?? 1);
  const lines = generator.logTypes().map((id) => ({ id, line: generator.line(id, options.format ?? 'json', random) }));
  const request = Buffer.from(lines.map(({ line }) => `${line}\n`).join(''));
  let start = 0;
  return lines.map(({ id, line }) => {
    const end = start + Buffer.byteLength(line) + 1;
    const outcome = processor.processBytes(request, start, end, { tag: `zpa.${id}`, address: '127.0.0.1', source: 'fluent-bit-0' });
    start = end;
    if (isFailure(outcome)) throw new Error(`sample ${id} line not delivered: ${outcome.reason}: ${outcome.detail}`);
    return { id, line, record: outcome };
  });
}
