/**
 * An enriched record's JSON text in two parts. `head` is the record as received up to, not including, its closing
 * brace (values coerced where the schema needed it): the same on every resend, so a sink can derive a document id
 * from it. `tail` is what the relay appends, the standard fields and the closing brace. On the processor's byte path
 * the head is a range of the received request's bytes, with the few coerced values as edits over it: a record then
 * goes from the forward request into the sink's request body with one copy, never becoming a JS string.
 */
export class RecordText {
  /**
   * The head is `source[start, end)`, with `edits` applied (a view only): flat triples `from, to, text`, in order,
   * each replacing `source[from, to)` with `text`. `isView`: a range of the received request, whose memory is
   * counted with it.
   */
  private constructor(
    private readonly source: Buffer | string,
    private readonly start: number,
    private readonly end: number,
    readonly tail: string,
    private readonly isView: boolean,
    private readonly edits: readonly (number | string)[] | undefined,
  ) {}

  /** A record whose head is `head`, text or bytes of its own. */
  static from(head: Buffer | string, tail: string): RecordText {
    return new RecordText(head, 0, head.length, tail, false, undefined);
  }

  /**
   * A record whose head is `request[start, end)`, bytes of the received request, with `edits` (see the constructor;
   * replacement texts are written as UTF-8). Kept as the range, not as a subarray: a Buffer view costs more heap than
   * the tail, for every record waiting for its batch.
   */
  static view(request: Buffer, start: number, end: number, tail: string, edits?: readonly (number | string)[]): RecordText {
    return new RecordText(request, start, end, tail, true, edits);
  }

  /** A whole JSON text from elsewhere (tests, tools): all head, no tail. */
  static of(json: string): RecordText {
    return RecordText.from(json, '');
  }

  get head(): Buffer | string {
    const source = this.source;
    if (typeof source === 'string' || !this.isView) return source;
    if (this.edits === undefined) return this.bytes(source).subarray(this.start, this.end);
    const head = Buffer.allocUnsafe(this.headBytes());
    this.writeHead(head, 0);
    return head;
  }

  /** The whole text as a string: for the sinks that build around it, dead letters and tests. */
  get json(): string {
    const source = this.source;
    if (typeof source === 'string') return source + this.tail;
    // Without edits the head is decoded where it lies: no view, no copy (the framing presets call this per record).
    if (this.edits === undefined) return this.bytes(source).toString('utf8', this.start, this.end) + this.tail;
    return this.head.toString('utf8') + this.tail;
  }

  /** Exact UTF-8 size of the whole text. */
  get byteLength(): number {
    return this.headBytes() + Buffer.byteLength(this.tail);
  }

  /**
   * Memory this record holds of its own, cheaply: the tail, the edits' texts, and the head unless it is a view of the
   * request (counted with the request). Bytes of a byte head, UTF-16 units of strings (at most 3× off).
   */
  get size(): number {
    let size = (this.isView ? 0 : this.end - this.start) + this.tail.length;
    const edits = this.edits;
    if (edits !== undefined) for (let i = 2; i < edits.length; i += 3) size += (edits[i] as string).length;
    return size;
  }

  /** Writes the whole text into `body` at `offset`; returns the number of bytes written. */
  writeTo(body: Buffer, offset: number): number {
    const written = this.writeHead(body, offset);
    return written + utf8Write(body, this.tail, offset + written);
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
    const bytes = this.bytes(source);
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
  private bytes(source: Buffer): Buffer {
    if (source.length < this.end) throw new Error('record text read after its request was released (a record used after its ack)');
    return source;
  }
}

/** Buffer#utf8Write: Buffer#write without its argument handling, which costs more than writing a short text. */
function utf8Write(buf: Buffer, text: string, offset: number): number {
  return (buf as Buffer & { utf8Write(text: string, offset: number): number }).utf8Write(text, offset);
}
