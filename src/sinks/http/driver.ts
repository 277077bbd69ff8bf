/** Drives a batch to settlement: attempts, the verdict on each answer, retries with backoff, splits, and max_age. */
import type pino from 'pino';
import type { SinkStats } from '../../contract.js';
import type { BatchItem, ItemResults, Preset } from '../preset.js';
import { batchOf, type Batch } from './batcher.js';
import type { Encoded, Encoder } from './encoder.js';
import { AUTHORIZATION_FAILED, type Attempt, type TargetRequest } from './request.js';
import { backoffDelay, retryAfterMs, type RetryPolicy } from './retry.js';
import type { Settler } from './settle.js';
import type { Waits } from './waits.js';
import { recycleWhenWritten } from './written.js';

/** Errors that happen before a request can have reached the target: retrying them cannot duplicate. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', AUTHORIZATION_FAILED]);
/** Statuses after which the target may have kept part or all of the request. */
const AMBIGUOUS_STATUSES = new Set([500, 502, 504]);
const EXCERPT_CHARS = 512;

type Verdict =
  | { kind: 'settled' }
  | { kind: 'split'; why: string }
  | { kind: 'retry'; items: BatchItem[]; ambiguous: boolean; error: string; retryAfter?: string | string[] };

export interface DriverParts {
  encoder: Encoder;
  request: TargetRequest;
  settler: Settler;
  waits: Waits;
  stats: SinkStats;
  retry: RetryPolicy;
  /** The preset's reading of per-item results. */
  results: Preset['results'];
  /** `batch.max_bytes`, for the message of a record too large to send alone. */
  maxBytes: number;
  logger: pino.Logger | undefined;
}

/**
 * - Retries network errors and `retry.statuses` with full-jitter exponential backoff, or after `Retry-After`.
 * - 413, or a compressed body over `batch.max_bytes`: the batch is split in halves until it fits; a single record
 *   that still does not fit is dead-lettered ("too_large").
 * - Other statuses: dead-lettered ("http_<status>") with an excerpt of the response.
 * - A retry that would start after `retry.max_age` (from the batch's first record) is not made: once that age is
 *   reached, what the sender has not abandoned meanwhile is dead-lettered ("max_age").
 */
export class Driver {
  private closed = false;

  constructor(private readonly parts: DriverParts) {}

  /** Stop: attempts in progress end without settling what they hold (their messages are not acked). */
  close(): void {
    this.closed = true;
  }

  async deliver(batch: Batch): Promise<void> {
    const { encoder, request, settler, retry, logger } = this.parts;
    let items = batch.items;
    let encoded: Encoded | undefined;
    /** Done with the encoded body (answered, or never sent): its memory goes back to the pool once no socket writes it. */
    const drop = () => {
      if (encoded !== undefined) recycleWhenWritten(encoded.sent);
      encoded = undefined;
    };
    let attempt = 0;
    let ambiguous = false;
    try {
      while (!this.closed) {
        const kept = settler.dropAbandoned(items);
        if (kept.length === 0) return;
        if (kept !== items) drop();
        items = kept;
        if (attempt > 0 && ambiguous) this.parts.stats.duplicateRisk += items.length;
        encoded ??= await encoder.encode(items);
        const oversize = encoder.oversize(encoded);
        if (oversize !== undefined) return this.split(batch, items, oversize);

        const result = await request.send(encoded.sent, encoded.path);
        if (this.closed) return;
        const verdict = this.judge(result, items, attempt, encoded.sent.length);
        if (verdict.kind === 'settled') return;
        if (verdict.kind === 'split') return this.split(batch, items, verdict.why);
        if (verdict.items !== items) {
          items = verdict.items;
          drop();
        }
        ambiguous = verdict.ambiguous;

        const now = Date.now();
        const delay = retryAfterMs(verdict.retryAfter, now) ?? backoffDelay(retry, attempt);
        const ageLeft = batch.createdAt + retry.maxAgeMs - now;
        if (delay > ageLeft) {
          // The next attempt would start past max_age. Wait out the age rather than dead-letter early: the sender may
          // abandon the message meanwhile and resend it later, which beats a dead letter.
          const left = await this.waitOut(Math.max(0, ageLeft), items);
          if (this.closed) return;
          const detail = `not delivered after ${attempt + 1} attempts within max_age ${retry.maxAgeMs} ms; last: ${verdict.error}`;
          if (left.length > 0) settler.fail(left, 'max_age', detail);
          return;
        }
        const log = attempt === 0 ? logger?.warn.bind(logger) : logger?.debug.bind(logger);
        log?.({ records: items.length, attempt: attempt + 1, delayMs: delay, error: verdict.error }, 'batch not delivered; retrying');
        const left = await this.waitOut(delay, items);
        if (left.length === 0) return;
        if (left !== items) {
          items = left;
          drop();
        }
        attempt++;
      }
    } finally {
      // Closed mid-attempt, a request may still be writing the body: it is left to the collector.
      if (!this.closed) drop();
    }
  }

  /** What one attempt's outcome means: all settled, split and go again, or retry (some of) the items. */
  private judge(result: Attempt, items: BatchItem[], attempt: number, sentBytes: number): Verdict {
    const { settler, retry } = this.parts;
    if ('error' in result) {
      const code = result.error.code ?? result.error.name;
      this.count(errorKind(code));
      return { kind: 'retry', items, ambiguous: !NOT_SENT_CODES.has(code), error: `${code}: ${result.error.message}` };
    }
    const { status, text } = result;
    let outcome: ItemResults | undefined;
    try {
      outcome = this.parts.results?.(status, text, items, retry.statuses);
    } catch {
      // A 2xx we cannot read may have stored everything: resend, counting the duplicate risk.
      this.count('unreadable_2xx');
      return { kind: 'retry', items, ambiguous: true, error: `unreadable ${status} answer: ${excerpt(text)}` };
    }
    if (outcome) return this.apply(outcome, attempt);
    if (status >= 200 && status < 300) {
      settler.delivered(items, attempt);
      return { kind: 'settled' };
    }
    if (status === 413) return { kind: 'split', why: `413 from the target at ${sentBytes} bytes` };
    if (retry.statuses.has(status)) {
      this.count(String(status));
      return { kind: 'retry', items, ambiguous: AMBIGUOUS_STATUSES.has(status), retryAfter: result.retryAfter, error: `HTTP ${status}: ${excerpt(text)}` };
    }
    settler.fail(items, `http_${status}`, `the target answered ${status}`, status, excerpt(text));
    return { kind: 'settled' };
  }

  /** Settle what per-item results settled; what is left to retry goes round again. */
  private apply(outcome: ItemResults, attempt: number): Verdict {
    const { settler } = this.parts;
    settler.delivered(outcome.delivered, attempt);
    settler.alreadyPresent(outcome.alreadyPresent);
    for (const failure of outcome.failed) settler.fail([failure.item], `item_${failure.status}`, failure.detail, failure.status);
    if (outcome.retry.length === 0) return { kind: 'settled' };
    for (const failure of outcome.retry) this.count(`item_${failure.status}`);
    const retry = outcome.retry.map((failure) => failure.item);
    return { kind: 'retry', items: retry, ambiguous: outcome.retryMayDuplicate, error: `${retry.length} items answered ${outcome.retry[0].status}` };
  }

  /** Halve and deliver each half in turn (same slot, same age); a single record that cannot fit is dead-lettered. */
  private async split(batch: Batch, items: BatchItem[], why: string): Promise<void> {
    if (items.length === 1) {
      this.parts.settler.fail(items, 'too_large', `a single record does not fit in one request (${why}; batch.max_bytes ${this.parts.maxBytes})`);
      return;
    }
    this.parts.stats.splits++;
    this.parts.logger?.debug({ records: items.length, why }, 'splitting batch in halves');
    const middle = Math.ceil(items.length / 2);
    for (const half of [items.slice(0, middle), items.slice(middle)]) await this.deliver(batchOf(half, batch.createdAt));
  }

  /**
   * Waits `ms` before a retry, letting go at once of the records whose senders abandoned them meanwhile (the wait is
   * woken when they do), so a batch waiting out an outage does not hold records, or their encoded body, that will be
   * resent anyway. Returns the items still to send.
   */
  private async waitOut(ms: number, items: BatchItem[]): Promise<BatchItem[]> {
    const until = Date.now() + ms;
    do {
      await this.parts.waits.sleep(until - Date.now(), true);
      items = this.parts.settler.dropAbandoned(items);
    } while (!this.closed && items.length > 0 && Date.now() < until);
    return items;
  }

  private count(key: string): void {
    const retries = this.parts.stats.retries;
    retries[key] = (retries[key] ?? 0) + 1;
  }
}

/** The `stats.retries` key of a failed attempt. */
function errorKind(code: string): string {
  if (code === 'UNACKNOWLEDGED') return 'unacknowledged';
  if (code === AUTHORIZATION_FAILED) return 'authorization';
  return /TIMEOUT/.test(code) && code !== 'UND_ERR_CONNECT_TIMEOUT' ? 'timeout' : 'network';
}

function excerpt(text: string): string {
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
