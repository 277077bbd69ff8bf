/**
 * The user's own Log Stream Content strings (`zpa.templates`), compiled at start-up, each for the stream it names: a
 * Fluent Bit tag, or a log type id (its `zpa.<id>` tag, and CSV/TSV lines that come untagged). A JSON template whose
 * every value prints as valid JSON meaning what the schema means ("native") needs no reading of its own: its lines
 * take the JSON path, fast path included. Any other template reads its lines field by field (template-line.ts).
 */
import { Classifier } from './classify.js';
import { compileTemplate, TemplateError, templateKeys, unescapeTemplate, type CompiledTemplate, type LssFormat } from './lss-template.js';
import type { LogSchema, SchemaSet } from './schema.js';
import { TemplateReader } from './template-line.js';
import type { TemplateSet } from './templates.js';

/** One `zpa.templates` entry as configured. */
export interface TemplateConfig {
  format: LssFormat;
  content: string;
  /** The log type id; by default the key's, or the one the template's keys name. */
  log_type?: string;
}

export interface StreamTemplate {
  /** The `zpa.templates` key. */
  readonly key: string;
  readonly template: CompiledTemplate;
  readonly schema: LogSchema;
  readonly reader: TemplateReader;
  readonly native: boolean;
}

export class ConfiguredTemplates {
  private readonly byTag = new Map<string, StreamTemplate>();
  private readonly byType = new Map<string, StreamTemplate>();

  private constructor(readonly all: readonly StreamTemplate[]) {
    for (const t of all) (t.key === t.schema.id ? this.byType : this.byTag).set(t.key, t);
  }

  static none(): ConfiguredTemplates {
    return new ConfiguredTemplates([]);
  }

  /** Compiles every entry; throws TemplateError naming `zpa.templates.<key>` and what does not compile. */
  static compile(entries: Readonly<Record<string, TemplateConfig>>, schemas: SchemaSet, defaults: TemplateSet): ConfiguredTemplates {
    const classifier = new Classifier(schemas, (id) => defaults.templates.filter((t) => t.logType === id).flatMap((t) => t.fields.map((f) => f.variable)));
    const all = Object.entries(entries).map(([key, entry]) => {
      const name = `zpa.templates.${key}`;
      const text = unescapeTemplate(entry.content);
      const keyOf = (schema: LogSchema | undefined) => (variable: string) =>
        (schema && (defaults.keyOfVariable(schema.id, variable) ?? schema.byLowerKey.get(variable.toLowerCase())?.name)) ?? variable;
      let schema = logTypeOf(key, entry, schemas, name);
      // Without a log type to go by, the template's own keys tell it.
      if (schema === undefined) {
        const keys = templateKeys(compileTemplate(text, { name, logType: '', format: entry.format, keyOf: keyOf(undefined) }));
        classifier.reset();
        for (const k of keys) classifier.countKey(k);
        schema = classifier.best(keys.length);
        if (schema === undefined) throw new TemplateError(`${name}: cannot tell its log type from the key (a tag zpa.<id> or a log type id) or its fields; add log_type: <id>`);
      }
      const template = compileTemplate(text, { name, logType: schema.id, format: entry.format, keyOf: keyOf(schema) });
      if (entry.format === 'json' && !template.literals[0].includes('{')) throw new TemplateError(`${name}: a json template starts its record with "{", this one with ${JSON.stringify(template.literals[0])}`);
      const separatorFields = new Set(entry.format === 'csv' ? defaults.separatorFields.csv : entry.format === 'tsv' ? defaults.separatorFields.tsv : []);
      return { key, template, schema, reader: new TemplateReader(template, schema, separatorFields), native: isNative(template, schema) };
    });
    return new ConfiguredTemplates(all);
  }

  /** The template of records with this tag (`tagged`: the log type the tag names). */
  forTag(tag: string, tagged: LogSchema | undefined): StreamTemplate | undefined {
    return this.byTag.get(tag) ?? (tagged === undefined ? undefined : this.byType.get(tagged.id));
  }

  /** The CSV/TSV templates configured by log type: tried for delimited lines that come without a tag naming theirs. */
  delimited(): StreamTemplate[] {
    return [...this.byType.values()].filter((t) => t.template.format !== 'json');
  }
}

function logTypeOf(key: string, entry: TemplateConfig, schemas: SchemaSet, name: string): LogSchema | undefined {
  if (entry.log_type !== undefined) {
    const schema = schemas.byId.get(entry.log_type);
    if (schema === undefined) throw new TemplateError(`${name}.log_type: unknown log type ${JSON.stringify(entry.log_type)} (one of ${[...schemas.byId.keys()].join(', ')})`);
    return schema;
  }
  return schemas.byId.get(key) ?? (key.startsWith('zpa.') ? schemas.byId.get(key.slice(4)) : undefined);
}

/**
 * Every value prints as the JSON the schema's field reads without help: `%j` strings (a timestamp in the schema's
 * own rendering), `%d`/`%f` numbers without flags that make them invalid JSON, lists of strings or numbers, each key
 * once.
 */
function isNative(template: CompiledTemplate, schema: LogSchema): boolean {
  if (template.format !== 'json') return false;
  const keys = new Set<string>();
  return template.fields.every((f) => {
    if (keys.has(f.key) || f.quoted) return false;
    keys.add(f.key);
    if (f.list !== undefined) return (f.conv === 'j' || f.conv === 'd') && f.rendering === undefined && f.list === ',';
    if (f.conv === 'd' || f.conv === 'f') return f.rendering === undefined && /^[- ]*$/.test(f.flags);
    if (f.conv !== 'j') return false;
    if (f.rendering === undefined) return true;
    const target = schema.byKey.get(f.key);
    return target?.type === 'timestamp' && f.rendering === (target.timeFormats[0].format === 'rfc3339' ? 'iso8601' : 'time');
  });
}
