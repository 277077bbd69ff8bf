/** What the relay tells about itself, read back: its Prometheus metrics text and its --trace-gc log lines. */
import { num } from './report.js';

/** The sum of a metric's samples in Prometheus text (every label set), 0 when absent. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** A cumulative histogram: [upper bound in seconds, count], +Inf last. */
export type Histogram = [number, number][];

/** The cumulative buckets of zpa_relay_ack_latency_seconds (arrival → settlement), summed over the relay's processes. */
export function ackHistogram(metrics: string): Histogram {
  const buckets = new Map<number, number>();
  for (const match of metrics.matchAll(/^zpa_relay_ack_latency_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)) {
    const le = match[1] === '+Inf' ? Infinity : Number(match[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
  }
  return [...buckets].sort((a, b) => a[0] - b[0]);
}

/** What a histogram counted between two readings of it. */
export function histogramSince(before: Histogram, after: Histogram): Histogram {
  return after.map(([le, n], i) => [le, n - (before[i]?.[1] ?? 0)]);
}

/** The upper bound (ms) of the bucket that holds the p-th percentile of a cumulative histogram, "-" when empty. */
export function bucketPercentile(histogram: Histogram, p: number): string {
  const total = histogram.at(-1)?.[1] ?? 0;
  if (total === 0) return '-';
  const bucket = histogram.find(([, n]) => n >= (p / 100) * total);
  return bucket && Number.isFinite(bucket[0]) ? `≤${num(bucket[0] * 1000)}` : `>${num((histogram.at(-2)?.[0] ?? 0) * 1000)}`;
}

export interface GcSummary {
  scavenges: number;
  majors: number;
  /** Sum of the pauses (ms) --trace-gc reports. */
  pauseMs: number;
  /** Longest single pause (ms): a collection's own, or the biggest incremental marking step of a Mark-Compact. */
  maxPauseMs: number;
}

/** --trace-gc lines of the relay's log: `...: Scavenge 3.9 (4.0) -> 3.8 (5.0) MB, 2.51 / 0.00 ms ... biggest step 51.3 ms ...`. */
export function gcSummary(lines: string[]): GcSummary {
  const summary: GcSummary = { scavenges: 0, majors: 0, pauseMs: 0, maxPauseMs: 0 };
  for (const line of lines) {
    const match = /\d+ ms: (Scavenge|Minor Mark-Compact|Mark-Compact|Mark-Sweep)\b[^,]*MB, ([\d.]+) \/ [\d.]+ ms/.exec(line);
    if (!match) continue;
    if (match[1] === 'Scavenge' || match[1] === 'Minor Mark-Compact') summary.scavenges++;
    else summary.majors++;
    const pause = Number(match[2]);
    const step = Number(/biggest step ([\d.]+) ms/.exec(line)?.[1] ?? 0);
    summary.pauseMs += pause;
    summary.maxPauseMs = Math.max(summary.maxPauseMs, pause, step);
  }
  return summary;
}
