/**
 * Chaos, fast versions (the long ones are bench/chaos.ts): the real relay as a child process (dist/src/cli.js), real
 * sockets, a real HTTP target on 127.0.0.1, and an at-least-once forward client that resends whatever was not acked.
 * Every record must reach the target at least once; duplicates are reported, not failed.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, test } from 'node:test';
import { AtLeastOnceClient } from './harness/load-client.js';
import { MessagePool, messageSource } from './harness/messages.js';
import { metricSum } from './harness/relay-output.js';
import { RelayProcess, relayConfig } from './harness/relay-process.js';
import { waitFor } from './harness/report.js';
import { SeqCounter, type SeqReport } from './harness/seq.js';
import { HttpTarget } from './helpers/http-target.js';

/** Short batches and quick retries, so faults resolve in milliseconds; no dead letter before 60 s. */
const FAST_SINK = { batch: { max_wait: '20ms', max_events: 200 }, retry: { initial_delay: '20ms', max_delay: '200ms', max_age: '60s' } };

const pool = new MessagePool('user-activity', 'none', 100, { distinct: 2 });
const relays: RelayProcess[] = [];
const targets: HttpTarget[] = [];
const clients: AtLeastOnceClient[] = [];
let nextSeq = 0;

// A failed test leaves nothing running behind it.
afterEach(async () => {
  for (const client of clients.splice(0)) client.abort();
  for (const relay of relays.splice(0)) await relay.kill9();
  for (const target of targets.splice(0)) await target.stop();
});

async function setUp(options: { listen?: Record<string, unknown>; targetUp?: boolean } = {}): Promise<{ relay: RelayProcess; target: HttpTarget }> {
  const target = await HttpTarget.create(options.targetUp ?? true);
  targets.push(target);
  const relay = new RelayProcess({ config: await relayConfig({ sinkUrl: target.url(), listen: options.listen, sink: FAST_SINK }) });
  relays.push(relay);
  await relay.start();
  return { relay, target };
}

/** A client sending `messages` messages of fresh sequence numbers; `range` is what they cover. */
function load(relay: RelayProcess, messages: number, options: { connections?: number; window?: number; deadlineMs?: number } = {}) {
  const from = nextSeq;
  const source = messageSource(pool, from, messages * pool.recordsPerMessage);
  nextSeq += messages * pool.recordsPerMessage;
  const client = new AtLeastOnceClient({
    port: relay.port,
    connections: options.connections ?? 2,
    window: options.window ?? 4,
    next: source.next,
    deadlineMs: Date.now() + (options.deadlineMs ?? 30_000),
    reconnectDelayMs: 50,
  });
  clients.push(client);
  return { client, from, to: nextSeq };
}

/** What the target kept (answered 2xx) of the sequence numbers [from, to). */
function delivered(target: HttpTarget, from: number, to: number): SeqReport {
  const counter = new SeqCounter();
  for (const request of target.requests) if (request.status !== undefined && request.status < 300) counter.addBody(Buffer.from(request.text));
  return counter.range(from, to);
}

function deliveredCount(target: HttpTarget): number {
  let lines = 0;
  for (const request of target.requests) if (request.status !== undefined && request.status < 300) lines += request.text.split('\n').filter(Boolean).length;
  return lines;
}

test('kill -9 the relay three times mid-stream: every record reaches the target at least once', async (t) => {
  const { relay, target } = await setUp();
  const { client, from, to } = load(relay, 60, { deadlineMs: 45_000 });
  const running = client.run();
  running.catch(() => undefined); // awaited below; handled now in case the test fails first
  const total = to - from;
  for (const share of [0.2, 0.45, 0.7]) {
    // Kill while records are flowing: once the target has this share, with messages still unacked.
    assert.ok(await waitFor(() => deliveredCount(target) >= share * total, 20_000), `target reached ${share * 100}% (${client.describe()})`);
    const unacked = client.unacked;
    await relay.kill9();
    t.diagnostic(`killed at ${deliveredCount(target)} records at the target, ${unacked} messages unacked`);
    await relay.start();
  }
  await running;
  const report = delivered(target, from, to);
  t.diagnostic(`${report.delivered} of ${report.expected} records delivered, ${report.duplicates} duplicates; client: ${client.describe()}`);
  assert.equal(report.missing, 0, `missing sequence numbers, e.g. ${report.missingSample.join(', ')}`);
  assert.equal(relay.starts, 4);
  assert.ok(client.stats.closedWithPending >= 1, 'at least one kill caught messages in flight');
  assert.deepEqual(relay.deadLetters(), []);
});

test('target down, then up: nothing is acked while down, ack_timeout closes the connection, then everything arrives', async (t) => {
  const { relay, target } = await setUp({ listen: { ack_timeout: '1s' }, targetUp: false });
  const { client, from, to } = load(relay, 8, { connections: 1, deadlineMs: 40_000 });
  const running = client.run();
  running.catch(() => undefined); // awaited below; handled now in case the test fails first
  assert.ok(await waitFor(() => client.stats.closedWithPending >= 1, 15_000), `the relay closed the connection after ack_timeout (${client.describe()})`);
  assert.equal(client.stats.acked, 0, 'no ack while the target is down');
  assert.ok(metricSum(await relay.metrics(), 'zpa_relay_forward_ack_timeouts_total') >= 1);
  await target.start();
  await running;
  const report = delivered(target, from, to);
  t.diagnostic(`${report.delivered} of ${report.expected} records delivered, ${report.duplicates} duplicates; client: ${client.describe()}`);
  assert.equal(report.missing, 0, `missing sequence numbers, e.g. ${report.missingSample.join(', ')}`);
  assert.deepEqual(relay.deadLetters(), []);
});

test('503 and 429 storms: retried until delivered, nothing dead-lettered', async (t) => {
  const { relay, target } = await setUp();
  target.respond = (_request, index) =>
    index < 10 ? { status: 503 } : index < 20 ? { status: 429, headers: { 'retry-after': '0' } } : index % 3 === 0 ? { status: 503 } : { status: 200, body: '{}' };
  const { client, from, to } = load(relay, 20);
  await client.run();
  const report = delivered(target, from, to);
  t.diagnostic(`${target.requests.length} requests; ${report.delivered} of ${report.expected} records delivered, ${report.duplicates} duplicates`);
  assert.equal(report.missing, 0, `missing sequence numbers, e.g. ${report.missingSample.join(', ')}`);
  assert.ok(target.requests.filter((r) => r.status === 429).length >= 1);
  assert.deepEqual(relay.deadLetters(), []);
});

test('a client that connects and never sends is closed by idle_timeout while others proceed', async () => {
  const { relay, target } = await setUp({ listen: { idle_timeout: '500ms' } });
  const idle = net.connect({ host: '127.0.0.1', port: relay.port });
  idle.on('error', () => undefined);
  let idleClosed = false;
  idle.on('close', () => (idleClosed = true));
  // Others keep sending before, during and after the idle connection's timeout.
  let rounds = 0;
  while (!idleClosed && rounds < 100) {
    const { client, from, to } = load(relay, 5, { connections: 1, window: 2 });
    await client.run();
    assert.equal(client.stats.closedByPeer, 0);
    assert.equal(delivered(target, from, to).missing, 0);
    rounds++;
  }
  assert.ok(await waitFor(() => idleClosed, 10_000), 'the idle connection was closed');
  const { client, from, to } = load(relay, 5);
  await client.run();
  assert.equal(delivered(target, from, to).missing, 0);
  assert.ok(relay.log.some((line) => line.includes('idle for 500 ms')), 'closed for being idle');
});
