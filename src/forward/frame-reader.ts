import { INCOMPLETE, ObjectScanner, type FramerLimits } from './msgpack.js';

const EMPTY = Buffer.alloc(0);

/**
 * Cuts a byte stream into complete top-level msgpack objects (requests), however the stream is split into reads.
 * Linear in the bytes received: a request spread over many reads is walked once, and copied at most a few times as
 * the buffer grows.
 */
export class FrameReader {
  private buf: Buffer = EMPTY;
  private len = 0;
  private readonly scanner: ObjectScanner;

  constructor(private readonly limits: FramerLimits) {
    this.scanner = new ObjectScanner(limits);
  }

  /** Bytes held for a request not complete yet. */
  get buffered(): number {
    return this.len;
  }

  /**
   * Adds a read and calls `onFrame` for each complete request in order, stopping early when it returns false.
   * Frames are never overwritten later, so they may be kept. Throws ProtocolError on a request that breaks the limits.
   */
  push(chunk: Buffer, onFrame: (frame: Buffer) => boolean): void {
    this.append(chunk);
    while (this.len > 0) {
      const size = this.scanner.scan(this.buf, this.len);
      if (size === INCOMPLETE) return;
      const frame = this.buf.subarray(0, size);
      this.buf = this.len === size ? EMPTY : this.buf.subarray(size);
      this.len -= size;
      this.scanner.reset();
      if (!onFrame(frame)) return;
    }
  }

  /** Drops whatever is buffered. */
  clear(): void {
    this.buf = EMPTY;
    this.len = 0;
    this.scanner.reset();
  }

  /**
   * A socket chunk is adopted as is; a buffer we allocated is only written past its used length, so bytes already
   * handed out as frames are never written over.
   */
  private append(chunk: Buffer): void {
    if (this.len === 0) {
      this.buf = chunk;
      this.len = chunk.length;
      return;
    }
    if (this.len + chunk.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.len + chunk.length, Math.min(2 * this.len, this.limits.maxBytes)));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    chunk.copy(this.buf, this.len);
    this.len += chunk.length;
  }
}
