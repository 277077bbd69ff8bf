/**
 * Microsoft Sentinel (Logs Ingestion API with Entra tokens) and Google SecOps (ImportLogs and the legacy batchCreate
 * with service-account JWTs), each against its token endpoint and its API on 127.0.0.1, both enforcing the documented
 * contract: the grant request, the token on every call and its expiry, the body's shape and size, and the answers
 * (413, 429 with Retry-After, 401, 5xx, 400).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { Delivery } from '../src/contract.js';
import { sampleRecords } from '../src/demo/sample-records.js';
import { RecordText } from '../src/shared/record-text.js';
import { sinkConfigSchema } from '../src/sinks/config.js';
import { FAST, relayTo } from './helpers/http-relay.js';
import { SecopsService, SentinelService } from './helpers/siem-services.js';
import { EntraTokenServer, GoogleTokenServer, serviceAccountKey } from './helpers/siem-tokens.js';

const samples = sampleRecords();
const records = samples.map((sample) => sample.record);
const csvSamples = sampleRecords({ format: 'csv', seed: 2 });
const stops: (() => Promise<void>)[] = [];
after(() => Promise.all(stops.map((stop) => stop())));

async function sentinel(columns?: Parameters<typeof SentinelService.start>[1]) {
  const entra = await EntraTokenServer.start();
  const api = await SentinelService.start(entra.tokens, columns);
  stops.push(() => entra.target.stop(), () => api.stop());
  const config = (overrides: Record<string, unknown> = {}) => ({
    ...FAST,
    type: 'sentinel',
    url: api.target.url(''),
    dcr_immutable_id: api.dcr,
    tenant_id: entra.tenant,
    client_id: entra.clientId,
    client_secret: entra.clientSecret,
    authority: entra.authority,
    ...overrides,
  });
  return { entra, api, config };
}

/** A record of `bytes` bytes of line, as the byte path gives it. */
function bigRecord(n: number, bytes: number): Delivery {
  const line = `{"LogTimestamp":"Mon Nov 23 06:00:00 2026","Username":"u${n}","Pad":"${'x'.repeat(bytes)}"}`;
  const request = Buffer.from(line);
  return { text: RecordText.view(request, 0, request.length - 1, ',"p_log_type":"Zscaler.ZPA.UserActivity"}', undefined, 0, request.length), logType: 'Zscaler.ZPA.UserActivity', eventTimeMs: 1_795_413_600_000 + n, tag: 'zpa.user-activity', source: 'fb-0' };
}

test('sentinel native: an Entra token from the client-credentials form, ZPA_CL rows of TimeGenerated and Message (the line as received)', async () => {
  const { entra, api, config } = await sentinel();
  const relay = relayTo(config());
  const all = [...records, ...csvSamples.map((sample) => sample.record)];
  await relay.dispatcher.submit(all, []);
  assert.deepEqual(entra.refused, []);
  assert.deepEqual(api.refusals, []);
  assert.deepEqual(relay.deadLetters(), []);
  assert.equal(entra.tokens.count, 1, 'one token for every call until it nears expiry');
  assert.deepEqual([...api.dropped], [], 'only the stream\'s columns');
  assert.deepEqual(
    api.rows.map((row) => row.Message),
    [...samples, ...csvSamples].map((sample) => sample.line),
  );
  assert.ok(api.rows.every((row, i) => row.TimeGenerated === new Date(all[i].eventTimeMs).toISOString()));
  const request = api.target.requests[0];
  assert.match(String(request.headers['x-ms-client-request-id']), /^[0-9a-f-]{36}$/);
  assert.equal(request.headers['content-encoding'], 'gzip');
  await relay.close();
});

test('sentinel: a body is a JSON array of at most 1 MB; more is sent in several calls, never refused', async () => {
  const { api, config } = await sentinel();
  const relay = relayTo(config({ batch: { max_wait: '200ms' } }));
  const big = Array.from({ length: 60 }, (_, n) => bigRecord(n, 40_000));
  await relay.dispatcher.submit(big, []);
  assert.deepEqual(api.refusals, []);
  assert.equal(api.rows.length, 60);
  assert.ok(api.target.requests.length >= 3, `${api.target.requests.length} calls for 2.4 MB`);
  assert.ok(api.target.requests.every((request) => Buffer.byteLength(request.text) <= 1_000_000));
  assert.deepEqual(api.rows.map((row) => row.Message), big.map((record) => record.text.lineText));
  await relay.close();
  assert.equal(sinkConfigSchema.safeParse(config({ batch: { max_bytes: '2MiB' } })).success, false, 'batch.max_bytes above the 1 MB call limit is refused');
});

test('sentinel: 429 with Retry-After is honoured, 503 retried, 413 splits', async () => {
  const { api, config } = await sentinel();
  api.faults.push({ status: 429, headers: { 'retry-after': '1' }, body: '{"error":{"code":"TooManyRequests"}}' }, { status: 503 }, { status: 413, body: '{"error":{"code":"ContentLengthLimitExceeded"}}' });
  const relay = relayTo(config());
  await relay.dispatcher.submit(records, []);
  const [first, second, third, ...rest] = api.target.requests;
  assert.ok(second.receivedAt - first.receivedAt >= 1000, `retried ${second.receivedAt - first.receivedAt} ms after a 429 with Retry-After: 1`);
  assert.deepEqual([first.status, second.status, third.status], [429, 503, 413]);
  assert.equal(rest.length, 2, 'the 413 split the batch in halves');
  assert.equal(api.rows.length, 16);
  assert.deepEqual({ ...relay.sink.stats.retries }, { 429: 1, 503: 1 });
  assert.equal(relay.sink.stats.splits, 1);
  await relay.close();
});

test('sentinel: a token is fetched again before it expires, and once at once when the API answers 401', async () => {
  const { entra, api, config } = await sentinel();
  entra.lifetimeS = 2;
  const relay = relayTo(config());
  await relay.dispatcher.submit(records.slice(0, 2), []);
  await new Promise((resolve) => setTimeout(resolve, 1600));
  await relay.dispatcher.submit(records.slice(2, 4), []);
  assert.equal(entra.tokens.count, 2, 'renewed at three quarters of its lifetime, before it expired');
  assert.equal(api.refusals.length, 0, 'no call with an expired token');

  entra.lifetimeS = 3600;
  entra.tokens.revokeAll();
  await relay.dispatcher.submit(records.slice(4, 6), []);
  assert.deepEqual(api.refusals.map((refusal) => refusal.status), [401]);
  assert.equal(entra.tokens.count, 3);
  assert.equal(relay.sink.stats.retries['401'], 1);
  assert.equal(api.rows.length, 6);
  assert.deepEqual(relay.deadLetters(), []);
  await relay.close();
});

test('sentinel: a wrong client secret never reaches the API; the records are dead-lettered at max_age with the token endpoint\'s reason', async () => {
  const { entra, api, config } = await sentinel();
  const relay = relayTo(config({ client_secret: 'wrong', retry: { initial_delay: 5, max_delay: 20, max_age: 150 } }));
  await relay.dispatcher.submit(records.slice(0, 1), []);
  assert.equal(api.target.requests.length, 0);
  assert.match(entra.refused[0], /invalid client secret/);
  const [letter] = relay.deadLetters();
  assert.equal(letter.reason, 'max_age');
  assert.match(String(letter.detail), /AUTHORIZATION_FAILED: .*answered 401: invalid_client: AADSTS7000215/);
  await relay.close();
});

test('sentinel enriched: the record\'s fields with TimeGenerated, for a stream that declares them', async () => {
  const { api, config } = await sentinel({ TimeGenerated: 'datetime', Username: 'string', p_log_type: 'string', p_event_time: 'string' });
  const relay = relayTo(config({ output: 'enriched' }));
  await relay.dispatcher.submit(records, []);
  assert.deepEqual(api.refusals, []);
  const user = api.rows.find((row) => row.p_log_type === 'Zscaler.ZPA.UserActivity')!;
  assert.equal(user.Username, (JSON.parse(samples.find((s) => s.id === 'user-activity')!.line) as { Username: string }).Username);
  await relay.close();
});

async function secops(api: 'import' | 'legacy' = 'import') {
  const google = await GoogleTokenServer.start(api === 'import' ? 'https://www.googleapis.com/auth/cloud-platform' : 'https://www.googleapis.com/auth/malachite-ingestion');
  const service = await SecopsService.start(google.tokens, api);
  stops.push(() => google.target.stop(), () => service.stop());
  const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'zpa-relay-secops-')), 'key.json');
  writeFileSync(keyFile, google.key.json);
  const config = (overrides: Record<string, unknown> = {}) => ({
    ...FAST,
    type: 'google_secops',
    api,
    url: service.target.url(''),
    region: service.region,
    project: service.project,
    customer_id: service.customerId,
    credentials: { file: keyFile },
    ...overrides,
  });
  return { google, service, config };
}

test('google_secops import: a service-account JWT for an access token; each line base64 under its parser\'s label, audit on its own', async () => {
  const { google, service, config } = await secops();
  const relay = relayTo(config({ forwarder: 'b2c3d4e5-0000-4000-8000-000000000abc', namespace: 'prod' }));
  await relay.dispatcher.submit(records, []);
  assert.deepEqual(google.refused, []);
  assert.deepEqual(service.refusals, []);
  assert.deepEqual(relay.deadLetters(), []);
  assert.equal(google.tokens.count, 1);
  const labels = Object.fromEntries(service.logs.map((log) => [log.text, log.label]));
  for (const { id, line } of samples) assert.equal(labels[line], id === 'audit-log' ? 'ZSCALER_ZPA_AUDIT' : 'ZSCALER_ZPA', id);
  assert.equal(service.target.requests.length, 2, 'one request per label');
  assert.ok(service.logs.every((log) => log.namespace === 'prod' && log.forwarder === `projects/secops-project/locations/europe/instances/${service.customerId}/forwarders/b2c3d4e5-0000-4000-8000-000000000abc`));
  const user = samples.find((sample) => sample.id === 'user-activity')!;
  assert.equal(service.logs.find((log) => log.text === user.line)!.entryTime, new Date(user.record.eventTimeMs).toISOString());
  await relay.close();
});

test('google_secops import: over 4 MB goes in several requests; 429 and 503 are retried; 401 fetches a new token once', async () => {
  const { google, service, config } = await secops();
  service.faults.push({ status: 429, headers: { 'retry-after': '0' }, body: '{"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}' }, { status: 503, body: '{"error":{"code":503,"status":"UNAVAILABLE"}}' });
  const relay = relayTo(config({ batch: { max_wait: '200ms' } }));
  const big = Array.from({ length: 40 }, (_, n) => bigRecord(n, 200_000));
  await relay.dispatcher.submit(big, []);
  assert.equal(service.refusals.length, 0);
  assert.equal(service.logs.length, 40);
  assert.ok(service.target.requests.filter((request) => request.status === 200).length >= 3);
  assert.deepEqual({ ...relay.sink.stats.retries }, { 429: 1, 503: 1 });
  google.tokens.revokeAll();
  await relay.dispatcher.submit(records.slice(0, 1), []);
  assert.deepEqual(service.refusals.map((refusal) => refusal.status), [401]);
  assert.equal(relay.sink.stats.retries['401'], 1);
  assert.equal(google.tokens.count, 2);
  assert.deepEqual(relay.deadLetters(), []);
  await relay.close();
});

test('google_secops: a label SecOps does not know is answered 400 and dead-lettered, not retried; the other labels go on', async () => {
  const { service, config } = await secops();
  const relay = relayTo(config({ log_type_labels: { 'Zscaler.ZPA.AuditLog': 'ZSCALER_NOPE' } }));
  await relay.dispatcher.submit(records, []);
  assert.deepEqual(service.refusals.map((refusal) => [refusal.status, refusal.why]), [[400, 'Log type ZSCALER_NOPE not found.']]);
  assert.deepEqual(relay.deadLetters().map((letter) => [letter.reason, letter.log_type]), [['http_400', 'Zscaler.ZPA.AuditLog']]);
  assert.equal(service.logs.length, 15);
  await relay.close();
});

test('google_secops legacy: batchCreate with the malachite-ingestion scope, the line as logText, a request per label', async () => {
  const { google, service, config } = await secops('legacy');
  const relay = relayTo(config());
  await relay.dispatcher.submit(records, []);
  assert.deepEqual(google.refused, []);
  assert.deepEqual(service.refusals, []);
  assert.deepEqual(google.scopes, ['https://www.googleapis.com/auth/malachite-ingestion']);
  assert.deepEqual(new Set(service.logs.map((log) => log.text)), new Set(samples.map((sample) => sample.line)));
  assert.equal(service.logs.find((log) => log.label === 'ZSCALER_ZPA_AUDIT')!.text, samples.find((sample) => sample.id === 'audit-log')!.line);
  assert.ok(service.target.requests.every((request) => Buffer.byteLength(request.text) <= 1_000_000));
  await relay.close();
});

test('google_secops: a key that is not a service account\'s, and missing keys, are named when the config loads', () => {
  const key = serviceAccountKey('https://oauth2.googleapis.com/token').json;
  const base = { type: 'google_secops', customer_id: 'c0ffee00-1234-4abc-8def-0123456789ab', project: 'p', credentials: key };
  const issues = (config: Record<string, unknown>) => {
    const result = sinkConfigSchema.safeParse(config);
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };
  assert.deepEqual(issues(base), []);
  assert.match(issues({ ...base, credentials: '{"type":"authorized_user"}' }).join('\n'), /^credentials: expected a service-account JSON key: "type" is "authorized_user"/);
  assert.match(issues({ ...base, credentials: 'not json' }).join('\n'), /^credentials: .*not JSON/);
  assert.deepEqual(issues({ ...base, project: undefined }), ['project: required with api: import: the Google Cloud project (ID or number) of the SecOps instance']);
  assert.match(issues({ ...base, customer_id: undefined }).join('\n'), /^customer_id: expected the SecOps customer ID/);
  assert.match(issues({ ...base, credentials: undefined }).join('\n'), /^credentials: required/);
  assert.deepEqual(issues({ ...base, output: 'ocsf' }), ['log_type: required with output: ocsf: the label of a SecOps parser that reads OCSF events']);
});
