/**
 * The in-process fuzz phases run in worker threads, watched from this thread (worker.ts): an input that makes no
 * progress past its budget is a hang, and the worker is terminated (which stops even a busy loop); one that kills
 * the worker is a crash. Either is kept as a violation with its input, and a new worker goes on after it.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FuzzInputs, serializeRecord } from './inputs.js';
import type { MemorySample, PhaseReport } from './run.js';
import type { WorkerMessage, WorkerTask } from './worker.js';

export interface InWorkerOptions {
  seed: number;
  phase: 'forward' | 'record';
  /** Inputs [0, count). */
  count: number;
  /** Date.now() after which no new chunk of inputs starts (time limit); Infinity for none. */
  until: number;
  /** Per-input time budget; an input that makes no progress for a second longer is a hang. */
  budgetMs: number;
  /** Called with the inputs done so far, at most every 5 s. */
  progress?: (done: number) => void;
}

/** Runs one in-process phase in worker threads, with the hang watchdog; a new worker goes on after a hang or a crash. */
export async function runInWorker(options: InWorkerOptions): Promise<PhaseReport> {
  const { seed, phase, count, until, budgetMs } = options;
  const merged: PhaseReport = { phase, from: 0, to: count, inputs: 0, elapsedMs: 0, outcomes: {}, reasons: {}, slowest: undefined, overBudget: 0, records: 0, violations: [], memory: [] };
  const t0 = Date.now();
  let from = 0;
  let lastProgress = Date.now();
  let lastPrinted = 0;
  while (from < count && Date.now() <= until) {
    const state = new SharedArrayBuffer(8);
    const shared = new Int32Array(state);
    const chunk = 2_000;
    const task: WorkerTask = { seed, phase, from, to: count, chunk, budgetMs, sampleEvery: 5_000, deadline: until, state };
    // A heap limit of its own: an input that makes the decoder allocate without bound kills the worker, not the run.
    const worker = new Worker(fileURLToPath(new URL('./worker.js', import.meta.url)), { workerData: task, resourceLimits: { maxOldGenerationSizeMb: 1536 } });
    const hang = await new Promise<{ index: number; error?: Error } | undefined>((resolve, reject) => {
      let watching = false;
      let seen = -1;
      const watchdog = setInterval(() => {
        if (!watching) return;
        const started = Atomics.load(shared, 1);
        if (started !== seen) {
          seen = started;
          lastProgress = Date.now();
        } else if (Date.now() - lastProgress > budgetMs + 1000) {
          clearInterval(watchdog);
          const index = Atomics.load(shared, 0);
          void worker.terminate().then(() => resolve({ index }));
        }
      }, 100);
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          watching = true;
          lastProgress = Date.now();
        } else if (message.type === 'chunk') {
          merge(merged, message.report);
          from = message.report.from + message.report.inputs;
          if (Date.now() - lastPrinted > 5000) {
            lastPrinted = Date.now();
            options.progress?.(merged.inputs);
          }
        } else {
          clearInterval(watchdog);
          resolve(undefined);
        }
      });
      worker.on('error', (error) => {
        clearInterval(watchdog);
        // Before the first input: the fuzzer's own fault. After: the input in progress took the worker down.
        if (!watching) reject(error);
        else resolve({ index: Atomics.load(shared, 0), error });
      });
    });
    if (!hang) break;
    // The input did not finish: a hang, or it killed the worker. Rebuild it here, keep it, and go on after it.
    const kind = hang.error ? 'crash' : 'hang';
    merged.outcomes[kind.toUpperCase()] = (merged.outcomes[kind.toUpperCase()] ?? 0) + 1;
    const inputs = new FuzzInputs(seed);
    const detail = phase === 'forward' ? inputs.forward('forward', hang.index) : inputs.record(hang.index);
    merged.violations.push({
      phase,
      seed,
      index: hang.index,
      level: phase,
      kind,
      message: `${hang.error ? `the worker died: ${hang.error.message}` : `no progress for ${budgetMs + 1000} ms on this input; the worker was terminated`} (the counts of the ${hang.index - from} inputs before it since the last chunk are lost)`,
      stack: hang.error?.stack ?? '',
      seedName: detail.seedName,
      ops: detail.ops,
      input: 'bytes' in detail ? detail.bytes : serializeRecord(detail.record),
      ...('tag' in detail ? { tag: detail.tag } : {}),
    });
    merged.inputs += hang.index - from + 1;
    from = hang.index + 1;
  }
  merged.elapsedMs = Date.now() - t0;
  return merged;
}

/** Adds a worker's chunk report to the phase's. */
function merge(into: PhaseReport, chunk: PhaseReport): void {
  const offset = into.inputs;
  into.inputs += chunk.inputs;
  into.records += chunk.records;
  into.overBudget += chunk.overBudget;
  for (const [k, n] of Object.entries(chunk.outcomes)) into.outcomes[k] = (into.outcomes[k] ?? 0) + n;
  for (const [k, n] of Object.entries(chunk.reasons)) into.reasons[k] = (into.reasons[k] ?? 0) + n;
  if (chunk.slowest && (!into.slowest || chunk.slowest.ms > into.slowest.ms)) into.slowest = chunk.slowest;
  for (const v of chunk.violations) if (into.violations.length < 50) into.violations.push({ ...v, input: typeof v.input === 'string' ? v.input : Buffer.from(v.input) });
  into.memory.push(...chunk.memory.map((m: MemorySample) => ({ ...m, at: m.at + offset })));
}

