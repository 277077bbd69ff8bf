/** Long chaos runs: the real relay and a counting HTTP sink as child processes, killed, starved and stormed under load. */
import net from 'node:net';
import { command, positive } from '../test/harness/command.js';
import { CountSink } from '../test/harness/count-sink.js';
import { AtLeastOnceClient } from '../test/harness/load-client.js';
import { MessagePool, messageSource } from '../test/harness/messages.js';
import { metricSum } from '../test/harness/relay-output.js';
import { RelayProcess, relayConfig } from '../test/harness/relay-process.js';
import { num, percentile, sleep, waitFor } from '../test/harness/report.js';
import { RssSampler, rssRange } from '../test/harness/rss-sampler.js';

const USAGE = `
npm run bench:chaos -- [options]        (node dist/bench/chaos.js)

The real relay (a child process) and a counting HTTP sink (another child process), with an at-least-once forward
client that resends whatever was not acked. Each scenario checks that every record reached the sink at least once,
and reports duplicates, resends and what the relay did. Exits 1 if any scenario loses a record or breaks its
expectations.

  --scenarios a,b             (default kill,down,storm,slow,idle)
      kill    kill -9 the relay --kills times mid-stream (default 10), restarting it on the same port each time
      down    the sink refuses connections for --down-seconds (default 60; more than the relay's 10 s ack_timeout):
              no acks meanwhile, ack_timeout closes connections, memory stays flat (relay RSS sampled every 250 ms; after the first --rss-settle-seconds of
              the outage (default 5) its max must be <= 1.1 x its min), everything arrives after recovery. Around
              the outage, under the same load throughout: relay RSS a minute after recovery is back within 1.1 x its
              level before the outage (the largest sample of the last 10 s of --rss-warmup-seconds, default 30), and
              from the outage to then it never exceeds 1.2 x that level. The load is a closed loop of 2 connections;
              --down-rate N paces it to N records/s over 16 connections of 8 unacked messages each, as Fluent Bit
              sends many chunks at once: the outage then fills the in-flight budget
      storm   503 for 10 s, 429 with Retry-After: 1 for 10 s, then 50 % 503 for 10 s
      slow    the sink answers every request after 3 s, for 20 s
      idle    50 connections that connect and never send are closed by idle_timeout while the load proceeds
  --log-type T                (default user-activity)
  --records-per-message R     (default 500)
  --node PATH                 the relay's node binary
`;

const { values } = command(USAGE, {
  scenarios: { type: 'string', default: 'kill,down,storm,slow,idle' },
  kills: { type: 'string', default: '10' },
  'down-seconds': { type: 'string', default: '60' },
  'rss-settle-seconds': { type: 'string', default: '5' },
  'down-rate': { type: 'string' },
  'rss-warmup-seconds': { type: 'string', default: '30' },
  'log-type': { type: 'string', default: 'user-activity' },
  'records-per-message': { type: 'string', default: '500' },
  node: { type: 'string' },
});

const pool = new MessagePool(values['log-type'], 'none', positive('records-per-message', values['records-per-message']));
const sink = await CountSink.start();
let nextSeq = 0;
let failures = 0;

function log(text: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`);
}

function check(ok: boolean, what: string): void {
  if (!ok) failures++;
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
}

/** A relay child with fast sink retries (no dead letter before 10 minutes), `listen` overrides. */
async function startRelay(listen: Record<string, unknown> = {}): Promise<RelayProcess> {
  const config = await relayConfig({
    sinkUrl: sink.url,
    listen,
    sink: { batch: { max_wait: '200ms' }, retry: { initial_delay: '100ms', max_delay: '2s', max_age: '10m' } },
  });
  const relay = new RelayProcess({ config, node: values.node });
  await relay.start();
  return relay;
}

/** Load from a fresh sequence range, unlimited until `finish()`, which waits for every ack and checks the sink. */
function startLoad(relay: RelayProcess, options: LoadOptions = {}) {
  const from = nextSeq;
  const source = messageSource(pool, from);
  const client = new AtLeastOnceClient({
    port: relay.port,
    connections: options.connections ?? 2,
    window: options.window ?? 4,
    next: source.next,
    deadlineMs: Date.now() + 30 * 60_000,
    reconnectDelayMs: 200,
    recordsPerSecond: options.recordsPerSecond,
  });
  const running = client.run();
  running.catch(() => undefined);
  return {
    client,
    async finish(name: string, timeoutMs = 180_000): Promise<void> {
      client.drain();
      const timer = setTimeout(() => client.abort(), timeoutMs);
      try {
        await running;
      } catch (error) {
        check(false, `${name}: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
      nextSeq = source.nextSeq;
      const { seq } = await sink.stats(from, nextSeq);
      const s = client.stats;
      check(
        seq.missing === 0,
        `${name}: ${num(seq.delivered)} of ${num(seq.expected)} records at the sink, ${num(seq.missing)} missing${seq.missing ? ` (e.g. ${seq.missingSample.join(', ')})` : ''}, ` +
          `${num(seq.duplicates)} duplicates; ${num(s.resends)} messages resent, ${s.connects} connects, ack p50 ${num(percentile(s.latencies, 50))} ms, p99 ${num(percentile(s.latencies, 99))} ms`,
      );
    },
  };
}

type Load = ReturnType<typeof startLoad>;
type LoadOptions = { connections?: number; window?: number; recordsPerSecond?: number };

/** A fresh relay (with `listen` overrides) under continuous load; afterwards the sink is healthy again and the relay stopped. */
async function withRelay(listen: Record<string, unknown>, loadOptions: LoadOptions, body: (relay: RelayProcess, load: Load) => Promise<void>): Promise<void> {
  const relay = await startRelay(listen);
  const load = startLoad(relay, loadOptions);
  try {
    await body(relay, load);
  } finally {
    load.client.abort(); // no-op once finished
    await sink.up();
    await sink.mode({ status: 200 });
    await relay.stop();
  }
}

function killScenario(): Promise<void> {
  const kills = positive('kills', values.kills);
  return withRelay({}, {}, async (relay, load) => {
    for (let k = 1; k <= kills; k++) {
      // Let it run and deliver for a while (relay start-up included), then kill at an arbitrary instant.
      const before = load.client.stats.ackedRecords;
      await waitFor(() => load.client.stats.ackedRecords > before + 2 * pool.recordsPerMessage, 30_000);
      await sleep(300 + Math.floor(Math.random() * 700));
      const unacked = load.client.unacked;
      await relay.kill9();
      log(`kill -9 #${k}: ${unacked} messages unacked at the client`);
      await sleep(Math.floor(Math.random() * 500));
      await relay.start();
    }
    await load.finish(`kill -9 ×${kills}`);
    check(relay.deadLetters().length === 0, `kill -9: ${relay.deadLetters().length} dead letters`);
  });
}

/**
 * RSS during the outage, sampled every 250 ms from the moment the sink goes down until it comes back: after the
 * first `--rss-settle-seconds` (the in-flight budget filling up), the largest sample must stay within
 * `RSS_FLAT_RATIO` × the smallest of the same window (backpressure, not buffering).
 */
const RSS_FLAT_RATIO = 1.1;
/** A minute after recovery RSS is back within this × its level before the outage (the level wanders ~5 % meanwhile). */
const RSS_BACK_RATIO = 1.1;
/** From the outage to a minute after recovery, RSS never exceeds this × its level before the outage. */
const RSS_PEAK_RATIO = 1.2;
const RSS_RECOVERY_MS = 60_000;

function downScenario(): Promise<void> {
  const downMs = positive('down-seconds', values['down-seconds']) * 1000;
  const settleMs = positive('rss-settle-seconds', values['rss-settle-seconds'], true) * 1000;
  const rate = values['down-rate'] === undefined ? undefined : positive('down-rate', values['down-rate']);
  const warmupMs = positive('rss-warmup-seconds', values['rss-warmup-seconds']) * 1000;
  return withRelay({ ack_timeout: '10s' }, rate === undefined ? {} : { connections: 16, window: 8, recordsPerSecond: rate }, async (relay, load) => {
    const warmup = new RssSampler(() => relay.memory('VmRSS'));
    await sleep(warmupMs);
    warmup.stop();
    const before = rssRange(warmup.window(warmupMs - 10_000)).max;
    const around = new RssSampler(() => relay.memory('VmRSS'));
    await sink.down();
    const rss = new RssSampler(() => relay.memory('VmRSS'));
    log(`sink down for ${downMs / 1000} s (relay RSS ${num(before / 1e6)} MB)`);
    await sleep(2000); // acks of requests answered just before the sink went down may still arrive
    const acked = load.client.stats.acked;
    await sleep(downMs - 2000);
    rss.stop();
    const metrics = await relay.metrics();
    check(load.client.stats.acked === acked, `sink down: ${load.client.stats.acked - acked} acks while down`);
    check(
      metricSum(metrics, 'zpa_relay_forward_ack_timeouts_total') > 0,
      `sink down: ${metricSum(metrics, 'zpa_relay_forward_ack_timeouts_total')} ack timeouts, ${load.client.stats.closedWithPending} connections closed with messages pending, ` +
        `${num(metricSum(metrics, 'zpa_relay_backpressure_pauses_total'))} backpressure pauses`,
    );
    const timeline: string[] = [];
    for (let from = 0; from < downMs; from += 5000) {
      const { min, max } = rssRange(rss.window(from, from + 5000));
      timeline.push(`${from / 1000}s ${num(min / 1e6)}–${num(max / 1e6)}`);
    }
    log(`relay RSS MB while down, per 5 s: ${timeline.join(', ')}`);
    const all = rssRange(rss.samples);
    const settling = rssRange(rss.window(0, settleMs));
    const { min, max } = rssRange(rss.window(settleMs));
    // Growth only (not part of the check): drops below the first seconds' level are the collector returning memory.
    log(`relay RSS growth past the first ${settleMs / 1000} s: max ${num(max / 1e6)} MB / their max ${num(settling.max / 1e6)} MB = ${num(max / settling.max, 3)}`);
    check(
      max <= RSS_FLAT_RATIO * min,
      `sink down: relay RSS ${num(all.min / 1e6)}–${num(all.max / 1e6)} MB over the whole outage; after the first ${settleMs / 1000} s ` +
        `${num(min / 1e6)}–${num(max / 1e6)} MB, max/min ${num(max / min, 3)} (must be ≤ ${RSS_FLAT_RATIO})`,
    );
    await sink.up();
    const upAt = Date.now();
    const ackedAtUp = load.client.stats.acked;
    await waitFor(() => load.client.stats.acked > ackedAtUp, 60_000);
    log(`sink up; first ack after ${num(Date.now() - upAt)} ms`);
    await sleep(upAt + RSS_RECOVERY_MS - Date.now());
    around.stop();
    const end = rssRange(around.samples.slice(-40)).max; // the last 10 s
    const peak = rssRange(around.samples).max;
    const recovered = around.samples.filter((sample) => sample.atMs >= around.samples.at(-1)!.atMs - RSS_RECOVERY_MS);
    const afterwards: string[] = [];
    for (let from = 0; from < RSS_RECOVERY_MS; from += 10_000) {
      const { min, max } = rssRange(recovered.filter((sample) => sample.atMs - recovered[0].atMs >= from && sample.atMs - recovered[0].atMs < from + 10_000));
      afterwards.push(`+${from / 1000}s ${num(min / 1e6)}–${num(max / 1e6)}`);
    }
    log(`relay RSS MB after recovery, per 10 s: ${afterwards.join(', ')}`);
    check(
      end <= RSS_BACK_RATIO * before,
      `sink down then up: relay RSS ${num(before / 1e6)} MB before the outage, ${num(end / 1e6)} MB a minute after recovery (×${num(end / before, 2)}, must be ≤ ${RSS_BACK_RATIO})`,
    );
    check(peak <= RSS_PEAK_RATIO * before, `sink down then up: relay RSS peak ${num(peak / 1e6)} MB (×${num(peak / before, 2)} its level before the outage, must be ≤ ${RSS_PEAK_RATIO})`);
    await load.finish('sink down then up');
    check(relay.deadLetters().length === 0, `sink down: ${relay.deadLetters().length} dead letters`);
  });
}

function stormScenario(): Promise<void> {
  return withRelay({}, {}, async (relay, load) => {
    await sleep(2000);
    for (const [label, mode] of [
      ['503 storm', { status: 503 }],
      ['429 storm with Retry-After: 1', { status: 429, retryAfter: '1' }],
      ['50 % 503', { status: 503, fraction: 0.5 }],
    ] as const) {
      await sink.mode(mode);
      log(`${label} for 10 s`);
      await sleep(10_000);
    }
    await sink.mode({ status: 200 });
    await load.finish('503/429 storms');
    const metrics = await relay.metrics();
    check(relay.deadLetters().length === 0, `storms: ${relay.deadLetters().length} dead letters, ${num(metricSum(metrics, 'zpa_relay_sink_retries_total'))} retries`);
  });
}

function slowScenario(): Promise<void> {
  return withRelay({}, {}, async (_relay, load) => {
    await sleep(2000);
    await sink.mode({ status: 200, delayMs: 3000 });
    log('sink answers after 3 s, for 20 s');
    const before = load.client.stats.ackedRecords;
    await sleep(20_000);
    log(`slow sink: ${num((load.client.stats.ackedRecords - before) / 20)} records/s acked meanwhile`);
    await sink.mode({ status: 200 });
    await load.finish('slow sink');
  });
}

function idleScenario(): Promise<void> {
  return withRelay({ idle_timeout: '5s' }, { connections: 1 }, async (relay, load) => {
    const idle = Array.from({ length: 50 }, () => {
      const socket = net.connect({ host: '127.0.0.1', port: relay.port });
      const state = { closed: false, openedAt: Date.now(), closedAt: 0 };
      socket.on('error', () => undefined);
      socket.on('close', () => Object.assign(state, { closed: true, closedAt: Date.now() }));
      return state;
    });
    const closed = await waitFor(() => idle.every((s) => s.closed), 20_000);
    const after = idle.map((s) => s.closedAt - s.openedAt);
    check(closed, `idle: ${idle.filter((s) => s.closed).length} of 50 idle connections closed, after ${num(Math.min(...after))}–${num(Math.max(...after))} ms`);
    check(load.client.stats.closedByPeer === 0, `idle: the sending connection was never closed (${load.client.stats.closedByPeer} closes)`);
    await load.finish('idle clients');
  });
}

const scenarios: Record<string, () => Promise<void>> = { kill: killScenario, down: downScenario, storm: stormScenario, slow: slowScenario, idle: idleScenario };
log(`chaos: ${values['log-type']}, ${pool.recordsPerMessage} records per message (~${num(pool.bytesPerRecord)} B per record), Node ${process.version}`);
try {
  for (const name of values.scenarios.split(',')) {
    const run = scenarios[name.trim()];
    if (!run) throw new Error(`unknown scenario ${name} (known: ${Object.keys(scenarios).join(', ')})`);
    log(`--- ${name}`);
    await run();
  }
} finally {
  await sink.close();
}
log(failures === 0 ? 'all scenarios passed' : `${failures} checks failed`);
process.exitCode = failures === 0 ? 0 : 1;
