/**
 * End-to-end benchmark: a forward load generator (pre-encoded Fluent Bit 5.1.1-shaped messages, `chunk` acks, a
 * window of unacked messages on each of several connections) → the real relay as a child process
 * (`dist/src/cli.js --config ...`) → a counting HTTP sink in another child process, all on 127.0.0.1.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/e2e.js [--types user-activity,audit-log|all] [--seconds 10]
 *     [--connections 2] [--window 4] [--records-per-message 1000] [--format none|json|both] [--format-json]
 *     [--compression none|gzip] [--warmup 2] [--node /path/to/node] [--relay-node-options OPTS] [--no-micro]
 *     [--workers 1|N|auto]   (relay processes; CPU and RSS are summed over all of them)
 *
 * Per log type: records/s, MB/s of forward bytes, records per CPU-second of the relay process (utime + stime from
 * /proc, the figure that survives a noisy machine where generator and sink share the cores), p50/p99 ack latency
 * (write → ack at the generator), the relay's peak RSS, and the sink's count of missing and duplicate records.
 * Then in-process micro-benchmarks of decode, parse + validate + enrich, and encode + gzip on the same messages.
 * Exits 1 when any record is missing.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { LssGenerator } from '../src/zpa/index.js';
import { CountSink } from './lib/count-sink.js';
import { AtLeastOnceClient } from './lib/load-client.js';
import { MessagePool, messageSource, type RecordFormat } from './lib/messages.js';
import { microBenchmark } from './lib/micro.js';
import { RelayProcess, metricSum, processCpuSeconds, relayConfig } from './lib/relay-process.js';
import { num, percentile, sleep, table } from './lib/report.js';

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
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'node dist/bench/e2e.js [--types a,b|all] [--seconds S | --records N] [--connections C] [--window W]\n' +
      '  [--records-per-message R] [--format none|json|both] [--format-json] [--compression none|gzip]\n' +
      '  [--warmup S] [--node PATH] [--relay-node-options "--max-semi-space-size=..."] [--no-micro]\n',
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
if (![seconds, connections, window, perMessage].every((n) => Number.isFinite(n) && n > 0)) throw new Error('numeric options must be positive');

const sink = await CountSink.start();
const relay = new RelayProcess({
  node: values.node,
  env: values['relay-node-options'] ? { NODE_OPTIONS: values['relay-node-options'] } : undefined,
  config: await relayConfig({
    sinkUrl: sink.url,
    listen: { ack_timeout: '120s' },
    sink: { compression: values.compression },
    workers: values.workers === 'auto' ? 'auto' : Number(values.workers),
  }),
});

interface Row {
  logType: string;
  format: RecordFormat;
  records: number;
  seconds: number;
  bytes: number;
  cpu: number;
  /** CPU seconds of the load generator (this process) and of the sink process. */
  otherCpu: number;
  latencies: number[];
  peakRss: number;
  missing: number;
  duplicates: number;
  deadLetters: number;
  bytesPerRecord: number;
}

function othersCpuSeconds(): number {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1e6 + (sink.pid === undefined ? 0 : processCpuSeconds(sink.pid));
}

let nextSeq = 0;
/** One load phase against the running relay: from a fresh sequence range, until `phaseSeconds` pass or `records` are sent, then every ack. */
async function phase(pool: MessagePool, phaseSeconds: number, records: number): Promise<Row> {
  const firstSeq = nextSeq;
  const source = messageSource(pool, firstSeq, records);
  const deadLetters = relay.deadLetters().length;
  relay.resetPeakRss();
  const cpu = relay.cpuSeconds();
  const otherCpu = othersCpuSeconds();
  const started = performance.now();
  const client = new AtLeastOnceClient({ port: relay.port, connections, window, next: source.next, deadlineMs: Date.now() + phaseSeconds * 1000 + 180_000 });
  const timer = setTimeout(() => client.drain(), phaseSeconds * 1000);
  try {
    await client.run();
  } finally {
    clearTimeout(timer);
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpuUsed = relay.cpuSeconds() - cpu;
  const otherCpuUsed = othersCpuSeconds() - otherCpu;
  nextSeq = source.nextSeq;
  const stats = await sink.stats(firstSeq, nextSeq);
  return {
    logType: pool.logType,
    format: pool.format,
    records: client.stats.ackedRecords,
    seconds: elapsed,
    bytes: client.stats.ackedBytes,
    cpu: cpuUsed,
    otherCpu: otherCpuUsed,
    latencies: client.stats.latencies,
    peakRss: relay.memory('VmHWM'),
    missing: stats.seq.missing,
    duplicates: stats.seq.duplicates,
    deadLetters: relay.deadLetters().length - deadLetters,
    bytesPerRecord: pool.bytesPerRecord,
  };
}

const rows: Row[] = [];
const pools: MessagePool[] = [];
let failed = false;
try {
  await relay.start();
  const relayNode = values.node ? `, relay on ${execFileSync(values.node, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim()} (${values.node})` : '';
  console.log(
    `zpa-relay end-to-end benchmark: Node ${process.version}${relayNode}, ${cpus().length} cores; ${connections} connections × window ${window}, ` +
      `${perMessage} records per message, sink ndjson compression ${values.compression}, ${Number.isFinite(maxRecords) ? `${maxRecords} records` : `${seconds} s`} per log type`,
  );
  for (const logType of types) for (const format of formats) pools.push(new MessagePool(logType, format, perMessage, { generator }));
  if (Number(values.warmup) > 0) await phase(pools[0], Number(values.warmup), Infinity); // JIT and connection pool warm-up, not reported
  for (const pool of pools) {
    const row = await phase(pool, seconds, maxRecords);
    rows.push(row);
    failed ||= row.missing > 0;
    process.stderr.write(`  ${row.logType} (${row.format}): ${num(row.records)} records in ${row.seconds.toFixed(1)} s\n`);
    await sleep(200);
  }
  const metrics = await relay.metrics();
  console.log(
    table(
      ['log type', 'format', 'B/rec', 'records', 'records/s', 'MB/s', 'rec/CPU-s', 'relay CPU', 'gen+sink CPU', 'ack p50 ms', 'ack p99 ms', 'peak RSS MB', 'missing', 'dup', 'dead'],
      rows.map((r) => [
        r.logType,
        r.format,
        num(r.bytesPerRecord),
        num(r.records),
        num(r.records / r.seconds),
        num(r.bytes / r.seconds / 1e6, 1),
        num(r.records / r.cpu),
        `${num((r.cpu / r.seconds) * 100)}%`,
        `${num((r.otherCpu / r.seconds) * 100)}%`,
        num(percentile(r.latencies, 50), 1),
        num(percentile(r.latencies, 99), 1),
        num(r.peakRss / 1e6, 0),
        num(r.missing),
        num(r.duplicates),
        num(r.deadLetters),
      ]),
    ),
  );
  console.log(
    `relay: ${num(metricSum(metrics, 'zpa_relay_backpressure_pauses_total'))} backpressure pauses, ` +
      `${num(metricSum(metrics, 'zpa_relay_forward_ack_timeouts_total'))} ack timeouts, ${num(metricSum(metrics, 'zpa_relay_records_rejected_total'))} records rejected`,
  );
} catch (error) {
  failed = true;
  console.error(`benchmark failed: ${(error as Error).stack}\nrelay log:\n${relay.log.slice(-20).join('\n')}`);
} finally {
  await relay.stop();
  await sink.close();
}

if (!values['no-micro'] && !failed && pools.length > 0) {
  console.log('\nmicro-benchmarks (this process, records per CPU-second):');
  console.log(
    table(
      ['log type', 'format', 'decode', 'parse+validate+enrich', 'encode+gzip-1', 'rejected'],
      pools.map((pool) => {
        const m = microBenchmark(pool);
        return [pool.logType, pool.format, num(m.decode), num(m.process), num(m.encodeGzip), num(m.rejected)];
      }),
    ),
  );
}
process.exitCode = failed ? 1 : 0;
