/** Each preset against a real target: headers, auth, body shape, limits and per-item results. */
import { RecordText } from '../src/shared/record-text.js';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { Delivery } from '../src/contract.js';
import { zstdAvailable } from '../src/sinks/http/compression.js';
import { sinkConfigSchema } from '../src/sinks/config.js';
import { elasticBulkPreset } from '../src/sinks/presets/elastic-bulk.js';
import { frameBytes, joinFrames, membersFrame } from '../src/sinks/framing.js';
import type { BatchItem } from '../src/sinks/preset.js';
import { epochNanosText, epochSecondsText, isoTimeText } from '../src/sinks/presets/fields.js';
import { FAST, relayTo } from './helpers/http-relay.js';
import { bodyOf, unsettled } from './helpers/http-records.js';
import { HttpTarget, type ReceivedRequest } from './helpers/http-target.js';

// Two records as the processor hands them over. `a` carries an integer above 2^53 that must arrive digit for digit;
// `b` a string with quotes, of another log type, from another sender.
const a: Delivery = { text: RecordText.of('{"ConnectionID":"c1","AuditId":9007199254740993}'), logType: 'Zscaler.ZPA.UserActivity', eventTimeMs: 1795413600005, tag: 'zpa.user', source: 'fb-0' };
const b: Delivery = { text: RecordText.of('{"ObjectName":"app \\"x\\"","Id":1}'), logType: 'Zscaler.ZPA.Audit', eventTimeMs: 1795413601250, tag: 'zpa.audit', source: 'fb-1' };

const targets: HttpTarget[] = [];
after(() => Promise.all(targets.map((t) => t.stop())));

/** The named request headers, to compare in one assertion. */
function headersOf(request: ReceivedRequest, ...names: string[]): Record<string, unknown> {
  return Object.fromEntries(names.map((name) => [name, request.headers[name]]));
}

/** Send a and b through a sink of this config; return the one request the target received. */
async function capture(config: Record<string, unknown>, path?: string): Promise<ReceivedRequest> {
  const target = await HttpTarget.create();
  targets.push(target);
  const relay = relayTo({ url: target.url(path), ...FAST, ...config });
  await relay.dispatcher.submit([a, b], []);
  await relay.close();
  assert.equal(target.requests.length, 1);
  assert.deepEqual(relay.deadLetters(), []);
  return target.requests[0];
}

test('ndjson: one record per line, bearer auth, no compression by default', async () => {
  const request = await capture({ type: 'ndjson', auth: { type: 'bearer', token: 't0k' } });
  assert.equal(request.method, 'POST');
  assert.deepEqual(headersOf(request, 'content-type', 'authorization', 'content-encoding'), { 'content-type': 'application/x-ndjson', authorization: 'Bearer t0k', 'content-encoding': undefined });
  assert.equal(request.raw.toString(), '{"ConnectionID":"c1","AuditId":9007199254740993}\n{"ObjectName":"app \\"x\\"","Id":1}\n');
});

/** An item of this record text, without a frame, said to add `bytes` to the body. */
const textItem = (json: string, bytes: number): BatchItem => ({ record: { ...a, text: RecordText.of(json) }, settlement: unsettled, frame: undefined, bytes });

test('joinFrames writes frames and separators straight into one Buffer of the exact size, multi-byte text included', () => {
  const frames = ['{"a":"é"}', '{"b":"日本"}', '{"c":"😀"}'];
  const items = frames.map((frame) => textItem(frame, Buffer.byteLength(frame) + 1));
  assert.equal(joinFrames(items, '', '\n', '', 'after').toString(), `${frames.join('\n')}\n`);
  assert.equal(joinFrames(items, '[', ',', ']', 'between').toString(), `[${frames.join(',')}]`);
  assert.equal(joinFrames([], '[', ',', ']', 'between').toString(), '[]');
  assert.throws(() => joinFrames([textItem('é', 1)], '', '', '', 'after'), /wrote/);
});

test('json_array: one JSON array, basic auth, extra headers from secrets', async () => {
  process.env.ZPA_RELAY_TEST_HEADER = 'from-env';
  const request = await capture({ type: 'json_array', auth: { type: 'basic', username: 'relay', password: 'pw' }, headers: { 'X-Custom': { env: 'ZPA_RELAY_TEST_HEADER' } } });
  assert.deepEqual(headersOf(request, 'content-type', 'authorization', 'x-custom'), { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('relay:pw').toString('base64')}`, 'x-custom': 'from-env' });
  assert.equal(request.raw.toString(), '[{"ConnectionID":"c1","AuditId":9007199254740993},{"ObjectName":"app \\"x\\"","Id":1}]');
});

test('panther: gzip NDJSON with a shared-secret header, or an HMAC of the exact bytes sent', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-secret-'));
  writeFileSync(path.join(dir, 'secret'), 'hmac-key\n');
  const shared = await capture({ type: 'panther', auth: { type: 'header', name: 'X-Panther-Secret', value: 's3cret' } });
  assert.deepEqual(headersOf(shared, 'x-panther-secret', 'content-encoding'), { 'x-panther-secret': 's3cret', 'content-encoding': 'gzip' });
  assert.equal(shared.text, `${a.text.json}\n${b.text.json}\n`);

  const signed = await capture({ type: 'panther', auth: { type: 'hmac', header: 'X-Signature', secret: { file: path.join(dir, 'secret') } } });
  assert.equal(signed.headers['x-signature'], createHmac('sha256', 'hmac-key').update(signed.raw).digest('hex'));
});

test('panther: batch.max_bytes may not reach the 1 MB request limit', () => {
  const result = sinkConfigSchema.safeParse({ type: 'panther', url: 'https://logs.example.com/http/abc', batch: { max_bytes: '1MiB' } });
  assert.equal(result.success, false);
  assert.match(JSON.stringify(result.error?.issues), /room for headers/);
  const defaults = sinkConfigSchema.parse({ type: 'panther', url: 'https://logs.example.com/http/abc' });
  assert.deepEqual(defaults.type === 'panther' && defaults.batch, { max_bytes: 950_000, max_events: 10_000, max_wait: 1000 });
});

test('splunk_hec: event envelopes with time, host, source, sourcetype, index; Splunk token', async () => {
  const request = await capture(
    { type: 'splunk_hec', output: 'enriched', token: 'hec-token', index: 'zpa', channel: '0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba' },
    '/services/collector/event',
  );
  assert.equal(request.url, '/services/collector/event');
  assert.deepEqual(headersOf(request, 'authorization', 'x-splunk-request-channel', 'content-encoding'), { authorization: 'Splunk hec-token', 'x-splunk-request-channel': '0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba', 'content-encoding': 'gzip' });
  assert.equal(
    request.text,
    '{"time":1795413600.005,"host":"fb-0","source":"zpa.user","sourcetype":"Zscaler.ZPA.UserActivity","index":"zpa","event":{"ConnectionID":"c1","AuditId":9007199254740993}}' +
      '{"time":1795413601.250,"host":"fb-1","source":"zpa.audit","sourcetype":"Zscaler.ZPA.Audit","index":"zpa","event":{"ObjectName":"app \\"x\\"","Id":1}}',
  );
});

test('elastic_bulk: create actions with a stable _id and @timestamp, to /_bulk, ApiKey auth', async () => {
  const request = await capture({ type: 'elastic_bulk', output: 'enriched', auth: { type: 'api_key', key: 'ZW5jb2RlZA==' }, index: 'logs-zpa.{log_type}-default' }, '/');
  assert.equal(request.url, '/_bulk');
  assert.deepEqual(headersOf(request, 'content-type', 'authorization'), { 'content-type': 'application/x-ndjson', authorization: 'ApiKey ZW5jb2RlZA==' });
  const id = (json: string) => createHash('sha256').update(json).digest('base64url');
  assert.equal(id(a.text.json), 'LpK00tVkDKnGBNAMkSpSJiUgsdFZDGw9utOZm6UQcew');
  assert.equal(
    request.text,
    `{"create":{"_index":"logs-zpa.zscaler.zpa.useractivity-default","_id":"${id(a.text.json)}"}}\n` +
      '{"@timestamp":"2026-11-23T06:00:00.005Z","ConnectionID":"c1","AuditId":9007199254740993}\n' +
      `{"create":{"_index":"logs-zpa.zscaler.zpa.audit-default","_id":"${id(b.text.json)}"}}\n` +
      '{"@timestamp":"2026-11-23T06:00:01.250Z","ObjectName":"app \\"x\\"","Id":1}\n',
  );
});

test('elastic_bulk partial failure: only retryable items are re-sent, rejected ones dead-lettered, 409 counted as a prevented duplicate', async () => {
  const target = await HttpTarget.create();
  targets.push(target);
  const item = (status: number, error?: object) => ({ create: { _index: 'logs-zpa-default', status, ...(error ? { error } : {}) } });
  target.respond = (_, index) =>
    index === 0
      ? {
          status: 200,
          body: JSON.stringify({
            errors: true,
            items: [item(201), item(429, { type: 'es_rejected_execution_exception', reason: 'queue full' }), item(400, { type: 'document_parsing_exception', reason: 'failed to parse field [Id]' }), item(409, { type: 'version_conflict_engine_exception', reason: 'document already exists' })],
          }),
        }
      : { status: 200, body: JSON.stringify({ errors: false, items: [item(201)] }) };
  const relay = relayTo({ type: 'elastic_bulk', output: 'enriched', url: target.url(''), ...FAST });
  const four = [0, 1, 2, 3].map((n) => ({ ...a, text: RecordText.of(`{"n":${n}}`) }));
  await relay.dispatcher.submit(four, []);

  assert.equal(target.requests.length, 2);
  assert.deepEqual(target.requests[1].text.split('\n').filter((line) => !line.startsWith('{"create"')).filter(Boolean), ['{"@timestamp":"2026-11-23T06:00:00.005Z","n":1}']);
  const letters = relay.deadLetters();
  assert.equal(letters.length, 1);
  assert.equal(letters[0].reason, 'item_400');
  assert.equal(letters[0].detail, 'document_parsing_exception: failed to parse field [Id]');
  assert.equal(letters[0].raw, '{"n":2}');
  assert.equal(relay.sink.stats.recordsDelivered, 3);
  assert.equal(relay.sink.stats.duplicatesPrevented, 1);
  assert.equal(relay.sink.stats.retries.item_429, 1);
  await relay.close();
});

test('datadog: a JSON array of entries with ddsource, service, hostname, ddtags and timestamp in front; DD-API-KEY', async () => {
  const request = await capture({ type: 'datadog', output: 'enriched', api_key: 'dd-key', ddtags: 'env:prod' }, '/api/v2/logs');
  assert.deepEqual(headersOf(request, 'dd-api-key', 'content-type', 'content-encoding'), { 'dd-api-key': 'dd-key', 'content-type': 'application/json', 'content-encoding': 'gzip' });
  assert.equal(
    request.text,
    '[{"ddsource":"zscaler_zpa","service":"zpa","hostname":"fb-0","ddtags":"log_type:Zscaler.ZPA.UserActivity,env:prod","timestamp":1795413600005,"ConnectionID":"c1","AuditId":9007199254740993},' +
      '{"ddsource":"zscaler_zpa","service":"zpa","hostname":"fb-1","ddtags":"log_type:Zscaler.ZPA.Audit,env:prod","timestamp":1795413601250,"ObjectName":"app \\"x\\"","Id":1}]',
  );
});

test("datadog: at most 1000 entries per request, and a record over 1 MB is dead-lettered, not truncated by Datadog", async () => {
  assert.equal(sinkConfigSchema.safeParse({ type: 'datadog', url: 'https://intake.example.com', api_key: 'k', batch: { max_events: 1001 } }).success, false);
  const target = await HttpTarget.create();
  targets.push(target);
  const relay = relayTo({ type: 'datadog', url: target.url(), api_key: 'k', ...FAST });
  await relay.dispatcher.submit([{ ...a, text: RecordText.of(`{"big":"${'x'.repeat(1_000_001)}"}`) }, a], []);
  assert.equal(relay.deadLetters()[0].reason, 'too_large');
  assert.equal(target.requests.length, 1);
  assert.equal(JSON.parse(target.requests[0].text).length, 1);
  await relay.close();
});

test('loki: one stream per log type with static labels, nanosecond string timestamps, the record text as the line', async () => {
  const request = await capture({ type: 'loki', tenant_id: 'zpa', labels: { job: 'zpa-relay', env: 'prod' } }, '/loki/api/v1/push');
  assert.deepEqual(headersOf(request, 'x-scope-orgid', 'content-type'), { 'x-scope-orgid': 'zpa', 'content-type': 'application/json' });
  assert.equal(
    request.text,
    '{"streams":[' +
      '{"stream":{"job":"zpa-relay","env":"prod","log_type":"Zscaler.ZPA.UserActivity"},"values":[["1795413600005000000","{\\"ConnectionID\\":\\"c1\\",\\"AuditId\\":9007199254740993}"]]},' +
      '{"stream":{"job":"zpa-relay","env":"prod","log_type":"Zscaler.ZPA.Audit"},"values":[["1795413601250000000","{\\"ObjectName\\":\\"app \\\\\\"x\\\\\\"\\",\\"Id\\":1}"]]}' +
      ']}',
  );
  // The line is the record text exactly: Loki hands back what was sent.
  const body = JSON.parse(request.text) as { streams: { values: [string, string][] }[] };
  assert.equal(body.streams[0].values[0][1], a.text.json);
});

test('sumo: NDJSON with X-Sumo metadata headers, gzip', async () => {
  const request = await capture({ type: 'sumo', category: 'security/zpa', source_name: 'zpa-relay', source_host: 'relay-1', fields: { tenant: 'acme', region: 'eu' } }, '/receiver/v1/http/TOKEN');
  assert.deepEqual(headersOf(request, 'x-sumo-category', 'x-sumo-name', 'x-sumo-host', 'x-sumo-fields', 'content-encoding'), { 'x-sumo-category': 'security/zpa', 'x-sumo-name': 'zpa-relay', 'x-sumo-host': 'relay-1', 'x-sumo-fields': 'tenant=acme,region=eu', 'content-encoding': 'gzip' });
  assert.equal(request.text, `${a.text.json}\n${b.text.json}\n`);
});

test('config: secrets resolve from env and files; zstd is refused with a clear message where Node lacks it', () => {
  process.env.ZPA_RELAY_TEST_URL = 'https://hec.example.com/services/collector/event';
  const hec = sinkConfigSchema.parse({ type: 'splunk_hec', url: { env: 'ZPA_RELAY_TEST_URL' }, token: 'x' });
  assert.equal(hec.type === 'splunk_hec' && hec.url, 'https://hec.example.com/services/collector/event');
  assert.equal(sinkConfigSchema.safeParse({ type: 'ndjson', url: 'ftp://example.com' }).success, false);
  assert.equal(sinkConfigSchema.safeParse({ type: 'ndjson', url: 'https://x', bogus: 1 }).success, false, 'unknown keys are errors');
  const zstd = sinkConfigSchema.safeParse({ type: 'ndjson', url: 'https://x', compression: 'zstd' });
  assert.equal(zstd.success, zstdAvailable);
  if (!zstdAvailable) assert.match(JSON.stringify(zstd.error?.issues), /zstd needs Node >= 22\.15/);
});

test('splunk_hec indexer_ack: a batch counts as delivered only once Splunk reports its ackId indexed', async () => {
  const target = await HttpTarget.create();
  targets.push(target);
  const polls = new Map<number, number>();
  target.respond = (request) => {
    if (request.url === '/services/collector/event') return { status: 200, body: `{"text":"Success","code":0,"ackId":${target.requests.filter((r) => r.url === request.url).length - 1}}` };
    const [ackId] = (JSON.parse(request.text) as { acks: number[] }).acks;
    polls.set(ackId, (polls.get(ackId) ?? 0) + 1);
    // ackId 0 is never indexed in time; ackId 1 is indexed on its second poll.
    return { status: 200, body: JSON.stringify({ acks: { [ackId]: ackId === 1 && polls.get(ackId)! >= 2 } }) };
  };
  const relay = relayTo({ type: 'splunk_hec', url: target.url('/services/collector/event'), token: 't', ...FAST, indexer_ack: { poll_interval: 10, timeout: 250 } });
  await relay.dispatcher.submit([a, b], []);

  const posts = target.requests.filter((request) => request.url === '/services/collector/event');
  const ackPolls = target.requests.filter((request) => request.url === '/services/collector/ack');
  assert.equal(posts.length, 2, 'sent again after ackId 0 was not indexed within the timeout');
  assert.equal(posts[0].text, posts[1].text);
  const channel = posts[0].headers['x-splunk-request-channel'];
  assert.match(String(channel), /^[0-9a-f-]{36}$/);
  assert.ok(ackPolls.every((poll) => poll.headers['x-splunk-request-channel'] === channel && poll.headers.authorization === 'Splunk t'));
  assert.equal(polls.get(1), 2);
  assert.equal(relay.sink.stats.retries.unacknowledged, 1);
  assert.equal(relay.sink.stats.duplicateRisk, 2);
  assert.equal(relay.sink.stats.recordsDelivered, 2);
  await relay.close();
});

test('time and member helpers: exact text from integer arithmetic, "now" for an unknown time, empty objects handled', () => {
  // Members put in front of a record's own, as the body writes them.
  const prependMembers = (members: string, json: string) => {
    const text = RecordText.of(json);
    const frame = membersFrame('', members, text, '');
    return joinFrames([{ record: { ...a, text }, settlement: unsettled, frame, bytes: frameBytes(frame, text) }], '', '', '', 'after').toString();
  };
  assert.equal(epochSecondsText(1795413600005), '1795413600.005');
  assert.equal(epochSecondsText(1795413600000), '1795413600.000');
  assert.equal(epochNanosText(1795413600005.25), '1795413600005250000');
  assert.equal(isoTimeText(1795413600005), '2026-11-23T06:00:00.005Z');
  for (const unknown of [Number.NaN, Number.POSITIVE_INFINITY, 1e300]) {
    const before = Date.now();
    const seconds = Number(epochSecondsText(unknown));
    assert.ok(seconds * 1000 >= before - 1 && seconds * 1000 <= Date.now() + 1, `${unknown} → now`);
    assert.doesNotThrow(() => isoTimeText(unknown));
  }
  assert.equal(prependMembers('"a":1', '{}'), '{"a":1}');
  assert.equal(prependMembers('"a":1', '{ }'), '{"a":1}');
  assert.equal(prependMembers('"a":1', '{"b":90071992547409931}'), '{"a":1,"b":90071992547409931}');
});

test('splunk_hec: a 400 naming one invalid event dead-letters that event only and re-sends the rest', async () => {
  const target = await HttpTarget.create();
  targets.push(target);
  target.respond = (_, index) => (index === 0 ? { status: 400, body: '{"text":"Invalid data format","code":6,"invalid-event-number":1}' } : { status: 200, body: '{"text":"Success","code":0}' });
  const relay = relayTo({ type: 'splunk_hec', url: target.url('/services/collector/event'), token: 't', ...FAST });
  const c: Delivery = { ...a, text: RecordText.of('{"ConnectionID":"c3"}') };
  await relay.dispatcher.submit([a, b, c], []);

  assert.equal(target.requests.length, 2);
  assert.match(target.requests[1].text, /^\{"time":[^}]*"event":\{"ConnectionID":"c1","AuditId":9007199254740993\}\}\{"time":[^}]*"event":\{"ConnectionID":"c3"\}\}$/);
  const [letter, ...others] = relay.deadLetters();
  assert.equal(others.length, 0);
  assert.deepEqual([letter.reason, letter.raw, letter.detail], ['item_400', b.text.json, 'HEC: Invalid data format (code 6)']);
  assert.equal(relay.sink.stats.duplicateRisk, 2, 'Splunk may have indexed the events before the invalid one');
  await relay.close();
});

test('zstd where the runtime has it (Node >= 22.15): the target decodes the exact NDJSON', { skip: !zstdAvailable && 'this Node has no zstd in node:zlib' }, async () => {
  const request = await capture({ type: 'ndjson', compression: 'zstd' });
  assert.equal(request.headers['content-encoding'], 'zstd');
  assert.equal(request.text, `${a.text.json}\n${b.text.json}\n`);
});

test('elastic_bulk: the _id hashes the record as received, so a resend with a new row id and parse time is the same document', () => {
  const config = sinkConfigSchema.parse({ type: 'elastic_bulk', output: 'enriched', url: 'http://127.0.0.1:9200' });
  const preset = elasticBulkPreset(config as Parameters<typeof elasticBulkPreset>[0]);
  const frameOf = (delivery: Delivery) => bodyOf(preset, [delivery]);
  const received = '{"ConnectionID":"c1","AuditId":9007199254740993';
  // Read on the byte path and on the text path: the same record as received, the same document.
  const first: Delivery = { ...a, text: RecordText.from(Buffer.from(received), ',"p_row_id":"aa01","p_parse_time":"2026-11-23T06:00:00Z"}') };
  const resent: Delivery = { ...a, text: RecordText.from(received, ',"p_row_id":"bb07","p_parse_time":"2026-11-23T06:05:00Z"}') };
  const ids = [first, resent].map((delivery) => /"_id":"([^"]+)"/.exec(frameOf(delivery))?.[1]);
  assert.equal(ids[0], createHash('sha256').update(received).digest('base64url'));
  assert.equal(ids[1], ids[0]);
});
