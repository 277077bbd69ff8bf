/** Real Fluent Bit 5.1.1 captures replayed: same records and replies, however the bytes are split into reads. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { decodeEntries, decodeRequest } from '../src/forward/decode.js';
import { FrameReader } from '../src/forward/frame-reader.js';
import { decodeRaw, RawString, skipValue } from '../src/forward/msgpack.js';
import { capture, exchange, oracleEntries, receivedEntries, seeded, splitAt, startReceiver } from './helpers/forward.js';
import { CAPTURES_DIR } from './helpers/paths.js';

/** Keys from the fixtures README: shared key `secret123`, g2 user alice / s3cr3t. */
const SHARED_KEY = 'secret123';

const names = readdirSync(CAPTURES_DIR)
  .filter((file) => file.endsWith('.recv.bin'))
  .map((file) => file.slice(0, -'.recv.bin'.length))
  .filter((name) => capture(`${name}.recv.bin`).length > 0);

/** Variants whose capture server answered exactly what Fluent Bit accepted (b5/b6/g3/g4 answered wrongly on purpose). */
const ACCEPTED = /^(b-|c2-|d2-|g-|g1-|g2-|h4-|i2-|y2-|z-)/;

const hasHandshake = (name: string) => /^(g|h4)/.test(name);

/** The HELO the capture server sent, split into the nonce and auth salt our server must reuse to replay the capture. */
function captureHelo(name: string): { random: (size: number) => Buffer; heloBytes: number } {
  const sent = capture(`${name}.sent.bin`);
  const [helo, heloEnd] = decodeRaw(sent, 0);
  const options = (helo as unknown[])[1] as Map<string, unknown>;
  const queue = [options.get('nonce') as Buffer];
  const auth = options.get('auth');
  if (auth instanceof Uint8Array && auth.length > 0) queue.push(Buffer.from(auth));
  return { random: () => queue.shift() ?? Buffer.alloc(16), heloBytes: heloEnd };
}

function listenFor(name: string): Record<string, unknown> {
  if (!hasHandshake(name)) return {};
  const users = name.startsWith('g2-') ? [{ username: 'alice', password: 's3cr3t' }] : [];
  return { shared_key: SHARED_KEY, users };
}

/** Our replies without our HELO, and the capture's without its HELO (the HELO's `auth` field differs by server). */
function afterHelo(bytes: Buffer, withHandshake: boolean): Buffer {
  return withHandshake ? bytes.subarray(skipValue(bytes, 0)) : bytes;
}

/** How many complete msgpack objects `bytes` starts with. */
function objectCount(bytes: Buffer): number {
  let count = 0;
  for (let at = 0; at < bytes.length; count++) {
    try {
      at = skipValue(bytes, at);
    } catch {
      break;
    }
  }
  return count;
}

describe('replaying real Fluent Bit 5.1.1 captures', () => {
  for (const name of names) {
    it(`${name}: records equal the capture, replies equal what Fluent Bit accepted`, async () => {
      const recv = capture(`${name}.recv.bin`);
      const sentPath = path.join(CAPTURES_DIR, `${name}.sent.bin`);
      const handshake = hasHandshake(name) ? captureHelo(name) : undefined;
      const receiver = await startReceiver(listenFor(name), { random: handshake?.random });
      try {
        const expected = oracleEntries(recv);
        const sent = existsSync(sentPath) ? capture(`${name}.sent.bin`) : undefined;
        const count = () => receiver.messages.reduce((sum, message) => sum + message.entries.length, 0);
        const waitForReplies = sent !== undefined && ACCEPTED.test(name);
        const result = await exchange(receiver.port, [recv], waitForReplies ? { expectBytes: sent.length, timeoutMs: 5000 } : { until: (replies) => count() >= expected.length && (!handshake || objectCount(replies) >= 2), timeoutMs: 5000 });
        assert.deepEqual(receivedEntries(receiver.messages), expected);
        if (sent && ACCEPTED.test(name)) {
          assert.deepEqual(afterHelo(result.replies, !!handshake).toString('hex'), afterHelo(sent, !!handshake).toString('hex'));
        }
        if (handshake) {
          const [helo] = decodeRaw(result.replies, 0);
          assert.equal(((helo as unknown[])[0] as RawString).text, 'HELO');
          assert.deepEqual(result.replies.subarray(0, 2), Buffer.from('92a4', 'hex'));
        }
        assert.equal(result.closed, false, 'a valid capture must not get its connection closed');
      } finally {
        await receiver.stop();
      }
    });
  }

  it('b5/b6: acks are the msgpack map {"ack": <chunk as str>}, never bin and never another value', async () => {
    for (const name of ['b5-require-ack-bin-ack.c1', 'b6-require-ack-wrong-ack.c1']) {
      const recv = capture(`${name}.recv.bin`);
      const receiver = await startReceiver();
      try {
        const chunks = receiver.messages;
        const result = await exchange(receiver.port, [recv], { expectBytes: 3 * 30 });
        const acks: string[] = [];
        for (let at = 0; at < result.replies.length; ) {
          const [ack, next] = decodeRaw(result.replies, at);
          const value = (ack as Map<string, unknown>).get('ack');
          assert.ok(value instanceof RawString, 'ack value must be a str');
          acks.push(value.text);
          assert.equal(result.replies[at + 5] >> 5, 0b101, 'fixstr header');
          at = next;
        }
        assert.deepEqual(acks, chunks.map((message) => message.chunk));
        assert.equal(acks.length, 3);
      } finally {
        await receiver.stop();
      }
    }
  });

  it('g3: a wrong shared key gets PONG false with the reason, byte for byte as the capture, and the socket closed', async () => {
    const name = 'g3-shared-key-server-rejects.c1';
    const handshake = captureHelo(name);
    const receiver = await startReceiver({ shared_key: 'not-the-key' }, { random: handshake.random });
    try {
      const sent = capture(`${name}.sent.bin`);
      const result = await exchange(receiver.port, [capture(`${name}.recv.bin`)], { timeoutMs: 3000 });
      assert.equal(result.closed, true);
      assert.deepEqual(afterHelo(result.replies, true).toString('hex'), afterHelo(sent, true).toString('hex'));
      assert.equal(receiver.messages.length, 0);
      assert.equal(receiver.server.stats.handshakeFailures, 1);
    } finally {
      await receiver.stop();
    }
  });

  it('g5: with a shared key the server speaks first (Fluent Bit waits silently for HELO)', async () => {
    const receiver = await startReceiver({ shared_key: SHARED_KEY });
    try {
      const result = await exchange(receiver.port, [], { expectBytes: 1, timeoutMs: 2000 });
      const [helo] = decodeRaw(result.replies, 0);
      const options = (helo as unknown[])[1] as Map<string, unknown>;
      assert.equal((options.get('nonce') as Buffer).length, 16);
      assert.equal(options.get('keepalive'), true);
    } finally {
      await receiver.stop();
    }
  });
});

/** Frames `parts` in-process, as a connection does. */
function frameAll(parts: Buffer[]): Buffer[] {
  const reader = new FrameReader({ maxBytes: 16 * 1024 * 1024, maxDepth: 64 });
  const frames: Buffer[] = [];
  for (const part of parts) reader.push(part, (frame) => (frames.push(frame), true));
  assert.equal(reader.buffered, 0, 'no bytes may be left over');
  return frames;
}

/** Decodes frames as a connection does, giving the entries. */
function decodeAll(frames: Buffer[]): ReturnType<typeof receivedEntries> {
  const messages = frames.flatMap((frame) => {
    const request = decodeRequest(frame);
    if (request.kind === 'heartbeat') return [];
    const entries = request.kind === 'compressed' ? decodeEntries(gunzipSync(request.payload)) : request.entries;
    return [{ tag: request.tag, entries, chunk: undefined, peer: { address: '', port: 0 }, wireBytes: frame.length, signal: new AbortController().signal, release: () => undefined }];
  });
  return receivedEntries(messages);
}

describe('framing is independent of how the bytes are split', () => {
  const plain = names.filter((candidate) => !hasHandshake(candidate));

  it('every capture split at every byte boundary (a seeded sample for the multi-megabyte ones) frames and decodes identically', () => {
    const random = seeded(20261123);
    for (const name of plain) {
      const recv = capture(`${name}.recv.bin`);
      const expected = oracleEntries(recv);
      const whole = frameAll([recv]);
      assert.deepEqual(decodeAll(whole), expected, name);
      const boundaries = recv.length <= 64 * 1024
        ? Array.from({ length: recv.length - 1 }, (_, i) => i + 1)
        : Array.from({ length: 40 }, () => 1 + Math.floor(random() * (recv.length - 1)));
      for (const boundary of boundaries) {
        const split = frameAll(splitAt(recv, [boundary]));
        assert.equal(split.length, whole.length, `${name} split at ${boundary}`);
        split.forEach((frame, i) => assert.ok(frame.equals(whole[i]), `${name} split at ${boundary}: frame ${i}`));
      }
    }
  });

  it('every {log: str} record of the captures is left as bytes (the byte path), equal to the line the oracle decodes', () => {
    let lines = 0;
    for (const name of plain) {
      const recv = capture(`${name}.recv.bin`);
      const expected = oracleEntries(recv);
      const entries = frameAll([recv]).flatMap((frame) => {
        const request = decodeRequest(frame);
        if (request.kind === 'heartbeat') return [];
        const decoded = request.kind === 'compressed' ? decodeEntries(gunzipSync(request.payload)) : request.entries;
        return decoded.map((entry) => ({ entry, messageMode: request.kind === 'entries' && request.mode === 'message' }));
      });
      assert.equal(entries.length, expected.length, name);
      entries.forEach(({ entry, messageMode }, i) => {
        const record = expected[i].record as Record<string, unknown>;
        const isLine = Object.keys(record).length === 1 && typeof record.log === 'string';
        const { line } = entry;
        // Left to msgpackr: Message mode (one record per request) and integer times (d-time-as-integer).
        if (line === undefined) {
          assert.ok(!isLine || messageMode || /time-as-integer|^d2/.test(name), `${name} entry ${i}: a line record left to msgpackr`);
          return;
        }
        assert.ok(isLine, `${name} entry ${i}`);
        assert.equal(line.bytes.toString('utf8', line.start, line.end), record.log, `${name} entry ${i}`);
        lines++;
      });
    }
    assert.ok(lines > 20_000, `${lines} lines read from bytes`);
  });

  it('one-byte reads of a 2 MB Forward message stay linear and decode every entry', () => {
    const recv = capture('z-bulk-20000.c1.recv.bin');
    const parts = Array.from({ length: recv.length }, (_, i) => recv.subarray(i, i + 1));
    assert.deepEqual(decodeAll(frameAll(parts)), oracleEntries(recv));
  });

  it('over a real socket, each capture cut into many reads arrives whole', async () => {
    const random = seeded(7);
    const receiver = await startReceiver();
    try {
      for (const name of plain) {
        const recv = capture(`${name}.recv.bin`);
        const expected = oracleEntries(recv);
        receiver.messages.length = 0;
        const cuts = Array.from({ length: 12 }, () => 1 + Math.floor(random() * (recv.length - 1)));
        const count = () => receiver.messages.reduce((sum, message) => sum + message.entries.length, 0);
        await exchange(receiver.port, splitAt(recv, cuts), { until: () => count() >= expected.length, timeoutMs: 5000 });
        assert.deepEqual(receivedEntries(receiver.messages), expected, name);
      }
    } finally {
      await receiver.stop();
    }
  });
});
