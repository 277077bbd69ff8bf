/** A JSON document written inside a JSON string (an audit record's old and new values), checked and decoded where it lies. */
import type { ByteArena } from '../shared/byte-arena.js';
import { JsonScanner } from './json-scan.js';

/**
 * The replacement text (RecordCheck's edits) of a document to write decoded from the line's bytes: no JSON text holds
 * the character U+0000 unescaped, so no real replacement is ever this.
 */
export const DECODED_DOCUMENT = '\u0000decoded document';

/**
 * Whether the content `src[start, end)` of a JSON string token decodes to a compact JSON object or array, read as it
 * is, without decoding it: then `writeDecoded` can write the document straight from the line's bytes. Only the escapes
 * such a document needs are read (\" \\ \/). Any other (a \n, a \u), whitespace between tokens, or anything else that
 * is not such a document answers false, and the caller decodes the string and reads the text (FieldCheck), which
 * decides what it is. `src[end]` is the string's closing quote, which nothing here accepts: reads cannot run past it.
 */
export class EscapedDocument {
  private src = '';
  private end = 0;
  /** Reads the numbers and literals, which need no escape: as the general path reads them. */
  private readonly scanner = new JsonScanner();

  valid(src: string, start: number, end: number): boolean {
    const c = src.charCodeAt(start);
    if (c !== 123 && c !== 91) return false;
    this.src = src;
    this.end = end;
    this.scanner.begin(src, true);
    return this.value(start, 0) === end;
  }

  /** The index after the value at `i`, or -1. */
  private value(i: number, depth: number): number {
    const src = this.src;
    const c = src.charCodeAt(i);
    if (c === 92) return src.charCodeAt(i + 1) === 34 ? this.string(i + 2) : -1;
    if (c === 123) return this.container(i, depth, true);
    if (c === 91) return this.container(i, depth, false);
    // A raw quote is the string's own closing one: the document ended early.
    return c === 34 ? -1 : this.scanner.scanValue(i);
  }

  /** From just after a string's opening \" to just after its closing one, or -1. */
  private string(j: number): number {
    const src = this.src;
    for (;;) {
      const b = src.indexOf('\\', j);
      if (b < 0 || b >= this.end) return -1;
      const d = src.charCodeAt(b + 1);
      if (d === 34) return b + 2;
      if (d === 47) {
        j = b + 2;
        continue;
      }
      if (d !== 92) return -1;
      // \\ is a backslash of the document: an escape of its own follows, its character perhaps escaped again.
      const e = src.charCodeAt(b + 2);
      if (e === 92) {
        const f = src.charCodeAt(b + 3);
        if (f !== 34 && f !== 92 && f !== 47) return -1;
        j = b + 4;
      } else if (e === 98 || e === 102 || e === 110 || e === 114 || e === 116 || e === 47) {
        j = b + 3;
      } else if (e === 117 && isHex4(src, b + 3)) {
        j = b + 7;
      } else {
        return -1;
      }
    }
  }

  private container(i: number, depth: number, isObject: boolean): number {
    // Shallower than the general scanner allows: deeper documents take its path.
    if (depth >= 64) return -1;
    const src = this.src;
    const close = isObject ? 125 : 93;
    i++;
    if (src.charCodeAt(i) === close) return i + 1;
    for (;;) {
      if (isObject) {
        if (src.charCodeAt(i) !== 92 || src.charCodeAt(i + 1) !== 34) return -1;
        i = this.string(i + 2);
        if (i < 0 || src.charCodeAt(i) !== 58) return -1;
        i++;
      }
      i = this.value(i, depth + 1);
      if (i < 0) return -1;
      const c = src.charCodeAt(i);
      if (c === close) return i + 1;
      if (c !== 44) return -1;
      i++;
    }
  }
}

function isHex4(src: string, i: number): boolean {
  for (let k = i; k < i + 4; k++) {
    const c = src.charCodeAt(k);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/**
 * Writes the document that `bytes[from, to)`, the content of a JSON string that EscapedDocument found valid, decodes
 * to: each of its escapes is a backslash before the character itself.
 */
export function writeDecoded(arena: ByteArena, bytes: Buffer, from: number, to: number): void {
  arena.room(to - from);
  const slab = arena.slab;
  let pos = arena.pos;
  for (let i = from; i < to; i++) {
    let c = bytes[i];
    if (c === 92) c = bytes[++i];
    slab[pos++] = c;
  }
  arena.pos = pos;
}
