/** A preset's own authorization: awaited before every attempt, so a token it fetches and refreshes is sent fresh. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Dispatcher } from '../src/pipeline/dispatcher.js';
import { sinkConfigSchema } from '../src/sinks/config.js';
import { DeadLetterWriter } from '../src/sinks/dead-letter.js';
import type { HttpSinkConfig } from '../src/sinks/http-config.js';
import { HttpSink } from '../src/sinks/http/sink.js';
import type { Preset } from '../src/sinks/preset.js';
import { ndjsonPreset } from '../src/sinks/presets/ndjson.js';
import { records, seqs } from './helpers/http-records.js';
import { FAST } from './helpers/http-relay.js';
import { HttpTarget } from './helpers/http-target.js';

const targets: HttpTarget[] = [];
after(() => Promise.all(targets.map((target) => target.stop())));
const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-authorize-'));

/** A dispatcher feeding one HTTP sink of this preset (ndjson config with these overrides); dead letters to a temp file. */
function relayWith(preset: Preset, url: string, overrides: Record<string, unknown> = {}) {
  const deadLetterPath = path.join(dir, `dead-${targets.length}.ndjson`);
  const deadLetter = new DeadLetterWriter({ path: deadLetterPath, fsync: false });
  const config = sinkConfigSchema.parse({ type: 'ndjson', url, ...FAST, ...overrides }) as HttpSinkConfig;
  const sink = new HttpSink({ config, preset, deadLetter });
  const dispatcher = new Dispatcher({ sinks: [sink], deadLetter, maxInFlightRecords: 1000, maxInFlightBytes: 1 << 30 });
  const deadLetters = () =>
    existsSync(deadLetterPath)
      ? readFileSync(deadLetterPath, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, string>)
      : [];
  return { sink, dispatcher, deadLetters };
}

test('a token fetched per attempt: an unreachable token endpoint is retried as unsent, and each retry carries a fresh token', async () => {
  const target = await HttpTarget.create();
  targets.push(target);
  target.respond = (_, index) => (index === 0 ? { status: 503 } : { status: 200 });
  let fetches = 0;
  const bodies: Buffer[] = [];
  const preset: Preset = {
    ...ndjsonPreset(undefined),
    // A token endpoint that is down once, then hands out a new token each time.
    authorize: async (body) => {
      bodies.push(body);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (++fetches === 1) throw new Error('token endpoint unreachable');
      return { authorization: `Bearer token-${fetches}` };
    },
  };
  const relay = relayWith(preset, target.url());
  await relay.dispatcher.submit(records(0, 3), []);

  assert.deepEqual(
    target.requests.map((request) => request.headers.authorization),
    ['Bearer token-2', 'Bearer token-3'],
  );
  assert.ok(bodies.every((body, index) => index === 0 || body.equals(target.requests[index - 1].raw)), 'authorized over the exact bytes sent');
  assert.deepEqual(seqs(target.requests[1].text.split('\n').filter(Boolean)), [0, 1, 2]);
  const { stats } = relay.sink;
  assert.equal(stats.retries.authorization, 1);
  assert.equal(stats.retries['503'], 1);
  assert.equal(stats.requests, 2, 'no request went out without authorization');
  assert.equal(stats.duplicateRisk, 0, 'neither failure can have stored anything');
  assert.equal(stats.recordsDelivered, 3);
  assert.deepEqual(relay.deadLetters(), []);
  await relay.dispatcher.close(1000);
});

test('authorization that never comes: the batch is dead-lettered at max_age with the reason', async () => {
  const target = await HttpTarget.create();
  targets.push(target);
  const preset: Preset = {
    ...ndjsonPreset(undefined),
    authorize: () => {
      throw new Error('invalid client secret');
    },
  };
  const relay = relayWith(preset, target.url(), { retry: { initial_delay: 5, max_delay: 10, max_age: 100 } });
  await relay.dispatcher.submit(records(0, 2), []);

  assert.equal(target.requests.length, 0);
  const letters = relay.deadLetters();
  assert.deepEqual(letters.map((letter) => letter.reason), ['max_age', 'max_age']);
  assert.match(letters[0].detail, /AUTHORIZATION_FAILED: no authorization for the request: invalid client secret/);
  assert.ok(relay.sink.stats.retries.authorization >= 2);
  assert.equal(relay.sink.stats.requests, 0);
  assert.equal(relay.sink.stats.duplicateRisk, 0);
  await relay.dispatcher.close(100);
});
