/** Several HTTP sinks behind one dispatcher: log-type filters, graceful close with batches waiting, close with a target down. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Dispatcher } from '../src/pipeline/dispatcher.js';
import { createSink, sinkConfigSchema } from '../src/sinks/config.js';
import { DeadLetterWriter } from '../src/sinks/dead-letter.js';
import { records, seqs } from './helpers/http-records.js';
import { FAST, stateAfter, until } from './helpers/http-relay.js';
import { HttpTarget } from './helpers/http-target.js';

const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-multi-'));
const targets: HttpTarget[] = [];
after(() => Promise.all(targets.map((t) => t.stop())));

async function target(listening = true): Promise<HttpTarget> {
  const created = await HttpTarget.create(listening);
  targets.push(created);
  return created;
}

test('several sinks with log-type filters: a message is acked only when every matching sink has its records', async () => {
  const everything = await target();
  const audit = await target(false); // down for now
  const deadLetter = new DeadLetterWriter({ path: path.join(dir, 'dead-1.ndjson'), fsync: false });
  const file = path.join(dir, 'users.ndjson');
  const sinks = [
    { type: 'ndjson', name: 'all', url: everything.url(), ...FAST },
    { type: 'json_array', name: 'audit', url: audit.url(), log_types: ['Zscaler.ZPA.Audit'], ...FAST },
    { type: 'file', name: 'users', path: file, log_types: ['Zscaler.ZPA.UserActivity'] },
  ].map((config) => createSink(sinkConfigSchema.parse(config), { deadLetter }));
  const dispatcher = new Dispatcher({ sinks, deadLetter, maxInFlightRecords: 10_000, maxInFlightBytes: 1 << 26 });

  const usersOnly = dispatcher.submit(records(0, 3), []);
  const mixed = dispatcher.submit([...records(3, 2), ...records(5, 2, { logType: 'Zscaler.ZPA.Audit' })], []);
  await usersOnly;
  assert.equal(await stateAfter(mixed, 50), 'pending', 'the audit sink is down: the mixed message stays unacked');
  assert.deepEqual(seqs(everything.lines()).sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6]);

  await audit.start();
  await mixed;
  assert.deepEqual(seqs(JSON.parse(audit.requests.at(-1)!.text).map((r: object) => JSON.stringify(r))), [5, 6]);
  assert.deepEqual(seqs(readFileSync(file, 'utf8').split('\n').filter(Boolean)), [0, 1, 2, 3, 4]);
  await dispatcher.close(1000);
});

test('graceful close flushes batches still waiting for max_wait, settles them, then refuses new work', async () => {
  const server = await target();
  const deadLetter = new DeadLetterWriter({ path: path.join(dir, 'dead-2.ndjson'), fsync: false });
  const sink = createSink(sinkConfigSchema.parse({ type: 'ndjson', url: server.url(), batch: { max_wait: '1h' } }), { deadLetter });
  const dispatcher = new Dispatcher({ sinks: [sink], deadLetter, maxInFlightRecords: 10_000, maxInFlightBytes: 1 << 26 });
  const message = dispatcher.submit(records(0, 5), []);
  assert.equal(await stateAfter(message), 'pending', 'the batch waits for max_wait');
  await dispatcher.close(2000);
  assert.equal(await stateAfter(message, 0), 'resolved');
  assert.deepEqual(seqs(server.lines()), [0, 1, 2, 3, 4]);
});

test('close with the target down rejects what cannot settle in time (never acked) and stops retrying', async () => {
  const server = await target(false);
  const deadLetter = new DeadLetterWriter({ path: path.join(dir, 'dead-3.ndjson'), fsync: false });
  const sink = createSink(sinkConfigSchema.parse({ type: 'ndjson', url: server.url(), ...FAST }), { deadLetter });
  const dispatcher = new Dispatcher({ sinks: [sink], deadLetter, maxInFlightRecords: 10_000, maxInFlightBytes: 1 << 26 });
  const message = dispatcher.submit(records(0, 5), []);
  await until(() => (sink.stats.retries.network ?? 0) > 0);
  await dispatcher.close(100);
  assert.equal(await stateAfter(message, 0), 'rejected');
  const attempts = sink.stats.requests;
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(sink.stats.requests, attempts, 'no attempts after close');
});
