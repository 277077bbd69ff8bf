/**
 * Public sample lines from another vendor's ZPA integration (test/fixtures/zpa-samples/README.md says where from),
 * sent untagged as a receiver that relies on their EventType member would get them: each delivered as the log type
 * it names, its values typed, and only what differs from Zscaler's default template listed as a deviation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isFailure } from '../src/contract.js';
import { loadSchemas, ZpaProcessor } from '../src/zpa/index.js';
import { REPO_DIR } from './helpers/paths.js';

const LINES = readFileSync(path.join(REPO_DIR, 'test', 'fixtures', 'zpa-samples', 'datadog-integrations-core.ndjson'), 'utf8').split('\n').filter(Boolean);

const time = (field: string, got: string) => ({ field, expected: field === 'LogTimestamp' ? 'timestamp (%a %b %e %H:%M:%S %Y)' : 'timestamp (rfc3339)', got, kind: 'time_format' });

/** Per line: log type, event time, deviations, and values as written (raw JSON tokens, big integers digit for digit). */
const EXPECTED: [logType: string, eventTime: string, deviations: object[], values: Record<string, string>][] = [
  ['Zscaler.ZPA.AuditLog', '2025-08-28T07:02:15.000Z', [], { CustomerID: '"22345678901234567"', ModifiedBy: '"99887766554433221"', AuditOldValue: 'null', ClientAuditUpdate: '0' }],
  ['Zscaler.ZPA.AppConnectorStatus', '2025-08-28T08:15:42.000Z', [time('LogTimestamp', '"2025-08-28T08:15:42Z"')], { LogTimestamp: '"Thu Aug 28 08:15:42 2025"', HostStartTime: '1513229995', TimestampUnAuthentication: 'null' }],
  ['Zscaler.ZPA.UserStatus', '2025-08-28T08:15:42.000Z', [time('LogTimestamp', '"2025-08-28T08:15:42Z"')], { TrustedNetworks: '["TN2_eu1"]', PosturesHit: '[ "vpn-secure,av-installed" ]' }],
  ['Zscaler.ZPA.AppProtection', '2025-08-28T07:02:11.000Z', [], { Application: '145254438888544100', InspectionPolicy: '145254438888543731' }],
  ['Zscaler.ZPA.BrowserAccess', '2025-08-28T07:12:25.000Z', [time('LogTimestamp', '"Thu August 28 07:12:25 2025"')], { LogTimestamp: '"Thu Aug 28 07:12:25 2025"' }],
  // No InternalReason, which User Activity requires: delivered, saying so.
  ['Zscaler.ZPA.UserActivity', '2025-08-29T05:40:42.000Z', [{ field: 'InternalReason', expected: 'required', got: 'missing', kind: 'missing_required' }], { DoubleEncryption: '0', ConnectionID: '"pra001,conn001"' }],
  // EventType "microsegmentation" names microsegmentation-flow; epoch microseconds kept to the microsecond.
  [
    'Zscaler.ZPA.MicrosegmentationFlow', '2025-08-29T05:40:42.000Z',
    [time('ConnectionStartTime', '1661675251000100'), { field: 'SourcePorts', expected: 'array', got: '54521', kind: 'list_shape' }],
    { ConnectionStartTime: '"2022-08-28T08:27:31.000100Z"', SourcePorts: '[54521]', AppName: '["curl"]' },
  ],
  ['Zscaler.ZPA.AuditLog', '2025-08-28T12:34:56.000Z', [], { ObjectID: '"72058050378200001"', ModifiedBy: '"72057594037900000"' }],
];

test('Datadog integration samples: each delivered as the log type its EventType names, typed, with only its real deviations', () => {
  assert.equal(LINES.length, EXPECTED.length);
  const processor = new ZpaProcessor(loadSchemas());
  LINES.forEach((line, i) => {
    const [logType, eventTime, deviations, values] = EXPECTED[i];
    const outcome = processor.process({ log: line }, { tag: 'datadog', address: '192.0.2.1', source: '192.0.2.1' });
    assert.ok(!isFailure(outcome), `line ${i + 1}: ${isFailure(outcome) ? outcome.detail : ''}`);
    assert.equal(outcome.logType, logType, `line ${i + 1}`);
    assert.equal(new Date(outcome.eventTimeMs).toISOString(), eventTime, `line ${i + 1}`);
    const record = JSON.parse(outcome.text.json) as Record<string, unknown>;
    assert.deepEqual(record.p_deviations ?? [], deviations, `line ${i + 1}`);
    for (const [key, token] of Object.entries(values)) assert.ok(outcome.text.json.includes(`"${key}" : ${token}`) || outcome.text.json.includes(`"${key}":${token}`), `line ${i + 1} ${key}: ${token} in ${outcome.text.json}`);
  });
});
