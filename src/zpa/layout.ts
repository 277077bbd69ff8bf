/**
 * What the processor learns from a record's keys, kept for the next records with the same keys: LSS writes every
 * record of a stream with the same keys in the same order, so the log type, each key's field (found without regard
 * to case, or by its LSS variable name) and the deviations that follow from the keys alone are worked out once per
 * stream, not per record. A layout without such deviations also gets the one-pass check of the fast path.
 */
import type { Deviation } from './deviations.js';
import type { Members } from './json-scan.js';
import { coreProgram, type CoreProgram } from './layout-core.js';
import type { FieldSpec, LogSchema } from './schema.js';

export interface Layout {
  readonly schema: LogSchema;
  /**
   * Per member, the text before its value, exactly as written: `{"LogTimestamp": ` before the first, `,"Customer": `
   * before the next (separators, key token, colon and whitespace). Equal text means an equal key.
   */
  readonly before: readonly string[];
  /** The text after the last value, up to and including the closing brace. */
  readonly tail: string;
  /** Per member, its field (undefined: a key the schema does not know, kept as it is). */
  readonly fields: readonly (FieldSpec | undefined)[];
  /** Per member, the key token to write instead of the record's: the schema's name for a key written another way. */
  readonly renames: readonly (string | undefined)[];
  /** Per member, the value text the layout holds for it (an EventType member: a record naming another type differs). */
  readonly fixed: readonly (string | undefined)[];
  /** What every record of this layout deviates by: its log type against its tag, renamed keys, missing fields. */
  readonly standing: readonly Deviation[];
  /** The fast path's view, for a layout without standing deviations. */
  readonly fast: FastLayout | undefined;
}

/** The layout as the fast path reads it: the text before each checked value (fixed values included), in one piece. */
export interface FastLayout {
  readonly pieces: readonly string[];
  readonly fields: readonly (FieldSpec | undefined)[];
  readonly tail: string;
  /** The layout core's program for it (layout-core.ts), when the core can read every member. */
  readonly core: CoreProgram | undefined;
}

export interface KeyFields {
  readonly fields: (FieldSpec | undefined)[];
  readonly renames: (string | undefined)[];
  readonly deviations: Deviation[];
  /** Required fields none of the keys names. */
  readonly missing: FieldSpec[];
  /** How many keys name a field. */
  readonly known: number;
}

/**
 * Each key's field of `schema`: its exact name first, then (for fields no key names exactly) the name in another case
 * or the LSS variable the default template prints it from (`variableKey`), renamed to the schema's name.
 */
export function keyFields(schema: LogSchema, keys: readonly string[], count: number, variableKey: (logType: string, key: string) => string | undefined): KeyFields {
  const fields = new Array<FieldSpec | undefined>(count).fill(undefined);
  const renames = new Array<string | undefined>(count).fill(undefined);
  const deviations: Deviation[] = [];
  const taken = new Set<FieldSpec>();
  for (let i = 0; i < count; i++) {
    const field = schema.byKey.get(keys[i]);
    if (field === undefined || taken.has(field)) continue;
    fields[i] = field;
    taken.add(field);
  }
  for (let i = 0; i < count; i++) {
    if (fields[i] !== undefined) continue;
    const key = keys[i];
    const variable = variableKey(schema.id, key);
    const field = schema.byLowerKey.get(key.toLowerCase()) ?? (variable === undefined ? undefined : schema.byKey.get(variable));
    if (field === undefined || taken.has(field)) continue;
    fields[i] = field;
    taken.add(field);
    renames[i] = JSON.stringify(field.name);
    deviations.push({ field: field.name, expected: `the key ${field.name}`, got: key, kind: 'key_name' });
  }
  const missing = schema.requiredFields.filter((f) => !taken.has(f));
  return { fields, renames, deviations, missing, known: taken.size };
}

/** The layout of the scanned record `text[start, close)` with members `m`. `fixedAt`: a member whose value is held. */
export function learnLayout(text: string, start: number, close: number, m: Members, schema: LogSchema, keys: KeyFields, standing: Deviation[], fixedAt: number): Layout {
  const count = m.count;
  const before = new Array<string>(count);
  const fixed = new Array<string | undefined>(count).fill(undefined);
  for (let i = 0; i < count; i++) {
    before[i] = text.slice(i === 0 ? start : m.valueEnd[i - 1], m.valueStart[i]);
    if (i === fixedAt) fixed[i] = text.slice(m.valueStart[i], m.valueEnd[i]);
  }
  const tail = text.slice(count === 0 ? start : m.valueEnd[count - 1], close);
  const layout = { schema, before, tail, fields: keys.fields, renames: keys.renames, fixed, standing };
  return { ...layout, fast: standing.length === 0 ? fastLayout(layout) : undefined };
}

/** The pieces between checked values: a held value becomes part of the text around it. */
function fastLayout(layout: Omit<Layout, 'fast'>): FastLayout {
  const pieces: string[] = [];
  const fields: (FieldSpec | undefined)[] = [];
  let pending = '';
  layout.before.forEach((before, i) => {
    const value = layout.fixed[i];
    if (value !== undefined) {
      pending += before + value;
      return;
    }
    pieces.push(pending + before);
    fields.push(layout.fields[i]);
    pending = '';
  });
  const fast = { pieces, fields, tail: pending + layout.tail };
  return { ...fast, core: coreProgram(fast) };
}

/** The scanned record's text around its values (and its held values) is the layout's, piece by piece. */
export function sameLayout(text: string, start: number, close: number, m: Members, layout: Layout): boolean {
  const { before, tail, fixed } = layout;
  if (m.count !== before.length) return false;
  let from = start;
  for (let i = 0; i < m.count; i++) {
    if (!textAt(text, from, m.valueStart[i], before[i])) return false;
    const value = fixed[i];
    if (value !== undefined && !textAt(text, m.valueStart[i], m.valueEnd[i], value)) return false;
    from = m.valueEnd[i];
  }
  return textAt(text, from, close, tail);
}

/** `text[start, end)` is `piece`. */
function textAt(text: string, start: number, end: number, piece: string): boolean {
  return piece.length === end - start && text.indexOf(piece, start) === start;
}
