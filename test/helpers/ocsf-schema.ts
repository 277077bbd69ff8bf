/**
 * The OCSF 1.8.0 schema's raw source (OCSF_SCHEMA_DIR), resolved the way its README says, and a validator of events
 * against it: a class is its `extends` chain up to base_event with attributes merged (child wins) and `$include`d files
 * merged in (a profile's attributes tagged with the profile: they count only when the event lists the profile in
 * metadata.profiles); objects likewise; types and enums from dictionary.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JsonValue } from '../../src/ocsf/json.js';
import { OCSF_SCHEMA_DIR } from './paths.js';

interface RawAttribute {
  requirement?: string;
  type?: string;
  is_array?: boolean;
  enum?: Record<string, { caption: string }>;
  sibling?: string;
  observable?: number;
  caption?: string;
}
interface RawDef {
  name: string;
  caption: string;
  uid?: number;
  category?: string;
  extends?: string;
  observable?: number;
  meta?: string;
  attributes: Record<string, RawAttribute | string[]>;
  constraints?: { at_least_one?: string[]; just_one?: string[] };
}

export interface Attribute {
  readonly name: string;
  readonly requirement: string;
  /** A dictionary type (`string_t`, `ip_t`, ...) or an object name. */
  readonly type: string;
  readonly isArray: boolean;
  /** Enum value → caption: the dictionary's merged with the class's or object's. */
  readonly enum: ReadonlyMap<string, string> | undefined;
  readonly sibling: string | undefined;
  /** The profile that brings the attribute, undefined for the class's or object's own. */
  readonly profile: string | undefined;
}

export interface Resolved {
  readonly name: string;
  readonly caption: string;
  readonly attributes: ReadonlyMap<string, Attribute>;
  readonly constraints: { at_least_one?: string[]; just_one?: string[] };
}

export interface OcsfClass extends Resolved {
  readonly uid: number;
  readonly categoryUid: number;
  readonly categoryCaption: string;
}

interface TypeDef {
  readonly caption: string;
  readonly base: string;
  readonly regex: RegExp | undefined;
  readonly maxLen: number | undefined;
  readonly range: readonly [number, number] | undefined;
}

function readJson<T>(...parts: string[]): T {
  return JSON.parse(fs.readFileSync(path.join(OCSF_SCHEMA_DIR, ...parts), 'utf8')) as T;
}

function readDefs(dir: string): Map<string, RawDef> {
  const defs = new Map<string, RawDef>();
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(path.join(OCSF_SCHEMA_DIR, d), { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(d, entry.name));
      else if (entry.name.endsWith('.json')) {
        const def = readJson<RawDef>(d, entry.name);
        defs.set(def.name, def);
      }
    }
  };
  walk(dir);
  return defs;
}

export class OcsfSchema {
  readonly version: string = readJson<{ version: string }>('version.json').version;
  private readonly dictionary = readJson<{ attributes: Record<string, RawAttribute>; types: { attributes: Record<string, RawAttribute & { type?: string; regex?: string; max_len?: number; range?: [number, number] }> } }>('dictionary.json');
  private readonly categories = readJson<{ attributes: Record<string, { uid: number; caption: string }> }>('categories.json').attributes;
  private readonly eventDefs = readDefs('events');
  private readonly objectDefs = readDefs('objects');
  readonly profiles: ReadonlySet<string> = new Set(fs.readdirSync(path.join(OCSF_SCHEMA_DIR, 'profiles')).map((f) => f.replace(/\.json$/, '')));
  readonly classes = new Map<number, OcsfClass>();
  private readonly objects = new Map<string, Resolved>();
  readonly types = new Map<string, TypeDef>();
  /** Observable type_id → caption: the types, dictionary attributes and objects that declare an observable id. */
  readonly observableTypes = new Map<string, string>([
    ['0', 'Unknown'],
    ['99', 'Other'],
  ]);

  constructor() {
    for (const [name, t] of Object.entries(this.dictionary.types.attributes)) {
      this.types.set(name, { caption: t.caption!, base: t.type ?? name, regex: t.regex === undefined ? undefined : new RegExp(t.regex), maxLen: t.max_len, range: t.range });
      if (t.observable !== undefined) this.observableTypes.set(String(t.observable), t.caption!);
    }
    for (const a of Object.values(this.dictionary.attributes)) if (a.observable !== undefined) this.observableTypes.set(String(a.observable), a.caption!);
    for (const o of this.objectDefs.values()) if (o.observable !== undefined) this.observableTypes.set(String(o.observable), o.caption);
    for (const def of this.eventDefs.values()) {
      let categoryName = def.category;
      for (let d: RawDef | undefined = def; categoryName === undefined && d?.extends !== undefined; ) {
        d = this.eventDefs.get(d.extends);
        categoryName = d?.category;
      }
      const category = categoryName === undefined ? undefined : this.categories[categoryName];
      if (def.uid === undefined || category === undefined) continue;
      const resolved = this.resolve(def, this.eventDefs);
      const uid = category.uid * 1000 + def.uid;
      this.classes.set(uid, { ...resolved, uid, categoryUid: category.uid, categoryCaption: category.caption });
    }
  }

  object(name: string): Resolved {
    let o = this.objects.get(name);
    if (o === undefined) {
      const def = this.objectDefs.get(name);
      if (def === undefined) throw new Error(`OCSF has no object ${name}`);
      this.objects.set(name, (o = this.resolve(def, this.objectDefs)));
    }
    return o;
  }

  isObjectType(type: string): boolean {
    return this.objectDefs.has(type);
  }

  /** Walks `extends` to the root, merging attributes (child wins) and `$include`d files. */
  private resolve(def: RawDef, defs: Map<string, RawDef>): Resolved {
    const chain: RawDef[] = [];
    for (let d: RawDef | undefined = def; d !== undefined; d = d.extends === undefined ? undefined : defs.get(d.extends)) chain.unshift(d);
    const merged = new Map<string, { raw: RawAttribute; profile: string | undefined }>();
    const constraints: Resolved['constraints'] = {};
    for (const d of chain) {
      for (const [name, spec] of Object.entries(d.attributes)) {
        if (name === '$include') {
          for (const file of spec as string[]) {
            const inc = readJson<RawDef>(file);
            const profile = inc.meta === 'profile' ? inc.name : undefined;
            for (const [n, a] of Object.entries(inc.attributes)) this.merge(merged, n, a as RawAttribute, profile);
          }
        } else {
          this.merge(merged, name, spec as RawAttribute, undefined);
        }
      }
      Object.assign(constraints, d.constraints ?? {});
    }
    const attributes = new Map<string, Attribute>();
    for (const [name, { raw, profile }] of merged) {
      const dict = this.dictionary.attributes[name] ?? {};
      const enumEntries = { ...(dict.enum ?? {}), ...(raw.enum ?? {}) };
      attributes.set(name, {
        name,
        requirement: raw.requirement ?? 'optional',
        type: raw.type ?? dict.type ?? 'string_t',
        isArray: raw.is_array ?? dict.is_array ?? false,
        enum: dict.enum === undefined && raw.enum === undefined ? undefined : new Map(Object.entries(enumEntries).map(([k, v]) => [k, v.caption])),
        sibling: raw.sibling ?? dict.sibling,
        profile,
      });
    }
    return { name: def.name, caption: def.caption, attributes, constraints };
  }

  private merge(into: Map<string, { raw: RawAttribute; profile: string | undefined }>, name: string, spec: RawAttribute, profile: string | undefined): void {
    const prev = into.get(name);
    const raw = { ...(prev?.raw ?? {}), ...spec, enum: spec.enum === undefined ? prev?.raw.enum : { ...(prev?.raw.enum ?? {}), ...spec.enum } };
    into.set(name, { raw, profile: prev !== undefined && prev.profile === undefined ? undefined : profile });
  }
}

export interface Problem {
  readonly path: string;
  /** `required` and `constraint` problems are about what is missing; `invalid` about what is there. */
  readonly kind: 'required' | 'constraint' | 'invalid';
  readonly message: string;
  /** For a constraint: the attributes of which one (or just one) is missing. */
  readonly attributes?: readonly string[];
}

const INT32: readonly [bigint, bigint] = [-(2n ** 31n), 2n ** 31n - 1n];
const INT64: readonly [bigint, bigint] = [-(2n ** 63n), 2n ** 63n - 1n];
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const COMPUTED = new Set(['class_uid', 'category_uid']);

/** Checks one event (parsed with the big-integer-keeping reader) against the schema; returns every problem found. */
export function validateEvent(schema: OcsfSchema, event: JsonValue): Problem[] {
  const problems: Problem[] = [];
  if (event.type !== 'object') return [{ path: '', kind: 'invalid', message: 'the event is not an object' }];
  const m = event.members;
  const num = (key: string) => (m.get(key)?.type === 'number' ? Number(m.get(key)!.raw) : NaN);
  const cls = schema.classes.get(num('class_uid'));
  if (cls === undefined) return [{ path: 'class_uid', kind: 'invalid', message: `no class ${m.get('class_uid')?.raw}` }];
  const profiles = new Set<string>();
  const metadata = m.get('metadata');
  const declared = metadata?.type === 'object' ? metadata.members.get('profiles') : undefined;
  if (declared?.type === 'array') for (const p of declared.items) if (p.type === 'string') profiles.add(p.value);
  for (const p of profiles) if (!schema.profiles.has(p)) problems.push({ path: 'metadata.profiles', kind: 'invalid', message: `no profile ${p}` });
  const check = (ok: boolean, at: string, message: string) => ok || problems.push({ path: at, kind: 'invalid', message });
  check(num('category_uid') === cls.categoryUid, 'category_uid', `${cls.caption} is in category ${cls.categoryUid}`);
  check(num('type_uid') === cls.uid * 100 + num('activity_id'), 'type_uid', 'type_uid = class_uid × 100 + activity_id');
  const stringOf = (key: string) => (m.get(key)?.type === 'string' ? (m.get(key) as { value: string }).value : undefined);
  check(stringOf('class_name') === cls.caption, 'class_name', `the class caption is ${cls.caption}`);
  check(stringOf('category_name') === cls.categoryCaption, 'category_name', `the category caption is ${cls.categoryCaption}`);
  const activityCaption = cls.attributes.get('activity_id')!.enum!.get(String(num('activity_id')));
  check(stringOf('type_name') === `${cls.caption}: ${activityCaption}`, 'type_name', `the type caption is ${cls.caption}: ${activityCaption}`);
  validateObject(schema, cls, event, '', profiles, problems);
  return problems;
}

function validateObject(schema: OcsfSchema, def: Resolved, value: JsonValue, at: string, profiles: ReadonlySet<string>, problems: Problem[]): void {
  if (value.type !== 'object') {
    problems.push({ path: at, kind: 'invalid', message: `${def.name} must be an object, got ${value.type}` });
    return;
  }
  const here = (name: string) => (at === '' ? name : `${at}.${name}`);
  for (const [name, v] of value.members) {
    const attr = def.attributes.get(name);
    if (attr === undefined) {
      problems.push({ path: here(name), kind: 'invalid', message: `${def.name} has no attribute ${name}` });
      continue;
    }
    if (attr.profile !== undefined && !profiles.has(attr.profile)) problems.push({ path: here(name), kind: 'invalid', message: `${name} comes with profile ${attr.profile}, not in metadata.profiles` });
    if (attr.isArray) {
      if (v.type !== 'array') problems.push({ path: here(name), kind: 'invalid', message: 'must be an array' });
      else v.items.forEach((item, i) => validateValue(schema, def, attr, item, value, `${here(name)}[${i}]`, profiles, problems));
    } else {
      validateValue(schema, def, attr, v, value, here(name), profiles, problems);
    }
  }
  for (const attr of def.attributes.values()) {
    const applies = attr.profile === undefined || profiles.has(attr.profile);
    if (attr.requirement === 'required' && applies && !value.members.has(attr.name)) problems.push({ path: here(attr.name), kind: 'required', message: `${def.name}.${attr.name} is required` });
  }
  const { at_least_one: oneOf, just_one: justOne } = def.constraints;
  if (oneOf !== undefined && !oneOf.some((n) => value.members.has(n))) problems.push({ path: at, kind: 'constraint', message: `${def.name} needs at least one of ${oneOf.join(', ')}`, attributes: oneOf });
  if (justOne !== undefined && justOne.filter((n) => value.members.has(n)).length !== 1) problems.push({ path: at, kind: 'constraint', message: `${def.name} needs exactly one of ${justOne.join(', ')}`, attributes: justOne });
}

function validateValue(schema: OcsfSchema, owner: Resolved, attr: Attribute, v: JsonValue, parent: JsonValue & { type: 'object' }, at: string, profiles: ReadonlySet<string>, problems: Problem[]): void {
  const bad = (message: string): void => {
    problems.push({ path: at, kind: 'invalid', message });
  };
  if (attr.type === 'object') {
    if (v.type !== 'object') bad('must be an object');
    return;
  }
  if (schema.isObjectType(attr.type)) {
    validateObject(schema, schema.object(attr.type), v, at, profiles, problems);
    return;
  }
  const type = schema.types.get(attr.type);
  if (type === undefined) return bad(`unknown type ${attr.type}`);
  const base = type.base === 'string_t' || attr.type === 'string_t' ? 'string_t' : type.base;
  switch (base) {
    case 'string_t':
      if (v.type !== 'string') return bad(`${attr.type} must be a string, got ${v.raw}`);
      if (type.regex !== undefined && !type.regex.test(v.value)) bad(`${JSON.stringify(v.value)} does not match ${attr.type}`);
      if (type.maxLen !== undefined && v.value.length > type.maxLen) bad(`longer than ${type.maxLen}`);
      break;
    case 'integer_t':
    case 'long_t':
    case 'timestamp_t': {
      if (v.type !== 'number' || !INTEGER.test(v.raw)) return bad(`${attr.type} must be an integer, got ${v.raw}`);
      const [min, max] = base === 'integer_t' ? INT32 : INT64;
      const n = BigInt(v.raw);
      if (n < min || n > max) bad(`${v.raw} is out of ${attr.type}'s range`);
      if (type.range !== undefined && (n < BigInt(type.range[0]) || n > BigInt(type.range[1]))) bad(`${v.raw} is out of ${attr.type}'s range ${type.range.join('-')}`);
      break;
    }
    case 'float_t':
      if (v.type !== 'number') bad(`float_t must be a number, got ${v.raw}`);
      break;
    case 'boolean_t':
      if (v.type !== 'boolean') bad(`boolean_t must be true or false, got ${v.raw}`);
      break;
    case 'json_t':
      break;
    default:
      bad(`unchecked type ${attr.type}`);
  }
  // A class's own uid and category uid are computed (validateEvent checks them); their source enums hold only 0.
  if ('uid' in owner && COMPUTED.has(attr.name)) return;
  const enumeration = owner.name === 'observable' && attr.name === 'type_id' ? schema.observableTypes : attr.enum;
  if (enumeration === undefined) return;
  const key = v.type === 'string' ? v.value : v.raw;
  const caption = enumeration.get(key);
  if (caption === undefined) return bad(`${key} is not a value of ${attr.name}`);
  const sibling = attr.sibling ?? (owner.name === 'observable' && attr.name === 'type_id' ? 'type' : undefined);
  const siblingValue = sibling === undefined ? undefined : parent.members.get(sibling);
  if (key !== '99' && siblingValue !== undefined && (siblingValue.type !== 'string' || siblingValue.value !== caption)) {
    bad(`${sibling} must be ${JSON.stringify(caption)}, the caption of ${attr.name} ${key}, got ${siblingValue.raw}`);
  }
}
