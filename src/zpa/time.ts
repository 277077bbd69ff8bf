/**
 * Timestamp parsers compiled from a schema's `timeFormats` (Panther names: rfc3339, unix, unix_ms, unix_us, unix_ns,
 * or a strftime pattern). A parser returns epoch milliseconds, or NaN when the text does not match. strftime parsers
 * also render the canonical text, so a ctime day written with one space is normalised to the `%e` padded form.
 */

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface TimeParser {
  /** The schema's spelling of the format, for error messages. */
  readonly format: string;
  /** Epoch ms of `text[start, end)` (default: all of it), or NaN. */
  parse(text: string, start?: number, end?: number): number;
  /** The text this format would print for `ms`, when the format has one canonical spelling worth normalising to. */
  canonical?(ms: number): string;
  /** With `canonical`: whether `text[start, end)` is exactly the canonical text of `ms` (compared in place). */
  canonicalAt?(text: string, start: number, end: number, ms: number): boolean;
  /** Whether the value arrives as a JSON number (unix_*), not a string. */
  readonly numeric: boolean;
}

/** Throws an Error with the problem when the format is not supported. */
export function compileTimeFormat(format: string): TimeParser {
  switch (format) {
    case 'rfc3339':
      return { format, parse: parseRfc3339, numeric: false };
    case 'unix':
      return unixParser(format, 1000);
    case 'unix_ms':
      return unixParser(format, 1);
    case 'unix_us':
      return unixParser(format, 0.001);
    case 'unix_ns':
      return unixParser(format, 0.000001);
    default:
      return compileStrftime(format);
  }
}

function unixParser(format: string, toMs: number): TimeParser {
  return {
    format,
    numeric: true,
    parse(whole: string, start = 0, end = whole.length): number {
      const text = start === 0 && end === whole.length ? whole : whole.slice(start, end);
      if (!/^-?\d+(\.\d+)?$/.test(text)) return NaN;
      return Math.floor(Number(text) * toMs);
    },
  };
}

function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Date.UTC by integer arithmetic (days from civil, H. Hinnant), several times cheaper per call. */
function epochMs(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month0: number): number {
  if (month0 !== 1) return DAYS_IN_MONTH[month0];
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/**
 * `2019-05-30T08:20:42.230Z`, any fraction length, `Z` or `±hh:mm` (also lower-case `t`/`z` and a space, per RFC 3339),
 * read from `s[b, e)` so a value can be parsed where it sits in the record text.
 */
export function parseRfc3339(s: string, b = 0, e = s.length): number {
  if (e - b === 24) {
    const ms = parseRfc3339Millis(s, b);
    if (ms === ms) return ms;
  }
  if (e - b < 20) return NaN;
  const year = digits(s, b, 4);
  const month = digits(s, b + 5, 2);
  const day = digits(s, b + 8, 2);
  const hour = digits(s, b + 11, 2);
  const minute = digits(s, b + 14, 2);
  const second = digits(s, b + 17, 2);
  const t = s.charCodeAt(b + 10);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return NaN;
  if (second < 0 || second > 60 || s.charCodeAt(b + 4) !== 45 || s.charCodeAt(b + 7) !== 45 || s.charCodeAt(b + 13) !== 58 || s.charCodeAt(b + 16) !== 58) return NaN;
  if (t !== 84 && t !== 116 && t !== 32) return NaN;
  if (day > daysInMonth(year, month - 1)) return NaN;
  let i = b + 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46 /* . */) {
    const start = ++i;
    for (let d = s.charCodeAt(i) - 48; i < e && d >= 0 && d <= 9; d = s.charCodeAt(++i) - 48) {
      if (i - start < 3) ms = ms * 10 + d;
    }
    if (i === start) return NaN;
    if (i - start < 3) ms *= i - start === 1 ? 100 : 10;
  }
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if ((z === 90 /* Z */ || z === 122 /* z */) && i + 1 === e) {
    // UTC
  } else if ((z === 43 /* + */ || z === 45 /* - */) && i + 6 === e && s.charCodeAt(i + 3) === 58) {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offsetMin = (oh * 60 + om) * (z === 43 ? 1 : -1);
  } else {
    return NaN;
  }
  return epochMs(year, month, day, hour, minute, second, ms) - offsetMin * 60_000;
}

/** `d` (a character code minus 48, of a character inside the string) is not a decimal digit. */
function notDigit(d: number): boolean {
  return d >>> 0 > 9;
}

/** The day (epoch ms at 00:00 UTC) of the last date parseRfc3339Millis saw: a stream's timestamps share their day. */
let lastDayKey = -1;
let lastDayMs = 0;

/**
 * The common spelling, `2019-05-30T08:20:42.230Z` (24 characters at `b`), read in one pass without calls; NaN for
 * anything else, which parseRfc3339 then reads the general way (so it decides every case the same).
 */
function parseRfc3339Millis(s: string, b: number): number {
  const z = s.charCodeAt(b + 23);
  const t = s.charCodeAt(b + 10);
  if ((z !== 90 && z !== 122) || s.charCodeAt(b + 19) !== 46 || (t !== 84 && t !== 116 && t !== 32)) return NaN;
  if (s.charCodeAt(b + 4) !== 45 || s.charCodeAt(b + 7) !== 45 || s.charCodeAt(b + 13) !== 58 || s.charCodeAt(b + 16) !== 58) return NaN;
  const y0 = s.charCodeAt(b) - 48;
  const y1 = s.charCodeAt(b + 1) - 48;
  const y2 = s.charCodeAt(b + 2) - 48;
  const y3 = s.charCodeAt(b + 3) - 48;
  const mo0 = s.charCodeAt(b + 5) - 48;
  const mo1 = s.charCodeAt(b + 6) - 48;
  const d0 = s.charCodeAt(b + 8) - 48;
  const d1 = s.charCodeAt(b + 9) - 48;
  const h0 = s.charCodeAt(b + 11) - 48;
  const h1 = s.charCodeAt(b + 12) - 48;
  const mi0 = s.charCodeAt(b + 14) - 48;
  const mi1 = s.charCodeAt(b + 15) - 48;
  const s0 = s.charCodeAt(b + 17) - 48;
  const s1 = s.charCodeAt(b + 18) - 48;
  const f0 = s.charCodeAt(b + 20) - 48;
  const f1 = s.charCodeAt(b + 21) - 48;
  const f2 = s.charCodeAt(b + 22) - 48;
  if (notDigit(y0) || notDigit(y1) || notDigit(y2) || notDigit(y3) || notDigit(mo0) || notDigit(mo1) || notDigit(d0) || notDigit(d1)) return NaN;
  if (notDigit(h0) || notDigit(h1) || notDigit(mi0) || notDigit(mi1) || notDigit(s0) || notDigit(s1) || notDigit(f0) || notDigit(f1) || notDigit(f2)) return NaN;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = mo0 * 10 + mo1;
  const day = d0 * 10 + d1;
  const hour = h0 * 10 + h1;
  const minute = mi0 * 10 + mi1;
  const second = s0 * 10 + s1;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return NaN;
  const dayKey = (year * 16 + month) * 32 + day;
  if (dayKey !== lastDayKey) {
    if (day > daysInMonth(year, month - 1)) return NaN;
    lastDayMs = epochMs(year, month, day, 0, 0, 0, 0);
    lastDayKey = dayKey;
  }
  return lastDayMs + hour * 3_600_000 + minute * 60_000 + second * 1000 + f0 * 100 + f1 * 10 + f2;
}

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

function compileStrftime(format: string): TimeParser {
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
    canonicalAt(text, start, end, ms) {
      const verdict = matchesRendering(compiled, text, start, end, ms);
      if (verdict >= 0) return verdict === 1;
      const c = canonical(ms);
      return c.length === end - start && text.indexOf(c, start) === start;
    },
  };
}

/** The UTC calendar fields of the day last asked for (a stream's times share their day). */
const civil = { day: NaN, year: 0, month: 0, date: 0, weekday: 0 };

function civilDay(day: number): void {
  if (day === civil.day) return;
  // Civil from days (H. Hinnant), the inverse of epochMs.
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  civil.day = day;
  civil.date = doy - Math.floor((153 * mp + 2) / 5) + 1;
  civil.month = month;
  civil.year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  civil.weekday = weekdayOf(day * 86_400_000);
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

/** Day of the week of epoch ms (0 = Sunday), as Date#getUTCDay gives it. */
function weekdayOf(ms: number): number {
  const days = Math.floor(ms / 86_400_000);
  return (((days + 4) % 7) + 7) % 7;
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
