/**
 * Parses LSS CSV/TSV lines (`<ctime> User Activity zpa-lss: ,v1,v2,...`) into JSON object text, using the template's
 * field positions. LSS does not quote values, so a value may contain the separator (ConnectionID always does in CSV):
 * the line is aligned to the template by its typed positions (integers, floats, timestamps, quoted strings and JSON
 * documents must parse), giving extra pieces first to the fields known to hold the separator.
 */
import { isJsonText, JsonScanner } from './json-scan.js';
import { MARKER, type LssFormat, type LssTemplate, type Placeholder, type TemplateSet } from './templates.js';

const CTIME_TAIL = /[A-Z][a-z]{2} [A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d \d{4}$/;
const INTEGER = /^-?\d+$/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const ISO_START = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d/;
const scanner = new JsonScanner();
/**
 * Alignment gives up beyond this many search steps (a line with many separators inside free-text values), or once
 * it has checked this many characters of candidate JSON values: both bound the work one line can cost, whatever its
 * shape, to milliseconds (the fuzzer found lines of a few KB that took seconds to minutes before).
 */
const MAX_STEPS = 50_000;
const MAX_JSON_CHARS = 1_000_000;

export type DelimitedResult =
  | { ok: true; template: LssTemplate; json: string; header: string }
  | { ok: false; error: string };

/** Where the `zpa-lss:` marker ends in `line`, or -1. */
export function findMarker(line: string): { start: number; end: number } | undefined {
  const m = MARKER.exec(line);
  return m ? { start: m.index, end: m.index + m[0].length } : undefined;
}

/**
 * `logType` restricts the templates tried (from the tag); `isJsonField(logType, key)` says which keys the schema
 * types as `json`, whose values are JSON documents that must parse whole.
 */
export function parseDelimited(
  line: string,
  marker: { start: number; end: number },
  templates: TemplateSet,
  logType: string | undefined,
  isJsonField: (logType: string, key: string) => boolean,
): DelimitedResult {
  let bodyStart = marker.end;
  while (line.charCodeAt(bodyStart) === 32) bodyStart++;
  const sep = line[bodyStart];
  const format: LssFormat | undefined = sep === ',' ? 'csv' : sep === '\t' ? 'tsv' : undefined;
  if (format === undefined) return { ok: false, error: `expected ',' or a tab after ${line.slice(marker.start, marker.end)}` };
  const before = line.slice(0, marker.start).trimEnd();
  const pieces = line.slice(bodyStart + 1).split(sep);
  const candidates = templates.templates
    .filter((t) => t.format === format && (logType === undefined || t.logType === logType))
    .filter((t) => before === t.label || before.endsWith(' ' + t.label))
    .map((t) => ({ t, fields: t.placeholders.slice(t.firstField) }))
    .sort((a, b) => Number(b.fields.length === pieces.length) - Number(a.fields.length === pieces.length));
  if (candidates.length === 0) {
    return { ok: false, error: `no ${format.toUpperCase()} template${logType ? ` of ${logType}` : ''} has the label before the marker: ${JSON.stringify(before.slice(-48))}` };
  }
  for (const { t, fields } of candidates) {
    const isJson = (key: string) => isJsonField(t.logType, key);
    // When no typed reading fits, a positional one (only the separator fields spanning two pieces) still lets the
    // validator name the field that broke its type.
    const counts = align(pieces, fields, sep, templates.separatorFields[format], isJson, false) ?? align(pieces, fields, sep, templates.separatorFields[format], isJson, true);
    if (counts === undefined) continue;
    const head = before.slice(0, before.length - t.label.length).trimEnd();
    let header = head;
    let json = '{';
    if (t.firstField > 0) {
      const m = CTIME_TAIL.exec(head);
      header = m ? head.slice(0, m.index).trimEnd() : head;
      json += JSON.stringify(t.placeholders[0].key) + ':' + JSON.stringify(m ? m[0] : '');
    }
    let p = 0;
    fields.forEach((f, i) => {
      const parts = pieces.slice(p, p + counts[i]);
      p += counts[i];
      json += (json.length > 1 ? ',' : '') + JSON.stringify(f.key) + ':' + valueJson(f, parts, sep);
    });
    return { ok: true, template: t, json: json + '}', header };
  }
  const sizes = [...new Set(candidates.map((c) => c.fields.length))].join(' or ');
  return { ok: false, error: `${format}: ${pieces.length} values do not fit the ${sizes} typed positions of the ${candidates[0].t.logType} template` };
}

function valueJson(f: Placeholder, parts: string[], sep: string): string {
  const text = parts.join(sep);
  if (f.list) {
    // LSS joins list elements with a comma in both CSV and TSV.
    if (text === '') return '[]';
    return '[' + text.split(',').map((e) => (f.conv === 'd' && JSON_NUMBER.test(e) ? e : JSON.stringify(e))).join(',') + ']';
  }
  if (f.conv === 'j' && text !== '') return text;
  if ((f.conv === 'd' || f.conv === 'f') && JSON_NUMBER.test(text)) return text;
  return JSON.stringify(text);
}

/** Fits one piece only, and the piece must look like its type (or be empty). */
function singleFits(f: Placeholder, piece: string): boolean {
  if (f.time === 'iso8601') return piece === '' || ISO_START.test(piece);
  if (f.time === 'time') return piece === '' || CTIME_TAIL.test(piece);
  if (f.list) return true;
  if (f.conv === 'd') return piece === '' || INTEGER.test(piece);
  if (f.conv === 'f') return piece === '' || NUMBER.test(piece);
  return true;
}

/**
 * How many pieces each field takes, found by a depth-first search over the typed positions with a memo of dead ends
 * (`positional`: ignore the types). Returns undefined when no reading fits.
 */
function align(
  pieces: readonly string[],
  fields: readonly Placeholder[],
  sep: string,
  separatorFields: ReadonlySet<string>,
  isJsonField: (key: string) => boolean,
  positional: boolean,
): number[] | undefined {
  const n = fields.length;
  const m = pieces.length;
  if (m < n) return undefined;
  const counts = new Array<number>(n).fill(1);
  const dead = new Set<number>();
  let steps = 0;
  let jsonChars = 0;
  const fits = (fi: number, pi: number, k: number): boolean => {
    const f = fields[fi];
    if (positional) return k === 1 || (k === 2 && separatorFields.has(f.key));
    const json = f.conv === 'j' || isJsonField(f.key);
    if (!json) return k === 1 ? singleFits(f, pieces[pi]) : (f.conv === 's' || f.list) && f.time === undefined;
    // Only a JSON value needs its pieces joined, to be parsed whole.
    const joined = k === 1 ? pieces[pi] : pieces.slice(pi, pi + k).join(sep);
    jsonChars += joined.length;
    if (jsonChars > MAX_JSON_CHARS) steps = MAX_STEPS;
    return (k === 1 && joined === '') || ((f.conv !== 'j' || joined.startsWith('"')) && isJsonText(scanner, joined));
  };
  /** A field that may take more than one piece: free text and lists (and JSON) in a typed reading. */
  const canSpan = (f: Placeholder): boolean => !positional && (f.conv === 'j' || isJsonField(f.key) || ((f.conv === 's' || f.list) && f.time === undefined));
  const search = (fi: number, pi: number): boolean => {
    if (fi === n) return pi === m;
    const key = fi * (m + 1) + pi;
    if (dead.has(key)) return false;
    const maxK = m - pi - (n - fi - 1);
    // Each piece count tried is a step, so the budget bounds the work, not just the depth.
    const tryK = (k: number): boolean => {
      if (++steps > MAX_STEPS || !fits(fi, pi, k)) return false;
      counts[fi] = k;
      return search(fi + 1, pi + k);
    };
    const f = fields[fi];
    const first = separatorFields.has(f.key) && maxK >= 2 ? 2 : 1;
    if (maxK >= 1 && tryK(first)) return true;
    if (first === 2 && tryK(1)) return true;
    if (canSpan(f)) for (let k = first + 1; k <= maxK && steps <= MAX_STEPS; k++) if (tryK(k)) return true;
    if (steps <= MAX_STEPS) dead.add(key);
    return false;
  };
  return search(0, 0) ? counts : undefined;
}
