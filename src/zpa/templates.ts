/**
 * Zscaler's default LSS "Log Stream Content" templates, read from `schemas/lss-templates/<log type id>[.<variant>].
 * <format>.txt` and compiled (lss-template.ts). They give the CSV/TSV field positions, prefixes and labels (for
 * parsing lines that come without a configured template), the exact output of each format (for the generator), and
 * each log type's variable names with the record keys the JSON template writes them under (`c2c` → ClientToClient),
 * which a user's template names its fields by.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compileTemplate, TemplateError, unescapeTemplate, type CompiledTemplate, type LssFormat } from './lss-template.js';
import { DEFAULT_SCHEMA_DIR, SchemaError } from './schema.js';

export { LSS_FORMATS, type LssFormat } from './lss-template.js';

/** A default template, with what tells its CSV/TSV lines apart when no template is configured. */
export interface LssTemplate extends CompiledTemplate {
  /** `default` for the older default template of a type that has two, else undefined. */
  readonly variant: string | undefined;
  /** CSV/TSV: the text between the timestamp and the `zpa-lss:` marker, e.g. `User Activity`. */
  readonly label: string;
  /** CSV/TSV: the field separator. */
  readonly separator: string;
  /** CSV/TSV: the index of the literal that holds the marker (the fields before it form the line's prefix). */
  readonly markerAt: number;
}

export interface TemplateSet {
  readonly templates: readonly LssTemplate[];
  /** Fields whose values hold the separator by construction, per format (separator-fields.yml). */
  readonly separatorFields: Readonly<Record<'csv' | 'tsv', ReadonlySet<string>>>;
  find(logType: string, format: LssFormat, variant?: string): LssTemplate | undefined;
  /** The record key the default JSON template of `logType` writes `variable` under (matched without regard to case). */
  keyOfVariable(logType: string, variable: string): string | undefined;
}

export const DEFAULT_TEMPLATE_DIR = path.join(DEFAULT_SCHEMA_DIR, 'lss-templates');

export const MARKER = /z(?:pa|ms)-lss:/;
const FILE_NAME = /^([a-z0-9-]+)(?:\.([a-z]+))?\.(json|csv|tsv)\.txt$/;

/** Reads every template in `dir`; a malformed one throws SchemaError naming the file. */
export function loadTemplates(dir: string = DEFAULT_TEMPLATE_DIR): TemplateSet {
  const files = fs.readdirSync(dir).filter((f) => FILE_NAME.test(f)).sort();
  const sources = files.map((file) => {
    const [, logType, variant, format] = FILE_NAME.exec(file)!;
    return { file, logType, variant, format: format as LssFormat, text: unescapeTemplate(fs.readFileSync(path.join(dir, file), 'utf8')) };
  });
  // Variable → key, from the JSON templates (CSV names the LSS variable, JSON the key), per log type.
  const keys = new Map<string, Map<string, string>>();
  const compile = (s: (typeof sources)[number], keyOf: (variable: string) => string): CompiledTemplate => {
    try {
      return compileTemplate(s.text, { name: s.file, logType: s.logType, format: s.format, keyOf });
    } catch (error) {
      throw new SchemaError(error instanceof TemplateError ? error.message : String(error));
    }
  };
  for (const s of sources) {
    if (s.format !== 'json') continue;
    const template = compile(s, (variable) => {
      throw new SchemaError(`${s.file}: no JSON key before %{${variable}}`);
    });
    const byVariable = keys.get(s.logType) ?? new Map<string, string>();
    for (const field of template.fields) byVariable.set(field.variable.toLowerCase(), field.key);
    keys.set(s.logType, byVariable);
  }
  const keyOfVariable = (logType: string, variable: string) => keys.get(logType)?.get(variable.toLowerCase());
  const templates = sources.map((s) => withMarker(s.file, compile(s, (variable) => keyOfVariable(s.logType, variable) ?? variable), s.variant));
  const separatorFields = readSeparatorFields(path.join(dir, 'separator-fields.yml'));
  return {
    templates,
    separatorFields,
    find: (logType, format, variant) => templates.find((t) => t.logType === logType && t.format === format && t.variant === variant),
    keyOfVariable,
  };
}

/** A default CSV/TSV template's label, separator and marker; every gap between its fields must be the separator. */
function withMarker(file: string, t: CompiledTemplate, variant: string | undefined): LssTemplate {
  if (t.format === 'json') return { ...t, variant, label: '', separator: '', markerAt: 0 };
  const markerAt = t.literals.findIndex((l) => MARKER.test(l));
  if (markerAt < 0) throw new SchemaError(`${file}: no zpa-lss: marker`);
  const marker = t.literals[markerAt];
  const m = MARKER.exec(marker)!;
  const separator = marker.slice(m.index + m[0].length).replace(/^ +/, '').charAt(0) || (t.format === 'csv' ? ',' : '\t');
  const gap = t.literals.findIndex((l, i) => i > markerAt && i < t.fields.length && l !== separator);
  if (gap >= 0) throw new SchemaError(`${file}: expected ${JSON.stringify(separator)} between %{${t.fields[gap - 1].variable}} and %{${t.fields[gap].variable}}, got ${JSON.stringify(t.literals[gap])}`);
  return { ...t, variant, label: marker.slice(0, m.index).trim(), separator, markerAt };
}

function readSeparatorFields(file: string): TemplateSet['separatorFields'] {
  const doc = (fs.existsSync(file) ? parseYaml(fs.readFileSync(file, 'utf8')) : {}) as Record<string, unknown>;
  const set = (v: unknown): Set<string> => new Set(Array.isArray(v) ? v.map(String) : []);
  return { csv: set(doc?.csv), tsv: set(doc?.tsv) };
}
