/** Every preset's frame, byte for byte: records written into the body around their own bytes, never stringified. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Delivery } from '../src/contract.js';
import { Dispatcher } from '../src/pipeline/dispatcher.js';
import { RecordText } from '../src/shared/record-text.js';
import { createSink, presetFor, sinkConfigSchema } from '../src/sinks/config.js';
import { DeadLetterWriter } from '../src/sinks/dead-letter.js';
import { base64Frame, frameBytes, joinFrames, membersFrame, stringFrame, wholeFrame } from '../src/sinks/framing.js';
import { base64Length, writeBase64 } from '../src/sinks/base64.js';
import { escapedLength, writeEscaped } from '../src/sinks/json-string.js';
import type { BatchItem, Frame, Preset } from '../src/sinks/preset.js';
import { bodyOf, unsettled } from './helpers/http-records.js';
import { HttpTarget } from './helpers/http-target.js';
import { serviceAccountKey } from './helpers/siem-tokens.js';

// A forward request as the processor reads it on its byte path: the first record is a view of these bytes up to its
// closing brace, with its quoted Count coerced to a number (an edit over the view) and the relay's field appended.
const line = String.raw`{"User":"Jürgen Groß","AuditId":9007199254740993,"Count":"7","Msg":"日本 😀 \"q\" a\\b"}`;
const request = Buffer.from(`${line}\n{"n":2}\n`);
const count = request.indexOf('"7"');
const viewed = RecordText.view(request, 0, Buffer.byteLength(line) - 1, ',"p_row_id":"r1"}', [count, count + 3, '7']);

/** The head of the viewed record (what Elasticsearch's `_id` hashes) and its whole text. */
const R1_HEAD = String.raw`{"User":"Jürgen Groß","AuditId":9007199254740993,"Count":7,"Msg":"日本 😀 \"q\" a\\b"`;
const R1 = `${R1_HEAD},"p_row_id":"r1"}`;
const R4 = '{"@timestamp":"2026-01-01T00:00:00Z",\n\t"n":1}';

const USER = 'Zscaler.ZPA.UserActivity';
const AUDIT = 'Zscaler.ZPA.Audit';
const delivery = (text: RecordText, logType: string, eventTimeMs: number, source: string): Delivery => ({ text, logType, eventTimeMs, tag: logType === USER ? 'zpa.user' : 'zpa.audit', source });
const records: Delivery[] = [
  delivery(viewed, USER, 1795413600005, 'fb-0'),
  delivery(RecordText.of('{}'), AUDIT, 1795413601250, 'fb-1'),
  // An empty object as the processor enriches it: all its members are the appended ones.
  delivery(RecordText.from('{', '"p_row_id":"r3"}'), USER, 1795413602000, 'fb-0'),
  // Bytes of its own, with its own @timestamp, and whitespace between its members.
  delivery(RecordText.from(Buffer.from(R4.slice(0, -1)), '}'), AUDIT, 1795413603999, 'fb-1'),
  delivery(RecordText.of('{ }'), USER, 1795413604000, 'fb-0'),
];

function preset(config: Record<string, unknown>): Preset {
  const parsed = sinkConfigSchema.parse({ url: 'http://127.0.0.1:9/ingest', ...config });
  assert.ok(parsed.type !== 'file');
  return presetFor(parsed);
}

test('the record texts the frames are checked against', () => {
  assert.deepEqual(
    records.map((record) => record.text.json),
    [R1, '{}', '{"p_row_id":"r3"}', R4, '{ }'],
  );
});

test('ndjson, panther, sumo and json_array: the records as they are, one copy each', () => {
  const lines = `${R1}\n{}\n{"p_row_id":"r3"}\n${R4}\n{ }\n`;
  for (const type of ['ndjson', 'panther', 'sumo']) assert.equal(bodyOf(preset({ type }), records), lines, type);
  assert.equal(bodyOf(preset({ type: 'json_array' }), records), `[${R1},{},{"p_row_id":"r3"},${R4},{ }]`);
});

test('splunk_hec: each record whole as the event of its envelope', () => {
  const envelope = (time: string, host: string, source: string, sourcetype: string) => `{"time":${time},"host":"${host}","source":"${source}","sourcetype":"${sourcetype}","event":`;
  assert.equal(
    bodyOf(preset({ type: 'splunk_hec', token: 't', output: 'enriched' }), records),
    `${envelope('1795413600.005', 'fb-0', 'zpa.user', USER)}${R1}}` +
      `${envelope('1795413601.250', 'fb-1', 'zpa.audit', AUDIT)}{}}` +
      `${envelope('1795413602.000', 'fb-0', 'zpa.user', USER)}{"p_row_id":"r3"}}` +
      `${envelope('1795413603.999', 'fb-1', 'zpa.audit', AUDIT)}${R4}}` +
      `${envelope('1795413604.000', 'fb-0', 'zpa.user', USER)}{ }}`,
  );
});

test("datadog: Datadog's fields in front of the record's own; an empty record gets only them", () => {
  const fields = (host: string, logType: string, ms: number) => `{"ddsource":"zscaler_zpa","service":"zpa","hostname":"${host}","ddtags":"log_type:${logType}","timestamp":${ms}`;
  assert.equal(
    bodyOf(preset({ type: 'datadog', api_key: 'k', output: 'enriched' }), records),
    `[${fields('fb-0', USER, 1795413600005)},${R1.slice(1)},` +
      `${fields('fb-1', AUDIT, 1795413601250)}},` +
      `${fields('fb-0', USER, 1795413602000)},"p_row_id":"r3"},` +
      `${fields('fb-1', AUDIT, 1795413603999)},${R4.slice(1)},` +
      `${fields('fb-0', USER, 1795413604000)}}]`,
  );
});

test('elastic_bulk: @timestamp in front unless the record has one, and _id the hash of the head as received', () => {
  const id = (head: string) => createHash('sha256').update(head).digest('base64url');
  const action = (head: string) => `{"create":{"_index":"logs-zpa-default","_id":"${id(head)}"}}\n`;
  assert.equal(
    bodyOf(preset({ type: 'elastic_bulk', output: 'enriched' }), records),
    `${action(R1_HEAD)}{"@timestamp":"2026-11-23T06:00:00.005Z",${R1.slice(1)}\n` +
      `${action('{}')}{"@timestamp":"2026-11-23T06:00:01.250Z"}\n` +
      `${action('{')}{"@timestamp":"2026-11-23T06:00:02.000Z","p_row_id":"r3"}\n` +
      `${action(R4.slice(0, -1))}${R4}\n` +
      `${action('{ }')}{"@timestamp":"2026-11-23T06:00:04.000Z"}\n`,
  );
  const noId = '{"create":{"_index":"logs-zpa-default"}}\n';
  assert.equal(
    bodyOf(preset({ type: 'elastic_bulk', id: 'none', output: 'enriched' }), records.slice(0, 1)),
    `${noId}{"@timestamp":"2026-11-23T06:00:00.005Z",${R1.slice(1)}\n`,
  );
});

test('native frames: the line as received, escaped as a JSON string (elastic, sentinel) or in base64 (google_secops), from its bytes', () => {
  const text = RecordText.view(request, 0, Buffer.byteLength(line) - 1, ',"p_row_id":"r1"}', [count, count + 3, '7'], 0, Buffer.byteLength(line));
  const record: Delivery = { ...records[0], text };
  const escaped = JSON.stringify(line);
  const id = createHash('sha256').update(line).digest('base64url');
  assert.equal(
    bodyOf(preset({ type: 'elastic_bulk' }), [record]),
    `{"create":{"_index":"logs-zscaler_zpa.user_activity-default","_id":"${id}"}}\n` +
      `{"@timestamp":"2026-11-23T06:00:00.005Z","data_stream":{"type":"logs","dataset":"zscaler_zpa.user_activity","namespace":"default"},"message":${escaped}}\n`,
  );
  const sentinel = { type: 'sentinel', dcr_immutable_id: `dcr-${'0'.repeat(32)}`, tenant_id: 't', client_id: 'c', client_secret: 's' };
  assert.equal(bodyOf(preset(sentinel), [record]), `[{"TimeGenerated":"2026-11-23T06:00:00.005Z","Message":${escaped}}]`);
  assert.equal(bodyOf(preset({ ...sentinel, output: 'enriched' }), [record]), `[{"TimeGenerated":"2026-11-23T06:00:00.005Z",${R1.slice(1)}]`);
  const secops = { type: 'google_secops', project: 'p', customer_id: 'c0ffee00-1234-4abc-8def-0123456789ab', credentials: serviceAccountKey('https://oauth2.googleapis.com/token').json };
  assert.equal(
    bodyOf(preset(secops), [record]),
    `{"inlineSource":{"logs":[{"data":"${Buffer.from(line).toString('base64')}","logEntryTime":"2026-11-23T06:00:00.005Z"}]}}`,
  );
  assert.equal(
    bodyOf(preset({ ...secops, api: 'legacy', namespace: 'ns' }), [record]),
    `{"customerId":"c0ffee00-1234-4abc-8def-0123456789ab","logType":"ZSCALER_ZPA","namespace":"ns","entries":[{"logText":${escaped},"tsEpochMicroseconds":1795413600005000}]}`,
  );
});

test('loki: each record escaped as its line, straight from its bytes; the line reads back as the record text', () => {
  const r1Line = String.raw`{\"User\":\"Jürgen Groß\",\"AuditId\":9007199254740993,\"Count\":7,\"Msg\":\"日本 😀 \\\"q\\\" a\\\\b\",\"p_row_id\":\"r1\"}`;
  const r4Line = String.raw`{\"@timestamp\":\"2026-01-01T00:00:00Z\",\n\t\"n\":1}`;
  const body = bodyOf(preset({ type: 'loki' }), records);
  assert.equal(
    body,
    '{"streams":[' +
      `{"stream":{"job":"zpa-relay","log_type":"${USER}"},"values":[["1795413600005000000","${r1Line}"],["1795413602000000000","{\\"p_row_id\\":\\"r3\\"}"],["1795413604000000000","{ }"]]},` +
      `{"stream":{"job":"zpa-relay","log_type":"${AUDIT}"},"values":[["1795413601250000000","{}"],["1795413603999000000","${r4Line}"]]}` +
      ']}',
  );
  const streams = (JSON.parse(body) as { streams: { values: [string, string][] }[] }).streams;
  assert.deepEqual(
    streams.flatMap((stream) => stream.values.map(([, text]) => text)),
    [R1, '{"p_row_id":"r3"}', '{ }', '{}', R4],
  );
});

/** One item of this frame, with `delta` bytes more (or fewer) than it writes. */
function missized(text: RecordText, frame: Frame, delta: number): BatchItem {
  return { record: { ...records[0], text }, settlement: unsettled, frame, bytes: frameBytes(frame, text) + delta };
}

test('joinFrames throws when an item counts more or fewer bytes than its frame writes, for every form', () => {
  const frames = (text: RecordText): Frame[] => [wholeFrame('<', text, '>'), membersFrame('', '"a":1', text, ''), stringFrame('"', text, '"')];
  for (const text of [viewed, RecordText.of('{}'), RecordText.of('{"é":"\\n"}')]) {
    for (const frame of frames(text)) {
      assert.doesNotThrow(() => joinFrames([missized(text, frame, 0)], '[', '', ']', 'after'));
      for (const delta of [-1, 1]) {
        assert.throws(() => joinFrames([missized(text, frame, delta)], '[', '', ']', 'after'), /wrote \d+ bytes of \d+/, `${frame.form} ${text.json} ${delta}`);
      }
    }
  }
});

test('the JSON-string escaper writes what JSON.stringify writes, for any text, in place, touching nothing around it', () => {
  const every = Array.from({ length: 0x80 }, (_, code) => String.fromCharCode(code)).join('') + 'é日本😀\u2028\u007f';
  const check = (text: string) => {
    const expected = Buffer.from(JSON.stringify(text).slice(1, -1));
    for (const record of [RecordText.of(text), RecordText.view(Buffer.from(`xx${text}yy`), 2, 2 + Buffer.byteLength(text), '')]) {
      assert.equal(escapedLength(record), expected.length);
      const body = Buffer.alloc(expected.length + 4, '#');
      assert.equal(writeEscaped(body, 2, record, expected.length), expected.length);
      assert.deepEqual(body, Buffer.concat([Buffer.from('##'), expected, Buffer.from('##')]));
    }
  };
  check(every);
  check('');
  fc.assert(fc.property(fc.string({ unit: 'binary' }), check), { numRuns: 300 });
});

test('base64 of a record\'s text or line, written in place, is Buffer\'s base64, touching nothing around it', () => {
  const check = (bytes: Uint8Array) => {
    const buf = Buffer.from(bytes);
    const expected = Buffer.from(buf.toString('base64'));
    const request = Buffer.concat([Buffer.from('ab'), buf, Buffer.from('cd')]);
    for (const [record, part] of [
      [RecordText.view(request, 0, 0, '', undefined, 2, 2 + buf.length), 'line'],
      [RecordText.from(buf, ''), 'text'],
    ] as const) {
      assert.equal(base64Length(record.bytesOf(part)), expected.length);
      const body = Buffer.alloc(expected.length + 4, '#');
      assert.equal(writeBase64(body, 2, record, part), expected.length);
      assert.deepEqual(body, Buffer.concat([Buffer.from('##'), expected, Buffer.from('##')]));
    }
  };
  for (let n = 0; n < 8; n++) check(new Uint8Array(n).fill(0xfb));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 300 });
});

test('a line frame writes the line, not the record: escaped, in base64 or as it is', () => {
  const lineOf = (record: Delivery) => record.text.lineText;
  const text = RecordText.view(request, 0, Buffer.byteLength(line) - 1, '}', undefined, 0, Buffer.byteLength(line));
  const record: Delivery = { ...records[0], text };
  const item = (frame: Frame): BatchItem => ({ record, settlement: unsettled, frame, bytes: frameBytes(frame, text) });
  assert.equal(lineOf(record), line);
  assert.equal(joinFrames([item(stringFrame('"', text, '"', 'line'))], '', '', '', 'after').toString(), JSON.stringify(line));
  assert.equal(joinFrames([item(base64Frame('<', text, '>', 'line'))], '', '', '', 'after').toString(), `<${Buffer.from(line).toString('base64')}>`);
  assert.equal(joinFrames([item(wholeFrame('', text, '', 'line'))], '', '', '', 'after').toString(), line);
  // A record without a line of its own gives its whole text.
  const own = RecordText.of('{"a":1}');
  assert.equal(own.hasLine, false);
  assert.equal(own.lineText, '{"a":1}');
});

test('includes() finds a quoted key in the head, an edit or the tail, and never past the record in its request', () => {
  const req = Buffer.from('{"a":"1","b":2}{"EventType":"x"}');
  const at = req.indexOf('"1"');
  const edited = RecordText.view(req, 0, 14, ',"p":"x"}', [at, at + 3, '"EventType"']);
  assert.equal(edited.includes('"EventType"'), true, 'in an edit');
  const plain = RecordText.view(req, 0, 14, ',"p":"x"}');
  assert.equal(plain.includes('"EventType"'), false, "the next record's key is not this record's");
  assert.equal(plain.includes('"b"'), true);
  assert.equal(plain.includes('"p"'), true, 'in the tail');
  assert.equal(RecordText.of('{"EventType":"y"}').includes('"EventType"'), true);
});

test('hash() feeds the head (edits applied) or the line to a hash without copying the record', () => {
  const sha = (feed: (hash: ReturnType<typeof createHash>) => void) => {
    const hash = createHash('sha256');
    feed(hash);
    return hash.digest('hex');
  };
  const text = RecordText.view(request, 0, Buffer.byteLength(line) - 1, ',"p_row_id":"r1"}', [count, count + 3, '7'], 0, Buffer.byteLength(line));
  assert.equal(sha((h) => text.hash(h, 'head')), sha((h) => h.update(R1_HEAD)));
  assert.equal(sha((h) => text.hash(h, 'line')), sha((h) => h.update(line)));
  assert.equal(sha((h) => RecordText.of('{"a":1}').hash(h, 'line')), sha((h) => h.update('{"a":1}')), 'no line: the whole text');
});

test('any JSON object, as text or as a view with appended members: frames equal the text built around its JSON', () => {
  const value = fc.oneof(fc.string({ unit: 'binary' }).map((text) => JSON.stringify(text)), fc.integer().map(String), fc.constant('9007199254740993'));
  const member = fc.tuple(fc.string({ unit: 'binary' }), value).map(([key, text]) => `${JSON.stringify(key)}:${text}`);
  fc.assert(
    fc.property(fc.array(member, { maxLength: 6 }), fc.constantFrom('text', 'view', 'view with appended'), fc.boolean(), (members, form, withTimestamp) => {
      if (withTimestamp) members.push('"@timestamp":"2026-01-01T00:00:00Z"');
      const received = `{${members.join(',')}`;
      const appended = form === 'view with appended' ? `${members.length > 0 ? ',' : ''}"p_row_id":"x"}` : '}';
      const json = received + appended;
      const bytes = Buffer.from(`[${received}]`);
      const text = form === 'text' ? RecordText.of(json) : RecordText.view(bytes, 1, bytes.length - 1, appended);
      assert.equal(text.json, json);
      const record: Delivery = { text, logType: USER, eventTimeMs: 1795413600005, tag: 'zpa.user', source: 'fb-0' };
      const inFront = (fields: string) => (/^\{\s*\}$/.test(json) ? `{${fields}}` : `{${fields},${json.slice(1)}`);
      assert.equal(bodyOf(preset({ type: 'splunk_hec', token: 't', output: 'enriched' }), [record]), `{"time":1795413600.005,"host":"fb-0","source":"zpa.user","sourcetype":"${USER}","event":${json}}`);
      assert.equal(bodyOf(preset({ type: 'datadog', api_key: 'k', output: 'enriched' }), [record]), `[${inFront(`"ddsource":"zscaler_zpa","service":"zpa","hostname":"fb-0","ddtags":"log_type:${USER}","timestamp":1795413600005`)}]`);
      assert.equal(
        bodyOf(preset({ type: 'elastic_bulk', id: 'none', output: 'enriched' }), [record]),
        `{"create":{"_index":"logs-zpa-default"}}\n${json.includes('"@timestamp"') ? json : inFront('"@timestamp":"2026-11-23T06:00:00.005Z"')}\n`,
      );
      assert.equal(bodyOf(preset({ type: 'loki' }), [record]), `{"streams":[{"stream":{"job":"zpa-relay","log_type":"${USER}"},"values":[["1795413600005000000",${JSON.stringify(json)}]]}]}`);
    }),
    { numRuns: 200 },
  );
});

test("a sink's write returns the frame's own bytes, which the in-flight budget counts with the record", async (t) => {
  const target = await HttpTarget.create();
  t.after(() => target.stop());
  target.respond = () => ({ status: 200, body: '{}', delayMs: 50 });
  const deadLetter = new DeadLetterWriter({ path: '/dev/null', fsync: false });
  const record = records[0];
  // Splunk holds the envelope and its closing brace; NDJSON holds nothing besides the record.
  const envelope = `{"time":1795413600.005,"host":"fb-0","source":"zpa.user","sourcetype":"${USER}","event":}`;
  for (const [config, held] of [
    [{ type: 'splunk_hec', token: 't', output: 'enriched' }, Buffer.byteLength(envelope)],
    [{ type: 'ndjson' }, 0],
    [{ type: 'loki' }, Buffer.byteLength('["1795413600005000000",""]')],
  ] as const) {
    const sink = createSink(sinkConfigSchema.parse({ url: target.url(), ...config }), { deadLetter });
    const dispatcher = new Dispatcher({ sinks: [sink], deadLetter, maxInFlightRecords: 100, maxInFlightBytes: 1 << 20 });
    const settled = dispatcher.submit([record], []);
    assert.equal(dispatcher.stats.inFlightBytes, record.text.size + held, config.type);
    await settled;
    assert.equal(dispatcher.stats.inFlightBytes, 0);
    await dispatcher.close(100);
  }
});
