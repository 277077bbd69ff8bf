/** Batching: records gather in one open batch, sealed by event count, estimated size or age into a queue of ready batches. */
import type { BatchItem } from '../preset.js';
import type { Settler } from './settle.js';

export interface Batch {
  items: BatchItem[];
  /** Sum of item bytes (uncompressed). */
  bytes: number;
  /** When its first record was queued: the age `retry.max_age` is measured from. */
  createdAt: number;
}

/** A batch of these items, as old as the batch they came from. */
export function batchOf(items: BatchItem[], createdAt: number): Batch {
  return { items, bytes: items.reduce((sum, item) => sum + item.bytes, 0), createdAt };
}

export interface BatchLimits {
  maxEvents: number;
  maxWaitMs: number;
  /** Whether a body of this many uncompressed bytes is expected to fit the request caps once encoded. */
  fits(uncompressedBytes: number): boolean;
}

export class Batcher {
  private open: Batch | undefined;
  private openTimer: NodeJS.Timeout | undefined;
  private readonly ready: Batch[] = [];

  /** `onReady` is called whenever a batch joins the ready queue. */
  constructor(
    private readonly limits: BatchLimits,
    private readonly settler: Settler,
    private readonly onReady: () => void,
  ) {}

  add(item: BatchItem): void {
    if (this.open && !this.fits(this.open, item.bytes)) this.seal();
    if (!this.open) {
      this.open = { items: [], bytes: 0, createdAt: Date.now() };
      this.openTimer = setTimeout(() => this.seal(), this.limits.maxWaitMs);
      this.openTimer.unref();
    }
    this.open.items.push(item);
    this.open.bytes += item.bytes;
    if (this.open.items.length >= this.limits.maxEvents) this.seal();
  }

  /** Close the open batch (if it has records) and queue it as ready. */
  seal(): void {
    clearTimeout(this.openTimer);
    const batch = this.open;
    this.open = undefined;
    if (batch && batch.items.length > 0) {
      this.ready.push(batch);
      this.onReady();
    }
  }

  /** The oldest ready batch, taken off the queue. */
  take(): Batch | undefined {
    return this.ready.shift();
  }

  /**
   * Drop the records whose senders abandoned them from the open batch and the ready ones (settling them), instead of
   * holding them, and their share of the in-flight budget, until their turn comes.
   */
  releaseAbandoned(): void {
    if (this.open) this.open = this.withoutAbandoned(this.open);
    if (this.open === undefined) clearTimeout(this.openTimer);
    for (let i = this.ready.length - 1; i >= 0; i--) {
      const kept = this.withoutAbandoned(this.ready[i]);
      if (kept) this.ready[i] = kept;
      else this.ready.splice(i, 1);
    }
  }

  /** Stop the open batch's timer. */
  close(): void {
    clearTimeout(this.openTimer);
  }

  private fits(batch: Batch, bytes: number): boolean {
    return batch.items.length < this.limits.maxEvents && this.limits.fits(batch.bytes + bytes);
  }

  /** The batch without its abandoned items, or undefined when none is left. */
  private withoutAbandoned(batch: Batch): Batch | undefined {
    const items = this.settler.dropAbandoned(batch.items);
    if (items === batch.items) return batch;
    if (items.length === 0) return undefined;
    return batchOf(items, batch.createdAt);
  }
}
