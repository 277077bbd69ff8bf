/** docs/metrics.md lists exactly the series /metrics serves, each with its type. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { configSchema } from '../src/config/config.js';
import { relayMetrics } from '../src/ops/relay-metrics.js';
import { snapshotOf } from '../src/ops/snapshot.js';
import { Relay } from '../src/relay.js';
import { REPO_DIR } from './helpers/paths.js';

test('docs/metrics.md has one row for every series /metrics serves, with its type, and no other', () => {
  const config = configSchema.parse({ listen: { host: '127.0.0.1', port: 0 }, sinks: [{ type: 'ndjson', name: 'siem', url: 'http://127.0.0.1:1/' }], ops: { enabled: false } });
  const served = new Map([...relayMetrics(snapshotOf(new Relay({ config, logger: pino({ level: 'silent' }) }))).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
  const documented = new Map([...readFileSync(path.join(REPO_DIR, 'docs', 'metrics.md'), 'utf8').matchAll(/^\| `(zpa_relay_\w+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2]]));
  assert.ok(served.size > 30, `${served.size} series`);
  assert.deepEqual(Object.fromEntries([...documented].sort()), Object.fromEntries([...served].sort()));
});
