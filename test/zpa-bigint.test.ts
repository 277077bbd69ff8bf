/**
 * Integers above 2^53 end to end: msgpack bytes as Fluent Bit sends them (uint64 for big values) → the receiver's
 * record decoder → ZpaProcessor → output JSON, through both `Format none` (the raw line) and `Format json` (the parsed
 * record, where msgpackr hands over BigInt).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '@msgpack/msgpack';
import { decodeEntries } from '../src/forward/decode.js';
import { LssGenerator, loadSchemas, seededRandom, ZpaProcessor } from '../src/zpa/index.js';
import { isFailure } from '../src/contract.js';

const BIG = ['288263728720249833', '9223372036854775807', '145254438888544148'];

/** A PackedForward payload of `[seconds, record]` entries, big integers as msgpack uint64. */
function packed(records: Record<string, unknown>[]): Buffer {
  return Buffer.concat(records.map((r) => encode([1_700_000_000, r], { useBigInt64: true })));
}

const auditLine = `{"ModifiedTime":"","CreationTime":"2025-04-30T16:23:40.000Z","ModifiedBy":${BIG[0]},"RequestID":"r1","SessionID":"s1","AuditOldValue":"","AuditNewValue":"{\\"id\\":${BIG[1]}}","AuditOperationType":"Sign In","ObjectType":"Authentication","ObjectName":"x","ObjectID":${BIG[1]},"CustomerID":${BIG[2]},"User":"admin@example.com","ClientAuditUpdate":1}`;
const protectionLine = () => {
  const line = new LssGenerator().line('app-protection', 'json', seededRandom(3));
  return line.replace(/"Application": \d+/, `"Application": ${BIG[2]}`).replace(/"CertificateId": \d+/, `"CertificateId": ${BIG[1]}`);
};

test('Format none: big integers in the raw line stay exact', () => {
  const processor = new ZpaProcessor(loadSchemas());
  const [audit, protection] = decodeEntries(packed([{ log: auditLine }, { log: protectionLine() }]));
  const a = processor.process(audit.record, { tag: 'zpa.audit-log', address: '127.0.0.1:1', source: '127.0.0.1:1' });
  assert.ok(!isFailure(a));
  if (isFailure(a)) return;
  // Audit's ID fields are strings in Panther's schema: the digits become a JSON string, all of them.
  assert.ok(a.text.json.includes(`"ModifiedBy":"${BIG[0]}"`), a.text.json);
  assert.ok(a.text.json.includes(`"ObjectID":"${BIG[1]}"`));
  assert.ok(a.text.json.includes(`"CustomerID":"${BIG[2]}"`));
  // A JSON document inside a string is decoded without going through a double.
  assert.ok(a.text.json.includes(`"AuditNewValue":{"id":${BIG[1]}}`));
  const p = processor.process(protection.record, { tag: 'zpa.app-protection', address: '127.0.0.1:1', source: '127.0.0.1:1' });
  assert.ok(!isFailure(p) && p.text.json.includes(`"Application": ${BIG[2]}`) && p.text.json.includes(`"CertificateId": ${BIG[1]}`));
});

test('Format json: BigInt values from msgpack uint64 stay exact', () => {
  const processor = new ZpaProcessor(loadSchemas());
  // What Fluent Bit's JSON parser forwards: the parsed record, integers as msgpack ints.
  const record = {
    ModifiedTime: '', CreationTime: '2025-04-30T16:23:40.000Z', ModifiedBy: BigInt(BIG[0]), RequestID: 'r1', SessionID: 's1',
    AuditOldValue: '', AuditNewValue: '{"id":"1"}', AuditOperationType: 'Sign In', ObjectType: 'Authentication', ObjectName: 'x',
    ObjectID: BigInt(BIG[1]), CustomerID: BigInt(BIG[2]), User: 'admin@example.com', ClientAuditUpdate: 1,
  };
  const [entry] = decodeEntries(packed([record]));
  assert.equal(typeof entry.record.ModifiedBy, 'bigint', 'the decoder hands over BigInt above 2^53');
  const a = processor.process(entry.record, { tag: 'zpa.json', address: '127.0.0.1:1', source: '127.0.0.1:1' });
  assert.ok(!isFailure(a), !isFailure(a) ? '' : a.detail);
  if (isFailure(a)) return;
  assert.equal(a.logType, 'Zscaler.ZPA.AuditLog');
  assert.ok(a.text.json.startsWith(`{"ModifiedTime":null,"CreationTime":"2025-04-30T16:23:40.000Z","ModifiedBy":"${BIG[0]}",`), a.text.json);
  assert.ok(a.text.json.includes(`"ObjectID":"${BIG[1]}","CustomerID":"${BIG[2]}"`));

  const protection = JSON.parse(protectionLine().replace(/: (\d{16,})/g, ': "$1"')) as Record<string, unknown>;
  protection.Application = BigInt(BIG[2]);
  protection.CertificateId = BigInt(BIG[1]);
  const [p] = decodeEntries(packed([protection]));
  const out = processor.process(p.record, { tag: 'zpa.app-protection', address: '127.0.0.1:1', source: '127.0.0.1:1' });
  assert.ok(!isFailure(out) && out.text.json.includes(`"Application":${BIG[2]}`) && out.text.json.includes(`"CertificateId":${BIG[1]}`), !isFailure(out) ? out.text.json : out.detail);
});

test('a deviating Format json record keeps its big integers exact, delivered or, with strict validation, in its raw dead letter', () => {
  const [entry] = decodeEntries(packed([{ CreationTime: 'yesterday', ModifiedBy: BigInt(BIG[0]), AuditOperationType: 'x' }]));
  const ctx = { tag: 'zpa.audit-log', address: '127.0.0.1:1', source: '127.0.0.1:1' };
  const delivered = new ZpaProcessor(loadSchemas()).process(entry.record, ctx);
  assert.ok(!isFailure(delivered) && delivered.text.json.startsWith(`{"CreationTime":"yesterday","ModifiedBy":"${BIG[0]}",`), !isFailure(delivered) ? delivered.text.json : delivered.detail);
  const processor = new ZpaProcessor(loadSchemas(), { validation: 'strict' });
  const outcome = processor.process(entry.record, ctx);
  assert.equal(!isFailure(outcome), false);
  if (!isFailure(outcome)) return;
  assert.equal(outcome.detail, 'field CreationTime: expected timestamp (rfc3339), got "yesterday"');
  assert.equal(outcome.raw, `{"CreationTime":"yesterday","ModifiedBy":${BIG[0]},"AuditOperationType":"x"}`);
});
