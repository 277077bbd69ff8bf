/**
 * Template variants from Zscaler's format specification, as ZPA admins make them: a random subset of a log type's
 * fields in a random order, each with a specifier (%s %j %J %d %x %o %f, printf widths, precisions and flags), each
 * timestamp in a rendering (ctime, ISO 8601, epoch in s/ms/µs, a timestamp printed in pieces), lists, keys in another
 * case, JSON/CSV/TSV, with and without a syslog header. Each variant prints lines the way LSS would (printf written
 * here, apart from the relay's reader) and says, per field, what the relay must deliver. Test code only.
 */
import { compileTimeFormat } from '../../src/zpa/time.js';
import { LSS_FORMATS, seededRandom, type FieldSpec, type LogSchema, type LssFormat, type LssGenerator, type SchemaSet, type TemplateSet } from '../../src/zpa/index.js';

type Random = () => number;

/** A field's value as generated, and what the relay must write for it. */
export type Expected = { kind: 'bigint'; digits: string } | { kind: 'float'; value: number } | { kind: 'string'; value: string } | { kind: 'time'; us: number } | { kind: 'array'; value: unknown[] } | { kind: 'json'; value: unknown } | { kind: 'null' };

export interface VariantField {
  readonly field: FieldSpec;
  /** The template text for the value (JSON: after `"key":`), e.g. `%05d{ServicePort}`, `"%02d{X:hh}:%02d{X:mm}"`. */
  readonly spec: string;
  /** The key a JSON line prints (another case in a `keycase` variant). */
  readonly key: string;
  /** Classes of variation this field exercises: `spec:%05d`, `time:epoch_us`, `list`, ... */
  readonly classes: string[];
  /** The value as printed, and what the relay must deliver for it; `value` is the generated text, `us` a time's. */
  print(value: string, us: number): { text: string; expected: Expected };
}

export interface Variant {
  readonly id: string;
  readonly logType: string;
  readonly format: LssFormat;
  /** The relay is given the template (always for CSV/TSV, for some JSON variants). */
  readonly configured: boolean;
  readonly prefix: string;
  /** JSON: an `"EventType":"<id>"` member closes the record (Datadog's setup guide), and the stream is untagged. */
  readonly eventType: boolean;
  readonly fields: readonly VariantField[];
  readonly classes: string[];
  /** The template as the ZPA portal shows it. */
  readonly content: string;
}

const CTIME = compileTimeFormat('%a %b %e %H:%M:%S %Y');
const PREFIXES = ['', '<134>', '<165>1 - - - - - - '];

/** printf of an integer text: width, `-` (left), `0` (zero pad), `+` (sign). */
function printInt(digits: string, flags: string, width: number): string {
  const negative = digits.startsWith('-');
  const sign = negative ? '-' : flags.includes('+') ? '+' : '';
  const body = negative ? digits.slice(1) : digits;
  if (flags.includes('-')) return (sign + body).padEnd(width);
  if (flags.includes('0')) return sign + body.padStart(width - sign.length, '0');
  return (sign + body).padStart(width);
}

function pick<T>(random: Random, xs: readonly T[]): T {
  return xs[Math.floor(random() * xs.length)];
}

/** A specifier for `field` (`v` its LSS variable): one LSS prints for a value of its type, and how it prints. */
function fieldSpec(field: FieldSpec, v: string, format: LssFormat, configured: boolean, random: Random): Omit<VariantField, 'key'> {
  const json = format === 'json';
  const sep = format === 'tsv' ? '\t' : ',';
  /** CSV/TSV values hold no separator but where it belongs (ConnectionID in CSV). */
  const clean = (text: string) => (json || (format === 'csv' && field.name === 'ConnectionID') ? text : text.split(sep).join(' '));
  const str = (text: string): Expected => ({ kind: 'string', value: text });
  switch (field.type) {
    case 'bigint': {
      const choices = json && !configured ? ['%d', '%Wd', '%-Wd', '%0Wd', '%+d', '%#x', '%j', '%s'] : ['%d', '%Wd', '%-Wd', '%0Wd', '%+d', '%x', '%#x', '%o', '%#o', json ? '%j' : '%s'];
      const c = pick(random, choices);
      return {
        field, spec: `${c.replace('W', '22')}{${v}}`, classes: [`spec:${c}`],
        print: (value) => {
          const digits = BigInt(value === '' ? '0' : value).toString();
          const n = BigInt(digits);
          const hexable = n >= 0n;
          const text =
            c === '%x' && hexable ? n.toString(16) : c === '%#x' && hexable ? `0x${n.toString(16)}` : c === '%o' && hexable ? n.toString(8) : c === '%#o' && hexable ? `0${n.toString(8)}`
            : c === '%j' ? JSON.stringify(digits) : c.includes('d') ? printInt(digits, c.slice(1, -1).replace(/\d+/, ''), c.includes('W') ? 22 : 0) : digits;
          // A negative value has no %x/%o form LSS would print: the template's reader gets its decimal and the test expects it.
          return { text: /[xo]/.test(c) && !hexable ? digits : text, expected: { kind: 'bigint', digits } };
        },
      };
    }
    case 'float': {
      const c = pick(random, ['%f', '%.0f', '%.2f', '%10.3f', '%-12.1f', '%+.4f', '%012.2f', json ? '%j' : '%s']);
      const [, flags = '', width = '', precision] = /^%([-+0]*)(\d*)(?:\.(\d+))?f$/.exec(c) ?? [];
      return {
        field, spec: `${c}{${v}}`, classes: [`spec:${c}`],
        print: (value) => {
          const fixed = Number(value === '' ? '0' : value).toFixed(precision === undefined ? 6 : Number(precision));
          const text = c === '%j' ? JSON.stringify(fixed) : c === '%s' ? fixed : printInt(fixed, flags, Number(width || 0));
          return { text, expected: { kind: 'float', value: Number(fixed) } };
        },
      };
    }
    case 'timestamp':
      return timeSpec(field, v, format, configured, random);
    case 'array': {
      const numeric = field.element?.type === 'bigint';
      const max = format === 'csv' ? 1 : 3;
      return {
        field, spec: json ? `[%j(,){${v}}]` : `%s(,){${v}}`, classes: ['list'],
        print: (value) => {
          const elements = (value === '' ? [] : value.split(',')).slice(0, max).map((e) => (json ? e : clean(e).replace(/,/g, ' ')));
          const text = json ? `[${elements.map((e) => JSON.stringify(e)).join(',')}]` : elements.join(',');
          return { text, expected: { kind: 'array', value: elements.map((e) => (numeric ? Number(e) : e)) } };
        },
      };
    }
    case 'json':
      return {
        field, spec: `${json ? '%j' : '%s'}{${v}}`, classes: ['json-document'],
        print: (value) => ({ text: json ? JSON.stringify(value) : value, expected: value === '' ? { kind: 'null' } : { kind: 'json', value: JSON.parse(value) } }),
      };
    default: {
      const c = pick(random, json ? (configured ? ['%j', '"%J"', '"%s"', '%s'] : ['%j', '%s']) : ['%s', '%-30s', '%j']);
      return {
        field, spec: c.replace(/%(-?\d*)([sjJ])/, `%$1$2{${v}}`), classes: [`spec:${c}`],
        print: (value) => {
          let text = clean(value);
          if (c === '%s' && json) text = bare(text);
          if (c === '"%s"') text = text.replace(/["\\\u0000-\u001f]/g, ' ');
          if (c === '%-30s') text = text.padEnd(30);
          const printed = c === '%j' ? JSON.stringify(text) : c === '"%J"' ? `"${JSON.stringify(text).slice(1, -1)}"` : c === '"%s"' ? `"${text}"` : text;
          return { text: printed, expected: str(text) };
        },
      };
    }
  }
}

/**
 * Text the generator can print bare in a JSON line (`%s` where the default quotes it): what a reader can tell from
 * the line's structure, and not a JSON literal or a number in a form JSON lacks. The test's data, made so.
 */
function bare(text: string): string {
  const t = text.replace(/[,"\\{}[\]\u0000-\u001f]/g, ' ').trim();
  if (/^(true|false|null)$/.test(t) || (/^[+\-.\d]/.test(t) && !/^-?(0|[1-9]\d*)(\.\d+)?$/.test(t))) return `v${t}`;
  return t;
}

/** A timestamp's renderings: whole (ctime, ISO 8601, epoch in a unit), or in pieces. */
function timeSpec(field: FieldSpec, v: string, format: LssFormat, configured: boolean, random: Random): Omit<VariantField, 'key'> {
  const json = format === 'json';
  const q = (s: string) => (json ? `"${s}"` : s);
  const pieces = [
    { spec: q(`%04d{${v}:yyyy}-%02d{${v}:mth}-%02d{${v}:dd} %02d{${v}:hh}:%02d{${v}:mm}:%02d{${v}:ss}.%03d{${v}:ms}`), unit: 1000, print: (d: Date) => `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}` },
    { spec: q(`%s{${v}:day} %s{${v}:mon} %d{${v}:dd} %02d{${v}:yy} %d{${v}:hh}:%d{${v}:mm}:%d{${v}:ss}.%06d{${v}:us}`), unit: 1, print: (d: Date, us: number) => `${d.toUTCString().slice(0, 3)} ${d.toUTCString().slice(8, 11)} ${d.getUTCDate()} ${p2(d.getUTCFullYear() % 100)} ${d.getUTCHours()}:${d.getUTCMinutes()}:${d.getUTCSeconds()}.${String(us % 1_000_000).padStart(6, '0')}` },
  ];
  // A time that may be unset is printed whole, as `""` or nothing when it is; pieces and epochs need a time.
  const renderings = ['time', 'iso8601', ...(field.required ? ['epoch_s', 'epoch_ms', 'epoch_us', ...(configured ? ['pieces_ms', 'pieces_us'] : [])] : [])];
  const r = pick(random, renderings);
  const conv = json ? (r.startsWith('epoch') ? pick(random, ['%J', '%j']) : '%j') : r.startsWith('epoch') ? '%d' : '%s';
  const piece = r === 'pieces_ms' ? pieces[0] : r === 'pieces_us' ? pieces[1] : undefined;
  const spec = piece?.spec ?? `${conv}{${v}:${r.startsWith('epoch') ? 'epoch' : r}}`;
  return {
    field, spec, classes: [`time:${r}`, ...(piece ? ['time:pieces'] : []), `spec:${conv}`],
    print: (value, us) => {
      if (value === '') return { text: json ? '""' : '', expected: { kind: 'null' } };
      const unit = r === 'epoch_us' ? 1 : r === 'epoch_ms' || r === 'iso8601' ? 1000 : piece ? piece.unit : 1_000_000;
      const printed = Math.floor(us / unit) * unit;
      const d = new Date(Math.floor(printed / 1000));
      if (piece) return { text: q(piece.print(d, printed)), expected: { kind: 'time', us: printed } };
      const text = r === 'time' ? CTIME.canonical!(d.getTime()) : r === 'iso8601' ? d.toISOString() : String(printed / unit);
      return { text: json && conv === '%j' ? JSON.stringify(text) : text, expected: { kind: 'time', us: printed } };
    },
  };
}

function p2(n: number): string {
  return String(n).padStart(2, '0');
}

/** A variant of `schema`'s default template in `format`: its fields' subset, order, specifiers, keys and header. */
export function variant(id: string, schema: LogSchema, format: LssFormat, defaults: TemplateSet, available: ReadonlySet<string>, marker: string, random: Random): Variant {
  const json = format === 'json';
  const configured = !json || random() < 0.5;
  const eventType = json && !configured && random() < 0.4;
  const keycase = json && random() < 0.3;
  const classes = [`format:${format}`, configured ? 'configured' : 'unconfigured'];
  const template = defaults.find(schema.id, 'json')!;
  const variableOf = new Map(template.fields.map((f) => [f.key, f.variable]));
  // A subset of the fields the default template prints, the marker always, the required ones mostly.
  let names = schema.fields.map((f) => f.name).filter((n) => available.has(n));
  const share = 0.4 + random() * 0.6;
  const dropRequired = random() < 0.15;
  names = names.filter((n) => n === marker || (schema.byKey.get(n)!.required && !dropRequired) || random() < share);
  if (dropRequired) classes.push('drop-required');
  if (names.length < available.size) classes.push('subset');
  if (random() < 0.7) {
    names = names.map((n) => [random(), n] as const).sort((a, b) => a[0] - b[0]).map(([, n]) => n);
    classes.push('reordered');
  }
  if (keycase) classes.push('keycase');
  const fields = names.map((name): VariantField => {
    const field = schema.byKey.get(name)!;
    const variable = variableOf.get(name) ?? name;
    const key = keycase ? pick(random, [name, name[0].toLowerCase() + name.slice(1), name.toLowerCase(), variable]) : name;
    return { ...fieldSpec(field, variable, format, configured, random), key };
  });
  const prefix = pick(random, PREFIXES);
  if (prefix !== '') classes.push('syslog-prefix');
  if (eventType) classes.push('eventtype');
  const sep = format === 'tsv' ? '\\t' : ',';
  const content = json
    ? `{${fields.map((f) => `"${f.key}":${f.spec}`).join(',')}${eventType ? `,"EventType":"${schema.id}"` : ''}}\\n`
    : `${fields.map((f) => f.spec).join(sep)}\\n`;
  return { id, logType: schema.id, format, configured, prefix, eventType, fields, classes, content };
}

/** One line of `v` for generated `values` (key → text) and times (key → epoch µs). */
export function lineOf(v: Variant, values: ReadonlyMap<string, string>, times: ReadonlyMap<string, number>): { line: string; expected: Map<string, Expected> } {
  const expected = new Map<string, Expected>();
  const printed = v.fields.map((f) => {
    const { text, expected: e } = f.print(values.get(f.field.name) ?? '', times.get(f.field.name) ?? 0);
    expected.set(f.field.name, e);
    return v.format === 'json' ? `"${f.key}":${text}` : text;
  });
  const body = v.format === 'json' ? `{${printed.join(',')}${v.eventType ? `,"EventType":"${v.logType}"` : ''}}` : printed.join(v.format === 'tsv' ? '\t' : ',');
  return { line: v.prefix + body, expected };
}

/** One line of a variant corpus: its variant, the tag it is sent under, its marker value and what it must deliver. */
export interface CorpusLine {
  variant: Variant;
  tag: string;
  marker: string;
  line: string;
  expected: Map<string, Expected>;
}

export interface CorpusOptions {
  schemas: SchemaSet;
  defaults: TemplateSet;
  generator: LssGenerator;
  variantsPerFormat: number;
  linesPerVariant: number;
  /** The generator's base time: every line's times are this, or a little before. */
  baseMs: number;
  seed: number;
}

/** The string field that identifies a line: the first the default template prints. */
function markerOf(schema: LogSchema, available: Set<string>): string {
  return schema.fields.find((f) => f.type === 'string' && available.has(f.name) && f.name !== 'ConnectionID')!.name;
}

/**
 * Lines printed through random template variants of every log type in JSON, CSV and TSV, as `zpa.templates` would
 * configure them: the lines in order, the lines per tag, and the templates the relay is given (its `zpa.templates`).
 */
export function variantCorpus(o: CorpusOptions): { lines: CorpusLine[]; sends: Map<string, string[]>; templates: Record<string, { format: LssFormat; content: string; log_type: string }> } {
  const random = seededRandom(o.seed);
  const lines: CorpusLine[] = [];
  const sends = new Map<string, string[]>();
  const templates: Record<string, { format: LssFormat; content: string; log_type: string }> = {};
  let n = 0;
  for (const logType of o.generator.logTypes()) {
    const schema = o.schemas.byId.get(logType)!;
    const available = new Set(o.generator.record(logType, 'json', random, { baseTime: o.baseMs }).values.keys());
    const marker = markerOf(schema, available);
    for (const format of LSS_FORMATS) {
      for (let k = 0; k < o.variantsPerFormat; k++) {
        const v = variant(`v${n++}`, schema, format, o.defaults, available, marker, random);
        const tag = v.configured ? `lss.${v.id}` : v.eventType ? 'lss.untagged' : `zpa.${logType}`;
        if (v.configured) templates[tag] = { format, content: v.content, log_type: logType };
        for (let i = 0; i < o.linesPerVariant; i++) {
          const { values } = o.generator.record(logType, 'json', random, { baseTime: o.baseMs });
          const times = new Map<string, number>();
          for (const [key, text] of values) {
            const field = schema.byKey.get(key);
            if (field?.type !== 'timestamp' || text === '') continue;
            const ms = field.timeFormats[0].parse(text);
            // Below what the generated text holds, microseconds of its own: an epoch in µs prints them.
            times.set(key, ms * 1000 + Math.floor(random() * (text.includes('.') ? 1000 : 1_000_000)));
          }
          const id = `mark-${v.id}-${i}`;
          values.set(marker, id);
          const { line, expected } = lineOf(v, values, times);
          lines.push({ variant: v, tag, marker: id, line, expected });
          sends.set(tag, [...(sends.get(tag) ?? []), line]);
        }
      }
    }
  }
  return { lines, sends, templates };
}
