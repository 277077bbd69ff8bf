/** V8 heap settings of the relay processes: the flags each process sets and those node must start with. */
import { setFlagsFromString } from 'node:v8';
import type { Config } from './config.js';

/**
 * V8 heap settings of the relay processes (the `heap` section). Most of a busy relay's resident memory is not records
 * in flight but garbage-collector slack: the young generation's semi-spaces (V8 sizes them by the machine: 16 MiB
 * each on Node 20, up to 64 MiB on Node 22+), and an old generation that V8 lets grow up to 4× what survived its last
 * full collection before it collects again. And most of its CPU beyond one core per process is the collector's helper
 * threads, which only compete with the other workers when every core runs one.
 */

const MiB = 1024 * 1024;

/** V8 flags that take effect at any time: set in every relay process as it starts (see applyRuntimeHeapFlags). */
export function runtimeHeapFlags(config: Config): string[] {
  return config.heap.growth_percent > 0 ? [`--heap-growing-percent=${config.heap.growth_percent}`] : [];
}

/**
 * Sets the runtime heap flags in this process. V8 reads the growing factor at every full collection, so setting it
 * after start-up works; the start-up flags do not (see startupHeapFlags).
 */
export function applyRuntimeHeapFlags(config: Config): void {
  for (const flag of runtimeHeapFlags(config)) setFlagsFromString(flag);
}

const SEMI_SPACE = /^--max[-_]semi[-_]space[-_]size(=|$)/;
/** Either spelling, on or off: a worker's is replaced by the configured choice. */
const SINGLE_THREADED_GC = /^--(no[-_])?single[-_]threaded[-_]gc$/;
const SINGLE_THREADED_GC_ON = /^--single[-_]threaded[-_]gc$/;

/** The major version of this node. */
export const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * Whether a node of this major version collects on one thread. `auto` decides by measurement (`npm run bench`; the
 * figures are in docs/performance.md): on Node 20 it takes less CPU for the same records/s at the same peak RSS, and
 * two workers scale better; on Node 24 it saves less CPU and costs much more memory, since marking on the main thread
 * finishes later and the old generation and dead ArrayBuffers pile up meanwhile.
 */
export function singleThreadedGc(config: Config, nodeMajor = NODE_MAJOR): boolean {
  const setting = config.heap.single_threaded_gc;
  return setting === 'auto' ? nodeMajor < 22 : setting;
}

/**
 * V8 flags that only node's command line can set, for a node of `nodeMajor`: the semi-space size (V8 sizes the
 * young generation once, when the process starts) and `--single-threaded-gc` (set later, Node 24 aborts in its next
 * full collection). Worker processes get them from workerExecArgv; a single process has what node was started with
 * (the image starts it with these).
 */
export function startupHeapFlags(config: Config, nodeMajor = NODE_MAJOR): string[] {
  const mib = Math.ceil(config.heap.max_semi_space / MiB);
  return [...(mib > 0 ? [`--max-semi-space-size=${mib}`] : []), ...(singleThreadedGc(config, nodeMajor) ? ['--single-threaded-gc'] : [])];
}

/**
 * Node options of a follower process (node:cluster): this process's own, with its semi-space size (when one is
 * configured) and its single-threaded-gc choice replaced by the configured ones.
 */
export function workerExecArgv(config: Config, execArgv: readonly string[] = process.execArgv): string[] {
  const replaceSemiSpace = config.heap.max_semi_space > 0;
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    if (SINGLE_THREADED_GC.test(arg)) continue;
    if (replaceSemiSpace && SEMI_SPACE.test(arg)) {
      if (!arg.includes('=')) i++; // "--max-semi-space-size 16": the value is the next argument
      continue;
    }
    kept.push(arg);
  }
  return [...kept, ...startupHeapFlags(config)];
}

/**
 * The configured start-up flags a single process was not started with (command line, or NODE_OPTIONS for the
 * semi-space size, the only one of them NODE_OPTIONS takes): it runs without them.
 */
export function missingStartupFlags(config: Config, execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  return startupHeapFlags(config).filter((flag) => {
    const pattern = SEMI_SPACE.test(flag) ? SEMI_SPACE : SINGLE_THREADED_GC_ON;
    return !given.some((arg) => pattern.test(arg));
  });
}
