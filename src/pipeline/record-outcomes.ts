/**
 * What every record received ended as. Each record the dispatcher is given is counted once as received, and once
 * its message's account closes (every sink and dead letter done with it) once more, as exactly one of:
 *   delivered      its message was acked and no sink gave up on it (every sink it was routed to has it)
 *   dead-lettered  its message was acked and it is in the dead letters: the processor refused it, no sink takes its
 *                  log type, or a sink gave up on it (a record sent to several sinks counts once, with the reason of
 *                  the first that gave up)
 *   returned       its message was not acked (the sender gave up waiting, or a dead letter could not be written):
 *                  the sender sends it again, and it is received again
 * Until then it is in flight (DispatcherStats.inFlightRecords), so at any moment
 *   received = delivered + dead-lettered + returned + in flight.
 */
import { countBy } from '../shared/counts.js';
import type { MessageSettlement } from './settlement.js';

export interface RecordOutcomes {
  /** By log type ("unknown" when not told). */
  received: Record<string, number>;
  delivered: Record<string, number>;
  /** Keyed `${logType}\t${reason}`. */
  deadLettered: Record<string, number>;
  /** Keyed `${logType}\t${reason}`: `abandoned`, `failed`, or `shutting_down` (arrived while the relay stopped). */
  returned: Record<string, number>;
}

export function newRecordOutcomes(): RecordOutcomes {
  return { received: {}, delivered: {}, deadLettered: {}, returned: {} };
}

/** Adds `counts` (by log type) to `into`, each key suffixed with `\t${reason}` when one is given. */
function addAll(into: Record<string, number>, counts: Record<string, number>, reason?: string): void {
  for (const [logType, n] of Object.entries(counts)) countBy(into, reason === undefined ? logType : `${logType}\t${reason}`, n);
}

export function received(outcomes: RecordOutcomes, logTypes: Record<string, number>): void {
  addAll(outcomes.received, logTypes);
}

/** Records that never got an account (the relay was shutting down): returned at once. */
export function returned(outcomes: RecordOutcomes, logTypes: Record<string, number>, reason: string): void {
  addAll(outcomes.returned, logTypes, reason);
}

/** A message's account closed: each of its records is delivered, dead-lettered or returned. */
export function closed(outcomes: RecordOutcomes, message: MessageSettlement): void {
  if (!message.resolved) return returned(outcomes, message.logTypes, message.rejection ?? 'failed');
  const delivered = { ...message.logTypes };
  for (const [key, n] of Object.entries(message.deadLetters ?? {})) {
    countBy(outcomes.deadLettered, key, n);
    const logType = key.slice(0, key.indexOf('\t'));
    delivered[logType] -= n;
  }
  for (const [logType, n] of Object.entries(delivered)) if (n > 0) countBy(outcomes.delivered, logType, n);
}
