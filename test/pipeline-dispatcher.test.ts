/** The dispatcher: routing to sinks, settlement before the ack, the in-flight budget, abort and close. */
import { RecordText } from '../src/shared/record-text.js';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Dispatcher } from '../src/pipeline/dispatcher.js';
import { DeadLetterWriter } from '../src/sinks/dead-letter.js';
import { FileSink } from '../src/sinks/file.js';
import type { Delivery, FailedRecord, Settlement, Sink } from '../src/contract.js';
import { emptySinkStats, logTypeFilter } from '../src/sinks/common.js';
import { relayTo, stateAfter } from './helpers/http-relay.js';
import { HttpTarget } from './helpers/http-target.js';

const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-dispatcher-'));
let fileCount = 0;
const tempFile = (name: string) => path.join(dir, `${fileCount++}-${name}`);
const readLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

function delivery(n: number, logType = 'Zscaler.ZPA.UserActivity'): Delivery {
  // An Audit-style id above 2^53 must reach the output digit for digit.
  return { text: RecordText.of(`{"n":${n},"id":9007199254740993${n}}`), logType, eventTimeMs: 1_700_000_000_000 + n, tag: 'zpa.user', source: 'fb-1' };
}

const rejection: FailedRecord = { logType: 'Zscaler.ZPA.UserActivity', reason: 'invalid_field', detail: 'TimestampAuthentication: expected timestamp, got "x"', raw: '{"TimestampAuthentication":"x"}', tag: 'zpa.user', source: 'fb-1' };

/** A sink that holds every record until the test releases it, to observe settlement from outside. */
class HeldSink implements Sink {
  readonly stats = emptySinkStats();
  readonly held: { record: Delivery; settlement: Settlement }[] = [];
  readonly accepts: (logType: string) => boolean;
  constructor(readonly name: string, logTypes?: string[]) {
    this.accepts = logTypeFilter(logTypes);
  }
  write(record: Delivery, settlement: Settlement): void {
    this.held.push({ record, settlement });
  }
  release(count = this.held.length): void {
    for (const { settlement } of this.held.splice(0, count)) settlement.settle();
  }
  flush(): void {}
  async close(): Promise<void> {}
}

const state = (promise: Promise<void>) =>
  Promise.race([promise.then(() => 'resolved', () => 'rejected'), new Promise((resolve) => setTimeout(() => resolve('pending'), 20))]);

test('file sink and dead letters: resolves only once both files hold every line', async () => {
  const out = tempFile('out.ndjson');
  const dead = tempFile('dead.ndjson');
  const deadLetter = new DeadLetterWriter({ path: dead, fsync: true });
  const sink = new FileSink({ type: 'file', name: 'file', path: out, fsync: false });
  const dispatcher = new Dispatcher({ sinks: [sink], deadLetter, maxInFlightRecords: 1000, maxInFlightBytes: 1 << 20 });

  await dispatcher.submit([delivery(1), delivery(2)], [rejection]);
  assert.deepEqual(readLines(out), [delivery(1).text.json, delivery(2).text.json]);
  const [letter] = readLines(dead).map((line) => JSON.parse(line));
  assert.match(letter.time, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual({ ...letter, time: undefined }, { time: undefined, reason: 'invalid_field', detail: rejection.detail, log_type: rejection.logType, tag: 'zpa.user', source: 'fb-1', raw: rejection.raw });
  assert.equal(sink.stats.recordsDelivered, 2);
  assert.equal(deadLetter.stats.written, 1);
  assert.equal(dispatcher.stats.inFlightRecords, 0);
  await dispatcher.close(1000);
});

test('a message settles only when every matching sink settled it; unrouted records are dead-lettered', async () => {
  const dead = tempFile('dead.ndjson');
  const all = new HeldSink('all');
  const audit = new HeldSink('audit', ['Zscaler.ZPA.Audit']);
  const users = new HeldSink('users', ['Zscaler.ZPA.UserActivity']);
  const dispatcher = new Dispatcher({ sinks: [all, audit, users], deadLetter: new DeadLetterWriter({ path: dead, fsync: false }), maxInFlightRecords: 1000, maxInFlightBytes: 1 << 20 });

  const done = dispatcher.submit([delivery(1), delivery(2, 'Zscaler.ZPA.Audit')], []);
  assert.deepEqual([all.held.length, audit.held.length, users.held.length], [2, 1, 1]);
  all.release();
  audit.release();
  assert.equal(await state(done), 'pending');
  users.release();
  assert.equal(await state(done), 'resolved');

  const onlyUsers = new Dispatcher({ sinks: [users], deadLetter: new DeadLetterWriter({ path: dead, fsync: false }), maxInFlightRecords: 1000, maxInFlightBytes: 1 << 20 });
  await onlyUsers.submit([delivery(3, 'Zscaler.ZPA.Audit')], []);
  assert.equal(onlyUsers.stats.unrouted, 1);
  const letter = JSON.parse(readLines(dead).at(-1)!);
  assert.equal(letter.reason, 'no_matching_sink');
  assert.equal(letter.raw, delivery(3, 'Zscaler.ZPA.Audit').text.json);
  assert.ok(letter.raw.includes('90071992547409933'), 'int64 digits survive in the dead letter');
});

test('the in-flight budget saturates, and drain fires once settled records free it', async () => {
  const sink = new HeldSink('held');
  const dispatcher = new Dispatcher({ sinks: [sink], deadLetter: new DeadLetterWriter({ path: tempFile('dead'), fsync: false }), maxInFlightRecords: 3, maxInFlightBytes: 1 << 20 });
  let drains = 0;
  dispatcher.on('drain', () => drains++);

  const first = dispatcher.submit([delivery(1), delivery(2)], []);
  assert.equal(dispatcher.saturated, false);
  const second = dispatcher.submit([delivery(3), delivery(4)], []);
  assert.equal(dispatcher.saturated, true);
  assert.equal(dispatcher.stats.saturations, 1);
  sink.release(2);
  await first;
  assert.equal(dispatcher.saturated, false);
  assert.equal(drains, 1);
  sink.release();
  await second;
  assert.deepEqual([dispatcher.stats.inFlightRecords, dispatcher.stats.inFlightBytes, dispatcher.stats.inFlightMessages], [0, 0, 0]);

  const bytesBound = new Dispatcher({ sinks: [sink], deadLetter: new DeadLetterWriter({ path: tempFile('dead'), fsync: false }), maxInFlightRecords: 1000, maxInFlightBytes: 50 });
  void bytesBound.submit([delivery(5), delivery(6)], []);
  assert.equal(bytesBound.saturated, true, 'bytes bound the budget too');
  sink.release();
});

test('the budget counts the framed copy a sink holds besides the record text, until the record settles', async () => {
  /** Holds 100 bytes of its own per record besides the record text, as a Splunk HEC or Elastic sink holds its frame. */
  class CopyingSink extends HeldSink {
    override write(record: Delivery, settlement: Settlement): number {
      super.write(record, settlement);
      return 100;
    }
  }
  const copying = new CopyingSink('copying');
  const plain = new HeldSink('plain');
  const text = delivery(1).text.json.length + delivery(2).text.json.length;
  const dispatcher = new Dispatcher({ sinks: [copying, plain], deadLetter: new DeadLetterWriter({ path: tempFile('dead'), fsync: false }), maxInFlightRecords: 1000, maxInFlightBytes: text + 200 });
  const done = dispatcher.submit([delivery(1), delivery(2)], []);
  assert.equal(dispatcher.stats.inFlightBytes, text + 200, 'the text once, plus one copy per record for the copying sink only');
  assert.equal(dispatcher.saturated, true, 'the copies fill the budget that the text alone would not');
  copying.release();
  plain.release();
  await done;
  assert.deepEqual([dispatcher.stats.inFlightBytes, dispatcher.saturated], [0, false]);
});

test('an unwritable dead-letter destination rejects the message (never acked) and is counted', async () => {
  const deadLetter = new DeadLetterWriter({ path: path.join(dir, 'missing-dir', 'dead.ndjson'), fsync: false });
  const dispatcher = new Dispatcher({ sinks: [], deadLetter, maxInFlightRecords: 10, maxInFlightBytes: 1 << 20 });
  await assert.rejects(dispatcher.submit([], [rejection]), /ENOENT/);
  assert.equal(deadLetter.stats.failed, 1);
  assert.equal(dispatcher.stats.inFlightRecords, 0);
});

test('abort rejects at once and keeps the budget until sinks let go of the records', async () => {
  const sink = new HeldSink('held');
  const dispatcher = new Dispatcher({ sinks: [sink], deadLetter: new DeadLetterWriter({ path: tempFile('dead'), fsync: false }), maxInFlightRecords: 10, maxInFlightBytes: 1 << 20 });
  const controller = new AbortController();
  const done = dispatcher.submit([delivery(1)], [], { signal: controller.signal });
  controller.abort();
  assert.equal(await state(done), 'rejected');
  assert.equal(sink.held[0].settlement.abandoned, true);
  assert.equal(dispatcher.stats.inFlightRecords, 1);
  sink.release();
  assert.equal(dispatcher.stats.inFlightRecords, 0);
  assert.equal(dispatcher.stats.messagesAbandoned, 1);
});

test('close() rejects messages that cannot settle within the timeout, and refuses new ones', async () => {
  const sink = new HeldSink('held');
  const dispatcher = new Dispatcher({ sinks: [sink], deadLetter: new DeadLetterWriter({ path: tempFile('dead'), fsync: false }), maxInFlightRecords: 10, maxInFlightBytes: 1 << 20 });
  const settles = dispatcher.submit([delivery(1)], []);
  const stuck = dispatcher.submit([delivery(2)], []);
  sink.release(1);
  await dispatcher.close(50);
  assert.equal(await state(settles), 'resolved');
  assert.equal(await state(stuck), 'rejected');
  await assert.rejects(dispatcher.submit([delivery(3)], []), /shutting down/);
});

test('a sink that throws instead of taking a record fails the message, and the budget is still released', async () => {
  const held = new HeldSink('held');
  const broken = new HeldSink('broken');
  broken.write = () => {
    throw new Error('sink bug');
  };
  const dispatcher = new Dispatcher({ sinks: [held, broken], deadLetter: new DeadLetterWriter({ path: tempFile('dead'), fsync: false }), maxInFlightRecords: 10, maxInFlightBytes: 1 << 20 });
  const message = dispatcher.submit([delivery(1), delivery(2)], []);
  assert.equal(await state(message), 'rejected');
  assert.equal(held.held.length, 1, 'the first record reached the healthy sink before the broken one threw');
  assert.equal(dispatcher.stats.inFlightRecords, 2);
  held.release();
  assert.equal(dispatcher.stats.inFlightRecords, 0);
});

test('a message whose sender waits for the ack is sent at once, not after max_wait; others still wait to batch', async () => {
  const target = await HttpTarget.create();
  const relay = relayTo({ type: 'ndjson', url: target.url(), batch: { max_wait: '10s' } });
  try {
    const awaited = relay.dispatcher.submit([delivery(1), delivery(2)], [], { awaited: true });
    assert.equal(await stateAfter(awaited, 2000), 'resolved', 'sent without waiting for max_wait');
    assert.equal(target.requests.length, 1);
    assert.equal(target.requests[0].text.split('\n').filter(Boolean).length, 2);
    const batched = relay.dispatcher.submit([delivery(3)], []);
    assert.equal(await stateAfter(batched, 300), 'pending', 'no ack awaited: the record waits for its batch');
    assert.equal(target.requests.length, 1);
  } finally {
    await relay.close();
    await target.stop();
  }
});
