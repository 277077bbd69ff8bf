/**
 * Zscaler's LSS "Log Stream Content" templates, read from `schemas/lss-templates/<log type id>[.<variant>].<format>.txt`.
 * They give the CSV/TSV field positions and prefixes (for parsing) and the exact output shape of each format (for
 * the generator). `%j` = quoted JSON string, `%d` = integer, `%f` = float with six decimals, `%s` = bare text;
 * `(,)` marks a list joined with commas; `{Name:time}` / `{Name:iso8601}` are timestamps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_SCHEMA_DIR, SchemaError } from './schema.js';

export type LssFormat = 'json' | 'csv' | 'tsv';
export const LSS_FORMATS: readonly LssFormat[] = ['json', 'csv', 'tsv'];

export interface Placeholder {
  /** Conversion: j (quoted JSON string), d (integer), f (float), s (bare text). */
  readonly conv: 'j' | 'd' | 'f' | 's';
  /** The LSS variable name inside the braces. */
  readonly variable: string;
  /** `time` (ctime) or `iso8601`, when the variable is a timestamp. */
  readonly time: 'time' | 'iso8601' | undefined;
  /** A list joined with `,`. */
  readonly list: boolean;
  /** The record key this placeholder fills (JSON key of the same variable in the JSON template). */
  readonly key: string;
}

/** A template as alternating literal text and placeholders: literals.length === placeholders.length + 1. */
export interface LssTemplate {
  readonly logType: string;
  /** `default` for the older default template of a type that has two, else undefined. */
  readonly variant: string | undefined;
  readonly format: LssFormat;
  readonly literals: readonly string[];
  readonly placeholders: readonly Placeholder[];
  /** CSV/TSV: the text between the timestamp and the `zpa-lss:` marker, e.g. `User Activity`. */
  readonly label: string;
  /** CSV/TSV: the field separator. */
  readonly separator: string;
  /** CSV/TSV: index of the first placeholder after the marker (the timestamp in the prefix precedes it). */
  readonly firstField: number;
}

export interface TemplateSet {
  readonly templates: readonly LssTemplate[];
  /** Fields whose values hold the separator by construction, per format (separator-fields.yml). */
  readonly separatorFields: Readonly<Record<'csv' | 'tsv', ReadonlySet<string>>>;
  find(logType: string, format: LssFormat, variant?: string): LssTemplate | undefined;
}

export const DEFAULT_TEMPLATE_DIR = path.join(DEFAULT_SCHEMA_DIR, 'lss-templates');

const PLACEHOLDER = /%([jdfs])(\(,\))?\{([A-Za-z0-9_]+)(?::(time|iso8601))?\}/g;
export const MARKER = /z(?:pa|ms)-lss:/;
const FILE_NAME = /^([a-z0-9-]+)(?:\.([a-z]+))?\.(json|csv|tsv)\.txt$/;

/** Reads every template in `dir`; a malformed one throws SchemaError naming the file. */
export function loadTemplates(dir: string = DEFAULT_TEMPLATE_DIR): TemplateSet {
  const files = fs.readdirSync(dir).filter((f) => FILE_NAME.test(f)).sort();
  const sources = files.map((file) => {
    const [, logType, variant, format] = FILE_NAME.exec(file)!;
    // The files hold the template as published: a literal `\n` (and sometimes `\t`) in the text.
    const text = fs.readFileSync(path.join(dir, file), 'utf8').replace(/\r?\n$/, '').replace(/\\n$/, '').replace(/\\t/g, '\t');
    return { file, logType, variant, format: format as LssFormat, text };
  });
  // Keys come from the JSON template of the same type and variant (CSV names the LSS variable, JSON the key).
  const keysByTemplate = new Map<string, Map<string, string>>();
  for (const s of sources) {
    if (s.format !== 'json') continue;
    const keys = new Map<string, string>();
    for (const { literal, variable } of splitTemplate(s.text).pairs) {
      const m = /"([^"]+)"\s*:\s*\[?$/.exec(literal);
      if (!m) throw new SchemaError(`${s.file}: no JSON key before %{${variable}}`);
      keys.set(variable, m[1]);
    }
    keysByTemplate.set(`${s.logType}.${s.variant ?? ''}`, keys);
  }
  const templates = sources.map((s) => {
    const keys = keysByTemplate.get(`${s.logType}.${s.variant ?? ''}`) ?? new Map<string, string>();
    return compileTemplate(s.file, s.logType, s.variant, s.format, s.text, keys);
  });
  const separatorFields = readSeparatorFields(path.join(dir, 'separator-fields.yml'));
  return {
    templates,
    separatorFields,
    find: (logType, format, variant) => templates.find((t) => t.logType === logType && t.format === format && t.variant === variant),
  };
}

function splitTemplate(text: string): { literals: string[]; pairs: { literal: string; variable: string; match: RegExpExecArray }[] } {
  const literals: string[] = [];
  const pairs: { literal: string; variable: string; match: RegExpExecArray }[] = [];
  let from = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const literal = text.slice(from, m.index);
    literals.push(literal);
    pairs.push({ literal, variable: m[3], match: m as RegExpExecArray });
    from = m.index! + m[0].length;
  }
  literals.push(text.slice(from));
  return { literals, pairs };
}

function compileTemplate(
  file: string,
  logType: string,
  variant: string | undefined,
  format: LssFormat,
  text: string,
  keys: ReadonlyMap<string, string>,
): LssTemplate {
  const { literals, pairs } = splitTemplate(text);
  const placeholders = pairs.map(({ variable, match }) => ({
    conv: match[1] as Placeholder['conv'],
    variable,
    time: match[4] as Placeholder['time'],
    list: match[2] !== undefined,
    key: keys.get(variable) ?? variable,
  }));
  if (format === 'json') return { logType, variant, format, literals, placeholders, label: '', separator: '', firstField: 0 };
  const markerAt = literals.findIndex((l) => MARKER.test(l));
  if (markerAt < 0) throw new SchemaError(`${file}: no zpa-lss: marker`);
  const marker = literals[markerAt];
  const m = MARKER.exec(marker)!;
  const separator = marker.slice(m.index + m[0].length).replace(/^ +/, '').charAt(0) || (format === 'csv' ? ',' : '\t');
  const gap = literals.findIndex((l, i) => i > markerAt && i < placeholders.length && l !== separator);
  if (gap >= 0) throw new SchemaError(`${file}: expected ${JSON.stringify(separator)} between %{${placeholders[gap - 1].variable}} and %{${placeholders[gap].variable}}, got ${JSON.stringify(literals[gap])}`);
  return {
    logType,
    variant,
    format,
    literals,
    placeholders,
    label: marker.slice(0, m.index).trim(),
    separator,
    firstField: markerAt,
  };
}

function readSeparatorFields(file: string): TemplateSet['separatorFields'] {
  const doc = (fs.existsSync(file) ? parseYaml(fs.readFileSync(file, 'utf8')) : {}) as Record<string, unknown>;
  const set = (v: unknown): Set<string> => new Set(Array.isArray(v) ? v.map(String) : []);
  return { csv: set(doc?.csv), tsv: set(doc?.tsv) };
}
