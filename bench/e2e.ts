/**
 * End-to-end benchmark: a forward load generator (pre-encoded Fluent Bit 5.1.1-shaped messages, `chunk` acks, a
 * window of unacked messages on each of several connections) → the real relay as a child process
 * (`dist/src/cli.js --config ...`) → a counting HTTP sink in another child process, all on 127.0.0.1.
 *
 *   npm run bench -- [--types user-activity,audit-log|all] [--seconds 10] [--connections 2] [--window 4]
 *     [--records-per-message 1000] [--format none|json|both] [--format-json] [--compression none|gzip] [--warmup 2]
 *     [--node /path/to/node] [--relay-node-options OPTS] [--no-micro]
 *     [--workers 1|N|auto|1,2]   (relay processes; CPU and RSS are summed over all of them; a list runs a relay
 *                                 session per count, in turn, and adds a scaling summary)
 *     [--rate N|Fx] [--half-load] [--repeat R] [--max-wait 1s] [--gc]
 *
 * The relay runs as the container image runs it: node gets the configured heap start-up flags (heap.max_semi_space,
 * heap.single_threaded_gc; ZPA_RELAY_HEAP__* variables in this environment change them) and MALLOC_MMAP_THRESHOLD_.
 *
 * Pacing: without --rate the generator is a closed loop (a connection sends as soon as an ack frees its window), which
 * measures the maximum. `--rate N` paces new messages to N records/s in total (spread over the connections in turn);
 * `--rate Fx` first measures the closed-loop maximum and then paces at F times it, the maximum of the first --workers
 * value in each round; `--half-load` is `--rate 0.5x`. A due message that finds every window full waits: "late"
 * counts those and "due p99" is measured from when it was due. `--repeat R` runs the sessions R times, alternating
 * worker counts, so drift on a shared machine hits both alike. `--max-wait` sets the sink's batch.max_wait (the flush
 * interval; default the ndjson preset's 1 s) which paced runs compare the ack p99 against (+100 ms). `--gc` runs the
 * relay with --trace-gc and prints its collections and longest pause per paced phase.
 *
 * The runs of issue 6 (add --workers 2 to the first for two workers, --gc to see the relay's collections):
 *   ack p99 at half load:        npm run bench -- --types user-activity --half-load --seconds 20 --no-micro
 *   worker scaling, overload:    npm run bench -- --types user-activity --workers 1,2 --rate 1.8x --connections 4 --seconds 15 --repeat 3 --no-micro
 *   relay CPU per record at an equal load for 1 and 2 workers (neither saturated, so the least disturbed by others):
 *                                npm run bench -- --types user-activity --workers 1,2 --rate 6000 --connections 4 --seconds 15 --repeat 3 --no-micro
 *   the plumbing alone (decode, settlement, batching, HTTP, acks; no parsing, validation or enrichment):
 *                                npm run bench -- --types user-activity --passthrough --seconds 8 --no-micro
 * On a machine whose cores the generator, the sink and other work share, read "other CPU" and "CPU wait" first: the
 * relay cannot show two workers' throughput while it gets about one core, whatever its worker count. What survives
 * the noise is the relay CPU per record (rec/CPU-s) and how evenly the workers share the work (per process).
 *
 * Per log type and phase: records/s, MB/s of forward bytes, records per CPU-second of the relay processes (utime +
 * stime from /proc, the figure that survives a noisy machine where generator and sink share the cores) and that CPU
 * per process, the generator's and the sink's CPU, the CPU the rest of the machine used meanwhile, p50/p99 ack
 * latency (write → ack at the generator), the relay's peak RSS, and the sink's count of missing and duplicate records.
 * Then in-process micro-benchmarks of decode, parse + validate + enrich, and encode + gzip on the same messages, and
 * two yardsticks beside them: the straightforward msgpackr → JSON.parse → zod → JSON.stringify pipeline, and
 * JSON.parse of each line alone.
 * Exits 1 when any record is missing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { ndjsonSinkConfigSchema } from '../src/sinks/presets/ndjson.js';
import { LssGenerator } from '../src/zpa/index.js';
import { CountSink } from '../test/harness/count-sink.js';
import { runPhase } from '../test/harness/load-client.js';
import { MessagePool, messageSource, type RecordFormat } from '../test/harness/messages.js';
import { microBenchmark } from '../test/harness/micro.js';
import { PASSTHROUGH_RELAY, RelayProcess, metricSum, processCpuSeconds, relayConfig } from '../test/harness/relay-process.js';
import { num, percentile, sleep, table, waitFor } from '../test/harness/report.js';

const DEFAULT_TYPES = ['user-activity', 'user-status', 'app-connector-metrics', 'audit-log'];

// Exit through process.exit on a signal, so the relay children are killed (see relay-process.ts).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const { values } = parseArgs({
  options: {
    types: { type: 'string', default: DEFAULT_TYPES.join(',') },
    seconds: { type: 'string', default: '10' },
    records: { type: 'string' },
    connections: { type: 'string', default: '2' },
    window: { type: 'string', default: '4' },
    'records-per-message': { type: 'string', default: '1000' },
    format: { type: 'string', default: 'none' },
    'format-json': { type: 'boolean', default: false },
    compression: { type: 'string', default: 'none' },
    warmup: { type: 'string', default: '2' },
    node: { type: 'string' },
    'relay-node-options': { type: 'string' },
    'no-micro': { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
    rate: { type: 'string' },
    'half-load': { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
    'max-wait': { type: 'string' },
    gc: { type: 'boolean', default: false },
    passthrough: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'node dist/bench/e2e.js [--types a,b|all] [--seconds S | --records N] [--connections C] [--window W]\n' +
      '  [--records-per-message R] [--format none|json|both] [--format-json] [--compression none|gzip]\n' +
      '  [--warmup S] [--node PATH] [--relay-node-options "--max-old-space-size=..."] [--no-micro]\n' +
      '  [--workers N|auto|1,2] [--rate RECORDS_PER_S|Fx] [--half-load] [--repeat R] [--max-wait DURATION] [--gc]\n' +
      '  [--passthrough]\n' +
      '\n' +
      '  --rate N      pace new messages to N records/s in total; --rate 0.5x: measure the closed-loop maximum, then pace at half\n' +
      '  --half-load   same as --rate 0.5x; prints the ack p99 against the flush interval (batch.max_wait) + 100 ms\n' +
      '  --max-wait D  the sink\'s batch.max_wait (flush interval); --gc: the relay\'s GC pauses per paced phase (--trace-gc)\n' +
      '  --workers 1,2 one relay session per count, in turn (--repeat R rounds), then a scaling summary\n' +
      '  --passthrough the relay with a pass-through processor (bench/passthrough-relay.ts): records are not parsed,\n' +
      '                validated or enriched; what decoding, batching, HTTP and acks cost alone (one worker)\n' +
      '\n' +
      'issue 6:\n' +
      '  npm run bench -- --types user-activity --half-load --seconds 20 --no-micro\n' +
      '  npm run bench -- --types user-activity --workers 1,2 --rate 1.8x --connections 4 --seconds 15 --repeat 3 --no-micro\n' +
      '  npm run bench -- --types user-activity --workers 1,2 --rate 6000 --connections 4 --seconds 15 --repeat 3 --no-micro\n' +
      '  npm run bench -- --types user-activity --passthrough --seconds 8 --no-micro\n',
  );
  process.exit(0);
}

const generator = new LssGenerator();
const types = values.types === 'all' ? generator.logTypes() : values.types.split(',').map((t) => t.trim()).filter(Boolean);
for (const type of types) if (!generator.logTypes().includes(type)) throw new Error(`unknown log type ${type} (known: ${generator.logTypes().join(', ')})`);
const formats: RecordFormat[] = values['format-json'] ? ['json'] : values.format === 'both' ? ['none', 'json'] : [values.format as RecordFormat];
if (!formats.every((f) => f === 'none' || f === 'json')) throw new Error('--format is none, json or both');
const seconds = Number(values.seconds);
const maxRecords = values.records === undefined ? Infinity : Number(values.records);
const connections = Number(values.connections);
const window = Number(values.window);
const perMessage = Number(values['records-per-message']);
const repeat = Number(values.repeat);
if (![seconds, connections, window, perMessage, repeat].every((n) => Number.isFinite(n) && n > 0)) throw new Error('numeric options must be positive');
const workerCounts = values.workers.split(',').map((w) => (w.trim() === 'auto' ? cpus().length : Number(w)));
if (!workerCounts.every((n) => Number.isInteger(n) && n > 0)) throw new Error('--workers is a count, auto, or a list such as 1,2');
if (values.passthrough && workerCounts.some((n) => n !== 1)) throw new Error('--passthrough runs one relay process: --workers 1');
/** --rate: records/s in total, or `<f>x` for f × the closed-loop maximum measured first (--half-load is 0.5x). */
const rateText = values['half-load'] ? '0.5x' : values.rate;
const rate = rateText === undefined ? undefined : { value: Number(rateText.replace(/x$/, '')), relative: rateText.endsWith('x') };
if (rate && !(Number.isFinite(rate.value) && rate.value > 0)) throw new Error('--rate is records/s (e.g. 8000) or a multiple of the measured maximum (e.g. 0.5x)');
if (values['half-load'] && values.rate) throw new Error('--half-load is --rate 0.5x; give one of them');

const sink = await CountSink.start();
const sinkOverrides: Record<string, unknown> = { compression: values.compression, ...(values['max-wait'] ? { batch: { max_wait: values['max-wait'] } } : {}) };
/** The sink's flush interval as the relay will read it: batch.max_wait of the ndjson preset, after defaults. */
const flushMs = ndjsonSinkConfigSchema.parse({ type: 'ndjson', url: sink.url, ...sinkOverrides }).batch.max_wait;

interface Row {
  workers: number;
  logType: string;
  format: RecordFormat;
  /** Offered records/s (paced), or undefined for a closed loop (the maximum). */
  rate: number | undefined;
  records: number;
  seconds: number;
  bytes: number;
  cpu: number;
  /** CPU seconds of each relay process (primary first, then its workers). */
  cpuByProcess: number[];
  /** CPU seconds of the load generator (this process) and of the sink process. */
  genCpu: number;
  sinkCpu: number;
  /** CPU seconds the whole machine was busy (every core), for what other processes took. */
  machineBusy: number;
  /** Share of the phase in which some runnable task on the machine waited for a CPU (PSI), NaN where unavailable. */
  cpuPressure: number;
  latencies: number[];
  dueLatencies: number[];
  late: number;
  /** The relay's own ack latency histogram over the phase (arrival → settlement): [upper bound s, cumulative count]. */
  relayLatency: [number, number][];
  /** With --gc: the relay's garbage collections in the phase, from --trace-gc. */
  gc: GcSummary | undefined;
  messages: number;
  peakRss: number;
  missing: number;
  duplicates: number;
  deadLetters: number;
  bytesPerRecord: number;
}

/** Busy and total jiffies of the whole machine (every core), from the first line of /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - fields[3] - fields[4], total };
}

/** Microseconds so far in which some runnable task waited for a CPU (/proc/pressure/cpu "some" total), NaN without PSI. */
function cpuPressureMicros(): number {
  try {
    return Number(/^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

function cpuOf(pids: number[]): number[] {
  return pids.map((pid) => {
    try {
      return processCpuSeconds(pid);
    } catch {
      return NaN;
    }
  });
}

interface GcSummary {
  scavenges: number;
  majors: number;
  /** Sum of the pauses (ms) --trace-gc reports. */
  pauseMs: number;
  /** Longest single pause (ms): a collection's own, or the biggest incremental marking step of a Mark-Compact. */
  maxPauseMs: number;
}

/** --trace-gc lines of the relay's log: `...: Scavenge 3.9 (4.0) -> 3.8 (5.0) MB, 2.51 / 0.00 ms ... biggest step 51.3 ms ...`. */
function gcSummary(lines: string[]): GcSummary {
  const summary: GcSummary = { scavenges: 0, majors: 0, pauseMs: 0, maxPauseMs: 0 };
  for (const line of lines) {
    const match = /\d+ ms: (Scavenge|Minor Mark-Compact|Mark-Compact|Mark-Sweep)\b[^,]*MB, ([\d.]+) \/ [\d.]+ ms/.exec(line);
    if (!match) continue;
    if (match[1] === 'Scavenge' || match[1] === 'Minor Mark-Compact') summary.scavenges++;
    else summary.majors++;
    const pause = Number(match[2]);
    const step = Number(/biggest step ([\d.]+) ms/.exec(line)?.[1] ?? 0);
    summary.pauseMs += pause;
    summary.maxPauseMs = Math.max(summary.maxPauseMs, pause, step);
  }
  return summary;
}

/** The cumulative buckets of zpa_relay_ack_latency_seconds, summed over the relay's processes: [le, count], +Inf last. */
function ackHistogram(metrics: string): [number, number][] {
  const buckets = new Map<number, number>();
  for (const match of metrics.matchAll(/^zpa_relay_ack_latency_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)) {
    const le = match[1] === '+Inf' ? Infinity : Number(match[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
  }
  return [...buckets].sort((a, b) => a[0] - b[0]);
}

/** The upper bound (ms) of the bucket that holds the p-th percentile of a cumulative histogram, "-" when empty. */
function bucketPercentile(histogram: [number, number][], p: number): string {
  const total = histogram.at(-1)?.[1] ?? 0;
  if (total === 0) return '-';
  const bucket = histogram.find(([, n]) => n >= (p / 100) * total);
  return bucket && Number.isFinite(bucket[0]) ? `≤${num(bucket[0] * 1000)}` : `>${num((histogram.at(-2)?.[0] ?? 0) * 1000)}`;
}

let nextSeq = 0;
/**
 * One load phase against the running relay: from a fresh sequence range, until `phaseSeconds` pass or `records` are
 * sent, then every ack. `rate` paces new messages (records/s in total); without it the generator runs a closed loop.
 */
async function phase(relay: RelayProcess, workers: number, pool: MessagePool, phaseSeconds: number, records: number, rate?: number): Promise<Row> {
  const firstSeq = nextSeq;
  const source = messageSource(pool, firstSeq, records);
  const deadLetters = relay.deadLetters().length;
  relay.resetPeakRss();
  const pids = relay.pids();
  const cpu = cpuOf(pids);
  const gen = process.cpuUsage();
  const sinkCpu = sink.pid === undefined ? 0 : processCpuSeconds(sink.pid);
  const machine = machineJiffies();
  const pressure = cpuPressureMicros();
  const relayLatency = ackHistogram(await relay.metrics());
  if (values.gc) relay.log.length = 0; // from here on, this phase's --trace-gc lines
  const started = performance.now();
  const client = await runPhase(
    {
      port: relay.port,
      connections,
      window,
      next: source.next,
      recordsPerSecond: rate,
      onAcked: (message) => pool.recycle(message), // its buffer goes into a later message: no 2.4 MB allocation each
    },
    phaseSeconds,
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpuByProcess = cpuOf(pids).map((after, i) => after - cpu[i]);
  const genUsed = process.cpuUsage(gen);
  const machineAfter = machineJiffies();
  const pressureAfter = cpuPressureMicros();
  const sinkUsed = (sink.pid === undefined ? 0 : processCpuSeconds(sink.pid)) - sinkCpu;
  nextSeq = source.nextSeq;
  const stats = await sink.stats(firstSeq, nextSeq);
  const relayLatencyAfter = ackHistogram(await relay.metrics());
  return {
    workers,
    logType: pool.logType,
    format: pool.format,
    rate,
    records: client.stats.ackedRecords,
    seconds: elapsed,
    bytes: client.stats.ackedBytes,
    cpu: cpuByProcess.reduce((a, b) => a + b, 0),
    cpuByProcess,
    genCpu: (genUsed.user + genUsed.system) / 1e6,
    sinkCpu: sinkUsed,
    cpuPressure: (pressureAfter - pressure) / 1e6 / elapsed,
    machineBusy: ((machineAfter.busy - machine.busy) / Math.max(1, machineAfter.total - machine.total)) * cpus().length * elapsed,
    latencies: client.stats.latencies,
    dueLatencies: client.stats.dueLatencies,
    late: client.stats.late,
    gc: values.gc ? gcSummary(relay.log) : undefined,
    relayLatency: relayLatencyAfter.map(([le, n], i) => [le, n - relayLatency[i][1]] as [number, number]),
    messages: client.stats.acked,
    peakRss: relay.memory('VmHWM'),
    missing: stats.seq.missing,
    duplicates: stats.seq.duplicates,
    deadLetters: relay.deadLetters().length - deadLetters,
    bytesPerRecord: pool.bytesPerRecord,
  };
}

const rows: Row[] = [];
const pools: MessagePool[] = [];
for (const logType of types) for (const format of formats) pools.push(new MessagePool(logType, format, perMessage, { generator }));
/** Closed-loop maximum of each pool in the reference session (the first --workers value), for a relative --rate. */
const reference = new Map<MessagePool, number>();
let failed = false;
const relayNode = values.node ? `, relay on ${execFileSync(values.node, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim()} (${values.node})` : '';
console.log(
  `zpa-relay end-to-end benchmark: Node ${process.version}${relayNode}, ${cpus().length} cores; ${connections} connections × window ${window}, ` +
    `${perMessage} records per message, sink ndjson compression ${values.compression}, flush interval (batch.max_wait) ${flushMs} ms, ` +
    `${Number.isFinite(maxRecords) ? `${maxRecords} records` : `${seconds} s`} per phase; workers ${workerCounts.join(', ')}` +
    `${rate ? `; rate ${rate.relative ? `${rate.value}× the closed-loop maximum of ${workerCounts[0]} worker(s)` : `${num(rate.value)} records/s`}` : ''}` +
    `${repeat > 1 ? `; ${repeat} rounds` : ''}` +
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
    if (Number(values.warmup) > 0) await phase(relay, workers, pools[0], Number(values.warmup), Infinity); // JIT and connection pool warm-up, not reported
    for (const pool of pools) {
      const run = async (phaseRate?: number) => {
        const row = await phase(relay, workers, pool, seconds, maxRecords, phaseRate);
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
  for (let round = 0; round < repeat && !failed; round++) {
    for (const [i, workers] of workerCounts.entries()) await session(workers, i === 0);
  }
} finally {
  await sink.close();
}

const pct = (cpu: number, s: number) => `${num((cpu / s) * 100)}%`;
console.log(
  table(
    ['workers', 'log type', 'format', 'B/rec', 'offered/s', 'records', 'records/s', 'MB/s', 'rec/CPU-s', 'relay CPU', 'per process', 'gen CPU', 'sink CPU', 'other CPU', 'CPU wait', 'ack p50 ms', 'ack p99 ms', 'relay p99 ms', 'due p99 ms', 'late', 'peak RSS MB', 'missing', 'dup', 'dead'],
    rows.map((r) => [
      String(r.workers),
      r.logType,
      r.format,
      num(r.bytesPerRecord),
      r.rate === undefined ? 'max' : num(r.rate),
      num(r.records),
      num(r.records / r.seconds),
      num(r.bytes / r.seconds / 1e6, 1),
      num(r.records / r.cpu),
      pct(r.cpu, r.seconds),
      r.cpuByProcess.map((c) => num((c / r.seconds) * 100)).join('/'),
      pct(r.genCpu, r.seconds),
      pct(r.sinkCpu, r.seconds),
      pct(Math.max(0, r.machineBusy - r.cpu - r.genCpu - r.sinkCpu), r.seconds),
      `${num(r.cpuPressure * 100)}%`,
      num(percentile(r.latencies, 50), 1),
      num(percentile(r.latencies, 99), 1),
      bucketPercentile(r.relayLatency, 99),
      num(percentile(r.dueLatencies, 99), 1),
      `${num(r.late)}/${num(r.messages)}`,
      num(r.peakRss / 1e6, 0),
      num(r.missing),
      num(r.duplicates),
      num(r.deadLetters),
    ]),
  ),
);
console.log(
  'offered/s: paced rate, or max (closed loop); per process: relay CPU % of the primary, then of each worker; other CPU: what the rest of the ' +
    'machine used meanwhile (/proc/stat busy minus relay, generator and sink); CPU wait: share of the time some runnable task waited for a CPU ' +
    '(/proc/pressure/cpu, the whole machine); relay p99: the bucket of the relay\'s own ack latency ' +
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
        `${num(r.messages)} messages (${num(r.late)} waited for window room), CPU wait ${num(r.cpuPressure * 100)}%, other CPU ${pct(Math.max(0, r.machineBusy - r.cpu - r.genCpu - r.sinkCpu), r.seconds)}, ack p50 ${num(percentile(r.latencies, 50), 1)} ms, p99 ${num(p99, 1)} ms (from due ${num(percentile(r.dueLatencies, 99), 1)} ms, relay-side ${bucketPercentile(r.relayLatency, 99)} ms) ` +
        `vs ${flushMs + 100} ms: ${p99 <= flushMs + 100 ? 'within' : 'OVER'}; slowest ${[...r.latencies].sort((a, b) => b - a).slice(0, 5).map((ms) => num(ms)).join(', ')} ms` +
        (r.gc
          ? `; relay GC: ${r.gc.scavenges} scavenges, ${r.gc.majors} mark-compacts, ${num(r.gc.pauseMs)} ms paused (${num(r.gc.pauseMs / r.workers / r.seconds / 10, 1)}% of the time per worker), longest pause ${num(r.gc.maxPauseMs)} ms`
          : ''),
    );
  }
}

if (workerCounts.length > 1) {
  console.log(`\nworker scaling (per log type and offered load; ranges over ${repeat} round(s), ratio of medians against ${workerCounts[0]} worker(s)):`);
  const keys = [...new Set(rows.map((r) => `${r.logType}\t${r.format}\t${r.rate === undefined ? 'max' : 'paced'}`))];
  for (const key of keys) {
    const [logType, format, mode] = key.split('\t');
    const of = (w: number) => rows.filter((r) => r.workers === w && r.logType === logType && r.format === format && (r.rate === undefined ? 'max' : 'paced') === mode);
    const base = of(workerCounts[0]);
    const baseRate = median(base.map((r) => r.records / r.seconds));
    const baseEff = median(base.map((r) => r.records / r.cpu));
    for (const w of workerCounts) {
      const rs = of(w);
      if (rs.length === 0) continue;
      const perSecond = rs.map((r) => r.records / r.seconds);
      const perCpu = rs.map((r) => r.records / r.cpu);
      const usPerRecord = rs.map((r) => ((r.genCpu + r.sinkCpu) / r.records) * 1e6);
      const offered = rs[0].rate === undefined ? 'closed loop' : `offered ${range(rs.map((r) => r.rate!))}/s`;
      console.log(
        `  ${logType} (${format}), ${offered}, ${w} worker(s): ${range(perSecond)} records/s (×${(median(perSecond) / baseRate).toFixed(2)}), ` +
          `${range(perCpu)} records per relay CPU-s (×${(median(perCpu) / baseEff).toFixed(2)}), relay CPU ${range(rs.map((r) => (r.cpu / r.seconds) * 100))}% ` +
          `(per process ${rs.map((r) => r.cpuByProcess.map((c) => num((c / r.seconds) * 100)).join('/')).join(', ')}), ` +
          `other CPU ${range(rs.map((r) => (Math.max(0, r.machineBusy - r.cpu - r.genCpu - r.sinkCpu) / r.seconds) * 100))}%, gen+sink ${range(usPerRecord, 1)} µs/record`,
      );
    }
  }
}

function median(values: number[]): number {
  return percentile(values, 50);
}

function range(values: number[], digits = 0): string {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? num(min, digits) : `${num(min, digits)}–${num(max, digits)}`;
}

if (!values['no-micro'] && !failed && pools.length > 0) {
  console.log('\nmicro-benchmarks (this process, records per CPU-second):');
  console.log(
    table(
      ['log type', 'format', 'decode', 'parse+validate+enrich', 'encode+gzip-1', 'rejected', 'straightforward', 'JSON.parse'],
      pools.map((pool) => {
        const m = microBenchmark(pool);
        return [pool.logType, pool.format, num(m.decode), num(m.process), num(m.encodeGzip), num(m.rejected), num(m.straightforward) + (m.straightforwardRejected > 0 ? ` (${num(m.straightforwardRejected)} rejected)` : ''), m.jsonParse === undefined ? '-' : num(m.jsonParse)];
      }),
    ),
  );
  console.log(
    'yardsticks that move with the machine: straightforward = msgpackr → JSON.parse → zod schema → JSON.stringify per record; JSON.parse = of each line alone',
  );
}
process.exitCode = failed ? 1 : 0;
