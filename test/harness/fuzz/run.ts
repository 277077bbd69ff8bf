/**
 * The in-process phases: a range of input indexes through the forward level (frame reader, decoder, and the
 * processor for every record decoded) or the record level (processor on mutated LSS lines), with per-input timing,
 * counts by outcome, memory samples, and every violation kept with what is needed to reproduce it.
 */
import { performance } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { ZpaProcessor, loadSchemas, type SchemaSet } from '../../../src/zpa/index.js';
import { DEFAULT_LIMITS, Violation, checkForward, checkRecord, type ForwardLimits } from './check.js';
import { serializeRecord, type FuzzInputs } from './inputs.js';
import { isFailure } from '../../../src/contract.js';

export interface MemorySample {
  /** Inputs done (in-process phases) or milliseconds since the start (TCP phase) when sampled. */
  at: number;
  heapUsed: number;
  rss: number;
}

export interface ViolationReport {
  phase: 'forward' | 'record' | 'tcp';
  seed: number;
  index: number;
  level: string;
  kind: string;
  message: string;
  stack: string;
  seedName: string;
  ops: string[];
  /** The offending input: bytes for forward/tcp inputs, a serialized record (serializeRecord) for record inputs. */
  input: Buffer | string;
  tag?: string;
  /** Record level: whether a fresh processor fails the same way on this input alone. */
  reproducesAlone?: boolean;
  /** Record level: the inputs before it (the processor remembers layouts), oldest first. */
  history?: { tag: string; record: string }[];
}

export interface PhaseReport {
  phase: 'forward' | 'record' | 'tcp';
  from: number;
  to: number;
  /** Inputs run (less than to - from when stopped early). */
  inputs: number;
  elapsedMs: number;
  outcomes: Record<string, number>;
  /** ProtocolError messages (masked), or rejection reasons with their detail's head, by count. */
  reasons: Record<string, number>;
  slowest: { index: number; ms: number; bytes: number; seedName: string; ops: string[] } | undefined;
  /** Inputs slower than the budget (each is also a violation). */
  overBudget: number;
  records: number;
  violations: ViolationReport[];
  memory: MemorySample[];
}

export interface RunOptions {
  /** Per-input time budget: an input slower than this is a violation (a hang is caught by the caller's watchdog). */
  budgetMs: number;
  /** Memory sample every this many inputs (after a full GC when available). */
  sampleEvery: number;
  /** Violations kept with their inputs (the count goes on). */
  maxViolations?: number;
  limits?: ForwardLimits;
  /** Called before each input (watchdog). */
  before?: (index: number) => void;
  /** Stop early (time limit); checked every 256 inputs. */
  stop?: () => boolean;
  schemas?: SchemaSet;
}

/** A full GC before memory samples, when the runtime lets us have one (v8 flag at run time, no CLI flag needed). */
export const gc: (() => void) | undefined = (() => {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
})();

export function sampleMemory(at: number): MemorySample {
  gc?.();
  const usage = process.memoryUsage();
  return { at, heapUsed: usage.heapUsed, rss: usage.rss };
}

function newReport(phase: PhaseReport['phase'], from: number, to: number): PhaseReport {
  return { phase, from, to, inputs: 0, elapsedMs: 0, outcomes: {}, reasons: {}, slowest: undefined, overBudget: 0, records: 0, violations: [], memory: [] };
}

const count = (table: Record<string, number>, key: string) => (table[key] = (table[key] ?? 0) + 1);

/**
 * Forward level: inputs [from, to) through a fresh frame reader each (split into reads as the input says), every
 * decoded record through one processor. A ProtocolError is an outcome; anything else thrown is a violation.
 */
export function runForward(inputs: FuzzInputs, from: number, to: number, options: RunOptions): PhaseReport {
  const report = newReport('forward', from, to);
  const processor = new ZpaProcessor(options.schemas ?? loadSchemas());
  const started = performance.now();
  report.memory.push(sampleMemory(0));
  for (let index = from; index < to; index++) {
    if ((index - from) % 256 === 0 && options.stop?.()) break;
    options.before?.(index);
    const input = inputs.forward('forward', index);
    const t0 = performance.now();
    try {
      const outcome = checkForward(input.reads, options.limits ?? DEFAULT_LIMITS, (tag, record) => {
        report.records++;
        checkRecord(processor, record, tag);
      });
      count(report.outcomes, outcome.result);
      if (outcome.reason) count(report.reasons, outcome.reason);
    } catch (error) {
      count(report.outcomes, 'VIOLATION');
      keep(report, options, violationOf('forward', inputs.seed, index, error, { seedName: input.seedName, ops: input.ops, input: input.bytes }));
    }
    timing(report, options, inputs.seed, index, performance.now() - t0, input.bytes.length, input.seedName, input.ops, () => ({ input: input.bytes }));
    report.inputs++;
    if (report.inputs % options.sampleEvery === 0) report.memory.push(sampleMemory(report.inputs));
  }
  report.elapsedMs = performance.now() - started;
  report.memory.push(sampleMemory(report.inputs));
  return report;
}

const HISTORY = 32;

/** Record level: mutated LSS lines and records through one processor (it keeps layouts between records, as in the relay). */
export function runRecords(inputs: FuzzInputs, from: number, to: number, options: RunOptions): PhaseReport {
  const report = newReport('record', from, to);
  const schemas = options.schemas ?? loadSchemas();
  const processor = new ZpaProcessor(schemas);
  const history: { tag: string; record: Record<string, unknown> }[] = [];
  const started = performance.now();
  report.memory.push(sampleMemory(0));
  for (let index = from; index < to; index++) {
    if ((index - from) % 256 === 0 && options.stop?.()) break;
    options.before?.(index);
    const input = inputs.record(index);
    const t0 = performance.now();
    try {
      const outcome = checkRecord(processor, input.record, input.tag);
      if (!isFailure(outcome)) count(report.outcomes, 'accepted');
      else {
        count(report.outcomes, `rejected:${outcome.reason}`);
        count(report.reasons, `${outcome.reason}: ${outcome.detail.replace(/\d+/g, 'N').slice(0, 60)}`);
      }
    } catch (error) {
      count(report.outcomes, 'VIOLATION');
      let reproducesAlone: boolean;
      try {
        checkRecord(new ZpaProcessor(schemas), input.record, input.tag);
        reproducesAlone = false;
      } catch {
        reproducesAlone = true;
      }
      keep(
        report,
        options,
        violationOf('record', inputs.seed, index, error, {
          seedName: input.seedName,
          ops: input.ops,
          input: serializeRecord(input.record),
          tag: input.tag,
          reproducesAlone,
          history: history.map((h) => ({ tag: h.tag, record: serializeRecord(h.record) })),
        }),
      );
    }
    const ms = performance.now() - t0;
    timing(report, options, inputs.seed, index, ms, approximateSize(input.record), input.seedName, input.ops, () => ({ input: serializeRecord(input.record), tag: input.tag }));
    history.push({ tag: input.tag, record: input.record });
    if (history.length > HISTORY) history.shift();
    report.inputs++;
    if (report.inputs % options.sampleEvery === 0) report.memory.push(sampleMemory(report.inputs));
  }
  report.elapsedMs = performance.now() - started;
  report.memory.push(sampleMemory(report.inputs));
  return report;
}

function approximateSize(record: Record<string, unknown>): number {
  const log = record.log;
  return typeof log === 'string' || log instanceof Uint8Array ? log.length : 0;
}

function timing(report: PhaseReport, options: RunOptions, seed: number, index: number, ms: number, bytes: number, seedName: string, ops: string[], input: () => Pick<ViolationReport, 'input' | 'tag'>): void {
  if (!report.slowest || ms > report.slowest.ms) report.slowest = { index, ms, bytes, seedName, ops };
  if (ms > options.budgetMs) {
    report.overBudget++;
    keep(report, options, {
      phase: report.phase,
      seed,
      index,
      level: report.phase,
      kind: 'slow',
      message: `input took ${ms.toFixed(0)} ms, over the ${options.budgetMs} ms budget`,
      stack: '',
      seedName,
      ops,
      ...input(),
    });
  }
}

function keep(report: PhaseReport, options: RunOptions, violation: ViolationReport): void {
  if (report.violations.length < (options.maxViolations ?? 20)) report.violations.push(violation);
}

export function violationOf(
  phase: ViolationReport['phase'],
  seed: number,
  index: number,
  error: unknown,
  rest: Omit<ViolationReport, 'phase' | 'seed' | 'index' | 'level' | 'kind' | 'message' | 'stack'>,
): ViolationReport {
  const violation = error instanceof Violation ? error : new Violation(phase === 'record' ? 'record' : 'forward', 'throw', String((error as Error)?.message ?? error), error);
  return { phase, seed, index, level: violation.level, kind: violation.kind, message: violation.message, stack: violation.detail, ...rest };
}
