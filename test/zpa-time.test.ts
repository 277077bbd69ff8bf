/**
 * The timestamp parsers read values where they sit in the record text and take shortcuts for the common spellings.
 * Against the straightforward implementations they replaced (kept here as the reference), on generated and mutated
 * texts: the same result for every text, whole or in place, and the canonical-spelling test agrees with rendering.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTimeFormat, parseRfc3339 } from '../src/zpa/time.js';
import { seededRandom } from '../src/zpa/index.js';

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// ---- The reference implementations (slice-based, no shortcuts) ----

function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function daysInMonth(year: number, month0: number): number {
  if (month0 !== 1) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month0];
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

function referenceRfc3339(s: string): number {
  if (s.length < 20) return NaN;
  const [year, month, day, hour, minute, second] = [digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2), digits(s, 11, 2), digits(s, 14, 2), digits(s, 17, 2)];
  const t = s.charCodeAt(10);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return NaN;
  if (second < 0 || second > 60 || s[4] !== '-' || s[7] !== '-' || s[13] !== ':' || s[16] !== ':') return NaN;
  if (t !== 84 && t !== 116 && t !== 32) return NaN;
  if (day > daysInMonth(year, month - 1)) return NaN;
  let i = 19;
  let ms = 0;
  if (s[i] === '.') {
    const start = ++i;
    for (let d = s.charCodeAt(i) - 48; i < s.length && d >= 0 && d <= 9; d = s.charCodeAt(++i) - 48) if (i - start < 3) ms = ms * 10 + d;
    if (i === start) return NaN;
    if (i - start < 3) ms *= i - start === 1 ? 100 : 10;
  }
  let offsetMin = 0;
  const z = s[i];
  if ((z === 'Z' || z === 'z') && i + 1 === s.length) {
    // UTC
  } else if ((z === '+' || z === '-') && i + 6 === s.length && s[i + 3] === ':') {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offsetMin = (oh * 60 + om) * (z === '+' ? 1 : -1);
  } else {
    return NaN;
  }
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const days = era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms - offsetMin * 60_000;
}

const NUMERIC: Record<string, { slot: number; width: number; min: number; max: number }> = {
  Y: { slot: 0, width: 4, min: 0, max: 9999 },
  m: { slot: 1, width: 2, min: 1, max: 12 },
  d: { slot: 2, width: 2, min: 1, max: 31 },
  e: { slot: 2, width: 2, min: 1, max: 31 },
  H: { slot: 3, width: 2, min: 0, max: 23 },
  M: { slot: 4, width: 2, min: 0, max: 59 },
  S: { slot: 5, width: 2, min: 0, max: 60 },
};

function referenceStrftime(format: string, s: string): number {
  const slots = [-1, -1, -1, 0, 0, 0];
  let weekday = -1;
  let i = 0;
  for (let f = 0; f < format.length; f++) {
    if (format[f] !== '%') {
      if (s[i] !== format[f]) return NaN;
      i++;
      if (format[f] === ' ') while (s[i] === ' ') i++;
      continue;
    }
    const directive = format[++f];
    const n = NUMERIC[directive];
    if (n === undefined) {
      const names = directive === 'a' ? DAY_NAMES : MONTH_NAMES;
      const index = names.indexOf(s.slice(i, i + 3));
      if (index < 0) return NaN;
      if (directive === 'a') weekday = index;
      else slots[1] = index + 1;
      i += 3;
      continue;
    }
    let width = n.width;
    if (n.slot === 2) {
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
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const days = era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
  const ms = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000;
  if (weekday >= 0 && new Date(ms).getUTCDay() !== weekday) return NaN;
  return ms;
}

// ---- Inputs ----

const random = seededRandom(20261123);
const int = (n: number) => Math.floor(random() * n);
const pad = (n: number, w: number) => String(n).padStart(w, '0');
const NOISE = '0123456789 :-.+TtZzab/\u0660\u00e9"';

/** A few random edits: a character replaced, inserted or removed. */
function mutate(s: string): string {
  let out = s;
  for (let k = 1 + int(2); k > 0; k--) {
    const at = int(out.length + 1);
    const c = NOISE[int(NOISE.length)];
    const op = int(3);
    out = op === 0 ? out.slice(0, at) + c + out.slice(at + 1) : op === 1 ? out.slice(0, at) + c + out.slice(at) : out.slice(0, at) + out.slice(at + 1);
  }
  return out;
}

function randomMs(): number {
  const year = random() < 0.9 ? 2000 + int(40) : int(10000);
  // setUTCFullYear, unlike Date.UTC, takes years below 100 as they are.
  return new Date(0).setUTCFullYear(year, 0, 1) + int(366 * 86_400_000);
}

function rfc3339Texts(): string[] {
  const texts: string[] = [];
  for (let n = 0; n < 4000; n++) {
    const d = new Date(randomMs());
    const year = d.getUTCFullYear();
    if (year < 0 || year > 9999) continue;
    const date = `${pad(year, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(random() < 0.05 ? 29 + int(3) : d.getUTCDate(), 2)}`;
    const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(random() < 0.02 ? 60 : d.getUTCSeconds(), 2)}`;
    const fraction = ['', '.1', '.12', `.${pad(d.getUTCMilliseconds(), 3)}`, `.${pad(d.getUTCMilliseconds(), 3)}`, `.${pad(d.getUTCMilliseconds(), 3)}`, '.123456'][int(7)];
    const zone = ['Z', 'Z', 'Z', 'z', '+02:00', '-11:30', '+24:00'][int(7)];
    const t = ['T', 'T', 'T', 't', ' '][int(5)];
    const text = `${date}${t}${time}${fraction}${zone}`;
    texts.push(text, mutate(text));
  }
  return texts;
}

test('rfc3339: the same result as the reference for every text, whole or in place', () => {
  let valid = 0;
  for (const text of rfc3339Texts()) {
    const expected = referenceRfc3339(text);
    if (!Number.isNaN(expected)) valid++;
    assert.equal(parseRfc3339(text), expected, text);
    const line = `{"a":"${text}","b":1}`;
    assert.equal(parseRfc3339(line, 6, 6 + text.length), expected, `in place: ${text}`);
  }
  assert.ok(valid > 3000, `${valid} valid texts`);
});

const FORMATS = ['%a %b %e %H:%M:%S %Y', '%Y-%m-%d %H:%M:%S', '%d/%b/%Y:%H:%M:%S', '%b %e', '%e', '%m/%d/%Y %H:%M', '%b %d %H:%M:%S', '%a %e %b %Y', '%Y %b %e', '%m/%Y/%d'];

test('strftime: the same result as the reference for every text, whole or in place; canonicalAt agrees with canonical', () => {
  for (const format of FORMATS) {
    const parser = compileTimeFormat(format);
    let valid = 0;
    let canonical = 0;
    for (let n = 0; n < 1500; n++) {
      const ms = Math.floor(randomMs() / 1000) * 1000;
      const rendered = parser.canonical!(ms);
      const variants = [rendered, rendered.replace(/ {2}(\d)/, ' $1'), rendered.replace(/ /g, '  '), rendered.replace(/(^| )0(\d)/, '$1 $2'), rendered.replace(/ (\d) /, ' 0$1 '), mutate(rendered)];
      for (const text of variants) {
        const expected = referenceStrftime(format, text);
        assert.equal(parser.parse(text), expected, `${format}: ${text}`);
        // In place, between quotes and after another value, and once more (the parser remembers the last text).
        const line = `{"x":"${text}","y":"${text}"}`;
        for (let k = 0; k < 2; k++) assert.equal(parser.parse(line, 6, 6 + text.length), expected, `${format} in place: ${text}`);
        if (Number.isNaN(expected)) continue;
        valid++;
        const isCanonical = parser.canonical!(expected) === text;
        if (isCanonical) canonical++;
        assert.equal(parser.canonicalAt!(line, 6, 6 + text.length, expected), isCanonical, `${format} canonicalAt: ${text}`);
      }
    }
    // Without %Y no date is complete: those formats exercise the rejections only.
    if (format.includes('%Y')) assert.ok(valid > 3000 && canonical > 1000, `${format}: ${valid} valid, ${canonical} canonical`);
  }
});

test('strftime: a text cut short inside the line never reads past its end', () => {
  const parser = compileTimeFormat('%Y %b %e');
  // A day at the very end of the text is read as two digits, so a one-digit day there does not parse, in place too
  // (where the next character in the line is a quote or even a digit).
  for (const [line, start, end] of [['"2021 Oct 7"', 1, 11], ['"2021 Oct 71"', 1, 11], ['2021 Oct 75', 0, 10], ['"2021 Oct 17"', 1, 12], ['"2021 Oct  7"', 1, 12]] as const) {
    assert.equal(parser.parse(line, start, end), referenceStrftime('%Y %b %e', line.slice(start, end)), `${line} [${start}, ${end})`);
  }
  assert.ok(Number.isNaN(parser.parse('"2021 Oct 7"', 1, 11)));
  assert.equal(parser.parse('"2021 Oct 17"', 1, 12), Date.UTC(2021, 9, 17));
});
