/** The HTTP sink under target faults: 5xx storms, Retry-After, 413 splits, resets, timeouts, max_age, abandoned messages. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pino from 'pino';
import { records, seqs } from './helpers/http-records.js';
import { FAST, relayTo, stateAfter, until } from './helpers/http-relay.js';
import { HttpTarget } from './helpers/http-target.js';

const targets: HttpTarget[] = [];
async function target(listening = true): Promise<HttpTarget> {
  const created = await HttpTarget.create(listening);
  targets.push(created);
  return created;
}
after(() => Promise.all(targets.map((t) => t.stop())));

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

test('a 503 storm: nothing is acked until the target accepts, then every record is delivered once', async () => {
  const server = await target();
  server.respond = (_, index) => (index < 6 ? { status: 503, body: 'overloaded' } : { status: 200 });
  const relay = relayTo({ type: 'ndjson', url: server.url(), ...FAST, batch: { max_events: 50, max_wait: 5 }, concurrency: 1 });

  const message = relay.dispatcher.submit(records(0, 100), []);
  await until(() => server.requests.length >= 3);
  assert.equal(await stateAfter(message, 0), 'pending', 'no ack while the target answers 503');
  await message;

  const accepted = server.requests.slice(6).flatMap((request) => request.text.split('\n').filter(Boolean));
  assert.deepEqual(sorted(seqs(accepted)), range(0, 100));
  assert.equal(relay.sink.stats.recordsDelivered, 100);
  assert.equal(relay.sink.stats.retries['503'], 6);
  assert.equal(relay.sink.stats.duplicateRisk, 0, '503 means the target did not take the batch');
  assert.deepEqual(relay.deadLetters(), []);
  await relay.close();
});

test('429 with Retry-After: the next attempt waits at least that long', async () => {
  const server = await target();
  server.respond = (_, index) => (index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 });
  const relay = relayTo({ type: 'ndjson', url: server.url(), ...FAST });

  await relay.dispatcher.submit(records(0, 3), []);
  assert.equal(server.requests.length, 2);
  const waited = server.requests[1].receivedAt - server.requests[0].receivedAt;
  assert.ok(waited >= 990, `retried after ${waited} ms, Retry-After said 1 s`);
  assert.equal(relay.sink.stats.retries['429'], 1);
  await relay.close();
});

test('413 above a size: batches are halved until they fit; a record too large alone is dead-lettered', async () => {
  const server = await target();
  const limit = 2000;
  server.respond = (request) => (request.raw.length > limit ? { status: 413, body: 'Request Entity Too Large' } : { status: 200 });
  const relay = relayTo({ type: 'ndjson', url: server.url(), ...FAST, batch: { max_events: 64, max_wait: 5 } });

  const batch = [...records(0, 40), ...records(40, 1, { padding: 3000 })];
  await relay.dispatcher.submit(batch, []);

  const accepted = server.requests.filter((request) => request.raw.length <= limit).flatMap((request) => request.text.split('\n').filter(Boolean));
  assert.deepEqual(sorted(seqs(accepted)), range(0, 40));
  assert.ok(relay.sink.stats.splits >= 2, `split ${relay.sink.stats.splits} times`);
  const [letter, ...others] = relay.deadLetters();
  assert.equal(others.length, 0);
  assert.equal(letter.reason, 'too_large');
  assert.equal(letter.sink, 'ndjson');
  assert.equal(letter.raw, batch[40].text.json, 'the dead letter keeps the record text exactly');
  assert.equal(relay.sink.stats.recordsDelivered, 40);
  assert.equal(relay.sink.stats.recordsDeadLettered, 1);
  await relay.close();
});

test('batch.max_bytes caps the bytes sent after gzip without the target having to answer 413', async () => {
  const server = await target();
  const relay = relayTo({ type: 'ndjson', url: server.url(), ...FAST, compression: 'gzip', batch: { max_bytes: 4096, max_events: 100_000, max_wait: 20 } });
  const many = records(0, 3000, { padding: 200 });
  await relay.dispatcher.submit(many, []);
  assert.ok(server.requests.every((request) => request.raw.length <= 4096 && request.headers['content-encoding'] === 'gzip'));
  const uncompressed = server.requests.reduce((sum, request) => sum + Buffer.byteLength(request.text), 0);
  const sent = server.requests.reduce((sum, request) => sum + request.raw.length, 0);
  assert.ok(uncompressed > sent * 3, 'batches are cut by compressed size, so each carries several times max_bytes of records');
  assert.deepEqual(sorted(seqs(server.lines())), range(0, 3000));
  await relay.close();
});

test('connection refused, then the target comes up: everything is delivered, nothing acked before', async () => {
  const server = await target(false);
  const relay = relayTo({ type: 'ndjson', url: server.url(), ...FAST });
  const message = relay.dispatcher.submit(records(0, 20), []);
  await until(() => (relay.sink.stats.retries.network ?? 0) >= 3);
  assert.equal(await stateAfter(message, 0), 'pending');
  await server.start();
  await message;
  assert.deepEqual(sorted(seqs(server.lines())), range(0, 20));
  assert.equal(relay.sink.stats.duplicateRisk, 0, 'a refused connection cannot have delivered anything');
  await relay.close();
});

test('slow responses past the timeout are retried; the duplicates this causes are counted', async () => {
  const server = await target();
  // undici checks response timeouts about once a second, so the slow answer takes 1.5 s against a 500 ms timeout.
  server.respond = (_, index) => (index === 0 ? { status: 200, delayMs: 1500 } : { status: 200 });
  const relay = relayTo({ type: 'ndjson', url: server.url(), ...FAST, timeout: 500, concurrency: 1 });

  await relay.dispatcher.submit(records(0, 10), []);
  const received = seqs(server.lines());
  const duplicates = received.length - new Set(received).size;
  // The target kept the slow request (it answered 200 too late): the relay could not know, so it re-sent.
  assert.equal(duplicates, 10);
  assert.equal(relay.sink.stats.duplicateRisk, duplicates, 'every duplicate the target holds is one the relay counted as a risk');
  assert.equal(relay.sink.stats.retries.timeout, 1);
  assert.deepEqual([...new Set(received)].sort((a, b) => a - b), range(0, 10));
  await relay.close();
});

test('a connection reset mid-request is retried and counted as a duplicate risk', async () => {
  const server = await target();
  server.respond = (_, index) => (index === 0 ? 'reset' : { status: 200 });
  const relay = relayTo({ type: 'ndjson', url: server.url(), ...FAST });
  await relay.dispatcher.submit(records(0, 5), []);
  assert.equal(relay.sink.stats.retries.network, 1);
  assert.equal(relay.sink.stats.duplicateRisk, 5);
  assert.equal(relay.sink.stats.recordsDelivered, 5);
  await relay.close();
});

test('other 4xx: dead-lettered with an excerpt of the response, and the message settles', async () => {
  const server = await target();
  server.respond = () => ({ status: 400, body: JSON.stringify({ error: 'field "seq" must be a string' }) });
  const relay = relayTo({ type: 'ndjson', url: server.url(), ...FAST });
  await relay.dispatcher.submit(records(0, 2), []);
  const letters = relay.deadLetters();
  assert.equal(letters.length, 2);
  assert.equal(letters[0].reason, 'http_400');
  assert.equal(letters[0].status, 400);
  assert.match(String(letters[0].response), /must be a string/);
  assert.equal(server.requests.length, 1, '400 is not retried');
  await relay.close();
});

test('a batch past retry.max_age is dead-lettered rather than retried forever', async () => {
  const server = await target();
  server.respond = () => ({ status: 503 });
  const relay = relayTo({ type: 'ndjson', url: server.url(), ...FAST, retry: { initial_delay: 10, max_delay: 20, max_age: 150 } });
  await relay.dispatcher.submit(records(0, 3), []);
  const letters = relay.deadLetters();
  assert.deepEqual(letters.map((letter) => letter.reason), ['max_age', 'max_age', 'max_age']);
  assert.match(String(letters[0].detail), /HTTP 503/);
  assert.ok(server.requests.length > 1);
  await relay.close();
});

test('sink down: the budget fills, input would pause, memory held stays bounded, and drain resumes it', async () => {
  const server = await target(false);
  const relay = relayTo({ type: 'ndjson', url: server.url(), ...FAST, concurrency: 2 }, { records: 500, bytes: 1 << 30 });
  // A receiver's loop: submit messages of 100 records while the dispatcher is not saturated.
  const pending: Promise<void>[] = [];
  let next = 0;
  const feed = () => {
    while (!relay.dispatcher.saturated && next < 5000) {
      pending.push(relay.dispatcher.submit(records(next, 100), []));
      next += 100;
    }
  };
  relay.dispatcher.on('drain', feed);
  feed();
  await until(() => (relay.sink.stats.retries.network ?? 0) >= 10);
  assert.equal(next, 500, 'reading stopped once 500 records were in flight');
  assert.equal(relay.dispatcher.stats.inFlightRecords, 500);
  assert.equal(relay.sink.stats.recordsQueued, 500);

  await server.start();
  await until(() => next === 5000);
  await Promise.all(pending);
  assert.deepEqual(sorted(seqs(server.lines())), range(0, 5000));
  assert.ok(server.maxInFlight <= 2, `the target saw at most ${server.maxInFlight} concurrent requests`);
  assert.equal(relay.dispatcher.stats.inFlightRecords, 0);
  await relay.close();
});

test('an abandoned message is not sent once the target recovers (its sender will resend it)', async () => {
  const server = await target(false);
  const relay = relayTo({ type: 'ndjson', url: server.url(), ...FAST, concurrency: 1 });
  const controller = new AbortController();
  const abandoned = relay.dispatcher.submit(records(0, 10), [], { signal: controller.signal });
  await until(() => (relay.sink.stats.retries.network ?? 0) >= 2);
  controller.abort();
  assert.equal(await stateAfter(abandoned), 'rejected');
  const kept = relay.dispatcher.submit(records(10, 10), []);
  await server.start();
  await kept;
  assert.deepEqual(sorted(seqs(server.lines())), range(10, 10));
  assert.equal(relay.sink.stats.recordsAbandoned, 10);
  assert.equal(relay.dispatcher.stats.inFlightRecords, 0, 'the abandoned records released the budget');
  await relay.close();
});

test('abandoned records waiting out a long backoff, or queued behind it, release the budget at once, not at their turn', async () => {
  const server = await target(false);
  // A 30 s backoff: without the release the budget would stay held until the next attempt.
  const relay = relayTo({ type: 'ndjson', url: server.url(), ...FAST, concurrency: 1, retry: { initial_delay: 30_000, max_delay: 30_000, max_age: '60s' } });
  const controller = new AbortController();
  const retrying = relay.dispatcher.submit(records(0, 10), [], { signal: controller.signal });
  await until(() => (relay.sink.stats.retries.network ?? 0) >= 1);
  const queued = relay.dispatcher.submit(records(10, 10), [], { signal: controller.signal });
  relay.sink.flush();
  const started = Date.now();
  controller.abort();
  assert.equal(await stateAfter(retrying), 'rejected');
  assert.equal(await stateAfter(queued), 'rejected');
  await until(() => relay.dispatcher.stats.inFlightRecords === 0);
  assert.ok(Date.now() - started < 5000, 'released without waiting for the backoff');
  assert.equal(relay.sink.stats.recordsAbandoned, 20);
  assert.equal(relay.sink.stats.recordsQueued, 0);
  await relay.close();
});

test('logs say what happened per batch, and never carry a secret (URL token, auth header, record text)', async () => {
  const server = await target();
  server.respond = (_, index) => (index === 0 ? { status: 503 } : index === 1 ? { status: 200 } : { status: 401, body: 'bad token' });
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  const relay = relayTo({ type: 'sumo', url: server.url('/receiver/v1/http/SUMO-URL-TOKEN'), headers: { 'X-Api-Key': 'HEADER-SECRET' }, ...FAST }, undefined, logger);
  await relay.dispatcher.submit(records(0, 3), []);
  await relay.dispatcher.submit(records(3, 3), []);
  await relay.close();

  const log = lines.join('');
  assert.match(log, /batch not delivered; retrying/);
  assert.match(log, /batch delivered after retries/);
  assert.match(log, /records dead-lettered/);
  assert.equal(lines.length < 10, true, `logged per batch, not per record (${lines.length} lines)`);
  for (const secret of ['SUMO-URL-TOKEN', 'HEADER-SECRET', 'user0@example.com']) assert.equal(log.includes(secret), false, `${secret} leaked into the log`);
});

test('a Retry-After beyond max_age: dead-lettered only once max_age is reached, and not at all if the sender gave up first', async () => {
  const server = await target();
  server.respond = () => ({ status: 429, headers: { 'retry-after': '60' } });
  const relay = relayTo({ type: 'ndjson', url: server.url(), ...FAST, retry: { initial_delay: 5, max_delay: 40, max_age: 300 } });

  const started = Date.now();
  const kept = relay.dispatcher.submit(records(0, 2), []);
  const controller = new AbortController();
  const abandoned = relay.dispatcher.submit(records(2, 2), [], { signal: controller.signal });
  await until(() => server.requests.length === 1);
  assert.equal(await stateAfter(kept, 50), 'pending', 'no dead letter before max_age');
  controller.abort();
  await kept;
  assert.ok(Date.now() - started >= 290, 'dead-lettered at max_age, not when the long Retry-After arrived');
  assert.equal(await stateAfter(abandoned, 0), 'rejected');
  assert.deepEqual(seqs(relay.deadLetters().map((letter) => String(letter.raw))), [0, 1]);
  assert.equal(relay.sink.stats.recordsAbandoned, 2);
  assert.equal(server.requests.length, 1);
  await relay.close();
});
