/** A settled message's request memory released at its ack, compressed payloads too, and only when enabled. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { encodeForwardMessage } from '../src/forward/client.js';
import type { ForwardMessage } from '../src/forward/message.js';
import { encode } from '../src/forward/msgpack.js';
import { exchange, splitAt, startReceiver } from './helpers/forward.js';

const packr = new Packr({ useRecords: false });

/** A `Format none` message of `count` lines of about 1 KB each (several reads' worth when split). */
function message(count: number, first = 0) {
  const lines = Array.from({ length: count }, (_, i) => `{"Seq":${first + i},"Pad":"${'x'.repeat(1000)}"}`);
  return { lines, ...encodeForwardMessage('zpa.release', lines.map((log) => ({ log }))) };
}

/** The encoded ack the server sends for `chunk`. */
function ackBytes(chunk: string): Buffer {
  return encode(new Map([['ack', chunk]]));
}

/** Each entry's line as the handler saw it, read while the message was being handled. */
function linesSeen(messages: ForwardMessage[]): string[] {
  return messages.flatMap((m) => m.entries.map((e) => e.record.log as string));
}

describe('releasing a settled message', () => {
  it('with releaseSettled, a request that arrived in several reads is freed at its ack, and reading it afterwards throws', async () => {
    const seen: string[] = [];
    const receiver = await startReceiver({}, { releaseSettled: true, settle: async (m) => void seen.push(...linesSeen([m])) });
    try {
      const { bytes, chunk, lines } = message(50);
      const ack = ackBytes(chunk);
      const reply = await exchange(receiver.port, splitAt(bytes, [1000, 20_000, 40_000]), { expectBytes: ack.length });
      assert.deepEqual(reply.replies, ack);
      assert.deepEqual(seen, lines, 'the handler read every line before settling');
      const entry = receiver.messages[0].entries[0];
      assert.equal(entry.line?.bytes.length, 0, 'the request buffer was released');
      assert.throws(() => entry.record, /read after its request was released/);
    } finally {
      await receiver.stop();
    }
  });

  it('a compressed message: the decompressed payload is released too', async () => {
    const receiver = await startReceiver({}, { releaseSettled: true });
    try {
      // 200 KB inflated: several zlib output chunks, joined into one buffer of its own (one chunk would be a view).
      const lines = message(200).lines;
      // CompressedPackedForward: [tag, bin(gzip(a stream of entries)), {chunk, compressed: "gzip"}].
      // Each entry [EventTime, {log}]: an array of 2, the EventTime as fixext8 of type 0 (seconds, nanoseconds).
      const time = Buffer.of(0x92, 0xd7, 0x00, 0x6b, 0x03, 0x9d, 0x40, 0, 0, 0, 0);
      const entries = Buffer.concat(lines.flatMap((log) => [time, packr.pack({ log })]));
      const bytes = packr.pack(['zpa.release', gzipSync(entries), { chunk: 'c1', compressed: 'gzip' }]);
      const ack = ackBytes('c1');
      const reply = await exchange(receiver.port, [bytes], { expectBytes: ack.length });
      assert.deepEqual(reply.replies, ack);
      assert.equal(receiver.messages[0].entries.length, 200);
      assert.equal(receiver.messages[0].entries[0].line?.bytes.length, 0, 'the decompressed payload was released');
    } finally {
      await receiver.stop();
    }
  });

  it('requests that share a read are left to the garbage collector: each is a view of memory holding the other', async () => {
    const receiver = await startReceiver({}, { releaseSettled: true });
    try {
      const a = message(2, 0);
      const b = message(2, 2);
      const acks = Buffer.concat([ackBytes(a.chunk), ackBytes(b.chunk)]);
      const reply = await exchange(receiver.port, [Buffer.concat([a.bytes, b.bytes])], { expectBytes: acks.length });
      assert.deepEqual(reply.replies, acks);
      assert.deepEqual(linesSeen(receiver.messages), [...a.lines, ...b.lines], 'still readable after the acks');
    } finally {
      await receiver.stop();
    }
  });

  it('without releaseSettled (the default), entries stay readable after the ack', async () => {
    const receiver = await startReceiver();
    try {
      const { bytes, chunk, lines } = message(50);
      const ack = ackBytes(chunk);
      await exchange(receiver.port, splitAt(bytes, [1000, 20_000]), { expectBytes: ack.length });
      assert.deepEqual(linesSeen(receiver.messages), lines);
    } finally {
      await receiver.stop();
    }
  });
});
