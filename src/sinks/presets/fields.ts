/** Times in the formats targets want, as exact text: the small builders the presets' frames share. */

/** The largest time a JavaScript Date holds (ECMAScript: ±8.64e15 ms). */
const MAX_DATE_MS = 8.64e15;

/** The event time, or now when the processor could not tell (a target needs some time, and NaN would break the body). */
export function eventTimeOrNow(ms: number): number {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? ms : Date.now();
}

/** Epoch seconds with exactly three decimals ("1795413600.005"), from integer arithmetic (no float rounding). */
export function epochSecondsText(ms: number): string {
  const whole = Math.round(eventTimeOrNow(ms));
  return `${Math.floor(whole / 1000)}.${String(whole % 1000).padStart(3, '0')}`;
}

/** Epoch nanoseconds as a decimal string (Loki); exact for sub-millisecond times too. */
export function epochNanosText(ms: number): string {
  const micros = Math.round(eventTimeOrNow(ms) * 1000);
  return `${Math.floor(micros / 1000)}${String(micros % 1000).padStart(3, '0')}000`;
}

/** ISO 8601 UTC with milliseconds. */
export function isoTimeText(ms: number): string {
  return new Date(eventTimeOrNow(ms)).toISOString();
}
