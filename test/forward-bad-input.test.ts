/** Bad input on the forward receiver closes only the offending connection, with a reason; seeded mutations of real captures too. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeEntries, decodeRequest } from '../src/forward/decode.js';
import { listenConfigSchema } from '../src/forward/config.js';
import { FrameReader } from '../src/forward/frame-reader.js';
import { ProtocolError } from '../src/forward/msgpack.js';
import { ForwardServer } from '../src/forward/server.js';
import { ByteMutator } from './harness/fuzz/mutate.js';
import { capture, exchange, seeded, startReceiver, type Receiver } from './helpers/forward.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
/** A valid Message-mode request: ["zpa", EventTime(1, 0), {"Seq": 1}]. */
const GOOD = hex('93 a3 7a7061 d7 00 00000001 00000000 81 a3 536571 01');

/** Sends `bytes` on one connection while a well-behaved connection sends GOOD, and returns both outcomes. */
async function sendBeside(receiver: Receiver, bytes: Buffer, badTimeoutMs = 1500): Promise<{ closed: boolean; goodDelivered: boolean }> {
  const before = receiver.messages.length;
  const [bad] = await Promise.all([
    exchange(receiver.port, [bytes], { timeoutMs: badTimeoutMs }),
    exchange(receiver.port, [GOOD], { until: () => receiver.messages.some((message, i) => i >= before && message.tag === 'zpa'), timeoutMs: 1500 }),
  ]);
  const goodDelivered = receiver.messages.slice(before).some((message) => message.tag === 'zpa');
  return { closed: bad.closed, goodDelivered };
}

const CASES: [string, Buffer][] = [
  ['a non-array root (map)', hex('81 a1 61 01')],
  ['a non-array root (integer)', hex('2a')],
  ['a non-array root (string)', hex('a3 616263')],
  ['an array that is too short', hex('91 a3 7a7061')],
  ['an array that is too long', hex('95 a3 7a7061 01 80 80 80')],
  ['a tag that is not a str', hex('93 01 d7 00 0000000100000000 80')],
  ['a time of the wrong type', hex('93 a3 7a7061 c3 80')],
  ['a record that is not a map', hex('93 a3 7a7061 d7 00 0000000100000000 91 01')],
  ['an EventTime of the wrong size', hex('93 a3 7a7061 d6 00 00000001 80')],
  ['an entry that is not [time, record]', hex('92 a3 7a7061 91 93 01 80 80')],
  ['an entry header that is not [time, metadata]', hex('92 a3 7a7061 91 92 93 01 80 80 80')],
  ['options that are not a map', hex('93 a3 7a7061 90 01')],
  ['a chunk option that is not a str', hex('93 a3 7a7061 90 81 a5 6368756e6b 01')],
  ['an unknown compression', hex('93 a3 7a7061 c4 01 00 81 aa 636f6d70726573736564 a3 6c7a34')],
  ['a packed payload that is not msgpack', hex('92 a3 7a7061 c4 02 c1 c1')],
  ['a gzip payload that is not gzip', hex('93 a3 7a7061 c4 03 010203 81 aa 636f6d70726573736564 a4 677a6970')],
  ['the reserved byte 0xc1', hex('c1')],
  ['junk text', Buffer.from('GET / HTTP/1.1\r\nHost: relay\r\n\r\n')],
  ['a declared 4 GiB str', hex('92 a3 7a7061 db ffffffff')],
  ['a declared 4-billion-entry array', hex('92 a3 7a7061 dd ffffffff')],
  ['nesting 100 levels deep', Buffer.concat([hex('92 a3 7a7061'), Buffer.alloc(100, 0x91), hex('01')])],
  ['an unknown msgpack extension in a record', hex('93 a3 7a7061 d7 00 0000000100000000 81 a1 78 d4 05 01')],
];

describe('bad input closes only the offending connection, with a reason', () => {
  for (const [what, bytes] of CASES) {
    it(what, async () => {
      const receiver = await startReceiver({ max_message_size: '512KiB' });
      try {
        const result = await sendBeside(receiver, bytes);
        assert.equal(result.closed, true, 'the offending connection is closed');
        assert.equal(result.goodDelivered, true, 'the other connection keeps working');
        assert.equal(receiver.messages.filter((message) => message.tag !== 'zpa').length, 0);
        assert.ok(receiver.server.stats.protocolErrors >= 1);
      } finally {
        await receiver.stop();
      }
    });
  }

  it('a gzip bomb is stopped at max_decompressed_size', async () => {
    const receiver = await startReceiver({ max_decompressed_size: '1MiB' });
    try {
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
      const header = Buffer.alloc(5);
      header[0] = 0xc6;
      header.writeUInt32BE(bomb.length, 1);
      const request = Buffer.concat([hex('93 a3 7a7061'), header, bomb, hex('81 aa 636f6d70726573736564 a4 677a6970')]);
      const result = await sendBeside(receiver, request);
      assert.equal(result.closed, true);
      assert.equal(result.goodDelivered, true);
    } finally {
      await receiver.stop();
    }
  });

  it('a million-entry message over the size limit is refused from its header, before the entries arrive', async () => {
    const receiver = await startReceiver({ max_message_size: '512KiB' });
    try {
      const result = await exchange(receiver.port, [hex('92 a3 7a7061 dd 000f4240')], { timeoutMs: 1500 });
      assert.equal(result.closed, true);
    } finally {
      await receiver.stop();
    }
  });

  it('a million-entry message within the limits is delivered whole', async () => {
    const receiver = await startReceiver();
    try {
      const entry = hex('92 01 80'); // [1, {}]
      const request = Buffer.concat([hex('92 a3 7a7061 dd 000f4240'), Buffer.concat(Array.from({ length: 1_000_000 }, () => entry))]);
      await exchange(receiver.port, [request], { until: () => receiver.messages.length > 0, timeoutMs: 10_000 });
      assert.equal(receiver.messages[0].entries.length, 1_000_000);
    } finally {
      await receiver.stop();
    }
  });

  it('a truncated request followed by a close delivers nothing and leaves the server healthy', async () => {
    const receiver = await startReceiver();
    try {
      const recv = capture('b-require-ack.c1.recv.bin');
      const result = await exchange(receiver.port, [recv.subarray(0, recv.length - 7)], { timeoutMs: 200 });
      assert.equal(result.replies.length, 0, 'no ack for an incomplete request');
      assert.equal(receiver.messages.length, 0);
      assert.equal((await sendBeside(receiver, hex('c1'))).goodDelivered, true);
    } finally {
      await receiver.stop();
    }
  });

  it('a handler that throws closes only that connection, unacked; the server keeps serving', async () => {
    let calls = 0;
    const server = new ForwardServer({
      listen: listenConfigSchema.parse({ host: '127.0.0.1', port: 0 }),
      handler: () => {
        if (calls++ === 0) throw new Error('pipeline bug');
        return Promise.resolve();
      },
    });
    const port = await server.start();
    try {
      const failed = await exchange(port, [capture('b-require-ack.c1.recv.bin')], { timeoutMs: 2000 });
      assert.equal(failed.closed, true);
      assert.equal(failed.replies.length, 0, 'no ack for a message that was not handled');
      const sent = capture('b-require-ack.c1.sent.bin');
      const retried = await exchange(port, [capture('b-require-ack.c1.recv.bin')], { expectBytes: sent.length });
      assert.ok(retried.replies.equals(sent), 'the resend is handled and acked');
    } finally {
      await server.stop(1000);
    }
  });

  it('a client that connects and never sends is closed after idle_timeout', async () => {
    const receiver = await startReceiver({ idle_timeout: '200ms' });
    try {
      const result = await exchange(receiver.port, [], { timeoutMs: 3000 });
      assert.equal(result.closed, true);
    } finally {
      await receiver.stop();
    }
  });

  it('a message not settled within ack_timeout gets its connection closed, without an ack, so the sender retries', async () => {
    const receiver = await startReceiver({ ack_timeout: '200ms' }, { settle: () => new Promise(() => undefined) });
    try {
      const result = await exchange(receiver.port, [capture('b-require-ack.c1.recv.bin')], { timeoutMs: 3000 });
      assert.equal(result.closed, true);
      assert.equal(result.replies.length, 0);
      assert.equal(receiver.server.stats.ackTimeouts, 1);
    } finally {
      await receiver.stop();
    }
  });

  it('max_connections refuses the connection over the limit and keeps the others', async () => {
    const receiver = await startReceiver({ max_connections: 1 });
    try {
      const first = exchange(receiver.port, [], { timeoutMs: 600 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = await exchange(receiver.port, [], { timeoutMs: 600 });
      assert.equal(second.closed, true);
      assert.equal((await first).closed, false);
      assert.equal(receiver.server.stats.connectionsRejected, 1);
    } finally {
      await receiver.stop();
    }
  });
});

describe('seeded mutations of real captures', () => {
  const sources = ['a-default.c1', 'b-require-ack.c1', 'c2-compress-gzip-ack.c1', 'd2-time-as-integer-opts.c1', 'f-retain-metadata-off.c1', 'i2-message-mode-ack.c1', 'x-json-edge-cases.c1'].map((name) => capture(`${name}.recv.bin`));

  // The fuzzer's mutator (test/harness/fuzz/mutate.ts): flips, inserts, deletes, duplicated and moved ranges, splices,
  // boundary lengths and swapped type bytes in the msgpack headers.
  const mutator = new ByteMutator(sources);
  const mutate = (random: () => number) => mutator.mutate(random).bytes;

  it('20,000 mutated inputs: every failure is a ProtocolError, never a crash or a hang', () => {
    const random = seeded(424242);
    let rejected = 0;
    for (let i = 0; i < 20_000; i++) {
      const input = mutate(random);
      const reader = new FrameReader({ maxBytes: 1024 * 1024, maxDepth: 64 });
      try {
        reader.push(input, (frame) => {
          const request = decodeRequest(frame);
          if (request.kind === 'compressed') decodeEntries(request.payload);
          return true;
        });
      } catch (error) {
        assert.ok(error instanceof ProtocolError, `input ${i}: ${(error as Error).stack}`);
        rejected++;
      }
    }
    assert.ok(rejected > 1000, `mutations must hit the error paths (${rejected} rejected)`);
  });

  it('mutated inputs over real sockets never disturb a good connection', async () => {
    const random = seeded(99);
    const receiver = await startReceiver({ max_message_size: '1MiB' });
    try {
      for (let i = 0; i < 24; i++) {
        // A mutation may leave a request incomplete, which legitimately waits for more bytes: don't wait long.
        const result = await sendBeside(receiver, mutate(random), 150);
        assert.equal(result.goodDelivered, true, `mutation ${i}`);
      }
    } finally {
      await receiver.stop();
    }
  });
});
