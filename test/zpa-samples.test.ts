/**
 * Every public ZPA sample record through the processor as Fluent Bit delivers it (`Format none`, tag per log type):
 * valid ones with their exact enriched output; the ones that are not valid JSON delivered as read, with their
 * deviations, and rejected with their exact reason under strict validation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadSchemas, ZpaProcessor } from '../src/zpa/index.js';
import { type Outcome, isFailure } from '../src/contract.js';
import { JsonScanner, Members } from '../src/zpa/json-scan.js';
import { ZPA_DIR } from './helpers/paths.js';

type Valid = {
  logType: string;
  eventTime: string;
  /** Values the processor coerces: key → value in the output. */
  changes: Record<string, unknown>;
  indicators: Record<string, string[]>;
  /** Keys written under the schema's name (another case), with the deviation that says so. */
  renames?: Record<string, string>;
};
/** Not valid JSON: delivered as read with these deviations (field, kind) and values; strict validation's reason. */
type Invalid = { reason: string; detail: string; logType: string; deviations: [string, string][]; values: Record<string, unknown> };

const SOURCE = '10.1.2.3:51000';
/** The sample file name says the log type; Fluent Bit's input per LSS receiver tags it zpa.<id>. */
const TAGS: Record<string, string> = {
  app_connector_status: 'zpa.app-connector-status',
  app_connector_metrics: 'zpa.app-connector-metrics',
  audit: 'zpa.audit-log',
  browser_access: 'zpa.browser-access',
  user_activity: 'zpa.user-activity',
  user_status: 'zpa.user-status',
  appprotection: 'zpa.app-protection',
  microsegmentation_flow: 'zpa.microsegmentation-flow',
  private_cloud_controller_metrics: 'zpa.private-cloud-controller-metrics',
  private_cloud_controller_status: 'zpa.private-cloud-controller-status',
  private_service_edge_metrics: 'zpa.private-service-edge-metrics',
  private_service_edge_status: 'zpa.private-service-edge-status',
};

/** The User Activity timestamps LSS leaves unset (`""`) in the 2019 samples: written as null. */
const UA_2019_UNSET = Object.fromEntries(
  ['TimestampConnectionEnd', 'TimestampAppLearnStart', 'TimestampZENFirstTxClient', 'TimestampZENLastTxClient', 'TimestampZENFirstRxConnector', 'TimestampZENLastRxConnector'].map((k) => [k, null]),
);
const AUDIT_NEW_VALUE = { id: '72058340288495701', name: 'Some-Name', description: 'This is a description field', enabled: 'true' };

/** Expected outcome per sample file and line. */
const EXPECTED: Record<string, (Valid | Invalid)[]> = {
  'elastic/app_connector_status.test-app-connector-status.log': [
    {
      logType: 'Zscaler.ZPA.AppConnectorStatus',
      eventTime: '2019-07-03T05:17:22.000Z',
      changes: { LogTimestamp: 'Wed Jul  3 05:17:22 2019', TimestampUnAuthentication: null, HostStartTime: 1513229995, ConnectorStartTime: 1555920005 },
      indicators: { ip_addresses: ['10.0.0.4', '0.0.0.0', '10.0.0.1', '89.160.20.112'] },
    },
  ],
  'elastic/audit.test-audit.log': [
    {
      logType: 'Zscaler.ZPA.AuditLog',
      eventTime: '2021-11-17T04:29:38.000Z',
      changes: {
        ModifiedBy: '12345678901234567', ObjectID: '12345678901234567', CustomerID: '98765432109876543', AuditOldValue: null,
        AuditNewValue: { ...AUDIT_NEW_VALUE, domainOrIpAddress: '81.2.69.144' },
      },
      indicators: { emails: ['zpaadmin@xxxxxxxxxxxxxxxxx.zpa-customer.com'], usernames: ['zpaadmin@xxxxxxxxxxxxxxxxx.zpa-customer.com'], actor_ids: ['zpaadmin@xxxxxxxxxxxxxxxxx.zpa-customer.com'] },
    },
    {
      logType: 'Zscaler.ZPA.AuditLog',
      eventTime: '2021-11-17T04:29:38.000Z',
      changes: {
        ModifiedTime: null, ModifiedBy: '12345678901234567', ObjectID: '12345678901234567', CustomerID: '98765432109876543', AuditOldValue: null,
        AuditNewValue: { ...AUDIT_NEW_VALUE, domainOrIpAddress: 'example.com' },
      },
      indicators: { emails: ['zpaadmin@xxxxxxxxxxxxxxxxx.zpa-customer.com'], usernames: ['zpaadmin@xxxxxxxxxxxxxxxxx.zpa-customer.com'], actor_ids: ['zpaadmin@xxxxxxxxxxxxxxxxx.zpa-customer.com'] },
    },
    {
      logType: 'Zscaler.ZPA.AuditLog',
      eventTime: '2025-04-30T16:23:40.000Z',
      changes: {
        ModifiedTime: null, ModifiedBy: '288263728720249833', AuditOldValue: null,
        AuditNewValue: { loginAttempt: '2025-04-30 16:23:40 UTC', remoteIP: '81.2.69.142, 81.2.69.144' },
      },
      indicators: { usernames: ['xxxx'], actor_ids: ['xxxx'] },
    },
  ],
  'elastic/browser_access.test-browser-access.log': [
    {
      logType: 'Zscaler.ZPA.BrowserAccess',
      eventTime: '2019-07-03T05:12:25.000Z',
      changes: { LogTimestamp: 'Wed Jul  3 05:12:25 2019' },
      indicators: { ip_addresses: ['81.2.69.144', '81.2.69.193'], domain_names: ['portal.beta.zdemo.net'], emails: ['admin@zdemo.net'], usernames: ['admin@zdemo.net'] },
    },
  ],
  // Policy holds the policy rule's name (a string: see schemas/README.md), Host an IP address (so it counts as an IP).
  'elastic/user_activity.from-expected-event.original.log': [
    {
      logType: 'Zscaler.ZPA.UserActivity',
      eventTime: '2019-05-31T17:35:42.000Z',
      changes: UA_2019_UNSET,
      // ClientPrivateIP repeats ClientPublicIP and ServerIP repeats Host: each address once.
      indicators: { ip_addresses: ['81.2.69.193', '67.43.156.12', '175.16.199.1'], usernames: ['ZPA LSS Client'] },
    },
    {
      logType: 'Zscaler.ZPA.UserActivity',
      eventTime: '2019-05-31T17:35:42.000Z',
      changes: UA_2019_UNSET,
      // Username has the username indicator only: an email-shaped name is not also an email indicator.
      indicators: { ip_addresses: ['81.2.69.193', '67.43.156.12', '175.16.199.1'], usernames: ['john.doe@ourcompany.cz'] },
    },
    {
      logType: 'Zscaler.ZPA.UserActivity',
      eventTime: '2026-09-28T21:46:51.000Z',
      // Ten of the thirteen connection timestamps are unset; the empty IP strings stay strings (no IP indicators).
      // Platform and Hostname are not User Activity fields: kept as they came.
      changes: Object.fromEntries(
        [
          'TimestampConnectionEnd', 'TimestampAppLearnStart', 'TimestampZENFirstRxClient', 'TimestampZENFirstTxClient', 'TimestampZENLastRxClient',
          'TimestampZENLastTxClient', 'TimestampZENFirstRxConnector', 'TimestampZENFirstTxConnector', 'TimestampZENLastRxConnector', 'TimestampZENLastTxConnector',
        ].map((k) => [k, null]),
      ),
      indicators: { ip_addresses: ['81.2.69.144'], usernames: ['john.doe@ourcompany.cz'] },
    },
  ],
  'elastic/user_activity.test-user-activity.log': [
    {
      logType: 'Zscaler.ZPA.UserActivity',
      eventTime: '2019-05-31T17:35:42.000Z',
      changes: UA_2019_UNSET,
      // ClientPrivateIP is "": skipped.
      indicators: { ip_addresses: ['81.2.69.193', '67.43.156.12', '175.16.199.1'], usernames: ['ZPA LSS Client'] },
    },
  ],
  'elastic/user_status.test-user-status.log': [
    {
      logType: 'Zscaler.ZPA.UserStatus',
      eventTime: '2019-05-31T17:34:48.000Z',
      // The older one-value list form: each bare string becomes a one-element array, kept whole (not split at commas).
      changes: {
        TimestampUnAuthentication: null, TrustedNetworks: ['TN1_stc1'], TrustedNetworksNames: ['145248739466696953'],
        PosturesHit: ['sm-posture1,sm-posture2'], PosturesMiss: ['sm-posture11,sm-posture12'],
      },
      // Hostname is a host name: a domain indicator, lower-cased.
      indicators: { ip_addresses: ['81.2.69.193', '81.2.69.144'], domain_names: ['desktop-99hcsj1'], usernames: ['ZPA LSS Client'] },
    },
    {
      logType: 'Zscaler.ZPA.UserStatus',
      eventTime: '2019-05-31T17:34:48.000Z',
      // The same record with the postures as real arrays: only the trusted networks are coerced.
      changes: { TimestampUnAuthentication: null, TrustedNetworks: ['TN1_stc1'], TrustedNetworksNames: ['145248739466696953'] },
      indicators: { ip_addresses: ['81.2.69.193', '81.2.69.144'], domain_names: ['desktop-99hcsj1'], usernames: ['john.doe@ourcompany.cz'] },
    },
    {
      logType: 'Zscaler.ZPA.UserStatus',
      eventTime: '2026-09-28T21:50:59.000Z',
      changes: { TimestampUnAuthentication: null },
      indicators: { ip_addresses: ['89.160.20.128'], usernames: ['ZPA IP Anchoring'] },
    },
  ],
  'zscaler-help/app_connector_metrics.help-example.json': [
    {
      logType: 'Zscaler.ZPA.AppConnectorMetrics',
      eventTime: '2021-10-07T10:40:00.000Z',
      changes: {
        CPUUtilization: 1, SystemMemoryUtilization: 9, ProcessMemoryUtilization: 4, AppCount: 129, ServiceCount: 67, TargetCount: 67,
        AliveTargetCount: 62, ActiveConnectionsToPublicSE: 1, DisconnectedConnectionsToPublicSE: 0, ActiveConnectionsToPrivateSE: 0,
        DisconnectedConnectionsToPrivateSE: 0, TransmittedBytesToPublicSE: 121350, ReceivedBytesFromPublicSE: 27150,
        TransmittedBytesToPrivateSE: 0, ReceivedBytesFromPrivateSE: 0, AppConnectionsCreated: 300, AppConnectionsCleared: 300,
        AppConnectionsActive: 0, UsedTCPPortsIPv4: 11, UsedUDPPortsIPv4: 4, UsedTCPPortsIPv6: 1, UsedUDPPortsIPv6: 5, AvailablePorts: 28232,
        SystemMaximumFileDescriptors: 960344, SystemUsedFileDescriptors: 1280, ProcessMaximumFileDescriptors: 512000,
        ProcessUsedFileDescriptors: 152, AvailableDiskBytes: 261886394368,
      },
      indicators: {},
    },
  ],
  'zscaler-help/app_connector_status.help-example.json': [
    {
      logType: 'Zscaler.ZPA.AppConnectorStatus',
      eventTime: '2019-07-03T05:17:22.000Z',
      changes: { LogTimestamp: 'Wed Jul  3 05:17:22 2019', TimestampUnAuthentication: null, HostStartTime: 1513229995, ConnectorStartTime: 1555920005 },
      indicators: { ip_addresses: ['10.0.0.4', '52.224.237.221', '10.0.0.1', '168.63.129.16'] },
    },
  ],
  // The help pages' broken examples, each rejected where it breaks: `"RequestBodySize", 0` has a comma for a colon,
  'zscaler-help/appprotection.help-example.json': [
    {
      reason: 'unparsable', detail: `not valid JSON: expected ':' after a key at offset 1197, near ", 0, \\"ResponseBodySize\\":"`,
      logType: 'Zscaler.ZPA.AppProtection', deviations: [['RequestBodySize', 'malformed']], values: { RequestBodySize: 0, ResponseBodySize: 0, TotalBytesProcessed: 0 },
    },
  ],
  // `\a` inside AuditNewValue's string is no JSON escape,
  // and a bare word where a quoted string belongs (`"objectName":app1.test.com`), all keys in another case,
  'zscaler-help/audit.help-example.json': [
    {
      reason: 'unparsable', detail: `not valid JSON: bad escape in a string at offset 296, near "\\\\applicationPort\\\\\\":\\\\\\"443"`,
      logType: 'Zscaler.ZPA.AuditLog',
      deviations: [
        ['AuditNewValue', 'malformed'], ['ObjectName', 'bare_value'],
        ...['ModifiedTime', 'CreationTime', 'ModifiedBy', 'RequestID', 'AuditOldValue', 'AuditNewValue', 'AuditOperationType', 'ObjectType', 'ObjectName', 'ObjectID', 'CustomerID', 'User', 'ClientAuditUpdate'].map((f): [string, string] => [f, 'key_name']),
      ],
      values: { ObjectName: 'app1.test.com', ModifiedBy: '11223344556677889', ObjectID: '98765432100123456', CreationTime: '2020-07-13T20:53:10.000Z', User: 'zpaadmin@test.com', ClientAuditUpdate: 0 },
    },
  ],
  // the record ends in unquoted text where a key belongs,
  'zscaler-help/browser_access.help-example.json': [
    {
      reason: 'unparsable', detail: 'not valid JSON: expected a key string at offset 1369, near "https://example.com,toke"',
      logType: 'Zscaler.ZPA.BrowserAccess', deviations: [['(record)', 'unparsed_text']], values: { ConnectionReason: '', StatusCode: 304 },
    },
  ],
  'zscaler-help/microsegmentation_flow.help-example.json': [
    {
      logType: 'Zscaler.ZPA.MicrosegmentationFlow',
      eventTime: '2025-01-21T17:32:38.000Z',
      changes: {},
      indicators: { ip_addresses: ['10.18.12.32', '10.18.15.241'], domain_names: ['localhost.dev.zpath.net'] },
    },
  ],
  'zscaler-help/private_cloud_controller_metrics.help-example.json': [
    {
      logType: 'Zscaler.ZPA.PrivateCloudControllerMetrics',
      eventTime: '2024-08-21T17:25:00.000Z',
      changes: {
        CPUUtilization: 1, SystemMemoryUtilization: 3, ProcessMemoryUtilization: 1, UsedTCPPortsIPv4: 34, UsedUDPPortsIPv4: 4,
        UsedTCPPortsIPv6: 5, UsedUDPPortsIPv6: 5, AvailablePorts: 28232, SystemMaximumFileDescriptors: 6492083,
        SystemUsedFileDescriptors: 3008, ProcessMaximumFileDescriptors: 102400, ProcessUsedFileDescriptors: 374, AvailableDiskBytes: 200186118144,
      },
      indicators: {},
    },
  ],
  'zscaler-help/private_cloud_controller_status.help-example.json': [
    {
      logType: 'Zscaler.ZPA.PrivateCloudControllerStatus',
      eventTime: '2024-08-21T09:23:34.000Z',
      changes: { TimestampUnAuthentication: null, HostUpTime: 1718277251, PrivateCloudControllerStartTime: 1724232211 },
      indicators: { ip_addresses: ['10.18.11.214', '10.18.0.1', '10.18.0.2'] },
    },
  ],
  // and LogTimestamp's closing quote sits after the comma: `"Fri May  6 11:40:00 2022,"PrivateSE`.
  // template text left in place of values (`%j{SystemMemoryUtilization}`), kept as it came.
  'zscaler-help/private_service_edge_metrics.help-example.json': [
    {
      reason: 'unparsable', detail: 'not valid JSON: expected \',\' or \'}\' after a value at offset 43, near "PrivateSE\\":\\"TestPrivateS"',
      logType: 'Zscaler.ZPA.PrivateServiceEdgeMetrics',
      deviations: [['LogTimestamp', 'malformed'], ['SystemMemoryUtilization', 'bare_value'], ['ProcessMemoryUtilization', 'bare_value'], ['SystemMemoryUtilization', 'wrong_type'], ['ProcessMemoryUtilization', 'wrong_type']],
      values: { LogTimestamp: 'Fri May  6 11:40:00 2022', PrivateSE: 'TestPrivateServiceEdge', SystemMemoryUtilization: '%j{SystemMemoryUtilization}', AvailableDiskBytes: 261886394368 },
    },
  ],
  'zscaler-help/private_service_edge_status.help-example.json': [
    {
      logType: 'Zscaler.ZPA.PrivateServiceEdgeStatus',
      eventTime: '2021-12-01T10:38:41.000Z',
      // HostStartTime is not in this type's template (HostUpTime is): an unknown key, kept as it came.
      changes: { TimestampUnAuthentication: null, ServiceEdgeStartTime: 1638354879 },
      indicators: { ip_addresses: ['10.66.96.147', '199.168.150.161', '10.66.96.254', '10.66.98.1'] },
    },
  ],
  'zscaler-help/user_activity.help-example.json': [
    {
      logType: 'Zscaler.ZPA.UserActivity',
      eventTime: '2019-05-31T17:35:42.000Z',
      // The PRA* keys, Platform and Hostname are not schema fields: kept as they came, PRAApprovalID and the JSON in
      // PRAFileTransferList still strings. AppMicrotenantID is the schema's AppMicroTenantID in another case: renamed.
      changes: UA_2019_UNSET,
      renames: { AppMicrotenantID: 'AppMicroTenantID' },
      indicators: { ip_addresses: ['34.209.189.218', '192.168.1.53', '192.168.1.57'], usernames: ['ZPA LSS Client'] },
    },
  ],
  'zscaler-help/user_status.help-example.json': [
    {
      logType: 'Zscaler.ZPA.UserStatus',
      eventTime: '2019-05-31T17:34:48.000Z',
      // PosturesMisses (not PosturesMiss) is an unknown key: kept as the string it came as.
      changes: { TimestampUnAuthentication: null, TrustedNetworks: ['TN1_stc1'], TrustedNetworksNames: ['145248739466947538'], PosturesHit: ['sm-posture1,sm-posture2'] },
      indicators: { ip_addresses: ['34.216.108.5'], domain_names: ['desktop-2k299hc'], usernames: ['ZPA LSS Client'] },
    },
  ],
};

const INDICATOR_ORDER = ['ip_addresses', 'domain_names', 'emails', 'usernames', 'actor_ids'];

function sampleLines(file: string): string[] {
  return fs.readFileSync(path.join(ZPA_DIR, 'samples', file), 'utf8').split('\n').filter((l) => l.trim() !== '');
}

test('the expectations cover every sample file and line', () => {
  const files = ['elastic', 'zscaler-help'].flatMap((d) => fs.readdirSync(path.join(ZPA_DIR, 'samples', d)).map((f) => `${d}/${f}`));
  assert.deepEqual(files.sort(), Object.keys(EXPECTED).sort());
  for (const file of files) assert.equal(sampleLines(file).length, EXPECTED[file].length, file);
});

test('the samples that are not valid JSON are the only ones strict validation rejects, and the only ones read past syntax errors', () => {
  for (const [file, expectations] of Object.entries(EXPECTED)) {
    sampleLines(file).forEach((line, i) => {
      let json = true;
      try {
        JSON.parse(line);
      } catch {
        json = false;
      }
      const expected = expectations[i];
      assert.equal('reason' in expected ? expected.reason !== 'unparsable' : true, json, `${file}:${i + 1}`);
    });
  }
});

/** Each member's raw value text, by key: to compare values byte for byte (45.000000 stays 45.000000). */
function rawValues(text: string): Map<string, string> {
  const members = new Members();
  const start = text.indexOf('{');
  new JsonScanner().scanObject(text, start, members);
  const values = new Map<string, string>();
  for (let i = 0; i < members.count; i++) values.set(text.slice(members.keyStart[i], members.keyEnd[i]), text.slice(members.valueStart[i], members.valueEnd[i]));
  return values;
}

test('every sample: valid ones enriched exactly; the others delivered as read, with their deviations, and rejected with the reason under strict validation', () => {
  const processor = new ZpaProcessor(loadSchemas());
  const strict = new ZpaProcessor(loadSchemas(), { validation: 'strict' });
  for (const [file, expectations] of Object.entries(EXPECTED)) {
    const tag = TAGS[path.basename(file).split('.')[0]];
    sampleLines(file).forEach((line, i) => {
      const where = `${file}:${i + 1}`;
      const before = Date.now();
      const ctx = { tag, address: SOURCE, source: SOURCE };
      const outcome: Outcome = processor.process({ log: line }, ctx);
      const expected = expectations[i];
      if ('reason' in expected) {
        const refused = strict.process({ log: line }, ctx);
        assert.equal(!isFailure(refused), false, where);
        if (!isFailure(refused)) return;
        assert.equal(refused.reason, expected.reason, where);
        assert.equal(refused.detail, expected.detail, where);
        assert.equal(refused.raw, line, where);
        assert.ok(!isFailure(outcome), `${where}: ${!isFailure(outcome) ? '' : outcome.detail}`);
        assert.equal(outcome.logType, expected.logType, where);
        const read = JSON.parse(outcome.text.json) as Record<string, unknown> & { p_deviations: { field: string; kind: string }[] };
        assert.deepEqual(read.p_deviations.map((d) => [d.field, d.kind]), expected.deviations, where);
        for (const [key, value] of Object.entries(expected.values)) assert.deepEqual(read[key], value, `${where} ${key}`);
        return;
      }
      assert.ok(!isFailure(outcome), `${where}: ${!isFailure(outcome) ? '' : outcome.detail}`);
      if (isFailure(outcome)) return;
      assert.equal(outcome.logType, expected.logType, where);
      assert.equal(outcome.eventTimeMs, Date.parse(expected.eventTime), where);
      const out = JSON.parse(outcome.text.json) as Record<string, unknown>;
      const { p_row_id: rowId, p_parse_time: parseTime, ...rest } = out;
      assert.match(String(rowId), /^[0-9a-f]{17,}$/, where);
      assert.ok(Date.parse(String(parseTime)) >= before - 1 && Date.parse(String(parseTime)) <= Date.now(), where);
      // The record as LSS wrote it, keys renamed where the schema spells them otherwise.
      const renames = expected.renames ?? {};
      const original = Object.fromEntries(Object.entries(JSON.parse(line) as Record<string, unknown>).map(([k, v]) => [renames[k] ?? k, v]));
      const indicators = Object.fromEntries(
        INDICATOR_ORDER.filter((k) => expected.indicators[k] !== undefined).map((k) => [`p_any_${k}`, expected.indicators[k]]),
      );
      const deviations = Object.entries(renames).map(([got, field]) => ({ field, expected: `the key ${field}`, got, kind: 'key_name' }));
      assert.deepEqual(rest, {
        ...original,
        ...expected.changes,
        p_log_type: expected.logType,
        p_event_time: expected.eventTime,
        ...indicators,
        p_source_address: SOURCE,
        p_fluent_tag: tag,
        ...(deviations.length > 0 ? { p_deviations: deviations } : {}),
      }, where);
      // Key order: the record's own keys first, as LSS wrote them, then the standard fields.
      assert.deepEqual(Object.keys(out).slice(0, Object.keys(original).length), Object.keys(original), where);
      // Values not coerced are passed on as the very same text.
      const outValues = rawValues(outcome.text.json);
      for (const [key, text] of rawValues(line)) if (!(key in expected.changes)) assert.equal(outValues.get(renames[key] ?? key), text, `${where} ${key}`);
    });
  }
});

test('Audit IDs above 2^53 reach the output digit for digit', () => {
  const processor = new ZpaProcessor(loadSchemas());
  const [, , line] = sampleLines('elastic/audit.test-audit.log');
  const outcome = processor.process({ log: line }, { tag: 'zpa.audit-log', address: SOURCE, source: SOURCE });
  assert.ok(!isFailure(outcome));
  assert.ok(!isFailure(outcome) && outcome.text.json.includes('"ModifiedBy":"288263728720249833"'));
});
