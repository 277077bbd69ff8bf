/**
 * Every log type through each preset to a service that enforces its vendor's documented contract: what the SIEM's own
 * ZPA content keys on (Datadog's source and EventType, Splunk's sourcetype and index, Elastic's data streams), and
 * nothing the service would refuse. The records are real: generated LSS lines read on the processor's byte path.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import type { Delivery } from '../src/contract.js';
import { sampleRecords } from '../src/demo/sample-records.js';
import { ZPA_CONTENT } from '../src/sinks/presets/zpa-content.js';
import { loadSchemas, ZpaProcessor } from '../src/zpa/index.js';
import { FAST, relayTo } from './helpers/http-relay.js';
import { DatadogService, ElasticService, LokiService, PantherService, SplunkHecService, SumoService } from './helpers/siem-services.js';
import { REPO_DIR } from './helpers/paths.js';

const samples = sampleRecords();
const records = samples.map((sample) => sample.record);
const sample = (id: string) => samples.find((s) => s.id === id)!;
const services: { stop(): Promise<void> }[] = [];
after(() => Promise.all(services.map((service) => service.stop())));

async function started<T extends { stop(): Promise<void> }>(service: Promise<T>): Promise<T> {
  const s = await service;
  services.push(s);
  return s;
}

/** Sends the records through a sink of this config; no dead letters, and the service refused nothing. */
async function deliver(config: Record<string, unknown>, service: { refusals: unknown[] }, deliveries: Delivery[] = records): Promise<ReturnType<typeof relayTo>> {
  const relay = relayTo({ ...FAST, ...config });
  await relay.dispatcher.submit(deliveries, []);
  assert.deepEqual(service.refusals, []);
  assert.deepEqual(relay.deadLetters(), []);
  assert.equal(relay.sink.stats.recordsDelivered, deliveries.length);
  await relay.close();
  return relay;
}

test('the samples: one record of each of the 16 log types, each with its line as received', () => {
  assert.equal(samples.length, 16);
  for (const { line, record } of samples) assert.equal(record.text.lineText, line);
});

test("datadog native: source zscaler-private-access, each type's pipeline EventType and service, LSS fields at the top", async () => {
  const datadog = await started(DatadogService.start('k'));
  await deliver({ type: 'datadog', url: datadog.target.url('/api/v2/logs'), api_key: 'k' }, datadog);
  assert.equal(datadog.entries.length, 16);
  for (const [i, entry] of datadog.entries.entries()) {
    const { record } = samples[i];
    const eventType = ZPA_CONTENT.get(record.logType)?.datadog;
    assert.equal(entry.ddsource, 'zscaler-private-access');
    assert.equal(entry.EventType, eventType, record.logType);
    assert.equal(entry.service, eventType ?? 'zpa');
    assert.equal(entry.ddtags, `log_type:${record.logType}`);
    assert.equal(entry.hostname, 'fluent-bit-0');
    assert.equal(entry.p_log_type, record.logType, 'the record\'s own fields are top-level attributes');
  }
  const byType = Object.fromEntries(datadog.entries.map((entry) => [entry.p_log_type, entry.EventType]));
  assert.equal(byType['Zscaler.ZPA.AuditLog'], 'audit-logs');
  assert.equal(byType['Zscaler.ZPA.MicrosegmentationFlow'], 'microsegmentation');
  assert.equal(byType['Zscaler.ZPA.UserActivity'], 'user-activity');
});

test('datadog native: a record that has its own EventType (Datadog\'s recommended template) keeps it, not twice', async () => {
  const line = readFileSync(path.join(REPO_DIR, 'test/fixtures/zpa-samples/datadog-integrations-core.ndjson'), 'utf8').split('\n').find((l) => l.includes('"EventType" : "audit-logs"'))!;
  const bytes = Buffer.from(line);
  const record = new ZpaProcessor(loadSchemas()).processBytes(bytes, 0, bytes.length, { tag: 'zpa.audit-log', address: '127.0.0.1', source: 'fb' }) as Delivery;
  const datadog = await started(DatadogService.start('k'));
  const relay = relayTo({ ...FAST, type: 'datadog', url: datadog.target.url('/api/v2/logs'), api_key: 'k' });
  await relay.dispatcher.submit([record], []);
  const body = datadog.target.requests[0].text;
  assert.equal(body.match(/"EventType"/g)?.length, 1);
  assert.equal(datadog.entries[0].EventType, 'audit-logs');
  assert.equal(datadog.entries[0].service, 'audit-logs');
  await relay.close();
});

test('datadog: 2500 records go in requests of at most 1000 entries; enriched output keeps the relay\'s source', async () => {
  const datadog = await started(DatadogService.start('k'));
  const many = Array.from({ length: 2500 }, (_, i) => records[i % records.length]);
  const relay = await deliver({ type: 'datadog', url: datadog.target.url('/api/v2/logs'), api_key: 'k', batch: { max_wait: '1s' } }, datadog, many);
  assert.equal(datadog.entries.length, 2500);
  assert.ok(relay.sink.stats.requests >= 3);
  const enriched = await started(DatadogService.start('k'));
  await deliver({ type: 'datadog', output: 'enriched', url: enriched.target.url('/api/v2/logs'), api_key: 'k' }, enriched);
  assert.deepEqual(new Set(enriched.entries.map((entry) => `${entry.ddsource}/${entry.service}/${entry.EventType}`)), new Set(['zscaler_zpa/zpa/undefined']));
});

test("splunk_hec native: index zscaler and Zscaler's sourcetype per log type, the schema name where Zscaler has none", async () => {
  const splunk = await started(SplunkHecService.start('t', ['main', 'zscaler']));
  await deliver({ type: 'splunk_hec', url: splunk.target.url('/services/collector/event'), token: 't' }, splunk);
  const sourcetypes = Object.fromEntries(splunk.events.map((event) => [(event.event as Record<string, unknown>).p_log_type, event.sourcetype]));
  assert.deepEqual(sourcetypes, {
    'Zscaler.ZPA.UserActivity': 'zscalerlss-zpa-app',
    'Zscaler.ZPA.UserStatus': 'zscalerlss-zpa-auth',
    'Zscaler.ZPA.AppConnectorStatus': 'zscalerlss-zpa-connector',
    'Zscaler.ZPA.AppConnectorMetrics': 'Zscaler.ZPA.AppConnectorMetrics',
    'Zscaler.ZPA.AuditLog': 'zscalerlss-zpa-audit',
    'Zscaler.ZPA.BrowserAccess': 'zscalerlss-zpa-bba',
    'Zscaler.ZPA.PrivateServiceEdgeStatus': 'zscalerlss-zpa-pse',
    'Zscaler.ZPA.PrivateServiceEdgeMetrics': 'Zscaler.ZPA.PrivateServiceEdgeMetrics',
    'Zscaler.ZPA.AppProtection': 'zscalerlss-zpa-web-inspection',
    'Zscaler.ZPA.PrivateCloudControllerStatus': 'Zscaler.ZPA.PrivateCloudControllerStatus',
    'Zscaler.ZPA.PrivateCloudControllerMetrics': 'Zscaler.ZPA.PrivateCloudControllerMetrics',
    'Zscaler.ZPA.MicrosegmentationFlow': 'Zscaler.ZPA.MicrosegmentationFlow',
    'Zscaler.ZPA.SMBInspection': 'Zscaler.ZPA.SMBInspection',
    'Zscaler.ZPA.LDAPInspection': 'Zscaler.ZPA.LDAPInspection',
    'Zscaler.ZPA.KRBInspection': 'Zscaler.ZPA.KRBInspection',
    'Zscaler.ZPA.UserStatusOneID': 'Zscaler.ZPA.UserStatusOneID',
  });
  assert.deepEqual(new Set(splunk.events.map((event) => event.index)), new Set(['zscaler']));
  // The event is the record as JSON with LSS's own field names, which the App's extractions read.
  const user = splunk.events.find((event) => event.sourcetype === 'zscalerlss-zpa-app')!.event as Record<string, unknown>;
  const line = JSON.parse(sample('user-activity').line) as Record<string, unknown>;
  for (const key of ['Username', 'ConnectionID', 'InternalReason', 'LogTimestamp']) assert.equal(user[key], line[key], key);
});

test('splunk_hec: sourcetype and index overridable per log type; an index the token may not write is refused, as Splunk does', async () => {
  const splunk = await started(SplunkHecService.start('t', ['main', 'zscaler', 'zpa_metrics']));
  const overrides = {
    sourcetypes: { 'Zscaler.ZPA.AppConnectorMetrics': 'zpa:metrics' },
    indexes: { 'Zscaler.ZPA.AppConnectorMetrics': 'zpa_metrics' },
  };
  await deliver({ type: 'splunk_hec', url: splunk.target.url('/services/collector/event'), token: 't', ...overrides }, splunk);
  const metrics = splunk.events.find((event) => (event.event as Record<string, unknown>).p_log_type === 'Zscaler.ZPA.AppConnectorMetrics')!;
  assert.deepEqual([metrics.sourcetype, metrics.index], ['zpa:metrics', 'zpa_metrics']);
  assert.equal(splunk.events.filter((event) => event.index === 'zscaler').length, 15);

  // The same preset against a token that may not write `zscaler`: Splunk names the event, the relay dead-letters it alone.
  const narrow = await started(SplunkHecService.start('t', ['main']));
  const relay = relayTo({ ...FAST, type: 'splunk_hec', url: narrow.target.url('/services/collector/event'), token: 't', indexes: { 'Zscaler.ZPA.UserActivity': 'main' } });
  await relay.dispatcher.submit([sample('user-activity').record, sample('user-status').record], []);
  assert.deepEqual(narrow.refusals.map((refusal) => refusal.why), ['Incorrect index (event 1)']);
  assert.deepEqual(relay.deadLetters().map((letter) => [letter.reason, letter.log_type]), [['item_400', 'Zscaler.ZPA.UserStatus']]);
  assert.equal(narrow.events.length, 1);
  await relay.close();
});

test("elastic_bulk native: the integration's five types into its data streams as the line in message; the others enriched into index", async () => {
  const elastic = await started(ElasticService.start('key'));
  await deliver({ type: 'elastic_bulk', url: elastic.target.url(''), auth: { type: 'api_key', key: 'key' }, namespace: 'prod' }, elastic);
  const streams = ['app_connector_status', 'audit', 'browser_access', 'user_activity', 'user_status'].map((stream) => `logs-zscaler_zpa.${stream}-prod`);
  assert.deepEqual([...elastic.docs.keys()].sort(), [...streams, 'logs-zpa-default'].sort());
  assert.deepEqual(elastic.pipelineFailures, [], 'every message is the LSS JSON line the pipeline reads');
  for (const { record, line } of samples) {
    const stream = ZPA_CONTENT.get(record.logType)?.elastic;
    if (stream === undefined) continue;
    const [stored] = elastic.docs.get(`logs-zscaler_zpa.${stream}-prod`)!;
    assert.equal(stored.doc['event.original'], line);
    assert.deepEqual(stored.doc.data_stream, { type: 'logs', dataset: `zscaler_zpa.${stream}`, namespace: 'prod' });
    assert.equal(stored.doc['@timestamp'], new Date(record.eventTimeMs).toISOString());
    assert.equal(stored.id, createHash('sha256').update(line).digest('base64url'), '_id: the hash of the line');
  }
  assert.equal(elastic.docs.get('logs-zpa-default')!.length, 11);
  assert.ok(elastic.docs.get('logs-zpa-default')!.every(({ doc }) => typeof doc.p_log_type === 'string' && doc['@timestamp'] !== undefined));
});

test('elastic_bulk native: a resent line is answered 409 by its data stream, a duplicate prevented', async () => {
  const elastic = await started(ElasticService.start('key'));
  const config = { type: 'elastic_bulk', url: elastic.target.url(''), auth: { type: 'api_key', key: 'key' } };
  await deliver(config, elastic);
  const again = await deliver(config, elastic);
  assert.equal(again.sink.stats.duplicatesPrevented, 16);
  assert.equal([...elastic.docs.values()].flat().length, 16);
});

test('elastic_bulk native: a CSV line goes as received; the pipeline, which reads JSON, notes it (use JSON log stream content)', async () => {
  const csv = sampleRecords({ format: 'csv' }).find((sample) => sample.id === 'user-status')!;
  const elastic = await started(ElasticService.start('key'));
  await deliver({ type: 'elastic_bulk', url: elastic.target.url(''), auth: { type: 'api_key', key: 'key' } }, elastic, [csv.record]);
  assert.equal(elastic.docs.get('logs-zscaler_zpa.user_status-default')![0].doc['event.original'], csv.line);
  assert.deepEqual(elastic.pipelineFailures, [csv.line]);
});

test('panther, loki, sumo, ndjson and json_array: every log type as the relay\'s enriched record', async () => {
  const panther = await started(PantherService.start('s'));
  await deliver({ type: 'panther', url: panther.target.url('/http/source'), auth: { type: 'header', name: 'x-panther-secret', value: 's' } }, panther);
  assert.deepEqual(panther.records.map((record) => record.p_log_type), records.map((record) => record.logType));

  const loki = await started(LokiService.start());
  await deliver({ type: 'loki', url: loki.target.url('/loki/api/v1/push') }, loki);
  assert.deepEqual(new Set(loki.lines.map((line) => line.labels.log_type)), new Set(records.map((record) => record.logType)));
  assert.ok(loki.lines.every((line) => (JSON.parse(line.line) as { p_log_type: string }).p_log_type === line.labels.log_type));

  const sumo = await started(SumoService.start());
  await deliver({ type: 'sumo', url: sumo.url, category: 'security/zpa' }, sumo);
  assert.equal(sumo.logs.length, 16);
  assert.ok(sumo.logs.every((log) => log.category === 'security/zpa' && log.line.startsWith('{')));
});
