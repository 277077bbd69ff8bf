/**
 * Thousands of generated LSS records per log type, in JSON, CSV and TSV, with edge values: every one accepted,
 * classified without a tag, and typed in the output as its schema says, value for value. Mutated records are
 * rejected with the field named. Without edge values the records are what a SIEM would see: times just before now,
 * in order, and plausible values for the field names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { LSS_FORMATS, LssGenerator, loadSchemas, seededRandom, ZpaProcessor, type FieldSpec, type LssFormat } from '../src/zpa/index.js';
import { JsonScanner, Kind, Members } from '../src/zpa/json-scan.js';
import { loadTemplates } from '../src/zpa/templates.js';
import { parseRfc3339, compileTimeFormat } from '../src/zpa/time.js';
import { isFailure, type Outcome } from '../src/contract.js';

const PER_FORMAT = 1000;
/** A fixed base time makes the records repeatable; a one-digit day lets the single-space ctime edge case occur. */
const BASE_TIME = Date.UTC(2026, 2, 5, 9, 30, 0);
const schemas = loadSchemas();
const templates = loadTemplates();
const generator = new LssGenerator(schemas, templates);
const CTIME = compileTimeFormat('%a %b %e %H:%M:%S %Y');

/** What the output must hold for a generated value: the schema's type, the same value. */
function assertTyped(field: FieldSpec, token: string, kind: Kind, generated: string, where: string): void {
  const msg = `${where} ${field.name}: ${token} from ${JSON.stringify(generated)}`;
  const unset = generated === '' && field.type !== 'string' && field.type !== 'array';
  if (unset) {
    assert.equal(kind, Kind.Null, msg);
    return;
  }
  switch (field.type) {
    case 'string':
      assert.equal(kind, Kind.String, msg);
      assert.equal(JSON.parse(token), generated, msg);
      break;
    case 'bigint':
      assert.equal(kind, Kind.Number, msg);
      assert.equal(token, BigInt(generated).toString(), msg);
      break;
    case 'float':
      assert.equal(kind, Kind.Number, msg);
      assert.equal(Number(token), Number(generated), msg);
      break;
    case 'timestamp': {
      assert.equal(kind, Kind.String, msg);
      const text = JSON.parse(token) as string;
      const parse = (t: string) => (field.timeFormats[0].format === 'rfc3339' ? parseRfc3339(t) : CTIME.parse(t));
      assert.equal(parse(text), parse(generated), msg);
      if (field.timeFormats[0].format !== 'rfc3339') assert.equal(text, CTIME.canonical!(CTIME.parse(generated)), `${msg}: canonical ctime`);
      break;
    }
    case 'array': {
      assert.equal(kind, Kind.Array, msg);
      const elements = generated === '' ? [] : generated.split(',');
      const expected = field.element!.type === 'bigint' ? elements.map(Number) : elements;
      assert.deepEqual(JSON.parse(token), expected, msg);
      break;
    }
    case 'json':
      assert.equal(kind, Kind.Object, msg);
      assert.deepEqual(JSON.parse(token), JSON.parse(generated), msg);
      break;
    case 'boolean':
      assert.equal(kind, generated === 'true' ? Kind.True : Kind.False, msg);
      break;
  }
}

for (const logType of generator.logTypes()) {
  test(`${logType}: generated JSON, CSV and TSV records are accepted and typed as the schema says`, () => {
    const processor = new ZpaProcessor(schemas);
    const schema = schemas.byId.get(logType)!;
    const scanner = new JsonScanner();
    const members = new Members();
    const seen = { maxInt64: 0, nulls: 0, singleSpaceCtime: 0, unicode: 0 };
    // User Activity also has the older default template (no PRA fields).
    const runs = LSS_FORMATS.flatMap((format) => [
      { format, variant: undefined as string | undefined, count: PER_FORMAT },
      ...(templates.find(logType, format, 'default') ? [{ format, variant: 'default', count: PER_FORMAT / 4 }] : []),
    ]);
    for (const { format, variant, count } of runs) {
      const random = seededRandom(logType.length * 1000 + format.length);
      for (let n = 0; n < count; n++) {
        const { line, values } = generator.record(logType, format, random, { edge: n % 2 === 0, variant, baseTime: BASE_TIME });
        const where = `${logType} ${format}${variant ? ` (${variant})` : ''} #${n}`;
        // No tag: classified by its keys (JSON) or by the CSV/TSV label.
        const outcome = processor.process({ log: line }, { tag: 'zpa.lss', address: '127.0.0.1:1', source: '127.0.0.1:1' });
        assert.ok(!isFailure(outcome), `${where}: ${!isFailure(outcome) ? '' : `${outcome.reason}: ${outcome.detail}\n${line}`}`);
        if (isFailure(outcome)) return;
        assert.equal(outcome.logType, schema.name, where);
        assert.ok(scanner.scanObject(outcome.text.json, 0, members) === outcome.text.json.length, `${where}: output is one JSON object`);
        const out = new Map<string, { token: string; kind: Kind }>();
        for (let i = 0; i < members.count; i++) {
          out.set(outcome.text.json.slice(members.keyStart[i], members.keyEnd[i]), { token: outcome.text.json.slice(members.valueStart[i], members.valueEnd[i]), kind: members.kind[i] });
        }
        for (const [key, generated] of values) {
          const field = schema.byKey.get(key);
          const got = out.get(key);
          assert.ok(got, `${where}: ${key} in the output`);
          if (field === undefined) continue; // extra keys (PRA fields) pass through
          assertTyped(field, got.token, got.kind, generated, where);
          if (got.token.includes('9223372036854775807')) seen.maxInt64++;
          if (got.kind === Kind.Null) seen.nulls++;
          if (/[^\u0000-\u00ff]/.test(generated)) seen.unicode++;
          if (field.isEventTime && / [1-9] \d\d:/.test(generated) && !/  [1-9] /.test(generated)) seen.singleSpaceCtime++;
        }
      }
    }
    // The edge values were really exercised.
    assert.ok(seen.maxInt64 > 0 || !schema.fields.some((f) => f.type === 'bigint'), `${logType}: max int64 seen`);
    assert.ok(seen.unicode > 0, `${logType}: unicode seen`);
    if (logType !== 'audit-log') assert.ok(seen.singleSpaceCtime > 0, `${logType}: single-space ctime seen`);
    if (schema.fields.some((f) => f.type === 'timestamp' && !f.required)) assert.ok(seen.nulls > 0, `${logType}: unset values seen`);
  });
}

/** A wrong value for a field of each type, and the start of the detail that must name it. */
const WRONG: Partial<Record<FieldSpec['type'], string>> = {
  bigint: '"12abc"',
  float: '"north"',
  timestamp: '"yesterday"',
  // A bare string is a one-element list (schemas/README.md); an object is no list.
  array: '{"a":[1]}',
  string: '{"nested":true}',
  boolean: '"maybe"',
};

function mutate(line: string, key: string, replacement: string | undefined): string {
  const scanner = new JsonScanner();
  const members = new Members();
  scanner.scanObject(line, 0, members);
  for (let i = 0; i < members.count; i++) {
    if (line.slice(members.keyStart[i], members.keyEnd[i]) !== key) continue;
    if (replacement !== undefined) return line.slice(0, members.valueStart[i]) + replacement + line.slice(members.valueEnd[i]);
    // Remove the member and its comma.
    const start = members.keyStart[i] - 1;
    const end = i + 1 < members.count ? members.keyStart[i + 1] - 1 : members.valueEnd[i];
    return i + 1 < members.count ? line.slice(0, start) + line.slice(end) : line.slice(0, line.lastIndexOf(',', start)) + line.slice(end);
  }
  throw new Error(`${key} not in ${line}`);
}

/** The record's deviations (p_deviations), or undefined for a dead letter. */
function deviationsOf(outcome: Outcome): { field: string; expected: string; got: string; kind: string }[] | undefined {
  if (isFailure(outcome)) return undefined;
  return (JSON.parse(outcome.text.json) as { p_deviations?: { field: string; expected: string; got: string; kind: string }[] }).p_deviations ?? [];
}

test('a mutated record is delivered with its value as it came and a deviation naming the field; strict validation dead-letters it naming the same', () => {
  const lenient = new ZpaProcessor(schemas);
  const strict = new ZpaProcessor(schemas, { validation: 'strict' });
  const random = seededRandom(99);
  let checked = 0;
  for (const logType of generator.logTypes()) {
    const schema = schemas.byId.get(logType)!;
    for (const field of schema.fields) {
      const wrong = WRONG[field.type];
      const { line, values } = generator.record(logType, 'json', random, { baseTime: BASE_TIME });
      if (!values.has(field.name)) continue;
      const ctx = { tag: `zpa.${logType}`, address: '127.0.0.1:1', source: '127.0.0.1:1' };
      if (wrong !== undefined) {
        const where = `${logType} ${field.name} = ${wrong}`;
        const delivered = lenient.process({ log: mutate(line, field.name, wrong) }, ctx);
        assert.ok(!isFailure(delivered), where);
        assert.deepEqual(JSON.parse(delivered.text.json)[field.name], JSON.parse(wrong), `${where}: kept as it came`);
        const deviation = deviationsOf(delivered)!.find((d) => d.field === field.name);
        assert.equal(deviation?.kind, 'wrong_type', where);
        assert.ok(deviation.expected.startsWith(field.type), `${where}: ${deviation.expected}`);
        assert.equal(deviation.got, wrong, where);
        // Counted; a broken event time also makes the record fall back to the entry's time.
        assert.deepEqual(delivered.deviations, field.isEventTime && schema.eventTimeFields.length === 1 ? ['wrong_type', 'event_time'] : ['wrong_type'], `${where}: counted`);
        const outcome = strict.process({ log: mutate(line, field.name, wrong) }, ctx);
        assert.equal(!isFailure(outcome), false, where);
        if (!isFailure(outcome)) continue;
        assert.equal(outcome.reason, 'invalid');
        assert.equal(outcome.logType, schema.name);
        assert.ok(outcome.detail.startsWith(`field ${field.name}: expected ${field.type}`), outcome.detail);
        assert.ok(outcome.detail.endsWith(`got ${wrong}`), outcome.detail);
        checked++;
      }
      if (field.required) {
        const missing = lenient.process({ log: mutate(line, field.name, undefined) }, ctx);
        assert.deepEqual(deviationsOf(missing)?.find((d) => d.field === field.name), { field: field.name, expected: 'required', got: 'missing', kind: 'missing_required' }, `${logType} ${field.name} missing`);
        const outcome = strict.process({ log: mutate(line, field.name, undefined) }, ctx);
        assert.equal(!isFailure(outcome), false);
        if (isFailure(outcome)) assert.equal(outcome.detail, `field ${field.name}: required, missing`);
        const emptied = mutate(line, field.name, field.type === 'string' ? 'null' : '""');
        assert.equal(deviationsOf(lenient.process({ log: emptied }, ctx))?.find((d) => d.field === field.name)?.kind, 'missing_required', `${logType} ${field.name} empty`);
        const empty = strict.process({ log: emptied }, ctx);
        assert.equal(!isFailure(empty), false, `${logType} ${field.name} empty`);
        checked++;
      }
    }
  }
  assert.ok(checked > 300, `${checked} mutations checked`);
});

test('a mutated CSV or TSV value is delivered with a deviation naming its field; strict validation dead-letters it', () => {
  const lenient = new ZpaProcessor(schemas);
  const strict = new ZpaProcessor(schemas, { validation: 'strict' });
  const formats: LssFormat[] = ['csv', 'tsv'];
  for (const format of formats) {
    const line = generator.line('user-activity', format, seededRandom(5), { baseTime: BASE_TIME });
    const template = line.split(format === 'csv' ? ',' : '\t');
    // ServicePort is the 10th value after the prefix; ConnectionID (one CSV comma) precedes it.
    const at = format === 'csv' ? 10 : 9;
    template[at] = 'port80';
    const mutated = template.join(format === 'csv' ? ',' : '\t');
    const ctx = { tag: 'zpa.user-activity', address: '127.0.0.1:1', source: '127.0.0.1:1' };
    const delivered = lenient.process({ log: mutated }, ctx);
    assert.deepEqual(deviationsOf(delivered), [{ field: 'ServicePort', expected: 'bigint', got: '"port80"', kind: 'wrong_type' }], format);
    assert.equal(!isFailure(delivered) && JSON.parse(delivered.text.json).ServicePort, 'port80', format);
    const outcome = strict.process({ log: mutated }, ctx);
    assert.equal(!isFailure(outcome), false);
    if (isFailure(outcome)) assert.equal(outcome.detail, 'field ServicePort: expected bigint, got "port80"', format);
  }
});

/** Epoch ms of every time a generated record carries, by key: timestamps, epoch microseconds and epoch seconds. */
function timesOf(logType: string, values: Map<string, string>): Map<string, number> {
  const schema = schemas.byId.get(logType)!;
  const times = new Map<string, number>();
  for (const [key, text] of values) {
    const field = schema.byKey.get(key);
    if (text === '' || field === undefined) continue;
    if (field.type === 'timestamp') times.set(key, field.timeFormats[0].format === 'rfc3339' ? parseRfc3339(text) : CTIME.parse(text));
    else if (field.type === 'bigint' && key.startsWith('Timestamp')) times.set(key, Number(text) / 1000);
    else if (field.type === 'bigint' && /(StartTime|UpTime)$/.test(key)) times.set(key, Number(text) * 1000);
  }
  return times;
}

/** The earlier time of a pair, by name: Start before End or Finish, First before Last, Authentication before UnAuthentication, Creation before Modified. */
function earlierOf(key: string): string[] {
  return [key.replace(/End$/, 'Start'), key.replace(/Finish$/, 'Start'), key.replace('Last', 'First'), key.replace('UnAuthentication', 'Authentication'), key.replace('Modified', 'Creation')].filter((k) => k !== key);
}

test('generated records happen in the two minutes before the base time, each record\'s times in order', () => {
  const random = seededRandom(17);
  let pairs = 0;
  for (const logType of generator.logTypes()) {
    for (let n = 0; n < 200; n++) {
      const { values } = generator.record(logType, 'json', random, { baseTime: BASE_TIME });
      const where = `${logType} #${n}`;
      const times = timesOf(logType, values);
      const event = times.get('LogTimestamp') ?? times.get('ModifiedTime')!;
      assert.ok(event <= BASE_TIME && event >= BASE_TIME - 121_000, `${where}: event time ${new Date(event).toISOString()}`);
      for (const [key, ms] of times) {
        assert.ok(ms <= event + 1, `${where}: ${key} ${new Date(ms).toISOString()} after the event time`);
        // Host and process starts are months back; everything else belongs to this connection, minutes back.
        const floor = /(StartTime|UpTime)$/.test(key) ? BASE_TIME - 401 * 86_400_000 : BASE_TIME - 15 * 60_000;
        assert.ok(ms >= floor, `${where}: ${key} ${new Date(ms).toISOString()} too early`);
        for (const earlier of earlierOf(key)) {
          if (!times.has(earlier)) continue;
          assert.ok(times.get(earlier)! <= ms, `${where}: ${earlier} after ${key}`);
          pairs++;
        }
      }
      // Only a closed connection or session has an end.
      if (values.has('ConnectionStatus') && logType === 'user-activity') assert.equal(values.get('ConnectionStatus') === 'close', times.has('TimestampConnectionEnd'), where);
      if (values.has('TimestampUnAuthentication')) assert.equal(values.get('SessionStatus') === 'ZPN_STATUS_DISCONNECTED', times.has('TimestampUnAuthentication'), where);
    }
  }
  assert.ok(pairs > 1000, `${pairs} ordered pairs checked`);
});

test('by default the records happen just before now; a fixed base time and seed give the same records', () => {
  const before = Date.now();
  const line = generator.line('user-activity', 'json', seededRandom(1));
  const logged = CTIME.parse((JSON.parse(line) as { LogTimestamp: string }).LogTimestamp);
  assert.ok(logged >= before - 121_000 && logged <= Date.now(), line);
  const a = Array.from({ length: 20 }, ((random) => () => generator.line('audit-log', 'csv', random, { baseTime: new Date(BASE_TIME), edge: true }))(seededRandom(8)));
  const b = Array.from({ length: 20 }, ((random) => () => new LssGenerator(schemas, templates).line('audit-log', 'csv', random, { baseTime: BASE_TIME, edge: true }))(seededRandom(8)));
  assert.deepEqual(a, b);
});

/** What a value must look like, by field name (the first matching pattern applies). */
const PLAUSIBLE: [RegExp, (value: string) => boolean][] = [
  [/^Customer$/, (v) => /^[A-Z][a-z]+( [A-Z][a-z]+)*$/.test(v)],
  [/^(Username|User|UserID|NameID)$/, (v) => /^[^@\s]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(v)],
  [/^ConnectionStatus$/, (v) => ['open', 'close', 'active'].includes(v)],
  [/^InternalReason$/, (v) => /^[A-Z_]+$/.test(v)],
  [/ZEN$/, (v) => /^[A-Z]{2}-[A-Z]{2,3}-\d{4}$/.test(v)],
  [/CountryCode$/, (v) => /^[A-Z]{2}$/.test(v)],
  [/^(Policy|PolicyName|AppGroup)$/, (v) => /^[A-Z][A-Za-z -]+$/.test(v)],
  // A segment's name in User Activity, its id (18 digits) where the template prints a number.
  [/^Application$/, (v) => /^[A-Z][A-Za-z -]+$/.test(v) || /^\d{18}$/.test(v)],
  [/Latitude$/, (v) => Math.abs(Number(v)) <= 90 && v !== '0.000000'],
  [/Longitude$/, (v) => Math.abs(Number(v)) <= 180 && v !== '0.000000'],
  [/Port$/, (v) => Number(v) > 0 && Number(v) < 65536],
  [/^SourcePorts$/, (v) => v === '' || v.split(',').every((p) => Number(p) >= 32768 && Number(p) < 65536)],
  [/Utilization$/, (v) => Number(v) >= 0 && Number(v) <= 100],
  [/^SessionID$/, (v) => /^[A-Za-z0-9+/]{20}$/.test(v)],
  [/^RequestID$/, (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(v)],
  [/^Hostname$/, (v) => /^(DESKTOP|LAPTOP)-[A-Z0-9]{7}$/.test(v)],
  [/^(Host|Domain|Destination)$/, (v) => isIP(v) !== 0 || /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(v)],
  [/^Method$/, (v) => /^(GET|POST|PUT|DELETE|OPTIONS)$/.test(v)],
  [/^StatusCode$/, (v) => Number(v) >= 200 && Number(v) < 600],
];

test('generated values are plausible for their field names: companies, emails, IPs, ports, ZENs, countries, policies', () => {
  const random = seededRandom(23);
  const checked = new Set<string>();
  for (const logType of generator.logTypes()) {
    const schema = schemas.byId.get(logType)!;
    for (const format of LSS_FORMATS) {
      for (let n = 0; n < 50; n++) {
        const { values } = generator.record(logType, format, random, { baseTime: BASE_TIME });
        for (const [key, value] of values) {
          const where = `${logType} ${format} #${n} ${key} = ${JSON.stringify(value)}`;
          const field = schema.byKey.get(key);
          // Every address field holds an address (or nothing, where LSS leaves it unset).
          if (field?.indicators.includes('ip')) assert.ok(value === '' || isIP(value) !== 0, where);
          const rule = PLAUSIBLE.find(([name]) => name.test(key));
          if (rule === undefined) continue;
          assert.ok(rule[1](value), where);
          checked.add(rule[0].source);
        }
      }
    }
  }
  assert.equal(checked.size, PLAUSIBLE.length, 'every expectation met a field');
});
