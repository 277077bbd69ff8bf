/** The pool of big buffers: reuse, the views it detaches, its cap, letting go when idle, and bodies still being written. */
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { BufferPool, bigBuffers } from '../src/shared/buffer-pool.js';
import { recycleWhenWritten } from '../src/sinks/http/written.js';

const MiB = 1024 * 1024;

describe('BufferPool', () => {
  it('a buffer given back is reused for the next request of about its size, and its old views read as empty', () => {
    const pool = new BufferPool(16 * MiB, 60_000);
    const first = pool.take(MiB);
    assert.equal(first.length, MiB);
    const view = first.subarray(10, 20);
    first.fill(7);
    pool.give(first);
    assert.equal(first.length, 0, 'the given buffer is detached');
    assert.equal(view.length, 0, 'and so is every view of it');
    assert.equal(pool.held, MiB);
    const second = pool.take(MiB - 100);
    assert.equal(second.length, MiB - 100);
    assert.equal(second[0], 7, 'the same memory, not a fresh allocation');
    assert.equal(pool.held, 0);
  });

  it('a buffer given back twice (an abandoned message, then settled) is taken once, and the second time is a no-op', () => {
    const pool = new BufferPool(16 * MiB, 60_000);
    const first = pool.take(MiB);
    pool.give(first);
    assert.doesNotThrow(() => pool.give(first));
    assert.equal(pool.held, MiB, 'held once, not twice');
    const fresh = Buffer.allocUnsafeSlow(MiB);
    pool.give(fresh);
    assert.doesNotThrow(() => pool.give(fresh));
    assert.equal(pool.held, 2 * MiB);
  });

  it('clear lets go of every free buffer at once, used or not: the next take is a fresh allocation', () => {
    const pool = new BufferPool(16 * MiB, 60_000);
    const first = pool.take(MiB);
    first.fill(9);
    pool.give(first);
    assert.equal(pool.held, MiB);
    pool.clear();
    assert.equal(pool.held, 0);
    const next = pool.take(MiB);
    assert.equal(pool.held, 0);
    pool.give(next);
    assert.equal(pool.held, MiB, 'and the pool goes on being used');
  });

  it('a free buffer more than twice the size asked for is not used: a fresh one is', () => {
    const pool = new BufferPool(16 * MiB, 60_000);
    pool.give(pool.take(4 * MiB));
    const small = pool.take(MiB);
    assert.equal(pool.held, 4 * MiB, 'the 4 MiB buffer stays free');
    assert.equal(small.buffer.byteLength, MiB);
  });

  it('limit() changes how much it keeps (the relay sets its in-flight byte budget)', () => {
    const pool = new BufferPool(MiB, 60_000);
    const buffers = [pool.take(2 * MiB), pool.take(2 * MiB)];
    pool.give(buffers[0]);
    assert.equal(pool.held, 0, 'over the first limit: freed');
    pool.limit(4 * MiB);
    pool.give(buffers[1]);
    assert.equal(pool.held, 2 * MiB, 'within the new one: kept');
  });

  it('keeps at most maxBytes; what does not fit is freed', () => {
    const pool = new BufferPool(3 * MiB, 60_000);
    const buffers = [pool.take(2 * MiB), pool.take(2 * MiB)];
    for (const buffer of buffers) pool.give(buffer);
    assert.equal(pool.held, 2 * MiB);
    assert.deepEqual(
      buffers.map((b) => b.length),
      [0, 0],
      'both detached, kept or freed',
    );
  });

  it('a view into memory it did not hand out is left alone; a whole buffer of its own is taken back', () => {
    const pool = new BufferPool(16 * MiB, 60_000);
    const shared = Buffer.alloc(2 * MiB);
    const part = shared.subarray(0, MiB);
    pool.give(part);
    assert.equal(shared.length, 2 * MiB, 'the memory the rest of it uses stays');
    assert.equal(pool.held, 0);
    const whole = Buffer.alloc(MiB);
    pool.give(whole);
    assert.equal(whole.length, 0);
    assert.equal(pool.held, MiB);
  });

  it('small buffers are not kept, but a whole one is still freed at once', () => {
    const pool = new BufferPool(16 * MiB, 60_000);
    const small = pool.take(10_000);
    const whole = Buffer.from(new ArrayBuffer(10_000));
    pool.give(whole);
    assert.equal(whole.length, 0);
    assert.equal(pool.held, 0);
    assert.equal(small.length, 10_000);
  });

  it('lets go of everything when nothing was taken since the last check, and checks every idleMs by itself', async () => {
    const pool = new BufferPool(16 * MiB, 50);
    pool.give(pool.take(MiB));
    pool.trim();
    assert.equal(pool.held, MiB, 'taken since the last check: kept');
    pool.trim();
    assert.equal(pool.held, 0, 'idle: let go');
    pool.give(pool.take(MiB));
    for (let i = 0; i < 100 && pool.held !== 0; i++) await sleep(20);
    assert.equal(pool.held, 0, "the pool's own timer let it go");
  });
});

describe('recycleWhenWritten', () => {
  it('a body the target answered before reading is not reused until the socket has written all of it', async () => {
    const size = 32 * MiB;
    const body = bigBuffers.take(size);
    body.fill(0x61);
    let resume: () => void = () => {};
    let port = 0;
    // A raw HTTP/1.1 target that answers as soon as it has the request head, then stops reading: the body's tail
    // waits in the client's socket until it reads again.
    const received = new Promise<number>((resolve) => {
      const server = net.createServer((socket) => {
        let bytes = 0;
        let answered = false;
        socket.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (!answered && bytes > 1000) {
            answered = true;
            socket.write('HTTP/1.1 413 Payload Too Large\r\ncontent-length: 9\r\n\r\ntoo large');
            socket.pause();
            resume = () => socket.resume();
          }
          if (bytes >= size) (server.close(), resolve(bytes), socket.destroy());
        });
      });
      server.listen(0, '127.0.0.1', () => (port = (server.address() as AddressInfo).port));
    });
    while (port === 0) await sleep(5);
    const response = await request(`http://127.0.0.1:${port}/`, { method: 'POST', body });
    assert.equal(response.statusCode, 413);
    await response.body.text();
    recycleWhenWritten(body);
    await sleep(100);
    assert.equal(body.length, size, 'still being written: not taken back');
    resume();
    assert.ok((await received) >= size, 'the target got the whole body');
    for (let i = 0; i < 100 && body.length !== 0; i++) await sleep(20);
    assert.equal(body.length, 0, 'written: taken back');
  });
});
