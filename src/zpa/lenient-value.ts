/**
 * A value its field's check refused, read the lenient way: a timestamp in any rendering (time-any.ts), a number as
 * printf prints it, a single value where a list belongs and a list where a single value belongs, `""` or null in a
 * required field. Either it converts, and the record notes how it deviated, or it stays as it came and the record
 * notes the wrong type. Runs only for refused values, so conforming records never reach it.
 */
import type { Deviation, DeviationKind } from './deviations.js';
import { describeGot, expectedOf, FieldCheck, int64Text } from './field-check.js';
import { JsonScanner, Kind, skipWhitespace, stringContent } from './json-scan.js';
import { integerText, readPrintedNumber } from './printf.js';
import type { FieldSpec } from './schema.js';
import { readAnyTime } from './time-any.js';

export class LenientValue {
  /** Text to write instead of the value (undefined: keep it as it came). */
  replacement: string | undefined = undefined;
  /** Epoch ms of a timestamp value (NaN when none). */
  ms = NaN;
  /** How the value deviated (always set after `read`). */
  deviation!: Deviation;
  private readonly element = new FieldCheck();
  private readonly scanner = new JsonScanner();

  /** Reads the refused value `src[start, end)` of `kind` (`flag` as the scanner's); true when it converted. */
  read(field: FieldSpec, src: string, start: number, end: number, kind: Kind, flag: boolean): boolean {
    this.replacement = undefined;
    this.ms = NaN;
    const raw = src.slice(start, end);
    const text = kind === Kind.String ? stringContent(src, start, end, flag) : raw;
    if ((kind === Kind.Null || (kind === Kind.String && text === '')) && field.required) {
      if (kind === Kind.String && field.type !== 'string') this.replacement = 'null';
      return this.note(field, 'missing_required', expectedOf(field), raw, false);
    }
    if (kind === Kind.Array && field.type !== 'array') return this.fromList(field, src, start, end, raw);
    switch (field.type) {
      case 'timestamp':
        return kind === Kind.String || kind === Kind.Number ? this.time(field, text, raw) : this.wrong(field, raw);
      case 'bigint': {
        const number = kind === Kind.String || kind === Kind.Number ? readPrintedNumber(text) : undefined;
        const integer = number === undefined ? undefined : integerText(number);
        const int64 = integer === undefined ? undefined : int64Text(integer);
        return int64 === undefined ? this.wrong(field, raw) : this.converted(field, int64, 'number_format', raw);
      }
      case 'float': {
        const number = kind === Kind.String ? readPrintedNumber(text) : undefined;
        return number === undefined ? this.wrong(field, raw) : this.converted(field, number, 'number_format', raw);
      }
      case 'array':
        return this.toList(field, kind, text, raw);
      default:
        return this.wrong(field, raw);
    }
  }

  private time(field: FieldSpec, text: string, raw: string): boolean {
    const read = readAnyTime(text);
    if (read === undefined) return this.wrong(field, raw);
    const parser = field.timeFormats[0];
    const rendered = parser.render(read.us, read.unit);
    // The event time as the field now holds it (ctime: to the second), as a template's reading gives it too.
    this.ms = parser.numeric ? Math.floor(read.us / 1000) : parser.parse(rendered);
    return this.converted(field, parser.numeric ? rendered : JSON.stringify(rendered), 'time_format', raw);
  }

  /** A single value where a list belongs: `[value]`, or its comma-separated parts where those are the elements. */
  private toList(field: FieldSpec, kind: Kind, text: string, raw: string): boolean {
    const element = field.element!;
    if (kind === Kind.Number || kind === Kind.True || kind === Kind.False) {
      return this.element.check(element, raw, 0, raw.length, kind, true) ? this.converted(field, `[${this.element.replacement ?? raw}]`, 'list_shape', raw) : this.wrong(field, raw);
    }
    if (kind !== Kind.String || !text.includes(',')) return this.wrong(field, raw);
    const parts: string[] = [];
    for (const part of text.split(',')) {
      const token = JSON.stringify(part.trim());
      if (!this.element.check(element, token, 0, token.length, Kind.String, false)) return this.wrong(field, raw);
      parts.push(this.element.replacement ?? token);
    }
    return this.converted(field, `[${parts.join(',')}]`, 'list_shape', raw);
  }

  /** A list where a single value belongs: its one element, or its elements' text joined with commas (as `%s` prints a list). */
  private fromList(field: FieldSpec, src: string, start: number, end: number, raw: string): boolean {
    const elements: { token: string; kind: Kind; flag: boolean }[] = [];
    const scanner = this.scanner;
    scanner.begin(src);
    for (let i = skipWhitespace(src, start + 1); src.charCodeAt(i) !== 93 && i < end; ) {
      const e = scanner.scanValue(i);
      if (e < 0) return this.wrong(field, raw);
      elements.push({ token: src.slice(i, e), kind: scanner.lastKind, flag: scanner.lastFlag });
      i = skipWhitespace(src, e);
      if (src.charCodeAt(i) === 44) i = skipWhitespace(src, i + 1);
    }
    if (elements.length === 1) {
      const { token, kind, flag } = elements[0];
      if (kind === Kind.Object || kind === Kind.Array) return this.wrong(field, raw);
      if (this.element.check(field, token, 0, token.length, kind, flag)) {
        this.ms = this.element.ms;
        return this.converted(field, this.element.replacement ?? token, 'list_shape', raw);
      }
      return this.wrong(field, raw);
    }
    if (field.type !== 'string' || elements.some((e) => e.kind === Kind.Object || e.kind === Kind.Array)) return this.wrong(field, raw);
    const joined = elements.map((e) => (e.kind === Kind.String ? stringContent(e.token, 0, e.token.length, e.flag) : e.token)).join(',');
    return this.converted(field, JSON.stringify(joined), 'list_shape', raw);
  }

  private converted(field: FieldSpec, replacement: string, kind: DeviationKind, raw: string): true {
    this.replacement = replacement;
    return this.note(field, kind, expectedOf(field), raw, true);
  }

  private wrong(field: FieldSpec, raw: string): false {
    return this.note(field, 'wrong_type', expectedOf(field), raw, false);
  }

  private note<T extends boolean>(field: FieldSpec, kind: DeviationKind, expected: string, raw: string, result: T): T {
    this.deviation = { field: field.name, expected, got: describeGot(raw), kind };
    return result;
  }
}
