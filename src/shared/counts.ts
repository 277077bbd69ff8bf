/** Counting by key, for the counters the metrics read. */

/** Adds one to `counts[key]`. */
export function countBy(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
