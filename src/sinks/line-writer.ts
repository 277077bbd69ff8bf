/** Appending lines to a file or stdout with group commit, settling each line once its write (and sync) succeeded. */
import { close, fdatasync, open, write } from 'node:fs';
import type { Settlement } from '../contract.js';

/**
 * Appends lines to a file (or stdout) with group commit: lines queued while a write is under way go out together in
 * the next single write, and each line's settlement is settled only after the write callback (and the fdatasync,
 * when `fsync` is on) reports success. A failed write fails the settlements: those messages are never acked.
 */
export class LineWriter {
  private pending: string[] = [];
  private pendingSettlements: Settlement[] = [];
  private writing = false;
  private fd: number | undefined;
  private opening: Promise<number> | undefined;
  private idle: (() => void)[] = [];

  /**
   * @param path a file path (opened for append, created 0600 if missing) or "-" for stdout.
   * @param onWritten called with the number of lines each successful write made durable.
   */
  constructor(
    readonly path: string,
    private readonly fsync: boolean,
    private readonly onWritten: (lines: number) => void = () => {},
    private readonly onError: (error: Error, lines: number) => void = () => {},
  ) {}

  /** Queue one line (without its newline). */
  write(line: string, settlement: Settlement): void {
    this.pending.push(line);
    this.pendingSettlements.push(settlement);
    if (!this.writing) {
      this.writing = true;
      // Let the rest of this tick's lines join the same write.
      setImmediate(() => this.drain());
    }
  }

  /** Resolves once every queued line is written (or failed). */
  flushed(): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    await this.flushed();
    const fd = this.fd;
    this.fd = undefined;
    this.opening = undefined;
    if (fd !== undefined && this.path !== '-') await new Promise<void>((resolve) => close(fd, () => resolve()));
  }

  private drain(): void {
    if (this.pending.length === 0) {
      this.writing = false;
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    const lines = this.pending;
    const settlements = this.pendingSettlements;
    this.pending = [];
    this.pendingSettlements = [];
    const data = Buffer.from(lines.join('\n') + '\n');
    const done = (error: Error | null | undefined) => {
      if (error) {
        this.onError(error, settlements.length);
        for (const settlement of settlements) settlement.fail(error);
      } else {
        this.onWritten(settlements.length);
        for (const settlement of settlements) settlement.settle();
      }
      this.drain();
    };
    if (this.path === '-') {
      process.stdout.write(data, done);
      return;
    }
    this.openFd().then(
      (fd) => this.writeAll(fd, data, 0, done),
      (error: Error) => done(error),
    );
  }

  private openFd(): Promise<number> {
    if (this.fd !== undefined) return Promise.resolve(this.fd);
    this.opening ??= new Promise<number>((resolve, reject) =>
      open(this.path, 'a', 0o600, (error, fd) => {
        if (error) {
          this.opening = undefined; // try again on the next write: the directory may appear
          reject(error);
          return;
        }
        this.fd = fd;
        resolve(fd);
      }),
    );
    return this.opening;
  }

  private writeAll(fd: number, data: Buffer, offset: number, done: (error: Error | null) => void): void {
    write(fd, data, offset, data.length - offset, null, (error, written) => {
      if (error) return done(error);
      if (offset + written < data.length) return this.writeAll(fd, data, offset + written, done);
      if (this.fsync) fdatasync(fd, done);
      else done(null);
    });
  }
}
