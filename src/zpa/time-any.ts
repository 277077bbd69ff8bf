/**
 * Reads a timestamp in any rendering LSS can print, whatever the field's default: ctime (`Thu Oct  7 10:40:00 2021`,
 * one or two spaces before the day, day and month names short or long), ISO 8601 (`2021-10-07T10:40:00.123Z`, with or
 * without fraction and zone; no zone is UTC), and epoch seconds, milliseconds, microseconds or nanoseconds, told apart
 * by magnitude (EPOCH_UNITS). Answers in epoch microseconds, with the unit the text was printed in.
 */
import { DAY_NAMES, daysInMonth, epochMs, MONTH_NAMES, weekdayOf } from './civil.js';

/** The finest unit a time was printed in. */
export type TimeUnit = 's' | 'ms' | 'us' | 'ns';

/**
 * Epoch numbers by magnitude: below 10^11 seconds (up to the year 5138), below 10^14 milliseconds (from March 1973),
 * below 10^17 microseconds, below 10^20 nanoseconds. Every epoch between 1973 and 5138 is read in its own unit.
 */
export const EPOCH_UNITS: readonly { below: number; unit: TimeUnit; us: number }[] = [
  { below: 1e11, unit: 's', us: 1e6 },
  { below: 1e14, unit: 'ms', us: 1e3 },
  { below: 1e17, unit: 'us', us: 1 },
  { below: 1e20, unit: 'ns', us: 1e-3 },
];

export interface ReadTime {
  /** Epoch microseconds. */
  us: number;
  unit: TimeUnit;
  rendering: 'ctime' | 'iso8601' | 'epoch';
}

const CTIME = /^([A-Za-z]{3,9}),? +([A-Za-z]{3,9}) +(\d{1,2}) (\d{1,2}):(\d\d):(\d\d)(?:\.(\d{1,9}))? +(\d{4})$/;
const ISO = /^(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,9}))?)?)? ?(?:([Zz])|([+-])(\d\d):?(\d\d)?)?$/;
const EPOCH = /^([+-]?)(\d{1,20})(?:\.(\d{1,9}))?$/;

/** The time `text` holds in any rendering, or undefined. */
export function readAnyTime(text: string): ReadTime | undefined {
  const t = text.trim();
  const c = t.charCodeAt(0);
  if (c >= 48 && c <= 57 && t.charCodeAt(4) === 45) return readIso(t);
  if ((c >= 48 && c <= 57) || c === 43 || c === 45) return readEpoch(t);
  return readCtime(t);
}

export function readEpoch(text: string): ReadTime | undefined {
  const m = EPOCH.exec(text.trim());
  if (m === null) return undefined;
  const [, sign, digits, fraction] = m;
  const whole = Number(digits);
  const scale = EPOCH_UNITS.find((u) => whole < u.below);
  if (scale === undefined) return undefined;
  // Exact in integers: the fraction's digits down to the microsecond, a nanosecond count divided as a BigInt.
  const below = scale.unit === 's' ? 6 : scale.unit === 'ms' ? 3 : 0;
  const us =
    scale.unit === 'ns' ? Number(BigInt(digits) / 1000n) : whole * scale.us + (below === 0 || fraction === undefined ? 0 : Number(fraction.slice(0, below).padEnd(below, '0')));
  const unit = fraction === undefined ? scale.unit : unitOfDigits(fraction.length + digitsBelowSecond(scale.unit));
  return { us: sign === '-' ? -us : us, unit, rendering: 'epoch' };
}

export function readIso(text: string): ReadTime | undefined {
  const m = ISO.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction, , sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month - 1) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
  let us = epochMs(year, month, day, Number(h), Number(mi), Number(s), 0) * 1000 + fractionUs(fraction);
  if (sign !== undefined) us -= (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om ?? '0')) * 60_000_000;
  return { us, unit: fraction === undefined ? 's' : unitOfDigits(fraction.length), rendering: 'iso8601' };
}

export function readCtime(text: string): ReadTime | undefined {
  const m = CTIME.exec(text.trim());
  if (m === null) return undefined;
  const [, dayName, monthName, d, h, mi, s, fraction, y] = m;
  const weekday = nameIndex(DAY_NAMES, dayName);
  const month = nameIndex(MONTH_NAMES, monthName) + 1;
  const year = Number(y);
  const day = Number(d);
  if (weekday < 0 || month < 1 || day < 1 || day > daysInMonth(year, month - 1) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
  const ms = epochMs(year, month, day, Number(h), Number(mi), Number(s), 0);
  if (weekdayOf(ms) !== weekday) return undefined;
  return { us: ms * 1000 + fractionUs(fraction), unit: fraction === undefined ? 's' : unitOfDigits(fraction.length), rendering: 'ctime' };
}

/** The index of `name` (a three-letter name, or the full name it abbreviates, any case) in `names`, or -1. */
export function nameIndex(names: readonly string[], name: string): number {
  const short = name.slice(0, 3).toLowerCase();
  const i = names.findIndex((n) => n.toLowerCase() === short);
  if (i < 0 || name.length === 3) return i;
  return FULL_NAMES.some((full) => full.toLowerCase() === name.toLowerCase()) ? i : -1;
}

const FULL_NAMES = [
  ...['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
  ...['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  ...['Sept', 'Tues', 'Thur', 'Thurs'],
];

function fractionUs(fraction: string | undefined): number {
  return fraction === undefined ? 0 : Number(fraction.slice(0, 6).padEnd(6, '0'));
}

function unitOfDigits(digits: number): TimeUnit {
  return digits === 0 ? 's' : digits <= 3 ? 'ms' : digits <= 6 ? 'us' : 'ns';
}

function digitsBelowSecond(unit: TimeUnit): number {
  return unit === 's' ? 0 : unit === 'ms' ? 3 : unit === 'us' ? 6 : 9;
}
