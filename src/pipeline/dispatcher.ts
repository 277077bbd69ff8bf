/** Fans each forward message's records out to the sinks, dead-letters the failed ones, and says when it is settled. */
import { EventEmitter } from 'node:events';
import type pino from 'pino';
import type { DeadLetters, Delivery, FailedRecord, Settlement, Sink } from '../contract.js';
import { countBy } from '../shared/counts.js';
import { closed, newRecordOutcomes, received, returned, type RecordOutcomes } from './record-outcomes.js';
import { FanOutSettlement, MessageSettlement } from './settlement.js';

export interface DispatcherOptions {
  sinks: Sink[];
  deadLetter: DeadLetters;
  /**
   * In-flight budget: once records or bytes held by unsettled messages reach these, `saturated` turns true. Bytes
   * count each record's own text (`RecordText.size`: not a head that is a view of the request), each framed copy a sink holds besides it (Splunk HEC, Elastic, Datadog and
   * Loki frames; NDJSON and JSON-array sinks hold none), and the request itself as received (`requestBytes`), which
   * stays in memory until the message settles. Not counted: up to `concurrency` request bodies per HTTP sink, and
   * the per-record object overhead.
   */
  maxInFlightRecords: number;
  maxInFlightBytes: number;
  logger?: pino.Logger;
}

export interface SubmitOptions {
  /**
   * Abort when the sender will not wait any longer (ack timeout, connection closed): the promise rejects at once
   * and sinks drop this message's records that are not on the wire yet, so a resend does not duplicate them.
   */
  signal?: AbortSignal;
  /**
   * The sender waits for this message's ack before it sends more (Fluent Bit with Require_ack_response): its
   * records go out at the end of this event-loop turn, with whatever else arrived in it, instead of waiting up to
   * `max_wait` for more records that cannot come.
   */
  awaited?: boolean;
  /**
   * Bytes of the request this message came in, held until it settles (the receiver keeps the request buffer, e.g.
   * for the `chunk` id it acks with): counted in the in-flight bytes like the records' text, or a budget sized
   * for the records would let about twice as much memory fill up.
   */
  requestBytes?: number;
  /**
   * Called once no sink or dead letter holds any of the message's records any more, whether it settled or not
   * (the receiver frees the request then).
   */
  onClosed?: () => void;
}

export interface DispatcherStats {
  messages: number;
  messagesSettled: number;
  messagesFailed: number;
  messagesAbandoned: number;
  deliveries: number;
  /** Records that came failed (the processor refused them): dead-lettered. */
  failures: number;
  /** Records whose log type no sink accepts: dead-lettered as "no_matching_sink". */
  unrouted: number;
  /** Every record given, and what it ended as (record-outcomes.ts). */
  records: RecordOutcomes;
  inFlightMessages: number;
  /** Records of messages whose account is open: received and not yet delivered, dead-lettered or returned. */
  inFlightRecords: number;
  inFlightBytes: number;
  /** How many times the budget filled up (the receiver paused reading). */
  saturations: number;
}

/**
 * Fans each forward message's records out to the sinks that accept their log type, dead-letters the failed ones, and
 * tells the receiver when the message is settled (every record delivered by every matching sink or dead-lettered).
 * Holds the in-flight budget: `saturated` is true while unsettled messages hold at least `maxInFlightRecords`
 * records or `maxInFlightBytes` bytes; 'drain' is emitted when it turns false again.
 */
export class Dispatcher extends EventEmitter {
  readonly stats: DispatcherStats = {
    messages: 0,
    messagesSettled: 0,
    messagesFailed: 0,
    messagesAbandoned: 0,
    deliveries: 0,
    failures: 0,
    unrouted: 0,
    records: newRecordOutcomes(),
    inFlightMessages: 0,
    inFlightRecords: 0,
    inFlightBytes: 0,
    saturations: 0,
  };
  private readonly sinks: Sink[];
  private readonly deadLetter: DeadLetters;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly logger: pino.Logger | undefined;
  private readonly routes = new Map<string, Sink[]>();
  private readonly open = new Set<MessageSettlement>();
  private wasSaturated = false;
  private closing = false;

  constructor(options: DispatcherOptions) {
    super();
    this.sinks = options.sinks;
    this.deadLetter = options.deadLetter;
    this.maxRecords = options.maxInFlightRecords;
    this.maxBytes = options.maxInFlightBytes;
    this.logger = options.logger;
  }

  get saturated(): boolean {
    return this.stats.inFlightRecords >= this.maxRecords || this.stats.inFlightBytes >= this.maxBytes;
  }

  /**
   * One forward message's outcomes; resolves when every record is settled. Never rejects for a record-level failure
   * (those are dead letters); rejects when the message cannot be settled (a dead letter could not be written, a sink
   * threw, the sender abandoned it, shutdown), and then it must not be acked.
   */
  submit(deliveries: Delivery[], failures: FailedRecord[], options: SubmitOptions = {}): Promise<void> {
    const logTypes: Record<string, number> = {};
    let pairs = failures.length;
    let bytes = options.requestBytes ?? 0;
    for (const delivery of deliveries) {
      pairs += Math.max(1, this.route(delivery.logType).length);
      bytes += delivery.text.size;
      countBy(logTypes, delivery.logType);
    }
    for (const failure of failures) {
      bytes += failure.raw.length;
      countBy(logTypes, failure.logType ?? 'unknown');
    }
    received(this.stats.records, logTypes);
    if (this.closing) {
      returned(this.stats.records, logTypes, 'shutting_down');
      options.onClosed?.();
      return Promise.reject(new Error('relay is shutting down'));
    }
    this.stats.messages++;
    this.stats.deliveries += deliveries.length;
    this.stats.failures += failures.length;
    if (pairs === 0) {
      this.stats.messagesSettled++;
      options.onClosed?.();
      return Promise.resolve();
    }

    const settlement = new MessageSettlement(pairs, deliveries.length + failures.length, logTypes, bytes, (account) => {
      this.release(account);
      options.onClosed?.();
    });
    this.hold(settlement);
    this.watch(settlement, options.signal);

    let handedOut = 0;
    /** Dead letters the dispatcher writes itself, noted on the message so they count as dead-lettered records. */
    const deadLetter = (failure: FailedRecord) => {
      settlement.deadLettered(failure);
      this.deadLetter.write(failure, settlement);
      handedOut++;
    };
    try {
      for (const failure of failures) deadLetter(failure);
      for (const delivery of deliveries) {
        const sinks = this.route(delivery.logType);
        if (sinks.length === 0) {
          this.stats.unrouted++;
          const { logType, tag, source } = delivery;
          deadLetter({ reason: 'no_matching_sink', detail: `no sink accepts log type ${logType}`, logType, tag, source, raw: delivery.text.json });
        }
        // A record sent to several sinks gets its own account, so it counts as dead-lettered once at most.
        const account: Settlement = sinks.length > 1 ? new FanOutSettlement(settlement) : settlement;
        for (const sink of sinks) {
          const copy = sink.write(delivery, account);
          handedOut++;
          if (copy) this.grow(settlement, copy);
        }
      }
    } catch (error) {
      // A sink threw instead of taking the record: the message fails (never acked), and the pairs nobody holds are
      // closed here so the budget is released once the ones handed out settle.
      this.logger?.error({ err: error }, 'a sink refused a record; the message will not be acked');
      for (let pair = handedOut; pair < pairs; pair++) settlement.fail(error as Error);
    }
    if (options.awaited && deliveries.length > 0) this.flushSoon();
    return settlement.promise;
  }

  private flushScheduled = false;
  private releaseScheduled = false;

  /**
   * Once this turn's aborts are all in (a closed connection abandons all its messages at once), sinks let go of the
   * abandoned records they still queue, so an outage that makes senders give up and resend does not hold both copies.
   */
  private releaseAbandonedSoon(): void {
    if (this.releaseScheduled) return;
    this.releaseScheduled = true;
    setImmediate(() => {
      this.releaseScheduled = false;
      for (const sink of this.sinks) sink.releaseAbandoned?.();
    });
  }

  /** Flushes every sink once the current event-loop turn's messages are all submitted. */
  private flushSoon(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const sink of this.sinks) sink.flush();
    });
  }

  /**
   * Flush every batch now and wait until every message is settled, or `timeoutMs` passed; messages still open then
   * are rejected (never acked). Sinks and the dead-letter writer are closed afterwards.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    for (const sink of this.sinks) sink.flush();
    const pending = [...this.open].map((settlement) => settlement.promise.catch(() => {}));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    const expired = await Promise.race([Promise.all(pending).then(() => false), timedOut]);
    clearTimeout(timer);
    if (expired) {
      this.logger?.warn({ messages: this.open.size, records: this.stats.inFlightRecords }, 'shutdown timeout: unsettled messages are not acked');
      for (const settlement of this.open) settlement.abandon(new Error('relay shut down before the message settled'));
    }
    await Promise.all(this.sinks.map((sink) => sink.close()));
    await this.deadLetter.close();
  }

  private route(logType: string): Sink[] {
    let sinks = this.routes.get(logType);
    if (!sinks) {
      sinks = this.sinks.filter((sink) => sink.accepts(logType));
      this.routes.set(logType, sinks);
    }
    return sinks;
  }

  private watch(settlement: MessageSettlement, signal: AbortSignal | undefined): void {
    if (!signal) return;
    const abort = () => {
      if (!settlement.open) return;
      this.stats.messagesAbandoned++;
      settlement.abandon(new Error('message abandoned by its sender'));
      this.releaseAbandonedSoon();
    };
    if (signal.aborted) abort();
    else {
      signal.addEventListener('abort', abort, { once: true });
      settlement.promise.then(
        () => signal.removeEventListener('abort', abort),
        () => signal.removeEventListener('abort', abort),
      );
    }
  }

  private hold(settlement: MessageSettlement): void {
    this.open.add(settlement);
    this.stats.inFlightMessages++;
    this.stats.inFlightRecords += settlement.records;
    this.stats.inFlightBytes += settlement.bytes;
    this.noteSaturation();
  }

  private noteSaturation(): void {
    if (!this.wasSaturated && this.saturated) {
      this.wasSaturated = true;
      this.stats.saturations++;
      this.logger?.info({ records: this.stats.inFlightRecords, bytes: this.stats.inFlightBytes }, 'in-flight budget full: pausing input');
    }
  }

  /** A sink holds a copy of a record besides its text: the message holds that much more of the budget. */
  private grow(settlement: MessageSettlement, bytes: number): void {
    // A message whose pairs all settled already (synchronously, inside write) has released its bytes.
    if (!this.open.has(settlement)) return;
    settlement.bytes += bytes;
    this.stats.inFlightBytes += bytes;
    this.noteSaturation();
  }

  private release(settlement: MessageSettlement): void {
    this.open.delete(settlement);
    this.stats.inFlightMessages--;
    this.stats.inFlightRecords -= settlement.records;
    closed(this.stats.records, settlement);
    this.stats.inFlightBytes -= settlement.bytes;
    settlement.promise.then(
      () => this.stats.messagesSettled++,
      () => this.stats.messagesFailed++,
    );
    if (this.wasSaturated && !this.saturated) {
      this.wasSaturated = false;
      this.logger?.info('in-flight budget has room: resuming input');
      this.emit('drain');
    }
  }
}
