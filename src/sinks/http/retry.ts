/** When to try again: exponential backoff with full jitter, or what the target asked for in `Retry-After`. */

export interface RetryPolicy {
  /** HTTP statuses retried as a whole batch (network errors and timeouts always are). */
  statuses: ReadonlySet<number>;
  initialDelayMs: number;
  maxDelayMs: number;
  /** A batch whose oldest record is older than this is dead-lettered instead of retried again. */
  maxAgeMs: number;
}

/** Full jitter: a uniform delay in [0, min(max, initial * 2^attempt)] (attempt counts from 0). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
