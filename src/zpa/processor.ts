/**
 * One record in, one outcome out: parse (JSON line, CSV/TSV line or a decoded record), classify, validate and coerce
 * against the schema, enrich. For the dominant input, a JSON line, this is a single pass over the text: the scanner
 * notes where each value sits, each value is checked in place, and the output is the original text with the few
 * coerced values replaced and the standard fields spliced in before the closing brace. Nothing is re-serialised,
 * so big integers pass through digit for digit. A record that deviates from its schema goes on with its deviations
 * listed (or, with `validation: strict`, to the dead letters); only a line that cannot be read or classified is
 * a dead letter by default.
 */
import { isUtf8 } from 'node:buffer';
import { isFailure, type FailedRecord, type Outcome, type RecordContext, type RecordProcessor } from '../contract.js';
import { RecordText } from '../shared/record-text.js';
import { HAS_CONTROL, HAS_HIGH, latin1Text, scanBytes } from './byte-line.js';
import { Classifier } from './classify.js';
import { ConfiguredTemplates, type StreamTemplate } from './configured-templates.js';
import { deviationDetail, type Deviation } from './deviations.js';
import { Enricher, type ZpaOptions } from './enrich.js';
import { repairJson } from './json-repair.js';
import { JsonScanner, Kind, Members, skipWhitespace } from './json-scan.js';
import { keyFields, learnLayout, sameLayout, type Layout } from './layout.js';
import { RecordCheck } from './record-check.js';
import { recordToJson } from './record-json.js';
import type { LogSchema, SchemaSet } from './schema.js';
import { readDefaultDelimited, TemplateReader } from './template-line.js';
import { loadTemplates, MARKER, type LssTemplate, type TemplateSet } from './templates.js';

/** unparsable: not JSON or CSV/TSV at all; unclassified: no log type fits; invalid: a field breaks its schema (strict). */
export type RejectReason = 'unparsable' | 'unclassified' | 'invalid';

export interface ProcessorOptions extends ZpaOptions {
  /** `lenient` (default): deviations travel with the record; `strict`: a record that deviates is a dead letter. */
  validation?: 'lenient' | 'strict';
  /** The user's own templates (`zpa.templates`), compiled. */
  templates?: ConfiguredTemplates;
}

const decoder = new TextDecoder();

/** Up to this many coerced values, a record read from bytes stays a view of them with its edits (see acceptText). */
const MAX_VIEW_EDITS = 4;

export class ZpaProcessor implements RecordProcessor {
  private readonly classifier: Classifier;
  private readonly enricher: Enricher;
  private readonly defaults: TemplateSet;
  private readonly configured: ConfiguredTemplates;
  private readonly strict: boolean;
  private readonly scanner = new JsonScanner();
  private readonly members = new Members();
  private readonly check = new RecordCheck();
  private readonly keys: string[] = [];
  /** The last layout seen for records a tag assigned to a schema, per schema; and for records classified by keys. */
  private readonly taggedLayouts = new Map<LogSchema, Layout>();
  private untaggedLayout: Layout | undefined;
  private readonly defaultReaders = new Map<LssTemplate, TemplateReader>();
  /** The stream of the last tag seen: the records of a message, and mostly of a connection, share it. */
  private lastTag: string | undefined;
  private tagged: LogSchema | undefined;
  private template: StreamTemplate | undefined;
  /** The record's context and the Fluent Bit entry's time (NaN: none), set by process/processBytes. */
  private ctx: RecordContext = { tag: '', address: '', source: '' };
  private entryMs = NaN;

  constructor(
    private readonly schemas: SchemaSet,
    options: ProcessorOptions = {},
    templates?: TemplateSet,
  ) {
    this.defaults = templates ?? loadTemplates();
    const defaults = this.defaults;
    this.classifier = new Classifier(schemas, (id) => defaults.templates.filter((t) => t.logType === id).flatMap((t) => t.fields.map((f) => f.variable)));
    this.enricher = new Enricher(options);
    this.configured = options.templates ?? ConfiguredTemplates.none();
    this.strict = options.validation === 'strict';
  }

  process(record: Record<string, unknown>, ctx: RecordContext, entryMs = NaN): Outcome {
    this.enter(ctx, entryMs);
    const line = lineOf(record);
    if (line === undefined) return this.processJson(recordToJson(record), 0, '', this.tagged, undefined);
    return this.processLine(line, ctx, entryMs);
  }

  /** A raw LSS line: JSON after optional text (a syslog header), or CSV/TSV after its `zpa-lss:` prefix or as a template prints it. */
  processLine(line: string, ctx: RecordContext, entryMs = this.entryMs, noControl?: boolean): Outcome {
    this.enter(ctx, entryMs);
    let end = line.length;
    while (end > 0 && (line.charCodeAt(end - 1) === 13 || line.charCodeAt(end - 1) === 10)) end--;
    if (end !== line.length) line = line.slice(0, end);
    const template = this.template;
    const brace = line.indexOf('{');
    if (template !== undefined && !template.native) return this.withTemplate(line, brace, template, noControl);
    // The common case, a JSON line as LSS writes it: no prefix, so no CSV/TSV marker to look for.
    if (brace === 0) return this.processJson(line, 0, '', this.tagged, noControl);
    return this.withoutTemplate(line, brace, noControl, undefined);
  }

  /**
   * A raw LSS line given as its UTF-8 bytes `buf[start, end)`, the undecoded str of a `Format none` record. The line
   * is read as Latin-1 for checking, one character per byte, and a valid record goes on as a view of these bytes with
   * its coerced values as edits and the standard fields after it: the text dies young, and the record reaches the
   * sink's request body with one copy, never held as a string while it waits.
   */
  processBytes(buf: Buffer, start: number, end: number, ctx: RecordContext, entryMs = NaN): Outcome {
    this.enter(ctx, entryMs);
    const scan = scanBytes(buf, start, end);
    if ((scan & HAS_HIGH) !== 0) {
      // Not ASCII. Invalid UTF-8 is decoded with U+FFFD in place of bad bytes, and the rare non-ASCII line with a
      // prefix (or CSV/TSV) is decoded too: those paths build text from the line's pieces.
      if (buf[start] !== 0x7b || !isUtf8(buf.subarray(start, end))) return this.processLine(buf.toString('utf8', start, end), ctx);
    }
    const check = this.check;
    check.bytes = buf;
    check.bytesStart = start;
    check.ascii = (scan & HAS_HIGH) === 0;
    check.unfaithful = false;
    let outcome: Outcome;
    try {
      outcome = this.processLine(latin1Text(buf, start, end), ctx, entryMs, (scan & HAS_CONTROL) === 0);
    } finally {
      check.bytes = undefined;
    }
    // A non-ASCII line rejected or deviating (the reason quotes the text), or coerced into text with characters of its
    // own (a decoded \u escape): again as decoded text, which is exact.
    if (!check.ascii && (isFailure(outcome) || check.unfaithful || outcome.deviations !== undefined)) return this.processLine(buf.toString('utf8', start, end), ctx);
    return outcome;
  }

  /** Sets the record's context; works out its stream (tagged log type, configured template) when the tag changed. */
  private enter(ctx: RecordContext, entryMs: number): void {
    this.ctx = ctx;
    this.entryMs = entryMs;
    if (ctx.tag === this.lastTag) return;
    this.lastTag = ctx.tag;
    this.tagged = this.classifier.byTag(ctx.tag);
    this.template = this.configured.forTag(ctx.tag, this.tagged);
  }

  /**
   * A line of a stream with a template of its own; one that does not fit it is read as if it had none. A JSON line
   * on a CSV/TSV template's stream must fit it type for type, or it is read as the JSON it says it is.
   */
  private withTemplate(line: string, brace: number, template: StreamTemplate, noControl: boolean | undefined): Outcome {
    const read = template.reader.read(line, this.dateMs(), brace !== 0 || template.template.format === 'json');
    if (read.ok) return this.fromText(read.json, read.header, template.schema, line);
    if (brace === 0) return this.processJson(line, 0, '', this.tagged, noControl);
    return this.withoutTemplate(line, brace, noControl, `the line does not fit the template ${template.key}: ${read.error}`);
  }

  /** A line with a prefix: JSON after it, or CSV/TSV (the user's templates for its log type first, then Zscaler's). */
  private withoutTemplate(line: string, brace: number, noControl: boolean | undefined, why: string | undefined): Outcome {
    // The CSV/TSV marker comes before any brace (Audit CSV values hold JSON): look only there.
    const marker = MARKER.exec(brace < 0 ? line : line.slice(0, brace));
    const delimited = marker === null && brace >= 0 ? [] : this.configured.delimited().filter((t) => this.tagged === undefined || t.schema === this.tagged);
    for (const t of delimited) {
      const read = t.reader.read(line, this.dateMs(), true);
      if (read.ok) return this.fromText(read.json, read.header, t.schema, line);
    }
    if (marker !== null) {
      const read = readDefaultDelimited(line, marker.index, this.defaults, this.tagged?.id, (t) => this.defaultReader(t), this.dateMs());
      if (read.ok) return this.fromText(read.json, read.header, this.schemas.byId.get(read.template.logType), line);
      return this.reject(this.tagged, 'unparsable', why === undefined ? read.error : `${why}; ${read.error}`, line);
    }
    if (brace >= 0) return this.processJson(line, brace, line.slice(0, brace), this.tagged, noControl);
    return this.reject(this.tagged, 'unparsable', why ?? 'no JSON object and no LSS CSV/TSV prefix in the line', line);
  }

  /** JSON text a template reading produced (not the line's bytes); a refusal carries the line as it came. */
  private fromText(json: string, header: string, schema: LogSchema | undefined, line: string): Outcome {
    const check = this.check;
    // Built from a non-ASCII line's bytes read as Latin-1: processBytes reads it again as decoded text.
    if (check.bytes !== undefined && !check.ascii) check.unfaithful = true;
    check.bytes = undefined;
    const outcome = this.processJson(json, 0, header, schema, undefined);
    return isFailure(outcome) ? { ...outcome, raw: line } : outcome;
  }

  private defaultReader(template: LssTemplate): TemplateReader {
    let reader = this.defaultReaders.get(template);
    if (reader === undefined) {
      const format = template.format === 'tsv' ? 'tsv' : 'csv';
      reader = new TemplateReader(template, this.schemas.byId.get(template.logType), this.defaults.separatorFields[format]);
      this.defaultReaders.set(template, reader);
    }
    return reader;
  }

  /** `noControl`: the caller knows `text` has no control characters (undefined: not known). */
  private processJson(text: string, start: number, linePrefix: string, tagged: LogSchema | undefined, noControl: boolean | undefined): Outcome {
    const layout = tagged === undefined ? this.untaggedLayout : this.taggedLayouts.get(tagged);
    const fast = layout?.fast;
    if (fast !== undefined) {
      const close = this.checkAsLayout(text, start, fast.pieces, fast.fields, fast.tail, noControl);
      if (close >= 0) return this.acceptText(text, start, close, layout!.schema, linePrefix);
    }
    return this.processJsonFully(text, start, linePrefix, tagged, noControl, undefined);
  }

  /**
   * The fast path: reads the record as one with the layout's keys, checking each value as it goes, without building
   * a member list or key strings. Returns the index after the closing brace when the record has exactly the layout's
   * keys and every value conforms (so `processJsonFully` would accept it the same way, without a deviation); -1 for
   * anything else, which `processJsonFully` then handles, deviations and all.
   */
  private checkAsLayout(text: string, start: number, pieces: readonly string[], fields: Layout['fields'], tail: string, noControl: boolean | undefined): number {
    const scanner = this.scanner;
    const check = this.check;
    const count = pieces.length;
    scanner.begin(text, noControl);
    check.start();
    let i = start;
    for (let n = 0; n < count; n++) {
      const b = pieces[n];
      // indexOf measured ~3x faster than startsWith(b, i) on Node 20 and 24; a miss costs one search to the end.
      if (text.indexOf(b, i) !== i) return -1;
      i += b.length;
      const end = scanner.scanValue(i);
      if (end < 0) return -1;
      const field = fields[n];
      if (field !== undefined && !check.member(field, text, i, end, scanner.lastKind, scanner.lastFlag)) return -1;
      i = end;
    }
    if (text.indexOf(tail, i) !== i) return -1;
    const close = i + tail.length;
    return skipWhitespace(text, close) === text.length ? close : -1;
  }

  /** The general path: any keys in any order, classification, lenient reading, deviations. */
  private processJsonFully(text: string, start: number, linePrefix: string, tagged: LogSchema | undefined, noControl: boolean | undefined, repairs: Deviation[] | undefined): Outcome {
    const m = this.members;
    const scanner = this.scanner;
    const close = scanner.scanObject(text, start, m, noControl);
    const error = close < 0 ? scanner.error : skipWhitespace(text, close) !== text.length ? `text after the object at offset ${close}` : '';
    if (error !== '') {
      if (repairs !== undefined || this.strict) return this.reject(tagged, 'unparsable', `not valid JSON: ${error}`, text);
      const repaired = repairJson(text, start);
      if ('error' in repaired) return this.reject(tagged, 'unparsable', repaired.error, text);
      this.check.bytes = undefined;
      const outcome = this.processJsonFully(repaired.json, 0, linePrefix, tagged, undefined, repaired.deviations);
      return isFailure(outcome) ? { ...outcome, raw: text } : outcome;
    }
    const previous = tagged === undefined ? this.untaggedLayout : this.taggedLayouts.get(tagged);
    let layout = previous;
    if (layout === undefined || !sameLayout(text, start, close, m, layout)) {
      const learnt = this.newLayout(text, start, close, m, tagged);
      if (typeof learnt === 'string') return this.reject(undefined, 'unclassified', learnt, text);
      layout = learnt;
      if (tagged === undefined) this.untaggedLayout = layout;
      else this.taggedLayouts.set(tagged, layout);
    }
    const { schema, fields, renames } = layout;
    const check = this.check;
    check.start();
    if (repairs !== undefined) check.deviations.push(...repairs);
    check.deviations.push(...layout.standing);
    for (let i = 0; i < m.count; i++) {
      const rename = renames[i];
      if (rename !== undefined) check.edit(m.keyStart[i] - 1, m.keyEnd[i] + 1, rename);
      const field = fields[i];
      if (field === undefined) continue; // unknown keys are kept as they are
      const vs = m.valueStart[i];
      const ve = m.valueEnd[i];
      if (!check.member(field, text, vs, ve, m.kind[i], m.flag[i])) check.deviating(field, text, vs, ve, m.kind[i], m.flag[i]);
    }
    if (this.strict && check.deviations.length > 0) return this.reject(schema, 'invalid', check.refused ?? deviationDetail(check.deviations[0]), text);
    return this.acceptText(text, start, close, schema, linePrefix);
  }

  /** The layout of a record with keys not seen before: its log type, its keys' fields, what that makes it deviate by. */
  private newLayout(text: string, start: number, close: number, m: Members, tagged: LogSchema | undefined): Layout | string {
    const keys = this.keys;
    const count = m.count;
    let eventTypeAt = -1;
    for (let i = 0; i < count; i++) {
      const raw = text.slice(m.keyStart[i], m.keyEnd[i]);
      keys[i] = m.keyEscaped[i] ? (JSON.parse('"' + raw + '"') as string) : raw;
      if (m.kind[i] === Kind.String && keys[i].toLowerCase() === 'eventtype') eventTypeAt = i;
    }
    const named = eventTypeAt < 0 ? undefined : this.classifier.byEventType(JSON.parse(text.slice(m.valueStart[eventTypeAt], m.valueEnd[eventTypeAt])) as string);
    const variableKey = (id: string, key: string) => this.defaults.keyOfVariable(id, key);
    const standing: Deviation[] = [];
    let schema = (this.strict ? tagged : undefined) ?? named ?? tagged;
    let fitted = schema === undefined ? undefined : keyFields(schema, keys, count, variableKey);
    // The keys decide when the tag's type leaves required fields out and another type has them all, and knows more
    // of the keys (a subset of the tag's type's fields stays that type).
    if (schema === undefined || (fitted!.missing.length > 0 && named === undefined && !this.strict)) {
      const classifier = this.classifier;
      classifier.reset();
      for (let i = 0; i < count; i++) classifier.countKey(keys[i]);
      const best = classifier.best(count);
      const bestFitted = best === undefined || best === schema ? undefined : keyFields(best, keys, count, variableKey);
      if (bestFitted !== undefined && (schema === undefined || (bestFitted.missing.length === 0 && bestFitted.known > fitted!.known))) {
        schema = best;
        fitted = bestFitted;
      }
      if (schema === undefined) return classifier.unclassified(keys, count);
    }
    if (tagged !== undefined && schema !== tagged) {
      const by = named === schema ? `its EventType ${text.slice(m.valueStart[eventTypeAt], m.valueEnd[eventTypeAt])}` : 'its keys';
      standing.push({ field: '(log type)', expected: `${tagged.name} (tag ${this.ctx.tag})`, got: `${schema!.name} (by ${by})`, kind: 'log_type' });
    }
    standing.push(...fitted!.deviations);
    for (const field of fitted!.missing) standing.push({ field: field.name, expected: 'required', got: 'missing', kind: 'missing_required' });
    return learnLayout(text, start, close, m, schema!, fitted!, standing, named === schema ? eventTypeAt : -1);
  }

  /** A valid record checked as text: coerced values in place, up to its closing brace. */
  private acceptText(text: string, start: number, close: number, schema: LogSchema, linePrefix: string): Outcome {
    const tail = this.tail(schema, linePrefix);
    // An empty object (`{}` with or without whitespace) gets the members without their leading comma.
    if (text.charCodeAt(skipWhitespace(text, start + 1)) === 125) return this.ok(schema, RecordText.from('{', tail.slice(1)));
    const check = this.check;
    const bytes = check.bytes;
    const edits = check.edits;
    const headEnd = close - 1;
    if (bytes === undefined) return this.ok(schema, RecordText.from(edited(text, start, headEnd, edits), tail));
    // From bytes: the received bytes up to the closing brace, with the coerced values as edits over them; or, when
    // there are many (every metric of a quoted-number record), re-encoded as one copy (from Node's pool): writing
    // dozens of small pieces into the request body costs more than that copy.
    const at = check.bytesStart;
    if (edits.length === 0) return this.ok(schema, RecordText.view(bytes, at + start, at + headEnd, tail));
    if (edits.length <= MAX_VIEW_EDITS * 3) {
      const absolute = edits.slice();
      for (let i = 0; i < absolute.length; i += 3) {
        absolute[i] = (absolute[i] as number) + at;
        absolute[i + 1] = (absolute[i + 1] as number) + at;
      }
      return this.ok(schema, RecordText.view(bytes, at + start, at + headEnd, tail, absolute));
    }
    // A non-ASCII line's text is its bytes as Latin-1 (and its edits ASCII, see processBytes): encoded back as such.
    return this.ok(schema, RecordText.from(Buffer.from(edited(text, start, headEnd, edits), check.ascii ? 'utf8' : 'latin1'), tail));
  }

  private ok(schema: LogSchema, text: RecordText): Outcome {
    const { deviations, eventMs } = this.check;
    const { tag, source } = this.ctx;
    if (deviations.length === 0) return { text, logType: schema.name, eventTimeMs: eventMs, tag, source };
    return { text, logType: schema.name, eventTimeMs: eventMs, tag, source, deviations: deviations.map((d) => d.kind) };
  }

  private reject(schema: LogSchema | undefined, reason: RejectReason, detail: string, raw: string): FailedRecord {
    return { reason, detail, logType: schema?.name, tag: this.ctx.tag, source: this.ctx.source, raw };
  }

  /**
   * The standard fields and the closing brace, to append to the record. A record without an event time takes the
   * Fluent Bit entry's (the parse time when there is none), and says so.
   */
  private tail(schema: LogSchema, linePrefix: string): string {
    const parseMs = Date.now();
    const check = this.check;
    if (Number.isNaN(check.eventMs)) {
      const fallback = Number.isNaN(this.entryMs) ? 'the parse time' : 'the Fluent Bit entry time';
      const field = schema.eventTimeFields[0]?.name ?? '(event time)';
      check.deviations.push({ field, expected: 'an event time', got: `none; used ${fallback}`, kind: 'event_time' });
      check.eventMs = Number.isNaN(this.entryMs) ? parseMs : this.entryMs;
    }
    return this.enricher.members(schema, check.eventMs, parseMs, check.indicators, this.ctx, linePrefix, check.deviations);
  }

  /** The date a time rebuilt from pieces without a date falls on: the Fluent Bit entry's, else now. */
  private dateMs(): number {
    return Number.isNaN(this.entryMs) ? Date.now() : this.entryMs;
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

/** `text[start, end)` with `edits` (flat triples `from, to, replacement`, in order) applied. */
function edited(text: string, start: number, end: number, edits: readonly (number | string)[]): string {
  let out = '';
  let from = start;
  for (let i = 0; i < edits.length; i += 3) {
    out += text.slice(from, edits[i] as number) + (edits[i + 2] as string);
    from = edits[i + 1] as number;
  }
  return out + text.slice(from, end);
}
