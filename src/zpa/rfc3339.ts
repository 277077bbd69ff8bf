/** RFC 3339 timestamps read where they sit in the record text, with a one-pass reader for the common spelling. */
import { daysInMonth, digits, epochMs } from './civil.js';

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

