/**
 * The OCSF mapping files against the OCSF 1.8.0 schema itself, before any record: one file per ZPA log type, each
 * naming a real class and category with their captions; every rule's attribute exists where it is written, its
 * transform or constant fits the attribute's type, its enum values and captions are the schema's; every object rule
 * names identifying attributes the object has. And a bad mapping file stops loading, naming file and key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSchemas } from '../src/zpa/index.js';
import { DEFAULT_OCSF_DIR, loadOcsfMappings, OcsfMappingError, OcsfTransformer, type Mapping, type Rule } from '../src/ocsf/index.js';
import { OcsfSchema, type Attribute, type Resolved } from './helpers/ocsf-schema.js';

const schema = new OcsfSchema();
const mappings = loadOcsfMappings();

/** The OCSF types each transform may write: what its output always is. */
const TRANSFORM_TYPES: Record<string, readonly string[]> = {
  text: ['string_t', 'hostname_t', 'username_t', 'resource_uid_t', 'url_t', 'file_name_t', 'process_name_t'],
  copy: ['json_t'],
  integer: ['integer_t'],
  long: ['long_t'],
  float: ['float_t'],
  ip: ['ip_t'],
  ip_list: ['ip_t[]'],
  port: ['port_t'],
  time: ['timestamp_t'],
  seconds: ['timestamp_t'],
  email: ['email_t'],
  list: ['string_t[]'],
};

/** The attribute a dotted path names in a class, and the object that holds it. */
function attributeAt(cls: Resolved, to: readonly string[]): { attr: Attribute; owner: Resolved } {
  let owner = cls;
  for (let i = 0; ; i++) {
    const attr = owner.attributes.get(to[i]);
    assert.ok(attr !== undefined, `${owner.name} has no attribute ${to[i]} (in ${to.join('.')})`);
    if (i === to.length - 1) return { attr, owner };
    assert.ok(schema.isObjectType(attr.type) && !attr.isArray, `${to.slice(0, i + 1).join('.')} is not an object attribute`);
    owner = schema.object(attr.type);
  }
}

function jsonType(attr: Attribute): string {
  const type = schema.types.get(attr.type);
  const base = type?.base === 'string_t' ? 'string' : type?.base === 'boolean_t' ? 'boolean' : type?.base === 'json_t' ? 'json' : 'number';
  return attr.isArray ? `${base}[]` : base;
}

function checkRule(m: Mapping, rule: Rule): void {
  const cls = schema.classes.get(m.classUid)!;
  const where = `${m.file}: ${rule.to.join('.')}`;
  const { attr, owner } = attributeAt(cls, rule.to);
  if (owner === cls && attr.profile !== undefined) assert.ok(m.profiles.includes(attr.profile), `${where} comes with profile ${attr.profile}, which the mapping does not list`);
  if (rule.kind === 'observable') {
    assert.deepEqual(rule.to, ['observables'], where);
    assert.equal(schema.observableTypes.get(String(rule.observable!.typeId)) ?? 'Other', rule.observable!.typeId === 99 ? 'Other' : rule.observable!.type, `${where}: observable type_id ${rule.observable!.typeId} is ${rule.observable!.type}`);
    return;
  }
  const outputs = rule.kind === 'constant' ? [rule.constant!] : rule.kind === 'lookup' ? [...rule.cases!.map((c) => c.out), ...(rule.fallback === undefined ? [] : [rule.fallback])] : [];
  for (const out of outputs) {
    const value: unknown = JSON.parse(out);
    const expected = jsonType(attr);
    const actual = typeof value === 'string' ? 'string' : typeof value === 'boolean' ? 'boolean' : 'number';
    assert.ok(expected === actual || expected === 'json', `${where}: ${out} is a ${actual}, ${attr.type} takes a ${expected}`);
    if (actual === 'number') assert.ok(Number.isInteger(value) || attr.type === 'float_t', `${where}: ${out} is not an integer`);
    if (attr.enum !== undefined) assert.ok(attr.enum.has(String(value)), `${where}: ${out} is not a value of ${attr.name}`);
    if (actual === 'string' && schema.types.get(attr.type)?.regex !== undefined) assert.match(value as string, schema.types.get(attr.type)!.regex!, where);
  }
  if (rule.kind !== 'constant' && rule.kind !== 'lookup') {
    const type = attr.isArray ? `${attr.type}[]` : attr.type;
    assert.ok(TRANSFORM_TYPES[rule.kind].includes(type), `${where}: as ${rule.kind} does not write a ${type}`);
  }
  if (rule.names !== undefined) {
    assert.ok(attr.enum !== undefined, `${where} has names but ${attr.name} is no enum`);
    for (const [id, caption] of rule.names) assert.equal(caption, attr.enum.get(id), `${where}: the caption of ${id}`);
  }
  if (rule.sibling !== undefined) {
    assert.equal(rule.sibling[rule.sibling.length - 1], attr.sibling, `${where}: ${attr.name}'s caption attribute`);
    assert.ok(attributeAt(cls, rule.sibling).attr.type === 'string_t', `${where}: sibling ${rule.sibling.join('.')}`);
  }
}

test('one OCSF mapping file per ZPA log type, each naming an OCSF 1.8.0 class with its category and captions', () => {
  assert.equal(schema.version, '1.8.0');
  const zpa = loadSchemas();
  assert.deepEqual([...mappings.byLogType.keys()].sort(), zpa.schemas.map((s) => s.name).sort());
  for (const s of zpa.schemas) {
    const m = mappings.byLogType.get(s.name)!;
    assert.equal(m.file, `${s.id}.yml`, `${s.name} is mapped by its own file`);
    const cls = schema.classes.get(m.classUid);
    assert.ok(cls !== undefined, `${m.file}: OCSF has no class ${m.classUid}`);
    assert.equal(m.className, cls.caption, `${m.file}: class name`);
    assert.equal(m.categoryUid, cls.categoryUid, `${m.file}: category`);
    assert.equal(m.categoryName, cls.categoryCaption, `${m.file}: category name`);
    for (const p of m.profiles) assert.ok(schema.profiles.has(p), `${m.file}: no profile ${p}`);
  }
});

test('every rule writes an attribute of its class, of the right type, with the schema\'s enum values and captions', () => {
  for (const m of mappings.byLogType.values()) for (const rule of m.rules) checkRule(m, rule);
});

test('every object rule names attributes that identify the object as the schema requires', () => {
  for (const m of mappings.byLogType.values()) {
    const cls = schema.classes.get(m.classUid)!;
    for (const [at, keys] of m.objects) {
      const { attr } = attributeAt(cls, at);
      assert.ok(schema.isObjectType(attr.type), `${m.file}: objects ${at.join('.')} is not an object`);
      const object = schema.object(attr.type);
      for (const k of keys) assert.ok(object.attributes.has(k), `${m.file}: objects ${at.join('.')}: ${object.name} has no ${k}`);
      const oneOf = object.constraints.at_least_one;
      if (oneOf !== undefined) for (const k of keys) assert.ok(oneOf.includes(k), `${m.file}: objects ${at.join('.')}: ${k} does not satisfy ${object.name}'s at_least_one`);
    }
  }
});

test('the mapping documents say why their class fits', () => {
  for (const file of fs.readdirSync(DEFAULT_OCSF_DIR).filter((f) => !f.startsWith('_'))) {
    assert.match(fs.readFileSync(path.join(DEFAULT_OCSF_DIR, file), 'utf8'), /^why: >-\n {2}\S/m, file);
  }
});

/** Writes the repository's mapping files, with `changes` (file → text, or null to remove) to a temporary directory. */
function mappingDir(changes: Record<string, string | null>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocsf-mapping-'));
  for (const f of fs.readdirSync(DEFAULT_OCSF_DIR)) fs.copyFileSync(path.join(DEFAULT_OCSF_DIR, f), path.join(dir, f));
  for (const [f, text] of Object.entries(changes)) {
    if (text === null) fs.rmSync(path.join(dir, f));
    else fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

const HEADER = 'log_type: Zscaler.ZPA.UserActivity\nclass: { uid: 4001, name: Network Activity }\ncategory: { uid: 4, name: Network Activity }\nwhy: test\n';
const ACTIVITY = '  - { to: activity_id, value: 6, names: { 6: Traffic }, sibling: activity_name }\n';
const SEVERITY = '  - { to: severity_id, value: 1, names: { 1: Informational }, sibling: severity }\n';

test('a bad mapping file stops loading with its file and key named', () => {
  const cases: [string, string, RegExp][] = [
    ['user-activity.yml', `${HEADER}map:\n${ACTIVITY}${SEVERITY}  - { to: src_endpoint.ip, from: ClientPublicIP, as: address }\n`, /^user-activity\.yml: map\[2\]\.as: /],
    ['user-activity.yml', `${HEADER}map:\n${ACTIVITY}${SEVERITY}  - { to: src_endpoint.IP, from: ClientPublicIP }\n`, /^user-activity\.yml: map\[2\]\.to: must be a dotted OCSF attribute path/],
    ['user-activity.yml', `${HEADER}map:\n${ACTIVITY}${SEVERITY}  - { to: type_uid, value: 1 }\n`, /^user-activity\.yml: map\[2\]: type_uid is written by the transformer itself/],
    ['user-activity.yml', `${HEADER}map:\n${ACTIVITY}${SEVERITY}  - { to: status_id, from: InternalReason, lookup: { X: 2 }, default: 1, names: { 1: Success }, sibling: status }\n`, /^user-activity\.yml: map\[2\]: names: no caption for 2/],
    ['user-activity.yml', `${HEADER}map:\n${ACTIVITY}${SEVERITY}  - { to: status_id, from: InternalReason, value: 1 }\n`, /^user-activity\.yml: map\[2\]: needs either from/],
    ['user-activity.yml', `${HEADER}map:\n${SEVERITY}`, /^user-activity\.yml: map: no rule always sets activity_id/],
    ['user-activity.yml', `${HEADER}map:\n  - { to: activity_id, value: 6 }\n${SEVERITY}`, /^user-activity\.yml: map: the rule for activity_id must name its captions/],
    ['user-activity.yml', `${HEADER}extends: _nope\nmap:\n${ACTIVITY}${SEVERITY}`, /^user-activity\.yml: extends: no mapping file _nope\.yml/],
    ['user-activity.yml', `${HEADER}colour: blue\nmap:\n${ACTIVITY}${SEVERITY}`, /^user-activity\.yml: \(file\): .*colour/],
    ['user-activity.yml', HEADER.replace('uid: 4001', 'uid: 3002') + `map:\n${ACTIVITY}${SEVERITY}`, /^user-activity\.yml: class\.uid: 3002 is not in category 4/],
    ['user-activity.yml', HEADER.replace('why: test\n', '') + `map:\n${ACTIVITY}${SEVERITY}`, /^user-activity\.yml: why: is required/],
    ['user-activity.yml', `${HEADER}map: [ {`, /^user-activity\.yml: not valid YAML/],
    ['user-status.yml', `${HEADER}map:\n${ACTIVITY}${SEVERITY}`, /^(user-activity|user-status)\.yml: log_type: Zscaler\.ZPA\.UserActivity is mapped by (user-activity|user-status)\.yml too/],
    ['_http.yml', `log_type: X\nmap: []\n`, /^_http\.yml: log_type: a partial/],
    ['_loop.yml', 'extends: user-activity\n', /^_loop\.yml: extends: user-activity → _loop → user-activity is a cycle/],
  ];
  for (const [file, text, expected] of cases) {
    const changes: Record<string, string | null> = { [file]: text };
    if (file === '_loop.yml') changes['user-activity.yml'] = `${HEADER}extends: _loop\nmap:\n${ACTIVITY}${SEVERITY}`;
    const dir = mappingDir(changes);
    assert.throws(() => loadOcsfMappings(dir), (err: Error) => err instanceof OcsfMappingError && expected.test(err.message), `${file}: ${expected}`);
    assert.throws(() => OcsfTransformer.load({ dir }), OcsfMappingError);
    fs.rmSync(dir, { recursive: true });
  }
});
