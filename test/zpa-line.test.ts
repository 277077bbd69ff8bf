/**
 * The line each record keeps, as received: what the SIEMs whose own ZPA parsers read LSS lines are sent. On the byte
 * path it is a range of the request itself; CSV, TSV, prefixed and repaired lines keep their original text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFailure, type Delivery, type Outcome } from '../src/contract.js';
import { LssGenerator, loadSchemas, seededRandom, ZpaProcessor } from '../src/zpa/index.js';

const schemas = loadSchemas();
const generator = new LssGenerator(schemas);
const ctx = (id: string) => ({ tag: `zpa.${id}`, address: '127.0.0.1', source: 'fb-0' });

function delivered(outcome: Outcome): Delivery {
  assert.ok(!isFailure(outcome), isFailure(outcome) ? `${outcome.reason}: ${outcome.detail}` : '');
  return outcome;
}

/** The line as writeLine writes it, checked against lineByteLength and for writing nothing past it. */
function writtenLine(record: Delivery): string {
  const body = Buffer.alloc(record.text.lineByteLength + 2, 0x2a);
  const n = record.text.writeLine(body, 1);
  assert.equal(n, record.text.lineByteLength);
  assert.equal(body[0], 0x2a);
  assert.equal(body[n + 1], 0x2a);
  return body.toString('utf8', 1, n + 1);
}

/** `line` at an offset of a larger request with its line end, through processBytes. */
function viaBytes(processor: ZpaProcessor, id: string, line: string): { record: Delivery; request: Buffer; start: number } {
  const request = Buffer.from(`xx${line}\r\n{"next":1}`);
  const end = 2 + Buffer.byteLength(line) + 2;
  return { record: delivered(processor.processBytes(request, 2, end, ctx(id))), request, start: 2 };
}

test('a JSON line read as bytes keeps its line as a range of the request: not copied, not counted twice', () => {
  const processor = new ZpaProcessor(schemas);
  const random = seededRandom(3);
  for (const id of ['user-activity', 'audit-log', 'app-connector-metrics']) {
    const line = generator.line(id, 'json', random);
    const { record, request, start } = viaBytes(processor, id, line);
    assert.equal(record.text.hasLine, true);
    assert.equal(record.text.lineText, line, `${id}: the line, without its line end`);
    assert.equal(writtenLine(record), line);
    // A view, not a copy: the request's bytes are the line's, and the record's own memory does not count them.
    request[start + 1] = 0x20;
    assert.equal(record.text.lineText[1], ' ');
  }
  const statusLine = generator.line('user-status', 'json', random);
  const status = viaBytes(processor, 'user-status', statusLine).record;
  assert.ok(status.text.size < statusLine.length, `the record holds its appended fields and edits, not its line (${status.text.size} of ${statusLine.length})`);
});

test('metrics with many quoted numbers (a record re-encoded as a copy of its own) still keep the line as a view', () => {
  const line = generator.line('app-connector-metrics', 'json', seededRandom(1)).replace(/"(CPUUtilization|SystemMemoryUtilization|ProcessMemoryUtilization|AppCount|ServiceCount|TargetCount|AliveTargetCount)": ?(\d+)/g, '"$1": "$2"');
  const { record } = viaBytes(new ZpaProcessor(schemas), 'app-connector-metrics', line);
  assert.equal(record.text.lineText, line);
  assert.notEqual(record.text.json.slice(0, 40), line.slice(0, 40).replace(/ /g, ''), 'the record itself is the coerced text');
});

test('CSV and TSV lines, a syslog-prefixed JSON line and a repaired one keep their original text', () => {
  const random = seededRandom(9);
  for (const [id, format] of [['user-activity', 'csv'], ['browser-access', 'tsv'], ['audit-log', 'csv']] as const) {
    const line = generator.line(id, format, random);
    const record = delivered(new ZpaProcessor(schemas).processLine(line, ctx(id)));
    assert.equal(record.text.lineText, line, `${id} ${format}`);
    assert.ok(record.text.json.startsWith('{'), 'the record is JSON');
    const bytes = viaBytes(new ZpaProcessor(schemas), id, line);
    assert.equal(writtenLine(bytes.record), line, `${id} ${format} from bytes`);
  }
  const json = generator.line('user-status', 'json', random);
  const prefixed = `<134>Nov 23 06:00:00 lss-host zpa: ${json}`;
  assert.equal(delivered(new ZpaProcessor(schemas).processLine(prefixed, ctx('user-status'))).text.lineText, prefixed);
  const broken = json.slice(0, -1);
  const repaired = delivered(new ZpaProcessor(schemas).processLine(`${broken}\n`, ctx('user-status')));
  assert.ok(repaired.deviations?.includes('malformed'), 'repaired');
  assert.equal(repaired.text.lineText, broken, 'the line as received, not as repaired');
});

test('non-ASCII lines: valid UTF-8 stays the request\'s bytes; invalid UTF-8 is the decoded line, counted in the record\'s size', () => {
  const json = generator.line('user-activity', 'json', seededRandom(4)).replace(/"Username": ?"[^"]*"/, '"Username": "Jürgen Groß 日本"');
  const valid = viaBytes(new ZpaProcessor(schemas), 'user-activity', json);
  assert.equal(valid.record.text.lineText, json);
  assert.equal(Buffer.byteLength(writtenLine(valid.record)), Buffer.byteLength(json));

  const bad = Buffer.from(`${json.replace('Jürgen', 'J\u00fcrgen')}`);
  const at = bad.indexOf(Buffer.from('ü'));
  bad[at] = 0xff; // a lone byte that is not UTF-8
  const before = new ZpaProcessor(schemas).processBytes(bad, 0, bad.length, ctx('user-activity'));
  const record = delivered(before);
  assert.ok(record.text.lineText.includes('\ufffd'), 'the bad byte read as U+FFFD');
  assert.ok(record.text.size >= record.text.lineText.length, 'the decoded line is the record\'s own memory');
});

test('a record Fluent Bit parsed (Format json) has its JSON text as its line; a {log} string drops its line end', () => {
  const processor = new ZpaProcessor(schemas);
  const line = generator.line('app-connector-status', 'json', seededRandom(2));
  const parsed = delivered(processor.process(JSON.parse(line) as Record<string, unknown>, ctx('app-connector-status')));
  assert.deepEqual(JSON.parse(parsed.text.lineText), JSON.parse(line));
  assert.equal(parsed.text.lineText.includes('p_log_type'), false, 'without the relay\'s fields');
  const logged = delivered(processor.process({ log: `${line}\r\n` }, ctx('app-connector-status')));
  assert.equal(logged.text.lineText, line);
});
