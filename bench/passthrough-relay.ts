/**
 * The relay with its ZPA processor replaced by a pass-through: every record goes to the sinks as received (a
 * `Format none` line as a view of its bytes, a decoded record as its JSON), not parsed, validated or enriched. Forward
 * decoding, settlement, batching, HTTP and acks are the relay's own. What `npm run bench -- --passthrough` starts, to
 * measure what the plumbing costs per record on this machine: the floor under any processor. Not a product mode.
 *   node dist/bench/passthrough-relay.js --config FILE
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.js';
import { applyRuntimeHeapFlags } from '../src/config/heap.js';
import { createLogger } from '../src/ops/logger.js';
import { RecordText } from '../src/shared/record-text.js';
import { runSingle } from '../src/workers.js';
import { recordToJson } from '../src/zpa/record-json.js';
import type { Outcome, RecordProcessor } from '../src/contract.js';

const LOG_TYPE = 'passthrough';
const CLOSING_BRACE = 0x7d;

const passthrough: RecordProcessor = {
  process: (record, ctx) => ({ text: RecordText.of(recordToJson(record)), logType: LOG_TYPE, eventTimeMs: Date.now(), tag: ctx.tag, source: ctx.source }),
  processBytes(bytes, start, end, ctx): Outcome {
    // The head is the line up to its closing brace, the tail the brace: the shape the ZPA processor gives the sinks.
    let close = end - 1;
    while (close >= start && bytes[close] !== CLOSING_BRACE) close--;
    if (close < start) return { reason: 'unparsable', detail: 'no closing brace', logType: undefined, tag: ctx.tag, source: ctx.source, raw: bytes.toString('utf8', start, end) };
    return { text: RecordText.view(bytes, start, close, '}'), logType: LOG_TYPE, eventTimeMs: Date.now(), tag: ctx.tag, source: ctx.source };
  },
};

const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } }, strict: true });
const config = loadConfig(values.config);
if (config.workers !== 1) throw new Error('the pass-through relay runs as one process (workers: 1)');
applyRuntimeHeapFlags(config); // as the relay's CLI does before it starts a relay
await runSingle(config, createLogger(config.log.level), passthrough);
