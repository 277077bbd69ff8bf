/** Fuzzing the receiver and the processor with seeded mutations, in-process and against a real relay process. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ZpaProcessor, loadSchemas } from '../src/zpa/index.js';
import { command, positive } from '../test/harness/command.js';
import { checkForward, checkRecord } from '../test/harness/fuzz/check.js';
import { runInWorker } from '../test/harness/fuzz/in-worker.js';
import { FuzzInputs, describe } from '../test/harness/fuzz/inputs.js';
import { MEMORY_RULE, memoryVerdict, mib, type MemoryVerdict } from '../test/harness/fuzz/memory.js';
import { violationOf, type PhaseReport, type ViolationReport } from '../test/harness/fuzz/run.js';
import { FuzzRelay, runTcp, type TcpReport } from '../test/harness/fuzz/tcp.js';
import { num, table } from '../test/harness/report.js';

const USAGE = `
npm run bench:fuzz -- [options]        (node dist/bench/fuzz.js)

Seeded mutations, by default 1,000,000 inputs, split
  forward 60 %  real captures and generated messages of all four modes, mutated, through the frame reader, the
                decoder, the PING check, gunzip, and the processor for every record decoded (in-process);
  record  35 %  mutated LSS lines and records of all 16 log types through the processor (in-process);
  tcp      5 %  mutated inputs on throwaway connections to a real relay process (HTTP sink on 127.0.0.1) while one
                good connection sends acked messages the whole time.
Properties: whatever fails fails with a ProtocolError or a rejection with a reason, never another throw; no input
takes longer than --budget-ms (a worker thread runs the in-process phases and is terminated when an input hangs);
memory stays bounded (the rule is printed at the end); every good message is acked and every good record reaches the
sink; the relay stays up. Each input is a function of (seed, phase, index): a failure prints them and writes the input
to --out. Exits 1 on any violation.

  --inputs N            (default 1000000)
  --seed N              (default a fresh one, always printed)
  --seconds-limit S     stop each phase when its share of S (in proportion to its inputs) is used up
  --phases a,b          (default forward,record,tcp)
  --budget-ms MS        per input (default 2000)
  --out DIR             where violating inputs are written (default .bench-out/fuzz)
  --concurrency C       tcp phase: throwaway connections at once (default 32)
  --linger-ms MS        tcp phase: how long a throwaway connection waits for the relay to close it (default 100)
  --seed N --phase P --only INDEX   run that one input again, alone
`;

const { values } = command(USAGE, {
  inputs: { type: 'string', default: '1000000' },
  seed: { type: 'string' },
  'seconds-limit': { type: 'string' },
  phases: { type: 'string', default: 'forward,record,tcp' },
  'budget-ms': { type: 'string', default: '2000' },
  out: { type: 'string', default: '.bench-out/fuzz' },
  concurrency: { type: 'string', default: '32' },
  'linger-ms': { type: 'string', default: '100' },
  phase: { type: 'string' },
  only: { type: 'string' },
});

const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
const total = positive('inputs', values.inputs);
const budgetMs = positive('budget-ms', values['budget-ms']);
const outDir = path.resolve(values.out);
const phases = new Set(values.phases.split(',').map((p) => p.trim()));
const SHARES = { forward: 0.6, record: 0.35, tcp: 0.05 };

if (values.only !== undefined) process.exit(await only(values.phase ?? 'forward', Number(values.only)));

const counts = {
  tcp: phases.has('tcp') ? Math.round(total * SHARES.tcp) : 0,
  record: phases.has('record') ? Math.round(total * SHARES.record) : 0,
  forward: 0,
};
counts.forward = phases.has('forward') ? total - counts.tcp - counts.record : 0;
const started = Date.now();
const limitMs = values['seconds-limit'] !== undefined ? Number(values['seconds-limit']) * 1000 : Infinity;
/** Each phase may use the time limit in proportion to its inputs, and whatever the phases before it left. */
const deadline = (upTo: number) => (Number.isFinite(limitMs) ? started + (limitMs * upTo) / Math.max(1, total) : Infinity);

console.log(`zpa-relay fuzz: seed ${seed}, ${num(total)} inputs (forward ${num(counts.forward)}, record ${num(counts.record)}, tcp ${num(counts.tcp)}), budget ${budgetMs} ms per input, Node ${process.version}`);
console.log(`reproduce any input: node dist/bench/fuzz.js --seed ${seed} --phase <forward|record|tcp> --only <index>`);

const reports: PhaseReport[] = [];
if (counts.forward > 0) reports.push(await inWorker('forward', counts.forward, deadline(counts.forward)));
if (counts.record > 0) reports.push(await inWorker('record', counts.record, deadline(counts.forward + counts.record)));
if (counts.tcp > 0) reports.push(await tcpPhase(counts.tcp, deadline(total)));

// The report.
console.log('');
const violations = reports.flatMap((r) => r.violations);
for (const report of reports) {
  const verdict = memoryVerdict(report.memory);
  if (!verdict.ok) {
    violations.push({ phase: report.phase, seed, index: -1, level: report.phase, kind: 'memory', message: verdict.detail, stack: '', seedName: '', ops: [], input: '' });
  }
  printPhase(report, verdict);
}
const inputsRun = reports.reduce((sum, r) => sum + r.inputs, 0);
const seconds = (Date.now() - started) / 1000;
console.log(
  `\ntotal: ${num(inputsRun)} inputs in ${num(seconds, 1)} s (${num(inputsRun / seconds)} inputs/s overall)` +
    (inputsRun < counts.forward + counts.record + counts.tcp ? `, stopped by --seconds-limit before ${num(counts.forward + counts.record + counts.tcp)}` : ''),
);
console.log(`memory rule: ${MEMORY_RULE}`);
if (violations.length === 0) {
  console.log(`no violation (seed ${seed})`);
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
console.log(`\n${violations.length} VIOLATION(S), seed ${seed}, by phase and kind:`);
const byKind = new Map<string, ViolationReport[]>();
for (const v of violations) byKind.set(`${v.phase} ${v.kind}`, [...(byKind.get(`${v.phase} ${v.kind}`) ?? []), v]);
for (const [key, list] of byKind) console.log(`  ${key}: ${list.length} (inputs ${list.slice(0, 12).map((v) => v.index).join(', ')}${list.length > 12 ? ', …' : ''}; from ${[...new Set(list.map((v) => v.seedName.replace(/#.*/, '')))].slice(0, 6).join(', ')})`);
console.log('');
violations.forEach((v, i) => {
  const file = save(v);
  if (i < 12) console.log(describeViolation(v, file));
});
if (violations.length > 12) console.log(`(${violations.length - 12} more, inputs written to ${outDir})`);
process.exit(1);

/** Prints how far a phase started at `t0` is. */
function progress(phase: string, done: number, count: number, t0: number): void {
  const seconds = (Date.now() - t0) / 1000;
  console.log(`  ${phase}: ${num(done)} / ${num(count)} inputs, ${num(done / seconds)} inputs/s`);
}

function inWorker(phase: 'forward' | 'record', count: number, until: number): Promise<PhaseReport> {
  const t0 = Date.now();
  return runInWorker({ seed, phase, count, until, budgetMs, progress: (done) => progress(phase, done, count, t0) });
}

async function tcpPhase(count: number, until: number): Promise<TcpReport> {
  const relay = await FuzzRelay.start();
  const t0 = Date.now();
  try {
    const report = await runTcp(relay, new FuzzInputs(seed), 0, count, {
      concurrency: positive('concurrency', values.concurrency),
      lingerMs: positive('linger-ms', values['linger-ms'], true),
      ackTimeoutMs: 15_000,
      sampleEveryMs: 500,
      stop: () => Date.now() > until,
      progress: (done) => done % 5000 === 0 && progress('tcp', done, count, t0),
    });
    return report;
  } finally {
    await relay.stop();
  }
}

function printPhase(report: PhaseReport, verdict: MemoryVerdict): void {
  const seconds = report.elapsedMs / 1000;
  console.log(`== ${report.phase}: ${num(report.inputs)} inputs in ${num(seconds, 1)} s = ${num(report.inputs / seconds)} inputs/s${report.records ? `, ${num(report.records)} decoded records through the processor` : ''}`);
  const outcomes = Object.entries(report.outcomes).sort((a, b) => b[1] - a[1]);
  console.log(
    table<[string, number]>(
      [
        ['outcome', ([k]) => k],
        ['inputs', ([, n]) => num(n)],
        ['%', ([, n]) => num((100 * n) / report.inputs, 1)],
      ],
      outcomes,
    ),
  );
  const reasons = Object.entries(report.reasons).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) {
    console.log(`top reasons (${reasons.length} distinct):`);
    for (const [reason, n] of reasons.slice(0, 10)) console.log(`  ${num(n).padStart(9)}  ${reason}`);
  }
  if (report.slowest) {
    const s = report.slowest;
    console.log(`slowest input: #${s.index}, ${num(s.ms, 1)} ms, ${num(s.bytes)} bytes, from ${s.seedName} via ${s.ops.join(' ') || '(no mutation)'}`);
  }
  if (report.phase === 'tcp') {
    const tcp = report as TcpReport;
    console.log(
      `good connection: ${num(tcp.good.messages)} messages (${num(tcp.good.records)} records) all acked${tcp.good.closed ? ' UNTIL IT WAS CLOSED' : ''}, slowest ack ${num(tcp.good.maxAckMs)} ms; ` +
        `sink: ${num(tcp.good.sink.delivered)} / ${num(tcp.good.sink.expected)} good records, ${num(tcp.good.sink.missing)} missing, ${num(tcp.good.sink.duplicates)} duplicates`,
    );
    const stats = tcp.relay.stats;
    console.log(
      `relay: ${num(stats.connectionsAccepted ?? 0)} connections, ${num(stats.protocolErrors ?? 0)} protocol errors, ${num(stats.messages ?? 0)} messages, ${num(stats.acks ?? 0)} acks, ` +
        `${tcp.relay.connectionsAfter} connections left open at the end`,
    );
  }
  console.log(
    `memory${report.phase === 'tcp' ? ' (relay process)' : ' (fuzzer worker heap, process RSS)'}: heapUsed ${mib(verdict.heapMin)} .. ${mib(verdict.heapMax)}, RSS ${mib(verdict.rssMin)} .. ${mib(verdict.rssMax)}, ` +
      `${verdict.samples} samples: ${verdict.ok ? 'bounded' : 'NOT BOUNDED'} (${verdict.detail})\n`,
  );
}

/** Writes the offending input (and what it takes to reproduce it) to --out; returns the file's path. */
function save(v: ViolationReport): string | undefined {
  if (v.index < 0) return undefined;
  const base = path.join(outDir, `${v.phase}-seed${v.seed}-i${v.index}`);
  const isBytes = typeof v.input !== 'string';
  writeFileSync(base + (isBytes ? '.bin' : '.json'), isBytes ? (v.input as Buffer) : (v.input as string));
  writeFileSync(
    base + '.txt',
    [
      `phase ${v.phase}, seed ${v.seed}, index ${v.index}: ${v.kind}: ${v.message}`,
      `reproduce: node dist/bench/fuzz.js --seed ${v.seed} --phase ${v.phase} --only ${v.index}`,
      `seed input: ${v.seedName}; mutations: ${v.ops.join(' ')}`,
      v.tag !== undefined ? `tag: ${JSON.stringify(v.tag)}` : '',
      v.reproducesAlone !== undefined ? `reproduces with a fresh processor: ${v.reproducesAlone}` : '',
      v.stack,
      v.history ? `previous inputs (oldest first):\n${v.history.map((h) => `${JSON.stringify(h.tag)} ${h.record}`).join('\n')}` : '',
    ].join('\n'),
  );
  return base + (isBytes ? '.bin' : '.json');
}

function describeViolation(v: ViolationReport, file: string | undefined): string {
  return [
    `- ${v.phase} input ${v.index} (seed ${v.seed}): ${v.kind}: ${v.message}`,
    v.seedName ? `  from ${v.seedName} via ${v.ops.join(' ')}` : '',
    v.stack ? v.stack.split('\n').slice(0, 8).map((l) => `  ${l}`).join('\n') : '',
    file ? `  input written to ${file}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** Runs input `index` of `phase` alone (a fresh reader and processor), printing what happens; 1 on a violation. */
async function only(phase: string, index: number): Promise<number> {
  const inputs = new FuzzInputs(seed);
  try {
    if (phase === 'forward') {
      const input = inputs.forward('forward', index);
      console.log(`forward input ${index} (seed ${seed}): ${input.bytes.length} bytes in ${input.reads.length} reads (${input.reads.map((r) => r.length).join(' + ')}), from ${input.seedName} via ${input.ops.join(' ')}`);
      console.log(`hex: ${input.bytes.subarray(0, 256).toString('hex')}${input.bytes.length > 256 ? '…' : ''}`);
      const processor = new ZpaProcessor(loadSchemas());
      const t0 = performance.now();
      const outcome = checkForward(input.reads, undefined, (tag, record) => checkRecord(processor, record, tag));
      console.log(`outcome: ${JSON.stringify(outcome)} in ${num(performance.now() - t0, 2)} ms`);
    } else if (phase === 'record') {
      const input = inputs.record(index);
      console.log(`record input ${index} (seed ${seed}), tag ${JSON.stringify(input.tag)}, from ${input.seedName} via ${input.ops.join(' ')}`);
      console.log(`record: ${Object.entries(input.record).map(([k, v]) => `${JSON.stringify(k)}: ${describe(v)}`).join(', ')}`);
      const outcome = checkRecord(new ZpaProcessor(loadSchemas()), input.record, input.tag);
      console.log(`outcome: ${JSON.stringify(outcome).slice(0, 2000)}`);
      console.log('(alone, with a fresh processor: a failure that needs the records before it shows only in the full run; see the .txt history)');
    } else {
      const relay = await FuzzRelay.start();
      try {
        const report = await runTcp(relay, inputs, index, index + 1, { concurrency: 1, lingerMs: 200, ackTimeoutMs: 15_000, sampleEveryMs: 200 });
        console.log(`outcome: ${JSON.stringify(report.outcomes)}; good messages ${report.good.messages}; violations: ${report.violations.map((v) => v.message).join('; ') || 'none'}`);
        return report.violations.length > 0 ? 1 : 0;
      } finally {
        await relay.stop();
      }
    }
    console.log('no violation');
    return 0;
  } catch (error) {
    const v = violationOf(phase === 'record' ? 'record' : 'forward', seed, index, error, { seedName: '', ops: [], input: '' });
    console.log(`VIOLATION: ${v.kind}: ${v.message}\n${v.stack}`);
    return 1;
  }
}
