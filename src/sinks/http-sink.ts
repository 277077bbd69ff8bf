import type pino from 'pino';
import type { Dispatcher } from 'undici';
import { releaseBuffer } from '../shared/release-buffer.js';
import { compress, contentEncoding } from './compression.js';
import { createHttpClient } from './http-client.js';
import type { HttpSinkConfig } from './http-config.js';
import type { BatchItem, ItemResults, Preset } from './preset.js';
import { backoffDelay, retryAfterMs, type RetryPolicy } from './retry.js';
import type { DeadLetters, Delivery, Settlement, Sink } from '../contract.js';
import { countBy } from '../shared/counts.js';
import { emptySinkStats, logTypeFilter, sinkLogger } from './common.js';

interface Batch {
  items: BatchItem[];
  /** Sum of item bytes (uncompressed). */
  bytes: number;
  /** When its first record was queued: the age `retry.max_age` is measured from. */
  createdAt: number;
}

interface Encoded {
  sent: Buffer;
  uncompressedBytes: number;
}

type Verdict =
  | { kind: 'settled' }
  | { kind: 'split'; why: string }
  | { kind: 'retry'; items: BatchItem[]; ambiguous: boolean; error: string; retryAfter?: string | string[] };

type Attempt =
  | { status: number; retryAfter: string | string[] | undefined; text: string }
  | { error: Error & { code?: string } };

/** Network errors that happen before a request can have reached the target: retrying them cannot duplicate. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
/** Statuses after which the target may have kept part or all of the request. */
const AMBIGUOUS_STATUSES = new Set([500, 502, 504]);
const EXCERPT_CHARS = 512;
/** Compressed size is estimated from the last batches' ratio; this margin keeps most batches under the cap. */
const RATIO_MARGIN = 1.1;

export interface HttpSinkOptions {
  config: HttpSinkConfig;
  preset: Preset;
  deadLetter: DeadLetters;
  logger?: pino.Logger;
  /** An undici dispatcher to use instead of the sink's own pooled client. */
  client?: Dispatcher;
}

/**
 * Batches records per sink (by bytes sent, event count and time), sends them with retries, and settles every record:
 * delivered on 2xx (per item where the preset reads item results), dead-lettered with the reason otherwise.
 *
 * - Retries network errors and `retry.statuses` with full-jitter exponential backoff, or after `Retry-After`.
 * - 413, or a compressed body over `batch.max_bytes`: the batch is split in halves until it fits; a single record
 *   that still does not fit is dead-lettered ("too_large").
 * - Other statuses: dead-lettered ("http_<status>") with an excerpt of the response.
 * - A retry that would start after `retry.max_age` (from the batch's first record) is not made: once that age is
 *   reached, what the sender has not abandoned meanwhile is dead-lettered ("max_age").
 * - `concurrency` batches are in flight at once; a batch waiting for its retry keeps its slot, so a target that is
 *   down sees `concurrency` requests at a time, not a flood, and order is kept within a slot.
 */
export class HttpSink implements Sink {
  readonly name: string;
  readonly stats = emptySinkStats();
  readonly accepts: (logType: string) => boolean;
  private readonly config: HttpSinkConfig;
  private readonly preset: Preset;
  private readonly deadLetter: DeadLetters;
  private readonly logger: pino.Logger | undefined;
  private readonly client: Dispatcher;
  private readonly origin: string;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  /** Headers for confirmation requests: uncompressed JSON, same auth. */
  private readonly confirmHeaders: Record<string, string>;
  private readonly retry: RetryPolicy;
  private readonly maxUncompressed: number;
  private open: Batch | undefined;
  private openTimer: NodeJS.Timeout | undefined;
  private readonly ready: Batch[] = [];
  private active = 0;
  /**
   * Bytes sent / uncompressed bytes, averaged over the batches compressed so far, to cut batches by bytes sent before
   * compressing them. JSON logs gzip 5–13× (bench/sinks-http.ts); starting at 0.3 fills the first batches without
   * waiting to learn, and the exact check after compressing splits a batch whose data compresses worse.
   */
  private ratio: number;
  private closed = false;
  private readonly sleepers = new Set<() => void>();
  /** Retry waits to wake when a sender abandons messages (see `waitOut`). */
  private readonly abandonWakers = new Set<() => void>();

  constructor(options: HttpSinkOptions) {
    const { config, preset } = options;
    this.config = config;
    this.preset = preset;
    this.name = config.name;
    this.accepts = logTypeFilter(config.log_types);
    this.deadLetter = options.deadLetter;
    this.logger = sinkLogger(options.logger, config.name);
    this.client = options.client ?? createHttpClient(config.tls, config.timeout);
    const url = new URL(config.url);
    this.origin = url.origin;
    this.path = url.pathname + url.search;
    const encoding = contentEncoding(config.compression);
    this.headers = {
      'content-type': preset.contentType,
      'user-agent': 'zpa-relay',
      ...(encoding ? { 'content-encoding': encoding } : {}),
      ...lowerCaseKeys(config.headers),
      ...preset.headers,
    };
    this.confirmHeaders = { ...this.headers, 'content-type': 'application/json' };
    delete this.confirmHeaders['content-encoding'];
    this.retry = {
      statuses: new Set(config.retry.statuses),
      initialDelayMs: config.retry.initial_delay,
      maxDelayMs: config.retry.max_delay,
      maxAgeMs: config.retry.max_age,
    };
    this.ratio = config.compression === 'none' ? 1 : 0.3;
    this.maxUncompressed = Math.min(preset.maxUncompressedBytes ?? Infinity, config.compression === 'none' ? config.batch.max_bytes : Infinity);
  }

  /** Returns the bytes of the framed copy held until settlement: 0 when the frame is the record's text itself. */
  write(record: Delivery, settlement: Settlement): number {
    const frame = this.preset.frame(record);
    const frameBytes = frame === undefined ? record.text.byteLength : Buffer.byteLength(frame);
    const item: BatchItem = { entry: { record, settlement }, frame, bytes: frameBytes + (this.preset.separatorBytes ?? 0) };
    this.stats.recordsQueued++;
    if (this.preset.maxRecordBytes !== undefined && frameBytes > this.preset.maxRecordBytes) {
      this.fail([item], 'too_large', `record is ${frameBytes} bytes; the target accepts at most ${this.preset.maxRecordBytes}`);
      return 0;
    }
    if (this.open && !this.fits(this.open, item.bytes)) this.seal();
    if (!this.open) {
      this.open = { items: [], bytes: 0, createdAt: Date.now() };
      this.openTimer = setTimeout(() => this.seal(), this.config.batch.max_wait);
      this.openTimer.unref();
    }
    this.open.items.push(item);
    this.open.bytes += item.bytes;
    if (this.open.items.length >= this.config.batch.max_events) this.seal();
    return frame === undefined ? 0 : frameBytes;
  }

  flush(): void {
    this.seal();
  }

  /**
   * Senders abandoned some messages (their connections closed; they will resend): drop those records from the open
   * batch, the batches waiting for a slot and the batches waiting to retry, instead of holding them, and their
   * share of the in-flight budget, until their turn comes.
   */
  releaseAbandoned(): void {
    if (this.open) this.open = this.withoutAbandoned(this.open);
    if (this.open === undefined) clearTimeout(this.openTimer);
    for (let i = this.ready.length - 1; i >= 0; i--) {
      const kept = this.withoutAbandoned(this.ready[i]);
      if (kept) this.ready[i] = kept;
      else this.ready.splice(i, 1);
    }
    for (const wake of this.abandonWakers) wake();
  }

  /** The batch without its abandoned items (settled as such), or undefined when none is left. */
  private withoutAbandoned(batch: Batch): Batch | undefined {
    const items = this.dropAbandoned(batch.items);
    if (items === batch.items) return batch;
    if (items.length === 0) return undefined;
    return { items, bytes: items.reduce((sum, item) => sum + item.bytes, 0), createdAt: batch.createdAt };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.openTimer);
    for (const wake of this.sleepers) wake();
    await this.client.destroy();
  }

  private fits(batch: Batch, bytes: number): boolean {
    const uncompressed = batch.bytes + bytes;
    const estimatedSent = this.config.compression === 'none' ? uncompressed : uncompressed * this.ratio * RATIO_MARGIN;
    return batch.items.length < this.config.batch.max_events && estimatedSent <= this.config.batch.max_bytes && uncompressed <= this.maxUncompressed;
  }

  private seal(): void {
    clearTimeout(this.openTimer);
    const batch = this.open;
    this.open = undefined;
    if (batch && batch.items.length > 0) {
      this.ready.push(batch);
      this.pump();
    }
  }

  private pump(): void {
    while (!this.closed && this.active < this.config.concurrency && this.ready.length > 0) {
      const batch = this.ready.shift()!;
      this.active++;
      this.stats.batches++;
      this.deliver(batch)
        .catch((error: Error) => this.logger?.error({ err: error }, 'batch delivery failed unexpectedly; its records stay unsettled'))
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }

  private async deliver(batch: Batch): Promise<void> {
    let items = batch.items;
    let encoded: Encoded | undefined;
    let attempt = 0;
    let ambiguous = false;
    while (!this.closed) {
      const kept = this.dropAbandoned(items);
      if (kept.length === 0) return;
      if (kept !== items) encoded = undefined;
      items = kept;
      if (attempt > 0 && ambiguous) this.stats.duplicateRisk += items.length;
      encoded ??= await this.encode(items);
      if (encoded.sent.length > this.config.batch.max_bytes || encoded.uncompressedBytes > this.maxUncompressed) {
        return this.split(batch, items, `${encoded.sent.length} bytes to send, ${encoded.uncompressedBytes} uncompressed`);
      }

      const result = await this.confirmed(await this.send(encoded));
      if (this.closed) return;
      const verdict = this.judge(result, items, attempt, encoded.sent.length);
      if (verdict.kind === 'settled') return;
      if (verdict.kind === 'split') return this.split(batch, items, verdict.why);
      if (verdict.items !== items) {
        items = verdict.items;
        encoded = undefined;
      }
      ambiguous = verdict.ambiguous;

      const now = Date.now();
      const delay = retryAfterMs(verdict.retryAfter, now) ?? backoffDelay(this.retry, attempt);
      const ageLeft = batch.createdAt + this.retry.maxAgeMs - now;
      if (delay > ageLeft) {
        // The next attempt would start past max_age. Wait out the age rather than dead-letter early: the sender may
        // abandon the message meanwhile and resend it later, which beats a dead letter.
        const left = await this.waitOut(Math.max(0, ageLeft), items);
        if (this.closed) return;
        const detail = `not delivered after ${attempt + 1} attempts within max_age ${this.retry.maxAgeMs} ms; last: ${verdict.error}`;
        if (left.length > 0) this.fail(left, 'max_age', detail);
        return;
      }
      const log = attempt === 0 ? this.logger?.warn.bind(this.logger) : this.logger?.debug.bind(this.logger);
      log?.({ records: items.length, attempt: attempt + 1, delayMs: delay, error: verdict.error }, 'batch not delivered; retrying');
      const left = await this.waitOut(delay, items);
      if (left.length === 0) return;
      if (left !== items) {
        items = left;
        encoded = undefined;
      }
      attempt++;
    }
  }

  /** What one attempt's outcome means: all settled, split and go again, or retry (some of) the items. */
  private judge(result: Attempt, items: BatchItem[], attempt: number, sentBytes: number): Verdict {
    if ('error' in result) {
      const code = result.error.code ?? result.error.name;
      this.count(errorKind(code));
      return { kind: 'retry', items, ambiguous: !NOT_SENT_CODES.has(code), error: `${code}: ${result.error.message}` };
    }
    const { status, text } = result;
    let outcome: ItemResults | undefined;
    try {
      outcome = this.preset.results?.(status, text, items, this.retry.statuses);
    } catch {
      // A 2xx we cannot read may have stored everything: resend, counting the duplicate risk.
      this.count('unreadable_2xx');
      return { kind: 'retry', items, ambiguous: true, error: `unreadable ${status} answer: ${excerpt(text)}` };
    }
    if (outcome) return this.apply(outcome, attempt);
    if (status >= 200 && status < 300) {
      this.delivered(items, attempt);
      return { kind: 'settled' };
    }
    if (status === 413) return { kind: 'split', why: `413 from the target at ${sentBytes} bytes` };
    if (this.retry.statuses.has(status)) {
      this.count(String(status));
      return { kind: 'retry', items, ambiguous: AMBIGUOUS_STATUSES.has(status), retryAfter: result.retryAfter, error: `HTTP ${status}: ${excerpt(text)}` };
    }
    this.fail(items, `http_${status}`, `the target answered ${status}`, status, excerpt(text));
    return { kind: 'settled' };
  }

  /** Settle what per-item results settled; what is left to retry goes round again. */
  private apply(outcome: ItemResults, attempt: number): Verdict {
    this.delivered(outcome.delivered, attempt);
    this.alreadyPresent(outcome.alreadyPresent);
    for (const failure of outcome.failed) this.fail([failure.item], `item_${failure.status}`, failure.detail, failure.status);
    if (outcome.retry.length === 0) return { kind: 'settled' };
    for (const failure of outcome.retry) this.count(`item_${failure.status}`);
    const retry = outcome.retry.map((failure) => failure.item);
    return { kind: 'retry', items: retry, ambiguous: outcome.retryMayDuplicate, error: `${retry.length} items answered ${outcome.retry[0].status}` };
  }

  /** Halve and deliver each half in turn (same slot, same age); a single record that cannot fit is dead-lettered. */
  private async split(batch: Batch, items: BatchItem[], why: string): Promise<void> {
    if (items.length === 1) {
      this.fail(items, 'too_large', `a single record does not fit in one request (${why}; batch.max_bytes ${this.config.batch.max_bytes})`);
      return;
    }
    this.stats.splits++;
    this.logger?.debug({ records: items.length, why }, 'splitting batch in halves');
    const middle = Math.ceil(items.length / 2);
    for (const half of [items.slice(0, middle), items.slice(middle)]) {
      await this.deliver({ items: half, bytes: half.reduce((sum, item) => sum + item.bytes, 0), createdAt: batch.createdAt });
    }
  }

  private async encode(items: BatchItem[]): Promise<Encoded> {
    const body = this.preset.body(items);
    const uncompressedBytes = body.length;
    const sent = await compress(body, this.config.compression, this.config.compression_level);
    if (sent !== body) {
      if (uncompressedBytes > 0) this.ratio = (this.ratio + sent.length / uncompressedBytes) / 2;
      // Compressed: the body is done with (zlib has called back). Megabytes that would otherwise wait for a full GC.
      releaseBuffer(body);
    }
    return { sent, uncompressedBytes };
  }

  private async send(encoded: Encoded): Promise<Attempt> {
    const headers = this.preset.sign ? { ...this.headers, ...this.preset.sign(encoded.sent) } : this.headers;
    this.stats.requests++;
    this.stats.requestsInFlight++;
    this.stats.bytesSent += encoded.sent.length;
    try {
      return await this.post(this.path, headers, encoded.sent);
    } catch (error) {
      return { error: error as Error };
    } finally {
      this.stats.requestsInFlight--;
    }
  }

  private async post(path: string, headers: Record<string, string>, body: Buffer | string) {
    const response = await this.client.request({
      origin: this.origin,
      path,
      method: 'POST',
      headers,
      body,
      headersTimeout: this.config.timeout,
      bodyTimeout: this.config.timeout,
    });
    return { status: response.statusCode, retryAfter: response.headers['retry-after'], text: await response.body.text() };
  }

  /** A 2xx the preset must see confirmed (indexer acknowledgement) counts as a network failure until it is. */
  private async confirmed(result: Attempt): Promise<Attempt> {
    if (!this.preset.confirm || 'error' in result || result.status < 200 || result.status >= 300) return result;
    const target = {
      post: (path: string, body: string) => this.post(path, this.confirmHeaders, body),
      sleep: (ms: number) => this.sleep(ms),
    };
    try {
      if (await this.preset.confirm(result.text, target)) return result;
      return { error: Object.assign(new Error('the target did not acknowledge the batch in time'), { code: 'UNACKNOWLEDGED' }) };
    } catch (error) {
      return { error: error as Error };
    }
  }

  private dropAbandoned(items: BatchItem[]): BatchItem[] {
    if (!items.some((item) => item.entry.settlement.abandoned)) return items;
    const kept: BatchItem[] = [];
    for (const item of items) {
      if (!item.entry.settlement.abandoned) kept.push(item);
      else {
        this.stats.recordsAbandoned++;
        this.stats.recordsQueued--;
        item.entry.settlement.settle();
      }
    }
    return kept;
  }

  private delivered(items: BatchItem[], attempt: number): void {
    this.stats.recordsDelivered += items.length;
    this.stats.recordsQueued -= items.length;
    for (const item of items) {
      countBy(this.stats.deliveredByLogType, item.entry.record.logType);
      item.entry.settlement.settle();
    }
    if (attempt > 0 && items.length > 0) this.logger?.info({ records: items.length, attempts: attempt + 1 }, 'batch delivered after retries');
  }

  private alreadyPresent(items: BatchItem[]): void {
    this.stats.duplicatesPrevented += items.length;
    this.delivered(items, 0);
  }

  private fail(items: BatchItem[], reason: string, detail: string, status?: number, response?: string): void {
    this.stats.recordsDeadLettered += items.length;
    this.stats.recordsQueued -= items.length;
    for (const { entry } of items) {
      const { record } = entry;
      this.deadLetter.write(
        { reason, detail, logType: record.logType, tag: record.tag, source: record.source, raw: record.text.json, sink: this.name, status, response },
        entry.settlement,
      );
    }
    this.logger?.error({ records: items.length, reason, status }, `records dead-lettered: ${detail}`);
  }

  private count(key: string): void {
    this.stats.retries[key] = (this.stats.retries[key] ?? 0) + 1;
  }

  /**
   * Waits `ms` before a retry, letting go at once of the records whose senders abandoned them meanwhile (woken by
   * `releaseAbandoned`), so a batch waiting out an outage does not hold records, or their encoded body, that will
   * be resent anyway. Returns the items still to send.
   */
  private async waitOut(ms: number, items: BatchItem[]): Promise<BatchItem[]> {
    const until = Date.now() + ms;
    do {
      await this.sleep(until - Date.now(), true);
      items = this.dropAbandoned(items);
    } while (!this.closed && items.length > 0 && Date.now() < until);
    return items;
  }

  private sleep(ms: number, wakeOnAbandon = false): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        this.abandonWakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.sleepers.add(wake);
      if (wakeOnAbandon) this.abandonWakers.add(wake);
    });
  }
}

/** The `stats.retries` key of a failed attempt. */
function errorKind(code: string): string {
  if (code === 'UNACKNOWLEDGED') return 'unacknowledged';
  return /TIMEOUT/.test(code) && code !== 'UND_ERR_CONNECT_TIMEOUT' ? 'timeout' : 'network';
}

function excerpt(text: string): string {
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
}
