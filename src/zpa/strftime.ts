/**
 * strftime time formats (`%a %b %e %H:%M:%S %Y`, Panther's spelling of ctime): compiled once into a parser that reads
 * a value where it sits, and the canonical text it normalises to (a ctime day with one space is re-padded).
 */
import { civil, civilDay, DAY_NAMES, daysInMonth, epochMs, MONTH_NAMES, weekdayOf } from './civil.js';
import type { TimeParser } from './time.js';

/** Slots of the parsed date: year, month (1-12), day, hour, minute, second. */
const enum Slot {
  Year,
  Month,
  Day,
  Hour,
  Minute,
  Second,
}

/** A numeric directive: which slot it fills, how many digits, the valid range. `%e`/`%d` also take one digit. */
interface NumericDirective {
  slot: Slot;
  width: number;
  min: number;
  max: number;
}

const NUMERIC: Record<string, NumericDirective> = {
  Y: { slot: Slot.Year, width: 4, min: 0, max: 9999 },
  m: { slot: Slot.Month, width: 2, min: 1, max: 12 },
  d: { slot: Slot.Day, width: 2, min: 1, max: 31 },
  e: { slot: Slot.Day, width: 2, min: 1, max: 31 },
  H: { slot: Slot.Hour, width: 2, min: 0, max: 23 },
  M: { slot: Slot.Minute, width: 2, min: 0, max: 59 },
  S: { slot: Slot.Second, width: 2, min: 0, max: 60 },
};

type Part = { literal: string } | { directive: string; numeric: NumericDirective | undefined };

/** A part compiled for parsing in place: a literal's character code, a name table, or a numeric directive. */
interface CompiledPart {
  /** Literal: its character code; -1 for a directive. */
  readonly code: number;
  /** %a or %b: the names, and whether they are weekdays. */
  readonly names: readonly string[] | undefined;
  readonly weekday: boolean;
  readonly numeric: NumericDirective | undefined;
  /** %e: printed with a space pad (else a zero pad). */
  readonly spacePad: boolean;
}

const SUPPORTED = ['a', 'b', ...Object.keys(NUMERIC)];

export function compileStrftime(format: string): TimeParser {
  const parts: Part[] = [];
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') {
      parts.push({ literal: format[i] });
      continue;
    }
    const d = format[++i];
    if (d === undefined || !SUPPORTED.includes(d)) {
      throw new Error(`time format ${JSON.stringify(format)}: unsupported directive %${d ?? ''} (supported: rfc3339, unix, unix_ms, unix_us, unix_ns, strftime %${SUPPORTED.join(' %')})`);
    }
    parts.push({ directive: d, numeric: NUMERIC[d] });
  }
  const compiled: CompiledPart[] = parts.map((part) =>
    'literal' in part
      ? { code: part.literal.charCodeAt(0), names: undefined, weekday: false, numeric: undefined, spacePad: false }
      : {
          code: -1,
          names: part.directive === 'a' ? DAY_NAMES : part.directive === 'b' ? MONTH_NAMES : undefined,
          weekday: part.directive === 'a',
          numeric: part.numeric,
          spacePad: part.directive === 'e',
        },
  );
  // A stream's records share their second-resolution timestamp many at a time: remember the last one.
  let lastText = '';
  let lastMs = NaN;
  let lastCanonicalMs = NaN;
  let lastCanonical = '';
  const canonical = (ms: number): string => {
    if (ms !== lastCanonicalMs) {
      lastCanonicalMs = ms;
      lastCanonical = renderStrftime(parts, new Date(ms));
    }
    return lastCanonical;
  };
  return {
    format,
    numeric: false,
    parse(text, start = 0, end = text.length) {
      // Compared in place: `indexOf` from `start` finds the last text there when it is there.
      if (end - start !== lastText.length || text.indexOf(lastText, start) !== start) {
        lastText = text.slice(start, end);
        lastMs = parseStrftime(compiled, text, start, end);
      }
      return lastMs;
    },
    canonical,
    render: (us) => canonical(Math.floor(us / 1000)),
    canonicalAt(text, start, end, ms) {
      const verdict = matchesRendering(compiled, text, start, end, ms);
      if (verdict >= 0) return verdict === 1;
      const c = canonical(ms);
      return c.length === end - start && text.indexOf(c, start) === start;
    },
  };
}

/**
 * Whether `text[start, end)` is what renderStrftime prints for `ms`, compared part by part without printing it:
 * 1 or 0; -1 when this cannot tell (a year outside 0000-9999), and the caller renders.
 */
function matchesRendering(parts: readonly CompiledPart[], text: string, start: number, end: number, ms: number): number {
  if (!Number.isInteger(ms)) return -1;
  const day = Math.floor(ms / 86_400_000);
  civilDay(day);
  if (civil.year < 0 || civil.year > 9999) return -1;
  const seconds = Math.floor((ms - day * 86_400_000) / 1000);
  let i = start;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p];
    if (part.code >= 0) {
      if (i >= end || text.charCodeAt(i) !== part.code) return 0;
      i++;
      continue;
    }
    const n = part.numeric;
    if (n === undefined) {
      const name = part.names![part.weekday ? civil.weekday : civil.month - 1];
      if (i + 3 > end || text.charCodeAt(i) !== name.charCodeAt(0) || text.charCodeAt(i + 1) !== name.charCodeAt(1) || text.charCodeAt(i + 2) !== name.charCodeAt(2)) return 0;
      i += 3;
      continue;
    }
    let value: number;
    switch (n.slot) {
      case Slot.Year: value = civil.year; break;
      case Slot.Month: value = civil.month; break;
      case Slot.Day: value = civil.date; break;
      case Slot.Hour: value = Math.floor(seconds / 3600); break;
      case Slot.Minute: value = Math.floor(seconds / 60) % 60; break;
      default: value = seconds % 60; break;
    }
    // Printed: four digits for %Y, else two, the first a pad (space for %e, zero otherwise) below 10.
    const width = n.slot === Slot.Year ? 4 : 2;
    if (i + width > end) return 0;
    for (let k = width - 1; k >= 0; k--) {
      const c = text.charCodeAt(i + k);
      const digit = value % 10;
      value = (value - digit) / 10;
      const expected = k === 0 && width === 2 && digit === 0 && value === 0 && part.spacePad ? 32 : 48 + digit;
      if (c !== expected) return 0;
    }
    i += width;
  }
  return i === end ? 1 : 0;
}

/** The character code at `i` of `s[.., end)`: NaN past the end, as charCodeAt gives past the end of a string. */
function codeAt(s: string, i: number, end: number): number {
  return i < end ? s.charCodeAt(i) : NaN;
}

/** digits() of `s[.., end)`: what it returns for the text cut at `end`. */
function digitsUpTo(s: string, at: number, count: number, end: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = codeAt(s, i, end) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Reads `s[start, end)` where it sits, with strptime semantics: a space in the format matches one or more spaces;
 * `%e` and `%d` take an optional pad space.
 */
function parseStrftime(parts: readonly CompiledPart[], s: string, start: number, end: number): number {
  let year = -1;
  let month = -1;
  let day = -1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let weekday = -1;
  let i = start;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p];
    if (part.code >= 0) {
      if (codeAt(s, i, end) !== part.code) return NaN;
      i++;
      if (part.code === 32) while (codeAt(s, i, end) === 32) i++;
      continue;
    }
    const n = part.numeric;
    if (n === undefined) {
      const index = nameAt(part.names!, s, i, end);
      if (index < 0) return NaN;
      if (part.weekday) weekday = index;
      else month = index + 1;
      i += 3;
      continue;
    }
    let width = n.width;
    if (n.slot === Slot.Day) {
      if (codeAt(s, i, end) === 32) i++;
      if (digitsUpTo(s, i, 2, end) < 0) width = 1;
    }
    const value = digitsUpTo(s, i, width, end);
    if (value < n.min || value > n.max) return NaN;
    switch (n.slot) {
      case Slot.Year: year = value; break;
      case Slot.Month: month = value; break;
      case Slot.Day: day = value; break;
      case Slot.Hour: hour = value; break;
      case Slot.Minute: minute = value; break;
      case Slot.Second: second = value; break;
    }
    i += width;
  }
  if (i !== end || year < 0 || month < 1 || day < 1 || day > daysInMonth(year, month - 1)) return NaN;
  const ms = epochMs(year, month, day, hour, minute, second, 0);
  if (weekday >= 0 && weekdayOf(ms) !== weekday) return NaN;
  return ms;
}

/** The index of the three-letter name at `s[i, i + 3)` (before `end`), or -1. */
function nameAt(names: readonly string[], s: string, i: number, end: number): number {
  if (i + 3 > end) return -1;
  const c0 = s.charCodeAt(i);
  const c1 = s.charCodeAt(i + 1);
  const c2 = s.charCodeAt(i + 2);
  for (let k = 0; k < names.length; k++) {
    const name = names[k];
    if (name.charCodeAt(0) === c0 && name.charCodeAt(1) === c1 && name.charCodeAt(2) === c2) return k;
  }
  return -1;
}

function pad2(n: number, fill: string): string {
  return n < 10 ? fill + n : String(n);
}

function renderStrftime(parts: readonly Part[], d: Date): string {
  let out = '';
  for (const part of parts) {
    if ('literal' in part) {
      out += part.literal;
      continue;
    }
    switch (part.directive) {
      case 'a': out += DAY_NAMES[d.getUTCDay()]; break;
      case 'b': out += MONTH_NAMES[d.getUTCMonth()]; break;
      case 'e': out += pad2(d.getUTCDate(), ' '); break;
      case 'd': out += pad2(d.getUTCDate(), '0'); break;
      case 'm': out += pad2(d.getUTCMonth() + 1, '0'); break;
      case 'H': out += pad2(d.getUTCHours(), '0'); break;
      case 'M': out += pad2(d.getUTCMinutes(), '0'); break;
      case 'S': out += pad2(d.getUTCSeconds(), '0'); break;
      case 'Y': out += String(d.getUTCFullYear()).padStart(4, '0'); break;
    }
  }
  return out;
}
