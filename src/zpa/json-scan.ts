/**
 * A small JSON scanner that walks one top-level object once and records where each key and value sits in the text,
 * without building objects. Number tokens stay text, so integers above 2^53 keep every digit. Strict JSON: a record
 * the scanner accepts can be passed on verbatim as valid JSON.
 */

/** Any control character: inside a string it is invalid JSON; between tokens only tab, CR and LF could be. */
const CONTROL = /[\u0000-\u001f]/;
/**
 * A JSON string token, from where `lastIndex` is. One character per repetition: with a run (`+`) inside the
 * repetition, a string that does not match would backtrack exponentially.
 */
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
/** Longest text STRING is tried on: one of 20 million characters overflows the stack (a million takes 50 ms). */
const STRING_MAX = 256 * 1024;

export const enum Kind {
  String,
  Number,
  True,
  False,
  Null,
  Object,
  Array,
}

/** The members of one scanned object, as offsets into the source text (reused between records). */
export class Members {
  count = 0;
  keyStart: number[] = [];
  keyEnd: number[] = [];
  /** The key contains a backslash escape and must be decoded. */
  keyEscaped: boolean[] = [];
  valueStart: number[] = [];
  valueEnd: number[] = [];
  kind: Kind[] = [];
  /** For numbers: no fraction or exponent. For strings: contains an escape. */
  flag: boolean[] = [];
}

/** Scans JSON text; after a failure `error` says what and where. */
export class JsonScanner {
  error = '';
  private src = '';
  private kind: Kind = Kind.Null;
  private flag = false;
  /** The text has no control characters, so a string ends at the next quote unless a backslash comes first. */
  private clean = false;
  private escapeAt = -1;
  /** The scan since `begin` skipped whitespace between tokens. */
  spaced = false;

  /**
   * Scans the object starting at `src[start] === '{'` into `into`. Returns the index just after its closing `}`,
   * or -1 (see `error`). `noControl`: see `begin`.
   */
  scanObject(src: string, start: number, into: Members, noControl?: boolean): number {
    this.begin(src, noControl);
    into.count = 0;
    let i = this.ws(start + 1);
    if (src.charCodeAt(i) === 125 /* } */) return i + 1;
    for (;;) {
      if (src.charCodeAt(i) !== 34) return this.fail(i, 'expected a key string');
      const keyEnd = this.string(i);
      if (keyEnd < 0) return -1;
      const n = into.count++;
      into.keyStart[n] = i + 1;
      into.keyEnd[n] = keyEnd - 1;
      into.keyEscaped[n] = this.flag;
      i = this.ws(keyEnd);
      if (src.charCodeAt(i) !== 58 /* : */) return this.fail(i, "expected ':' after a key");
      i = this.ws(i + 1);
      const valueEnd = this.value(i, 0);
      if (valueEnd < 0) return -1;
      into.valueStart[n] = i;
      into.valueEnd[n] = valueEnd;
      into.kind[n] = this.kind;
      into.flag[n] = this.flag;
      i = this.ws(valueEnd);
      const c = src.charCodeAt(i);
      if (c === 125) return i + 1;
      if (c !== 44 /* , */) return this.fail(i, "expected ',' or '}' after a value");
      i = this.ws(i + 1);
    }
  }

  /** Scans one JSON value at `start` of the text given to `begin`; returns its end, or -1. `lastKind` tells what it was. */
  scanValue(start: number): number {
    return this.value(start, 0);
  }

  get lastKind(): Kind {
    return this.kind;
  }

  /** After scanValue of a number: integer syntax. After a string: has escapes. */
  get lastFlag(): boolean {
    return this.flag;
  }

  private ws(i: number): number {
    const end = skipWhitespace(this.src, i);
    if (end !== i) this.spaced = true;
    return end;
  }

  private fail(at: number, what: string): -1 {
    const near = this.src.slice(at, at + 24);
    this.error = at >= this.src.length ? `${what}, got end of text at offset ${at}` : `${what} at offset ${at}, near ${JSON.stringify(near)}`;
    return -1;
  }

  private value(i: number, depth: number): number {
    const src = this.src;
    const c = src.charCodeAt(i);
    switch (c) {
      case 34:
        this.kind = Kind.String;
        return this.string(i);
      case 123:
        return this.container(i, depth, true);
      case 91:
        return this.container(i, depth, false);
      case 116:
        this.kind = Kind.True;
        return src.startsWith('true', i) ? i + 4 : this.fail(i, 'expected a value');
      case 102:
        this.kind = Kind.False;
        return src.startsWith('false', i) ? i + 5 : this.fail(i, 'expected a value');
      case 110:
        this.kind = Kind.Null;
        return src.startsWith('null', i) ? i + 4 : this.fail(i, 'expected a value');
      default:
        if (c === 45 || (c >= 48 && c <= 57)) {
          this.kind = Kind.Number;
          return this.number(i);
        }
        return this.fail(i, 'expected a value');
    }
  }

  /** Returns the index after the closing quote; sets flag when the string has escapes. */
  private string(start: number): number {
    const src = this.src;
    const close = src.indexOf('"', start + 1);
    // Fast path: no backslash before the closing quote and no control characters in the whole text.
    if (close > 0 && this.clean && this.nextEscape(start + 1) > close) {
      this.flag = false;
      return close + 1;
    }
    // With escapes (a JSON document inside a string: one every few characters), the grammar as a regular expression
    // runs about three times faster than the loop below, which stays to name what is wrong with a string, and to read
    // texts long enough to exhaust the expression's backtracking stack.
    STRING.lastIndex = start;
    if (src.length - start <= STRING_MAX && STRING.test(src)) {
      const end = STRING.lastIndex;
      this.flag = this.nextEscape(start + 1) < end;
      return end;
    }
    let escaped = false;
    let i = start + 1;
    for (;;) {
      const c = src.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        const e = src.charCodeAt(i + 1);
        if (e === 117 /* u */) {
          if (!/^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) return this.fail(i, 'bad \\u escape in a string');
          i += 6;
        } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
          i += 2;
        } else {
          return this.fail(i, 'bad escape in a string');
        }
        continue;
      }
      if (c < 32) return this.fail(i, 'control character in a string');
      if (i >= src.length) return this.fail(i, 'unterminated string');
      i++;
    }
    this.flag = escaped;
    return i + 1;
  }

  /** Position of the next backslash at or after `i` (src.length when none); cached across one scan. */
  private nextEscape(i: number): number {
    if (this.escapeAt < i) {
      const at = this.src.indexOf('\\', i);
      this.escapeAt = at < 0 ? this.src.length : at;
    }
    return this.escapeAt;
  }

  /**
   * Starts a scan of `src` (scanObject does it itself). `noControl`: the caller knows whether `src` holds control
   * characters (the processor learns it from the bytes, faster than a search of the text).
   */
  begin(src: string, noControl?: boolean): void {
    this.src = src;
    this.error = '';
    this.escapeAt = -1;
    this.spaced = false;
    this.clean = noControl ?? !CONTROL.test(src);
  }

  private number(start: number): number {
    const src = this.src;
    let i = start;
    if (src.charCodeAt(i) === 45) i++;
    let c = src.charCodeAt(i);
    if (c === 48) i++;
    else if (c >= 49 && c <= 57) while ((c = src.charCodeAt(++i)) >= 48 && c <= 57);
    else return this.fail(i, 'bad number');
    let integer = true;
    if (src.charCodeAt(i) === 46) {
      integer = false;
      const d = ++i;
      while ((c = src.charCodeAt(i)) >= 48 && c <= 57) i++;
      if (i === d) return this.fail(i, 'bad number');
    }
    c = src.charCodeAt(i);
    if (c === 101 || c === 69) {
      integer = false;
      c = src.charCodeAt(++i);
      if (c === 43 || c === 45) i++;
      const d = i;
      while ((c = src.charCodeAt(i)) >= 48 && c <= 57) i++;
      if (i === d) return this.fail(i, 'bad number');
    }
    this.flag = integer;
    return i;
  }

  private container(start: number, depth: number, isObject: boolean): number {
    if (depth > 64) return this.fail(start, 'nesting deeper than 64');
    const src = this.src;
    const close = isObject ? 125 : 93;
    let i = this.ws(start + 1);
    if (src.charCodeAt(i) !== close) {
      for (;;) {
        if (isObject) {
          if (src.charCodeAt(i) !== 34) return this.fail(i, 'expected a key string');
          i = this.string(i);
          if (i < 0) return -1;
          i = this.ws(i);
          if (src.charCodeAt(i) !== 58) return this.fail(i, "expected ':' after a key");
          i = this.ws(i + 1);
        }
        i = this.value(i, depth + 1);
        if (i < 0) return -1;
        i = this.ws(i);
        const c = src.charCodeAt(i);
        if (c === close) break;
        if (c !== 44) return this.fail(i, isObject ? "expected ',' or '}'" : "expected ',' or ']'");
        i = this.ws(i + 1);
      }
    }
    this.kind = isObject ? Kind.Object : Kind.Array;
    return i + 1;
  }
}

/** The index of the first non-whitespace character of `src` at or after `i`. */
export function skipWhitespace(src: string, i: number): number {
  for (;;) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else return i;
  }
}

/** The text of a JSON string token's content, decoded only when it has escapes. */
export function stringContent(src: string, start: number, end: number, escaped: boolean): string {
  return escaped ? (JSON.parse(src.slice(start, end)) as string) : src.slice(start + 1, end - 1);
}

/** Where the one JSON value `text` holds ends (whitespace around it allowed), or -1. No exceptions, unlike JSON.parse. */
function wholeValueEnd(scanner: JsonScanner, text: string): number {
  scanner.begin(text);
  const end = scanner.scanValue(skipWhitespace(text, 0));
  return end >= 0 && skipWhitespace(text, end) === text.length ? end : -1;
}

export function isJsonText(scanner: JsonScanner, text: string): boolean {
  return wholeValueEnd(scanner, text) >= 0;
}

/** JSON text of `value` without insignificant whitespace (so it fits on one NDJSON line); undefined if not JSON. */
export function minifyJson(scanner: JsonScanner, text: string): string | undefined {
  const end = wholeValueEnd(scanner, text);
  if (end < 0) return undefined;
  const start = skipWhitespace(text, 0);
  // Printed compact (as LSS prints the documents it puts inside strings): nothing to take out.
  if (!scanner.spaced && start === 0 && end === text.length) return text;
  let out = '';
  let from = start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // skip over the string, honouring escapes
      for (i++; text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (c === 32 || c === 9 || c === 10 || c === 13) {
      out += text.slice(from, i);
      from = i + 1;
    }
  }
  return out + text.slice(from, end);
}
