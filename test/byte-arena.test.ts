/** Records read from bytes keep their tails (and many-edit heads) in shared slabs: each reads back as its own text. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFailure, type Delivery, type RecordContext } from '../src/contract.js';
import { ByteArena } from '../src/shared/byte-arena.js';
import { LssGenerator, loadSchemas, seededRandom, ZpaProcessor } from '../src/zpa/index.js';

test('a slab is filled in order, and a text bigger than what is left (or than a slab) gets a fresh slab of its own', () => {
  const arena = new ByteArena(1024);
  const first = arena.slab;
  arena.reserve(1000);
  arena.pos += 1000;
  arena.reserve(24);
  assert.equal(arena.slab, first, 'exactly what is left still fits');
  arena.pos += 24;
  arena.reserve(1);
  assert.notEqual(arena.slab, first);
  assert.equal(arena.pos, 0);
  arena.reserve(5000);
  assert.ok(arena.slab.length >= 5000);
});

test('a text written piece by piece stays one range: a piece that does not fit takes what was written of it to a new slab', () => {
  const arena = new ByteArena(64);
  arena.put('x'.repeat(20));
  const first = arena.slab;
  const start = arena.begin();
  arena.ascii('{"a":"');
  arena.utf8('é'.repeat(20));
  arena.bytes(Buffer.from('","b":'));
  arena.hex(255);
  arena.copy(Buffer.from('--}--'), 2, 3);
  assert.notEqual(arena.slab, first, 'the pieces outgrew the first slab');
  assert.notEqual(arena.begun, start, 'and moved with the text');
  assert.equal(arena.slab.toString('utf8', arena.begun, arena.pos), `{"a":"${'é'.repeat(20)}","b":ff}`);
  assert.equal(first.toString('latin1', 0, 20), 'x'.repeat(20), 'what the first slab held stays');
});

test('thousands of records held at once, across many slabs, each read back as its own line plus its own standard fields', () => {
  const processor = new ZpaProcessor(loadSchemas());
  const generator = new LssGenerator();
  const random = seededRandom(7);
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(generator.line(i % 3 === 0 ? 'audit-log' : i % 3 === 1 ? 'user-activity' : 'app-connector-metrics', 'json', random));
  // One request holding every line, as a forward message's bytes.
  const request = Buffer.from(lines.join('\n'));
  const held: Delivery[] = [];
  let at = 0;
  for (const line of lines) {
    const length = Buffer.byteLength(line);
    const tag = line.includes('"AuditOperationType"') ? 'zpa.audit-log' : line.includes('"ConnectionID"') ? 'zpa.user-activity' : 'zpa.app-connector-metrics';
    const ctx: RecordContext = { tag, address: '10.0.0.1', source: 'fb' };
    const outcome = processor.processBytes(request, at, at + length, ctx);
    assert.ok(!isFailure(outcome), isFailure(outcome) ? outcome.detail : '');
    held.push(outcome);
    at += length + 1;
  }
  const rowIds = new Set<string>();
  held.forEach((delivery, i) => {
    const record = JSON.parse(delivery.text.json) as Record<string, unknown>;
    const original = JSON.parse(lines[i]) as Record<string, unknown>;
    for (const key of ['RequestID', 'ConnectionID', 'Connector']) if (key in original) assert.equal(record[key], original[key], `record ${i}: ${key}`);
    assert.equal(record.p_fluent_tag, i % 3 === 0 ? 'zpa.audit-log' : i % 3 === 1 ? 'zpa.user-activity' : 'zpa.app-connector-metrics');
    rowIds.add(record.p_row_id as string);
    const body = Buffer.alloc(delivery.text.byteLength);
    assert.equal(delivery.text.writeTo(body, 0), body.length);
    assert.equal(body.toString('utf8'), delivery.text.json);
    assert.equal(delivery.text.lineText, lines[i], 'the line as received');
  });
  assert.equal(rowIds.size, held.length, 'every record its own tail');
});
