/**
 * The benchmark's record sequence numbers: every generated record carries `"BenchSeq": n` (an unknown key, which the
 * relay keeps), so whoever receives the relay's output can tell which records arrived, which are missing and which
 * came twice. In `Format none` lines the number is written as 10^12 + n (13 digits, so it can be patched in place in
 * a pre-encoded message); in `Format json` records it is a msgpack uint32.
 */
export const SEQ_KEY = 'BenchSeq';
/** Added to the sequence number in JSON lines so that every number has the same width (13 digits). */
export const SEQ_BASE = 1_000_000_000_000;
export const SEQ_DIGITS = 13;
const MARKER = Buffer.from(`"${SEQ_KEY}":`);
/**
 * The marker inside a JSON string: Fluent Bit's out_http (json_lines) sends a `Format none` record as
 * `{"date":...,"log":"{\"BenchSeq\":1000000000042,...}"}`, the raw line escaped as a string value.
 */
const ESCAPED_MARKER = Buffer.from(`\\"${SEQ_KEY}\\":`);

/**
 * Counts, per sequence number, how often it was received: a growable array of saturating 8-bit counters, plus the
 * lines that carried no sequence number at all.
 */
export class SeqCounter {
  private counts = new Uint8Array(1 << 16);
  /** Records received (sequence-numbered or not). */
  records = 0;
  /** Records without a sequence number. */
  unnumbered = 0;

  /**
   * Adds every record of an NDJSON body (one record per line); the number is found as `"BenchSeq":n` or, inside a
   * JSON string, as `\"BenchSeq\":n`.
   */
  addBody(body: Buffer): void {
    let at = 0;
    while (at < body.length) {
      let end = body.indexOf(10, at);
      if (end < 0) end = body.length;
      if (end > at) this.addLine(body, at, end);
      at = end + 1;
    }
  }

  private addLine(body: Buffer, start: number, end: number): void {
    this.records++;
    // Searched within the line: a search of the rest of the body for a marker the line lacks would scan the whole body
    // once per line.
    const line = body.subarray(start, end);
    let found = line.indexOf(MARKER);
    let digits = found + MARKER.length;
    if (found < 0) {
      found = line.indexOf(ESCAPED_MARKER);
      digits = found + ESCAPED_MARKER.length;
    }
    if (found < 0) {
      this.unnumbered++;
      return;
    }
    let n = 0;
    for (let i = digits; i < line.length; i++) {
      const c = line[i];
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
    }
    this.add(n >= SEQ_BASE ? n - SEQ_BASE : n);
  }

  add(seq: number): void {
    if (seq >= this.counts.length) {
      let size = this.counts.length;
      while (size <= seq) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.counts);
      this.counts = grown;
    }
    if (this.counts[seq] < 255) this.counts[seq]++;
  }

  /** Over the sequence numbers [from, to): how many never arrived, how many extra copies arrived, a few missing ones. */
  range(from: number, to: number): SeqReport {
    let missing = 0;
    let duplicates = 0;
    let delivered = 0;
    const missingSample: number[] = [];
    for (let seq = from; seq < to; seq++) {
      const count = seq < this.counts.length ? this.counts[seq] : 0;
      if (count === 0) {
        missing++;
        if (missingSample.length < 5) missingSample.push(seq);
      } else {
        delivered++;
        duplicates += count - 1;
      }
    }
    return { expected: to - from, delivered, missing, duplicates, missingSample };
  }
}

export interface SeqReport {
  /** Sequence numbers in the range. */
  expected: number;
  /** Distinct sequence numbers received. */
  delivered: number;
  missing: number;
  /** Copies beyond the first. */
  duplicates: number;
  missingSample: number[];
}
