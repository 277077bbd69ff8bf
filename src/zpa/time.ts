/**
 * Timestamp parsers compiled from a schema's `timeFormats` (Panther names: rfc3339, unix, unix_ms, unix_us, unix_ns,
 * or a strftime pattern). A parser returns epoch milliseconds, or NaN when the text does not match. strftime parsers
 * also render the canonical text, so a ctime day written with one space is normalised to the `%e` padded form.
 */
import { isoText } from './iso-time.js';
import { parseRfc3339 } from './rfc3339.js';
import { compileStrftime } from './strftime.js';
import type { TimeUnit } from './time-any.js';

export { parseRfc3339 };

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
  /**
   * The text this format writes for epoch microseconds `us` printed to `unit` (a number's digits when `numeric`): the
   * one spelling a time read in another rendering is written in, keeping the digits the format can hold.
   */
  render(us: number, unit: TimeUnit): string;
}

/** Throws an Error with the problem when the format is not supported. */
export function compileTimeFormat(format: string): TimeParser {
  switch (format) {
    case 'rfc3339':
      return { format, parse: parseRfc3339, numeric: false, render: (us, unit) => isoText(us, unit === 'us' || unit === 'ns') };
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
    render: (us) => String(Math.floor(us / 1000 / toMs)),
    parse(whole: string, start = 0, end = whole.length): number {
      const text = start === 0 && end === whole.length ? whole : whole.slice(start, end);
      if (!/^-?\d+(\.\d+)?$/.test(text)) return NaN;
      return Math.floor(Number(text) * toMs);
    },
  };
}

