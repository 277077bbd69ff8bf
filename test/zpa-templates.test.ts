/**
 * The user's own Log Stream Content strings (`zpa.templates`): how they compile, what a template that does not
 * compile says, and how each specifier, time rendering and list reads back into the schema's types.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema, compiledTemplates, ConfigError, loadConfig } from '../src/config/config.js';
import { isFailure, type Outcome } from '../src/contract.js';
import { ConfiguredTemplates, loadSchemas, loadTemplates, ZpaProcessor, type TemplateConfig } from '../src/zpa/index.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const schemas = loadSchemas();
const defaults = loadTemplates();
const ENTRY = Date.UTC(2026, 1, 3, 4, 5, 6);

/** A processor with `templates`, and a function reading one line of `tag`'s stream into its record. */
function reader(templates: Record<string, TemplateConfig>) {
  const processor = new ZpaProcessor(schemas, { templates: ConfiguredTemplates.compile(templates, schemas, defaults) }, defaults);
  return (line: string, tag: string): Record<string, unknown> & { p_deviations?: { field: string; kind: string }[] } => {
    const outcome: Outcome = processor.process({ log: line }, { tag, address: '127.0.0.1', source: '127.0.0.1' }, ENTRY);
    assert.ok(!isFailure(outcome), isFailure(outcome) ? `${outcome.reason}: ${outcome.detail}` : '');
    return JSON.parse(outcome.text.json) as Record<string, unknown>;
  };
}

/** The ConfigError loadConfig gives for a config file holding `yaml`. */
function configError(yaml: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'zpa-templates-')), 'config.yaml');
  writeFileSync(file, yaml);
  try {
    loadConfig(file, {});
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  throw new Error('the configuration was accepted');
}

test('a template that does not compile stops start-up naming its key and the offending specifier', () => {
  const cases: [string, RegExp][] = [
    ['{"LogTimestamp":%j{LogTimestamp:time},"Customer":%q{Customer}}', /zpa\.templates\.zpa\.user-activity: specifier "%q\{Customer\}" at offset 49: unknown conversion "q" \(LSS prints %s %j %J %d %x %f %o\)/],
    ['{"LogTimestamp":%j{LogTimestamp:week}}', /specifier "%j\{LogTimestamp:week\}" at offset 16: unknown time rendering ":week"/],
    ['{"LogTimestamp":%5{LogTimestamp}}', /specifier "%5\{LogTimestamp\}" at offset 16: not a field specifier/],
    ['{"TrustedNetworks":[%j(){TrustedNetworks}]}', /specifier "%j\(\)\{TrustedNetworks\}" at offset 20: an empty list separator/],
    ['no fields at all', /zpa\.templates\.zpa\.user-activity: no field specifier/],
    ['"LogTimestamp":%j{LogTimestamp:time}', /zpa\.templates\.zpa\.user-activity: a json template starts its record with "\{"/],
  ];
  for (const [content, expected] of cases) {
    const message = configError(`zpa:\n  templates:\n    zpa.user-activity:\n      format: json\n      content: '${content}'\n`);
    assert.match(message, expected, content);
  }
  assert.match(configError('zpa:\n  templates:\n    mine:\n      format: csv\n      content: "%s{a},%s{b}"\n'), /zpa\.templates\.mine: cannot tell its log type .*add log_type: <id>/);
  assert.match(configError('zpa:\n  templates:\n    mine:\n      format: csv\n      log_type: nope\n      content: "%s{a}"\n'), /zpa\.templates\.mine\.log_type: unknown log type "nope" \(one of /);
  assert.match(configError('zpa:\n  templates:\n    mine:\n      format: xml\n      content: "%s{a}"\n'), /zpa\.templates\.mine\.format: /);
});

test('the log type comes from log_type, the key (an id or its zpa.<id> tag), or the template\'s own keys', () => {
  const config = configSchema.parse({
    zpa: {
      templates: {
        'audit-log': { format: 'json', content: '{"CreationTime":%j{creationTime:iso8601},"ModifiedBy":%d{modifiedBy},"AuditOperationType":%j{auditOperationType}}' },
        'zpa.user-status': { format: 'csv', content: '%s{LogTimestamp:time},%s{Customer},%s{Username}' },
        'lss.metrics': { format: 'tsv', content: '%s{LogTimestamp:time}\t%s{Connector}\t%s{AppCount}\t%s{CPUUtilization}' },
        'lss.other': { format: 'csv', log_type: 'smb-inspection', content: '%s{LogTimestamp:time},%s{Customer}' },
      },
    },
  });
  const compiled = compiledTemplates(config);
  assert.deepEqual(compiled.all.map((t) => [t.key, t.schema.id, t.native]), [
    ['audit-log', 'audit-log', true],
    ['zpa.user-status', 'user-status', false],
    ['lss.metrics', 'app-connector-metrics', false],
    ['lss.other', 'smb-inspection', false],
  ]);
  // CSV/TSV name variables, not keys: the default templates map them (`c2c` → ClientToClient), and case does not matter.
  const ua = ConfiguredTemplates.compile({ x: { format: 'csv', log_type: 'user-activity', content: '%s{c2c},%s{clientpublicip},%s{Extra}' } }, schemas, defaults);
  assert.deepEqual(ua.all[0].template.fields.map((f) => f.key), ['ClientToClient', 'ClientPublicIP', 'Extra']);
});

test('every specifier reads back: printf widths and flags, hexadecimal, octal, precision, text, JSON strings, lists', () => {
  // %X is not LSS's: compiling says so.
  assert.throws(() => ConfiguredTemplates.compile({ x: { format: 'csv', log_type: 'user-activity', content: '%X{A}' } }, schemas, defaults), /unknown conversion "X"/);
  const r = reader({
    'lss.csv': {
      format: 'csv',
      log_type: 'user-activity',
      content: '%s{LogTimestamp:time},%-12s{Customer},%05d{ServicePort},%+d{ServerPort},%#x{IPProtocol},%x{ConnectorPort},%o{DoubleEncryption},%8.3f{ClientLatitude},%-9.1f{ClientLongitude},%s{Username},%j{InternalReason},%J{Policy}',
    },
  })('Tue Feb  3 04:05:06 2026,Acme        ,00443,+8443,0x6,ed9b,1,  45.100,-119.0   ,alice@acme.com,"a \\"quoted\\" reason",Allow \\"all\\"', 'lss.csv');
  assert.equal(r.LogTimestamp, 'Tue Feb  3 04:05:06 2026');
  assert.equal(r.Customer, 'Acme        ', '%-12s pads the text itself: kept as printed');
  assert.equal(r.ServicePort, 443);
  assert.equal(r.ServerPort, 8443);
  assert.equal(r.IPProtocol, 6);
  assert.equal(r.ConnectorPort, 60827);
  assert.equal(r.DoubleEncryption, 1);
  assert.equal(r.ClientLatitude, 45.1);
  assert.equal(r.ClientLongitude, -119);
  assert.equal(r.InternalReason, 'a "quoted" reason');
  assert.equal(r.Policy, 'Allow "all"');
  assert.equal(r.p_deviations, undefined, 'what the template declares is no deviation');
});

test('octal and hexadecimal above 2^53 stay exact; a %d value that is no number is kept and flagged', () => {
  const read = reader({ 'lss.a': { format: 'tsv', log_type: 'audit-log', content: '%s{creationTime:iso8601}\t%o{modifiedBy}\t%x{objectId}\t%s{auditOperationType}\t%d{clientAuditUpdate}' } });
  const r = read('2026-02-03T04:05:06.000Z\t177777777777777777777\tffffffffffffff1\tUpdate\tmaybe', 'lss.a');
  assert.equal(r.ModifiedBy, '2305843009213693951');
  assert.equal(r.ObjectID, '1152921504606846961');
  assert.equal(r.ClientAuditUpdate, 'maybe');
  assert.deepEqual(r.p_deviations!.map((d) => [d.field, d.kind]), [['ClientAuditUpdate', 'wrong_type']]);
});

test('time renderings: ctime, ISO 8601, epoch in its unit, and one timestamp rebuilt from its pieces (the date from the entry when none is printed)', () => {
  const read = reader({
    'zpa.user-status': {
      format: 'json',
      content:
        '{"LogTimestamp":"%04d{LogTimestamp:yyyy}-%02d{LogTimestamp:mth}-%02d{LogTimestamp:dd} %02d{LogTimestamp:hh}:%02d{LogTimestamp:mm}:%02d{LogTimestamp:ss}.%03d{LogTimestamp:ms}","Customer":%j{Customer},"Username":%j{Username},"PublicIP":%j{PublicIP},"TimestampAuthentication":%J{TimestampAuthentication:epoch},"TimestampUnAuthentication":%j{TimestampUnAuthentication:time},"EventType":"user-status"}',
    },
    'zpa.app-connector-metrics': { format: 'csv', content: '%d{LogTimestamp:hh}:%d{LogTimestamp:mm}:%d{LogTimestamp:ss} %s{LogTimestamp:mon},%s{Connector},%s{AppCount}' },
    'zpa.audit-log': { format: 'json', content: '{"CreationTime":%J{creationTime:epoch},"ModifiedBy":%d{modifiedBy},"AuditOperationType":%j{auditOperationType}}' },
  });
  const s = read('{"LogTimestamp":"2026-02-03 04:05:06.789","Customer":"c","Username":"u","PublicIP":"192.0.2.1","TimestampAuthentication":1770091506123456,"TimestampUnAuthentication":"Tue Feb  3 04:05:07 2026","EventType":"user-status"}', 'zpa.user-status');
  assert.equal(s.LogTimestamp, 'Tue Feb  3 04:05:06 2026');
  assert.equal(s.p_event_time, '2026-02-03T04:05:06.000Z', 'the event time has the resolution of its field\'s format (ctime: seconds)');
  assert.equal(s.TimestampAuthentication, '2026-02-03T04:05:06.123456Z', 'epoch microseconds, to the microsecond');
  assert.equal(s.TimestampUnAuthentication, '2026-02-03T04:05:07.000Z');
  assert.equal(s.EventType, 'user-status', 'constant members of a JSON template are kept');
  assert.equal(s.p_deviations, undefined);
  const m = read('21:5:0 Feb,conn-1,12', 'zpa.app-connector-metrics');
  assert.equal(m.LogTimestamp, 'Tue Feb  3 21:05:00 2026', 'hh:mm:ss printed without padding, the day from the entry');
  for (const [epoch, iso] of [['1770091506', '2026-02-03T04:05:06.000Z'], ['1770091506123', '2026-02-03T04:05:06.123Z'], ['1770091506123456', '2026-02-03T04:05:06.123456Z']]) {
    assert.equal(read(`{"CreationTime":${epoch},"ModifiedBy":1,"AuditOperationType":"x"}`, 'zpa.audit-log').CreationTime, iso, epoch);
  }
});

test('a native JSON template takes the JSON path (its lines are valid JSON); a JSON line on a CSV template\'s stream is read as JSON', () => {
  const read = reader({
    'user-activity': { format: 'json', content: '{"LogTimestamp":%j{LogTimestamp:time},"Customer":%j{Customer},"InternalReason":%j{InternalReason},"Username":%j{Username},"ServicePort":%-6d{ServicePort}}' },
  });
  const r = read('{"LogTimestamp":"Tue Feb  3 04:05:06 2026","Customer":"c","InternalReason":"r","Username":"u","ServicePort":443   }', 'zpa.user-activity');
  assert.equal(r.ServicePort, 443);
  assert.equal(r.p_deviations, undefined);
  // Another key order than the template's: still JSON, still read.
  assert.equal(read('{"Customer":"c","LogTimestamp":"Tue Feb  3 04:05:06 2026","InternalReason":"r","Username":"u"}', 'zpa.user-activity').Customer, 'c');
  const csv = reader({ 'zpa.user-activity': { format: 'csv', content: '%s{LogTimestamp:time},%s{Customer},%s{InternalReason},%s{Username}' } });
  assert.equal(csv('{"LogTimestamp":"Tue Feb  3 04:05:06 2026","Customer":"c","InternalReason":"r","Username":"u"}', 'zpa.user-activity').Customer, 'c');
});

test('CSV/TSV templates: a syslog header before the line, a value holding the separator, untagged lines by the template of their log type', () => {
  const templates = { 'user-activity': { format: 'csv' as const, content: '%s{LogTimestamp:time},%s{ConnectionID},%d{ServicePort},%s{Customer},%s{InternalReason},%s{Username}' } };
  const read = reader(templates);
  for (const prefix of ['', '<134>', '<165>1 - - - - - - ']) {
    const r = read(`${prefix}Tue Feb  3 04:05:06 2026,sess1,conn1,443,Acme,reason,alice`, 'zpa.user-activity');
    assert.deepEqual([r.ConnectionID, r.ServicePort, r.Customer, r.p_line_prefix], ['sess1,conn1', 443, 'Acme', prefix === '' ? undefined : prefix.trimEnd()], prefix);
  }
  const untagged = read('Tue Feb  3 04:05:06 2026,sess1,conn1,443,Acme,reason,alice', 'lss');
  assert.equal(untagged.p_log_type, 'Zscaler.ZPA.UserActivity');
  // One value that breaks its type still lets the line be read, naming it; a line that is mostly not the template's is not read by it.
  assert.deepEqual(read('Tue Feb  3 04:05:06 2026,sess1,conn1,https,Acme,reason,alice', 'zpa.user-activity').p_deviations, [{ field: 'ServicePort', expected: 'bigint', got: '"https"', kind: 'wrong_type' }]);
  const strange = new ZpaProcessor(schemas, { templates: ConfiguredTemplates.compile(templates, schemas, defaults) }, defaults).process({ log: 'a,b,c,d,e,f,g' }, { tag: 'zpa.user-activity', address: '', source: '' });
  assert.ok(isFailure(strange) && strange.reason === 'unparsable', JSON.stringify(strange));
});
