/**
 * Aligns a line to a template's literal text: where each field's value starts and ends. LSS does not quote CSV/TSV
 * values, so a value may hold the separator (ConnectionID always does in CSV): the alignment is a depth-first search
 * over the places the next literal occurs, shortest value first, keeping only readings whose values fit their
 * fields' types (integers, times, JSON strings and documents must parse), with a memo of dead ends. Fields known to
 * hold the separator by construction try their second place first.
 */
import { JsonScanner } from './json-scan.js';
import type { ValueReader } from './template-values.js';

/**
 * The search gives up beyond this many steps (a line with many separators inside free-text values), or once it has
 * handed this many characters to JSON readers: both bound the work one line can cost, whatever its shape, to
 * milliseconds (a fuzzer found lines of a few KB that took seconds to minutes before these bounds).
 */
const MAX_STEPS = 50_000;
const MAX_JSON_CHARS = 1_000_000;

export interface MatchField {
  readonly reader: ValueReader;
  /** The value holds the literal after it by construction (`ConnectionID` in CSV): try its second place first. */
  readonly holdsSeparator: boolean;
  /** A `%j` value: a JSON string token, whose end the text itself tells. */
  readonly jsonString: boolean;
}

const scanner = new JsonScanner();

/**
 * The values' bounds `[start0, end0, start1, end1, ...]` when the fields fit `text[from, to)` between the literals
 * (`literals[i]` before field i, `literals[0]` already matched before `from`, the last one after `to`); undefined
 * when no reading fits. `typed: false` ignores the types: each value takes the text up to its next literal (two
 * places for a field that holds the separator), so a line with one broken value still names that value's field.
 */
export function matchFields(text: string, from: number, to: number, literals: readonly string[], fields: readonly MatchField[], typed: boolean): number[] | undefined {
  const n = fields.length;
  const bounds = new Array<number>(2 * n).fill(0);
  const dead = new Set<number>();
  let steps = 0;
  let jsonChars = 0;
  const fits = (i: number, start: number, end: number): boolean => {
    if (!typed) return true;
    const reader = fields[i].reader;
    if (reader.costly) {
      jsonChars += end - start;
      if (jsonChars > MAX_JSON_CHARS) steps = MAX_STEPS;
    }
    return reader.fits(text.slice(start, end));
  };
  const search = (i: number, start: number): boolean => {
    if (i === n - 1) {
      if (start > to || !fits(i, start, to)) return false;
      // Untyped, the last value takes no more places of the literal before it than any other value.
      const previous = literals[n - 1];
      if (!typed && previous !== '' && n > 1) {
        const inside = text.indexOf(previous, start);
        if (inside >= 0 && inside + previous.length <= to && (!fields[i].holdsSeparator || text.indexOf(previous, inside + 1) >= 0)) return false;
      }
      bounds[2 * i] = start;
      bounds[2 * i + 1] = to;
      return true;
    }
    const key = i * (to + 1) + start;
    if (dead.has(key)) return false;
    const literal = literals[i + 1];
    const field = fields[i];
    const tryEnd = (end: number): boolean => {
      if (++steps > MAX_STEPS || !fits(i, start, end)) return false;
      bounds[2 * i] = start;
      bounds[2 * i + 1] = end;
      return search(i + 1, end + literal.length);
    };
    const place = (at: number): number => {
      const found = literal === '' ? at : text.indexOf(literal, at);
      return found >= 0 && found + literal.length <= to ? found : -1;
    };
    const stringEnd = field.jsonString ? jsonStringEnd(text, start) : -1;
    if (stringEnd >= 0 && place(stringEnd) === stringEnd) {
      if (tryEnd(stringEnd)) return true;
    } else {
      // Untyped: the next place (two for a field that holds the separator); typed: every place, when the value may
      // hold the literal at all.
      const limit = !typed ? (field.holdsSeparator ? 2 : 1) : field.reader.spans(literal) ? Infinity : 1;
      const first = place(start);
      const second = field.holdsSeparator && first >= 0 && limit >= 2 ? place(first + 1) : -1;
      let tried = 0;
      let at = start;
      if (second >= 0) {
        if (tryEnd(second) || tryEnd(first)) return true;
        tried = 2;
        at = second + 1;
      }
      for (; tried < limit && steps <= MAX_STEPS; tried++) {
        const end = place(at);
        if (end < 0) break;
        if (tryEnd(end)) return true;
        at = end + 1;
      }
    }
    if (steps <= MAX_STEPS) dead.add(key);
    return false;
  };
  if (n === 0) return from === to ? [] : undefined;
  begun = false;
  return search(0, from) ? bounds : undefined;
}

/** Whether the scanner was begun on the text `matchFields` is aligning (once, when a JSON string is first read). */
let begun = false;

/** The end of the JSON string token at `start` of the text being aligned, or -1. */
function jsonStringEnd(text: string, start: number): number {
  if (text.charCodeAt(start) !== 34) return -1;
  if (!begun) {
    scanner.begin(text);
    begun = true;
  }
  return scanner.scanValue(start);
}
