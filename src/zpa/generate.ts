/**
 * Generates LSS lines exactly as Zscaler's Log Streaming Service prints them from its templates (JSON, CSV, TSV),
 * with values a SIEM pipeline would see: times in the seconds to minutes before now (or a fixed base time), each
 * record's timestamps in order (start < end), and per field a plausible value chosen by its name and type
 * (generate-values.ts: company names, user emails, IPs, ports, ZEN names, policy names, country codes...). With
 * `edge`, a share of the values are edge cases: empty, "0", "unset", unicode, separators inside values, max int64,
 * single-space ctime days, JSON documents inside strings. Deterministic for a given seed and base time. Used by
 * tests, the simulator, the demo and the benchmarks.
 */
import { loadSchemas, type FieldSpec, type LogSchema, type SchemaSet } from './schema.js';
import { Scene } from './generate-scene.js';
import { plausibleValue, type ValueOf } from './generate-values.js';
import type { TemplateField } from './lss-template.js';
import { loadTemplates, type LssFormat, type LssTemplate, type TemplateSet } from './templates.js';

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

/** A template placeholder with what the generator resolves once: its field, and how to draw a plausible value. */
interface Slot {
  readonly ph: TemplateField;
  readonly field: FieldSpec | undefined;
  readonly optional: boolean;
  /** The plausible value (of one element, for a list), when a rule knows the field. */
  readonly known: ValueOf | undefined;
  /** A list of integers. */
  readonly numericElements: boolean;
  /** CSV does not quote values: a comma inside this one (other than where it belongs) would shift later fields. */
  readonly stripCommas: boolean;
}

export class LssGenerator {
  private readonly slots = new Map<LssTemplate, Slot[]>();

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
    const values = new Map<string, string>();
    let line = template.literals[0];
    this.slotsOf(template, schema).forEach((slot, i) => {
      const key = slot.ph.key;
      let value = values.get(key) ?? this.value(slot, template.format, scene, options.edge === true);
      if (slot.stripCommas) value = value.replace(/, ?/g, ' ');
      values.set(key, value);
      line += render(slot.ph, value) + template.literals[i + 1];
    });
    return { line, values };
  }

  private slotsOf(template: LssTemplate, schema: LogSchema): Slot[] {
    let slots = this.slots.get(template);
    if (slots !== undefined) return slots;
    const separated = this.templates.separatorFields.csv;
    slots = template.fields.map((ph) => {
      const field = schema.byKey.get(ph.key);
      const numericElements = ph.list !== undefined && (ph.conv === 'd' || field?.element?.type === 'bigint');
      const known = plausibleValue({
        key: ph.key,
        numeric: ph.list !== undefined ? numericElements : ph.conv === 'd' || ph.conv === 'f' || field?.type === 'bigint' || field?.type === 'float',
        type: field?.type,
        time: ph.rendering === 'time' || ph.rendering === 'iso8601' ? ph.rendering : undefined,
        indicators: field?.indicators ?? [],
        required: field?.required === true,
      });
      const stripCommas = template.format === 'csv' && !separated.has(ph.key) && field?.type !== 'json';
      return { ph, field, optional: field?.required !== true, known, numericElements, stripCommas };
    });
    this.slots.set(template, slots);
    return slots;
  }

  private value(slot: Slot, format: LssFormat, scene: Scene, edge: boolean): string {
    const { ph, field, optional, known } = slot;
    const random = scene.random;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const isEdge = edge && random() < 0.35;
    if (ph.rendering === 'time') {
      const text = known!(scene);
      return isEdge ? text.replace(/ {2}/, ' ') : text;
    }
    if (ph.rendering === 'iso8601') return isEdge && optional ? '' : known!(scene);
    if (ph.list !== undefined) {
      // CSV cannot tell list elements from fields: one element at most there.
      const n = format === 'csv' ? Math.floor(random() * 2) : Math.floor(random() * 4);
      const element = () => known?.(scene) ?? (slot.numericElements ? integer(random) : pick(WORDS));
      return Array.from({ length: n }, () => element().replace(/,/g, ' ')).join(',');
    }
    if (ph.conv === 'd') return isEdge ? pick(['0', INT64_MAX, '-1']) : (known?.(scene) ?? integer(random));
    if (ph.conv === 'f') return isEdge ? '0.000000' : (known?.(scene) ?? ((random() - 0.5) * 180).toFixed(6));
    if (field === undefined) return known?.(scene) ?? pick(WORDS);
    if (isEdge && optional && field.type !== 'string' && random() < 0.5) return '';
    switch (field.type) {
      case 'bigint':
        return isEdge ? pick(['0', INT64_MAX]) : (known?.(scene) ?? integer(random));
      case 'float':
        return known?.(scene) ?? ((random() - 0.5) * 180).toFixed(6);
      case 'boolean':
        return pick(['true', 'false']);
      case 'json':
        return JSON.stringify({ id: scene.id(), name: scene.app.name, description: isEdge ? pick(UNICODE) : `${scene.app.group} segment`, enabled: pick(['true', 'false']) });
      case 'timestamp':
        return known!(scene);
      default:
        // ConnectionID holds the CSV separator: it stays set, or empty, never a placeholder word.
        if (isEdge && optional) return ph.key === 'ConnectionID' ? '' : pick([...PLACEHOLDER_VALUES, ...UNICODE, ...SEPARATED[format]]);
        return known?.(scene) ?? pick(WORDS);
    }
  }
}

/** How LSS prints a value for a placeholder: %j quotes (element-wise for lists), everything else is bare. */
function render(ph: TemplateField, value: string): string {
  if (ph.conv !== 'j') return value;
  if (ph.list !== undefined) return value === '' ? '' : value.split(',').map((e) => JSON.stringify(e)).join(',');
  return JSON.stringify(value);
}

/** A counter no name rule knows: any magnitude up to a million. */
function integer(random: Random): string {
  return String(Math.floor(random() * 10 ** (1 + Math.floor(random() * 6))));
}
