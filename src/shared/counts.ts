/** Counting by key, for the counters the metrics read. */

/** Adds `n` (one by default) to `counts[key]`. */
export function countBy(counts: Record<string, number>, key: string, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}
