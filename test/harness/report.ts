/** Small formatting, statistics and waiting helpers shared by the benchmarks and the tests that drive real processes. */

/** The p-th percentile (0–100) of unsorted values, nearest rank; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** A number with thousands separators and `digits` decimals. */
export function num(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';
}

/** `part` as a percentage of `whole` (CPU seconds of a phase's seconds: a core's share). */
export function pct(part: number, whole: number): string {
  return `${num((part / whole) * 100)}%`;
}

/** The smallest and largest of some values as "min–max", or one number when they are equal. */
export function range(values: number[], digits = 0): string {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? num(min, digits) : `${num(min, digits)}–${num(max, digits)}`;
}

/** A column of a report: its header and its cell for a row. */
export type Column<R> = [header: string, cell: (row: R) => string];

/** Rows as an aligned text table of the given columns (first column left-aligned, others right-aligned). */
export function table<R>(columns: Column<R>[], rows: R[]): string {
  const cells = rows.map((row) => columns.map(([, cell]) => cell(row)));
  const widths = columns.map(([header], i) => Math.max(header.length, ...cells.map((r) => r[i].length)));
  const line = (texts: string[]) => texts.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(columns.map(([header]) => header)), ...cells.map(line)].join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 20 ms until it holds; false when `timeoutMs` passes first. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(20);
  }
  return condition();
}
