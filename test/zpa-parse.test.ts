/**
 * The processor's parsing, classification, coercion and enrichment rules, one behaviour per test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LssGenerator, loadSchemas, seededRandom, ZpaProcessor } from '../src/zpa/index.js';
import { type Outcome, isFailure } from '../src/contract.js';

const schemas = loadSchemas();
const ctx = { tag: 'zpa.lss', address: '192.0.2.7:40000', source: '192.0.2.7:40000' };

const metrics = (timestamp: string, extra = '') =>
  `{"LogTimestamp":"${timestamp}","Connector":"c1","CPUUtilization":"1","AppCount":"129","AvailableDiskBytes":"261886394368"${extra}}`;

function ok(outcome: Outcome): Record<string, unknown> {
  assert.ok(!isFailure(outcome), !isFailure(outcome) ? '' : `${outcome.reason}: ${outcome.detail}`);
  return JSON.parse(!isFailure(outcome) ? outcome.text.json : '{}') as Record<string, unknown>;
}

function rejected(outcome: Outcome): { reason: string; detail: string; raw: string; logType: string | undefined } {
  assert.equal(!isFailure(outcome), false);
  if (!isFailure(outcome)) throw new Error('unreachable');
  return outcome;
}

test('text before the first brace (a syslog header) is tolerated and kept', () => {
  const processor = new ZpaProcessor(schemas);
  const a = ok(processor.process({ log: `<165>1 - - - - - - token ${metrics('Thu Oct  7 10:40:00 2021')}` }, ctx));
  assert.equal(a.p_line_prefix, '<165>1 - - - - - - token ');
  assert.equal(a.p_log_type, 'Zscaler.ZPA.AppConnectorMetrics');
  const b = ok(processor.process({ log: `<111>${metrics('Thu Oct  7 10:40:00 2021')}` }, ctx));
  assert.equal(b.p_line_prefix, '<111>');
});

test('a CRLF line loses its CR; text after the object goes on as a deviation, and strict validation refuses it', () => {
  const processor = new ZpaProcessor(schemas);
  const out = processor.process({ log: `${metrics('Thu Oct  7 10:40:00 2021')}\r` }, ctx);
  assert.ok(!isFailure(out) && !out.text.json.includes('\r'));
  const trailing = ok(processor.process({ log: `${metrics('Thu Oct  7 10:40:00 2021')} trailing` }, ctx));
  assert.deepEqual(trailing.p_deviations, [{ field: '(record)', expected: 'nothing after the closing brace', got: 'trailing', kind: 'unparsed_text' }]);
  assert.equal(trailing.AvailableDiskBytes, 261886394368);
  const r = rejected(new ZpaProcessor(schemas, { validation: 'strict' }).process({ log: `${metrics('Thu Oct  7 10:40:00 2021')} trailing` }, ctx));
  assert.equal(r.reason, 'unparsable');
  assert.match(r.detail, /^not valid JSON: text after the object at offset \d+$/);
});

test('a raw control character inside a string is written escaped, as a deviation (passed on raw it would make the output invalid JSON); strict validation refuses it', () => {
  const line = metrics('Thu Oct  7 10:40:00 2021', ',"Note":"x\ty"');
  const out = ok(new ZpaProcessor(schemas).process({ log: line }, ctx));
  assert.equal(out.Note, 'x\ty');
  assert.deepEqual(out.p_deviations, [{ field: 'Note', expected: 'a JSON string', got: '"x\ty"', kind: 'malformed' }]);
  const r = rejected(new ZpaProcessor(schemas, { validation: 'strict' }).process({ log: '{"LogTimestamp":"x\ty"}' }, ctx));
  assert.equal(r.reason, 'unparsable');
  assert.equal(r.detail, `not valid JSON: control character in a string at offset 18, near ${JSON.stringify("\ty\"}")}`);
});

test('ctime with one or two spaces before the day is accepted and written the padded way', () => {
  const processor = new ZpaProcessor(schemas);
  for (const t of ['Thu Oct  7 10:40:00 2021', 'Thu Oct 7 10:40:00 2021']) {
    const out = processor.process({ log: metrics(t) }, ctx);
    assert.ok(!isFailure(out));
    if (isFailure(out)) continue;
    assert.equal(out.eventTimeMs, Date.UTC(2021, 9, 7, 10, 40, 0));
    assert.ok(out.text.json.startsWith('{"LogTimestamp":"Thu Oct  7 10:40:00 2021"'));
    assert.equal(JSON.parse(out.text.json).p_event_time, '2021-10-07T10:40:00.000Z');
  }
  // A weekday that is not the date's: no time at all. Kept as it came; the record's event time is its entry's.
  const wrongDay = processor.process({ log: metrics('Fri Oct  7 10:40:00 2021') }, ctx, Date.UTC(2021, 9, 7, 10, 40, 1));
  assert.ok(!isFailure(wrongDay) && wrongDay.eventTimeMs === Date.UTC(2021, 9, 7, 10, 40, 1));
  assert.deepEqual(ok(wrongDay).p_deviations, [
    { field: 'LogTimestamp', expected: 'timestamp (%a %b %e %H:%M:%S %Y)', got: '"Fri Oct  7 10:40:00 2021"', kind: 'wrong_type' },
    { field: 'LogTimestamp', expected: 'an event time', got: 'none; used the Fluent Bit entry time', kind: 'event_time' },
  ]);
  const strict = rejected(new ZpaProcessor(schemas, { validation: 'strict' }).process({ log: metrics('Fri Oct  7 10:40:00 2021') }, ctx));
  assert.equal(strict.detail, 'field LogTimestamp: expected timestamp (%a %b %e %H:%M:%S %Y), got "Fri Oct  7 10:40:00 2021"');
});

test('quoted numbers become numbers where the schema says number, digit for digit', () => {
  const out = new ZpaProcessor(schemas).process({ log: metrics('Thu Oct  7 10:40:00 2021') }, ctx);
  assert.ok(!isFailure(out) && out.text.json.startsWith('{"LogTimestamp":"Thu Oct  7 10:40:00 2021","Connector":"c1","CPUUtilization":1,"AppCount":129,"AvailableDiskBytes":261886394368,'));
  // Not an integer, or beyond int64: kept as it came, with a deviation; strict validation refuses them.
  const strict = new ZpaProcessor(schemas, { validation: 'strict' });
  for (const [value, got] of [['"1.5"', '"1.5"'], ['9223372036854775808', '9223372036854775808']]) {
    const line = metrics('Thu Oct  7 10:40:00 2021', `,"TargetCount":${value}`);
    const kept = ok(new ZpaProcessor(schemas).process({ log: line }, ctx));
    assert.deepEqual(kept.p_deviations, [{ field: 'TargetCount', expected: 'bigint', got, kind: 'wrong_type' }]);
    assert.equal(rejected(strict.process({ log: line }, ctx)).detail, `field TargetCount: expected bigint, got ${got}`);
  }
});

test('"" in an optional non-string field is unset and written as null; in a required field it is an error', () => {
  const processor = new ZpaProcessor(schemas);
  const out = ok(processor.process({ log: metrics('Thu Oct  7 10:40:00 2021', ',"ServiceCount":""') }, ctx));
  assert.equal(out.ServiceCount, null);
  const missing = ok(processor.process({ log: metrics('') }, { ...ctx, tag: 'zpa.app-connector-metrics' }));
  assert.equal(missing.LogTimestamp, null);
  assert.deepEqual((missing.p_deviations as unknown[])[0], { field: 'LogTimestamp', expected: 'timestamp (%a %b %e %H:%M:%S %Y)', got: '""', kind: 'missing_required' });
  const r = rejected(new ZpaProcessor(schemas, { validation: 'strict' }).process({ log: metrics('') }, { ...ctx, tag: 'zpa.app-connector-metrics' }));
  assert.equal(r.reason, 'invalid');
  assert.equal(r.detail, 'field LogTimestamp: expected timestamp (%a %b %e %H:%M:%S %Y), got ""');
  assert.equal(r.logType, 'Zscaler.ZPA.AppConnectorMetrics');
});

test('a bare string in an array field becomes a one-element array, its element checked; "" is unset like any optional value', () => {
  const processor = new ZpaProcessor(schemas);
  const status = (lists: string) =>
    `{"LogTimestamp":"Fri May 31 17:34:48 2019","Customer":"c","Username":"u","PublicIP":"81.2.69.144",${lists}}`;
  const out = processor.process({ log: status('"TrustedNetworks":"TN1_stc1","TrustedNetworksNames":"","PosturesHit":"a,b","PosturesMiss":[]') }, { ...ctx, tag: 'zpa.user-status' });
  assert.ok(!isFailure(out) && out.text.json.includes('"TrustedNetworks":["TN1_stc1"],"TrustedNetworksNames":null,"PosturesHit":["a,b"],"PosturesMiss":[]'), !isFailure(out) ? out.text.json : out.detail);
  // The element is checked and coerced as an element: a quoted port in a bigint list becomes [port].
  const flow = (ports: string) => `{"LogTimestamp":"Tue Jan 21 17:32:38 2025","Customer":"c","SourceIP":"10.18.12.32","SourcePorts":${ports}}`;
  const ports = processor.process({ log: flow('"45566"') }, { ...ctx, tag: 'zpa.microsegmentation-flow' });
  assert.ok(!isFailure(ports) && ports.text.json.includes('"SourcePorts":[45566]'), !isFailure(ports) ? ports.text.json : ports.detail);
  // A comma-separated string of elements, and a number where the list belongs: read as the list, with a deviation.
  const tagged = { ...ctx, tag: 'zpa.microsegmentation-flow' };
  for (const [value, list] of [['"45566,45568"', [45566, 45568]], ['45566', [45566]]] as const) {
    const out = ok(processor.process({ log: flow(value) }, tagged));
    assert.deepEqual(out.SourcePorts, list);
    assert.deepEqual(out.p_deviations, [{ field: 'SourcePorts', expected: 'array', got: value, kind: 'list_shape' }]);
  }
  // An object is no list: kept as it came.
  assert.deepEqual(ok(processor.process({ log: flow('{"a":1}') }, tagged)).p_deviations, [{ field: 'SourcePorts', expected: 'array', got: '{"a":1}', kind: 'wrong_type' }]);
  const strict = new ZpaProcessor(schemas, { validation: 'strict' });
  assert.equal(rejected(strict.process({ log: flow('"45566,45568"') }, tagged)).detail, 'field SourcePorts: expected bigint, got "45566,45568" (element of SourcePorts)');
  assert.equal(rejected(strict.process({ log: flow('45566') }, tagged)).detail, 'field SourcePorts: expected array, got 45566');
});

test('unknown keys are kept as they came', () => {
  const out = ok(new ZpaProcessor(schemas).process({ log: metrics('Thu Oct  7 10:40:00 2021', ',"NewField":{"a":[1,2]},"PosturesMisses":"x"') }, ctx));
  assert.deepEqual(out.NewField, { a: [1, 2] });
  assert.equal(out.PosturesMisses, 'x');
});

test('records no log type fits are unclassified; non-JSON non-CSV lines unparsable', () => {
  const processor = new ZpaProcessor(schemas);
  const u = rejected(processor.process({ log: '{"foo":1,"bar":"x"}' }, ctx));
  assert.equal(u.reason, 'unclassified');
  assert.equal(
    u.detail,
    "no log type matches the keys foo, bar: looked for an EventType member naming a log type, and for at least 3 of one log type's field names (any case) making up half the keys; no key is a field of any log type",
  );
  assert.equal(u.logType, undefined);
  const p = rejected(processor.process({ log: 'hello world' }, ctx));
  assert.deepEqual([p.reason, p.detail, p.raw], ['unparsable', 'no JSON object and no LSS CSV/TSV prefix in the line', 'hello world']);
  // A record cut short is read as far as it goes: one key tells no log type.
  const j = rejected(processor.process({ log: '{"LogTimestamp": "x",' }, ctx));
  assert.equal(j.reason, 'unclassified');
  const strict = rejected(new ZpaProcessor(schemas, { validation: 'strict' }).process({ log: '{"LogTimestamp": "x",' }, ctx));
  assert.equal(strict.reason, 'unparsable');
  assert.equal(strict.detail, 'not valid JSON: expected a key string, got end of text at offset 21');
});

test('the keys win over a tag that names another type, and the record says so; strict validation keeps the tag; an unknown tag suffix falls back to the keys', () => {
  const processor = new ZpaProcessor(schemas);
  const line = metrics('Thu Oct  7 10:40:00 2021');
  assert.equal(ok(processor.process({ log: line }, { ...ctx, tag: 'zpa.none' })).p_log_type, 'Zscaler.ZPA.AppConnectorMetrics');
  const retyped = ok(processor.process({ log: line }, { ...ctx, tag: 'zpa.user-activity' }));
  assert.equal(retyped.p_log_type, 'Zscaler.ZPA.AppConnectorMetrics');
  assert.deepEqual(retyped.p_deviations, [
    { field: '(log type)', expected: 'Zscaler.ZPA.UserActivity (tag zpa.user-activity)', got: 'Zscaler.ZPA.AppConnectorMetrics (by its keys)', kind: 'log_type' },
  ]);
  // Strict: the tag decides, and the record is checked against that type's schema.
  const r = rejected(new ZpaProcessor(schemas, { validation: 'strict' }).process({ log: line }, { ...ctx, tag: 'zpa.user-activity' }));
  assert.equal(r.detail, 'field Customer: required, missing');
  assert.equal(r.logType, 'Zscaler.ZPA.UserActivity');
  // The tag reaches the output.
  assert.equal(ok(processor.process({ log: line }, { ...ctx, tag: 'zpa.app-connector-metrics' })).p_fluent_tag, 'zpa.app-connector-metrics');
  // An audit record sent to the User Activity port: an audit record, not "field LogTimestamp: required, missing".
  const audit = generator().line('audit-log', 'json', seededRandom(3), { baseTime: Date.UTC(2026, 0, 5) });
  const moved = ok(processor.process({ log: audit }, { ...ctx, tag: 'zpa.user-activity' }));
  assert.equal(moved.p_log_type, 'Zscaler.ZPA.AuditLog');
  assert.deepEqual((moved.p_deviations as { kind: string; got: string }[]).map((d) => [d.kind, d.got]), [['log_type', 'Zscaler.ZPA.AuditLog (by its keys)']]);
});

function generator(): LssGenerator {
  return new LssGenerator(schemas);
}

test('CSV/TSV lines whose values hold many separators cost bounded work: a 30 KB line is decided at once, not after hours', () => {
  // A shape the fuzzer found: a generated line's values repeated, so free-text fields could take any number of the
  // surplus pieces, and one typed value broken (Infinity for an integer) so that no reading fits and every one is
  // tried. Before the bound, alignment grew ~10x per doubling of the line (5 KB: 16 s; 30 KB: hours).
  const generator = new LssGenerator(schemas);
  const random = seededRandom(11);
  for (const [logType, format] of [['app-protection', 'tsv'], ['browser-access', 'csv'], ['user-activity', 'csv']] as const) {
    const line = generator.line(logType, format, random, { baseTime: Date.UTC(2026, 0, 5) });
    const at = line.indexOf('zpa-lss:') + 'zpa-lss:'.length;
    const sep = format === 'tsv' ? '\t' : ',';
    const pieces = line.slice(at).split(sep);
    const lastInteger = pieces.map((piece) => /^\d+$/.test(piece)).lastIndexOf(true);
    pieces[lastInteger] = 'Infinity';
    const long = line.slice(0, at) + pieces.join(sep).repeat(Math.ceil(30_000 / (line.length - at)));
    const started = performance.now();
    const outcome = new ZpaProcessor(schemas).process({ log: long }, ctx);
    // Free text may legitimately absorb the surplus (user-activity); otherwise the line is unparsable, with the reason.
    if (isFailure(outcome)) assert.deepEqual([outcome.reason, /values do not fit/.test(outcome.detail)], ['unparsable', true], `${logType} ${format}`);
    assert.ok(performance.now() - started < 5000, `${logType} ${format}: ${Math.round(performance.now() - started)} ms (a hang guard, not a speed test)`);
  }
});

test('CSV: a ConnectionID holding a comma, quoted values with commas, and Audit JSON documents with commas', () => {
  const processor = new ZpaProcessor(schemas);
  const ua = '"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_5) AppleWebKit/605.1.15 (KHTML, like Gecko)"';
  const browser = [
    'Wed Jul  3 05:12:25 2019 Browser Access zpa-lss: ', 'Sqy,Q+E', 'unset', '2019-07-03T05:12:25.723Z', '', '', '', '', '', '', '', '',
    '127', '21', '73', '13', '66995', '1349', 'GET', 'HTTPS', 'portal.example.com', '/a,b', ua, '', 'admin@example.com', '304', '615',
    '331', '443', '81.2.69.144', '60006', '', 'ANZ Team', '', '""', 'https://example.com', 'token_created',
  ].join(',');
  const b = ok(processor.process({ log: browser }, ctx));
  assert.equal(b.p_log_type, 'Zscaler.ZPA.BrowserAccess');
  assert.equal(b.ConnectionID, 'Sqy,Q+E');
  assert.equal(b.UserAgent, JSON.parse(ua));
  assert.equal(b.URL, '/a,b');
  assert.equal(b.TimestampRequestReceiveHeaderFinish, null);
  assert.equal(b.StatusCode, 304);
  assert.equal(b.CorsToken, 'token_created');

  const audit = 'Audit zpa-lss: ,2021-11-17T04:29:38.000Z,2021-11-17T04:29:38.000Z,288263728720249833,req-1,sess-1,,{"id":"1","name":"a,b"},Create,Server,Some-Name,12345678901234567,98765432109876543,admin@example.com,0';
  const out = processor.process({ log: audit }, ctx);
  assert.ok(!isFailure(out), !isFailure(out) ? '' : out.detail);
  if (isFailure(out)) return;
  assert.equal(out.logType, 'Zscaler.ZPA.AuditLog');
  assert.ok(out.text.json.startsWith('{"ModifiedTime":"2021-11-17T04:29:38.000Z","CreationTime":"2021-11-17T04:29:38.000Z","ModifiedBy":"288263728720249833","RequestID":"req-1","SessionID":"sess-1","AuditOldValue":null,"AuditNewValue":{"id":"1","name":"a,b"},'), out.text.json);
  assert.ok(out.text.json.includes('"ObjectID":"12345678901234567","CustomerID":"98765432109876543"'));
});

test('CSV/TSV: the LSS prefix, a header before it and the template label', () => {
  const processor = new ZpaProcessor(schemas);
  const values = ['c1', '1', '9', '4', '129', '67', '67', '62', '1', '0', '0', '0', '121350', '27150', '0', '0', '300', '300', '0', '11', '4', '1', '5', '28232', '960344', '1280', '512000', '152', '261886394368', '145257480799129312'];
  const tsv = `<134>Thu Oct 7 10:40:00 2021 Connector Metric zpa-lss: \t${values.join('\t')}`;
  const out = processor.process({ log: tsv }, ctx);
  assert.ok(!isFailure(out), !isFailure(out) ? '' : out.detail);
  if (isFailure(out)) return;
  assert.ok(out.text.json.startsWith('{"LogTimestamp":"Thu Oct  7 10:40:00 2021","Connector":"c1","CPUUtilization":1,'), out.text.json);
  assert.equal(JSON.parse(out.text.json).p_line_prefix, '<134>');
  const short = rejected(processor.process({ log: `Thu Oct  7 10:40:00 2021 Connector Metric zpa-lss: ,${values.slice(1).join(',')}` }, ctx));
  assert.equal(short.detail, 'csv: 29 values do not fit the 30 typed positions of the app-connector-metrics template');
  const label = rejected(processor.process({ log: 'Thu Oct  7 10:40:00 2021 Toaster Status zpa-lss: ,a,b' }, ctx));
  assert.equal(label.detail, 'no CSV template has the label before the marker: "Thu Oct  7 10:40:00 2021 Toaster Status"');
});

test('indicators: deduplicated, checked for their kind, placeholders skipped', () => {
  const line = `{"LogTimestamp":"Fri May 31 17:34:48 2019","Customer":"c","Username":"jdoe@example.com","PrivateIP":"unset","PublicIP":"81.2.69.144","Hostname":"Desktop-1.Example.com","TrustedNetworks":[],"Idp":"0","CertificateCN":"0","ZEN":"10.0.0.1"}`;
  const out = ok(new ZpaProcessor(schemas).process({ log: line }, { ...ctx, tag: 'zpa.user-status' }));
  assert.deepEqual(out.p_any_ip_addresses, ['81.2.69.144']);
  assert.deepEqual(out.p_any_domain_names, ['desktop-1.example.com']);
  assert.deepEqual(out.p_any_usernames, ['jdoe@example.com']);
  assert.equal(out.p_any_emails, undefined, 'Username carries only the username indicator in Panther\'s schema');
  const ua = `{"LogTimestamp":"Fri May 31 17:35:42 2019","Customer":"c","InternalReason":"","Username":"u1","ClientPublicIP":"0","ClientPrivateIP":"","ConnectorIP":"10.0.0.5","ServerIP":"10.0.0.5","Host":"10.0.0.6"}`;
  const a = ok(new ZpaProcessor(schemas).process({ log: ua }, { ...ctx, tag: 'zpa.user-activity' }));
  assert.deepEqual(a.p_any_ip_addresses, ['10.0.0.5', '10.0.0.6']);
  assert.equal(a.p_any_domain_names, undefined);
});

test('the standard field prefix and static fields come from options; row ids are unique', () => {
  const processor = new ZpaProcessor(schemas, { prefix: 'zpa_', staticFields: { environment: 'prod', shard: 3, replica: true } });
  const ids = new Set<unknown>();
  for (let i = 0; i < 5000; i++) {
    const out = ok(processor.process({ log: metrics('Thu Oct  7 10:40:00 2021') }, ctx));
    ids.add(out.zpa_row_id);
    if (i === 0) {
      assert.deepEqual(Object.keys(out).slice(-9), ['zpa_log_type', 'zpa_row_id', 'zpa_event_time', 'zpa_parse_time', 'zpa_source_address', 'zpa_fluent_tag', 'environment', 'shard', 'replica']);
      assert.equal(out.zpa_log_type, 'Zscaler.ZPA.AppConnectorMetrics');
      assert.equal(out.zpa_source_address, '192.0.2.7:40000');
      assert.deepEqual([out.environment, out.shard, out.replica], ['prod', 3, true]);
      assert.equal(out.p_log_type, undefined);
    }
  }
  assert.equal(ids.size, 5000);
  const other = ok(new ZpaProcessor(schemas).process({ log: metrics('Thu Oct  7 10:40:00 2021') }, ctx));
  assert.ok(!ids.has(other.p_row_id), 'another processor (a replica, a restart) has its own row id space');
});

test('Format json records and msgpack bin lines take the same path', () => {
  const processor = new ZpaProcessor(schemas);
  const line = metrics('Thu Oct  7 10:40:00 2021');
  const fromBin = processor.process({ log: new TextEncoder().encode(line) }, ctx);
  const fromObject = processor.process(JSON.parse(line) as Record<string, unknown>, ctx);
  assert.ok(!isFailure(fromBin) && !isFailure(fromObject));
  const strip = (o: Outcome) => (!isFailure(o) ? o.text.json.replace(/"p_row_id":"[0-9a-f]+","p_event_time":"[^"]+","p_parse_time":"[^"]+",/, '') : '');
  assert.equal(strip(fromBin), strip(fromObject));
  // A record with a `log` key among others is a parsed record, not a raw line.
  const mixed = rejected(processor.process({ log: 'x', other: 1 }, ctx));
  assert.equal(mixed.reason, 'unclassified');
  assert.equal(mixed.raw, '{"log":"x","other":1}');
});

test('event time: the first set isEventTime field in schema order, else the parse time', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zpa-event-time-'));
  fs.writeFileSync(path.join(dir, 'thing.yml'), [
    'schema: Test.Thing', 'fields:',
    '  - {name: Changed, type: timestamp, timeFormats: [rfc3339], isEventTime: true}',
    '  - {name: Created, type: timestamp, timeFormats: [rfc3339, unix_ms], isEventTime: true}',
    '  - {name: Name, type: string, required: true}',
  ].join('\n'));
  const processor = new ZpaProcessor(loadSchemas(dir));
  const at = (record: string) => processor.process({ log: record }, { ...ctx, tag: 'zpa.thing' });
  const both = at('{"Changed":"2024-01-02T03:04:05.678+01:00","Created":"2020-01-01T00:00:00Z","Name":"n"}');
  assert.ok(!isFailure(both) && both.eventTimeMs === Date.UTC(2024, 0, 2, 2, 4, 5, 678));
  const created = at('{"Changed":"","Created":1700000000123,"Name":"n"}');
  assert.ok(!isFailure(created) && created.eventTimeMs === 1700000000123);
  const before = Date.now();
  const none = at('{"Name":"n"}');
  assert.ok(!isFailure(none) && none.eventTimeMs >= before && none.eventTimeMs <= Date.now());
});

test('field presence bookkeeping survives billions of records (no 32-bit wrap)', () => {
  const processor = new ZpaProcessor(schemas);
  // Jump the per-record generation counter past 2^31, where an Int32 bookkeeping array would wrap.
  (processor as unknown as { generation: number }).generation = 2 ** 31 - 2;
  for (let i = 0; i < 4; i++) ok(processor.process({ log: metrics('Thu Oct  7 10:40:00 2021') }, ctx));
});

test('Audit: the event time is ModifiedTime when set, else CreationTime', () => {
  const processor = new ZpaProcessor(schemas);
  const audit = (modified: string) =>
    `{"ModifiedTime":"${modified}","CreationTime":"2021-11-17T04:29:38.000Z","ModifiedBy":1,"RequestID":"r","SessionID":"s","AuditOldValue":"","AuditNewValue":"","AuditOperationType":"Update","ObjectType":"Server","ObjectName":"n","ObjectID":2,"CustomerID":3,"User":"admin@example.com","ClientAuditUpdate":0}`;
  const modified = processor.process({ log: audit('2022-02-03T04:05:06.789Z') }, ctx);
  assert.ok(!isFailure(modified) && modified.eventTimeMs === Date.UTC(2022, 1, 3, 4, 5, 6, 789));
  const created = processor.process({ log: audit('') }, ctx);
  assert.ok(!isFailure(created) && created.eventTimeMs === Date.UTC(2021, 10, 17, 4, 29, 38));
  assert.equal(!isFailure(created) && JSON.parse(created.text.json).p_event_time, '2021-11-17T04:29:38.000Z');
});

test('the text head is the record as received: the same line processed twice differs only in the tail', () => {
  const processor = new ZpaProcessor(schemas, { staticFields: { env: 'prod' } });
  const line = metrics('Thu Oct  7 10:40:00 2021');
  const [first, second] = [processor.process({ log: line }, ctx), processor.process({ log: line }, { ...ctx, source: '192.0.2.8:1' })];
  assert.ok(!isFailure(first) && !isFailure(second));
  assert.notEqual(first.text.json, second.text.json, 'row ids differ');
  assert.equal(first.text.head, second.text.head);
  const received = JSON.parse(`${String(first.text.head)}}`) as Record<string, unknown>;
  assert.deepEqual(Object.keys(received), ['LogTimestamp', 'Connector', 'CPUUtilization', 'AppCount', 'AvailableDiskBytes']);
  assert.equal(received.CPUUtilization, 1, 'coerced values are part of the record as received');
});
