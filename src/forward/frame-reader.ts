/** The forward protocol's framing: splits a TCP byte stream into whole msgpack requests. */
import { bigBuffers } from '../shared/buffer-pool.js';
import { INCOMPLETE, ObjectScanner, type ByteSource, type FramerLimits } from './msgpack.js';

/** The longest msgpack header: a marker byte and up to 8 bytes of length (ext32: 4 + type). */
const MAX_HEADER = 9;

/**
 * Cuts a byte stream into complete top-level msgpack objects (requests), however the stream is split into reads.
 * Linear in the bytes received: reads are kept as they came and walked once; a request that spans several reads is
 * copied once, into a buffer of its exact size, when it is complete (growing one buffer by doubling would allocate
 * about four times the request). Frames are never written over, so they may be kept.
 */
export class FrameReader implements ByteSource {
  private chunks: Buffer[] = [];
  private total = 0;
  /** window(): the chunk holding the last position asked for, and its absolute start. */
  private cursor = 0;
  private cursorStart = 0;
  private readonly scratch = Buffer.alloc(MAX_HEADER);
  private readonly scanner: ObjectScanner;
  buf: Buffer = this.scratch;
  at = 0;
  end = 0;

  constructor(limits: FramerLimits) {
    this.scanner = new ObjectScanner(limits);
  }

  get length(): number {
    return this.total;
  }

  /** Bytes held for a request not complete yet. */
  get buffered(): number {
    return this.total;
  }

  /**
   * Adds a read and calls `onFrame` for each complete request in order, stopping early when it returns false.
   * Throws ProtocolError on a request that breaks the limits.
   */
  push(chunk: Buffer, onFrame: (frame: Buffer) => boolean): void {
    this.append(chunk);
    this.drain(onFrame);
  }

  /** Keeps a read without looking at it yet (while the connection waits for a decompression). */
  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Calls `onFrame` for each complete request held, in order, stopping early when it returns false. */
  drain(onFrame: (frame: Buffer) => boolean): void {
    while (this.total > 0) {
      const size = this.scanner.scan(this);
      if (size === INCOMPLETE) return;
      const frame = this.take(size);
      this.scanner.reset();
      if (!onFrame(frame)) return;
    }
  }

  /** Drops whatever is buffered. */
  clear(): void {
    this.chunks = [];
    this.total = 0;
    this.cursor = 0;
    this.cursorStart = 0;
    this.scanner.reset();
  }

  window(pos: number): void {
    while (pos >= this.cursorStart + this.chunks[this.cursor].length) {
      this.cursorStart += this.chunks[this.cursor].length;
      this.cursor++;
    }
    const chunk = this.chunks[this.cursor];
    const local = pos - this.cursorStart;
    if (local + MAX_HEADER <= chunk.length || this.cursor === this.chunks.length - 1) {
      this.buf = chunk;
      this.at = local;
      this.end = chunk.length;
      return;
    }
    // A header that straddles reads: gather its bytes.
    let filled = 0;
    for (let i = this.cursor, from = local; i < this.chunks.length && filled < MAX_HEADER; i++, from = 0) {
      filled += this.chunks[i].copy(this.scratch, filled, from, Math.min(this.chunks[i].length, from + MAX_HEADER - filled));
    }
    this.buf = this.scratch;
    this.at = 0;
    this.end = filled;
  }

  /** Removes the first `size` bytes as one buffer: a view when they sit in one read, else one exact-size copy. */
  private take(size: number): Buffer {
    const chunks = this.chunks;
    let frame: Buffer;
    let used = 0; // chunks consumed whole
    if (chunks[0].length >= size) {
      frame = chunks[0].subarray(0, size);
      chunks[0] = chunks[0].subarray(size);
    } else {
      frame = bigBuffers.take(size);
      let filled = 0;
      while (filled < size) {
        const chunk = chunks[used];
        const part = Math.min(chunk.length, size - filled);
        chunk.copy(frame, filled, 0, part);
        filled += part;
        if (part === chunk.length) used++;
        else chunks[used] = chunk.subarray(part);
      }
    }
    if (used < chunks.length && chunks[used].length === 0) used++;
    // One slice, not a shift per chunk: a request read a byte at a time is millions of chunks.
    this.chunks = used === 0 ? chunks : chunks.slice(used);
    this.total -= size;
    this.cursor = 0;
    this.cursorStart = 0;
    return frame;
  }
}
