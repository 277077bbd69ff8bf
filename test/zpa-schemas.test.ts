/** The ZPA schemas and LSS templates: sixteen log types, Panther compatibility, errors for malformed files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadSchemas, SchemaError } from '../src/zpa/index.js';
import { loadTemplates } from '../src/zpa/templates.js';
import { REPO_DIR, ZPA_DIR } from './helpers/paths.js';

const LOG_TYPES = [
  'app-connector-metrics', 'app-connector-status', 'app-protection', 'audit-log', 'browser-access', 'krb-inspection',
  'ldap-inspection', 'microsegmentation-flow', 'private-cloud-controller-metrics', 'private-cloud-controller-status',
  'private-service-edge-metrics', 'private-service-edge-status', 'smb-inspection', 'user-activity', 'user-status',
  'user-status-oneid',
];

test('the repository schemas load: sixteen LSS log types with Panther names', () => {
  const set = loadSchemas();
  assert.deepEqual(set.schemas.map((s) => s.id).sort(), LOG_TYPES);
  for (const s of set.schemas) {
    assert.match(s.name, /^Zscaler\.ZPA\.[A-Za-z]+$/);
    assert.ok(s.eventTimeFields.length > 0, `${s.id} has an event time field`);
  }
  assert.equal(set.byId.get('browser-access')?.name, 'Zscaler.ZPA.BrowserAccess');
});

/**
 * Where the five Panther schemas and ours deliberately differ, field by field (documented in schemas/README.md).
 * Everything not listed here must be identical.
 */
const PANTHER_DEVIATIONS: { file: string; field: string; panther: string; ours: string; why: string }[] = [
  {
    file: 'user-activity.yml',
    field: 'Policy',
    panther: 'bigint',
    ours: 'string',
    why: 'LSS prints %j{Policy}, a quoted string, and it holds the policy rule name ("ABC Lab Apps"): as bigint every real User Activity record would be dead-lettered',
  },
];

test('the five Panther schemas keep Panther field names, types, required flags, time formats and indicators, but for the listed deviations', () => {
  type Field = { name: string; type: string; required?: boolean; timeFormats?: string[]; indicators?: string[]; element?: unknown; isEventTime?: boolean };
  const dir = path.join(ZPA_DIR, 'panther-schemas');
  const files = fs.readdirSync(dir);
  assert.equal(files.length, 5);
  for (const file of files) {
    const theirs = parseYaml(fs.readFileSync(path.join(dir, file), 'utf8')) as { schema: string; fields: Field[] };
    const ours = parseYaml(fs.readFileSync(path.join(REPO_DIR, 'schemas', file), 'utf8')) as { schema: string; fields: Field[] };
    assert.equal(ours.schema, theirs.schema);
    // Each deviation still holds on both sides (Panther may fix theirs), then is set aside for the comparison.
    const expected = theirs.fields.map((f) => {
      const deviation = PANTHER_DEVIATIONS.find((d) => d.file === file && d.field === f.name);
      if (deviation === undefined) return f;
      assert.equal(f.type, deviation.panther, `${file} ${f.name}: Panther's type`);
      assert.equal(ours.fields.find((o) => o.name === f.name)?.type, deviation.ours, `${file} ${f.name}: our type`);
      return { ...f, type: deviation.ours };
    });
    const strip = (f: Field) => ({ name: f.name, type: f.type, required: f.required, timeFormats: f.timeFormats, indicators: f.indicators, element: f.element });
    assert.deepEqual(ours.fields.map(strip), expected.map(strip), file);
    // Audit's event time is ModifiedTime when set, so it is marked isEventTime too (an addition, not a type change).
    const eventTimes = (fs: Field[]) => fs.filter((f) => f.isEventTime).map((f) => f.name);
    assert.deepEqual(eventTimes(ours.fields), file === 'audit-log.yml' ? ['ModifiedTime', ...eventTimes(theirs.fields)] : eventTimes(theirs.fields));
  }
  // Every deviation names a real Panther field and is explained to Panther users in the README.
  const readme = fs.readFileSync(path.join(REPO_DIR, 'schemas', 'README.md'), 'utf8');
  for (const d of PANTHER_DEVIATIONS) {
    assert.ok(files.includes(d.file), d.file);
    assert.ok(readme.includes(`\`${d.field}\``), `schemas/README.md explains ${d.file} ${d.field}`);
  }
});

test('every template key of every log type is a field of its schema', () => {
  const set = loadSchemas();
  const templates = loadTemplates();
  for (const t of templates.templates) {
    const schema = set.byId.get(t.logType);
    assert.ok(schema, `${t.logType} has a schema`);
    // User Activity's current template carries PRA fields Panther's schema does not list: kept as extra keys.
    const missing = t.fields.map((p) => p.key).filter((k) => !schema.byKey.has(k) && !k.startsWith('PRA'));
    assert.deepEqual(missing, [], `${t.logType}.${t.format}`);
  }
});

function schemaDirWith(file: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zpa-schemas-'));
  fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

test('a malformed schema stops loading with a message naming the file and the field', () => {
  const cases: [string, string, RegExp][] = [
    ['bad-type.yml', 'schema: X.Y\nfields:\n  - name: Port\n    type: integer\n', /^bad-type\.yml: field Port: type: expected one of string, bigint/],
    ['bad-time.yml', "schema: X.Y\nfields:\n  - name: When\n    type: timestamp\n    timeFormats: ['%Q']\n", /^bad-time\.yml: field When: time format "%Q": unsupported directive %Q/],
    ['no-formats.yml', 'schema: X.Y\nfields:\n  - name: When\n    type: timestamp\n', /^no-formats\.yml: field When: timeFormats: expected a non-empty list/],
    ['bad-indicator.yml', 'schema: X.Y\nfields:\n  - name: Who\n    type: string\n    indicators: [person]\n', /^bad-indicator\.yml: field Who: indicators: expected a list of/],
    ['no-element.yml', 'schema: X.Y\nfields:\n  - name: List\n    type: array\n', /^no-element\.yml: field List: element: an array field needs/],
    ['twice.yml', 'schema: X.Y\nfields:\n  - {name: A, type: string}\n  - {name: A, type: bigint}\n', /^twice\.yml: field A: defined twice/],
    ['event-time.yml', 'schema: X.Y\nfields:\n  - {name: A, type: string, isEventTime: true}\n', /^event-time\.yml: field A: isEventTime: only `true` on a timestamp field/],
    ['no-name.yml', 'schema: X.Y\nfields:\n  - {type: string}\n', /^no-name\.yml: field #1: name: expected a non-empty string/],
    ['yaml.yml', 'schema: [unclosed\n', /^yaml\.yml: not valid YAML/],
  ];
  for (const [file, text, message] of cases) {
    assert.throws(() => loadSchemas(schemaDirWith(file, text)), (err: unknown) => err instanceof SchemaError && message.test(err.message), file);
  }
});

test('a malformed LSS template stops loading with a message naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zpa-templates-'));
  fs.writeFileSync(path.join(dir, 'thing.json.txt'), '{"A": %d{A},"B": %d{B}}\\n');
  fs.writeFileSync(path.join(dir, 'thing.csv.txt'), '%s{A:time} Thing zpa-lss: ,%d{A};%d{B}\\n');
  assert.throws(() => loadTemplates(dir), (err: unknown) => err instanceof SchemaError && err.message === 'thing.csv.txt: expected "," between %{A} and %{B}, got ";"');
});
