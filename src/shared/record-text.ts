/**
 * An enriched record's JSON text in two parts. `head` is the record as received up to, not including, its closing
 * brace (values coerced where the schema needed it): the same on every resend, so a sink can derive a document id
 * from it. `tail` is what the relay appends, the standard fields and the closing brace. On the processor's byte path
 * the head is a range of the received request's bytes, with the few coerced values as edits over it: a record then
 * goes from the forward request into the sink's request body with one copy, never becoming a JS string.
 *
 * It also keeps the line the record was read from, as received (a CSV or TSV line, a line before its JSON was
 * repaired, a prefix and all): on the byte path as a range of the same request, so keeping it allocates nothing.
 * Targets whose own ZPA parsers read LSS lines get it from here.
 */
import { recordArena, utf8Write } from './byte-arena.js';

/** Which of a record's texts: the enriched record (`text`) or the line it was read from (`line`). */
export type TextPart = 'text' | 'line';

export class RecordText {
  /**
   * The head is `source[start, end)`, with `edits` applied (a view only): flat triples `from, to, text`, in order,
   * each replacing `source[from, to)` with `text`. `isView`: a range of the received request, whose memory is
   * counted with it. The line is `line[lineStart, lineEnd)`: bytes of the received request, or a text of its own;
   * undefined for a record that came without one (then its line is its whole text). The tail is the UTF-8 bytes
   * `tailSlab[tailStart, tailEnd)`, written into the record arena (shared/byte-arena.ts) when the record is made: a
   * record waiting for its batch holds no string of its own.
   */
  private constructor(
    private readonly source: Buffer | string,
    private readonly start: number,
    private readonly end: number,
    private readonly isView: boolean,
    private readonly edits: readonly (number | string)[] | undefined,
    private readonly line: Buffer | string | undefined,
    private readonly lineStart: number,
    private readonly lineEnd: number,
    private readonly tailSlab: Buffer,
    private readonly tailStart: number,
    private readonly tailEnd: number,
  ) {}

  /**
   * A record whose head is `head`, text or bytes of its own. Its tail: a text, or the start of the one just written
   * into the record arena (it ends at `recordArena.pos`). Its line, when given: `line` as a text of its own, or
   * `line[lineStart, lineEnd)`, bytes of the received request.
   */
  static from(head: Buffer | string, tail: string | number, line?: Buffer | string, lineStart = 0, lineEnd = line?.length ?? 0): RecordText {
    const tailStart = arenaTail(tail);
    return new RecordText(head, 0, head.length, false, undefined, line, lineStart, lineEnd, recordArena.slab, tailStart, recordArena.pos);
  }

  /**
   * A record whose head is `request[start, end)`, bytes of the received request, with `edits` (see the constructor;
   * replacement texts are written as UTF-8), read from the line `request[lineStart, lineEnd)`; its tail as `from`
   * takes it. Kept as ranges, not as subarrays: a Buffer view costs more heap than the tail, for every record waiting
   * for its batch.
   */
  static view(request: Buffer, start: number, end: number, tail: string | number, edits?: readonly (number | string)[], lineStart = -1, lineEnd = -1): RecordText {
    const tailStart = arenaTail(tail);
    return new RecordText(request, start, end, true, edits, lineStart < 0 ? undefined : request, lineStart, lineEnd, recordArena.slab, tailStart, recordArena.pos);
  }

  /**
   * A record written whole into the record arena, from `headStart`: its head (`headBytes` of it), then its tail, which
   * ends at `recordArena.pos`. One range: it goes into a body with one copy.
   */
  static written(headStart: number, headBytes: number, line: Buffer | string, lineStart: number, lineEnd: number): RecordText {
    const slab = recordArena.slab;
    const headEnd = headStart + headBytes;
    return new RecordText(slab, headStart, headEnd, false, undefined, line, lineStart, lineEnd, slab, headEnd, recordArena.pos);
  }

  /** A whole JSON text from elsewhere (tests, tools): all head, no tail. */
  static of(json: string): RecordText {
    return RecordText.from(json, '');
  }

  /** What the relay appended: the standard fields and the closing brace. */
  get tail(): string {
    return this.tailSlab.toString('utf8', this.tailStart, this.tailEnd);
  }

  /** The code of the tail's first character that is not whitespace, or -1: read where the tail lies, not decoded. */
  tailFirstNonSpace(): number {
    const slab = this.tailSlab;
    for (let i = this.tailStart; i < this.tailEnd; i++) {
      const code = slab[i];
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return code;
    }
    return -1;
  }

  get head(): Buffer | string {
    const source = this.source;
    if (typeof source === 'string' || (!this.isView && this.end - this.start === source.length)) return source;
    if (this.edits === undefined) return this.bytes(source, this.end).subarray(this.start, this.end);
    const head = Buffer.allocUnsafe(this.headBytes());
    this.writeHead(head, 0);
    return head;
  }

  /** The whole text as a string: for the sinks that build around it, dead letters and tests. */
  get json(): string {
    const source = this.source;
    if (typeof source === 'string') return source + this.tail;
    // Without edits the head is decoded where it lies: no view, no copy (the framing presets call this per record).
    if (this.edits === undefined) return this.bytes(source, this.end).toString('utf8', this.start, this.end) + this.tail;
    return this.head.toString('utf8') + this.tail;
  }

  /** Exact UTF-8 size of the whole text. */
  get byteLength(): number {
    return this.headBytes() + this.tailEnd - this.tailStart;
  }

  /**
   * Memory this record holds of its own, cheaply: the tail, the edits' texts, the head unless it is a view of the
   * request (counted with the request), and the line unless it is one too. Bytes of a byte head and of the tail,
   * UTF-16 units of strings (at most 3× off).
   */
  get size(): number {
    let size = (this.isView ? 0 : this.end - this.start) + this.tailEnd - this.tailStart;
    const edits = this.edits;
    if (edits !== undefined) for (let i = 2; i < edits.length; i += 3) size += (edits[i] as string).length;
    if (typeof this.line === 'string') size += this.line.length;
    return size;
  }

  /** Writes the whole text into `body` at `offset`; returns the number of bytes written. */
  writeTo(body: Buffer, offset: number): number {
    // Written whole into the arena: head and tail are one range.
    if (this.source === this.tailSlab && this.end === this.tailStart) return this.tailSlab.copy(body, offset, this.start, this.tailEnd);
    const written = this.writeHead(body, offset);
    return written + this.tailSlab.copy(body, offset + written, this.tailStart, this.tailEnd);
  }

  /** UTF-8 size of the whole text (`'text'`) or of the line (`'line'`). */
  bytesOf(part: TextPart): number {
    return part === 'line' ? this.lineByteLength : this.byteLength;
  }

  /** Writes the whole text (`'text'`) or the line (`'line'`) at `offset`; returns the bytes written. */
  writePart(part: TextPart, body: Buffer, offset: number): number {
    return part === 'line' ? this.writeLine(body, offset) : this.writeTo(body, offset);
  }

  /** Whether the record came with the line it was read from (else `writeLine` writes its whole text). */
  get hasLine(): boolean {
    return this.line !== undefined;
  }

  /** Exact UTF-8 size of the line the record was read from (of its whole text when it came without one). */
  get lineByteLength(): number {
    const line = this.line;
    if (line === undefined) return this.byteLength;
    return typeof line === 'string' ? Buffer.byteLength(line) : this.lineEnd - this.lineStart;
  }

  /** Writes the line the record was read from (its whole text when it came without one); returns the bytes written. */
  writeLine(body: Buffer, offset: number): number {
    const line = this.line;
    if (line === undefined) return this.writeTo(body, offset);
    if (typeof line === 'string') return utf8Write(body, line, offset);
    return this.bytes(line, this.lineEnd).copy(body, offset, this.lineStart, this.lineEnd);
  }

  /** The line as text: for dead letters, tools and tests. */
  get lineText(): string {
    const line = this.line;
    if (line === undefined) return this.json;
    return typeof line === 'string' ? line : this.bytes(line, this.lineEnd).toString('utf8', this.lineStart, this.lineEnd);
  }

  /**
   * Whether `needle` (a JSON key with its quotes, say) occurs in the record's text, searched where its bytes lie: in
   * the head's pieces between edits, in the edits' texts and in the tail. A needle that starts and ends with a quote
   * cannot straddle two pieces: an edit replaces a whole value or a whole quoted key, the head ends where a member
   * ends and the tail starts a member or closes the object.
   */
  includes(needle: string): boolean {
    if (within(this.tailSlab, needle, this.tailStart, this.tailEnd)) return true;
    const source = this.source;
    if (typeof source === 'string') return source.includes(needle, this.start);
    const bytes = this.bytes(source, this.end);
    const edits = this.edits;
    let from = this.start;
    if (edits !== undefined) {
      for (let i = 0; i < edits.length; i += 3) {
        if (within(bytes, needle, from, edits[i] as number) || (edits[i + 2] as string).includes(needle)) return true;
        from = edits[i + 1] as number;
      }
    }
    return within(bytes, needle, from, this.end);
  }

  /** Feeds the head (`'head'`) or the line (`'line'`) to a hash, piece by piece: no copy of the record. */
  hash(hash: { update(data: string | Uint8Array): unknown }, part: 'head' | 'line'): void {
    const line = this.line;
    if (part === 'line' && line !== undefined) {
      hash.update(typeof line === 'string' ? line : this.bytes(line, this.lineEnd).subarray(this.lineStart, this.lineEnd));
      return;
    }
    const source = this.source;
    if (typeof source === 'string') hash.update(source);
    else {
      const bytes = this.bytes(source, this.end);
      const edits = this.edits;
      let from = this.start;
      if (edits !== undefined) {
        for (let i = 0; i < edits.length; i += 3) {
          hash.update(bytes.subarray(from, edits[i] as number));
          hash.update(edits[i + 2] as string);
          from = edits[i + 1] as number;
        }
      }
      hash.update(bytes.subarray(from, this.end));
    }
    if (part === 'line') hash.update(this.tailSlab.subarray(this.tailStart, this.tailEnd));
  }

  private headBytes(): number {
    const source = this.source;
    if (typeof source === 'string') return Buffer.byteLength(source);
    let bytes = this.end - this.start;
    const edits = this.edits;
    if (edits !== undefined) {
      for (let i = 0; i < edits.length; i += 3) bytes += Buffer.byteLength(edits[i + 2] as string) - ((edits[i + 1] as number) - (edits[i] as number));
    }
    return bytes;
  }

  private writeHead(body: Buffer, offset: number): number {
    const source = this.source;
    if (typeof source === 'string') return utf8Write(body, source, offset);
    const bytes = this.bytes(source, this.end);
    const edits = this.edits;
    if (edits === undefined) return bytes.copy(body, offset, this.start, this.end);
    let at = offset;
    let from = this.start;
    for (let i = 0; i < edits.length; i += 3) {
      at += bytes.copy(body, at, from, edits[i] as number);
      at += utf8Write(body, edits[i + 2] as string, at);
      from = edits[i + 1] as number;
    }
    return at + bytes.copy(body, at, from, this.end) - offset;
  }

  /** `source`, unless its memory was released (see shared/buffer-pool.ts): reading it then would silently give nothing. */
  private bytes(source: Buffer, end: number): Buffer {
    if (source.length < end) throw new Error('record text read after its request was released (a record used after its ack)');
    return source;
  }
}

/** Where a record's tail starts in the record arena: a text is written there first. */
function arenaTail(tail: string | number): number {
  return typeof tail === 'number' ? tail : recordArena.put(tail);
}

/**
 * Whether `needle` (ASCII) occurs in `bytes[from, to)`: searched in a view that ends at `to`, since a search of the
 * request from `from` would run on to its end, through every later record, whenever the record lacks the needle.
 */
function within(bytes: Buffer, needle: string, from: number, to: number): boolean {
  return to - from >= needle.length && bytes.subarray(from, to).includes(needle, 0, 'latin1');
}
