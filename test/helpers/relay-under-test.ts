/** A whole relay on 127.0.0.1 delivering to an HttpTarget, its dead letters in a temp file, for end-to-end tests. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { configSchema, type Config } from '../../src/config/config.js';
import type { RecordProcessor } from '../../src/contract.js';
import { Relay } from '../../src/relay.js';
import type { HttpTarget } from './http-target.js';

export interface RelayOverrides {
  listen?: Record<string, unknown>;
  zpa?: Record<string, unknown>;
  dead_letter?: Record<string, unknown>;
  /** Merged into the one sink, `siem`. */
  sink?: Record<string, unknown>;
}

/** `processor`: builds the relay's processor from its configuration instead of the relay doing it. */
export async function startRelay(target: HttpTarget, overrides: RelayOverrides = {}, processor?: (config: Config) => RecordProcessor) {
  const deadLetterPath = path.join(mkdtempSync(path.join(tmpdir(), 'zpa-relay-e2e-')), 'dead.ndjson');
  const config = configSchema.parse({
    listen: { host: '127.0.0.1', port: 0, ...overrides.listen },
    zpa: overrides.zpa,
    dead_letter: { path: deadLetterPath, ...overrides.dead_letter },
    sinks: [{ type: 'ndjson', name: 'siem', url: target.url(), batch: { max_wait: '20ms' }, retry: { initial_delay: 10, max_delay: 50 }, ...overrides.sink }],
    ops: { enabled: false },
  });
  const relay = new Relay({ config, logger: pino({ level: 'silent' }), processor: processor?.(config) });
  const port = await relay.start();
  const deadLetters = () =>
    readFileSync(deadLetterPath, { encoding: 'utf8', flag: 'a+' })
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, string>);
  return { relay, port, deadLetters, stop: () => relay.stop(2000) };
}
