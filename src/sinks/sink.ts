import type pino from 'pino';
import type { RecordText } from '../record-text.js';

/** What every sink shares: the record shape it receives, how it reports settlement, its counters. */

/** One enriched record ready to relay. `text` is one JSON object text; never re-parse it (it may hold exact int64s). */
export interface Delivery {
  text: RecordText;
  logType: string;
  eventTimeMs: number;
  /** Fluent Bit tag of the forward message. */
  tag: string;
  /** Who sent it (peer hostname or address). */
  source: string;
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

/** A record together with the account it settles. */
export interface SinkEntry {
  record: Delivery;
  settlement: Settlement;
}

/** Plain-number counters the metrics module reads. */
export interface SinkStats {
  recordsDelivered: number;
  /** The same, by log type (Panther name). */
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
  /** Retries keyed by HTTP status, or "network" / "timeout". */
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

export function emptySinkStats(): SinkStats {
  return {
    recordsDelivered: 0,
    deliveredByLogType: {},
    recordsDeadLettered: 0,
    recordsAbandoned: 0,
    recordsQueued: 0,
    batches: 0,
    requests: 0,
    requestsInFlight: 0,
    bytesSent: 0,
    retries: {},
    splits: 0,
    duplicateRisk: 0,
    duplicatesPrevented: 0,
  };
}

export interface Sink {
  readonly name: string;
  readonly stats: SinkStats;
  /** Whether records of this log type go to this sink (its `log_types` filter). */
  accepts(logType: string): boolean;
  /**
   * Queue one record; the sink calls `settlement.settle()` exactly once for it. Returns the bytes of any copy of the
   * record the sink holds until then besides `record.json` itself (a framed copy), so the in-flight budget counts it.
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

/** `log_types` filter shared by every sink: undefined or empty means all types. */
export function logTypeFilter(logTypes: readonly string[] | undefined): (logType: string) => boolean {
  if (!logTypes || logTypes.length === 0) return () => true;
  const wanted = new Set(logTypes);
  return (logType) => wanted.has(logType);
}

/** The logger a sink writes with: `sink` bound once (the caller may have bound it already; pino would repeat the key). */
export function sinkLogger(logger: pino.Logger | undefined, name: string): pino.Logger | undefined {
  return logger && (logger.bindings().sink === name ? logger : logger.child({ sink: name }));
}

/** Adds one to `counts[key]`. */
export function countBy(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
