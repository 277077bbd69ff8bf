/**
 * Side by side with Fluent Bit's own forward → http path (issue 6): the same load generator (pre-encoded Fluent Bit
 * 5.1.1-shaped forward messages, `chunk` acks, a window per connection) and the same counting HTTP sink as
 * bench/e2e.ts, against a Fluent Bit binary you supply (build v5.1.1 from its public source; nothing of it is in this
 * repository) and, in alternation, against zpa-relay.
 *
 *   npm run bench:fluent-bit -- --fluent-bit /path/to/fluent-bit [--variants fluent-bit,fluent-bit-parse,relay]
 *     [--types user-activity,audit-log] [--seconds 10] [--connections 2] [--window 4] [--records-per-message 1000]
 *     [--warmup 2] [--repeat 3] [--mem-buf-limit 64M] [--flush 1] [--output-workers N]
 *
 * Variants (each its own session per round, in the order given, so drift on a shared machine hits all alike):
 *   fluent-bit        forward input on 127.0.0.1 → http output, `Format json_lines`, to the sink. Per record Fluent Bit
 *                     decodes the msgpack entry, re-encodes it into its chunk, and writes it as one JSON line
 *                     (`{"date":<double>,"log":"<the raw line, escaped>"}`): it does not look inside the line.
 *   fluent-bit-parse  the same plus a `parser` filter (Format json on Key_Name log): each line is parsed and the record
 *                     replaced by the parsed map, which the output then serialises: the nearest Fluent Bit gets to the
 *                     relay's parse + serialise, still without schema validation, coercion or enrichment.
 *   relay             zpa-relay exactly as `npm run bench` runs it (one process, ndjson sink, no compression).
 *
 * ACK SEMANTICS DIFFER. Fluent Bit's in_forward acks a message as soon as its records are appended to the input's
 * in-memory chunk (plugins/in_forward/fw_prot.c: send_ack right after fw_process_forward_mode), before any output has
 * sent them; zpa-relay acks only after the sink answered 2xx for every record of the message. So Fluent Bit's ack
 * latency measures receipt, not delivery, and is not comparable. Because its acks do not wait for the sink, a closed
 * loop against Fluent Bit can outrun its output and buffer in memory; so every phase here ends when the sink has every
 * record, not at the last ack: records/s and the CPU figures run from the first send to the last record at the sink
 * (for the relay the two ends coincide). "ack rec/s" is the rate at which acks came back, "sink lag" the time from the
 * last ack to the last record at the sink.
 *
 * Columns as in bench/e2e.ts: records/s, MB/s of forward bytes, records per CPU-second of the process under test
 * (utime + stime of /proc/<pid>/stat, every thread), its CPU share, p50/p99 ack latency (write → ack at the generator),
 * peak RSS (VmHWM, reset before each phase), and the sink's count of missing and duplicate records; plus the bytes per
 * record the sink received. Exits 1 when any record is missing.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { LssGenerator } from '../src/zpa/index.js';
import { CountSink } from '../test/harness/count-sink.js';
import { FluentBitProcess } from '../test/harness/fluent-bit-process.js';
import { runPhase } from '../test/harness/load-client.js';
import { MessagePool, messageSource } from '../test/harness/messages.js';
import { RelayProcess, processCpuSeconds, relayConfig } from '../test/harness/relay-process.js';
import { num, percentile, sleep, table } from '../test/harness/report.js';

// Exit through process.exit on a signal, so the children are killed.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const VARIANTS = ['fluent-bit', 'fluent-bit-parse', 'relay'] as const;
type Variant = (typeof VARIANTS)[number];

const { values } = parseArgs({
  options: {
    'fluent-bit': { type: 'string' },
    variants: { type: 'string', default: 'fluent-bit,relay' },
    types: { type: 'string', default: 'user-activity' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '2' },
    window: { type: 'string', default: '4' },
    'records-per-message': { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '1' },
    'mem-buf-limit': { type: 'string' },
    flush: { type: 'string' },
    'output-workers': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help || !values['fluent-bit']) {
  process.stdout.write(
    'node dist/bench/fluent-bit.js --fluent-bit /path/to/fluent-bit [--variants fluent-bit,fluent-bit-parse,relay]\n' +
      '  [--types user-activity,audit-log|all] [--seconds S] [--connections C] [--window W] [--records-per-message R]\n' +
      '  [--warmup S] [--repeat R] [--mem-buf-limit 64M] [--flush SECONDS] [--output-workers N]\n' +
      '\n' +
      'The same load generator and counting sink as npm run bench, against Fluent Bit (forward → http json_lines) and zpa-relay.\n' +
      'Fluent Bit acks on receipt, zpa-relay after the sink accepted the records: compare records per CPU-second, not ack latency.\n',
  );
  process.exit(values.help ? 0 : 2);
}

const generator = new LssGenerator();
const types = values.types === 'all' ? generator.logTypes() : values.types.split(',').map((t) => t.trim()).filter(Boolean);
for (const type of types) if (!generator.logTypes().includes(type)) throw new Error(`unknown log type ${type} (known: ${generator.logTypes().join(', ')})`);
const variants = values.variants.split(',').map((v) => v.trim()) as Variant[];
for (const v of variants) if (!VARIANTS.includes(v)) throw new Error(`unknown variant ${v} (known: ${VARIANTS.join(', ')})`);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const window = Number(values.window);
const perMessage = Number(values['records-per-message']);
const repeat = Number(values.repeat);
const warmup = Number(values.warmup);
const outputWorkers = values['output-workers'] === undefined ? undefined : Number(values['output-workers']);
if (![seconds, connections, window, perMessage, repeat].every((n) => Number.isFinite(n) && n > 0)) throw new Error('numeric options must be positive');
const binary = values['fluent-bit'];
const fluentBitVersion = (() => {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 }).split('\n')[0].trim();
  } catch (error) {
    throw new Error(`cannot run ${binary} --version: ${(error as Error).message}`);
  }
})();

/** What a phase needs of the process under test. */
interface Target {
  readonly port: number;
  readonly log: string[];
  pids(): number[];
  memory(key: 'VmHWM'): number;
  resetPeakRss(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Row {
  variant: Variant;
  round: number;
  logType: string;
  records: number;
  /** First send → last ack. */
  ackSeconds: number;
  /** First send → last record counted at the sink. */
  seconds: number;
  bytes: number;
  cpu: number;
  latencies: number[];
  peakRss: number;
  missing: number;
  duplicates: number;
  sinkBytes: number;
  resends: number;
  closedByPeer: number;
  bytesPerRecord: number;
}

const sink = await CountSink.start();
let nextSeq = 0;

/** One closed-loop phase: load for `phaseSeconds`, every ack, then until the sink has every record (or 180 s more). */
async function phase(target: Target, variant: Variant, round: number, pool: MessagePool, phaseSeconds: number): Promise<Row> {
  const firstSeq = nextSeq;
  const source = messageSource(pool, firstSeq);
  target.resetPeakRss();
  const pids = target.pids();
  const cpuBefore = pids.map(processCpuSeconds);
  const sinkBefore = await sink.stats(0, 0);
  const started = performance.now();
  const client = await runPhase({ port: target.port, connections, window, next: source.next, onAcked: (message) => pool.recycle(message) }, phaseSeconds);
  const acked = performance.now();
  nextSeq = source.nextSeq;
  // Fluent Bit acked on receipt: wait for its output to deliver what it holds.
  const deadline = Date.now() + 180_000;
  let stats = await sink.stats(firstSeq, nextSeq);
  while (stats.seq.delivered < stats.seq.expected && Date.now() < deadline) {
    await sleep(20);
    stats = await sink.stats(firstSeq, nextSeq);
  }
  const delivered = performance.now();
  const cpu = pids.map(processCpuSeconds).reduce((sum, after, i) => sum + after - cpuBefore[i], 0);
  const peakRss = target.memory('VmHWM');
  await sleep(300); // late duplicates, if any, still count
  stats = await sink.stats(firstSeq, nextSeq);
  return {
    variant,
    round,
    logType: pool.logType,
    records: client.stats.ackedRecords,
    ackSeconds: (acked - started) / 1000,
    seconds: (delivered - started) / 1000,
    bytes: client.stats.ackedBytes,
    cpu,
    latencies: client.stats.latencies,
    peakRss,
    missing: stats.seq.missing,
    duplicates: stats.seq.duplicates,
    sinkBytes: stats.bytes - sinkBefore.bytes,
    resends: client.stats.resends,
    closedByPeer: client.stats.closedByPeer,
    bytesPerRecord: pool.bytesPerRecord,
  };
}

async function target(variant: Variant): Promise<Target> {
  if (variant === 'relay') {
    return new RelayProcess({ config: await relayConfig({ sinkUrl: sink.url, listen: { ack_timeout: '120s' }, sink: { compression: 'none' } }) });
  }
  return new FluentBitProcess({
    binary,
    sinkPort: sink.port,
    parse: variant === 'fluent-bit-parse',
    memBufLimit: values['mem-buf-limit'],
    flush: values.flush,
    outputWorkers,
  });
}

const pools = types.map((logType) => new MessagePool(logType, 'none', perMessage, { generator }));
const rows: Row[] = [];
let failed = false;

console.log(
  `Fluent Bit vs zpa-relay: ${fluentBitVersion} (${binary}), Node ${process.version}, ${cpus().length} cores; ${connections} connections × window ${window}, ` +
    `${perMessage} records per message (Format none), ${seconds} s per phase + until the sink has every record; variants ${variants.join(', ')}; ` +
    `${repeat} round(s); Fluent Bit: http json_lines, Flush ${values.flush ?? '1'}, Mem_Buf_Limit ${values['mem-buf-limit'] ?? 'unset'}, ` +
    `output workers ${outputWorkers ?? 'default'}; relay: ndjson sink, no compression`,
);

try {
  for (let round = 1; round <= repeat && !failed; round++) {
    for (const variant of variants) {
      const t = await target(variant);
      try {
        await t.start();
        if (round === 1 && t instanceof FluentBitProcess) process.stderr.write(`  ${variant} configuration:\n${t.config().replace(/^/gm, '    ')}\n`);
        if (warmup > 0) await phase(t, variant, round, pools[0], warmup); // warm-up, not reported
        for (const pool of pools) {
          const row = await phase(t, variant, round, pool, seconds);
          rows.push(row);
          failed ||= row.missing > 0;
          process.stderr.write(
            `  round ${round}, ${variant}, ${row.logType}: ${num(row.records)} records, acked in ${row.ackSeconds.toFixed(1)} s, at the sink in ${row.seconds.toFixed(1)} s ` +
              `(${num(row.records / row.seconds)}/s, ${num(row.records / row.cpu)} per CPU-s)\n`,
          );
          await sleep(200);
        }
      } catch (error) {
        failed = true;
        console.error(`${variant} failed: ${(error as Error).stack}\nlog:\n${t.log.slice(-20).join('\n')}`);
      } finally {
        await t.stop();
      }
    }
  }
} finally {
  await sink.close();
}

const pct = (cpu: number, s: number) => `${num((cpu / s) * 100)}%`;
console.log(
  table(
    ['variant', 'round', 'log type', 'B/rec', 'records', 'records/s', 'MB/s', 'rec/CPU-s', 'CPU', 'ack rec/s', 'sink lag s', 'ack p50 ms', 'ack p99 ms', 'peak RSS MB', 'out B/rec', 'missing', 'dup', 'resends'],
    rows.map((r) => [
      r.variant,
      String(r.round),
      r.logType,
      num(r.bytesPerRecord),
      num(r.records),
      num(r.records / r.seconds),
      num(r.bytes / r.seconds / 1e6, 1),
      num(r.records / r.cpu),
      pct(r.cpu, r.seconds),
      num(r.records / r.ackSeconds),
      (r.seconds - r.ackSeconds).toFixed(1),
      num(percentile(r.latencies, 50), 1),
      num(percentile(r.latencies, 99), 1),
      num(r.peakRss / 1e6, 0),
      num(r.sinkBytes / Math.max(1, r.records)),
      num(r.missing),
      num(r.duplicates),
      num(r.resends),
    ]),
  ),
);
console.log(
  'records/s, MB/s, rec/CPU-s and CPU run from the first send to the last record counted at the sink; ack rec/s to the last ack; ' +
    'out B/rec: bytes per record the sink received. Ack latency is NOT comparable: Fluent Bit acks on receipt (in_forward, before any ' +
    'output), zpa-relay after the sink accepted every record of the message.',
);

if (repeat > 1 || variants.length > 1) {
  console.log('\nmedians over rounds:');
  for (const logType of types) {
    for (const variant of variants) {
      const rs = rows.filter((r) => r.variant === variant && r.logType === logType);
      if (rs.length === 0) continue;
      const med = (f: (r: Row) => number) => percentile(rs.map(f), 50);
      console.log(
        `  ${logType}, ${variant}: ${num(med((r) => r.records / r.seconds))} records/s, ${num(med((r) => r.records / r.cpu))} records per CPU-s ` +
          `(range ${num(Math.min(...rs.map((r) => r.records / r.cpu)))}–${num(Math.max(...rs.map((r) => r.records / r.cpu)))}), peak RSS ${num(med((r) => r.peakRss / 1e6))} MB, ${rs.length} run(s)`,
      );
    }
  }
}
process.exitCode = failed ? 1 : 0;
