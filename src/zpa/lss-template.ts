/**
 * Compiles an LSS "Log Stream Content" string (a Zscaler default template, or one a user pasted from the ZPA portal)
 * into its field list: literal text between fields, and per field its record key, specifier, printf flags, width and
 * precision, time rendering and list separator. The record parsers (template-line.ts) and the generators read this
 * one description. The grammar is Zscaler's: `%[flags][width][.precision]<conv>[(<list separator>)]{Name[:rendering]}`
 * with conv one of s j J d x f o, and `%%` for a percent sign (docs/lss-templates.md).
 */

export type LssFormat = 'json' | 'csv' | 'tsv';
export const LSS_FORMATS: readonly LssFormat[] = ['json', 'csv', 'tsv'];

/** The conversions LSS prints: s text, j JSON string (quoted), J JSON-escaped text (no quotes), d x o f numbers. */
export type Conversion = 's' | 'j' | 'J' | 'd' | 'x' | 'f' | 'o';
const CONVERSIONS = new Set<string>(['s', 'j', 'J', 'd', 'x', 'f', 'o']);

/** Whole timestamps (ctime, ISO 8601, epoch) and the pieces one can be rebuilt from. */
export type TimeRendering = 'time' | 'iso8601' | 'epoch' | TimePiece;
export type TimePiece = 'us' | 'ms' | 'ss' | 'mm' | 'hh' | 'dd' | 'mth' | 'mon' | 'yy' | 'yyyy' | 'day';
export const TIME_PIECES: readonly TimePiece[] = ['us', 'ms', 'ss', 'mm', 'hh', 'dd', 'mth', 'mon', 'yy', 'yyyy', 'day'];
const RENDERINGS = new Set<string>(['time', 'iso8601', 'epoch', ...TIME_PIECES]);

export interface TemplateField {
  /** The record key the value is written under (JSON: the key before it; CSV/TSV: the schema's name for the variable). */
  readonly key: string;
  /** The LSS variable inside the braces, e.g. `c2c`. */
  readonly variable: string;
  readonly conv: Conversion;
  /** printf flags as written: any of `-+ #0`. */
  readonly flags: string;
  readonly width: number | undefined;
  readonly precision: number | undefined;
  readonly rendering: TimeRendering | undefined;
  /** The separator between list elements, `(,)` → `,`; undefined for a single value. */
  readonly list: string | undefined;
  /** JSON templates: the value sits between double quotes the template itself writes (`"Key":"%s{X}"`). */
  readonly quoted: boolean;
  /** The specifier as written, for messages and check-config. */
  readonly spec: string;
}

/** A template as alternating literal text and fields: literals.length === fields.length + 1. */
export interface CompiledTemplate {
  /** Where it came from: the template file, or the `zpa.templates` key. */
  readonly name: string;
  readonly logType: string;
  readonly format: LssFormat;
  readonly literals: readonly string[];
  readonly fields: readonly TemplateField[];
}

/** A template that does not compile: `name: specifier "<spec>" at offset N: <problem>`. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

const PLACEHOLDER = /%([-+ #0]*)(\d+)?(?:\.(\d*))?([A-Za-z])(?:\(([^)]*)\))?\{([A-Za-z0-9_.]+)(?::([A-Za-z0-9_]+))?\}/y;
const JSON_KEY_BEFORE = /"((?:[^"\\]|\\.)+)"\s*:\s*(\[\s*)?("?)$/;

/** The text as the portal shows it: `\t`, `\n`, `\r` written as escapes, and the record's own trailing newline. */
export function unescapeTemplate(content: string): string {
  return content
    .replace(/\r?\n$/, '')
    .replace(/\\n$/, '')
    .replace(/\\([tnr])/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : '\r'));
}

export interface CompileOptions {
  name: string;
  logType: string;
  format: LssFormat;
  /** The record key of a variable where the template text names none (CSV/TSV, or a JSON value without a key). */
  keyOf(variable: string): string;
}

/** Compiles `text` (already unescaped); throws TemplateError naming the offending specifier. */
export function compileTemplate(text: string, options: CompileOptions): CompiledTemplate {
  const literals: string[] = [];
  const fields: TemplateField[] = [];
  const keyByVariable = new Map<string, string>();
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const percent = text.indexOf('%', i);
    if (percent < 0) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, percent);
    if (text[percent + 1] === '%') {
      literal += '%';
      i = percent + 2;
      continue;
    }
    PLACEHOLDER.lastIndex = percent;
    const m = PLACEHOLDER.exec(text);
    const close = text.indexOf('}', percent);
    const fail = (problem: string, spec = m?.[0] ?? text.slice(percent, close >= 0 && close - percent < 48 ? close + 1 : percent + 12)): never => {
      throw new TemplateError(`${options.name}: specifier ${JSON.stringify(spec)} at offset ${percent}: ${problem}`);
    };
    if (m === null) fail('not a field specifier: expected %[flags][width][.precision]<s|j|J|d|x|f|o>[(,)]{Name[:rendering]}');
    const [spec, flags, width, precision, conv, list, variable, rendering] = m!;
    if (!CONVERSIONS.has(conv)) fail(`unknown conversion "${conv}" (LSS prints %s %j %J %d %x %f %o)`);
    if (rendering !== undefined && !RENDERINGS.has(rendering)) fail(`unknown time rendering ":${rendering}" (one of ${[...RENDERINGS].map((r) => `:${r}`).join(' ')})`);
    if (list === '') fail('an empty list separator: write (,) for a list joined with commas');
    const after = text.slice(percent + spec.length);
    let key: string | undefined;
    let quoted = false;
    if (options.format === 'json') {
      const k = JSON_KEY_BEFORE.exec(literal);
      if (k !== null) key = JSON.parse(`"${k[1]}"`) as string;
      quoted = (k !== null ? k[3] === '"' : literal.endsWith('"')) && after.startsWith('"');
    }
    key ??= keyByVariable.get(variable) ?? options.keyOf(variable);
    if (!keyByVariable.has(variable)) keyByVariable.set(variable, key);
    literals.push(literal);
    literal = '';
    fields.push({
      key,
      variable,
      conv: conv as Conversion,
      flags,
      width: width === undefined ? undefined : Number(width),
      precision: precision === undefined ? undefined : Number(precision || '0'),
      rendering: rendering as TimeRendering | undefined,
      list,
      quoted,
      spec,
    });
    i = percent + spec.length;
  }
  literals.push(literal);
  if (fields.length === 0) throw new TemplateError(`${options.name}: no field specifier (%s{Name}, %j{Name}, ...) in the template`);
  return { name: options.name, logType: options.logType, format: options.format, literals, fields };
}

/** The fields' keys, once each, in template order (a timestamp rebuilt from pieces is one key). */
export function templateKeys(template: CompiledTemplate): string[] {
  return [...new Set(template.fields.map((f) => f.key))];
}

/** A field as check-config prints it: `Key  %05.2d  width 5, precision 2, :hh, list (,)`. */
export function describeField(field: TemplateField): string {
  const parts = [`%${field.conv}`];
  if (field.flags !== '') parts.push(`flags "${field.flags}"`);
  if (field.width !== undefined) parts.push(`width ${field.width}`);
  if (field.precision !== undefined) parts.push(`precision ${field.precision}`);
  if (field.rendering !== undefined) parts.push(`:${field.rendering}`);
  if (field.list !== undefined) parts.push(`list (${field.list})`);
  if (field.quoted) parts.push('quoted');
  return `${field.key} ← ${field.spec} (${parts.join(', ')})`;
}
