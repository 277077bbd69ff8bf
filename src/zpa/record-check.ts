/**
 * The record being checked: each member's value against its field (FieldCheck; LenientValue for a refused one), with
 * what that leaves behind: the values to write instead (flat triples `from, to, text` over the record's text, in
 * order), the event time and the field it came from, the indicator values, the deviations.
 */
import type { Deviation } from './deviations.js';
import { DECODED_DOCUMENT, EscapedDocument } from './escaped-document.js';
import { FieldCheck } from './field-check.js';
import { IndicatorSet } from './indicators.js';
import { Kind } from './json-scan.js';
import { LenientValue } from './lenient-value.js';
import type { FieldSpec } from './schema.js';
import { isAsciiText, latin1Text } from './byte-line.js';
import type { CoreProgram } from './layout-core.js';

/** An edit's text that stands for the value's own bytes between quotes (see `member`); no JSON text holds U+0000 raw. */
export const QUOTED_VALUE = '\u0000quoted value';

export class RecordCheck {
  readonly edits: (number | string)[] = [];
  readonly indicators = new IndicatorSet();
  readonly deviations: Deviation[] = [];
  eventMs = NaN;
  private eventField = Infinity;
  private readonly check = new FieldCheck();
  private readonly lenient = new LenientValue();
  private readonly document = new EscapedDocument();
  /**
   * The UTF-8 bytes the text being checked was read from as Latin-1 (one character per byte, so an offset in the text
   * is the same offset in them, from `bytesStart`), when it was (processBytes). `ascii`: they are all ASCII, so the
   * text is the line itself; otherwise every piece of text that leaves the processor is decoded from the bytes.
   */
  bytes: Buffer | undefined;
  bytesStart = 0;
  ascii = true;
  /** A coercion of a non-ASCII line produced text that is not its bytes read as Latin-1. */
  unfaithful = false;
  /** An edit is a document to decode from the bytes as the record is written (DECODED_DOCUMENT). */
  decodesDocument = false;

  /** The first value the record's field checks refused, as strict validation names it: `field X: expected Y, got Z`. */
  refused: string | undefined;

  start(): void {
    this.edits.length = 0;
    this.decodesDocument = false;
    this.deviations.length = 0;
    this.refused = undefined;
    this.eventMs = NaN;
    this.eventField = Infinity;
    this.indicators.clear();
  }

  /** Checks one member's value `text[vs, ve)`; notes its coercion, event time and indicators. False: refused. */
  member(field: FieldSpec, text: string, vs: number, ve: number, kind: Kind, flag: boolean): boolean {
    if (this.bytes !== undefined) {
      // Read from bytes, two coercions are written from them as the record is written, with no text made for them: a
      // number in a string field, quoted; a JSON document inside a string, checked where it lies and decoded.
      if (kind === Kind.Number && field.type === 'string') {
        this.edits.push(vs, ve, QUOTED_VALUE);
        if (field.indicators.length !== 0) this.indicateValue(field, text, vs, ve, kind, flag);
        return true;
      }
      if (field.type === 'json' && flag && kind === Kind.String && this.document.valid(text, vs + 1, ve - 1)) {
        this.edits.push(vs, ve, DECODED_DOCUMENT);
        this.decodesDocument = true;
        return true;
      }
    }
    const check = this.check;
    if (!check.check(field, text, vs, ve, kind, flag)) return false;
    const replacement = check.replacement;
    if (replacement !== undefined) this.edit(vs, ve, replacement);
    if (field.isEventTime) this.eventTime(field, check.ms);
    if (field.indicators.length !== 0 && field.type === 'string' && kind !== Kind.Null) this.indicateValue(field, text, vs, ve, kind, flag);
    return true;
  }

  /** After `member` refused the value: reads it leniently and notes the deviation either way. */
  deviating(field: FieldSpec, text: string, vs: number, ve: number, kind: Kind, flag: boolean): void {
    this.refused ??= `field ${field.name}: ${this.check.error}`;
    const lenient = this.lenient;
    lenient.read(field, text, vs, ve, kind, flag);
    this.deviations.push(lenient.deviation);
    const replacement = lenient.replacement;
    // A list read as its one element, or joined: the indicators see that string, not the list.
    if (kind === Kind.Array && replacement !== undefined && replacement.charCodeAt(0) === 34) {
      this.edit(vs, ve, replacement);
      if (field.type === 'string') this.indicate(field, JSON.parse(replacement) as string);
      return;
    }
    if (replacement !== undefined) this.edit(vs, ve, replacement);
    if (field.isEventTime) this.eventTime(field, lenient.ms);
    // A value kept as it came that is no text (an object, a list) names no indicator.
    const scalar = kind !== Kind.Object && kind !== Kind.Array && kind !== Kind.Null;
    if (scalar && field.indicators.length !== 0 && field.type === 'string') this.indicateValue(field, text, vs, ve, kind, flag);
  }

  /**
   * The indicator values of `program`'s members in the record the layout core read from `bytes` at `at` (UTF-8,
   * `ascii` or not), from its `ranges`.
   */
  fromCore(program: CoreProgram, ranges: Int32Array, bytes: Buffer, at: number, ascii: boolean): void {
    const { fields, noted } = program;
    for (let k = 0; k < noted.length; k++) {
      const m = noted[k];
      const from = ranges[2 * m];
      if (from < 0) continue;
      const to = at + ranges[2 * m + 1];
      this.indicate(fields[m]!, ascii ? latin1Text(bytes, at + from, to) : bytes.toString('utf8', at + from, to));
    }
  }

  /** Replaces `text[from, to)` with `replacement` in the output (edits must come in text order). */
  edit(from: number, to: number, replacement: string): void {
    if (!this.ascii && this.bytes !== undefined && !isAsciiText(replacement)) this.unfaithful = true;
    this.edits.push(from, to, replacement);
  }

  /** The first set event-time field in schema order gives the record's event time. */
  private eventTime(field: FieldSpec, ms: number): void {
    if (field.index < this.eventField && !Number.isNaN(ms)) {
      this.eventMs = ms;
      this.eventField = field.index;
    }
  }

  private indicateValue(field: FieldSpec, text: string, vs: number, ve: number, kind: Kind, flag: boolean): void {
    this.indicate(field, kind === Kind.String ? (flag ? (JSON.parse(this.ownText(text, vs, ve)) as string) : this.ownText(text, vs + 1, ve - 1)) : this.ownText(text, vs, ve));
  }

  private indicate(field: FieldSpec, value: string): void {
    const ind = field.indicators;
    for (let j = 0; j < ind.length; j++) this.indicators.add(ind[j], value);
  }

  /**
   * `text[start, end)` as the value it is: a slice of the text, which the record does not keep (its tail is written
   * as bytes); on the byte path of a non-ASCII line decoded from the bytes instead, as UTF-8 (the text of such a line
   * is its bytes read as Latin-1, not its characters).
   */
  private ownText(text: string, start: number, end: number): string {
    const bytes = this.bytes;
    if (bytes === undefined || this.ascii) return text.slice(start, end);
    const at = this.bytesStart;
    return bytes.toString('utf8', at + start, at + end);
  }
}
