/** Calendar arithmetic in UTC shared by the time parsers: days from a civil date and back, month lengths, names. */

export const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
export const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The decimal number of `s[at, at + count)`, or -1 when a character there is not a digit. */
export function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Date.UTC by integer arithmetic (days from civil, H. Hinnant), several times cheaper per call. */
export function epochMs(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month0: number): number {
  if (month0 !== 1) return DAYS_IN_MONTH[month0];
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/** The UTC calendar fields of the day last asked for (a stream's times share their day). */
export const civil = { day: NaN, year: 0, month: 0, date: 0, weekday: 0 };

export function civilDay(day: number): void {
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

/** Day of the week of epoch ms (0 = Sunday), as Date#getUTCDay gives it. */
export function weekdayOf(ms: number): number {
  const days = Math.floor(ms / 86_400_000);
  return (((days + 4) % 7) + 7) % 7;
}

