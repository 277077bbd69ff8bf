/**
 * One record in, one outcome out: parse (JSON line, CSV/TSV line or a decoded record), classify, validate and coerce
 * against the schema, enrich. For the dominant input, a JSON line, this is a single pass over the text: the scanner
 * notes where each value sits, each value is checked in place, and the output is the original text with the few
 * coerced values replaced and the standard fields spliced in before the closing brace. Nothing is re-serialised,
 * so big integers pass through digit for digit.
 */
import type { FieldSpec, LogSchema, SchemaSet } from './schema.js';
import { Classifier } from './classify.js';
import { findMarker, parseDelimited } from './delimited.js';
import { Enricher, type RecordContext, type ZpaOptions } from './enrich.js';
import { FieldCheck } from './field-check.js';
import { IndicatorSet } from './indicators.js';
import { JsonScanner, Kind, Members, skipWhitespace, stringContent } from './json-scan.js';
import { recordToJson } from './record-json.js';
import { loadTemplates, type TemplateSet } from './templates.js';

export type Outcome =
  | {
      ok: true;
      logType: string;
      json: string;
      eventTimeMs: number;
      /**
       * `json.slice(0, recordEnd)` is the record as received (values coerced), without the standard fields the relay
       * appends (row id, parse time, sender): the same text each time the same record is resent.
       */
      recordEnd: number;
    }
  | { ok: false; logType: string | undefined; reason: RejectReason; detail: string; raw: string };

/** unparsable: not JSON or CSV/TSV at all; unclassified: no log type fits; invalid: a field breaks its schema. */
export type RejectReason = 'unparsable' | 'unclassified' | 'invalid';

const decoder = new TextDecoder();

export class ZpaProcessor {
  private readonly classifier: Classifier;
  private readonly enricher: Enricher;
  private readonly templates: TemplateSet;
  private readonly scanner = new JsonScanner();
  private readonly members = new Members();
  private readonly check = new FieldCheck();
  private readonly indicators = new IndicatorSet();
  /** The current record's keys, and the previous record's until overwritten. */
  private readonly keys: string[] = [];
  private keyCount = 0;
  /** The schema the previous record was classified as by its keys. */
  private lastClassified: LogSchema | undefined;
  /** fields[i]: the field spec of keys[i] in fieldsSchema. */
  private readonly fields: (FieldSpec | undefined)[] = [];
  private fieldsSchema: LogSchema | undefined;
  /**
   * seen[field.index] === generation: the field was present in the current record (no clearing per record).
   * Float64: an Int32 generation would wrap after 2^31 records, hours at full speed.
   */
  private readonly seen: Float64Array;
  private generation = 0;

  constructor(
    private readonly schemas: SchemaSet,
    options: ZpaOptions = {},
    templates?: TemplateSet,
  ) {
    this.classifier = new Classifier(schemas);
    this.enricher = new Enricher(options);
    this.templates = templates ?? loadTemplates();
    this.seen = new Float64Array(Math.max(...schemas.schemas.map((s) => s.fields.length)));
  }

  process(record: Record<string, unknown>, ctx: RecordContext): Outcome {
    const line = lineOf(record);
    if (line === undefined) return this.processJson(recordToJson(record), 0, '', this.classifier.byTag(ctx.tag), ctx);
    return this.processLine(line, ctx);
  }

  /** A raw LSS line: JSON after optional text (a syslog header), or the CSV/TSV template with its `zpa-lss:` prefix. */
  processLine(line: string, ctx: RecordContext): Outcome {
    let end = line.length;
    while (end > 0 && (line.charCodeAt(end - 1) === 13 || line.charCodeAt(end - 1) === 10)) end--;
    if (end !== line.length) line = line.slice(0, end);
    const tagged = this.classifier.byTag(ctx.tag);
    const brace = line.indexOf('{');
    // The CSV/TSV marker comes before any brace (Audit CSV values hold JSON): look only there.
    const marker = brace === 0 ? undefined : findMarker(brace < 0 ? line : line.slice(0, brace));
    if (marker !== undefined && (brace < 0 || marker.start < brace)) {
      const parsed = parseDelimited(line, marker, this.templates, tagged?.id, (logType, key) => this.schemas.byId.get(logType)?.byKey.get(key)?.type === 'json');
      if (!parsed.ok) return reject(tagged, 'unparsable', parsed.error, line);
      const outcome = this.processJson(parsed.json, 0, parsed.header, this.schemas.byId.get(parsed.template.logType), ctx);
      return outcome.ok ? outcome : { ...outcome, raw: line };
    }
    if (brace < 0) return reject(tagged, 'unparsable', 'no JSON object and no LSS CSV/TSV prefix in the line', line);
    return this.processJson(line, brace, line.slice(0, brace), tagged, ctx);
  }

  private processJson(text: string, start: number, linePrefix: string, schema: LogSchema | undefined, ctx: RecordContext): Outcome {
    const m = this.members;
    const scanner = this.scanner;
    const close = scanner.scanObject(text, start, m);
    if (close < 0) return reject(schema, 'unparsable', `not valid JSON: ${scanner.error}`, text);
    if (skipWhitespace(text, close) !== text.length) return reject(schema, 'unparsable', `not valid JSON: text after the object at offset ${close}`, text);

    const count = m.count;
    // LSS writes every record of a stream with the same keys in the same order: when this record's keys are the
    // previous record's, reuse its key strings, classification and field lookups instead of redoing them.
    const sameKeys = this.readKeys(text, m);
    const keys = this.keys;
    if (schema !== undefined) {
      this.lastClassified = undefined; // a tag says nothing about what these keys classify as
    } else {
      if (sameKeys && this.lastClassified !== undefined) {
        schema = this.lastClassified;
      } else {
        const classifier = this.classifier;
        classifier.reset();
        for (let i = 0; i < count; i++) classifier.countKey(keys[i]);
        schema = classifier.best(count);
        this.lastClassified = schema;
        if (schema === undefined) return reject(undefined, 'unclassified', `no log type matches the keys ${describeKeys(keys, count)}`, text);
      }
    }
    const fields = this.fields;
    if (!sameKeys || schema !== this.fieldsSchema) {
      for (let i = 0; i < count; i++) fields[i] = schema.byKey.get(keys[i]);
      this.fieldsSchema = schema;
    }

    const gen = ++this.generation;
    const seen = this.seen;
    const check = this.check;
    const indicators = this.indicators;
    indicators.clear();
    let eventMs = NaN;
    let eventField = Infinity;
    let out = '';
    let from = start;
    for (let i = 0; i < count; i++) {
      const field = fields[i];
      if (field === undefined) continue; // unknown keys are kept as they are
      seen[field.index] = gen;
      const vs = m.valueStart[i];
      const ve = m.valueEnd[i];
      const kind = m.kind[i];
      if (!check.check(field, text, vs, ve, kind, m.flag[i])) {
        return reject(schema, 'invalid', `field ${field.name}: ${check.error}`, text);
      }
      if (check.replacement !== undefined) {
        out += text.slice(from, vs) + check.replacement;
        from = ve;
      }
      if (field.isEventTime && field.index < eventField && !Number.isNaN(check.ms)) {
        eventMs = check.ms;
        eventField = field.index;
      }
      const ind = field.indicators;
      if (ind.length !== 0 && field.type === 'string' && kind !== Kind.Null) {
        const value = kind === Kind.String ? stringContent(text, vs, ve, m.flag[i]) : check.content;
        for (let j = 0; j < ind.length; j++) indicators.add(ind[j], value);
      }
    }
    for (const field of schema.requiredFields) {
      if (seen[field.index] !== gen) return reject(schema, 'invalid', `field ${field.name}: required, missing`, text);
    }

    const parseMs = Date.now();
    if (Number.isNaN(eventMs)) eventMs = parseMs;
    const extra = this.enricher.members(schema, eventMs, parseMs, indicators, ctx, linePrefix);
    const record = count === 0 ? '{' : out + text.slice(from, close - 1);
    const json = count === 0 ? record + extra.slice(1) + '}' : record + extra + '}';
    return { ok: true, logType: schema.name, json, eventTimeMs: eventMs, recordEnd: record.length };
  }

  /** Fills `keys` from the scanned members; true when they equal the previous record's keys, position by position. */
  private readKeys(text: string, m: Members): boolean {
    const keys = this.keys;
    let same = m.count === this.keyCount;
    for (let i = 0; i < m.count; i++) {
      // slice + === measured faster here than startsWith or a char loop.
      const raw = text.slice(m.keyStart[i], m.keyEnd[i]);
      const k = m.keyEscaped[i] ? (JSON.parse('"' + raw + '"') as string) : raw;
      if (k === keys[i]) continue;
      keys[i] = k;
      same = false;
    }
    this.keyCount = m.count;
    return same;
  }
}

/** The raw line of a `Format none` record (`{log: "..."}`), or undefined for a parsed (`Format json`) record. */
function lineOf(record: Record<string, unknown>): string | undefined {
  const log = record.log;
  if (log === undefined) return undefined;
  for (const k in record) if (k !== 'log') return undefined;
  if (typeof log === 'string') return log;
  if (log instanceof Uint8Array) return decoder.decode(log);
  return undefined;
}

function describeKeys(keys: readonly string[], count: number): string {
  const shown = keys.slice(0, Math.min(count, 6)).join(', ');
  return count > 6 ? `${shown}, … (${count} keys)` : `${shown || '(none)'}`;
}

function reject(schema: LogSchema | undefined, reason: RejectReason, detail: string, raw: string): Outcome {
  return { ok: false, logType: schema?.name, reason, detail, raw };
}
