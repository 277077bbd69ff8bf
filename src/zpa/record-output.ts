/**
 * The accepted record's text: the line (or its bytes, as a view) up to its closing brace with the checked values'
 * edits, and the standard fields after it (RecordText), with the line it was read from.
 */
import { recordArena, type ByteArena } from '../shared/byte-arena.js';
import { RecordText } from '../shared/record-text.js';
import { DECODED_DOCUMENT, writeDecoded } from './escaped-document.js';
import { skipWhitespace } from './json-scan.js';
import { QUOTED_VALUE, type RecordCheck } from './record-check.js';

/** Up to this many coerced values, a record read from bytes stays a view of them with its edits (beginRecord). */
const MAX_VIEW_EDITS = 4;

/**
 * The line a record is read from, as received: a range of the request's bytes (the byte path), or a text. One per
 * processor, set for each line, so that keeping it with the record costs no allocation.
 */
export class LineOrigin {
  source: Buffer | string = '';
  start = 0;
  end = 0;

  bytes(buf: Buffer, start: number, end: number): void {
    this.source = buf;
    this.start = start;
    this.end = end;
  }

  text(text: string): void {
    this.source = text;
    this.start = 0;
    this.end = text.length;
  }
}

const decoder = new TextDecoder();

/** The raw line of a `Format none` record (`{log: "..."}`), or undefined for a parsed (`Format json`) record. */
export function lineOf(record: Record<string, unknown>): string | undefined {
  const log = record.log;
  if (log === undefined) return undefined;
  for (const k in record) if (k !== 'log') return undefined;
  if (typeof log === 'string') return log;
  if (log instanceof Uint8Array) return decoder.decode(log);
  return undefined;
}

/** The line without its line end (CR, LF). */
export function withoutNewline(line: string): string {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 13 || line.charCodeAt(end - 1) === 10)) end--;
  return end === line.length ? line : line.slice(0, end);
}

/**
 * Starts the record's text in the record arena: for a record read from bytes with many coerced values (every metric of
 * a quoted-number record, an audit record's documents and ids), its head, the received bytes up to the closing brace
 * with the coerced values, is written there, before the tail: writing dozens of small pieces into each body costs
 * more than this one copy, and head and tail then go into a body as one range. A record with a document to decode from
 * the bytes (DECODED_DOCUMENT) is always written here. Returns the bytes written, or -1 when the head stays the
 * request's bytes with edits over them (or a text of its own).
 */
export function beginRecord(arena: ByteArena, check: RecordCheck, text: string, start: number, close: number): number {
  arena.begin();
  const bytes = check.bytes;
  const edits = check.edits;
  if (bytes === undefined || (edits.length <= MAX_VIEW_EDITS * 3 && !check.decodesDocument) || isEmptyObject(text, start)) return -1;
  const at = check.bytesStart;
  let from = at + start;
  for (let i = 0; i < edits.length; i += 3) {
    const valueStart = at + (edits[i] as number);
    arena.copy(bytes, from, valueStart);
    from = at + (edits[i + 1] as number);
    const replacement = edits[i + 2] as string;
    if (replacement === QUOTED_VALUE) {
      arena.byte(0x22);
      arena.copy(bytes, valueStart, from);
      arena.byte(0x22);
    } else if (replacement === DECODED_DOCUMENT) {
      writeDecoded(arena, bytes, valueStart + 1, from - 1);
    } else {
      arena.utf8(replacement);
    }
  }
  arena.copy(bytes, from, at + close - 1);
  return arena.pos - arena.begun;
}

/**
 * `text[start, close)` as checked by `check`, then the tail (the standard fields and the closing brace), read from
 * `line`: both written into the record arena since `beginRecord` (`headBytes` of head, -1: none), or the tail alone.
 */
export function recordText(check: RecordCheck, line: LineOrigin, text: string, start: number, close: number, headBytes: number): RecordText {
  const { source, start: lineStart, end: lineEnd } = line;
  const begun = recordArena.begun;
  if (headBytes >= 0) return RecordText.written(begun, headBytes, source, lineStart, lineEnd);
  // An empty object (`{}` with or without whitespace) gets the members without their leading comma.
  if (isEmptyObject(text, start)) return RecordText.from('{', begun + 1, source, lineStart, lineEnd);
  const bytes = check.bytes;
  const edits = check.edits;
  const headEnd = close - 1;
  if (bytes === undefined) return RecordText.from(edited(text, start, headEnd, edits), begun, source, lineStart, lineEnd);
  // From bytes: the received bytes up to the closing brace, with the coerced values as edits over them, the line a
  // range of the same request.
  const at = check.bytesStart;
  let absolute: (number | string)[] | undefined;
  if (edits.length !== 0) {
    absolute = edits.slice();
    for (let i = 0; i < absolute.length; i += 3) {
      const from = absolute[i] as number;
      const to = absolute[i + 1] as number;
      if (absolute[i + 2] === QUOTED_VALUE) absolute[i + 2] = '"' + text.slice(from, to) + '"';
      absolute[i] = from + at;
      absolute[i + 1] = to + at;
    }
  }
  return RecordText.view(bytes, at + start, at + headEnd, begun, absolute, lineStart, lineEnd);
}

function isEmptyObject(text: string, start: number): boolean {
  return text.charCodeAt(skipWhitespace(text, start + 1)) === 125;
}

/** `text[start, end)` with `edits` (flat triples `from, to, replacement`, in order) applied. */
function edited(text: string, start: number, end: number, edits: readonly (number | string)[]): string {
  let out = '';
  let from = start;
  for (let i = 0; i < edits.length; i += 3) {
    out += text.slice(from, edits[i] as number) + (edits[i + 2] as string);
    from = edits[i + 1] as number;
  }
  return out + text.slice(from, end);
}
