/** Records as the processor hands them to a sink, and a preset's body for some of them. */
import { RecordText } from '../../src/shared/record-text.js';
import type { Delivery, Settlement } from '../../src/contract.js';
import { itemOf } from '../../src/sinks/framing.js';
import type { Preset } from '../../src/sinks/preset.js';

/**
 * A ZPA-like enriched record as the processor hands it over: one JSON text, with an id above 2^53 written as exact
 * digits (which a JSON.parse round trip would corrupt) and a `seq` the tests use to check every record arrived.
 */
export function record(seq: number, options: { logType?: string; padding?: number; source?: string } = {}): Delivery {
  const json =
    `{"seq":${seq},"LogTimestamp":"Mon Nov 23 06:00:0${seq % 10} 2026","ConnectionID":"conn-${seq}",` +
    `"AuditId":90071992547409930${seq % 10},"Username":"user${seq}@example.com","Note":"${'x'.repeat(options.padding ?? 64)}"}`;
  return {
    text: RecordText.of(json),
    logType: options.logType ?? 'Zscaler.ZPA.UserActivity',
    eventTimeMs: 1_795_413_600_000 + seq,
    tag: 'zpa.user_activity',
    source: options.source ?? 'fluent-bit-0',
  };
}

export function records(from: number, count: number, options?: Parameters<typeof record>[1]): Delivery[] {
  return Array.from({ length: count }, (_, index) => record(from + index, options));
}

/** The `seq` of every record in NDJSON lines (each line one record object). */
export function seqs(lines: string[]): number[] {
  return lines.map((line) => Number(/"seq":(\d+)/.exec(line)?.[1]));
}

/** A settlement nobody waits for: for items built outside a sink. */
export const unsettled: Settlement = { settle() {}, fail() {}, abandoned: false };

/** The body a preset builds for these records in one batch, as text. */
export function bodyOf(preset: Preset, deliveries: readonly Delivery[]): string {
  return preset.body(deliveries.map((delivery) => itemOf(preset, delivery, unsettled))).toString();
}
