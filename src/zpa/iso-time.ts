/** RFC 3339 UTC text of epoch times, fast: the date part kept per day, the time of day from tables. */
import type { ByteArena } from '../shared/byte-arena.js';

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const DAY_MS = 86_400_000;
/** Years 0000-9999, where toISOString writes four-digit years. */
const ISO_MIN_MS = new Date(0).setUTCFullYear(0, 0, 1);
const ISO_MAX_MS = new Date(0).setUTCFullYear(9999, 11, 31) + DAY_MS - 1;

/** Date#toISOString with the date part kept per day and the time of day from tables: no Date per call. */
export class IsoTime {
  private day = NaN;
  private dayText = '';
  /** The time of day of the last `split`. */
  private hour = 0;
  private minute = 0;
  private second = 0;
  private millis = 0;

  format(ms: number): string {
    if (!this.split(ms)) return new Date(ms).toISOString();
    return this.dayText + TWO_DIGITS[this.hour] + ':' + TWO_DIGITS[this.minute] + ':' + TWO_DIGITS[this.second] + '.' + THREE_DIGITS[this.millis] + 'Z';
  }

  /** The same text written into `arena` as it is being built: digit by digit, no string. */
  write(arena: ByteArena, ms: number): void {
    if (!this.split(ms)) return arena.ascii(new Date(ms).toISOString());
    arena.ascii(this.dayText);
    arena.room(13);
    const slab = arena.slab;
    let at = twoDigits(slab, arena.pos, this.hour);
    slab[at++] = 58;
    at = twoDigits(slab, at, this.minute);
    slab[at++] = 58;
    at = twoDigits(slab, at, this.second);
    slab[at++] = 46;
    slab[at++] = 48 + Math.floor(this.millis / 100);
    at = twoDigits(slab, at, this.millis % 100);
    slab[at++] = 90;
    arena.pos = at;
  }

  /**
   * Keeps the date text (`2026-11-23T`) of `ms`'s day and sets its time of day; false for a time outside the years
   * toISOString writes with four digits, or not a whole millisecond.
   */
  private split(ms: number): boolean {
    if (!(ms >= ISO_MIN_MS && ms <= ISO_MAX_MS) || !Number.isInteger(ms)) return false;
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayText = new Date(day * DAY_MS).toISOString().slice(0, 11);
    }
    let rest = ms - day * DAY_MS;
    this.millis = rest % 1000;
    rest = (rest - this.millis) / 1000;
    this.second = rest % 60;
    rest = (rest - this.second) / 60;
    this.minute = rest % 60;
    this.hour = (rest - this.minute) / 60;
    return true;
  }
}

function twoDigits(slab: Buffer, at: number, value: number): number {
  const tens = Math.floor(value / 10);
  slab[at] = 48 + tens;
  slab[at + 1] = 48 + value - 10 * tens;
  return at + 2;
}

const isoTime = new IsoTime();

/**
 * RFC 3339 UTC text of epoch microseconds `us`: milliseconds (`2019-05-30T08:20:42.230Z`, what LSS prints) for a time
 * printed to the millisecond or coarser, microseconds for a finer one, so no printed digit is lost.
 */
export function isoText(us: number, fine: boolean): string {
  const ms = Math.floor(us / 1000);
  const text = isoTime.format(ms);
  if (!fine || text.length !== 24) return text;
  return text.slice(0, 23) + String(us - ms * 1000).padStart(3, '0') + 'Z';
}
