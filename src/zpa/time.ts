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
  // A stream's records share their second-resolution timestamp many at a time: remember the last one.
  let lastText = '';
  let lastMs = NaN;
  let lastCanonicalMs = NaN;
  let lastCanonical = '';
  return {
    format,
    numeric: false,
    parse(text, start = 0, end = text.length) {
      const t = start === 0 && end === text.length ? text : text.slice(start, end);
      if (t !== lastText) {
        lastText = t;
        lastMs = parseStrftime(parts, t);
      }
      return lastMs;
    },
    canonical(ms) {
      if (ms !== lastCanonicalMs) {
        lastCanonicalMs = ms;
        lastCanonical = renderStrftime(parts, new Date(ms));
      }
      return lastCanonical;
    },
  };
}

const slots = [0, 0, 0, 0, 0, 0];

/** strptime semantics: a space in the format matches one or more spaces; `%e` and `%d` take an optional pad space. */
function parseStrftime(parts: readonly Part[], s: string): number {
  slots.fill(-1);
  slots[Slot.Hour] = slots[Slot.Minute] = slots[Slot.Second] = 0;
  let weekday = -1;
  let i = 0;
  for (const part of parts) {
    if ('literal' in part) {
      if (s[i] !== part.literal) return NaN;
      i++;
      if (part.literal === ' ') while (s[i] === ' ') i++;
      continue;
    }
    const n = part.numeric;
    if (n === undefined) {
      const names = part.directive === 'a' ? DAY_NAMES : MONTH_NAMES;
      const index = names.indexOf(s.slice(i, i + 3));
      if (index < 0) return NaN;
      if (part.directive === 'a') weekday = index;
      else slots[Slot.Month] = index + 1;
      i += 3;
      continue;
    }
    let width = n.width;
    if (n.slot === Slot.Day) {
      if (s[i] === ' ') i++;
      if (digits(s, i, 2) < 0) width = 1;
    }
    const value = digits(s, i, width);
    if (value < n.min || value > n.max) return NaN;
    slots[n.slot] = value;
    i += width;
  }
  const [year, month, day, hour, minute, second] = slots;
  if (i !== s.length || year < 0 || month < 1 || day < 1 || day > daysInMonth(year, month - 1)) return NaN;
  const ms = epochMs(year, month, day, hour, minute, second, 0);
  if (weekday >= 0 && new Date(ms).getUTCDay() !== weekday) return NaN;
  return ms;
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
