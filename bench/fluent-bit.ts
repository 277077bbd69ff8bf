/** Side by side with Fluent Bit's own forward → http path: the same load and counting sink against Fluent Bit and zpa-relay. */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { LssGenerator } from '../src/zpa/index.js';
import { command, loadOptions, loadSettings, positive } from '../test/harness/command.js';
import { CountSink } from '../test/harness/count-sink.js';
import { FluentBitProcess } from '../test/harness/fluent-bit-process.js';
import { LoadPhases, PHASE_COLUMNS as C, type PhaseResult } from '../test/harness/load-phase.js';
import { MessagePool } from '../test/harness/messages.js';
import { RelayProcess, relayConfig } from '../test/harness/relay-process.js';
import { median, num, pct, range, sleep, table } from '../test/harness/report.js';
import type { ServiceProcess } from '../test/harness/service-process.js';

const USAGE = `
npm run bench:fluent-bit -- --fluent-bit /path/to/fluent-bit [options]        (node dist/bench/fluent-bit.js)

The same load generator (pre-encoded Fluent Bit 5.1.1-shaped forward messages, \`chunk\` acks, a window per connection)
and the same counting HTTP sink as npm run bench, against a Fluent Bit binary you supply (build v5.1.1 from its public
source; nothing of it is in this repository) and, in alternation, against zpa-relay. Exits 1 when any record is missing.

  --fluent-bit PATH        the Fluent Bit binary (required)
  --variants a,b           in the order given, each its own session per round (default fluent-bit,relay):
      fluent-bit           forward input on 127.0.0.1 → http output, Format json_lines, to the sink: per record Fluent Bit
                           decodes the msgpack entry, re-encodes it into its chunk and writes one JSON line
                           ({"date":<double>,"log":"<the raw line, escaped>"}); it does not look inside the line
      fluent-bit-parse     the same plus a parser filter (Format json on Key_Name log): each line parsed and the record
                           replaced by the parsed map, the nearest Fluent Bit gets to the relay's parse + serialise,
                           still without schema validation, coercion or enrichment
      relay                zpa-relay exactly as npm run bench runs it (one process, ndjson sink, no compression)
  --types a,b|all          log types (default user-activity)
  --seconds S              seconds of load per phase (default 10)
  --connections C          (default 2); --window W: unacked messages per connection (default 4)
  --records-per-message R  (default 1000)
  --warmup S               seconds of an unreported first phase per session (default 2)
  --repeat R               rounds (default 1)
  --mem-buf-limit 64M      the forward input's Mem_Buf_Limit (default unset)
  --flush SECONDS          [SERVICE] Flush (default 1); --output-workers N: the http output's Workers (default the plugin's)
  --compression a,b        the HTTP side of both, each its own session per round (default none): none, or gzip (Fluent
                           Bit's http output Compress gzip, zlib's default level 6; the relay's sink its default, level 1)

At the end, each variant's records per CPU-second against Fluent Bit's forward → http (fluent-bit) in the same run,
per log type and compression: the ratio of the medians over rounds, and its range over the rounds (round by round).

ACK SEMANTICS DIFFER. Fluent Bit's in_forward acks a message as soon as its records are appended to the input's
in-memory chunk (plugins/in_forward/fw_prot.c), before any output has sent them; zpa-relay acks only after the sink answered 2xx for every record of
the message. So Fluent Bit's ack latency measures receipt, not delivery: compare records per CPU-second, not ack
latency. Because its acks do not wait for the sink, every phase ends when the sink has every record, not at the last
ack: records/s, MB/s, rec/CPU-s and CPU run from the first send to the last record at the sink (for the relay the two
ends coincide); "ack rec/s" is the rate at which acks came back, "sink lag" the time from the last ack to the last
record at the sink, "out B/rec" the bytes per record the sink received. CPU is utime + stime of the process under test
(/proc/<pid>/stat, every thread); peak RSS is its VmHWM, reset before each phase.
`;

const VARIANTS = ['fluent-bit', 'fluent-bit-parse', 'relay'] as const;
type Variant = (typeof VARIANTS)[number];

const { values } = command(USAGE, {
  ...loadOptions('user-activity'),
  'fluent-bit': { type: 'string' },
  variants: { type: 'string', default: 'fluent-bit,relay' },
  'mem-buf-limit': { type: 'string' },
  flush: { type: 'string' },
  'output-workers': { type: 'string' },
  compression: { type: 'string', default: 'none' },
});
const binary = values['fluent-bit'];
if (!binary) {
  process.stdout.write(USAGE.trim() + '\n');
  process.exit(2);
}

const generator = new LssGenerator();
const load = loadSettings(values, generator);
const variants = values.variants.split(',').map((v) => v.trim()) as Variant[];
for (const v of variants) if (!VARIANTS.includes(v)) throw new Error(`unknown variant ${v} (known: ${VARIANTS.join(', ')})`);
const outputWorkers = values['output-workers'] === undefined ? undefined : positive('output-workers', values['output-workers']);
const COMPRESSIONS = ['none', 'gzip'] as const;
type Compression = (typeof COMPRESSIONS)[number];
const compressions = values.compression.split(',').map((c) => c.trim()) as Compression[];
for (const c of compressions) if (!COMPRESSIONS.includes(c)) throw new Error(`--compression: unknown ${c} (known: ${COMPRESSIONS.join(', ')})`);
const fluentBitVersion = (() => {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 }).split('\n')[0].trim();
  } catch (error) {
    throw new Error(`cannot run ${binary} --version: ${(error as Error).message}`);
  }
})();

interface Row extends PhaseResult {
  variant: Variant;
  compression: Compression;
  round: number;
}

const sink = await CountSink.start();
const perCpuSecond = (r: Row) => r.records / r.cpu;
const rowsOf = (variant: Variant, compression: Compression, logType: string) =>
  rows.filter((r) => r.variant === variant && r.compression === compression && r.logType === logType);
const phases = new LoadPhases(sink, load);

async function server(variant: Variant, compression: Compression): Promise<ServiceProcess> {
  if (variant === 'relay') {
    return new RelayProcess({ config: await relayConfig({ sinkUrl: sink.url, listen: { ack_timeout: '120s' }, sink: { compression } }) });
  }
  const parse = variant === 'fluent-bit-parse';
  return new FluentBitProcess({ binary: binary!, sinkPort: sink.port, parse, memBufLimit: values['mem-buf-limit'], flush: values.flush, outputWorkers, gzip: compression === 'gzip' });
}

const pools = load.types.map((logType) => new MessagePool(logType, 'none', load.recordsPerMessage, { generator }));
const rows: Row[] = [];
let failed = false;

console.log(
  `Fluent Bit vs zpa-relay: ${fluentBitVersion} (${binary}), Node ${process.version}, ${cpus().length} cores; ${load.connections} connections × window ${load.window}, ` +
    `${load.recordsPerMessage} records per message (Format none), ${load.seconds} s per phase + until the sink has every record; variants ${variants.join(', ')}; ` +
    `${load.repeat} round(s); Fluent Bit: http json_lines, Flush ${values.flush ?? '1'}, Mem_Buf_Limit ${values['mem-buf-limit'] ?? 'unset'}, ` +
    `output workers ${outputWorkers ?? 'default'}; relay: ndjson sink; compression ${compressions.join(', ')}`,
);

try {
  for (let round = 1; round <= load.repeat && !failed; round++) {
    for (const compression of compressions) for (const variant of variants) {
      const s = await server(variant, compression);
      try {
        await s.start();
        if (round === 1 && s instanceof FluentBitProcess) process.stderr.write(`  ${variant} configuration:\n${s.config().replace(/^/gm, '    ')}\n`);
        if (load.warmup > 0) await phases.run(s, pools[0], { seconds: load.warmup, untilDelivered: true }); // warm-up, not reported
        for (const pool of pools) {
          const row = { ...(await phases.run(s, pool, { seconds: load.seconds, untilDelivered: true })), variant, compression, round };
          rows.push(row);
          failed ||= row.missing > 0;
          process.stderr.write(
            `  round ${round}, ${variant}, ${compression}, ${row.logType}: ${num(row.records)} records, acked in ${row.ackSeconds.toFixed(1)} s, at the sink in ${row.seconds.toFixed(1)} s ` +
              `(${num(row.records / row.seconds)}/s, ${num(row.records / row.cpu)} per CPU-s)\n`,
          );
          await sleep(200);
        }
      } catch (error) {
        failed = true;
        console.error(`${variant} failed: ${(error as Error).stack}\nlog:\n${s.log.slice(-20).join('\n')}`);
      } finally {
        await s.stop();
      }
    }
  }
} finally {
  await sink.close();
}

console.log(
  table<Row>(
    [
      ['variant', (r) => r.variant],
      ['compression', (r) => r.compression],
      ['round', (r) => String(r.round)],
      ['log type', (r) => r.logType],
      C.bytesPerRecord,
      C.records,
      C.perSecond,
      C.mbPerSecond,
      C.perCpu,
      ['CPU', (r) => pct(r.cpu, r.seconds)],
      ['ack rec/s', (r) => num(r.records / r.ackSeconds)],
      ['sink lag s', (r) => (r.seconds - r.ackSeconds).toFixed(1)],
      C.ackP50,
      C.ackP99,
      C.peakRss,
      ['out B/rec', (r) => num(r.sinkBytes / Math.max(1, r.records))],
      C.missing,
      C.duplicates,
      ['resends', (r) => num(r.resends)],
    ],
    rows,
  ),
);
console.log(
  'records/s, MB/s, rec/CPU-s and CPU run from the first send to the last record counted at the sink; ack rec/s to the last ack; ' +
    'out B/rec: bytes per record the sink received. Ack latency is NOT comparable: Fluent Bit acks on receipt (in_forward, before any ' +
    'output), zpa-relay after the sink accepted every record of the message.',
);

if (load.repeat > 1 || variants.length > 1) {
  console.log('\nmedians over rounds:');
  for (const compression of compressions) {
    for (const logType of load.types) {
      for (const variant of variants) {
        const rs = rowsOf(variant, compression, logType);
        if (rs.length === 0) continue;
        const perCpu = rs.map(perCpuSecond);
        console.log(
          `  ${logType}, ${compression}, ${variant}: ${num(median(rs.map((r) => r.records / r.seconds)))} records/s, ${num(median(perCpu))} records per CPU-s ` +
            `(range ${range(perCpu)}), peak RSS ${num(median(rs.map((r) => r.peakRss / 1e6)))} MB, ${rs.length} run(s)`,
        );
      }
    }
  }
}

if (variants.includes('fluent-bit') && variants.length > 1) {
  console.log("\nrecords per CPU-second against Fluent Bit's forward → http in the same run (median of rounds; range round by round):");
  const ratios: { [key: string]: string }[] = [];
  for (const compression of compressions) {
    for (const logType of load.types) {
      const base = rowsOf('fluent-bit', compression, logType);
      const row: { [key: string]: string } = { 'log type': logType, compression };
      for (const variant of variants.filter((v) => v !== 'fluent-bit')) {
        const rs = rowsOf(variant, compression, logType);
        const perRound = rs.flatMap((r) => base.filter((b) => b.round === r.round).map((b) => perCpuSecond(r) / perCpuSecond(b)));
        if (rs.length === 0 || base.length === 0) continue;
        const ratio = median(rs.map(perCpuSecond)) / median(base.map(perCpuSecond));
        row[`${variant} / fluent-bit`] = `${ratio.toFixed(2)}× [${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)}]`;
      }
      ratios.push(row);
    }
  }
  const columns = Object.keys(ratios[0] ?? {});
  console.log(table(columns.map((c) => [c, (r: { [key: string]: string }) => r[c] ?? ''] as [string, (r: { [key: string]: string }) => string]), ratios));
}
process.exitCode = failed ? 1 : 0;
