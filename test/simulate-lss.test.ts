/** The LSS simulator: lines, formats, per-type ports, reconnects, pacing, TLS, stall timeouts, exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { parseSimulateArgs } from '../src/simulate/args.js';
import { LSS_PORTS } from '../src/simulate/ports.js';
import { simulate } from '../src/simulate/simulate.js';
import { LssGenerator, seededRandom } from '../src/zpa/generate.js';
import { until } from './helpers/http-relay.js';
import { REPO_DIR } from './helpers/paths.js';

const WAIT_MS = 10_000;

/** A stand-in for one Fluent Bit tcp input: splits each connection's bytes into lines, as `Format none` does. */
async function lineServer(options: { tls?: { key: Buffer; cert: Buffer }; port?: number; onConnection?: (socket: Socket, index: number) => void } = {}) {
  const received = { lines: [] as string[], connections: 0, unterminated: [] as string[] };
  const handler = (socket: Socket) => {
    const index = received.connections++;
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      const parts = (pending + text).split('\n');
      pending = parts.pop()!;
      received.lines.push(...parts);
    });
    socket.on('close', () => pending !== '' && received.unterminated.push(pending));
    socket.on('error', () => undefined);
    options.onConnection?.(socket, index);
  };
  const server: Server = options.tls ? createTlsServer(options.tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { port, received, close, server };
}

const generator = new LssGenerator();
const jsonKeys = (line: string) => Object.keys(JSON.parse(line) as object).sort();

test('sends newline-terminated JSON records of the requested log type to a TCP receiver', async () => {
  const server = await lineServer();
  try {
    const result = await simulate({ type: 'audit-log', format: 'json', rate: 1000, count: 30, to: new URL(`tcp://127.0.0.1:${server.port}`), seed: 7 });
    assert.equal(result.sent, 30);
    await until(() => server.received.connections === 1 && server.received.lines.length === 30, WAIT_MS);
    const expectedKeys = jsonKeys(generator.line('audit-log', 'json', seededRandom(1)));
    for (const line of server.received.lines) assert.deepEqual(jsonKeys(line), expectedKeys);
    assert.deepEqual(server.received.unterminated, [], 'the last line must end with \\n or Fluent Bit drops it');
  } finally {
    await server.close();
  }
});

test('the same seed and base time give the same lines', async () => {
  const runs: string[][] = [];
  for (let i = 0; i < 2; i++) {
    const server = await lineServer();
    await simulate({ type: 'user-activity', format: 'tsv', rate: 1000, count: 5, to: new URL(`tcp://127.0.0.1:${server.port}`), seed: 42, baseTime: new Date('2026-11-05T08:00:00Z') });
    await until(() => server.received.lines.length === 5, WAIT_MS);
    runs.push(server.received.lines);
    await server.close();
  }
  assert.deepEqual(runs[0], runs[1]);
});

test('CSV and TSV lines carry the LSS text prefix and their separator', async () => {
  for (const [format, separator] of [['csv', ','], ['tsv', '\t']] as const) {
    const server = await lineServer();
    await simulate({ type: 'user-status', format, rate: 1000, count: 3, to: new URL(`tcp://127.0.0.1:${server.port}`), seed: 1 });
    await until(() => server.received.lines.length === 3, WAIT_MS);
    for (const line of server.received.lines) {
      assert.match(line, /zpa-lss: /);
      assert.ok(line.split(separator).length > 10, `${format}: ${line}`);
    }
    await server.close();
  }
});

test('--type all sends every log type to its own port, each port receiving only its type, without a warning', async () => {
  const types = generator.logTypes();
  const servers = new Map(await Promise.all(types.map(async (type) => [type, await lineServer()] as const)));
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    const ports = Object.fromEntries([...servers].map(([type, server]) => [type, server.port]));
    // A caller's signal, as the command's: every log type's sender and pacing waits on the run at once.
    const controller = new AbortController();
    const result = await simulate({ type: 'all', format: 'json', rate: 200, count: 4, to: new URL('tcp://127.0.0.1'), ports, seed: 3, signal: controller.signal });
    assert.equal(result.sent, 4 * types.length);
    assert.equal(result.missing, 0);
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    assert.deepEqual(warnings.map((warning) => warning.name), []);
    for (const [type, server] of servers) {
      await until(() => server.received.lines.length === 4, WAIT_MS);
      const expected = jsonKeys(generator.line(type, 'json', seededRandom(9)));
      for (const line of server.received.lines) assert.deepEqual(jsonKeys(line), expected, `${type} port got another type`);
    }
  } finally {
    process.off('warning', onWarning);
    await Promise.all([...servers.values()].map((s) => s.close()));
  }
});

test('reconnects after the receiver drops the connection, resending whole lines only', async () => {
  const server = await lineServer({ onConnection: (socket, index) => index === 0 && socket.once('data', () => socket.destroy()) });
  const errors: Error[] = [];
  try {
    const result = await simulate({
      type: 'user-status', format: 'json', rate: 200, count: 40, to: new URL(`tcp://127.0.0.1:${server.port}`), seed: 5,
      onError: (error) => errors.push(error),
    });
    assert.equal(result.sent, 40);
    assert.ok(server.received.connections >= 2, 'a second connection after the first was dropped');
    await until(() => server.received.lines.length >= 30, WAIT_MS);
    for (const line of server.received.lines) JSON.parse(line); // every line that arrived is whole
  } finally {
    await server.close();
  }
});

test('keeps retrying until the receiver comes up', async () => {
  const probe = await lineServer();
  const port = probe.port;
  await probe.close();
  const errors: Error[] = [];
  const sending = simulate({ type: 'browser-access', format: 'json', rate: 100, count: 5, to: new URL(`tcp://127.0.0.1:${port}`), onError: (e) => errors.push(e) });
  await until(() => errors.length >= 2, WAIT_MS);
  const server = await lineServer({ port });
  try {
    assert.equal((await sending).sent, 5);
    await until(() => server.received.lines.length === 5, WAIT_MS);
    assert.ok(errors.every((e) => (e as NodeJS.ErrnoException).code === 'ECONNREFUSED'), errors.map(String).join('\n'));
  } finally {
    await server.close();
  }
});

test('paces lines at the requested rate instead of bursting them', async () => {
  const server = await lineServer();
  try {
    const started = performance.now();
    await simulate({ type: 'user-activity', format: 'json', rate: 40, count: 10, to: new URL(`tcp://127.0.0.1:${server.port}`) });
    // 10 lines at 40/s: the first at once, the last 225 ms later. A lower bound only: the machine may be slow.
    assert.ok(performance.now() - started >= 200, `10 lines at 40/s took ${performance.now() - started} ms`);
  } finally {
    await server.close();
  }
});

test('runs until aborted when no count is given, then closes the connection', async () => {
  const server = await lineServer();
  let closed = false;
  server.server.on('connection', (socket) => socket.on('close', () => (closed = true)));
  try {
    const controller = new AbortController();
    const sending = simulate({ type: 'app-connector-metrics', format: 'json', rate: 50, to: new URL(`tcp://127.0.0.1:${server.port}`), signal: controller.signal });
    await until(() => server.received.lines.length >= 3, WAIT_MS);
    controller.abort();
    const { sent } = await sending;
    await until(() => closed, WAIT_MS);
    assert.equal(server.received.lines.length, sent);
  } finally {
    await server.close();
  }
});

const opensslMissing = spawnSync('openssl', ['version']).status !== 0;

test('speaks TLS to a receiver whose certificate it verifies', { skip: opensslMissing && 'openssl is not installed' }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'zpa-sim-tls-'));
  try {
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')]);
    assert.equal(made.status, 0, String(made.stderr));
    const cert = readFileSync(path.join(dir, 'cert.pem'));
    const server = await lineServer({ tls: { key: readFileSync(path.join(dir, 'key.pem')), cert } });
    try {
      const to = new URL(`tls://127.0.0.1:${server.port}`);
      assert.equal((await simulate({ type: 'audit-log', format: 'json', rate: 1000, count: 3, to, tls: { ca: cert } })).sent, 3);
      await until(() => server.received.lines.length === 3, WAIT_MS);
      // Without the CA the certificate does not verify: the simulator reports it and keeps retrying.
      const controller = new AbortController();
      const errors: Error[] = [];
      const refused = simulate({ type: 'audit-log', format: 'json', rate: 10, count: 1, to, signal: controller.signal, onError: (e) => errors.push(e) });
      await until(() => errors.length > 0, WAIT_MS);
      controller.abort();
      assert.equal((await refused).sent, 0);
      assert.match(String(errors[0]), /certificate/i);
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gives up when nothing could be sent for the stall timeout, and says which log type and where', async () => {
  // Nothing listens: every connection attempt is refused.
  const closed = await lineServer();
  await closed.close();
  const started = Date.now();
  const result = await simulate({ type: 'user-status', format: 'json', rate: 100, count: 5, to: new URL(`tcp://127.0.0.1:${closed.port}`), stallTimeoutMs: 300 });
  assert.ok(Date.now() - started < 5000, 'it gave up instead of retrying forever');
  assert.deepEqual([result.sent, result.missing], [0, 5]);
  assert.match(result.stalled ?? '', new RegExp(`^user-status: nothing could be sent to 127.0.0.1:${closed.port} for 0.3 s`));
});

test('a receiver that stops reading stalls the run too; what went out before counts as sent', async () => {
  let reader: Socket | undefined;
  const server = await lineServer({ onConnection: (socket) => (reader = socket) });
  try {
    const pending = simulate({ type: 'audit-log', format: 'json', rate: 100_000, count: 1_000_000, to: new URL(`tcp://127.0.0.1:${server.port}`), stallTimeoutMs: 500 });
    await until(() => server.received.lines.length > 0, WAIT_MS);
    reader!.pause();
    const result = await pending;
    assert.match(result.stalled ?? '', /^audit-log: nothing could be sent/);
    assert.ok(result.sent > 0 && result.sent < 1_000_000, `${result.sent} sent`);
    assert.equal(result.missing, 1_000_000 - result.sent);
  } finally {
    reader?.destroy(); // a paused socket would not notice the sender is gone, and hold close() open
    await server.close();
  }
});

/** Runs node `script` with `args`; resolves with its exit status and stderr. */
function command(script: string, args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

test('the command exits 1 when it gave up or could not send what --count asked for, 0 when it did', async () => {
  const cli = path.join(REPO_DIR, 'dist', 'src', 'cli.js');
  const closed = await lineServer();
  await closed.close();
  const gaveUp = await command(cli, ['simulate', '--to', `tcp://127.0.0.1:${closed.port}`, '--type', 'audit-log', '--count', '3', '--stall-timeout', '500ms']);
  assert.equal(gaveUp.status, 1, gaveUp.stderr);
  assert.match(gaveUp.stderr, /sent 0 lines, 3 of the lines asked for were not sent/);
  assert.match(gaveUp.stderr, /gave up: audit-log: nothing could be sent to 127\.0\.0\.1:\d+ for 0\.5 s/);
  const server = await lineServer();
  try {
    // Run asynchronously: the receiver is in this process and must read while the command runs.
    const done = await command(cli, ['simulate', '--to', `tcp://127.0.0.1:${server.port}`, '--type', 'audit-log', '--count', '3', '--rate', '100']);
    assert.equal(done.status, 0, done.stderr);
    assert.equal(done.stderr, 'sent 3 lines\n');
  } finally {
    await server.close();
  }
});

test('refuses what would mislabel or cannot work, with the reason', async () => {
  await assert.rejects(simulate({ type: 'all', format: 'json', rate: 1, to: new URL('tcp://127.0.0.1:20001') }), /leave the port out/);
  await assert.rejects(simulate({ type: 'nope', format: 'json', rate: 1, to: new URL('tcp://127.0.0.1:1') }), /unknown log type "nope".*user-activity/);
  await assert.rejects(simulate({ type: 'audit-log', format: 'json', rate: 0, to: new URL('tcp://127.0.0.1:1') }), /rate/);
  await assert.rejects(simulate({ type: 'audit-log', format: 'json', rate: 1, to: new URL('http://127.0.0.1:1') }), /tcp:\/\//);
  await assert.rejects(simulate({ type: 'all', format: 'json', rate: 1, to: new URL('tcp://127.0.0.1'), ports: { 'audit-log': 1 } }), /no default port for log type (?!audit-log)/);
});

test('a single log type without a port goes to its documented Fluent Bit port', () => {
  assert.equal(LSS_PORTS['audit-log'], 20005);
  assert.deepEqual(Object.keys(LSS_PORTS).sort(), generator.logTypes().sort());
});

test('parseSimulateArgs turns the command line into simulate() options', () => {
  const options = parseSimulateArgs(['--type', 'audit-log', '--format', 'csv', '--rate', '2.5', '--count', '10', '--to', 'tls://fb:20005', '--tls-insecure', '--seed', '0']);
  assert.equal(options.type, 'audit-log');
  assert.equal(options.format, 'csv');
  assert.equal(options.rate, 2.5);
  assert.equal(options.count, 10);
  assert.equal(options.to.href, 'tls://fb:20005');
  assert.deepEqual(options.tls, { rejectUnauthorized: false });
  assert.equal(options.seed, 0);
  assert.equal(parseSimulateArgs(['--to', 'tcp://x', '--base-time', '2026-11-05T08:00:00Z']).baseTime?.toISOString(), '2026-11-05T08:00:00.000Z');
  assert.throws(() => parseSimulateArgs(['--to', 'tcp://x', '--base-time', 'yesterday']), /--base-time must be an ISO 8601 time/);
  const defaults = parseSimulateArgs(['--to', 'tcp://fluent-bit']);
  assert.deepEqual([defaults.type, defaults.format, defaults.rate, defaults.count, defaults.tls], ['all', 'json', 10, undefined, undefined]);
  assert.throws(() => parseSimulateArgs([]), /--to is required/);
  assert.throws(() => parseSimulateArgs(['--to', 'tcp://x', '--format', 'xml']), /--format/);
  assert.throws(() => parseSimulateArgs(['--to', 'tcp://x', '--rate', '0']), /--rate must be a positive number/);
  assert.throws(() => parseSimulateArgs(['--to', 'tcp://x', '--count', '1.5']), /--count must be a positive integer/);
  assert.throws(() => parseSimulateArgs(['--to', 'tcp://x', '--bogus']), /bogus/);
  assert.equal(defaults.stallTimeoutMs, 30_000);
  assert.equal(parseSimulateArgs(['--to', 'tcp://x', '--stall-timeout', '2m']).stallTimeoutMs, 120_000);
  assert.equal(parseSimulateArgs(['--to', 'tcp://x', '--stall-timeout', '0']).stallTimeoutMs, 0);
  assert.throws(() => parseSimulateArgs(['--to', 'tcp://x', '--stall-timeout', 'soon']), /--stall-timeout must be a duration/);
});
