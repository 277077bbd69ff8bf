/**
 * "Memory bounded", as a rule that can fail. heapUsed is sampled after a full GC (live memory, not garbage waiting);
 * the first 20 % of the samples are warm-up (JIT, caches, pools, the first connections). The rest is cut in two
 * halves: memory that grows with the inputs shows as the second half's peak standing well above the first's, memory
 * that is bounded does not. Fails when
 *   - peak heapUsed of the second half > peak of the first half + max(32 MiB, 50 % of it), or
 *   - any RSS sample > rssLimit (default 1 GiB; the relay's own limits allow a 16 MiB message, 64 MiB inflated).
 * With fewer than 6 samples after warm-up only the RSS limit is checked.
 */
import type { MemorySample } from './run.js';

export interface MemoryVerdict {
  ok: boolean;
  /** Why it failed, or what was compared. */
  detail: string;
  heapMin: number;
  heapMax: number;
  rssMin: number;
  rssMax: number;
  samples: number;
}

export const MEMORY_RULE =
  'after 20 % warm-up, peak heapUsed (after GC) of the second half <= peak of the first half + max(32 MiB, 50 %), and RSS <= the limit';

const MiB = 1024 * 1024;

export function memoryVerdict(samples: MemorySample[], rssLimit = 1024 * MiB): MemoryVerdict {
  const heaps = samples.map((s) => s.heapUsed);
  const rsses = samples.map((s) => s.rss);
  const base = {
    heapMin: Math.min(...heaps),
    heapMax: Math.max(...heaps),
    rssMin: Math.min(...rsses),
    rssMax: Math.max(...rsses),
    samples: samples.length,
  };
  if (samples.length === 0) return { ok: true, detail: 'no samples', ...base };
  if (base.rssMax > rssLimit) return { ok: false, detail: `RSS reached ${mib(base.rssMax)}, over the ${mib(rssLimit)} limit`, ...base };
  const steady = samples.slice(Math.floor(samples.length * 0.2));
  if (steady.length < 6) return { ok: true, detail: `RSS within ${mib(rssLimit)} (too few samples, ${steady.length}, for the growth check)`, ...base };
  const half = Math.floor(steady.length / 2);
  const first = Math.max(...steady.slice(0, half).map((s) => s.heapUsed));
  const second = Math.max(...steady.slice(half).map((s) => s.heapUsed));
  const allowed = first + Math.max(32 * MiB, first * 0.5);
  const detail = `heap peak ${mib(first)} in the first half, ${mib(second)} in the second (allowed ${mib(allowed)}); RSS max ${mib(base.rssMax)} (limit ${mib(rssLimit)})`;
  return { ok: second <= allowed, detail: second <= allowed ? detail : `heap grows: ${detail}`, ...base };
}

export function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}
