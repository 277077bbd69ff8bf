/** A Prometheus-style cumulative histogram with fixed buckets (seconds). */
export class Histogram {
  readonly counts: number[];
  count = 0;
  sum = 0;

  constructor(readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.count++;
    this.sum += value;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) this.counts[i]++;
  }
}
