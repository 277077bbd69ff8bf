/** The settlement accounts of a forward message and of a record sent to several sinks, and what each record ended as. */
import { DEAD_LETTER_LOG_TYPE, type DeadLetters, type FailedRecord, type Settlement } from '../contract.js';
import { countBy } from '../shared/counts.js';

/** Why a message was not acked: its sender gave up waiting, or a record could not be settled. */
export type Rejection = 'abandoned' | 'failed';

/**
 * The settlement account of one forward message: how many record/sink pairs (and dead letters) are still open.
 * The message's promise resolves when the count reaches zero, and rejects on the first `fail()` or on `abandon()`.
 * `onClosed` runs once the count reaches zero whatever happened before, so the in-flight budget is released only
 * when no sink holds the records any more. It also keeps what its records ended as (record-outcomes.ts): how many
 * of each log type it holds, and which of them were dead-lettered, by reason.
 */
export class MessageSettlement implements Settlement {
  abandoned = false;
  /** Set when the promise rejected. */
  rejection: Rejection | undefined;
  /** Records dead-lettered, keyed `${logType}\t${reason}`; created on the first. */
  deadLetters: Record<string, number> | undefined;
  private outcome: 'open' | 'resolved' | 'rejected' = 'open';
  private resolve!: () => void;
  private reject!: (error: Error) => void;
  readonly promise: Promise<void>;

  constructor(
    private remaining: number,
    readonly records: number,
    /** The message's records by log type ("unknown" when not told). */
    readonly logTypes: Record<string, number>,
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

  get resolved(): boolean {
    return this.outcome === 'resolved';
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
    this.rejectOnce(error, 'failed');
    this.settle();
  }

  /** The sender gave up waiting: reject now; sinks drop the records they have not sent yet. */
  abandon(reason: Error): void {
    this.abandoned = true;
    this.rejectOnce(reason, 'abandoned');
  }

  /** One of its records goes to the dead letters (once per record, whatever the number of sinks that give up on it). */
  deadLettered(record: FailedRecord): void {
    countBy((this.deadLetters ??= {}), `${record.logType ?? 'unknown'}\t${record.reason}`);
  }

  private rejectOnce(error: Error, rejection: Rejection): void {
    if (this.outcome !== 'open') return;
    this.outcome = 'rejected';
    this.rejection = rejection;
    this.reject(error);
  }
}

/**
 * A record sent to several sinks: its pairs settle its message's account, and it counts as dead-lettered once, on
 * the first sink that gives up on it.
 */
export class FanOutSettlement implements Settlement {
  private counted = false;

  constructor(private readonly message: MessageSettlement) {}

  get abandoned(): boolean {
    return this.message.abandoned;
  }

  settle(): void {
    this.message.settle();
  }

  fail(error: Error): void {
    this.message.fail(error);
  }

  deadLettered(record: FailedRecord): void {
    if (this.counted) return;
    this.counted = true;
    this.message.deadLettered(record);
  }
}

/**
 * The dead letters as sinks must see them: each one a sink writes is noted on the record's settlement first, so the
 * record counts as dead-lettered rather than delivered. (The dispatcher notes its own dead letters itself.) A dead
 * letter that the dead-letter sink gave up on is not noted again: its record was counted when it became one.
 */
export function noteDeadLetters(deadLetters: DeadLetters): DeadLetters {
  return {
    write(record, settlement) {
      const counted = record.logType === DEAD_LETTER_LOG_TYPE;
      if (!counted && (settlement instanceof MessageSettlement || settlement instanceof FanOutSettlement)) settlement.deadLettered(record);
      deadLetters.write(record, settlement);
    },
    close: () => deadLetters.close(),
  };
}
