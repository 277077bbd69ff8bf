/**
 * One record in, one outcome out: parse (JSON line, CSV/TSV line or a decoded record), classify, validate and coerce
 * against the schema, enrich. For the dominant input, a JSON line, this is a single pass over the text: the scanner
 * notes where each value sits, each value is checked in place, and the output is the original text with the few
 * coerced values replaced and the standard fields spliced in before the closing brace. Nothing is re-serialised,
 * so big integers pass through digit for digit.
 */
import { isUtf8 } from 'node:buffer';
import { isFailure, type FailedRecord, type Outcome, type RecordContext, type RecordProcessor } from '../contract.js';
import { RecordText } from '../shared/record-text.js';
import type { FieldSpec, LogSchema, SchemaSet } from './schema.js';
import { Classifier } from './classify.js';
import { findMarker, parseDelimited } from './delimited.js';
import { Enricher, type ZpaOptions } from './enrich.js';
import { FieldCheck } from './field-check.js';
import { IndicatorSet } from './indicators.js';
import { JsonScanner, Kind, Members, skipWhitespace } from './json-scan.js';
import { recordToJson } from './record-json.js';
import { loadTemplates, type TemplateSet } from './templates.js';

/** unparsable: not JSON or CSV/TSV at all; unclassified: no log type fits; invalid: a field breaks its schema. */
export type RejectReason = 'unparsable' | 'unclassified' | 'invalid';

const decoder = new TextDecoder();

/** Up to this many coerced values, a record read from bytes stays a view of them with its edits (see acceptText). */
const MAX_VIEW_EDITS = 4;

/**
 * What the processor learnt from a record's keys, kept for the next records with the same keys: LSS writes every
 * record of a stream with the same keys in the same order, so this is worked out once per stream, not per record.
 */
interface Layout {
  readonly schema: LogSchema;
  /**
   * The text before each value, exactly as written: `{"LogTimestamp": ` before the first, `,"Customer": ` before the
   * next (separators, key token, colon and whitespace), compared in place. Equal text means an equal key.
   */
  readonly before: string[];
  /** The text after the last value, up to and including the closing brace. */
  readonly tail: string;
  /** fields[i]: the field spec of the i-th key (undefined: a key the schema does not know, kept as it is). */
  readonly fields: (FieldSpec | undefined)[];
  /** Every required field of the schema is among the keys. */
  readonly complete: boolean;
}

export class ZpaProcessor implements RecordProcessor {
  private readonly classifier: Classifier;
  private readonly enricher: Enricher;
  private readonly templates: TemplateSet;
  private readonly scanner = new JsonScanner();
  private readonly members = new Members();
  private readonly check = new FieldCheck();
  private readonly indicators = new IndicatorSet();
  /** The current record's keys (general path). */
  private readonly keys: string[] = [];
  /** The last layout seen for records a tag assigned to a schema, per schema. */
  private readonly taggedLayouts = new Map<LogSchema, Layout>();
  /** The last layout seen for records classified by their keys. */
  private untaggedLayout: Layout | undefined;
  /**
   * seen[field.index] === generation: the field was present in the current record (no clearing per record).
   * Float64: an Int32 generation would wrap after 2^31 records, hours at full speed.
   */
  private readonly seen: Float64Array;
  private generation = 0;
  /**
   * The record being checked: its coerced values as flat triples `from, to, text` (text offsets, in order), its event
   * time and the field it came from.
   */
  private readonly edits: (number | string)[] = [];
  private eventMs = NaN;
  private eventField = Infinity;
  /**
   * The UTF-8 bytes the line being processed was read from as Latin-1 (one character per byte, so an offset in the
   * text is the same offset in them, from `lineBytesStart`): set by processBytes for the JSON branches of processLine.
   * `lineAscii`: they are all ASCII, so the text is the line itself. Otherwise the text has each byte of a multi-byte
   * character as a character of its own: structure, numbers and times read the same, and every piece of text that
   * leaves the processor is decoded from the bytes instead (see processBytes).
   */
  private lineBytes: Buffer | undefined;
  private lineBytesStart = 0;
  private lineAscii = true;
  /** A coercion of a non-ASCII line produced text that is not its bytes read as Latin-1 (see processBytes). */
  private unfaithful = false;
  /** The record's context, set by process/processBytes: every outcome carries its tag and source. */
  private ctx: RecordContext = { tag: '', address: '', source: '' };

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
    this.ctx = ctx;
    const line = lineOf(record);
    if (line === undefined) return this.processJson(recordToJson(record), 0, '', this.classifier.byTag(ctx.tag), ctx);
    return this.processLine(line, ctx);
  }

  /** A raw LSS line: JSON after optional text (a syslog header), or the CSV/TSV template with its `zpa-lss:` prefix. */
  processLine(line: string, ctx: RecordContext, noControl?: boolean): Outcome {
    this.ctx = ctx;
    let end = line.length;
    while (end > 0 && (line.charCodeAt(end - 1) === 13 || line.charCodeAt(end - 1) === 10)) end--;
    if (end !== line.length) line = line.slice(0, end);
    const tagged = this.classifier.byTag(ctx.tag);
    const brace = line.indexOf('{');
    // The common case, a JSON line as LSS writes it: no prefix, so no CSV/TSV marker to look for.
    if (brace === 0) return this.processJson(line, 0, '', tagged, ctx, noControl);
    // The CSV/TSV marker comes before any brace (Audit CSV values hold JSON): look only there.
    const marker = findMarker(brace < 0 ? line : line.slice(0, brace));
    if (marker !== undefined && (brace < 0 || marker.start < brace)) {
      this.lineBytes = undefined; // the record is the JSON built from the CSV/TSV fields, not the line
      const parsed = parseDelimited(line, marker, this.templates, tagged?.id, (logType, key) => this.schemas.byId.get(logType)?.byKey.get(key)?.type === 'json');
      if (!parsed.ok) return this.reject(tagged, 'unparsable', parsed.error, line);
      const outcome = this.processJson(parsed.json, 0, parsed.header, this.schemas.byId.get(parsed.template.logType), ctx);
      return isFailure(outcome) ? { ...outcome, raw: line } : outcome;
    }
    if (brace < 0) return this.reject(tagged, 'unparsable', 'no JSON object and no LSS CSV/TSV prefix in the line', line);
    return this.processJson(line, brace, line.slice(0, brace), tagged, ctx, noControl);
  }

  /**
   * A raw LSS line given as its UTF-8 bytes `buf[start, end)`, the undecoded str of a `Format none` record. The line
   * is read as Latin-1 for checking, one character per byte, and a valid record goes on as a view of these bytes with
   * its coerced values as edits and the standard fields after it: the text dies young, and the record reaches the
   * sink's request body with one copy, never held as a string while it waits.
   */
  processBytes(buf: Buffer, start: number, end: number, ctx: RecordContext): Outcome {
    this.ctx = ctx;
    const scan = scanBytes(buf, start, end);
    if ((scan & HAS_HIGH) !== 0) {
      // Not ASCII. Invalid UTF-8 is decoded with U+FFFD in place of bad bytes, and the rare non-ASCII line with a
      // prefix (or CSV/TSV) is decoded too: those paths build text from the line's pieces.
      if (buf[start] !== 0x7b || !isUtf8(buf.subarray(start, end))) return this.processLine(buf.toString('utf8', start, end), ctx);
    }
    this.lineBytes = buf;
    this.lineBytesStart = start;
    this.lineAscii = (scan & HAS_HIGH) === 0;
    this.unfaithful = false;
    let outcome: Outcome;
    try {
      outcome = this.processLine(latin1Text(buf, start, end), ctx, (scan & HAS_CONTROL) === 0);
    } finally {
      this.lineBytes = undefined;
    }
    // A non-ASCII line rejected (its reason quotes the text), or coerced into text with characters of its own (a
    // decoded \u escape): again as decoded text, which is exact.
    if (!this.lineAscii && (isFailure(outcome) || this.unfaithful)) return this.processLine(buf.toString('utf8', start, end), ctx);
    return outcome;
  }

  /** `noControl`: the caller knows `text` has no control characters (undefined: not known). */
  private processJson(text: string, start: number, linePrefix: string, tagged: LogSchema | undefined, ctx: RecordContext, noControl?: boolean): Outcome {
    const layout = tagged === undefined ? this.untaggedLayout : this.taggedLayouts.get(tagged);
    if (layout !== undefined && layout.complete) {
      const close = this.checkAsLayout(text, start, layout, noControl);
      if (close >= 0) return this.acceptText(text, start, close, layout.schema, linePrefix, ctx);
    }
    return this.processJsonFully(text, start, linePrefix, tagged, ctx, noControl);
  }

  /**
   * The fast path: reads the record as one with the layout's keys, checking each value as it goes, without building
   * a member list or key strings. Returns the index after the closing brace when the record has exactly the layout's
   * keys and every value conforms (so `processJsonFully` would accept it the same way); -1 for anything else, which
   * `processJsonFully` then handles, errors and all.
   */
  private checkAsLayout(text: string, start: number, layout: Layout, noControl: boolean | undefined): number {
    const scanner = this.scanner;
    const { before, fields } = layout;
    const count = before.length;
    scanner.begin(text, noControl);
    this.startRecord();
    let i = start;
    for (let n = 0; n < count; n++) {
      const b = before[n];
      // indexOf measured ~3x faster than startsWith(b, i) on Node 20 and 24; a miss costs one search to the end.
      if (text.indexOf(b, i) !== i) return -1;
      i += b.length;
      const end = scanner.scanValue(i);
      if (end < 0) return -1;
      const field = fields[n];
      if (field !== undefined && !this.checkMember(field, text, i, end, scanner.lastKind, scanner.lastFlag)) return -1;
      i = end;
    }
    const tail = layout.tail;
    if (text.indexOf(tail, i) !== i) return -1;
    return this.endOfText(text, i + tail.length);
  }

  /** `close` when only whitespace follows it, else -1. */
  private endOfText(text: string, close: number): number {
    return skipWhitespace(text, close) === text.length ? close : -1;
  }

  /** The general path: any keys in any order, classification, and the exact reason for a rejection. */
  private processJsonFully(text: string, start: number, linePrefix: string, tagged: LogSchema | undefined, ctx: RecordContext, noControl: boolean | undefined): Outcome {
    const m = this.members;
    const scanner = this.scanner;
    const close = scanner.scanObject(text, start, m, noControl);
    if (close < 0) return this.reject(tagged, 'unparsable', `not valid JSON: ${scanner.error}`, text);
    if (skipWhitespace(text, close) !== text.length) return this.reject(tagged, 'unparsable', `not valid JSON: text after the object at offset ${close}`, text);

    const count = m.count;
    const previous = tagged === undefined ? this.untaggedLayout : this.taggedLayouts.get(tagged);
    let layout: Layout;
    if (previous !== undefined && sameLayout(text, start, close, m, previous)) {
      layout = previous;
    } else {
      this.readKeys(text, m);
      const keys = this.keys;
      let schema = tagged;
      if (schema === undefined) {
        const classifier = this.classifier;
        classifier.reset();
        for (let i = 0; i < count; i++) classifier.countKey(keys[i]);
        schema = classifier.best(count);
        if (schema === undefined) return this.reject(undefined, 'unclassified', `no log type matches the keys ${describeKeys(keys, count)}`, text);
      }
      layout = this.newLayout(text, start, close, m, schema);
      if (tagged === undefined) this.untaggedLayout = layout;
      else this.taggedLayouts.set(tagged, layout);
    }
    const schema = layout.schema;
    const fields = layout.fields;

    const gen = ++this.generation;
    const seen = this.seen;
    this.startRecord();
    for (let i = 0; i < count; i++) {
      const field = fields[i];
      if (field === undefined) continue; // unknown keys are kept as they are
      seen[field.index] = gen;
      if (!this.checkMember(field, text, m.valueStart[i], m.valueEnd[i], m.kind[i], m.flag[i])) {
        return this.reject(schema, 'invalid', `field ${field.name}: ${this.check.error}`, text);
      }
    }
    for (const field of schema.requiredFields) {
      if (seen[field.index] !== gen) return this.reject(schema, 'invalid', `field ${field.name}: required, missing`, text);
    }
    return this.acceptText(text, start, close, schema, linePrefix, ctx);
  }

  private startRecord(): void {
    this.edits.length = 0;
    this.eventMs = NaN;
    this.eventField = Infinity;
    this.indicators.clear();
  }

  /** Checks one member's value `text[vs, ve)`; notes its coercion, event time and indicators. */
  private checkMember(field: FieldSpec, text: string, vs: number, ve: number, kind: Kind, flag: boolean): boolean {
    const check = this.check;
    if (!check.check(field, text, vs, ve, kind, flag)) return false;
    const replacement = check.replacement;
    if (replacement !== undefined) {
      if (!this.lineAscii && this.lineBytes !== undefined && !isAsciiText(replacement)) this.unfaithful = true;
      this.edits.push(vs, ve, replacement);
    }
    if (field.isEventTime && field.index < this.eventField && !Number.isNaN(check.ms)) {
      this.eventMs = check.ms;
      this.eventField = field.index;
    }
    const ind = field.indicators;
    if (ind.length !== 0 && field.type === 'string' && kind !== Kind.Null) {
      const value = kind === Kind.String ? (flag ? (JSON.parse(this.ownText(text, vs, ve)) as string) : this.ownText(text, vs + 1, ve - 1)) : this.ownText(text, vs, ve);
      for (let j = 0; j < ind.length; j++) this.indicators.add(ind[j], value);
    }
    return true;
  }

  /**
   * `text[start, end)` as a string of its own. An indicator value goes into the record's tail, which waits for its
   * batch; a slice of the decoded line (V8 shares the parent for slices of 13 or more characters) would keep the
   * whole line alive with it. On the byte path the value is decoded afresh from the bytes instead (as UTF-8: the text
   * of a non-ASCII line is its bytes, not its characters).
   */
  private ownText(text: string, start: number, end: number): string {
    const bytes = this.lineBytes;
    if (bytes === undefined) return text.slice(start, end);
    const at = this.lineBytesStart;
    return this.lineAscii ? latin1Text(bytes, at + start, at + end) : bytes.toString('utf8', at + start, at + end);
  }

  /** A valid record checked as text: coerced values in place, up to its closing brace. */
  private acceptText(text: string, start: number, close: number, schema: LogSchema, linePrefix: string, ctx: RecordContext): Outcome {
    // An empty object (`{}` with or without whitespace) gets the members without their leading comma.
    if (text.charCodeAt(skipWhitespace(text, start + 1)) === 125) return this.ok(schema, RecordText.from('{', this.tail(schema, linePrefix, ctx).slice(1)));
    const tail = this.tail(schema, linePrefix, ctx);
    const bytes = this.lineBytes;
    const edits = this.edits;
    const headEnd = close - 1;
    if (bytes === undefined) return this.ok(schema, RecordText.from(edited(text, start, headEnd, edits), tail));
    // From bytes: the received bytes up to the closing brace, with the coerced values as edits over them; or, when
    // there are many (every metric of a quoted-number record), re-encoded as one copy (from Node's pool): writing
    // dozens of small pieces into the request body costs more than that copy.
    const at = this.lineBytesStart;
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
    return this.ok(schema, RecordText.from(Buffer.from(edited(text, start, headEnd, edits), this.lineAscii ? 'utf8' : 'latin1'), tail));
  }

  private ok(schema: LogSchema, text: RecordText): Outcome {
    return { text, logType: schema.name, eventTimeMs: this.eventMs, tag: this.ctx.tag, source: this.ctx.source };
  }

  private reject(schema: LogSchema | undefined, reason: RejectReason, detail: string, raw: string): FailedRecord {
    return { reason, detail, logType: schema?.name, tag: this.ctx.tag, source: this.ctx.source, raw };
  }

  /** The standard fields and the closing brace, to append to the record; settles its event time (parse time if none). */
  private tail(schema: LogSchema, linePrefix: string, ctx: RecordContext): string {
    const parseMs = Date.now();
    if (Number.isNaN(this.eventMs)) this.eventMs = parseMs;
    return this.enricher.members(schema, this.eventMs, parseMs, this.indicators, ctx, linePrefix);
  }

  private newLayout(text: string, start: number, close: number, m: Members, schema: LogSchema): Layout {
    const count = m.count;
    const before = new Array<string>(count);
    const fields = new Array<FieldSpec | undefined>(count);
    const gen = ++this.generation;
    const seen = this.seen;
    for (let i = 0; i < count; i++) {
      before[i] = text.slice(i === 0 ? start : m.valueEnd[i - 1], m.valueStart[i]);
      const field = schema.byKey.get(this.keys[i]);
      fields[i] = field;
      if (field !== undefined) seen[field.index] = gen;
    }
    const tail = text.slice(count === 0 ? start : m.valueEnd[count - 1], close);
    const complete = schema.requiredFields.every((f) => seen[f.index] === gen);
    return { schema, before, tail, fields, complete };
  }

  /** Fills `keys` from the scanned members. */
  private readKeys(text: string, m: Members): void {
    const keys = this.keys;
    for (let i = 0; i < m.count; i++) {
      const raw = text.slice(m.keyStart[i], m.keyEnd[i]);
      keys[i] = m.keyEscaped[i] ? (JSON.parse('"' + raw + '"') as string) : raw;
    }
  }
}

/** The scanned record's text around its values is the layout's, piece by piece, exactly as written. */
function sameLayout(text: string, start: number, close: number, m: Members, layout: Layout): boolean {
  const { before, tail } = layout;
  if (m.count !== before.length) return false;
  let from = start;
  for (let i = 0; i < m.count; i++) {
    if (!textAt(text, from, m.valueStart[i], before[i])) return false;
    from = m.valueEnd[i];
  }
  return textAt(text, from, close, tail);
}

/** `text[start, end)` is `piece`. */
function textAt(text: string, start: number, end: number, piece: string): boolean {
  return piece.length === end - start && text.indexOf(piece, start) === start;
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

/** Every character is ASCII. */
function isAsciiText(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return false;
  return true;
}

/** Bits of scanBytes' answer. */
const HAS_CONTROL = 1;
const HAS_HIGH = 2;

/** The last ArrayBuffer scanBytes read, as 32-bit words: the records of one request share it. */
let wordsOf: ArrayBufferLike | undefined;
let words: Int32Array<ArrayBufferLike> = new Int32Array(0);

/**
 * Whether `buf[start, end)` holds a control character (a byte below 0x20: JSON allows none inside strings) and
 * whether it holds a byte above 0x7f (not ASCII), in one pass, four bytes at a time.
 */
function scanBytes(buf: Buffer, start: number, end: number): number {
  const base = buf.byteOffset;
  if (wordsOf !== buf.buffer) {
    wordsOf = buf.buffer;
    words = new Int32Array(buf.buffer, 0, buf.buffer.byteLength >> 2);
  }
  const w = words;
  let found = 0;
  let i = start;
  for (; i < end && ((base + i) & 3) !== 0; i++) found |= byteFlags(buf[i]);
  let word = (base + i) >> 2;
  const lastWord = (base + end) >> 2;
  // Per word: (x - 0x20202020) & ~x has a byte's top bit set if some byte of x is below 0x20 (borrows may flag more
  // bytes, never none); x itself has one set if some byte is above 0x7f.
  let low = 0;
  let high = 0;
  for (; word + 3 < lastWord; word += 4) {
    const a = w[word];
    const b = w[word + 1];
    const c = w[word + 2];
    const d = w[word + 3];
    low |= ((a - 0x20202020) & ~a) | ((b - 0x20202020) & ~b) | ((c - 0x20202020) & ~c) | ((d - 0x20202020) & ~d);
    high |= a | b | c | d;
  }
  for (; word < lastWord; word++) {
    const a = w[word];
    low |= (a - 0x20202020) & ~a;
    high |= a;
  }
  if ((low & 0x80808080) !== 0) found |= HAS_CONTROL;
  if ((high & 0x80808080) !== 0) found |= HAS_HIGH;
  for (i = Math.max(i, (lastWord << 2) - base); i < end; i++) found |= byteFlags(buf[i]);
  return found;
}

function byteFlags(byte: number): number {
  return byte < 0x20 ? HAS_CONTROL : byte > 0x7f ? HAS_HIGH : 0;
}

/** `buf[start, end)` as Latin-1: Buffer#latin1Slice, without toString's argument handling (ASCII bytes here). */
function latin1Text(buf: Buffer, start: number, end: number): string {
  return (buf as Buffer & { latin1Slice(start: number, end: number): string }).latin1Slice(start, end);
}

function describeKeys(keys: readonly string[], count: number): string {
  const shown = keys.slice(0, Math.min(count, 6)).join(', ');
  return count > 6 ? `${shown}, … (${count} keys)` : `${shown || '(none)'}`;
}


