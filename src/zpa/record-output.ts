/**
 * The accepted record's text: the line (or its bytes, as a view) up to its closing brace with the checked values'
 * edits, and the standard fields after it (RecordText), with the line it was read from.
 */
import { ByteArena, utf8Write } from '../shared/byte-arena.js';
import { RecordText } from '../shared/record-text.js';
import { skipWhitespace } from './json-scan.js';
import type { RecordCheck } from './record-check.js';

/**
 * Where records read from bytes keep what is theirs: the tail, and the head when many values were coerced. One per
 * process (the processor is synchronous). A slab lives as long as its longest-waiting record, and the in-flight budget
 * counts only each record's own bytes of it: 8 KiB slabs (a few dozen tails each) keep what a stuck record holds
 * beyond its own small, and still spare the collector thousands of strings.
 */
const arena = new ByteArena(8 * 1024);

/** Up to this many coerced values, a record read from bytes stays a view of them with its edits. */
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

/** `text[start, close)` as checked by `check`, then `tail` (the standard fields and the closing brace), read from `line`. */
export function recordText(check: RecordCheck, line: LineOrigin, text: string, start: number, close: number, tail: string): RecordText {
  const { source, start: lineStart, end: lineEnd } = line;
  // An empty object (`{}` with or without whitespace) gets the members without their leading comma.
  if (text.charCodeAt(skipWhitespace(text, start + 1)) === 125) return RecordText.from('{', tail.slice(1), source, lineStart, lineEnd);
  const bytes = check.bytes;
  const edits = check.edits;
  const headEnd = close - 1;
  if (bytes === undefined) return RecordText.from(edited(text, start, headEnd, edits), tail, source, lineStart, lineEnd);
  // From bytes: the received bytes up to the closing brace, the line a range of the same request, and the tail
  // written into the arena. The few coerced values of most records stay edits over the received bytes; when there
  // are many (every metric of a quoted-number record), the head is written into the arena too, edits applied, right
  // before its tail: writing dozens of small pieces into the request body costs more than that copy. Either way a
  // record holds no string or Buffer of its own while it waits for its batch.
  const at = check.bytesStart;
  const copied = edits.length > MAX_VIEW_EDITS * 3;
  let room = tail.length * 3;
  if (copied) {
    room += headEnd - start;
    for (let i = 2; i < edits.length; i += 3) room += (edits[i] as string).length * 3;
  }
  arena.reserve(room);
  const slab = arena.slab;
  let pos = arena.pos;
  let head = bytes;
  let headStart = at + start;
  let headStop = at + headEnd;
  let viewEdits: (number | string)[] | undefined;
  if (copied) {
    head = slab;
    headStart = pos;
    let from = at + start;
    for (let i = 0; i < edits.length; i += 3) {
      pos += bytes.copy(slab, pos, from, at + (edits[i] as number));
      // A non-ASCII line's edits are ASCII (see processBytes): the same bytes as UTF-8 or as Latin-1.
      pos += utf8Write(slab, edits[i + 2] as string, pos);
      from = at + (edits[i + 1] as number);
    }
    pos += bytes.copy(slab, pos, from, at + headEnd);
    headStop = pos;
  } else if (edits.length !== 0) {
    viewEdits = edits.slice();
    for (let i = 0; i < viewEdits.length; i += 3) {
      viewEdits[i] = (viewEdits[i] as number) + at;
      viewEdits[i + 1] = (viewEdits[i + 1] as number) + at;
    }
  }
  const tailStart = pos;
  pos += utf8Write(slab, tail, pos);
  arena.pos = pos;
  return RecordText.packed(head, headStart, headStop, !copied, viewEdits, slab, tailStart, pos, source, lineStart, lineEnd);
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
