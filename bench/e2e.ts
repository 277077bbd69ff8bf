/** End-to-end benchmark: forward load → the relay as a child process → a counting HTTP sink, all on 127.0.0.1. */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ndjsonSinkConfigSchema } from '../src/sinks/presets/ndjson.js';
import { LssGenerator } from '../src/zpa/index.js';
import { command, loadOptions, loadSettings, positive } from '../test/harness/command.js';
import { CountSink } from '../test/harness/count-sink.js';
import { LoadPhases, PHASE_COLUMNS as C, otherCpu, type PhaseResult } from '../test/harness/load-phase.js';
import { MessagePool, type RecordFormat } from '../test/harness/messages.js';
import { microBenchmark } from '../test/harness/micro.js';
import { ackHistogram, bucketPercentile, gcSummary, histogramSince, metricSum, type GcSummary, type Histogram } from '../test/harness/relay-output.js';
import { RelayProcess, relayConfig } from '../test/harness/relay-process.js';
import { median, num, pct, percentile, range, sleep, table, waitFor } from '../test/harness/report.js';

const USAGE = `
npm run bench -- [options]        (node dist/bench/e2e.js)

A forward load generator (pre-encoded Fluent Bit 5.1.1-shaped messages, \`chunk\` acks, a window of unacked messages on
each of several connections) → the real relay as a child process (dist/src/cli.js --config ...) → a counting HTTP sink
in another child process, all on 127.0.0.1. The relay runs as the container image runs it: node gets the configured
heap start-up flags (heap.max_semi_space, heap.single_threaded_gc; ZPA_RELAY_HEAP__* variables in this environment
change them) and MALLOC_MMAP_THRESHOLD_. Then in-process micro-benchmarks of decode, parse + validate + enrich, and
encode + gzip on the same messages, beside two yardsticks: the straightforward msgpackr → JSON.parse → zod →
JSON.stringify pipeline, and JSON.parse of each line alone. Exits 1 when any record is missing.

  --types a,b|all          log types (default user-activity,user-status,app-connector-metrics,audit-log)
  --seconds S              seconds per phase (default 10); --records N: stop a phase after N records instead
  --connections C          forward connections (default 2); --window W: unacked messages per connection (default 4)
  --records-per-message R  (default 1000)
  --format none|json|both  Fluent Bit's Format of the records (default none); --format-json is --format json
  --compression none|gzip  the ndjson sink's compression (default none)
  --warmup S               seconds of an unreported first phase per session (default 2)
  --node PATH              the relay's node binary; --relay-node-options OPTS: its NODE_OPTIONS
  --no-micro               skip the micro-benchmarks
  --workers N|auto|1,2     relay processes (default 1; CPU and RSS are summed over them); a list runs a relay session
                           per count, in turn, and adds a scaling summary
  --rate N|Fx              pace new messages to N records/s in total, spread over the connections; Fx: first measure
                           the closed-loop maximum (of the first --workers value in each round), then pace at F times it.
                           Without it the generator is a closed loop (the maximum). A due message that finds every window
                           full waits: "late" counts those, and "due p99" is measured from when it was due
  --half-load              --rate 0.5x; prints the ack p99 against the flush interval (batch.max_wait) + 100 ms
  --repeat R               run the sessions R times, alternating worker counts, so drift hits all alike (default 1)
  --max-wait D             the sink's batch.max_wait, the flush interval (default the ndjson preset's 1s)
  --gc                     run the relay with --trace-gc; prints its collections and longest pause per paced phase
  --passthrough            the relay with a pass-through processor (bench/passthrough-relay.ts): records are not
                           parsed, validated or enriched; what decoding, batching, HTTP and acks cost alone (one worker)

Per log type and phase: records/s, MB/s of forward bytes, records per CPU-second of the relay processes (utime + stime
from /proc, the figure that survives a noisy machine) and that CPU per process, the generator's and the sink's CPU, the
CPU the rest of the machine used meanwhile, p50/p99 ack latency (write → ack at the generator), the relay's peak RSS,
and the sink's count of missing and duplicate records. On a machine whose cores the generator, the sink and other work
share, read "other CPU" and "CPU wait" first: the relay cannot show two workers' throughput while it gets about one core.

Examples:
  ack p99 at half load:      npm run bench -- --types user-activity --half-load --seconds 20 --no-micro
  worker scaling, overload:  npm run bench -- --types user-activity --workers 1,2 --rate 1.8x --connections 4 --seconds 15 --repeat 3 --no-micro
  relay CPU per record at an equal load for 1 and 2 workers (neither saturated):
                             npm run bench -- --types user-activity --workers 1,2 --rate 6000 --connections 4 --seconds 15 --repeat 3 --no-micro
  the plumbing alone:        npm run bench -- --types user-activity --passthrough --seconds 8 --no-micro
`;

const PASSTHROUGH_RELAY = fileURLToPath(new URL('./passthrough-relay.js', import.meta.url));

const { values } = command(USAGE, {
  ...loadOptions('user-activity,user-status,app-connector-metrics,audit-log'),
  records: { type: 'string' },
  format: { type: 'string', default: 'none' },
  'format-json': { type: 'boolean', default: false },
  compression: { type: 'string', default: 'none' },
  node: { type: 'string' },
  'relay-node-options': { type: 'string' },
  'no-micro': { type: 'boolean', default: false },
  workers: { type: 'string', default: '1' },
  rate: { type: 'string' },
  'half-load': { type: 'boolean', default: false },
  'max-wait': { type: 'string' },
  gc: { type: 'boolean', default: false },
  passthrough: { type: 'boolean', default: false },
});

const generator = new LssGenerator();
const load = loadSettings(values, generator);
const formats: RecordFormat[] = values['format-json'] ? ['json'] : values.format === 'both' ? ['none', 'json'] : [values.format as RecordFormat];
if (!formats.every((f) => f === 'none' || f === 'json')) throw new Error('--format is none, json or both');
const maxRecords = values.records === undefined ? undefined : positive('records', values.records);
const workerCounts = values.workers.split(',').map((w) => (w.trim() === 'auto' ? cpus().length : Number(w)));
if (!workerCounts.every((n) => Number.isInteger(n) && n > 0)) throw new Error('--workers is a count, auto, or a list such as 1,2');
if (values.passthrough && workerCounts.some((n) => n !== 1)) throw new Error('--passthrough runs one relay process: --workers 1');
if (values['half-load'] && values.rate) throw new Error('--half-load is --rate 0.5x; give one of them');
/** --rate: records/s in total, or `<f>x` for f × the closed-loop maximum measured first (--half-load is 0.5x). */
const rateText = values['half-load'] ? '0.5x' : values.rate;
const rate = rateText === undefined ? undefined : { value: Number(rateText.replace(/x$/, '')), relative: rateText.endsWith('x') };
if (rate && !(Number.isFinite(rate.value) && rate.value > 0)) throw new Error('--rate is records/s (e.g. 8000) or a multiple of the measured maximum (e.g. 0.5x)');

const sink = await CountSink.start();
const phases = new LoadPhases(sink, load);
const sinkOverrides: Record<string, unknown> = { compression: values.compression, ...(values['max-wait'] ? { batch: { max_wait: values['max-wait'] } } : {}) };
/** The sink's flush interval as the relay will read it: batch.max_wait of the ndjson preset, after defaults. */
const flushMs = ndjsonSinkConfigSchema.parse({ type: 'ndjson', url: sink.url, ...sinkOverrides }).batch.max_wait;

interface Row extends PhaseResult {
  workers: number;
  /** The relay's own ack latency histogram over the phase (arrival → settlement). */
  relayLatency: Histogram;
  /** With --gc: the relay's garbage collections in the phase, from --trace-gc. */
  gc: GcSummary | undefined;
  deadLetters: number;
}

/** One phase against the running relay, with what the relay itself says about it. */
async function phase(relay: RelayProcess, workers: number, pool: MessagePool, seconds: number, records?: number, phaseRate?: number): Promise<Row> {
  const deadLetters = relay.deadLetters().length;
  const latency = ackHistogram(await relay.metrics());
  if (values.gc) relay.log.length = 0; // from here on, this phase's --trace-gc lines
  const result = await phases.run(relay, pool, { seconds, records, rate: phaseRate });
  return {
    ...result,
    workers,
    relayLatency: histogramSince(latency, ackHistogram(await relay.metrics())),
    gc: values.gc ? gcSummary(relay.log) : undefined,
    deadLetters: relay.deadLetters().length - deadLetters,
  };
}

const rows: Row[] = [];
const pools = load.types.flatMap((logType) => formats.map((format) => new MessagePool(logType, format, load.recordsPerMessage, { generator })));
/** Closed-loop maximum of each pool in the reference session (the first --workers value), for a relative --rate. */
const reference = new Map<MessagePool, number>();
let failed = false;
const relayNode = values.node ? `, relay on ${execFileSync(values.node, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim()} (${values.node})` : '';
console.log(
  `zpa-relay end-to-end benchmark: Node ${process.version}${relayNode}, ${cpus().length} cores; ${load.connections} connections × window ${load.window}, ` +
    `${load.recordsPerMessage} records per message, sink ndjson compression ${values.compression}, flush interval (batch.max_wait) ${flushMs} ms, ` +
    `${maxRecords !== undefined ? `${maxRecords} records` : `${load.seconds} s`} per phase; workers ${workerCounts.join(', ')}` +
    `${rate ? `; rate ${rate.relative ? `${rate.value}× the closed-loop maximum of ${workerCounts[0]} worker(s)` : `${num(rate.value)} records/s`}` : ''}` +
    `${load.repeat > 1 ? `; ${load.repeat} rounds` : ''}` +
    `${values.passthrough ? '; relay with a pass-through processor (records not parsed, validated or enriched)' : ''}`,
);

/** One relay session: start the relay with `workers` processes, warm up, run every pool's phases, stop it. */
async function session(workers: number, isReference: boolean): Promise<void> {
  const relay = new RelayProcess({
    node: values.node,
    env: values['relay-node-options'] ? { NODE_OPTIONS: values['relay-node-options'] } : undefined,
    nodeArgs: values.gc ? ['--trace-gc'] : undefined, // NODE_OPTIONS does not take --trace-gc
    script: values.passthrough ? PASSTHROUGH_RELAY : undefined,
    config: await relayConfig({ sinkUrl: sink.url, listen: { ack_timeout: '120s' }, sink: sinkOverrides, workers }),
  });
  try {
    await relay.start();
    if (workers > 1) await waitFor(() => relay.pids().length > workers, 10_000); // every worker forked
    if (load.warmup > 0) await phase(relay, workers, pools[0], load.warmup); // JIT and connection pool warm-up, not reported
    for (const pool of pools) {
      const run = async (phaseRate?: number) => {
        const row = await phase(relay, workers, pool, load.seconds, maxRecords, phaseRate);
        rows.push(row);
        failed ||= row.missing > 0;
        const mode = phaseRate === undefined ? 'closed loop' : `paced at ${num(phaseRate)} records/s`;
        process.stderr.write(`  ${workers} worker(s), ${row.logType} (${row.format}), ${mode}: ${num(row.records)} records in ${row.seconds.toFixed(1)} s (${num(row.records / row.seconds)}/s)\n`);
        await sleep(200);
        return row;
      };
      if (!rate) await run();
      else if (!rate.relative) await run(rate.value);
      else {
        // Every session measures its own closed-loop maximum; the pace is relative to the reference session's.
        const own = await run();
        if (isReference) reference.set(pool, own.records / own.seconds);
        const max = reference.get(pool);
        if (max === undefined) throw new Error('relative --rate: no reference maximum measured');
        await run(rate.value * max);
      }
    }
    const metrics = await relay.metrics();
    process.stderr.write(
      `  relay (${workers} worker(s)): ${num(metricSum(metrics, 'zpa_relay_backpressure_pauses_total'))} backpressure pauses, ` +
        `${num(metricSum(metrics, 'zpa_relay_forward_ack_timeouts_total'))} ack timeouts, ${num(metricSum(metrics, 'zpa_relay_records_rejected_total'))} records rejected\n`,
    );
  } catch (error) {
    failed = true;
    console.error(`benchmark failed: ${(error as Error).stack}\nrelay log:\n${relay.log.slice(-20).join('\n')}`);
  } finally {
    await relay.stop();
  }
}

try {
  for (let round = 0; round < load.repeat && !failed; round++) {
    for (const [i, workers] of workerCounts.entries()) await session(workers, i === 0);
  }
} finally {
  await sink.close();
}

const perProcess = (r: Row) => r.cpuByProcess.map((c) => num((c / r.seconds) * 100)).join('/');
console.log(
  table<Row>(
    [
      ['workers', (r) => String(r.workers)],
      ['log type', (r) => r.logType],
      ['format', (r) => r.format],
      C.bytesPerRecord,
      ['offered/s', (r) => (r.rate === undefined ? 'max' : num(r.rate))],
      C.records,
      C.perSecond,
      C.mbPerSecond,
      C.perCpu,
      ['relay CPU', (r) => pct(r.cpu, r.seconds)],
      ['per process', perProcess],
      ['gen CPU', (r) => pct(r.genCpu, r.seconds)],
      ['sink CPU', (r) => pct(r.sinkCpu, r.seconds)],
      ['other CPU', (r) => pct(otherCpu(r), r.seconds)],
      ['CPU wait', (r) => pct(r.cpuPressure, 1)],
      C.ackP50,
      C.ackP99,
      ['relay p99 ms', (r) => bucketPercentile(r.relayLatency, 99)],
      ['due p99 ms', (r) => num(percentile(r.dueLatencies, 99), 1)],
      ['late', (r) => `${num(r.late)}/${num(r.messages)}`],
      C.peakRss,
      C.missing,
      C.duplicates,
      ['dead', (r) => num(r.deadLetters)],
    ],
    rows,
  ),
);
console.log(
  'offered/s: paced rate, or max (closed loop); per process: relay CPU % of the primary, then of each worker; other CPU: what the rest of the ' +
    'machine used meanwhile (/proc/stat busy minus relay, generator and sink); CPU wait: share of the time some runnable task waited for a CPU ' +
    "(/proc/pressure/cpu, the whole machine); relay p99: the bucket of the relay's own ack latency " +
    'histogram (arrival of the whole message → settlement) that holds its p99; due p99: from when a paced message was due (it may wait for window room) to its ack; ' +
    'late: paced messages that waited for window room / messages acked',
);

const paced = rows.filter((r) => r.rate !== undefined);
if (paced.length > 0) {
  console.log(`\nack latency at a paced load against the flush interval (batch.max_wait ${flushMs} ms + 100 ms = ${flushMs + 100} ms):`);
  for (const r of paced) {
    const p99 = percentile(r.latencies, 99);
    const keptUp = r.records / r.seconds >= 0.95 * r.rate!;
    console.log(
      `  ${r.workers} worker(s), ${r.logType}: ${num(r.records / r.seconds)} of ${num(r.rate!)} records/s offered${keptUp ? '' : ' (did NOT keep up)'}, ` +
        `${num(r.messages)} messages (${num(r.late)} waited for window room), CPU wait ${pct(r.cpuPressure, 1)}, other CPU ${pct(otherCpu(r), r.seconds)}, ack p50 ${num(percentile(r.latencies, 50), 1)} ms, p99 ${num(p99, 1)} ms (from due ${num(percentile(r.dueLatencies, 99), 1)} ms, relay-side ${bucketPercentile(r.relayLatency, 99)} ms) ` +
        `vs ${flushMs + 100} ms: ${p99 <= flushMs + 100 ? 'within' : 'OVER'}; slowest ${[...r.latencies].sort((a, b) => b - a).slice(0, 5).map((ms) => num(ms)).join(', ')} ms` +
        (r.gc
          ? `; relay GC: ${r.gc.scavenges} scavenges, ${r.gc.majors} mark-compacts, ${num(r.gc.pauseMs)} ms paused (${num(r.gc.pauseMs / r.workers / r.seconds / 10, 1)}% of the time per worker), longest pause ${num(r.gc.maxPauseMs)} ms`
          : ''),
    );
  }
}

if (workerCounts.length > 1) {
  console.log(`\nworker scaling (per log type and offered load; ranges over ${load.repeat} round(s), ratio of medians against ${workerCounts[0]} worker(s)):`);
  const mode = (r: Row) => (r.rate === undefined ? 'max' : 'paced');
  for (const key of new Set(rows.map((r) => `${r.logType}\t${r.format}\t${mode(r)}`))) {
    const of = (w: number) => rows.filter((r) => r.workers === w && `${r.logType}\t${r.format}\t${mode(r)}` === key);
    const base = of(workerCounts[0]);
    const baseRate = median(base.map((r) => r.records / r.seconds));
    const baseEff = median(base.map((r) => r.records / r.cpu));
    for (const w of workerCounts) {
      const rs = of(w);
      if (rs.length === 0) continue;
      const perSecond = rs.map((r) => r.records / r.seconds);
      const perCpu = rs.map((r) => r.records / r.cpu);
      const offered = rs[0].rate === undefined ? 'closed loop' : `offered ${range(rs.map((r) => r.rate!))}/s`;
      console.log(
        `  ${rs[0].logType} (${rs[0].format}), ${offered}, ${w} worker(s): ${range(perSecond)} records/s (×${(median(perSecond) / baseRate).toFixed(2)}), ` +
          `${range(perCpu)} records per relay CPU-s (×${(median(perCpu) / baseEff).toFixed(2)}), relay CPU ${range(rs.map((r) => (r.cpu / r.seconds) * 100))}% ` +
          `(per process ${rs.map(perProcess).join(', ')}), other CPU ${range(rs.map((r) => (otherCpu(r) / r.seconds) * 100))}%, ` +
          `gen+sink ${range(rs.map((r) => ((r.genCpu + r.sinkCpu) / r.records) * 1e6), 1)} µs/record`,
      );
    }
  }
}

if (!values['no-micro'] && !failed && pools.length > 0) {
  console.log('\nmicro-benchmarks (this process, records per CPU-second):');
  const micro = pools.map((pool) => ({ pool, m: microBenchmark(pool) }));
  console.log(
    table<(typeof micro)[number]>(
      [
        ['log type', ({ pool }) => pool.logType],
        ['format', ({ pool }) => pool.format],
        ['decode', ({ m }) => num(m.decode)],
        ['parse+validate+enrich', ({ m }) => num(m.process)],
        ['encode+gzip-1', ({ m }) => num(m.encodeGzip)],
        ['rejected', ({ m }) => num(m.rejected)],
        ['straightforward', ({ m }) => num(m.straightforward) + (m.straightforwardRejected > 0 ? ` (${num(m.straightforwardRejected)} rejected)` : '')],
        ['JSON.parse', ({ m }) => (m.jsonParse === undefined ? '-' : num(m.jsonParse))],
      ],
      micro,
    ),
  );
  console.log('yardsticks that move with the machine: straightforward = msgpackr → JSON.parse → zod schema → JSON.stringify per record; JSON.parse = of each line alone');
}
process.exitCode = failed ? 1 : 0;
