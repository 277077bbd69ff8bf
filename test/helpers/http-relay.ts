/** A dispatcher with one sink built from config, its dead letters, and waiting helpers for the sink tests. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pino from 'pino';
import { OcsfTransformer } from '../../src/ocsf/index.js';
import { Dispatcher } from '../../src/pipeline/dispatcher.js';
import { createSink, sinkConfigSchema } from '../../src/sinks/config.js';
import { DeadLetterWriter } from '../../src/sinks/dead-letter.js';
import type { Sink } from '../../src/contract.js';

const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-http-'));
let ocsf: OcsfTransformer | undefined;
/** The OCSF transformer, loaded once, for sinks with `output: ocsf`. */
const transformer = () => (ocsf ??= OcsfTransformer.load());
let files = 0;

/** Quick retries and short batching so fault tests run in milliseconds (and fail within 20 s rather than hang); each test overrides what it exercises. */
export const FAST = { retry: { initial_delay: 5, max_delay: 40, max_age: '20s' }, batch: { max_wait: 5 } };

export interface Relay {
  sink: Sink;
  dispatcher: Dispatcher;
  deadLetters(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** A dispatcher with one sink built from YAML-shaped config (parsed by the real schema), dead letters to a temp file. */
export function relayTo(config: Record<string, unknown>, budget = { records: 1_000_000, bytes: 1 << 30 }, logger?: pino.Logger): Relay {
  const deadLetterPath = path.join(dir, `dead-${files++}.ndjson`);
  const deadLetter = new DeadLetterWriter({ path: deadLetterPath, fsync: false }, logger);
  const parsed = sinkConfigSchema.parse(config);
  const toOcsf = parsed.output === 'ocsf' ? transformer().toOcsf.bind(transformer()) : undefined;
  const sink = createSink(parsed, { deadLetter, logger, toOcsf });
  const dispatcher = new Dispatcher({ sinks: [sink], deadLetter, maxInFlightRecords: budget.records, maxInFlightBytes: budget.bytes, logger });
  return {
    sink,
    dispatcher,
    deadLetters: () =>
      existsSync(deadLetterPath)
        ? readFileSync(deadLetterPath, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
    close: () => dispatcher.close(1000),
  };
}

/** Resolves to the promise's state after `ms`: how a test sees "not acked yet". */
export function stateAfter(promise: Promise<unknown>, ms = 30): Promise<'resolved' | 'rejected' | 'pending'> {
  return Promise.race([
    promise.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms)),
  ]);
}

/** Poll until `condition` holds (tests wait for behaviour, not for fixed times). */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
