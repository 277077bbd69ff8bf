/**
 * The in-process phases in a worker thread, so that the main thread can watch them: before each input the worker
 * writes its index to shared memory; an index that does not move for longer than the hang limit is a hang, and the
 * main thread terminates the worker (which stops even a busy loop) and names the input. Results come back per chunk
 * of inputs, so a hang loses the counts of one chunk at most.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadSchemas } from '../../../src/zpa/index.js';
import { FuzzInputs } from './inputs.js';
import { runForward, runRecords, type PhaseReport } from './run.js';

export interface WorkerTask {
  seed: number;
  phase: 'forward' | 'record';
  from: number;
  to: number;
  chunk: number;
  budgetMs: number;
  sampleEvery: number;
  /** Date.now() after which the worker stops (time limit); Infinity for none. */
  deadline: number;
  /** [index of the input in progress, inputs finished]. */
  state: SharedArrayBuffer;
}

export type WorkerMessage = { type: 'ready'; setupMs: number } | { type: 'chunk'; report: PhaseReport } | { type: 'done' };

const task = workerData as WorkerTask;
const state = new Int32Array(task.state);
const setupStarted = Date.now();
const inputs = new FuzzInputs(task.seed);
const schemas = loadSchemas();
parentPort!.postMessage({ type: 'ready', setupMs: Date.now() - setupStarted } satisfies WorkerMessage);

const run = task.phase === 'forward' ? runForward : runRecords;
const stop = () => Date.now() > task.deadline;
for (let from = task.from; from < task.to && !stop(); from += task.chunk) {
  const report = run(inputs, from, Math.min(task.to, from + task.chunk), {
    budgetMs: task.budgetMs,
    sampleEvery: task.sampleEvery,
    before: (index) => {
      Atomics.store(state, 0, index);
      Atomics.add(state, 1, 1);
    },
    stop,
    schemas,
  });
  parentPort!.postMessage({ type: 'chunk', report } satisfies WorkerMessage);
}
parentPort!.postMessage({ type: 'done' } satisfies WorkerMessage);
