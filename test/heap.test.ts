/** Heap settings: the default flags, the start-up flags workers get, and a two-process relay applying them. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../src/config/config.js';
import { missingStartupFlags, NODE_MAJOR, runtimeHeapFlags, startupHeapFlags, workerExecArgv } from '../src/config/heap.js';
import { until } from './helpers/http-relay.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const sink = [{ type: 'ndjson', url: 'http://127.0.0.1:1/' }];

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('heap settings', () => {
  it('defaults: the old generation grows by 100 % between full collections; workers get 8 MiB semi-spaces, and a single-threaded collector on Node 20 only', () => {
    const config = configSchema.parse({ sinks: sink });
    assert.deepEqual(config.heap, { growth_percent: 100, max_semi_space: 8 * 1024 * 1024, single_threaded_gc: 'auto' });
    assert.deepEqual(runtimeHeapFlags(config), ['--heap-growing-percent=100']);
    assert.deepEqual(runtimeHeapFlags(configSchema.parse({ heap: { growth_percent: 0 } })), [], '0 leaves V8 its own factor');
    assert.deepEqual(startupHeapFlags(config, 20), ['--max-semi-space-size=8', '--single-threaded-gc']);
    assert.deepEqual(startupHeapFlags(config, 24), ['--max-semi-space-size=8']);
    assert.deepEqual(startupHeapFlags(configSchema.parse({ heap: { single_threaded_gc: true } }), 24), ['--max-semi-space-size=8', '--single-threaded-gc']);
    assert.deepEqual(startupHeapFlags(configSchema.parse({ heap: { max_semi_space: 0, single_threaded_gc: false } }), 20), []);
    assert.throws(() => configSchema.parse({ heap: { single_threaded_gc: 'yes' } }), /single_threaded_gc[\s\S]*expected auto, true or false/);
  });

  it("workers get the configured start-up flags in place of the primary's, and keep its other node options", () => {
    const config = configSchema.parse({ sinks: sink, heap: { max_semi_space: '4MiB', single_threaded_gc: true } });
    assert.deepEqual(workerExecArgv(config, ['--enable-source-maps', '--max-semi-space-size=64']), ['--enable-source-maps', '--max-semi-space-size=4', '--single-threaded-gc']);
    assert.deepEqual(workerExecArgv(config, ['--max_semi_space_size', '64', '--trace-warnings', '--single-threaded-gc']), ['--trace-warnings', '--max-semi-space-size=4', '--single-threaded-gc']);
    const parallel = configSchema.parse({ heap: { max_semi_space: 0, single_threaded_gc: false } });
    assert.deepEqual(workerExecArgv(parallel, ['--max-semi-space-size=64', '--single-threaded-gc']), ['--max-semi-space-size=64'], 'semi-space 0 keeps what node was given; false drops the flag');
  });

  it('a single process names the start-up flags node was not given (the semi-space size may come from NODE_OPTIONS)', () => {
    const config = configSchema.parse({ sinks: sink, heap: { single_threaded_gc: true } });
    assert.deepEqual(missingStartupFlags(config, [], ''), ['--max-semi-space-size=8', '--single-threaded-gc']);
    assert.deepEqual(missingStartupFlags(config, ['--single-threaded-gc'], '--max-semi-space-size=16'), [], 'any size given counts');
    assert.deepEqual(missingStartupFlags(config, ['--max_semi_space_size', '8', '--enable-source-maps'], ''), ['--single-threaded-gc']);
    assert.deepEqual(missingStartupFlags(config, ['--no-single-threaded-gc'], '--max-semi-space-size=8'), ['--single-threaded-gc'], 'turned off is missing');
  });

  it('a relay with two processes starts its follower with the start-up flags, says which the first lacks, and sets the growth flag in both', async () => {
    const [port, opsPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-heap-'));
    const config = path.join(dir, 'relay.yaml');
    writeFileSync(
      config,
      `listen: {host: 127.0.0.1, port: ${port}}\nops: {host: 127.0.0.1, port: ${opsPort}}\nworkers: 2\nheap: {max_semi_space: 8MiB, growth_percent: 50}\n` +
        `sinks: [{type: ndjson, name: siem, url: "http://127.0.0.1:1/"}]\ndead_letter: {path: ${JSON.stringify(path.join(dir, 'dead.ndjson'))}}\n`,
    );
    const child = spawn(process.execPath, [CLI, '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await until(() => (stderr.match(/zpa-relay receiving forward protocol/g) ?? []).length === 2, 15_000);
      const settings = stderr
        .split('\n')
        .filter((line) => line.includes('"heap settings"'))
        .map((line) => JSON.parse(line) as { worker?: number; v8Flags: string[]; execArgv: string[] });
      const workers = settings.filter((entry) => entry.worker !== undefined);
      // Two processes, both handling records: the first (started by hand here, without the flags) and one follower.
      assert.equal(settings.length, 2, stderr);
      assert.equal(workers.length, 1);
      assert.match(stderr, /"flags":\["--max-semi-space-size=8"[^\n]*"msg":"heap.max_semi_space and heap.single_threaded_gc are node start-up flags; this process runs without them/);
      for (const entry of settings) assert.deepEqual(entry.v8Flags, ['--heap-growing-percent=50']);
      for (const worker of workers) {
        assert.ok(worker.execArgv.includes('--max-semi-space-size=8'), JSON.stringify(worker.execArgv));
        assert.equal(worker.execArgv.includes('--single-threaded-gc'), NODE_MAJOR < 22, `auto on Node ${NODE_MAJOR}: ${JSON.stringify(worker.execArgv)}`);
      }
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
