/**
 * OCSF events from real records: LSS lines generated for all sixteen log types (plausible values, and edge values:
 * empty, "0", "unset", unicode, separators, max int64), run through the real ZPA processor, turned into OCSF and checked
 * against the OCSF 1.8.0 schema (attribute names, types, enum values and captions, required attributes, constraints,
 * profiles) and against the record: every record field is either mapped or under `unmapped`, unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFailure, type Delivery } from '../src/contract.js';
import { LSS_FORMATS, LssGenerator, loadSchemas, seededRandom, ZpaProcessor, type ZpaOptions } from '../src/zpa/index.js';
import { loadOcsfMappings, OcsfError, OcsfTransformer, type Mapping, type MappingSet } from '../src/ocsf/index.js';
import { parseJson, type JsonValue } from '../src/ocsf/json.js';
import { RecordText } from '../src/shared/record-text.js';
import { OcsfSchema, validateEvent, type Problem } from './helpers/ocsf-schema.js';

const schemas = loadSchemas();
const generator = new LssGenerator(schemas);
const ocsf = new OcsfSchema();
const mappings = loadOcsfMappings();
const transformer = OcsfTransformer.load();
const BASE_TIME = Date.UTC(2026, 2, 5, 9, 30, 0);
const CTX = { tag: '', address: '192.0.2.10', source: 'fluent-bit-1' };

function processor(options?: ZpaOptions): ZpaProcessor {
  return new ZpaProcessor(schemas, options);
}

function deliver(p: ZpaProcessor, line: string, id: string): Delivery {
  const out = p.processLine(line, { ...CTX, tag: `zpa.${id}` });
  assert.ok(!isFailure(out), `${id}: ${line}: ${isFailure(out) ? out.detail : ''}`);
  return out as Delivery;
}

function members(v: JsonValue): ReadonlyMap<string, JsonValue> {
  assert.equal(v.type, 'object');
  return (v as { members: ReadonlyMap<string, JsonValue> }).members;
}

function at(v: JsonValue | undefined, ...path: string[]): JsonValue | undefined {
  for (const key of path) v = v?.type === 'object' ? v.members.get(key) : undefined;
  return v;
}

function isUnder(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => path[i] === k);
}

/**
 * A required attribute or constraint the event misses is acceptable only for an edge record whose every source for it
 * was refused: unset, or of a value the attribute cannot hold, so it is under `unmapped` instead.
 */
function excused(problem: Problem, mapping: Mapping, record: ReadonlyMap<string, JsonValue>, unmapped: ReadonlyMap<string, JsonValue> | undefined): boolean {
  const at = problem.path === '' ? [] : problem.path.split('.');
  const targets = problem.kind === 'constraint' ? problem.attributes!.map((a) => [...at, a]) : [at];
  const sources = mapping.rules.filter((r) => r.from !== undefined && targets.some((t) => isUnder(r.to, t)));
  return sources.length > 0 && sources.every((r) => !record.has(r.from!) || unmapped?.has(r.from!) === true);
}

/** Checks one record's event, made by `t` from `set`'s mappings; returns it parsed. */
function checkEvent(delivery: Delivery, edge: boolean, t: OcsfTransformer = transformer, set: MappingSet = mappings): JsonValue {
  const mapping = set.byLogType.get(delivery.logType)!;
  const text = t.toOcsf(delivery);
  const event = parseJson(text);
  const record = members(parseJson(delivery.text.json));
  const unmappedValue = at(event, 'unmapped');
  const unmapped = unmappedValue === undefined ? undefined : members(unmappedValue);
  const where = `${delivery.logType} ${delivery.text.json}\n→ ${text}`;
  for (const problem of validateEvent(ocsf, event)) {
    const ok = problem.kind !== 'invalid' && edge && excused(problem, mapping, record, unmapped);
    assert.ok(ok, `${problem.path}: ${problem.message}\n${where}`);
  }
  for (const [key, value] of record) {
    const kept = unmapped?.get(key);
    if (kept !== undefined) {
      assert.equal(kept.raw, value.raw, `unmapped.${key} is the record's value as it came\n${where}`);
      continue;
    }
    const used = mapping.rules.some((r) => r.from === key && at(event, ...r.to) !== undefined);
    assert.ok(used, `${key} is neither mapped nor under unmapped\n${where}`);
  }
  for (const key of unmapped?.keys() ?? []) assert.ok(record.has(key), `unmapped.${key} is not a record field\n${where}`);
  assert.equal(at(event, 'time')?.raw, String(delivery.eventTimeMs), `time is the record's event time\n${where}`);
  assert.equal((at(event, 'metadata', 'product', 'name') as { value: string }).value, 'Zscaler Private Access');
  assert.equal((at(event, 'metadata', 'product', 'vendor_name') as { value: string }).value, 'Zscaler');
  assert.equal((at(event, 'metadata', 'version') as { value: string }).value, '1.8.0');
  return event;
}

test('every log type: generated records become valid OCSF 1.8.0 events with every field mapped or unmapped', () => {
  const p = processor();
  const random = seededRandom(15);
  assert.equal(generator.logTypes().length, 16);
  for (const id of generator.logTypes()) {
    const classes = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const event = checkEvent(deliver(p, generator.line(id, 'json', random, { baseTime: BASE_TIME }), id), false);
      classes.add(at(event, 'class_uid')!.raw);
      // Plausible records fill the attributes that identify what happened.
      for (const attr of ['activity_id', 'severity_id', 'type_uid', 'metadata']) assert.ok(at(event, attr) !== undefined, `${id}: ${attr}`);
    }
    assert.equal(classes.size, 1, `${id} maps to one class`);
  }
});

test('every log type and LSS format: records with edge values stay valid, and nothing is dropped', () => {
  const p = processor();
  const random = seededRandom(1515);
  for (const id of generator.logTypes()) {
    for (const format of LSS_FORMATS) {
      for (let i = 0; i < 150; i++) checkEvent(deliver(p, generator.line(id, format, random, { baseTime: BASE_TIME, edge: true }), id), true);
    }
  }
});

test('a connection blocked by an access policy: Failure, its reason in status_detail, disposition Blocked', () => {
  const line = JSON.stringify({
    LogTimestamp: 'Thu Mar  5 09:29:58 2026',
    Customer: 'Globex',
    SessionID: 'S1',
    ConnectionID: 'C1,C2',
    InternalReason: 'BRK_MT_SETUP_FAIL_REJECTED_BY_POLICY',
    ConnectionStatus: 'close',
    IPProtocol: 6,
    Username: 'ana@globex.example.com',
    ServicePort: 445,
    ClientPublicIP: '198.51.100.7',
    ServerIP: '10.1.2.3',
    ServerPort: 445,
    Policy: 'Block Unmanaged Devices',
  });
  const event = checkEvent(deliver(processor(), line, 'user-activity'), false);
  const get = (...path: string[]) => at(event, ...path)?.raw;
  assert.equal(get('class_uid'), '4001');
  assert.equal(get('activity_id'), '2');
  assert.equal(get('type_uid'), '400102');
  assert.equal(get('status_id'), '2');
  assert.equal(get('status'), '"Failure"');
  assert.equal(get('status_detail'), '"BRK_MT_SETUP_FAIL_REJECTED_BY_POLICY"');
  assert.equal(get('disposition_id'), '2');
  assert.equal(get('disposition'), '"Blocked"');
  assert.equal(get('action_id'), '2');
  assert.equal(get('policy', 'name'), '"Block Unmanaged Devices"');
  assert.equal(get('src_endpoint', 'ip'), '"198.51.100.7"');
  assert.equal(get('dst_endpoint', 'port'), '445');
  assert.equal(get('actor', 'user', 'name'), '"ana@globex.example.com"');
  assert.equal(get('unmapped', 'ServicePort'), '445');
});

test('Audit IDs above 2^53 and 64-bit counters reach the event digit for digit', () => {
  const audit = JSON.stringify({
    ModifiedTime: '2021-11-17T04:29:38.000Z',
    CreationTime: '2021-11-17T04:29:38.000Z',
    RequestID: '11111111-1111-1111-1111-111111111111',
    SessionID: '1idn23nlfm2q1txa5h3r4mep6',
    AuditOldValue: '',
    AuditNewValue: '{"id":"72058340288495701","name":"Some-Name","size":9007199254740993}',
    AuditOperationType: 'Create',
    ObjectType: 'Server',
    ObjectName: 'Some-Name',
    User: 'zpaadmin@example.zpa-customer.com',
    ClientAuditUpdate: 0,
  }).replace('{', '{"ModifiedBy":288263728720249833,"ObjectID":12345678901234567,"CustomerID":98765432109876543,');
  const d = deliver(processor(), audit, 'audit-log');
  checkEvent(d, false);
  const text = transformer.toOcsf(d);
  assert.match(text, /"actor":\{"user":\{"uid":"288263728720249833"/);
  assert.match(text, /"entity":\{"uid":"12345678901234567","name":"Some-Name","type":"Server"\}/);
  assert.match(text, /"entity_result":\{"uid":"12345678901234567","name":"Some-Name","type":"Server","data":\{"id":"72058340288495701","name":"Some-Name","size":9007199254740993\}\}/);
  assert.match(text, /"tenant_uid":"98765432109876543"/);
  assert.match(text, /"activity_id":1,"activity_name":"Create"/);
  assert.match(text, /"email_addr":"zpaadmin@example\.zpa-customer\.com"/);

  const counters = JSON.stringify({ LogTimestamp: 'Thu Mar  5 09:29:58 2026', Customer: 'C', InternalReason: 'OPEN_OR_ACTIVE_CONNECTION', Username: 'u', ConnectionStatus: 'active' })
    .replace('{', '{"ZENTotalBytesRxClient":9223372036854775807,"ServerPort":9223372036854775807,"ConnectorPort":0,');
  // No endpoint at all: the record's only IP fields are unset, an edge case.
  const event = checkEvent(deliver(processor(), counters, 'user-activity'), true);
  assert.equal(at(event, 'traffic', 'bytes_out')?.raw, '9223372036854775807', 'a long_t keeps every digit');
  assert.equal(at(event, 'unmapped', 'ServerPort')?.raw, '9223372036854775807', 'a port out of range stays unmapped, exact');
  assert.equal(at(event, 'unmapped', 'ConnectorPort')?.raw, '0', 'port 0 means no port');
  assert.equal(at(event, 'activity_name')?.raw, '"Traffic"');
});

test('values OCSF cannot hold stay under unmapped; unknown keys and the relay\'s own fields too', () => {
  const line = JSON.stringify({
    LogTimestamp: 'Thu Mar  5 09:29:58 2026',
    Customer: 'Globex',
    InternalReason: 'SOMETHING_NEW',
    ConnectionStatus: 'half-open',
    Username: 'u1',
    ClientPublicIP: 'unset',
    ClientCountryCode: '',
    ClientLatitude: 45.5,
    ServerIP: '10.0.0.1',
    Host: '',
    FutureField: { nested: [1, 2] },
  });
  const event = checkEvent(deliver(processor(), line, 'user-activity'), true);
  const unmapped = members(at(event, 'unmapped')!);
  assert.equal(unmapped.get('ClientPublicIP')?.raw, '"unset"', 'not an IP address');
  assert.equal(unmapped.get('ClientLatitude')?.raw, '45.5', 'a location needs a country or city');
  assert.equal(unmapped.get('FutureField')?.raw, '{"nested":[1,2]}');
  assert.equal(unmapped.get('p_fluent_tag')?.raw, '"zpa.user-activity"');
  assert.equal(at(event, 'src_endpoint'), undefined, 'no source endpoint without an identifying attribute');
  assert.equal(at(event, 'activity_id')?.raw, '99');
  assert.equal(at(event, 'activity_name')?.raw, '"half-open"', 'Other keeps the source value as its caption');
  assert.equal(at(event, 'type_name')?.raw, '"Network Activity: Other"');
  assert.equal(at(event, 'status_id')?.raw, '99');
  assert.equal(at(event, 'status')?.raw, '"SOMETHING_NEW"');
  assert.equal(at(event, 'disposition_id'), undefined, 'no disposition for an unknown reason');

  const deviations = RecordText.of('{"LogTimestamp":"Thu Mar  5 09:29:58 2026","Username":"u2","p_deviations":[{"field":"Customer","expected":"present"}],"p_event_time":"2026-03-05T09:29:58.000Z"}');
  const text = transformer.toOcsf({ text: deviations, logType: 'Zscaler.ZPA.UserActivity', eventTimeMs: Date.UTC(2026, 2, 5, 9, 29, 58), tag: 'zpa.user-activity', source: 's' });
  assert.match(text, /"unmapped":\{"p_deviations":\[\{"field":"Customer","expected":"present"\}\]\}/);
});

test('the standard fields follow the configured prefix', () => {
  const line = generator.line('user-status', 'json', seededRandom(3), { baseTime: BASE_TIME });
  const prefixed = processor({ prefix: 'zpa_' });
  const withPrefix = OcsfTransformer.load({ prefix: 'zpa_' });
  const event = checkEvent(deliver(prefixed, line, 'user-status'), false, withPrefix, loadOcsfMappings(undefined, 'zpa_'));
  assert.match(at(event, 'metadata', 'uid')!.raw, /^"[0-9a-f]+"$/);
  assert.equal(at(event, 'metadata', 'log_name')?.raw, '"Zscaler.ZPA.UserStatus"');
  assert.equal(at(event, 'unmapped', 'zpa_row_id'), undefined);
  // A transformer expecting another prefix maps none of them: they stay, under unmapped.
  const other = checkEvent(deliver(prefixed, line, 'user-status'), false);
  assert.equal(at(other, 'metadata', 'uid'), undefined);
  assert.ok(at(other, 'unmapped', 'zpa_row_id') !== undefined);
});

test('a record read from the request bytes gives the same event as its text', () => {
  const p = processor();
  const random = seededRandom(9);
  for (const id of generator.logTypes()) {
    const line = generator.line(id, 'json', random, { baseTime: BASE_TIME, edge: true });
    const buf = Buffer.from(`xx${line}yy`);
    const out = p.processBytes(buf, 2, buf.length - 2, { ...CTX, tag: `zpa.${id}` });
    assert.ok(!isFailure(out), id);
    const d = out as Delivery;
    assert.equal(transformer.toOcsf(d), transformer.toOcsf({ ...d, text: RecordText.of(d.text.json) }), id);
  }
});

test('a log type without a mapping, or a text that is not a JSON object, is an OcsfError', () => {
  const base = { eventTimeMs: 0, tag: 't', source: 's' };
  assert.throws(() => transformer.toOcsf({ ...base, text: RecordText.of('{}'), logType: 'Zscaler.ZPA.Nope' }), (e: Error) => e instanceof OcsfError && /no OCSF mapping for log type Zscaler\.ZPA\.Nope/.test(e.message));
  assert.throws(() => transformer.toOcsf({ ...base, text: RecordText.of('[1]'), logType: 'Zscaler.ZPA.UserActivity' }), (e: Error) => e instanceof OcsfError && /not a JSON object/.test(e.message));
  assert.throws(() => transformer.toOcsf({ ...base, text: RecordText.of('{"a":}'), logType: 'Zscaler.ZPA.UserActivity' }), (e: Error) => e instanceof OcsfError && /not a JSON text/.test(e.message));
});
