/**
 * Generates LSS lines exactly as Zscaler's Log Streaming Service prints them from its templates (JSON, CSV, TSV),
 * with values typed by the schema and shaped by the field's meaning (IPs, users, hosts, ids, timestamps). With
 * `edge`, a share of the values are edge cases: empty, "0", "unset", unicode, separators inside values, max int64,
 * single-space ctime days, JSON documents inside strings. Deterministic for a given seed. Used by tests, the
 * simulator, the demo and the benchmarks.
 */
import { loadSchemas, type FieldSpec, type LogSchema, type SchemaSet } from './schema.js';
import { compileTimeFormat } from './time.js';
import { loadTemplates, type LssFormat, type LssTemplate, type Placeholder, type TemplateSet } from './templates.js';

export interface GenerateOptions {
  /** Mix in edge values (about a third of the fields). */
  edge?: boolean;
  /** Template variant, e.g. `default` for User Activity's older default template. */
  variant?: string;
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

const CTIME = compileTimeFormat('%a %b %e %H:%M:%S %Y');
const INT64_MAX = '9223372036854775807';
const WORDS = ['alpha', 'Bravo', 'lab', 'prod', 'Seattle', 'App Connector', 'ZPN_STATUS_AUTHENTICATED', 'el7', 'US-NY-8179', 'broker2b.pdx', 'HTTPS', 'GET'];
const UNICODE = ['Zürich – 東京 ✓', 'naïve café', 'Ελληνικά', '😀 emoji', 'Ωmega'];
/** Text with JSON-significant characters and separators; only where the format can carry them unambiguously. */
const SEPARATED: Record<LssFormat, string[]> = {
  json: ['a,b\tc', 'quote " and \\ backslash', 'line\u0001ctl', 'x, y, z'],
  tsv: ['a,b,c', 'Acme, Inc.'],
  csv: [],
};
const PLACEHOLDER_VALUES = ['', '0', 'unset'];
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

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
    const values = new Map<string, string>();
    let line = template.literals[0];
    template.placeholders.forEach((ph, i) => {
      const value = this.value(ph, schema, template, random, options.edge === true);
      values.set(ph.key, value);
      line += render(ph, value) + template.literals[i + 1];
    });
    return { line, values };
  }

  private value(ph: Placeholder, schema: LogSchema, template: LssTemplate, random: Random, edge: boolean): string {
    const field = schema.byKey.get(ph.key);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const isEdge = edge && random() < 0.35;
    const optional = field === undefined || !field.required;
    if (ph.time === 'time') return ctime(random, isEdge);
    if (ph.time === 'iso8601') return isEdge && optional ? '' : new Date(randomMs(random)).toISOString();
    if (ph.list) {
      // CSV cannot tell list elements from fields: one element at most there.
      const n = template.format === 'csv' ? Math.floor(random() * 2) : Math.floor(random() * 4);
      return Array.from({ length: n }, () => (ph.conv === 'd' ? integer(ph.key, random) : pick(WORDS).replace(/[ ,]/g, '_'))).join(',');
    }
    if (ph.conv === 'd') return isEdge ? pick(['0', INT64_MAX, '-1']) : integer(ph.key, random);
    if (ph.conv === 'f') return isEdge ? '0.000000' : ((random() - 0.5) * 180).toFixed(6);
    if (field === undefined) return pick(WORDS);
    if (isEdge && optional && field.type !== 'string' && random() < 0.5) return '';
    switch (field.type) {
      case 'bigint':
        return isEdge ? pick(['0', INT64_MAX]) : integer(ph.key, random);
      case 'float':
        return ((random() - 0.5) * 180).toFixed(6);
      case 'boolean':
        return pick(['true', 'false']);
      case 'json':
        return JSON.stringify({ id: integer('ID', random), name: pick(WORDS), enabled: pick(['true', 'false']), note: isEdge ? pick(UNICODE) : 'n' });
      case 'timestamp':
        return new Date(randomMs(random)).toISOString();
      default:
        return this.text(field, template.format, random, isEdge);
    }
  }

  /** A string field's value, shaped by its indicators and name. */
  private text(field: FieldSpec, format: LssFormat, random: Random, isEdge: boolean): string {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    if (field.name === 'ConnectionID') return isEdge && !field.required ? '' : `${token(random, 20)},${token(random, 20)}`;
    if (isEdge && !field.required) {
      const separated = SEPARATED[format];
      return pick([...PLACEHOLDER_VALUES, ...UNICODE, ...separated]);
    }
    const ind = field.indicators;
    if (ind.includes('ip')) return random() < 0.8 ? ipv4(random) : `2001:db8::${Math.floor(random() * 65535).toString(16)}`;
    if (ind.includes('email') || ind.includes('username') || ind.includes('actor_id')) {
      return `${pick(['jdoe', 'ana.silva', 'müller', 'zpa.admin'])}${Math.floor(random() * 1000)}@example.com`;
    }
    if (ind.includes('hostname') || ind.includes('domain')) return `host${Math.floor(random() * 1000)}.${pick(['example.com', 'corp.example.net'])}`;
    if (/I[Dd]$/.test(field.name)) return integer('ID', random);
    return pick(WORDS);
  }
}

/** How LSS prints a value for a placeholder: %j quotes (element-wise for lists), everything else is bare. */
function render(ph: Placeholder, value: string): string {
  if (ph.conv !== 'j') return value;
  if (ph.list) return value === '' ? '' : value.split(',').map((e) => JSON.stringify(e)).join(',');
  return JSON.stringify(value);
}

function randomMs(random: Random): number {
  return Date.UTC(2019, 0, 1) + Math.floor(random() * 8 * 365 * 86_400_000);
}

/** ctime as LSS prints it (`Thu Oct  7 10:40:00 2021`); as edge, the single-space day some senders use. */
function ctime(random: Random, singleSpace: boolean): string {
  const text = CTIME.canonical!(Math.floor(randomMs(random) / 1000) * 1000);
  return singleSpace ? text.replace(/ {2}/, ' ') : text;
}

function integer(key: string, random: Random): string {
  if (/I[Dd]$/.test(key)) return String(144000000000000000n + BigInt(Math.floor(random() * 2 ** 50)) * 1000n);
  if (/Port$/.test(key)) return String(Math.floor(random() * 65536));
  return String(Math.floor(random() * 10 ** (1 + Math.floor(random() * 11))));
}

function token(random: Random, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return s;
}

function ipv4(random: Random): string {
  return [10 + Math.floor(random() * 200), Math.floor(random() * 256), Math.floor(random() * 256), 1 + Math.floor(random() * 254)].join('.');
}
