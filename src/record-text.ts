/**
 * An enriched record's JSON text in two parts. `head` is the record as received up to, not including, its closing
 * brace (values coerced where the schema needed it): the same on every resend, so a sink can derive a document id
 * from it. `tail` is what the relay appends, the standard fields and the closing brace. On the processor's byte path
 * `head` is a view of the received bytes: a record then goes from the forward request into the sink's request body
 * with one copy, never becoming a JS string.
 */
export class RecordText {
  constructor(
    readonly head: Buffer | string,
    readonly tail: string,
    /** `head` is a view of the received request, whose memory the in-flight budget counts once per message. */
    private readonly headIsView = false,
  ) {}

  /** A whole JSON text from elsewhere (tests, tools): all head, no tail. */
  static of(json: string): RecordText {
    return new RecordText(json, '');
  }

  /** The whole text as a string: for the sinks that build around it, dead letters and tests. */
  get json(): string {
    return (typeof this.head === 'string' ? this.head : this.head.toString()) + this.tail;
  }

  /** Exact UTF-8 size of the whole text. */
  get byteLength(): number {
    return (typeof this.head === 'string' ? Buffer.byteLength(this.head) : this.head.length) + Buffer.byteLength(this.tail);
  }

  /**
   * Memory this record holds of its own, cheaply: the tail, and the head unless it is a view of the request (counted
   * with the request). Bytes of a byte head, UTF-16 units of strings (at most 3× off).
   */
  get size(): number {
    return (this.headIsView ? 0 : this.head.length) + this.tail.length;
  }

  /** Writes the whole text into `body` at `offset`; returns the number of bytes written. */
  writeTo(body: Buffer, offset: number): number {
    const head = this.head;
    const written = typeof head === 'string' ? body.write(head, offset) : head.copy(body, offset);
    return written + body.write(this.tail, offset + written);
  }
}
