/** The memory release policy: when the relay asks for a memory-reducing garbage collection, and that it runs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryRelease, type Load } from '../src/ops/memory-release.js';

const budget = { records: 1000, bytes: 1_000_000 };

/** A release policy driven by hand: `load` is what the relay reports at each check, `collections` what it asked for. */
function policy() {
  const load: Load = { inFlightRecords: 0, inFlightBytes: 0, messages: 0 };
  let collections = 0;
  const release = new MemoryRelease(() => load, budget, () => collections++);
  release.stop(); // no timers: the test calls check() itself
  return { load, release, collections: () => collections };
}

test('one memory-reducing collection once a burst that filled the in-flight budget has drained', () => {
  const { load, release, collections } = policy();
  let now = 0;
  // A steady light load never asks for one.
  for (let i = 0; i < 20; i++) {
    Object.assign(load, { inFlightRecords: 50, inFlightBytes: 20_000, messages: load.messages + 5 });
    release.check((now += 5000));
  }
  assert.equal(collections(), 0);
  // An outage fills the budget (bytes here), then its backlog drains.
  for (const bytes of [300_000, 900_000, 1_000_000, 600_000, 200_000]) {
    Object.assign(load, { inFlightBytes: bytes, messages: load.messages + 5 });
    release.check((now += 5000));
  }
  assert.equal(collections(), 0, 'not while the backlog drains');
  Object.assign(load, { inFlightRecords: 40, inFlightBytes: 50_000, messages: load.messages + 5 });
  release.check((now += 5000));
  assert.equal(collections(), 0, 'not on one low reading: Fluent Bit fills and empties the budget every flush');
  Object.assign(load, { messages: load.messages + 5 });
  release.check((now += 5000));
  assert.deepEqual([collections(), release.releases], [1, ['burst drained']]);
  // Once per burst: the load stays light, nothing more.
  for (let i = 0; i < 5; i++) {
    Object.assign(load, { messages: load.messages + 5 });
    release.check((now += 5000));
  }
  assert.equal(collections(), 1);
});

test('a heavy load that fills and empties the budget with every flush gets one collection a minute at most', () => {
  const { load, release, collections } = policy();
  let now = 0;
  for (let i = 0; i < 120; i++) {
    // Two checks full, two empty, over and over (10 minutes).
    Object.assign(load, { inFlightBytes: i % 4 < 2 ? 900_000 : 10_000, messages: load.messages + 50 });
    release.check((now += 5000));
  }
  assert.ok(collections() >= 5 && collections() <= 10, `${collections()} collections in 10 minutes`);
});

test('one when the relay has gone quiet after traffic, none while it never had any', () => {
  const { load, release, collections } = policy();
  let now = 0;
  for (let i = 0; i < 10; i++) release.check((now += 5000));
  assert.equal(collections(), 0, 'idle from the start: nothing to give back after start-up');
  load.messages = 3;
  release.check((now += 5000));
  for (let i = 0; i < 5; i++) release.check((now += 5000));
  assert.equal(collections(), 0, 'not before 30 s without a message');
  release.check((now += 5000));
  assert.deepEqual(release.releases, ['quiet']);
  for (let i = 0; i < 10; i++) release.check((now += 5000));
  assert.equal(collections(), 1, 'once per quiet period');
});

test('the collection really runs here, on this node, without --expose-gc', () => {
  const release = new MemoryRelease(() => ({ inFlightRecords: 0, inFlightBytes: 0, messages: 0 }), budget);
  try {
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'the test runs without --expose-gc');
    // Garbage the collection frees: V8 reports the heap smaller after it.
    let garbage: unknown[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i, text: `record ${i}` }));
    const before = process.memoryUsage().heapUsed;
    garbage = undefined;
    (release as unknown as { collect: () => void }).collect();
    assert.ok(process.memoryUsage().heapUsed < before - 5_000_000, `${before} → ${process.memoryUsage().heapUsed}`);
    assert.equal(garbage, undefined);
  } finally {
    release.stop();
  }
});
