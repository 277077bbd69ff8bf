/**
 * Loads the OCSF mapping files (`schemas/ocsf/*.yml`, one per ZPA log type plus `_`-named partials they extend),
 * checks them, and compiles each log type's rules. A bad file stops start-up with `<file>: <key>: <problem>`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { issueText, MappingFileSchema, PATH, type MappingFile, type RuleSpec } from './mapping-file.js';
import { TRANSFORMS, type Transform } from './transforms.js';

/** The repository's `schemas/ocsf/` directory (this file runs from dist/src/ocsf/). */
export const DEFAULT_OCSF_DIR = path.resolve(fileURLToPath(new URL('../../../schemas/ocsf/', import.meta.url)));
/** The partial every log type's rules start with (metadata, time, observables). */
const COMMON = '_common';
/** Attributes the transformer writes itself. */
const RESERVED = new Set(['class_uid', 'class_name', 'category_uid', 'category_name', 'type_uid', 'type_name', 'metadata.profiles', 'unmapped']);
/** Enum attributes every event needs, with their caption attribute. */
const ALWAYS = [
  ['activity_id', 'activity_name'],
  ['severity_id', 'severity'],
] as const;

export class OcsfMappingError extends Error {
  override name = 'OcsfMappingError';
}

/** One lookup case: a value (or a prefix, for a key ending in `*`) and the attribute value's JSON text. */
export interface Case {
  readonly key: string;
  readonly prefix: boolean;
  readonly out: string;
}

export interface Rule {
  /** What the rule does: a constant, a lookup, or the name of its transform (`as`). */
  readonly kind: string;
  readonly to: readonly string[];
  /** The record field (standard fields with the configured prefix); undefined for a constant. */
  readonly from: string | undefined;
  /** JSON text of a constant. */
  readonly constant: string | undefined;
  readonly transform: Transform | undefined;
  readonly cases: readonly Case[] | undefined;
  /** JSON text of the lookup's default. */
  readonly fallback: string | undefined;
  /** Enum value (JSON text) → caption. */
  readonly names: ReadonlyMap<string, string> | undefined;
  readonly sibling: readonly string[] | undefined;
  readonly unset: ReadonlySet<string>;
  readonly observable: { readonly typeId: number; readonly type: string } | undefined;
}

export interface Mapping {
  readonly file: string;
  /** ZPA schema name, e.g. `Zscaler.ZPA.UserActivity`. */
  readonly logType: string;
  readonly classUid: number;
  readonly className: string;
  readonly categoryUid: number;
  readonly categoryName: string;
  readonly profiles: readonly string[];
  readonly rules: readonly Rule[];
  /** Object paths, deepest first, with the attributes of which one keeps the object. */
  readonly objects: readonly (readonly [readonly string[], readonly string[]])[];
}

export interface MappingSet {
  readonly dir: string;
  readonly byLogType: ReadonlyMap<string, Mapping>;
}

/** Reads every mapping in `dir`; `prefix` is the standard fields' prefix the records carry (default `p_`). */
export function loadOcsfMappings(dir: string = DEFAULT_OCSF_DIR, prefix = 'p_'): MappingSet {
  const files = new Map<string, MappingFile>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yml')).sort()) files.set(file.slice(0, -4), readFile(dir, file));
  const byLogType = new Map<string, Mapping>();
  for (const [name, spec] of files) {
    if (name.startsWith('_')) {
      if (spec.log_type !== undefined) throw fail(name, 'log_type', 'a partial (a file named _…) maps no log type');
      continue;
    }
    const mapping = compile(name, spec, files, prefix);
    if (byLogType.has(mapping.logType)) throw fail(name, 'log_type', `${mapping.logType} is mapped by ${byLogType.get(mapping.logType)!.file} too`);
    byLogType.set(mapping.logType, mapping);
  }
  if (byLogType.size === 0) throw new OcsfMappingError(`${dir}: no OCSF mapping files (*.yml)`);
  return { dir, byLogType };
}

function fail(name: string, key: string, problem: string): OcsfMappingError {
  return new OcsfMappingError(`${name}.yml: ${key}: ${problem}`);
}

function readFile(dir: string, file: string): MappingFile {
  let doc: unknown;
  try {
    doc = parseYaml(fs.readFileSync(path.join(dir, file), 'utf8'));
  } catch (err) {
    throw new OcsfMappingError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const result = MappingFileSchema.safeParse(doc);
  if (!result.success) throw new OcsfMappingError(`${file}: ${issueText(result.error.issues[0])}`);
  return result.data;
}

/** The rules of `name` after those of everything it extends (depth first, `_common` first of all). */
function chain(name: string, files: ReadonlyMap<string, MappingFile>, seen: string[]): [string, MappingFile][] {
  const spec = files.get(name)!;
  const parents = spec.extends === undefined ? [] : Array.isArray(spec.extends) ? spec.extends : [spec.extends];
  const out: [string, MappingFile][] = [];
  for (const parent of parents) {
    if (!files.has(parent)) throw fail(name, 'extends', `no mapping file ${parent}.yml`);
    if (seen.includes(parent)) throw fail(name, 'extends', `${[...seen, parent].join(' → ')} is a cycle`);
    out.push(...chain(parent, files, [...seen, parent]));
  }
  out.push([name, spec]);
  return out;
}

function compile(name: string, spec: MappingFile, files: ReadonlyMap<string, MappingFile>, prefix: string): Mapping {
  for (const key of ['log_type', 'class', 'category', 'why'] as const) if (spec[key] === undefined) throw fail(name, key, 'is required');
  const cls = spec.class!;
  const category = spec.category!;
  if (Math.floor(cls.uid / 1000) !== category.uid) throw fail(name, 'class.uid', `${cls.uid} is not in category ${category.uid} (class_uid = category_uid × 1000 + n)`);
  const sources = chain(name, files, [name]);
  if (files.has(COMMON) && name !== COMMON) sources.unshift([COMMON, files.get(COMMON)!]);
  const rules: Rule[] = [];
  const profiles = new Set<string>();
  const objects = new Map<string, string[]>();
  for (const [file, part] of sources) {
    part.map?.forEach((r, i) => rules.push(compileRule(file, `map[${i}]`, r, prefix)));
    part.profiles?.forEach((p) => profiles.add(p));
    for (const [at, keys] of Object.entries(part.objects ?? {})) objects.set(at, keys);
  }
  for (const [attr, sibling] of ALWAYS) {
    const rule = rules.find((r) => r.to.join('.') === attr);
    if (rule === undefined || (rule.constant === undefined && rule.fallback === undefined)) throw fail(name, 'map', `no rule always sets ${attr} (a value, or a lookup with a default)`);
    if (rule.sibling?.join('.') !== sibling) throw fail(name, 'map', `the rule for ${attr} must name its captions and write them to ${sibling}`);
  }
  return {
    file: `${name}.yml`,
    logType: spec.log_type!,
    classUid: cls.uid,
    className: cls.name,
    categoryUid: category.uid,
    categoryName: category.name,
    profiles: [...profiles],
    rules,
    objects: [...objects.entries()].map(([at, keys]) => [at.split('.'), keys] as const).sort((a, b) => b[0].length - a[0].length),
  };
}

function compileRule(file: string, key: string, r: RuleSpec, prefix: string): Rule {
  const problem = (what: string) => fail(file, key, what);
  const to = r.to;
  if (RESERVED.has(to) || to.startsWith('unmapped.')) throw problem(`${to} is written by the transformer itself`);
  if ((r.from === undefined) === (r.value === undefined)) throw problem('needs either from (a record field) or value (a constant)');
  if (r.value !== undefined && (r.as !== undefined || r.lookup !== undefined || r.unset !== undefined)) throw problem('a constant takes no as, lookup or unset');
  if (r.lookup !== undefined && r.as !== undefined) throw problem('a lookup takes no as');
  if (r.default !== undefined && r.lookup === undefined) throw problem('default belongs to a lookup');
  const isObservable = r.as === 'observable';
  if (isObservable !== (r.type_id !== undefined) || isObservable !== (r.type !== undefined)) throw problem('as: observable goes with type_id and type, and only with it');
  if (isObservable && to !== 'observables') throw problem('as: observable fills observables');
  if (r.sibling !== undefined && r.names === undefined) throw problem('sibling needs names (the captions to write)');
  const outputs = [...Object.values(r.lookup ?? {}), ...[r.default, r.value].filter((v) => v !== undefined)];
  if (r.names !== undefined) {
    for (const id of Object.keys(r.names)) if (!/^-?\d+$/.test(id)) throw problem(`names: ${id} is not an enum value (an integer)`);
    for (const out of outputs) if (r.names[String(out)] === undefined) throw problem(`names: no caption for ${JSON.stringify(out)}`);
  }
  const sibling = r.sibling === undefined ? undefined : [...to.split('.').slice(0, -1), r.sibling];
  if (sibling !== undefined && !PATH.test(sibling.join('.'))) throw problem('sibling is not an attribute path');
  return {
    kind: r.value !== undefined ? 'constant' : r.lookup !== undefined ? 'lookup' : (r.as ?? 'copy'),
    to: to.split('.'),
    from: r.from === undefined ? undefined : r.from.startsWith('p_') ? prefix + r.from.slice(2) : r.from,
    constant: r.value === undefined ? undefined : JSON.stringify(r.value),
    transform: r.lookup !== undefined || isObservable ? undefined : TRANSFORMS[r.as ?? 'copy'],
    cases:
      r.lookup === undefined
        ? undefined
        : Object.entries(r.lookup).map(([k, out]) => ({ key: k.endsWith('*') ? k.slice(0, -1) : k, prefix: k.endsWith('*'), out: JSON.stringify(out) })),
    fallback: r.default === undefined ? undefined : JSON.stringify(r.default),
    names: r.names === undefined ? undefined : new Map(Object.entries(r.names)),
    sibling,
    unset: new Set((r.unset ?? []).map(String)),
    observable: isObservable ? { typeId: r.type_id!, type: r.type! } : undefined,
  };
}
