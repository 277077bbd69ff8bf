/** What every sink shares: a record with the account it settles, empty counters, the log-type filter, the logger. */
import type pino from 'pino';
import type { Delivery, Settlement, SinkStats } from '../contract.js';

/** A record together with the account it settles. */
export interface SinkEntry {
  record: Delivery;
  settlement: Settlement;
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
