/**
 * An enriched record's JSON text in two parts. `head` is the record as received up to, not including, its closing
 * brace (values coerced where the schema needed it): the same on every resend, so a sink can derive a document id
 * from it. `tail` is what the relay appends, the standard fields and the closing brace. On the processor's byte path
 * the head is a range of the received request's bytes: a record then goes from the forward request into the sink's
 * request body with one copy, never becoming a JS string.
 */
export class RecordText {
  /** The head is `source[start, end)`; `isView`: a range of the received request, whose memory is counted with it. */
  private constructor(
    private readonly source: Buffer | string,
    private readonly start: number,
    private readonly end: number,
    readonly tail: string,
    private readonly isView: boolean,
  ) {}

  /** A record whose head is `head`, text or bytes of its own. */
  static from(head: Buffer | string, tail: string): RecordText {
    return new RecordText(head, 0, head.length, tail, false);
  }

  /**
   * A record whose head is `request[start, end)`, bytes of the received request. Kept as the range, not as a
   * subarray: a Buffer view costs some 600 bytes of heap, more than the tail, for every record waiting for its batch.
   */
  static view(request: Buffer, start: number, end: number, tail: string): RecordText {
    return new RecordText(request, start, end, tail, true);
  }

  /** A whole JSON text from elsewhere (tests, tools): all head, no tail. */
  static of(json: string): RecordText {
    return RecordText.from(json, '');
  }

  get head(): Buffer | string {
    const source = this.source;
    return typeof source === 'string' || !this.isView ? source : this.bytes(source).subarray(this.start, this.end);
  }

  /** The whole text as a string: for the sinks that build around it, dead letters and tests. */
  get json(): string {
    const source = this.source;
    return (typeof source === 'string' ? source : this.bytes(source).toString('utf8', this.start, this.end)) + this.tail;
  }

  /** Exact UTF-8 size of the whole text. */
  get byteLength(): number {
    const source = this.source;
    return (typeof source === 'string' ? Buffer.byteLength(source) : this.end - this.start) + Buffer.byteLength(this.tail);
  }

  /**
   * Memory this record holds of its own, cheaply: the tail, and the head unless it is a view of the request (counted
   * with the request). Bytes of a byte head, UTF-16 units of strings (at most 3× off).
   */
  get size(): number {
    return (this.isView ? 0 : this.end - this.start) + this.tail.length;
  }

  /** Writes the whole text into `body` at `offset`; returns the number of bytes written. */
  writeTo(body: Buffer, offset: number): number {
    const source = this.source;
    const written = typeof source === 'string' ? body.write(source, offset) : this.bytes(source).copy(body, offset, this.start, this.end);
    return written + body.write(this.tail, offset + written);
  }

  /** `source`, unless its memory was released (see releaseBuffer): reading it then would silently give nothing. */
  private bytes(source: Buffer): Buffer {
    if (source.length < this.end) throw new Error('record text read after its request was released (a record used after its ack)');
    return source;
  }
}
