/**
 * The processor's byte path (processBytes): a line read as Latin-1 from its UTF-8 bytes, checked for control
 * characters and non-ASCII bytes four bytes at a time, and kept as a view of the bytes with its coerced values as
 * edits. Whatever the line holds and wherever it sits in the request, the outcome must be the one the decoded text
 * gets, and the bytes a sink writes must be that outcome's text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LssGenerator, loadSchemas, seededRandom, ZpaProcessor } from '../src/zpa/index.js';
import { isFailure, type Delivery, type Outcome } from '../src/contract.js';

const schemas = loadSchemas();
const generator = new LssGenerator(schemas);
const ctx = { tag: 'zpa.lss', address: '127.0.0.1:1', source: '127.0.0.1:1' };

/** The outcome without its row id and parse time, which differ between two runs. */
function comparable(outcome: Outcome): unknown {
  if (isFailure(outcome)) return outcome;
  return { logType: outcome.logType, eventTimeMs: outcome.eventTimeMs, json: outcome.text.json.replace(/"p_row_id":"[0-9a-f]+","p_event_time":"[^"]*","p_parse_time":"[^"]*"/, '') };
}

/** `line` as UTF-8 at `offset` of a larger buffer (a str inside a forward request), and what processBytes makes of it. */
function viaBytes(processor: ZpaProcessor, line: string, offset: number): Outcome {
  const bytes = Buffer.concat([Buffer.alloc(offset, 0x01), Buffer.from(line), Buffer.from([0xff, 0x00, 0x1f])]);
  return processor.processBytes(bytes, offset, bytes.length - 3, ctx);
}

/** What a sink writes for the outcome. */
function written(outcome: Delivery): Buffer {
  const body = Buffer.alloc(outcome.text.byteLength + 8, 0x2a);
  const n = outcome.text.writeTo(body, 4);
  assert.equal(n, outcome.text.byteLength, 'writeTo writes byteLength bytes');
  assert.equal(body.readUInt32BE(0), 0x2a2a2a2a);
  assert.equal(body.readUInt32BE(4 + n), 0x2a2a2a2a, 'nothing written past the record');
  return body.subarray(4, 4 + n);
}

function assertSame(line: string, offset: number, label: string): Outcome {
  const bytes = viaBytes(new ZpaProcessor(schemas), line, offset);
  const text = new ZpaProcessor(schemas).processLine(line, ctx);
  assert.deepEqual(comparable(bytes), comparable(text), label);
  if (!isFailure(bytes)) assert.equal(written(bytes).toString('utf8'), bytes.text.json, `${label}: the bytes written are the text`);
  return bytes;
}

test('a control character or a non-ASCII character anywhere, at any alignment, is found exactly as in the decoded text', () => {
  const strict = new ZpaProcessor(schemas, { validation: 'strict' });
  const line = generator.line('user-activity', 'json', seededRandom(5));
  // One character into each value of a string field, two or more characters long (LSS writes `"Key": "value"`).
  const fields = schemas.byId.get('user-activity')!.byKey;
  const strings = [...line.matchAll(/"(\w+)": ?"([^"\\]{2,})"/g)].filter((m) => fields.get(m[1])?.type === 'string').map((m) => m.index + m[0].length - m[2].length);
  // Inside string values near the start, the middle and the end: the unaligned head, the words and the tail bytes,
  // and into the last value (a string field, PRASharedMode), whose end is in the last, unaligned bytes.
  assert.ok(line.endsWith('"PRASharedMode": ""}'));
  const positions = [strings[0], strings[1], strings[Math.floor(strings.length / 2)], strings[strings.length - 1], line.length - 2];
  let repaired = 0;
  let rejected = 0;
  for (const at of positions) {
    for (const insert of ['\u0001', '\t', '\u001f', '\u00e9', '\u4e2d', '\u{1f600}', ' ']) {
      for (let offset = 0; offset < 8; offset++) {
        const variant = line.slice(0, at) + insert + line.slice(at);
        const outcome = assertSame(variant, offset, `${JSON.stringify(insert)} at ${at}, offset ${offset}`);
        assert.ok(!isFailure(outcome));
        if (outcome.deviations !== undefined) {
          repaired++;
          assert.deepEqual(outcome.deviations, ['malformed'], 'a raw control character is written escaped, as a deviation');
          assert.ok(JSON.parse(outcome.text.json) !== undefined);
        }
        const refused = strict.processLine(variant, ctx);
        if (isFailure(refused)) {
          rejected++;
          assert.match(refused.detail, /control character/);
        }
      }
    }
  }
  assert.equal(repaired, positions.length * 3 * 8, 'every raw control character repaired, nothing else');
  assert.equal(rejected, positions.length * 3 * 8, 'strict validation: every raw control character rejected, nothing else');
});

test('non-ASCII records stay views of their bytes, coerced values as edits, and read as the decoded text does', () => {
  const random = seededRandom(11);
  let nonAscii = 0;
  for (const logType of generator.logTypes()) {
    for (let i = 0; i < 40; i++) {
      const line = generator.line(logType, 'json', random, { edge: i % 4 === 3 });
      // Latin-1, CJK and astral characters in the last string value, wherever the generator put none.
      const varied = i % 2 === 0 ? line : line.replace(/"([^"\\]*)"}$/, '"$1\u00fc\u4e2d\u{1f600}"}');
      if (!isFailure(assertSame(varied, i % 5, `${logType} ${i}`)) && Buffer.byteLength(varied) !== varied.length) nonAscii++;
    }
  }
  assert.ok(nonAscii > 200, `${nonAscii} non-ASCII lines accepted`);

  // One coerced value ("" in an optional timestamp becomes null) in a non-ASCII line: a view, its only own memory
  // the appended fields and the edit.
  const line = generator.line('user-activity', 'json', seededRandom(1)).replace(/"TimestampConnectionEnd": ?"[^"]*"/, '"TimestampConnectionEnd": ""').replace(/"Username": ?"/, '"Username": "J\u00fcrgen ');
  const outcome = viaBytes(new ZpaProcessor(schemas), line, 3);
  assert.ok(!isFailure(outcome));
  assert.equal((JSON.parse(outcome.text.json) as Record<string, unknown>).TimestampConnectionEnd, null);
  assert.match(outcome.text.json, /"Username": "J\u00fcrgen /);
  assert.ok(outcome.text.size < outcome.text.tail.length + 16, `size ${outcome.text.size}: the head is the request's memory`);
  assert.equal(Buffer.from(outcome.text.head).toString('utf8') + outcome.text.tail, outcome.text.json);
});

test('a non-ASCII line whose coercion decodes an escape into a character of its own, and invalid UTF-8, read as decoded text', () => {
  const line = generator.line('audit-log', 'json', seededRandom(2));
  const doc = JSON.stringify(JSON.stringify({ name: 'caf\u00e9 \u00fc', note: 'x' })).replace('\u00e9', '\\u00e9');
  const withEscape = line.replace(/"AuditOldValue": ?"(?:[^"\\]|\\.)*"/, `"AuditOldValue": ${doc}`);
  assert.notEqual(withEscape, line);
  const outcome = assertSame(withEscape, 1, 'escaped é next to a raw ü');
  assert.ok(!isFailure(outcome));
  assert.deepEqual((JSON.parse(outcome.text.json) as { AuditOldValue: unknown }).AuditOldValue, { name: 'caf\u00e9 \u00fc', note: 'x' });

  const ua = generator.line('user-activity', 'json', seededRandom(3));
  const at = ua.indexOf('"Username": "') + 13;
  const invalid = Buffer.concat([Buffer.from(ua.slice(0, at)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(ua.slice(at))]);
  const bytes = new ZpaProcessor(schemas).processBytes(invalid, 0, invalid.length, ctx);
  const text = new ZpaProcessor(schemas).processLine(invalid.toString('utf8'), ctx);
  assert.deepEqual(comparable(bytes), comparable(text));
  assert.ok(!isFailure(bytes) && bytes.text.json.includes('\ufffd('), 'bad bytes become U+FFFD');
});
