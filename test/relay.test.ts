/** The whole relay: forward in, SIEM out, acks only after every record is delivered or dead-lettered. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config } from '../src/config/config.js';
import { ForwardClient, encodeForwardMessage } from '../src/forward/client.js';
import { relayMetrics } from '../src/ops/relay-metrics.js';
import { snapshotOf } from '../src/ops/snapshot.js';
import type { RecordProcessor } from '../src/contract.js';
import { zpaProcessorFor } from '../src/relay.js';
import { LssGenerator, seededRandom } from '../src/zpa/index.js';
import { capture, exchange } from './helpers/forward.js';
import { stateAfter, until } from './helpers/http-relay.js';
import { HttpTarget } from './helpers/http-target.js';
import { startRelay } from './helpers/relay-under-test.js';

const AUDIT_LINE =
  '{"ModifiedTime":"2024-05-01T10:00:00.123Z","CreationTime":"2024-05-01T09:59:59.000Z","ModifiedBy":288263728720249833,"RequestID":"r-1","SessionID":"s-1","AuditOldValue":"","AuditNewValue":"{\\"id\\":\\"216196257331291234\\"}","AuditOperationType":"Update","ObjectType":"Application","ObjectName":"crm","ObjectID":18446744073709551615,"CustomerID":216196257331281920,"User":"admin@acme.com","ClientAuditUpdate":0}';

const bodies = (target: HttpTarget) => target.requests.flatMap((request) => request.text.split('\n').filter(Boolean));

describe('the whole relay: forward in, SIEM out, acks only after settlement', () => {
  it('an ack is sent only after the SIEM answered 2xx for every record of the message', async () => {
    const target = await HttpTarget.create();
    target.respond = () => ({ status: 200, body: '{}', delayMs: 300 });
    const { relay, port, stop } = await startRelay(target);
    try {
      const generator = new LssGenerator();
      const random = seededRandom(3);
      const records = Array.from({ length: 50 }, () => ({ log: generator.line('user-activity', 'json', random) }));
      const client = await ForwardClient.connect('127.0.0.1', port);
      const acked = client.send(encodeForwardMessage('zpa.user-activity', records));
      await until(() => target.requests.length > 0);
      assert.equal(await stateAfter(acked, 150), 'pending', 'no ack while the SIEM has not answered');
      await acked;
      const lines = bodies(target);
      assert.equal(lines.length, 50);
      assert.ok(lines.every((line) => line.includes('"p_log_type":"Zscaler.ZPA.UserActivity"')));
      assert.match(relayMetrics(snapshotOf(relay)), /zpa_relay_sink_records_delivered_total\{sink="siem",log_type="Zscaler.ZPA.UserActivity"\} 50/);
      client.close();
    } finally {
      await stop();
      await target.stop();
    }
  });

  it('integers above 2^53 reach the SIEM digit for digit, from a Format none line and from a Format json msgpack map', async () => {
    const target = await HttpTarget.create();
    const { port, stop } = await startRelay(target);
    try {
      const client = await ForwardClient.connect('127.0.0.1', port);
      await client.send(encodeForwardMessage('zpa.audit-log', [{ log: AUDIT_LINE }]));
      // The same record as Fluent Bit's `Format json` sends it: a msgpack map whose big integers are uint64.
      const asMap = JSON.parse(AUDIT_LINE.replace(/:(\d{16,})/g, ':"$1"')) as Record<string, unknown>;
      for (const key of ['ModifiedBy', 'ObjectID', 'CustomerID']) asMap[key] = BigInt(asMap[key] as string);
      await client.send(encodeForwardMessage('zpa.audit-log', [asMap]));
      client.close();
      const lines = bodies(target);
      assert.equal(lines.length, 2);
      for (const line of lines) {
        assert.match(line, /"ModifiedBy":"?288263728720249833"?/);
        assert.match(line, /"ObjectID":"?18446744073709551615"?/);
        assert.match(line, /"CustomerID":"?216196257331281920"?/);
      }
    } finally {
      await stop();
      await target.stop();
    }
  });

  it('a real Fluent Bit capture: its incomplete records go on with their deviations, the unclassifiable one is dead-lettered, then the message is acked exactly as Fluent Bit expects', async () => {
    const target = await HttpTarget.create();
    const { relay, port, deadLetters, stop } = await startRelay(target);
    try {
      const sent = capture('b-require-ack.c1.sent.bin');
      const result = await exchange(port, [capture('b-require-ack.c1.recv.bin')], { expectBytes: sent.length });
      assert.ok(result.replies.equals(sent), 'the ack Fluent Bit accepted');
      // The capture's lines are ZPA-like but incomplete: two look like User Activity without its required
      // InternalReason (delivered, saying so), the third carries too few ZPA fields to be classified at all.
      const delivered = bodies(target).map((line) => JSON.parse(line) as { p_log_type: string; p_deviations: unknown });
      assert.deepEqual(delivered.map((r) => [r.p_log_type, r.p_deviations]), Array(2).fill(['Zscaler.ZPA.UserActivity', [{ field: 'InternalReason', expected: 'required', got: 'missing', kind: 'missing_required' }]]));
      const letters = deadLetters();
      assert.deepEqual(letters.map((letter) => [letter.tag, letter.reason]), [['zpa.none', 'unclassified']]);
      assert.match(letters[0].detail, /^no log type matches the keys LogTimestamp, Customer, Username/);
      assert.match(letters[0].raw, /^\{"LogTimestamp"/);
      const metrics = relayMetrics(snapshotOf(relay));
      assert.match(metrics, /zpa_relay_record_deviations_total\{log_type="Zscaler.ZPA.UserActivity",kind="missing_required"\} 2/);
      assert.match(metrics, /zpa_relay_records_rejected_total\{log_type="unknown",reason="unclassified"\} 1/);
      assert.match(metrics, /zpa_relay_dead_letters_total\{log_type="unknown",reason="unclassified"\} 1/);
      assert.match(relayMetrics(snapshotOf(relay)), /zpa_relay_forward_acks_total 1/);
    } finally {
      await stop();
      await target.stop();
    }
  });

  it('the same capture with strict validation: its incomplete records are dead-lettered with their reasons, then the message is acked', async () => {
    const target = await HttpTarget.create();
    const { relay, port, deadLetters, stop } = await startRelay(target, { zpa: { validation: 'strict' } });
    try {
      const sent = capture('b-require-ack.c1.sent.bin');
      const result = await exchange(port, [capture('b-require-ack.c1.recv.bin')], { expectBytes: sent.length });
      assert.ok(result.replies.equals(sent), 'the ack Fluent Bit accepted');
      const letters = deadLetters();
      assert.deepEqual(letters.map((letter) => [letter.tag, letter.reason]), [['zpa.none', 'invalid'], ['zpa.none', 'invalid'], ['zpa.none', 'unclassified']]);
      assert.equal(letters[0].detail, 'field InternalReason: required, missing');
      assert.match(letters[2].detail, /^no log type matches the keys LogTimestamp, Customer, Username/);
      for (const letter of letters) assert.match(letter.raw, /^\{"LogTimestamp"/);
      const metrics = relayMetrics(snapshotOf(relay));
      assert.match(metrics, /zpa_relay_records_rejected_total\{log_type="Zscaler.ZPA.UserActivity",reason="invalid"\} 2/);
      assert.match(metrics, /zpa_relay_dead_letters_total\{log_type="Zscaler.ZPA.UserActivity",reason="invalid"\} 2/);
      assert.equal(bodies(target).length, 0);
    } finally {
      await stop();
      await target.stop();
    }
  });

  it('a record the processor throws on is dead-lettered as internal_error; the rest is delivered and the message acked', async () => {
    const target = await HttpTarget.create();
    const buggy = (config: Config): RecordProcessor => {
      const zpa = zpaProcessorFor(config);
      return {
        process: (record, ctx) => zpa.process(record, ctx),
        processBytes(bytes, start, end, ctx) {
          if (bytes.toString('utf8', start, end).includes('"boom"')) throw new Error('simulated processor bug');
          return zpa.processBytes(bytes, start, end, ctx);
        },
      };
    };
    const { relay, port, deadLetters, stop } = await startRelay(target, {}, buggy);
    try {
      const generator = new LssGenerator();
      const random = seededRandom(5);
      const records = Array.from({ length: 5 }, () => ({ log: generator.line('user-activity', 'json', random) }));
      records[2] = { log: records[2].log.replace(/"Customer":\s*"[^"]*"/, '"Customer": "boom"') };
      const client = await ForwardClient.connect('127.0.0.1', port);
      await client.send(encodeForwardMessage('zpa.user-activity', records));
      client.close();
      assert.equal(bodies(target).length, 4);
      const letters = deadLetters();
      assert.deepEqual(letters.map((letter) => [letter.reason, letter.detail, letter.raw]), [['internal_error', 'processor error: simulated processor bug', records[2].log]]);
      assert.match(relayMetrics(snapshotOf(relay)), /zpa_relay_records_rejected_total\{log_type="unknown",reason="internal_error"\} 1/);
    } finally {
      await stop();
      await target.stop();
    }
  });

  it('SIEM down past the ack timeout: no ack, the connection is closed so the sender retries; after recovery the resend is delivered', async () => {
    const target = await HttpTarget.create(false);
    const { port, stop } = await startRelay(target, { listen: { ack_timeout: '300ms' } });
    try {
      const generator = new LssGenerator();
      const random = seededRandom(5);
      const message = encodeForwardMessage('zpa.user-status', Array.from({ length: 10 }, () => ({ log: generator.line('user-status', 'json', random) })));
      const first = await ForwardClient.connect('127.0.0.1', port);
      await assert.rejects(first.send(message), /closed before the ack/);
      await target.start();
      const second = await ForwardClient.connect('127.0.0.1', port);
      await second.send(message);
      second.close();
      assert.ok(bodies(target).length >= 10);
    } finally {
      await stop();
      await target.stop();
    }
  });
});
