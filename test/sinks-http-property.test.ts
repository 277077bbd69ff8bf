/** Any sequence of target faults: every record delivered or dead-lettered exactly once, duplicates counted. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { records, seqs } from './helpers/http-records.js';
import { FAST, relayTo } from './helpers/http-relay.js';
import { HttpTarget, type Reply } from './helpers/http-target.js';

type Fault = 'ok' | '400' | '413' | '429' | '500' | '503' | 'reset';
const replies: Record<Fault, Reply> = {
  ok: { status: 200 },
  '400': { status: 400, body: 'bad record' },
  '413': { status: 413 },
  '429': { status: 429 },
  '500': { status: 500 },
  '503': { status: 503 },
  reset: 'reset',
};
/** Answers after which the target may hold the records it received: the relay cannot tell. */
const mayHaveKept = (status: number | undefined) => status === undefined || status === 500 || (status >= 200 && status < 300);

test('any sequence of faults: every record is delivered or dead-lettered, never both, and every duplicate the target may hold was counted', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom<Fault>('ok', 'ok', 'ok', '400', '413', '429', '500', '503', 'reset'), { maxLength: 16 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 3 }),
      async (script, count, maxEvents, concurrency) => {
        const target = await HttpTarget.create();
        target.respond = (_, index) => replies[script[index] ?? 'ok'];
        const relay = relayTo({ type: 'ndjson', url: target.url(), ...FAST, batch: { max_events: maxEvents, max_wait: 2 }, concurrency });
        try {
          const all = records(0, count);
          const messages = [all.slice(0, count >> 1), all.slice(count >> 1)].filter((part) => part.length > 0);
          await Promise.all(messages.map((part) => relay.dispatcher.submit(part, [])));

          const delivered = target.requests.filter((r) => r.status !== undefined && r.status < 300).flatMap((r) => seqs(r.text.split('\n').filter(Boolean)));
          const dead = seqs(relay.deadLetters().map((letter) => String(letter.raw)));
          assert.deepEqual([...delivered, ...dead].sort((a, b) => a - b), all.map((_, i) => i), 'each record exactly once: delivered or dead-lettered');
          assert.equal(relay.sink.stats.recordsDelivered, delivered.length);
          assert.equal(relay.sink.stats.recordsDeadLettered, dead.length);
          const held = target.requests.filter((r) => mayHaveKept(r.status)).flatMap((r) => seqs(r.text.split('\n').filter(Boolean)));
          const extraCopies = held.length - new Set(held).size;
          assert.ok(extraCopies <= relay.sink.stats.duplicateRisk, `${extraCopies} copies the target may hold twice, ${relay.sink.stats.duplicateRisk} counted`);
          assert.ok(target.maxInFlight <= concurrency);
        } finally {
          await relay.close();
          await target.stop();
        }
      },
    ),
    { numRuns: 30 },
  );
});
