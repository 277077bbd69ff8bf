/**
 * How one field of a compiled LSS template reads back: whether a piece of text can be its value (the typed
 * positions that align a CSV line whose values hold separators), and the JSON value it stands for, written the way
 * the schema's field wants it (a number as a number, a timestamp in the schema's own format). Times rebuilt from
 * pieces (`%02d{LogTimestamp:hh}:%02d{LogTimestamp:mm}`) are gathered by TimeParts.
 */
import { epochMs, MONTH_NAMES, DAY_NAMES } from './civil.js';
import { isJsonText, JsonScanner } from './json-scan.js';
import { looseStringContent } from './json-repair.js';
import type { TemplateField, TimePiece } from './lss-template.js';
import { readPrintedNumber } from './printf.js';
import type { FieldSpec } from './schema.js';
import { nameIndex, readAnyTime, readCtime, readEpoch, readIso, type ReadTime, type TimeUnit } from './time-any.js';

export interface ValueReader {
  /** Whether `text` can be this field's value. */
  fits(text: string): boolean;
  /** The JSON value `text` stands for. */
  json(text: string): string;
  /** Whether `fits` parses JSON documents (the alignment bounds how much text it hands such a reader). */
  readonly costly: boolean;
  /** Whether the value may hold `literal` (the text after it), so the alignment tries its later occurrences too. */
  spans(literal: string): boolean;
}

const scanner = new JsonScanner();
const NUMBER_CHARS = /^[0-9a-fA-FxX+\-. ]*$/;
const TIME_CHARS = /^[0-9A-Za-z :.,+\-]*$/;
const JSON_STRINGS = /"(?:[^"\\]|\\.)*"/g;

/** `target`: the schema's field the value is written to; `jsonField`: the schema types it `json`. */
export function valueReader(field: TemplateField, target: FieldSpec | undefined): ValueReader {
  const rendering = field.rendering;
  if (rendering === 'time' || rendering === 'iso8601' || rendering === 'epoch') return timeReader(field, target);
  if (field.list !== undefined) return listReader(field);
  const jsonField = target?.type === 'json';
  const read = (text: string) => scalarJson(field, text);
  switch (field.conv) {
    case 'd':
    case 'x':
    case 'o':
    case 'f': {
      const conv = field.conv;
      return { fits: (t) => t.trim() === '' || readPrintedNumber(t, conv) !== undefined, json: read, costly: false, spans: (l) => NUMBER_CHARS.test(l) };
    }
    case 'j':
      return { fits: (t) => isJsonString(t) && (!jsonField || t === '""' || isJsonText(scanner, looseStringContent(t.slice(1, -1)))), json: read, costly: jsonField, spans: () => true };
    default:
      return { fits: (t) => !jsonField || t === '' || isJsonText(scanner, t), json: read, costly: jsonField, spans: () => true };
  }
}

/** The JSON of one printed value by its conversion: numbers read back, strings quoted (as JSON, whatever came). */
function scalarJson(field: TemplateField, text: string): string {
  switch (field.conv) {
    case 'd':
    case 'x':
    case 'o':
    case 'f':
      return readPrintedNumber(text, field.conv) ?? JSON.stringify(text.trim());
    case 'j':
      if (isJsonString(text)) return text;
      return JSON.stringify(text.startsWith('"') ? looseStringContent(text.slice(1, text.endsWith('"') && text.length > 1 ? -1 : undefined)) : text);
    case 'J':
      if (!field.quoted && (readPrintedNumber(text) !== undefined || isJsonText(scanner, text))) return readPrintedNumber(text) ?? text;
      return JSON.stringify(looseStringContent(text));
    default:
      return JSON.stringify(text);
  }
}

/** A `(,)` list: its elements, each read by the field's conversion (JSON strings inside `[...]` for `%j`). */
function listReader(field: TemplateField): ValueReader {
  const separator = field.list!;
  const elements = (text: string): string[] => {
    if (text.trim() === '') return [];
    if (field.conv === 'j') return text.match(JSON_STRINGS) ?? [];
    return text.split(separator).map((e) => scalarJson(field, e));
  };
  return {
    fits: (t) => field.conv !== 'j' || t.trim() === '' || elements(t).join(separator) === t.trim(),
    json: (t) => `[${elements(t).join(',')}]`,
    costly: false,
    spans: () => true,
  };
}

/** A whole timestamp (ctime, ISO 8601, epoch): written in the target field's format, or as printed. */
function timeReader(field: TemplateField, target: FieldSpec | undefined): ValueReader {
  const content = (text: string) => (field.conv === 'j' && text.startsWith('"') ? looseStringContent(text.slice(1, -1)) : text.trim());
  const read = (text: string): ReadTime | undefined => {
    const c = content(text);
    const own = field.rendering === 'time' ? readCtime(c) : field.rendering === 'iso8601' ? readIso(c) : readEpoch(c);
    return own ?? readAnyTime(c);
  };
  // A time already in the field's own spelling (the default templates' case) is taken as it is, read once.
  const own = target?.type === 'timestamp' && !target.timeFormats[0].numeric ? target.timeFormats[0] : undefined;
  const inOwnSpelling = (c: string): boolean => {
    if (own === undefined) return false;
    const ms = own.parse(c);
    return ms === ms && (own.canonicalAt === undefined || own.canonicalAt(c, 0, c.length, ms));
  };
  return {
    fits: (t) => {
      const c = content(t);
      return c === '' || inOwnSpelling(c) || read(t) !== undefined;
    },
    json: (t) => {
      const c = content(t);
      if (c === '' || inOwnSpelling(c)) return JSON.stringify(c);
      const time = read(t);
      return time === undefined ? JSON.stringify(c) : timeJson(target, time.us, time.unit, c);
    },
    costly: false,
    spans: (l) => TIME_CHARS.test(l),
  };
}

/** A time written to `target`: in its timestamp format, as the printed number for a numeric field, else as text. */
export function timeJson(target: FieldSpec | undefined, us: number, unit: TimeUnit, printed: string): string {
  if (target?.type === 'timestamp') {
    const parser = target.timeFormats[0];
    const text = parser.render(us, unit);
    return parser.numeric ? text : JSON.stringify(text);
  }
  if (target?.type === 'bigint' || target?.type === 'float') return readPrintedNumber(printed) ?? JSON.stringify(printed);
  return JSON.stringify(printed);
}

/** Whether `text` is exactly one JSON string token. */
function isJsonString(text: string): boolean {
  if (text.length < 2 || text.charCodeAt(0) !== 34) return false;
  scanner.begin(text);
  return scanner.scanValue(0) === text.length;
}

/** The pieces of one timestamp (`:yyyy`, `:mth`, `:dd`, `:hh`, ...), gathered until the record's last piece. */
export class TimeParts {
  private readonly values = new Map<TimePiece, number>();

  /** Whether `text` reads as `piece`: a number, or a name for `:mon` and `:day`. */
  static fits(piece: TimePiece, text: string): boolean {
    return TimeParts.valueOf(piece, text) !== undefined;
  }

  private static valueOf(piece: TimePiece, text: string): number | undefined {
    const t = text.trim().replace(/^"|"$/g, '');
    if (piece === 'mon') return nameIndex(MONTH_NAMES, t) < 0 ? undefined : nameIndex(MONTH_NAMES, t) + 1;
    if (piece === 'day') return nameIndex(DAY_NAMES, t) < 0 ? undefined : nameIndex(DAY_NAMES, t);
    const n = readPrintedNumber(t, 'd');
    return n === undefined ? undefined : Number(n);
  }

  add(piece: TimePiece, text: string): void {
    const value = TimeParts.valueOf(piece, text);
    if (value !== undefined) this.values.set(piece === 'mon' ? 'mth' : piece, value);
  }

  /** The time the pieces give, its date from `dateMs` (the Fluent Bit entry's time) where the pieces hold none. */
  time(dateMs: number): ReadTime | undefined {
    const v = this.values;
    if (v.size === 0) return undefined;
    const date = new Date(dateMs);
    const year = v.get('yyyy') ?? (v.has('yy') ? 2000 + v.get('yy')! : date.getUTCFullYear());
    const ms = epochMs(year, v.get('mth') ?? date.getUTCMonth() + 1, v.get('dd') ?? date.getUTCDate(), v.get('hh') ?? 0, v.get('mm') ?? 0, v.get('ss') ?? 0, 0);
    const us = ms * 1000 + (v.get('us') ?? (v.get('ms') ?? 0) * 1000);
    return { us, unit: v.has('us') ? 'us' : v.has('ms') ? 'ms' : 's', rendering: 'iso8601' };
  }
}

/** A piece of a timestamp (`:hh`, `:mon`, ...): read into TimeParts, so its own JSON is never asked for. */
export function pieceReader(piece: TimePiece): ValueReader {
  const names = piece === 'mon' || piece === 'day';
  return {
    fits: (t) => TimeParts.fits(piece, t),
    json: () => 'null',
    costly: false,
    spans: (l) => (names ? /^[A-Za-z"]*$/ : NUMBER_CHARS).test(l),
  };
}
