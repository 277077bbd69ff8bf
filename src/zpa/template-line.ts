/**
 * Reads a line the way a compiled LSS template prints it (JSON, CSV or TSV, a default template or a user's) into
 * JSON object text the processor checks like any JSON record: each field's value found by aligning the line to the
 * template's literal text (template-match.ts), read back by its specifier (template-values.ts), a timestamp rebuilt
 * from its pieces, written under its record key. Text before the template's own (a syslog header) is the header.
 */
import { TIME_PIECES, type CompiledTemplate, type TimePiece } from './lss-template.js';
import type { LogSchema } from './schema.js';
import { matchFields, type MatchField } from './template-match.js';
import { pieceReader, timeJson, TimeParts, valueReader, type ValueReader } from './template-values.js';
import { MARKER, type LssTemplate, type TemplateSet } from './templates.js';

export type TemplateLine = { ok: true; json: string; header: string } | { ok: false; error: string };

/** `<PRI>`, and the RFC 5424 header after it (`1 - - - - - - `): text a syslog sender puts before the template's. */
const SYSLOG_HEADER = /^<\d{1,3}>(?:\d (?:\S+ ){6})?/;
/** A literal that can anchor the line: it holds a word (` User Activity zpa-lss: ,`), not just punctuation. */
const DISTINCTIVE = /[A-Za-z0-9]{2}/;

/** A template compiled into readers once, against the schema of its log type. */
export class TemplateReader {
  private readonly fields: MatchField[];
  private readonly readers: ValueReader[];
  private readonly pieces: (TimePiece | undefined)[];
  /** The fields and literals from the first field or the second (when the first is the line's head), for matchFields. */
  private readonly from: { fields: MatchField[]; literals: readonly string[] }[];
  /** Per field, the `"Key":` text a CSV/TSV record's JSON writes before its value (undefined: a key written before). */
  private readonly members: (string | undefined)[];

  constructor(
    readonly template: CompiledTemplate,
    private readonly schema: LogSchema | undefined,
    separatorFields: ReadonlySet<string> = new Set(),
  ) {
    this.pieces = template.fields.map((f) => (TIME_PIECES as readonly string[]).includes(f.rendering ?? '') ? (f.rendering as TimePiece) : undefined);
    this.readers = template.fields.map((f, i) => (this.pieces[i] !== undefined ? pieceReader(this.pieces[i]) : valueReader(f, this.fieldOf(f.key))));
    this.fields = template.fields.map((f, i) => ({
      reader: this.readers[i],
      holdsSeparator: separatorFields.has(f.key),
      jsonString: f.conv === 'j' && f.list === undefined && !f.quoted,
    }));
    this.from = [0, 1].map((first) => ({ fields: this.fields.slice(first), literals: template.literals.slice(first) }));
    this.members = template.fields.map((f, i) => (template.fields.findIndex((g) => g.key === f.key) === i ? `${JSON.stringify(f.key)}:` : undefined));
  }

  /**
   * The line's values as JSON object text; `dateMs` dates a time whose pieces hold no date. `untyped`: when no
   * reading fits every value's type, take one where only a few do not (then named as they are).
   */
  read(line: string, dateMs: number, untyped = true): TemplateLine {
    const { literals, fields } = this.template;
    const n = fields.length;
    // Spaces after a template's closing text are no value's (an empty last value of a CSV line is).
    const last = literals[n].replace(/ +$/, '');
    const end = last === '' ? line.length : line.replace(/ +$/, '').length;
    if (!line.slice(0, end).endsWith(last)) return { ok: false, error: `the line does not end with ${JSON.stringify(last.slice(-24))}` };
    const to = end - last.length;
    const start = this.start(line, to);
    if (!start.ok) return start;
    const { header, from, first } = start;
    const rest = this.from[first];
    const bounds = matchFields(line, from, to, rest.literals, rest.fields, true) ?? (untyped ? this.untyped(line, from, to, first) : undefined);
    if (bounds === undefined) return { ok: false, error: `${this.template.format}: the values do not fit the ${n} fields of the template ${this.template.name}` };
    // The values' bounds, [start0, end0, start1, end1, ...], the head's first.
    const values = first === 0 ? bounds : [...start.head, ...bounds];
    const json = this.template.format === 'json' ? this.rewritten(line, from - literals[0].length, to + last.length, values, dateMs) : undefined;
    return { ok: true, json: json ?? this.json(line, values, dateMs), header };
  }

  /**
   * The reading that ignores the types, when only a few values break theirs (one in four at most, or one): those are
   * then named as they are; a line mostly unlike the template's is not its line.
   */
  private untyped(line: string, from: number, to: number, first: number): number[] | undefined {
    const { fields, literals } = this.from[first];
    const bounds = matchFields(line, from, to, literals, fields, false);
    if (bounds === undefined) return undefined;
    const misfits = fields.filter((f, i) => !f.reader.fits(line.slice(bounds[2 * i], bounds[2 * i + 1]))).length;
    return misfits <= Math.max(1, fields.length / 4) ? bounds : undefined;
  }

  /**
   * Where the template's own text starts: at its first literal; or, when a field comes first, at that field's value
   * just before the first literal that can anchor the line (a ctime before ` User Activity zpa-lss: ,`), else after a
   * syslog header.
   */
  private start(line: string, to: number): { ok: true; header: string; from: number; first: number; head: number[] } | { ok: false; error: string } {
    const literals = this.template.literals;
    if (literals[0] !== '') {
      const at = line.indexOf(literals[0]);
      if (at < 0 || at > to) return { ok: false, error: `no ${JSON.stringify(literals[0].slice(0, 32))} in the line, where the template starts` };
      return { ok: true, header: line.slice(0, at).trimEnd(), from: at + literals[0].length, first: 0, head: [] };
    }
    if (literals.length > 2 && DISTINCTIVE.test(literals[1])) {
      const anchor = line.indexOf(literals[1]);
      if (anchor < 0 || anchor > to) return { ok: false, error: `no ${JSON.stringify(literals[1].trim().slice(0, 32))} in the line` };
      // The first value is the longest tail of the text before the anchor that reads as it.
      for (let s = 0; s < anchor; s++) {
        if (this.readers[0].fits(line.slice(s, anchor))) {
          return { ok: true, header: line.slice(0, s).trimEnd(), from: anchor + literals[1].length, first: 1, head: [s, anchor] };
        }
      }
      return { ok: false, error: `no ${this.template.fields[0].spec} value before ${JSON.stringify(literals[1].trim().slice(0, 32))}` };
    }
    const header = SYSLOG_HEADER.exec(line)?.[0] ?? '';
    return { ok: true, header: header.trimEnd(), from: header.length, first: 0, head: [] };
  }

  /**
   * A JSON template's line with each value (with the quotes the template put around it) replaced by the JSON it
   * stands for: the record as printed, constant members (`"EventType":"user-activity"`) and all; undefined when a
   * key's values are not side by side (then `json` writes the record afresh).
   */
  private rewritten(line: string, start: number, end: number, values: number[], dateMs: number): string | undefined {
    const { fields, literals } = this.template;
    let out = '';
    let from = start;
    for (let i = 0; i < fields.length; ) {
      let j = i + 1;
      while (j < fields.length && fields[j].key === fields[i].key && this.pieces[j] !== undefined) j++;
      if (fields.slice(j).some((f) => f.key === fields[i].key)) return undefined;
      const quoted = literals[i].endsWith('"') && literals[j].startsWith('"');
      const spanStart = values[2 * i] - (quoted ? 1 : 0);
      const spanEnd = values[2 * j - 1] + (quoted ? 1 : 0);
      out += line.slice(from, spanStart) + this.valueJson(line, values, i, j, dateMs);
      from = spanEnd;
      i = j;
    }
    return out + line.slice(from, end);
  }

  /** The JSON value of fields `[i, j)`: one field's, or a time's rebuilt from its pieces. */
  private valueJson(line: string, values: number[], i: number, j: number, dateMs: number): string {
    if (this.pieces[i] === undefined) {
      const json = this.readers[i].json(line.slice(values[2 * i], values[2 * i + 1]));
      // A list between the template's own brackets (`[%j(,){X}]`) gives its elements only.
      const { literals, fields } = this.template;
      return fields[i].list !== undefined && /\[\s*$/.test(literals[i]) && /^\s*\]/.test(literals[j]) ? json.slice(1, -1) : json;
    }
    const parts = new TimeParts();
    for (let k = i; k < j; k++) parts.add(this.pieces[k]!, line.slice(values[2 * k], values[2 * k + 1]));
    return this.partsJson(this.template.fields[i].key, parts, dateMs);
  }

  private partsJson(key: string, parts: TimeParts, dateMs: number): string {
    const time = parts.time(dateMs);
    return time === undefined ? '""' : timeJson(this.fieldOf(key), time.us, time.unit, String(Math.floor(time.us / 1e6)));
  }

  /** `{"Key":value,...}` in template order, each key once; a time's pieces make one value where the first stood. */
  private json(line: string, values: number[], dateMs: number): string {
    const fields = this.template.fields;
    let parts: Map<string, TimeParts> | undefined;
    for (let i = 0; i < fields.length; i++) {
      const piece = this.pieces[i];
      if (piece === undefined) continue;
      parts ??= new Map();
      const key = fields[i].key;
      if (!parts.has(key)) parts.set(key, new TimeParts());
      parts.get(key)!.add(piece, line.slice(values[2 * i], values[2 * i + 1]));
    }
    let out = '';
    for (let i = 0; i < fields.length; i++) {
      const member = this.members[i];
      if (member === undefined) continue;
      const time = parts?.get(fields[i].key);
      const value = time === undefined ? this.readers[i].json(line.slice(values[2 * i], values[2 * i + 1])) : this.partsJson(fields[i].key, time, dateMs);
      out += (out === '' ? '{' : ',') + member + value;
    }
    return out === '' ? '{}' : out + '}';
  }

  private fieldOf(key: string) {
    return this.schema?.byKey.get(key) ?? this.schema?.byLowerKey.get(key.toLowerCase());
  }
}

export type DelimitedLine = { ok: true; json: string; header: string; template: LssTemplate } | { ok: false; error: string };

/**
 * A CSV/TSV line without a configured template (`<ctime> User Activity zpa-lss: ,v1,v2,...`): the default template
 * whose label stands before the `zpa-lss:` marker (of `logType` only, when the tag says it), read by `readerOf`.
 */
export function readDefaultDelimited(line: string, markerAt: number, templates: TemplateSet, logType: string | undefined, readerOf: (t: LssTemplate) => TemplateReader, dateMs: number): DelimitedLine {
  const marker = MARKER.exec(line.slice(markerAt))!;
  let bodyStart = markerAt + marker.index + marker[0].length;
  while (line.charCodeAt(bodyStart) === 32) bodyStart++;
  const sep = line[bodyStart];
  const format = sep === ',' ? 'csv' : sep === '\t' ? 'tsv' : undefined;
  if (format === undefined) return { ok: false, error: `expected ',' or a tab after ${marker[0]}` };
  const before = line.slice(0, markerAt + marker.index).trimEnd();
  let pieces = 1;
  for (let at = line.indexOf(sep, bodyStart + 1); at >= 0; at = line.indexOf(sep, at + 1)) pieces++;
  const labelled = (label: string) => before.endsWith(label) && (before.length === label.length || before.charCodeAt(before.length - label.length - 1) === 32);
  const candidates = templates.templates
    .filter((t) => t.format === format && (logType === undefined || t.logType === logType) && labelled(t.label))
    .sort((a, b) => Number(b.fields.length - b.markerAt === pieces) - Number(a.fields.length - a.markerAt === pieces));
  if (candidates.length === 0) {
    return { ok: false, error: `no ${format.toUpperCase()} template${logType ? ` of ${logType}` : ''} has the label before the marker: ${JSON.stringify(before.slice(-48))}` };
  }
  for (const t of candidates) {
    const read = readerOf(t).read(line, dateMs);
    if (read.ok) return { ...read, template: t };
  }
  const sizes = [...new Set(candidates.map((c) => c.fields.length - c.markerAt))].join(' or ');
  return { ok: false, error: `${format}: ${pieces} values do not fit the ${sizes} typed positions of the ${candidates[0].logType} template` };
}
