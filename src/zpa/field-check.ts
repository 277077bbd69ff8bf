/**
 * Checks one raw JSON value token against its field spec and works out the coercion, if any: quoted numbers become
 * numbers, numbers in string fields become strings, a bare string in an array field becomes a one-element array,
 * `""` in an optional non-string field becomes null (unset), ctime days are re-padded, JSON documents inside strings
 * are decoded. The value is never rebuilt when it already conforms, so the common case costs a type test and no
 * allocation.
 */
import type { FieldSpec } from './schema.js';
import { JsonScanner, Kind, minifyJson, skipWhitespace, stringContent } from './json-scan.js';

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';

/** How much of an offending value an error message quotes. */
const GOT_MAX = 80;

export function describeGot(raw: string): string {
  return raw.length > GOT_MAX ? `${raw.slice(0, GOT_MAX)}…` : raw;
}

/** What a field's schema expects, as messages name it: `bigint`, `timestamp (rfc3339)`. */
export function expectedOf(field: FieldSpec): string {
  return field.type === 'timestamp' ? `timestamp (${field.timeFormats.map((t) => t.format).join(' or ')})` : field.type;
}

/** The canonical JSON number text of an integer string, or undefined when it is not one or exceeds int64. */
export function int64Text(text: string): string | undefined {
  if (!INTEGER.test(text)) return undefined;
  const negative = text[0] === '-';
  let digits = text[0] === '-' || text[0] === '+' ? text.slice(1) : text;
  let z = 0;
  while (z < digits.length - 1 && digits[z] === '0') z++;
  if (z > 0) digits = digits.slice(z);
  const limit = negative ? INT64_MIN_ABS : INT64_MAX;
  if (digits.length > 19 || (digits.length === 19 && digits > limit)) return undefined;
  return negative && digits !== '0' ? '-' + digits : digits;
}

export class FieldCheck {
  /** Text to write instead of the value, when the value had to be coerced. */
  replacement: string | undefined = undefined;
  /** `expected <type>, got <value>` after a failed check. */
  error = '';
  /** Epoch ms of a timestamp value (NaN when unset). */
  ms = NaN;
  /** Decoded content of a string value in a non-string field (after check). */
  content = '';
  private readonly scanner = new JsonScanner();

  /** Checks `src[start, end)`, a value token of `kind`; `flag` is the scanner's: string has escapes / number is an integer. */
  check(field: FieldSpec, src: string, start: number, end: number, kind: Kind, flag: boolean): boolean {
    this.replacement = undefined;
    this.ms = NaN;
    if (kind === Kind.Null) return field.required ? this.fail(field, src.slice(start, end)) : true;
    if (kind === Kind.String) {
      // A string in a string field, the common case, needs no decoding.
      if (field.type === 'string') return true;
      // Neither does a set timestamp without escapes in its first format: parsed where it sits.
      if (field.type === 'timestamp' && !flag && end - start > 2 && this.parsesInPlace(field, src, start + 1, end - 1)) return true;
      this.content = stringContent(src, start, end, flag);
      if (this.content === '') {
        if (field.required) return this.fail(field, '""');
        this.replacement = 'null';
        return true;
      }
      if (field.type === 'array') return this.checkBareElement(field, src, start, end, flag);
      return this.checkString(field, src.slice(start, end));
    }
    switch (field.type) {
      case 'string':
        if (kind === Kind.Object || kind === Kind.Array) return this.fail(field, src.slice(start, end));
        this.replacement = '"' + src.slice(start, end) + '"';
        return true;
      case 'bigint': {
        if (kind !== Kind.Number) return this.fail(field, src.slice(start, end));
        if (flag /* integer syntax */ && end - start < 19) return true;
        const raw = src.slice(start, end);
        return int64Text(raw) === raw ? true : this.fail(field, raw);
      }
      case 'float':
        return kind === Kind.Number ? true : this.fail(field, src.slice(start, end));
      case 'boolean':
        return kind === Kind.True || kind === Kind.False ? true : this.fail(field, src.slice(start, end));
      case 'timestamp':
        return this.checkNumericTime(field, src.slice(start, end), kind);
      case 'json':
        return true;
      case 'array':
        return kind === Kind.Array ? this.checkArray(field, src, start, end) : this.fail(field, src.slice(start, end));
    }
  }

  /** A non-empty string in a non-string field. `raw` is the quoted token, for messages. */
  private checkString(field: FieldSpec, raw: string): boolean {
    const text = this.content;
    switch (field.type) {
      case 'bigint': {
        const n = int64Text(text);
        if (n === undefined) return this.fail(field, raw);
        this.replacement = n;
        return true;
      }
      case 'float':
        if (!JSON_NUMBER.test(text)) return this.fail(field, raw);
        this.replacement = text;
        return true;
      case 'boolean':
        if (text !== 'true' && text !== 'false') return this.fail(field, raw);
        this.replacement = text;
        return true;
      case 'timestamp':
        for (const parser of field.timeFormats) {
          const ms = parser.parse(text);
          if (Number.isNaN(ms)) continue;
          this.ms = ms;
          if (parser.canonical !== undefined) {
            const canonical = parser.canonical(ms);
            if (canonical !== text) this.replacement = '"' + canonical + '"';
          }
          return true;
        }
        return this.fail(field, raw);
      case 'json': {
        const c = text.charCodeAt(0);
        if (c === 123 || c === 91 || c === 32) {
          const minified = minifyJson(this.scanner, text);
          if (minified !== undefined) this.replacement = minified;
        }
        return true;
      }
      default:
        return this.fail(field, raw);
    }
  }

  /** The first time format reads the text in place and it is already in its canonical spelling. */
  private parsesInPlace(field: FieldSpec, src: string, start: number, end: number): boolean {
    const parser = field.timeFormats[0];
    const ms = parser.parse(src, start, end);
    if (Number.isNaN(ms)) return false;
    if (parser.canonical !== undefined && (parser.canonicalAt === undefined || !parser.canonicalAt(src, start, end, ms))) return false;
    this.ms = ms;
    return true;
  }

  private checkNumericTime(field: FieldSpec, raw: string, kind: Kind): boolean {
    if (kind === Kind.Number) {
      for (const parser of field.timeFormats) {
        if (!parser.numeric) continue;
        const ms = parser.parse(raw);
        if (Number.isNaN(ms)) continue;
        this.ms = ms;
        return true;
      }
    }
    return this.fail(field, raw);
  }

  /** Checks each element against the element spec; rebuilds the array text only if an element was coerced. */
  private checkArray(field: FieldSpec, src: string, start: number, end: number): boolean {
    const element = field.element!;
    const scanner = this.scanner;
    let rebuilt: string | undefined;
    let from = start;
    let i = skipWhitespace(src, start + 1);
    // The scanner already proved the array well formed; walk its elements.
    if (src.charCodeAt(i) !== 93) {
      scanner.begin(src);
      for (;;) {
        const elEnd = scanner.scanValue(i);
        if (!this.check(element, src, i, elEnd, scanner.lastKind, scanner.lastFlag)) {
          this.error = `${this.error} (element of ${field.name})`;
          return false;
        }
        if (this.replacement !== undefined) {
          rebuilt = (rebuilt ?? '') + src.slice(from, i) + this.replacement;
          from = elEnd;
        }
        i = skipWhitespace(src, elEnd);
        if (src.charCodeAt(i) === 93) break;
        i = skipWhitespace(src, i + 1);
      }
    }
    this.ms = NaN;
    this.replacement = rebuilt === undefined ? undefined : rebuilt + src.slice(from, end);
    return true;
  }

  /**
   * A non-empty string where a list belongs (older LSS templates print `"TrustedNetworks":"TN1_stc1"`): coerced to a
   * one-element array of that value, checked against the element spec like a quoted number against a bigint.
   */
  private checkBareElement(field: FieldSpec, src: string, start: number, end: number, flag: boolean): boolean {
    if (!this.check(field.element!, src, start, end, Kind.String, flag)) {
      this.error = `${this.error} (element of ${field.name})`;
      return false;
    }
    this.ms = NaN;
    this.replacement = '[' + (this.replacement ?? src.slice(start, end)) + ']';
    return true;
  }

  private fail(field: FieldSpec, got: string): false {
    this.error = `expected ${expectedOf(field)}, got ${describeGot(got)}`;
    return false;
  }
}
