import type { Settlement } from '../contract.js';

/**
 * The settlement account of one forward message: how many record/sink pairs (and dead letters) are still open.
 * The message's promise resolves when the count reaches zero, and rejects on the first `fail()` or on `abandon()`.
 * `onClosed` runs once the count reaches zero whatever happened before, so the in-flight budget is released only
 * when no sink holds the records any more.
 */
export class MessageSettlement implements Settlement {
  abandoned = false;
  private outcome: 'open' | 'resolved' | 'rejected' = 'open';
  private resolve!: () => void;
  private reject!: (error: Error) => void;
  readonly promise: Promise<void>;

  constructor(
    private remaining: number,
    readonly records: number,
    /** The message's bytes in the in-flight budget; grows while sinks take copies (Dispatcher.submit). */
    public bytes: number,
    private readonly onClosed: (settlement: MessageSettlement) => void,
  ) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A rejection nobody awaits (e.g. after the receiver stopped listening) must not crash the process.
    this.promise.catch(() => {});
  }

  get open(): boolean {
    return this.outcome === 'open';
  }

  settle(): void {
    if (--this.remaining > 0) return;
    if (this.outcome === 'open') {
      this.outcome = 'resolved';
      this.resolve();
    }
    this.onClosed(this);
  }

  fail(error: Error): void {
    this.rejectOnce(error);
    this.settle();
  }

  /** The sender gave up waiting: reject now; sinks drop the records they have not sent yet. */
  abandon(reason: Error): void {
    this.abandoned = true;
    this.rejectOnce(reason);
  }

  private rejectOnce(error: Error): void {
    if (this.outcome !== 'open') return;
    this.outcome = 'rejected';
    this.reject(error);
  }
}
