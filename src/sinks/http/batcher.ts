/**
 * Batching: records gather in an open batch (one per group, for targets that take one kind of record per request),
 * sealed by event count, estimated size or age into a queue of ready batches.
 */
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

/** An open batch and the timer that seals it. */
interface Open {
  batch: Batch;
  timer: NodeJS.Timeout;
}

export class Batcher {
  /** The open batch of each group; most sinks have one group, `''`. */
  private readonly open = new Map<string, Open>();
  private readonly ready: Batch[] = [];

  /** `onReady` is called whenever a batch joins the ready queue. */
  constructor(
    private readonly limits: BatchLimits,
    private readonly settler: Settler,
    private readonly onReady: () => void,
  ) {}

  /** Adds the item to its group's open batch (records of different groups never share a batch). */
  add(item: BatchItem, group = ''): void {
    let open = this.open.get(group);
    if (open !== undefined && !this.fits(open.batch, item.bytes)) {
      this.sealGroup(group);
      open = undefined;
    }
    if (open === undefined) {
      const timer = setTimeout(() => this.sealGroup(group), this.limits.maxWaitMs);
      timer.unref();
      open = { batch: { items: [], bytes: 0, createdAt: Date.now() }, timer };
      this.open.set(group, open);
    }
    open.batch.items.push(item);
    open.batch.bytes += item.bytes;
    if (open.batch.items.length >= this.limits.maxEvents) this.sealGroup(group);
  }

  /** Close every open batch that has records and queue it as ready. */
  seal(): void {
    for (const group of [...this.open.keys()]) this.sealGroup(group);
  }

  /** The oldest ready batch, taken off the queue. */
  take(): Batch | undefined {
    return this.ready.shift();
  }

  /**
   * Drop the records whose senders abandoned them from the open batches and the ready ones (settling them), instead
   * of holding them, and their share of the in-flight budget, until their turn comes.
   */
  releaseAbandoned(): void {
    for (const [group, open] of this.open) {
      const kept = this.withoutAbandoned(open.batch);
      if (kept) open.batch = kept;
      else {
        clearTimeout(open.timer);
        this.open.delete(group);
      }
    }
    for (let i = this.ready.length - 1; i >= 0; i--) {
      const kept = this.withoutAbandoned(this.ready[i]);
      if (kept) this.ready[i] = kept;
      else this.ready.splice(i, 1);
    }
  }

  /** Stop the open batches' timers. */
  close(): void {
    for (const open of this.open.values()) clearTimeout(open.timer);
  }

  private sealGroup(group: string): void {
    const open = this.open.get(group);
    if (open === undefined) return;
    clearTimeout(open.timer);
    this.open.delete(group);
    if (open.batch.items.length > 0) {
      this.ready.push(open.batch);
      this.onReady();
    }
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
