/** Parse + classify + validate + enrich throughput per log type: records per CPU-second through the ZpaProcessor. */
import { Unpackr, Packr } from 'msgpackr';
import { ConfiguredTemplates } from '../src/zpa/configured-templates.js';
import { LssGenerator, loadSchemas, loadTemplates, seededRandom, ZpaProcessor, type LssFormat } from '../src/zpa/index.js';
import { type Outcome, isFailure } from '../src/contract.js';
import { command, positive } from '../test/harness/command.js';
import { recordsPerCpuSecond } from '../test/harness/cpu-rate.js';
import { variantCorpus } from '../test/helpers/lss-variants.js';

const USAGE = `
npm run bench:zpa -- [seconds per case, default 1] [log type ...]        (node dist/bench/zpa-process.js)

Records per CPU-second (the median of five windows) through the ZpaProcessor, per log type: \`Format none\` JSON lines
as the relay gets them (UTF-8 bytes, processBytes: the dominant path; also with outcomes held as batches hold them)
and as strings, CSV lines, and \`Format json\` records; beside them JSON.parse alone over the same lines. Then the
variant corpus of the tests (every log type in JSON, CSV and TSV through random Log Stream Content variants: printf
widths, time renderings, reordered and missing fields, configured templates) as bytes, beside the default templates'
JSON lines of the same log types.
`;

const [secondsText, ...only] = command(USAGE, {}, true).positionals;
const seconds = positive('seconds', secondsText ?? '1');
const RECORDS = 2000;
/** The same records on every run: a fixed base time for the generator's event times. */
const BASE_TIME = Date.UTC(2026, 0, 5, 12, 0, 0);

const schemas = loadSchemas();
const generator = new LssGenerator(schemas);
const processor = new ZpaProcessor(schemas);
const ctx = { tag: 'zpa.none', address: '127.0.0.1:40000', source: '127.0.0.1:40000' };

/** Records as the forward decoder hands them over. */
function records(logType: string, format: LssFormat | 'object'): Record<string, unknown>[] {
  const random = seededRandom(42);
  const lines = Array.from({ length: RECORDS }, () => generator.line(logType, format === 'object' ? 'json' : format, random, { baseTime: BASE_TIME }));
  if (format !== 'object') return lines.map((log) => ({ log }));
  // Format json: what msgpackr gives for Fluent Bit's parsed record (numbers, BigInt above 2^53).
  const unpackr = new Unpackr({ useRecords: false, int64AsType: 'auto' } as unknown as ConstructorParameters<typeof Unpackr>[0]);
  const packr = new Packr({ useRecords: false });
  return lines.map((l) => unpackr.unpack(packr.pack(JSON.parse(l))) as Record<string, unknown>);
}

/** Records per CPU-second of `work` over each item of `input` (see recordsPerCpuSecond). */
function perCpuSecond<T>(input: T[], work: (item: T) => unknown): number {
  return recordsPerCpuSecond(input.length, seconds, () => {
    for (let i = 0; i < input.length; i++) work(input[i]);
  });
}

function measure<T>(input: T[], work: (item: T) => Outcome): { perSecond: number; bytes: number; rejected: number } {
  let rejected = 0;
  let bytes = 0;
  for (const r of input) {
    const o = work(r); // warm-up and sanity
    if (isFailure(o)) rejected++;
    else bytes += o.text.byteLength;
  }
  return { perSecond: perCpuSecond(input, work), bytes: bytes / input.length, rejected };
}

/** What the relay does with a `Format none` line read from a forward request: its UTF-8 bytes, never a string. */
const processBytes = (line: Buffer) => processor.processBytes(line, 0, line.length, ctx);
const processRecord = (record: Record<string, unknown>) => processor.process(record, ctx);
/**
 * The relay keeps each outcome until its batch is written, some 30,000 records at the default in-flight budget: held
 * here the same way, so that whatever an outcome keeps alive costs the garbage collector what it costs in the relay.
 */
const HELD = 30_000;
const held = new Array<Outcome>(HELD);
let heldNext = 0;
const processBytesHeld = (line: Buffer) => (held[heldNext++ % HELD] = processBytes(line));

const rows: string[] = [];
for (const logType of generator.logTypes()) {
  if (only.length > 0 && !only.includes(logType)) continue;
  const cells = (['bytes', 'held', 'json', 'csv', 'object'] as const).map((format) => {
    const r =
      format === 'bytes' || format === 'held'
        ? measure(
            records(logType, 'json').map((record) => Buffer.from(record.log as string)),
            format === 'bytes' ? processBytes : processBytesHeld,
          )
        : measure(records(logType, format), processRecord);
    if (r.rejected > 0) throw new Error(`${logType} ${format}: ${r.rejected} generated records rejected`);
    return `${Math.round(r.perSecond / 1000).toString().padStart(6)} k/s (${Math.round(r.bytes)} B out)`;
  });
  // Calibration: JSON.parse alone over the same lines, the floor of any parse-to-objects pipeline on this machine.
  const lines = records(logType, 'json').map((r) => r.log as string);
  const parse = perCpuSecond(lines, (l) => JSON.parse(l));
  rows.push(`${logType.padEnd(34)} ${cells.join('  ')}  ${Math.round(parse / 1000).toString().padStart(6)} k/s`);
}
console.log(`records per CPU-second (median of 5 windows), ${seconds}s per case, Node ${process.version}`);
console.log(`${'log type'.padEnd(34)} ${'JSON line as bytes'.padEnd(22)}  ${`bytes, ${HELD / 1000}k held`.padEnd(22)}  ${'JSON line as string'.padEnd(22)}  ${'Format none CSV'.padEnd(22)}  ${'Format json (object)'.padEnd(22)}  JSON.parse only`);
for (const r of rows) console.log(r);

// The variant corpus: each line read as bytes under its tag, by a processor given the corpus's templates.
const defaults = loadTemplates();
const corpus = variantCorpus({ schemas, defaults, generator, variantsPerFormat: 4, linesPerVariant: 40, baseMs: BASE_TIME, seed: 20260305 });
const configured = new ZpaProcessor(schemas, { templates: ConfiguredTemplates.compile(corpus.templates, schemas, defaults) });
const variantLines = corpus.lines.map(({ tag, line }) => ({ bytes: Buffer.from(line), ctx: { ...ctx, tag } }));
const variants = measure(variantLines, ({ bytes, ctx: lineCtx }) => configured.processBytes(bytes, 0, bytes.length, lineCtx));
const plainLines = generator.logTypes().flatMap((logType) => records(logType, 'json').slice(0, 160).map((r) => Buffer.from(r.log as string)));
const plain = measure(plainLines, processBytes);
console.log(`\nall 16 log types, as bytes: default templates' JSON lines ${Math.round(plain.perSecond / 1000)} k/s (${plainLines.length} lines); the variant corpus ${Math.round(variants.perSecond / 1000)} k/s (${variantLines.length} lines, ${variants.rejected} dead letters)`);
