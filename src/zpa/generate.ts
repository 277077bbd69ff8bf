/**
 * Generates LSS lines exactly as Zscaler's Log Streaming Service prints them from its templates (JSON, CSV, TSV),
 * with values a SIEM pipeline would see: times in the seconds to minutes before now (or a fixed base time), each
 * record's timestamps in order (start < end), and per field a plausible value chosen by its name and type
 * (generate-values.ts: company names, user emails, IPs, ports, ZEN names, policy names, country codes...). With
 * `edge`, a share of the values are edge cases: empty, "0", "unset", unicode, separators inside values, max int64,
 * single-space ctime days, JSON documents inside strings. Deterministic for a given seed and base time. Used by
 * tests, the simulator, the demo and the benchmarks.
 */
import { loadSchemas, type LogSchema, type SchemaSet } from './schema.js';
import { plausible, Scene, type FieldShape } from './generate-values.js';
import { loadTemplates, type LssFormat, type LssTemplate, type Placeholder, type TemplateSet } from './templates.js';

export interface GenerateOptions {
  /** Mix in edge values (about a third of the fields). */
  edge?: boolean;
  /** Template variant, e.g. `default` for User Activity's older default template. */
  variant?: string;
  /**
   * Records happen in the seconds to minutes before this instant (epoch ms or a Date). Default: the clock at each
   * call, so a long simulation stays current. Fix it to make records repeatable for a seed.
   */
  baseTime?: number | Date;
}

export interface GeneratedRecord {
  line: string;
  /** Each record key and the value text generated for it (before LSS quoting). */
  values: Map<string, string>;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same records on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INT64_MAX = '9223372036854775807';
/** Text for string fields no name rule knows. */
const WORDS = ['default', 'standard', 'none'];
const UNICODE = ['Zürich – 東京 ✓', 'naïve café', 'Ελληνικά', '😀 emoji', 'Ωmega'];
/** Text with JSON-significant characters and separators; only where the format can carry them unambiguously. */
const SEPARATED: Record<LssFormat, string[]> = {
  json: ['a,b\tc', 'quote " and \\ backslash', 'line\u0001ctl', 'x, y, z'],
  tsv: ['a,b,c', 'Acme, Inc.'],
  csv: [],
};
const PLACEHOLDER_VALUES = ['', '0', 'unset'];

type Random = () => number;

export class LssGenerator {
  constructor(
    private readonly schemas: SchemaSet = loadSchemas(),
    private readonly templates: TemplateSet = loadTemplates(),
  ) {}

  /** Log type ids that have a template in every format. */
  logTypes(): string[] {
    return this.schemas.schemas.map((s) => s.id).filter((id) => this.templates.find(id, 'json') !== undefined);
  }

  /** One line, without the trailing newline. */
  line(logType: string, format: LssFormat, random: Random, options: GenerateOptions = {}): string {
    return this.record(logType, format, random, options).line;
  }

  record(logType: string, format: LssFormat, random: Random, options: GenerateOptions = {}): GeneratedRecord {
    const template = this.templates.find(logType, format, options.variant);
    const schema = this.schemas.byId.get(logType);
    if (template === undefined || schema === undefined) throw new Error(`no ${format} template or schema for log type ${logType}`);
    const base = options.baseTime === undefined ? Date.now() : Number(options.baseTime);
    const scene = new Scene(random, logType, base);
    // LSS does not quote CSV values: a comma inside one (other than where it belongs) would shift every later field.
    const unquotedCommas = format === 'csv' ? this.templates.separatorFields.csv : undefined;
    const values = new Map<string, string>();
    let line = template.literals[0];
    template.placeholders.forEach((ph, i) => {
      let value = values.get(ph.key) ?? this.value(ph, schema, template, scene, options.edge === true);
      if (unquotedCommas !== undefined && !unquotedCommas.has(ph.key) && schema.byKey.get(ph.key)?.type !== 'json') value = value.replace(/, ?/g, ' ');
      values.set(ph.key, value);
      line += render(ph, value) + template.literals[i + 1];
    });
    return { line, values };
  }

  private value(ph: Placeholder, schema: LogSchema, template: LssTemplate, scene: Scene, edge: boolean): string {
    const random = scene.random;
    const field = schema.byKey.get(ph.key);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const isEdge = edge && random() < 0.35;
    const optional = field === undefined || !field.required;
    const shape: FieldShape = {
      key: ph.key,
      numeric: ph.conv === 'd' || ph.conv === 'f' || field?.type === 'bigint' || field?.type === 'float',
      type: field?.type,
      time: ph.time,
      indicators: field?.indicators ?? [],
      required: !optional,
    };
    const known = () => plausible(shape, scene);
    if (ph.time === 'time') {
      const text = known()!;
      return isEdge ? text.replace(/ {2}/, ' ') : text;
    }
    if (ph.time === 'iso8601') return isEdge && optional ? '' : known()!;
    if (ph.list) {
      // CSV cannot tell list elements from fields: one element at most there.
      const n = template.format === 'csv' ? Math.floor(random() * 2) : Math.floor(random() * 4);
      const element: FieldShape = { ...shape, numeric: ph.conv === 'd' || field?.element?.type === 'bigint' };
      return Array.from({ length: n }, () => (plausible(element, scene) ?? (element.numeric ? integer(random) : pick(WORDS))).replace(/,/g, ' ')).join(',');
    }
    if (ph.conv === 'd') return isEdge ? pick(['0', INT64_MAX, '-1']) : (known() ?? integer(random));
    if (ph.conv === 'f') return isEdge ? '0.000000' : (known() ?? ((random() - 0.5) * 180).toFixed(6));
    if (field === undefined) return known() ?? pick(WORDS);
    if (isEdge && optional && field.type !== 'string' && random() < 0.5) return '';
    switch (field.type) {
      case 'bigint':
        return isEdge ? pick(['0', INT64_MAX]) : (known() ?? integer(random));
      case 'float':
        return known() ?? ((random() - 0.5) * 180).toFixed(6);
      case 'boolean':
        return pick(['true', 'false']);
      case 'json':
        return JSON.stringify({ id: scene.id(), name: scene.app.name, description: isEdge ? pick(UNICODE) : `${scene.app.group} segment`, enabled: pick(['true', 'false']) });
      case 'timestamp':
        return known()!;
      default:
        // ConnectionID holds the CSV separator: it stays set, or empty, never a placeholder word.
        if (isEdge && optional) return ph.key === 'ConnectionID' ? '' : pick([...PLACEHOLDER_VALUES, ...UNICODE, ...SEPARATED[template.format]]);
        return known() ?? pick(WORDS);
    }
  }
}

/** How LSS prints a value for a placeholder: %j quotes (element-wise for lists), everything else is bare. */
function render(ph: Placeholder, value: string): string {
  if (ph.conv !== 'j') return value;
  if (ph.list) return value === '' ? '' : value.split(',').map((e) => JSON.stringify(e)).join(',');
  return JSON.stringify(value);
}

/** A counter no name rule knows: any magnitude up to a million. */
function integer(random: Random): string {
  return String(Math.floor(random() * 10 ** (1 + Math.floor(random() * 6))));
}
