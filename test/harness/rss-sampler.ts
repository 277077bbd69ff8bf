/**
 * Samples a process's resident set size at a fixed interval, for "memory stays flat" checks: the caller reads the
 * samples of a time window and compares the largest with the smallest.
 */
export interface RssSample {
  /** Milliseconds since the sampler started. */
  atMs: number;
  bytes: number;
}

export class RssSampler {
  readonly samples: RssSample[] = [];
  private readonly startedAt = Date.now();
  private readonly timer: NodeJS.Timeout;

  /** `read` returns the current RSS in bytes (e.g. RelayProcess.memory('VmRSS')); a read that throws is skipped. */
  constructor(read: () => number, intervalMs = 250) {
    const sample = () => {
      try {
        this.samples.push({ atMs: Date.now() - this.startedAt, bytes: read() });
      } catch {
        // The process is restarting or gone for a moment: no sample.
      }
    };
    sample();
    this.timer = setInterval(sample, intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Samples taken at or after `fromMs` (since the start), and before `toMs`. */
  window(fromMs: number, toMs = Infinity): RssSample[] {
    return this.samples.filter((sample) => sample.atMs >= fromMs && sample.atMs < toMs);
  }
}

/** Smallest and largest of some samples, in bytes (NaN when there are none). */
export function rssRange(samples: RssSample[]): { min: number; max: number } {
  if (samples.length === 0) return { min: NaN, max: NaN };
  let min = Infinity;
  let max = -Infinity;
  for (const { bytes } of samples) {
    if (bytes < min) min = bytes;
    if (bytes > max) max = bytes;
  }
  return { min, max };
}
