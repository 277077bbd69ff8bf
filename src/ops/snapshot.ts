/** Every counter of one relay process as plain data, and the sum over the relay's processes. */
import type { SinkStats } from '../contract.js';
import type { ReceiverStats } from '../forward/stats.js';
import type { DispatcherStats } from '../pipeline/dispatcher.js';
import type { DeadLetterStats } from '../sinks/dead-letter.js';
import type { Histogram } from './histogram.js';

/**
 * Every counter of one relay process as plain data: what /metrics renders, and what followers send to the leader,
 * which sums them with its own (counters and gauges alike add up across processes).
 */
export interface RelaySnapshot {
  records: { rejected: Record<string, number>; deviations: Record<string, number> };
  receiver: ReceiverStats & { connections: number };
  dispatcher: DispatcherStats;
  deadLetter: DeadLetterStats;
  sinks: Record<string, SinkStats>;
  ackLatency: { counts: number[]; count: number; sum: number };
}

/** The parts of a relay whose counters a snapshot takes. */
export interface Counted {
  records: RelaySnapshot['records'];
  receiver: { stats: ReceiverStats; connectionCount: number };
  dispatcher: { stats: DispatcherStats };
  deadLetter: { stats: DeadLetterStats };
  sinks: readonly { name: string; stats: SinkStats }[];
  ackLatency: Histogram;
}

export function snapshotOf(relay: Counted): RelaySnapshot {
  return structuredClone({
    records: relay.records,
    receiver: { ...relay.receiver.stats, connections: relay.receiver.connectionCount },
    dispatcher: relay.dispatcher.stats,
    deadLetter: relay.deadLetter.stats,
    sinks: Object.fromEntries(relay.sinks.map((sink) => [sink.name, sink.stats])),
    ackLatency: { counts: relay.ackLatency.counts, count: relay.ackLatency.count, sum: relay.ackLatency.sum },
  });
}

/** Numbers add, arrays add element-wise, objects merge key by key. */
function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return a.map((item, i) => add(item, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [key, value] of Object.entries(b)) out[key] = key in out ? add(out[key], value) : value;
    return out;
  }
  return a ?? b;
}

export function mergeSnapshots(snapshots: RelaySnapshot[]): RelaySnapshot {
  return snapshots.reduce((sum, snapshot) => add(sum, snapshot) as RelaySnapshot);
}
