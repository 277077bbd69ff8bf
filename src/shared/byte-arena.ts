/** Shared slabs of memory that many small texts are written into, so that records waiting for a batch hold no string each. */

/**
 * Bytes written one after another into a slab, and a new slab once it is full. A text written here is a range of
 * a slab: a record that keeps it holds a reference to the slab, not a string or Buffer of its own, so thousands of
 * records waiting for their batch are a few slabs to the garbage collector instead of thousands of objects it copies
 * and marks. A slab is freed when the last record that points into it is.
 */
export class ByteArena {
  /** The slab being written, and the offset of its first free byte. */
  slab: Buffer;
  pos = 0;

  constructor(private readonly slabBytes: number) {
    this.slab = Buffer.allocUnsafeSlow(slabBytes);
  }

  /** Makes room for `bytes` at `pos`: a fresh slab (at least that big) when the current one has less left. */
  reserve(bytes: number): void {
    if (this.pos + bytes <= this.slab.length) return;
    this.slab = Buffer.allocUnsafeSlow(Math.max(this.slabBytes, bytes));
    this.pos = 0;
  }

  /** Writes `text` as UTF-8; returns where it starts in `slab` (it ends at `pos`). */
  put(text: string): number {
    this.reserve(text.length * 3);
    const start = this.pos;
    this.pos += utf8Write(this.slab, text, start);
    return start;
  }
}

/**
 * Where records keep what is theirs: the appended fields, and the head when many values were coerced. One per process
 * (records are made synchronously). A slab lives as long as its longest-waiting record, and the in-flight budget
 * counts only each record's own bytes of it: 8 KiB slabs (a few dozen tails each) keep what a stuck record holds
 * beyond its own small, and still spare the collector thousands of strings.
 */
export const recordArena = new ByteArena(8 * 1024);

/** Buffer#utf8Write: Buffer#write without its argument handling, which costs more than writing a short text. */
export function utf8Write(buf: Buffer, text: string, offset: number): number {
  return (buf as Buffer & { utf8Write(text: string, offset: number): number }).utf8Write(text, offset);
}

