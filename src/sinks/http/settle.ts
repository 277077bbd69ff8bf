/** Settling a sink's records, with its counters: delivered, already present, dead-lettered, or abandoned by their sender. */
import type pino from 'pino';
import type { DeadLetters, SinkStats } from '../../contract.js';
import { countBy } from '../../shared/counts.js';
import type { BatchItem } from '../preset.js';

export class Settler {
  constructor(
    private readonly sinkName: string,
    private readonly stats: SinkStats,
    private readonly deadLetter: DeadLetters,
    private readonly logger: pino.Logger | undefined,
  ) {}

  /** The target took these items (on attempt number `attempt`, from 0). */
  delivered(items: readonly BatchItem[], attempt: number): void {
    this.stats.recordsDelivered += items.length;
    this.stats.recordsQueued -= items.length;
    for (const item of items) {
      countBy(this.stats.deliveredByLogType, item.record.logType);
      item.settlement.settle();
    }
    if (attempt > 0 && items.length > 0) this.logger?.info({ records: items.length, attempts: attempt + 1 }, 'batch delivered after retries');
  }

  /** The target already held these items: delivered, and a duplicate prevented. */
  alreadyPresent(items: readonly BatchItem[]): void {
    this.stats.duplicatesPrevented += items.length;
    this.delivered(items, 0);
  }

  /** Dead-letter the items with the reason (settled once each dead letter is written). */
  fail(items: readonly BatchItem[], reason: string, detail: string, status?: number, response?: string): void {
    this.stats.recordsDeadLettered += items.length;
    this.stats.recordsQueued -= items.length;
    for (const entry of items) {
      const { record } = entry;
      this.deadLetter.write(
        { reason, detail, logType: record.logType, tag: record.tag, source: record.source, raw: record.text.json, sink: this.sinkName, status, response },
        entry.settlement,
      );
    }
    this.logger?.error({ records: items.length, reason, status }, `records dead-lettered: ${detail}`);
  }

  /** The items whose senders have not abandoned them; the others are settled (their senders resend them). */
  dropAbandoned(items: BatchItem[]): BatchItem[] {
    if (!items.some((item) => item.settlement.abandoned)) return items;
    const kept: BatchItem[] = [];
    for (const item of items) {
      if (!item.settlement.abandoned) kept.push(item);
      else {
        this.stats.recordsAbandoned++;
        this.stats.recordsQueued--;
        item.settlement.settle();
      }
    }
    return kept;
  }
}
