import { setFlagsFromString } from 'node:v8';
import type { Config } from './config.js';

/**
 * V8 heap settings of the relay processes (the `heap` section). Most of a busy relay's resident memory is not records
 * in flight but garbage-collector slack: the young generation's semi-spaces (V8 sizes them by the machine: 16 MiB
 * each on Node 20, up to 64 MiB on Node 22+), and an old generation that V8 lets grow up to 4× what survived its last
 * full collection before it collects again.
 */

const MiB = 1024 * 1024;

/** V8 flags that take effect at any time: set in every relay process as it starts (see applyRuntimeHeapFlags). */
export function runtimeHeapFlags(config: Config): string[] {
  return config.heap.growth_percent > 0 ? [`--heap-growing-percent=${config.heap.growth_percent}`] : [];
}

/**
 * Sets the runtime heap flags in this process. V8 reads the growing factor at every full collection, so setting it
 * after start-up works; the semi-space size does not (V8 sizes the young generation once, when the process starts):
 * see workerExecArgv.
 */
export function applyRuntimeHeapFlags(config: Config): void {
  for (const flag of runtimeHeapFlags(config)) setFlagsFromString(flag);
}

/** `--max-semi-space-size` (MiB) for `heap.max_semi_space`, or nothing when 0 (V8's own choice). */
export function semiSpaceFlag(config: Config): string | undefined {
  const mib = Math.ceil(config.heap.max_semi_space / MiB);
  return mib > 0 ? `--max-semi-space-size=${mib}` : undefined;
}

/**
 * Node options of a worker process (node:cluster): this process's own, with `--max-semi-space-size` replaced by the
 * configured one, since a worker's young generation can only be sized on its command line.
 */
export function workerExecArgv(config: Config, execArgv: readonly string[] = process.execArgv): string[] {
  const flag = semiSpaceFlag(config);
  if (!flag) return [...execArgv];
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    if (/^--max[-_]semi[-_]space[-_]size=/.test(arg)) continue;
    if (/^--max[-_]semi[-_]space[-_]size$/.test(arg)) {
      i++; // "--max-semi-space-size 16": the value is the next argument
      continue;
    }
    kept.push(arg);
  }
  return [...kept, flag];
}

/**
 * Whether this process was started with a semi-space size (command line or NODE_OPTIONS). A single relay process
 * cannot size its young generation itself: it runs with what node was started with.
 */
export function startedWithSemiSpaceFlag(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => /^--max[-_]semi[-_]space[-_]size(=|$)/.test(arg));
}
