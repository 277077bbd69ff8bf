/**
 * Big buffers (forward requests, sink bodies) taken from a pool and given back once nothing reads them, instead of a
 * fresh allocation for each. A fresh buffer of megabytes is a fresh mapping of memory whose every page faults on
 * first touch, and external memory that hastens V8's full collections; a pooled one is neither. The pool holds at
 * most `maxBytes` and lets go of everything once it has not been used for `idleMs`, so a relay's resident memory
 * comes back down after a burst or an outage.
 *
 * Giving a buffer back moves its memory (ArrayBuffer transfer): every view of the old buffer reads as empty from then
 * on, so a bug that reads a record after its ack fails loudly (RecordText and the forward entries check for that)
 * instead of reading the next request's bytes. Only memory the pool handed out, or a buffer that is its whole
 * ArrayBuffer, is taken back: a view into memory others still use (a pooled small Buffer, a socket read shared with
 * the next request) is left to the collector. Never give back a buffer native code may still read (a socket write in
 * progress): its memory would be reused under it.
 */

type Transferable = ArrayBuffer & { transfer?: (length?: number) => ArrayBuffer };

/** Below this a buffer comes from Node's own allocator, which serves small sizes well. */
const MIN_POOLED = 64 * 1024;

export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private freeBytes = 0;
  /** Memory this pool handed out: its takers hold the only views of it. */
  private readonly owned = new WeakSet<ArrayBuffer>();
  private used = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private maxBytes: number,
    private readonly idleMs: number,
  ) {}

  /** Keeps at most `bytes` for reuse from now on. */
  limit(bytes: number): void {
    this.maxBytes = bytes;
  }

  /** A buffer of exactly `size` bytes, contents undefined. */
  take(size: number): Buffer {
    if (size < MIN_POOLED) return Buffer.allocUnsafe(size);
    this.used = true;
    // The smallest free buffer that holds `size` without wasting more than half of itself.
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const capacity = this.free[i].byteLength;
      if (capacity >= size && capacity <= 2 * size && (best < 0 || capacity < this.free[best].byteLength)) best = i;
    }
    let memory: ArrayBuffer;
    if (best >= 0) {
      memory = this.free[best];
      this.free[best] = this.free[this.free.length - 1];
      this.free.pop();
      this.freeBytes -= memory.byteLength;
    } else {
      memory = new ArrayBuffer(size);
      this.owned.add(memory);
    }
    return Buffer.from(memory, 0, size);
  }

  /**
   * Takes `buffer`'s memory back (for reuse, or freed when small or the pool is full), if it is the pool's or its whole
   * ArrayBuffer; from then on every view of it reads as empty.
   */
  give(buffer: Buffer): void {
    const memory = buffer.buffer as Transferable;
    // Given back already (detached), or empty.
    if (memory.byteLength === 0) return;
    // A view into memory others may still use is left to the collector.
    if (!this.owned.has(memory) && (buffer.byteOffset !== 0 || buffer.byteLength !== memory.byteLength)) return;
    if (memory.byteLength < MIN_POOLED || this.freeBytes + memory.byteLength > this.maxBytes) {
      release(memory);
      return;
    }
    const moved = move(memory);
    this.owned.add(moved);
    this.free.push(moved);
    this.freeBytes += moved.byteLength;
    this.timer ??= setInterval(() => this.trim(), this.idleMs).unref();
  }

  /** Bytes held for reuse. */
  get held(): number {
    return this.freeBytes;
  }

  /** Lets go of every free buffer when none was taken since the last trim (the pool runs it every `idleMs`). */
  trim(): void {
    if (this.used) {
      this.used = false;
      return;
    }
    this.clear();
  }

  /** Lets go of every free buffer now (a burst is over: see ops/memory-release.ts). */
  clear(): void {
    for (const memory of this.free) release(memory);
    this.free.length = 0;
    this.freeBytes = 0;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The same memory under a new ArrayBuffer; the old one, and every view of it, detached. */
function move(memory: Transferable): ArrayBuffer {
  // Node 20 has no transfer(): structuredClone moves the memory the same way.
  return typeof memory.transfer === 'function' ? memory.transfer() : (structuredClone(memory, { transfer: [memory] }) as ArrayBuffer);
}

/**
 * Frees the memory now rather than at V8's next full collection: transfer(0) on Node 22+; on Node 20 the moved copy is
 * garbage at once and the next young-generation collection frees it, within milliseconds.
 */
function release(memory: Transferable): void {
  if (typeof memory.transfer === 'function') memory.transfer(0);
  else structuredClone(memory, { transfer: [memory] });
}

/**
 * The process's pool for requests and bodies: up to 32 MiB kept for reuse (the relay sets it to its in-flight byte
 * budget, what it holds at full load anyway), all of it let go after 10 s without a request or body needing one.
 */
export const bigBuffers = new BufferPool(32 * 1024 * 1024, 10_000);
