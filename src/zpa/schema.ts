/**
 * Loads the Panther-format YAML schemas in `schemas/` and compiles each into the lookup structures the record
 * processor uses per record: a Map from JSON key to field spec, the event-time fields, the required fields.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { compileTimeFormat, type TimeParser } from './time.js';

export type FieldType = 'string' | 'bigint' | 'float' | 'boolean' | 'timestamp' | 'json' | 'array';
export type Indicator = 'ip' | 'hostname' | 'domain' | 'email' | 'username' | 'actor_id';

const FIELD_TYPES = new Set<string>(['string', 'bigint', 'float', 'boolean', 'timestamp', 'json', 'array']);
const INDICATORS = new Set<string>(['ip', 'hostname', 'domain', 'email', 'username', 'actor_id']);

export interface FieldSpec {
  readonly name: string;
  /** Position in the schema: indexes the processor's per-record "seen" array. */
  readonly index: number;
  readonly type: FieldType;
  readonly required: boolean;
  readonly timeFormats: readonly TimeParser[];
  readonly isEventTime: boolean;
  readonly indicators: readonly Indicator[];
  /** Element spec of an array field. */
  readonly element: FieldSpec | undefined;
}

export interface LogSchema {
  /** The file's base name, e.g. `user-activity`; the Fluent Bit tag is `zpa.<id>`. */
  readonly id: string;
  /** Panther log type, e.g. `Zscaler.ZPA.UserActivity`. */
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  readonly byKey: ReadonlyMap<string, FieldSpec>;
  /** The fields by lower-case name: a key written in another case (`modifiedTime`) still finds its field. */
  readonly byLowerKey: ReadonlyMap<string, FieldSpec>;
  /** isEventTime fields in schema order: the first one set gives the event time. */
  readonly eventTimeFields: readonly FieldSpec[];
  readonly requiredFields: readonly FieldSpec[];
}

export interface SchemaSet {
  readonly dir: string;
  readonly schemas: readonly LogSchema[];
  readonly byId: ReadonlyMap<string, LogSchema>;
}

export class SchemaError extends Error {
  override name = 'SchemaError';
}

/** The repository's `schemas/` directory (this file runs from dist/src/zpa/). */
export const DEFAULT_SCHEMA_DIR = path.resolve(fileURLToPath(new URL('../../../schemas/', import.meta.url)));

/** Reads every `*.yml` in `dir`; throws SchemaError("<file>: field <name>: <problem>") on the first malformed one. */
export function loadSchemas(dir: string = DEFAULT_SCHEMA_DIR): SchemaSet {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).sort();
  if (files.length === 0) throw new SchemaError(`${dir}: no schema files (*.yml)`);
  const schemas = files.map((file) => {
    let doc: unknown;
    try {
      doc = parseYaml(fs.readFileSync(path.join(dir, file), 'utf8'));
    } catch (err) {
      throw new SchemaError(`${file}: not valid YAML: ${(err as Error).message}`);
    }
    return compileSchema(file, doc);
  });
  const byId = new Map<string, LogSchema>();
  const names = new Set<string>();
  for (const s of schemas) {
    if (names.has(s.name)) throw new SchemaError(`${s.id}.yml: schema name ${s.name} is used by another file`);
    names.add(s.name);
    byId.set(s.id, s);
  }
  return { dir, schemas, byId };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function compileSchema(file: string, doc: unknown): LogSchema {
  const id = path.basename(file).replace(/\.ya?ml$/, '');
  if (!isObject(doc)) throw new SchemaError(`${file}: expected a mapping with schema and fields`);
  if (typeof doc.schema !== 'string' || doc.schema === '') throw new SchemaError(`${file}: schema: expected a non-empty string`);
  if (!Array.isArray(doc.fields) || doc.fields.length === 0) throw new SchemaError(`${file}: fields: expected a non-empty list`);
  const fields = doc.fields.map((raw: unknown, index: number) => compileField(file, raw, index, `#${index + 1}`));
  const byKey = new Map<string, FieldSpec>();
  for (const f of fields) {
    if (byKey.has(f.name)) throw new SchemaError(`${file}: field ${f.name}: defined twice`);
    byKey.set(f.name, f);
  }
  return {
    id,
    name: doc.schema,
    fields,
    byKey,
    byLowerKey: new Map(fields.map((f) => [f.name.toLowerCase(), f])),
    eventTimeFields: fields.filter((f) => f.isEventTime),
    requiredFields: fields.filter((f) => f.required),
  };
}

function compileField(file: string, raw: unknown, index: number, where: string): FieldSpec {
  if (!isObject(raw)) throw new SchemaError(`${file}: field ${where}: expected a mapping`);
  const name = raw.name;
  if (typeof name !== 'string' || name === '') throw new SchemaError(`${file}: field ${where}: name: expected a non-empty string`);
  const fail = (problem: string): never => {
    throw new SchemaError(`${file}: field ${name}: ${problem}`);
  };
  const type = raw.type;
  if (typeof type !== 'string' || !FIELD_TYPES.has(type)) fail(`type: expected one of ${[...FIELD_TYPES].join(', ')}, got ${JSON.stringify(type)}`);
  if (raw.required !== undefined && typeof raw.required !== 'boolean') fail('required: expected true or false');
  if (raw.isEventTime !== undefined && (raw.isEventTime !== true || type !== 'timestamp')) fail('isEventTime: only `true` on a timestamp field');

  let timeFormats: TimeParser[] = [];
  if (type === 'timestamp') {
    const formats = raw.timeFormats ?? (raw.timeFormat === undefined ? undefined : [raw.timeFormat]);
    if (!Array.isArray(formats) || formats.length === 0 || !formats.every((f) => typeof f === 'string')) {
      fail('timeFormats: expected a non-empty list of formats');
    }
    try {
      timeFormats = (formats as string[]).map(compileTimeFormat);
    } catch (err) {
      fail((err as Error).message);
    }
  }

  const indicators = raw.indicators ?? [];
  if (!Array.isArray(indicators) || !indicators.every((i) => typeof i === 'string' && INDICATORS.has(i))) {
    fail(`indicators: expected a list of ${[...INDICATORS].join(', ')}`);
  }

  let element: FieldSpec | undefined;
  if (type === 'array') {
    if (!isObject(raw.element)) fail('element: an array field needs element: {type: ...}');
    const el = raw.element as Record<string, unknown>;
    if (el.type === 'array') fail('element: nested arrays are not supported');
    element = compileField(file, { ...el, name: `${name}[]` }, index, where);
  }

  return {
    name,
    index,
    type: type as FieldType,
    required: raw.required === true,
    timeFormats,
    isEventTime: raw.isEventTime === true,
    indicators: indicators as Indicator[],
    element,
  };
}
