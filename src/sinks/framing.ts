/** Frames around records and request bodies written from them: each record's bytes copied once, into the body. */
import { utf8Write } from '../shared/byte-arena.js';
import { bigBuffers } from '../shared/buffer-pool.js';
import type { Delivery, Settlement } from '../contract.js';
import type { RecordText, TextPart } from '../shared/record-text.js';
import { base64Length, writeBase64 } from './base64.js';
import { escapedLength, writeEscaped } from './json-string.js';
import type { BatchItem, Frame, Preset } from './preset.js';

const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;

/** The record (or its line) as it is between `prefix` and `suffix`. */
export function wholeFrame(prefix: string, text: RecordText, suffix: string, part: TextPart = 'text'): Frame {
  return { prefix, form: 'whole', part, suffix, recordBytes: text.bytesOf(part) };
}

/**
 * `members` (e.g. `"a":1,"b":"x"`, already JSON) in front of the record's own, in one object after `prefix`:
 * `{"a":1,"b":"x",<the record's members>}`, or `{"a":1,"b":"x"}` for an empty record. The record is not parsed: its
 * text stays byte for byte, integers beyond 2^53 included.
 */
export function membersFrame(prefix: string, members: string, text: RecordText, suffix: string): Frame {
  return { prefix: `${prefix}{${members}`, form: 'members', part: 'text', suffix, recordBytes: isEmptyObject(text) ? 1 : text.byteLength };
}

/**
 * The record's text (or its line) as the contents of a JSON string: `prefix` ends with the opening quote, `suffix`
 * starts with the closing one.
 */
export function stringFrame(prefix: string, text: RecordText, suffix: string, part: TextPart = 'text'): Frame {
  return { prefix, form: 'string', part, suffix, recordBytes: escapedLength(text, part) };
}

/** The record's text (or its line) in base64, between `prefix` and `suffix` (the quotes of a JSON string, say). */
export function base64Frame(prefix: string, text: RecordText, suffix: string, part: TextPart): Frame {
  return { prefix, form: 'base64', part, suffix, recordBytes: base64Length(text.bytesOf(part)) };
}

/** A record queued for a preset: framed once, with the bytes it adds to the body. */
export function itemOf(preset: Preset, record: Delivery, settlement: Settlement): BatchItem {
  const frame = preset.frame(record);
  return { record, settlement, frame, bytes: frameBytes(frame, record.text) + (preset.separatorBytes ?? 0) };
}

/** UTF-8 bytes of the record in its frame (of its text alone when it has none). */
export function frameBytes(frame: Frame | undefined, text: RecordText): number {
  return frame === undefined ? text.byteLength : Buffer.byteLength(frame.prefix) + frame.recordBytes + Buffer.byteLength(frame.suffix);
}

/**
 * A request body of a known size, written front to back: texts of the preset's own shape, and items in their
 * frames. Every write is checked against the bytes it was counted for, and the whole against the size: an item
 * whose `bytes` disagree with what its frame writes would otherwise send a truncated or padded body.
 */
export class BodyWriter {
  private readonly body: Buffer;
  private offset = 0;

  constructor(private readonly size: number) {
    this.body = bigBuffers.take(size);
  }

  text(part: string): this {
    const written = utf8Write(this.body, part, this.offset);
    this.offset += written;
    if (written !== Buffer.byteLength(part)) throw mismatch('a text', written, Buffer.byteLength(part));
    return this;
  }

  /**
   * The items in their frames, with `separator` after each (`'after'`, NDJSON) or between them (`'between'`, a
   * JSON array); `counted` is the bytes of separator each item's `bytes` include.
   */
  items(items: readonly BatchItem[], separator: string, placement: 'after' | 'between', counted = Buffer.byteLength(separator)): this {
    const body = this.body;
    // A one-byte separator (a newline, a comma) is stored, not written: Buffer#write's set-up costs more than the byte.
    const separatorByte = separator.length === 1 && separator.charCodeAt(0) < 0x80 ? separator.charCodeAt(0) : -1;
    let offset = this.offset;
    for (let i = 0; i < items.length; i++) {
      const written = writeItem(body, offset, items[i]);
      if (written !== items[i].bytes - counted) throw mismatch('an item', written, items[i].bytes - counted);
      offset += written;
      if (separator === '' || (placement === 'between' && i === items.length - 1)) continue;
      if (separatorByte >= 0 && offset < body.length) body[offset++] = separatorByte;
      else offset += utf8Write(body, separator, offset);
    }
    this.offset = offset;
    return this;
  }

  finish(): Buffer {
    if (this.offset !== this.size) throw mismatch('the body', this.offset, this.size);
    return this.body;
  }
}

function mismatch(what: string, written: number, counted: number): Error {
  return new Error(`body framing wrote ${written} bytes of ${counted} for ${what}: an item's bytes do not match its frame`);
}

/**
 * One Buffer holding `open`, the items in their frames with `separator` after each (`'after'`) or between them
 * (`'between'`), and `close`: sized from `BatchItem.bytes`, which counts one separator per item.
 */
export function joinFrames(items: readonly BatchItem[], open: string, separator: string, close: string, placement: 'after' | 'between'): Buffer {
  let size = Buffer.byteLength(open) + Buffer.byteLength(close);
  for (const item of items) size += item.bytes;
  if (placement === 'between' && items.length > 0) size -= Buffer.byteLength(separator);
  return new BodyWriter(size).text(open).items(items, separator, placement).text(close).finish();
}

/** Writes one item (its frame around its record's bytes) at `offset`; returns the bytes written. */
function writeItem(body: Buffer, offset: number, item: BatchItem): number {
  const text = item.record.text;
  const frame = item.frame;
  if (frame === undefined) return text.writeTo(body, offset);
  let at = offset + utf8Write(body, frame.prefix, offset);
  const form = frame.form;
  if (form === 'whole') at += text.writePart(frame.part, body, at);
  else if (form === 'string') at += writeEscaped(body, at, text, frame.recordBytes, frame.part);
  else if (form === 'base64') at += writeBase64(body, at, text, frame.part);
  else if (frame.recordBytes === 1) {
    // An empty record adds only its closing brace to the frame's members.
    if (at < body.length) body[at++] = CLOSE_BRACE;
  } else {
    // The record's members follow the frame's: its opening brace, written with it, becomes their comma.
    const written = text.writeTo(body, at);
    if (written > 0) body[at] = COMMA;
    at += written;
  }
  return at + utf8Write(body, frame.suffix, at) - offset;
}

/** JSON whitespace, as it may stand between an object's braces. */
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** The code of the first character at or after `from` that is not whitespace, or -1. */
function firstNonSpace(text: Buffer | string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = typeof text === 'string' ? text.charCodeAt(i) : text[i];
    if (!isSpace(code)) return code;
  }
  return -1;
}

/**
 * Whether the record is `{}` (whitespace allowed), read from its first bytes, never decoding it. The members the
 * relay appends, when there are any, open its tail: then it is not, and the head need not be looked at.
 */
function isEmptyObject(text: RecordText): boolean {
  const tail = text.tailFirstNonSpace();
  if (tail !== -1 && tail !== CLOSE_BRACE) return false;
  const head = firstNonSpace(text.head, 1);
  return head === -1 ? tail === CLOSE_BRACE : head === CLOSE_BRACE;
}
