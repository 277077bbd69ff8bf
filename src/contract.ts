/**
 * The contract between the pipeline's stages, at the bottom of the house: what the processor hands the dispatcher,
 * what a sink and the dead-letter destination take, and how they report a record settled. Every stage imports this
 * module; it imports no stage.
 *
 *   forward/ (requests, acks) → RecordProcessor → Delivery | FailedRecord → pipeline/ (Dispatcher) → Sink | DeadLetters
 */
import type { RecordText } from './shared/record-text.js';

/** The log type of a dead letter delivered to a sink (`dead_letter.sink`) as a record of its own. */
export const DEAD_LETTER_LOG_TYPE = 'ZpaRelay.DeadLetter';

/** Where a record came from: the same for every record of one forward message. */
export interface RecordContext {
  /** Fluent Bit tag of the forward message, e.g. `zpa.user-activity`. */
  readonly tag: string;
  /** The sender's IP address. */
  readonly address: string;
  /** The sender as the records name it: its handshake hostname, else its address. */
  readonly source: string;
}

/** One enriched record ready to relay. `text` is one JSON object text; never re-parse it (it may hold exact int64s). */
export interface Delivery {
  /**
   * The enriched record, and the line it was read from as received (`text.writeLine`, `text.lineText`): a JSON, CSV
   * or TSV line, with any prefix, before any repair. On the processor's byte path both are ranges of the forward
   * request's bytes. A record without a line of its own (a dead letter, a test's) gives its whole text as its line.
   */
  readonly text: RecordText;
  /** The log type's schema name, e.g. `Zscaler.ZPA.UserActivity`. */
  readonly logType: string;
  /** The record's event time, epoch ms. */
  readonly eventTimeMs: number;
  readonly tag: string;
  readonly source: string;
  /** The kind of each way the record deviates from its schema (listed in the record itself), for the metrics. */
  readonly deviations?: readonly string[];
}

/**
 * A record that cannot be delivered, on its way to the dead-letter destination: one the processor could not accept,
 * one no sink takes, or one a sink gave up on.
 */
export interface FailedRecord {
  /** Short machine-readable reason, e.g. "unparsable", "http_400", "too_large", "max_age", "no_matching_sink". */
  readonly reason: string;
  readonly detail: string;
  /** Undefined when the log type could not be told. */
  readonly logType: string | undefined;
  readonly tag: string;
  readonly source: string;
  /** The raw input line for a record the processor refused; the enriched JSON text for one a sink gave up on. */
  readonly raw: string;
  /** The sink that gave up on it. */
  readonly sink?: string;
  /** The target's HTTP status, and an excerpt of its answer. */
  readonly status?: number;
  readonly response?: string;
}

/** A processor's verdict on one record. */
export type Outcome = Delivery | FailedRecord;

export function isFailure(outcome: Outcome): outcome is FailedRecord {
  return (outcome as FailedRecord).reason !== undefined;
}

/** Turns one received record into a Delivery, or a FailedRecord with its reason. Never throws for bad input. */
export interface RecordProcessor {
  /**
   * A record decoded from msgpack (`Format json`, or a `{log}` map that did not arrive as raw bytes). `entryTimeMs`:
   * the Fluent Bit entry's time, the event time of a record that carries none.
   */
  process(record: Record<string, unknown>, ctx: RecordContext, entryTimeMs?: number): Outcome;
  /**
   * A raw line, the UTF-8 bytes `buf[start, end)` of a `Format none` record. The bytes must stay as they are while
   * any record made from them lives: an accepted record may stay a view of them, and the processor may copy the bytes
   * after the line with it, to read the next lines of the same buffer.
   */
  processBytes(buf: Buffer, start: number, end: number, ctx: RecordContext, entryTimeMs?: number): Outcome;
}

/**
 * The settlement account of one forward message, shared by all its record/sink pairs. A sink calls `settle()` once
 * per record it was given, after the record was delivered or its dead letter written. `fail()` means the relay
 * could not settle (e.g. the dead-letter file is unwritable): the message must not be acked.
 */
export interface Settlement {
  settle(): void;
  fail(error: Error): void;
  /**
   * The sender gave up on this message (its connection was closed, it will resend). A sink may then drop the
   * record instead of sending it, still calling `settle()` so the in-flight budget is released.
   */
  readonly abandoned: boolean;
}

/** Plain-number counters of a sink, for the metrics. */
export interface SinkStats {
  recordsDelivered: number;
  /** The same, by log type (schema name). */
  deliveredByLogType: Record<string, number>;
  recordsDeadLettered: number;
  /** Dropped before sending because the sender abandoned the message (it will resend). */
  recordsAbandoned: number;
  recordsQueued: number;
  batches: number;
  requests: number;
  requestsInFlight: number;
  /** Request body bytes as sent (after compression). */
  bytesSent: number;
  /** Retries keyed by HTTP status, or "network", "timeout", "authorization", "unacknowledged", "unreadable_2xx", "item_<status>". */
  retries: Record<string, number>;
  /** Batches split in halves after a 413 or because the compressed body exceeded `max_bytes`. */
  splits: number;
  /**
   * Records sent again after an attempt whose outcome is unknown (timeout, connection reset after the body was
   * sent, 5xx): the target may hold them twice. Presets with idempotent ids (elastic_bulk) avoid the duplicate.
   */
  duplicateRisk: number;
  /** Records the target reported as already present (elastic_bulk 409 on `create`): duplicates it prevented. */
  duplicatesPrevented: number;
}

/** Where records go: an HTTP target or a file. */
export interface Sink {
  readonly name: string;
  readonly stats: SinkStats;
  /** Whether records of this log type go to this sink (its `log_types` filter). */
  accepts(logType: string): boolean;
  /**
   * Queue one record; the sink calls `settlement.settle()` exactly once for it. Returns the bytes of any copy of the
   * record the sink holds until then besides `record.text` itself (a framed copy), so the in-flight budget counts it.
   */
  write(record: Delivery, settlement: Settlement): number | void;
  /** Send every queued record now instead of waiting for `max_wait`. */
  flush(): void;
  /**
   * Some messages were abandoned by their senders: drop their records that are not on the wire yet now (settling
   * them), rather than when their batch's turn comes. Optional: a sink that holds records briefly need not.
   */
  releaseAbandoned?(): void;
  /** Stop timers and retries, release connections. Unsettled records stay unsettled (their messages are not acked). */
  close(): Promise<void>;
}

/** Where failed records go; settled like a sink's records (`settle` once written, `fail` when it cannot be). */
export interface DeadLetters {
  write(record: FailedRecord, settlement: Settlement): void;
  close(): Promise<void>;
}
