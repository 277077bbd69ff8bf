/**
 * Reads a JSON line that is not valid JSON the way a person would, member by member, and writes it back as valid JSON
 * with one deviation per repair: a `%s` value printed bare where the default quotes it (`"ObjectName":app1.test.com`),
 * a number printf printed in a form JSON lacks (`00443`, `+5`, `0x1bb`), a string with a bad escape, a raw control
 * character or a missing quote (read up to the next member), a comma where the colon belongs, text where a member
 * belongs, a record cut short. Used only after the strict scanner refused a line, so valid lines never pay for it.
 */
import type { Deviation } from './deviations.js';
import { JsonScanner, skipWhitespace } from './json-scan.js';
import { readPrintedNumber } from './printf.js';

export type Repaired = { json: string; deviations: Deviation[] } | { error: string };

/** What follows a member's value: `, "Key":` (the next member) or the closing brace at the end of the line. */
const MEMBER_START = /\s*"([^"\\]{1,256})"\s*:/y;
const SHOWN = 80;

const scanner = new JsonScanner();

/** Repairs the object at `text[start] === '{'` up to the end of `text`. */
export function repairJson(text: string, start: number): Repaired {
  const deviations: Deviation[] = [];
  const note = (field: string, expected: string, got: string, kind: Deviation['kind']) => deviations.push({ field, expected, got: shown(got), kind });
  const end = text.length;
  const members: string[] = [];
  let i = skipWhitespace(text, start + 1);
  let closed = false;
  scanner.begin(text);
  while (i < end) {
    if (text.charCodeAt(i) === 125 /* } */) {
      closed = true;
      i++;
      break;
    }
    if (text.charCodeAt(i) !== 34 /* " */) {
      const rest = lastBrace(text, i);
      note('(record)', 'a "key": value member', text.slice(i, rest).trim(), 'unparsed_text');
      i = rest;
      continue;
    }
    // The key, then the colon (a comma in its place is read as one).
    const keyEnd = scanner.scanValue(i);
    if (keyEnd < 0) return { error: `not valid JSON: ${scanner.error}` };
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWhitespace(text, keyEnd);
    const colon = text.charCodeAt(i);
    if (colon === 44 /* , */) note(key, "':' after the key", "','", 'malformed');
    else if (colon !== 58 /* : */) return { error: `not valid JSON: expected ':' after the key ${JSON.stringify(key)} at offset ${i}` };
    i = skipWhitespace(text, i + 1);
    // The value: a JSON value followed by the next member or the end, else read up to there.
    const valueEnd = scanner.scanValue(i);
    const after = valueEnd < 0 ? -1 : skipWhitespace(text, valueEnd);
    let value: string;
    if (valueEnd >= 0 && (after === end || text.charCodeAt(after) === 44 || text.charCodeAt(after) === 125)) {
      value = text.slice(i, valueEnd);
      i = after;
    } else {
      const boundary = nextMember(text, i);
      value = recoverValue(text, i, boundary, key, note);
      i = boundary;
    }
    members.push(`${JSON.stringify(key)}:${value}`);
    if (text.charCodeAt(i) === 44) i = skipWhitespace(text, i + 1);
  }
  if (!closed) note('(record)', "'}' at the end of the record", 'the end of the line', 'malformed');
  const trailing = text.slice(i).trim();
  if (trailing !== '') note('(record)', 'nothing after the closing brace', trailing, 'unparsed_text');
  if (members.length === 0) return { error: 'not valid JSON: no "key": value member could be read' };
  return { json: `{${members.join(',')}}`, deviations };
}

/** A value that is not JSON, `text[start, boundary)`: an unterminated or badly escaped string, or bare text. */
function recoverValue(text: string, start: number, boundary: number, key: string, note: (f: string, e: string, g: string, k: Deviation['kind']) => void): string {
  const raw = text.slice(start, boundary).trim();
  if (raw.startsWith('"')) {
    const close = raw.length > 1 && raw.endsWith('"') ? raw.length - 1 : raw.length;
    note(key, 'a JSON string', raw, 'malformed');
    return JSON.stringify(looseStringContent(raw.slice(1, close)));
  }
  if (raw === '') {
    note(key, 'a value', 'nothing', 'bare_value');
    return '""';
  }
  const number = readPrintedNumber(raw);
  if (number !== undefined) {
    note(key, 'a JSON number', raw, 'number_format');
    return number;
  }
  note(key, 'a quoted string', raw, 'bare_value');
  return JSON.stringify(raw);
}

/** Where the value at `from` ends: before `, "Key":` or before the last closing brace of the line. */
function nextMember(text: string, from: number): number {
  for (let j = text.indexOf(',', from); j >= 0; j = text.indexOf(',', j + 1)) {
    MEMBER_START.lastIndex = j + 1;
    if (MEMBER_START.test(text)) return j;
  }
  return lastBrace(text, from);
}

/** The index of the line's last closing brace at or after `from` (when only whitespace follows it), else the end. */
function lastBrace(text: string, from: number): number {
  const brace = text.lastIndexOf('}');
  return brace >= from && skipWhitespace(text, brace + 1) === text.length ? brace : text.length;
}

/**
 * The content of a string token's inside as a person reads it: JSON escapes decoded, anything else (a bad escape, a
 * quote, a control character) kept as the character it is.
 */
export function looseStringContent(inside: string): string {
  if (inside.indexOf('\\') < 0) return inside;
  return inside.replace(/\\(u[0-9a-fA-F]{4}|["\\/bfnrt])/g, (_, e: string) => {
    switch (e[0]) {
      case 'u':
        return String.fromCharCode(parseInt(e.slice(1), 16));
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      default:
        return e;
    }
  });
}

function shown(text: string): string {
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;
}
