/** The supplied Fluent Bit configs: classic and YAML agree, one input per log type, acks, retries, variables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/config/config.js';
import { LSS_PORTS } from '../src/simulate/ports.js';
import { REPO_DIR, ZPA_DIR } from './helpers/paths.js';

// No Fluent Bit binary here: both templates are parsed and compared, so the classic and YAML files cannot drift apart
// and every schema the relay knows has an input tagged for it.

const FB_DIR = path.join(REPO_DIR, 'fluent-bit');
const read = (name: string) => readFileSync(path.join(FB_DIR, name), 'utf8');

type Props = Record<string, string>;
interface Section { name: string; props: Props }

/** Fluent Bit's classic format: `[SECTION]` headers, indented `Key Value` lines, `#` comments. Keys are case-insensitive. */
function parseClassic(text: string): Section[] {
  const sections: Section[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[([A-Za-z_]+)\]$/.exec(line);
    if (header) {
      sections.push({ name: header[1].toUpperCase(), props: {} });
      continue;
    }
    const entry = /^(\S+)\s+(.+)$/.exec(line);
    const section = sections.at(-1);
    assert.ok(entry && section && /^\s/.test(raw), `line ${index + 1} is not an indented "Key Value" pair in a section: ${raw}`);
    const key = entry[1].toLowerCase();
    assert.ok(!(key in section.props), `line ${index + 1}: ${entry[1]} is set twice in [${section.name}]`);
    section.props[key] = entry[2].trim();
  }
  return sections;
}

/** Compare values as Fluent Bit reads them: booleans in any spelling, numbers and strings as text. */
function normalise(props: Record<string, unknown>): Props {
  const out: Props = {};
  for (const [key, value] of Object.entries(props)) {
    const text = String(value).trim();
    const lower = text.toLowerCase();
    out[key.toLowerCase()] = ['on', 'true', 'yes'].includes(lower) ? 'on' : ['off', 'false', 'no'].includes(lower) ? 'off' : text;
  }
  return out;
}

const classic = parseClassic(read('fluent-bit.conf'));
const yamlDoc = parseYaml(read('fluent-bit.yaml')) as {
  service: Record<string, unknown>;
  pipeline: { inputs: Record<string, unknown>[]; outputs: Record<string, unknown>[] };
};
const pipeline = {
  service: normalise(classic.filter((s) => s.name === 'SERVICE').map((s) => s.props)[0] ?? {}),
  inputs: classic.filter((s) => s.name === 'INPUT').map((s) => normalise(s.props)),
  outputs: classic.filter((s) => s.name === 'OUTPUT').map((s) => normalise(s.props)),
};
const schemaIds = readdirSync(path.join(REPO_DIR, 'schemas'))
  .filter((name) => name.endsWith('.yml'))
  .map((name) => name.slice(0, -'.yml'.length))
  .sort();

test('fluent-bit.conf and fluent-bit.yaml describe the same service, inputs and outputs', () => {
  assert.deepEqual(classic.map((s) => s.name).filter((n) => !['SERVICE', 'INPUT', 'OUTPUT'].includes(n)), []);
  assert.deepEqual(normalise(yamlDoc.service), pipeline.service);
  assert.deepEqual(yamlDoc.pipeline.inputs.map(normalise), pipeline.inputs);
  assert.deepEqual(yamlDoc.pipeline.outputs.map(normalise), pipeline.outputs);
});

test('there is one tcp input per schema, tagged zpa.<schema id>, on its own port', () => {
  assert.ok(schemaIds.length > 0, 'schemas/ holds no *.yml');
  assert.deepEqual(pipeline.inputs.map((i) => i.tag.replace(/^zpa\./, '')).sort(), schemaIds);
  const ports = pipeline.inputs.map((i) => i.port);
  assert.equal(new Set(ports).size, ports.length, `ports repeat: ${ports.join(', ')}`);
  for (const input of pipeline.inputs) {
    assert.equal(input.name, 'tcp');
    assert.equal(input.format, 'none', `${input.tag}: Format json would drop a whole read on one bad line`);
    assert.equal(input.listen, '${ZPA_LSS_LISTEN:-0.0.0.0}', `${input.tag}: every interface by default (App Connectors connect from outside), any by variable`);
    assert.equal(input['storage.type'], 'filesystem');
    assert.match(input.port, /^\d+$/);
  }
});

test('Buffer_Size is a plain number of KB that holds the longest sample record', () => {
  const sampleDirs = ['samples/elastic', 'samples/zscaler-help'].map((dir) => path.join(ZPA_DIR, dir));
  const longestLine = Math.max(
    ...sampleDirs.flatMap((dir) => readdirSync(dir).flatMap((file) => readFileSync(path.join(dir, file), 'utf8').split('\n').map((l) => Buffer.byteLength(l)))),
  );
  for (const input of pipeline.inputs) {
    // Fluent Bit ignores a unit suffix here: "1M" means 1 KB.
    assert.match(input.buffer_size, /^\d+$/, `${input.tag}: Buffer_Size must be a number of KB`);
    assert.match(input.chunk_size, /^\d+$/, `${input.tag}: Chunk_Size must be a number of KB`);
    assert.ok(Number(input.buffer_size) >= Number(input.chunk_size));
    // Headroom over the samples: Audit values and AppProtection headers grow far beyond a typical record.
    assert.ok(Number(input.buffer_size) * 1024 >= 100 * longestLine, `${input.tag}: Buffer_Size ${input.buffer_size} KB`);
  }
});

test('the forward output waits for the relay ack, retries forever, never waits forever, and buffers on disk', () => {
  assert.equal(pipeline.outputs.length, 1);
  const [out] = pipeline.outputs;
  assert.equal(out.name, 'forward');
  const match = new RegExp(`^${out.match.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
  for (const input of pipeline.inputs) assert.match(input.tag, match, `${input.tag} is not routed to the relay`);
  assert.equal(out.require_ack_response, 'on');
  assert.equal(out.retry_limit, 'no_limits');
  assert.match(out['net.io_timeout'], /^[1-9]\d*s$/, 'a finite ack timeout: without it Fluent Bit waits forever');
  assert.equal(out.host, '${ZPA_FORWARD_HOST:-127.0.0.1}');
  assert.equal(out.port, '${ZPA_RELAY_LISTEN__PORT:-24224}');
  assert.ok(pipeline.service['storage.path'], 'filesystem storage needs storage.path');
});

/** `${NAME:-default}` (Fluent Bit's own syntax, 5.1.1 flb_env.c): the name and the default. */
const VARIABLE = /^\$\{([A-Z][A-Z0-9_]*):-([^}]+)\}$/;

test('every address and path is a variable with a default, so the files run unmodified as any user on any interface', () => {
  const values = [
    pipeline.service.http_listen,
    pipeline.service.http_port,
    pipeline.service['storage.path'],
    ...pipeline.inputs.map((input) => input.listen),
    pipeline.outputs[0].host,
    pipeline.outputs[0].port,
  ];
  for (const value of values) assert.match(value, VARIABLE, `${value} is not \${NAME:-default}`);
  const upstream = /^\s*#\s*upstream\s+(\S+)/im.exec(read('fluent-bit.conf'))?.[1] ?? '';
  assert.match(upstream, VARIABLE);
  const nodes = parseClassic(read('zpa-relay-upstream.conf')).filter((s) => s.name === 'NODE').map((s) => normalise(s.props));
  for (const node of nodes) for (const key of ['host', 'port']) assert.match(node[key], VARIABLE, `${node.name} ${key}`);
});

test('the README documents every variable the files use, with the default they give it', () => {
  const files = ['fluent-bit.conf', 'fluent-bit.yaml', 'zpa-relay-upstream.conf'].map(read).join('\n');
  const used = new Map<string, string | undefined>();
  for (const [, name, fallback] of files.matchAll(/\$\{([A-Z][A-Z0-9_]*)(?::-([^}]*))?\}/g)) {
    if (name === 'HOSTNAME') continue; // Fluent Bit's own
    assert.ok(!used.has(name) || used.get(name) === fallback, `${name} has two defaults: ${used.get(name)} and ${fallback}`);
    used.set(name, fallback);
  }
  const table = new Map([...read('README.md').matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|/gm)].map((m) => [m[1], m[2].trim()]));
  assert.deepEqual([...table.keys()].sort(), [...used.keys()].sort(), 'README environment table against the files');
  for (const [name, fallback] of used) {
    assert.equal(table.get(name), fallback === undefined ? '(none)' : `\`${fallback}\``, `${name}: the README's default`);
  }
});

test('failed chunks are retried within seconds, so an Upstream stops sending records to a dead relay soon', () => {
  // Fluent Bit waits base..min(cap, base × 2^n) seconds plus one before retry n (flb_scheduler.c): 2-4 s here.
  assert.equal(pipeline.service['scheduler.base'], '1');
  assert.ok(Number(pipeline.service['scheduler.cap']) > Number(pipeline.service['scheduler.base']), 'a random wait: equal ones could keep a chunk in step with the round robin');
  assert.ok(Number(pipeline.service['scheduler.cap']) <= 5);
});

test('every ZPA_RELAY_* variable the templates use is the relay override of the same setting', () => {
  // The relay reads every ZPA_RELAY_* variable as a config key and refuses unknown ones: a Fluent Bit variable named
  // ZPA_RELAY_HOST in a shared environment would stop the relay from starting.
  const used = new Set([...['fluent-bit.conf', 'fluent-bit.yaml', 'zpa-relay-upstream.conf'].map(read).join('').matchAll(/\$\{(ZPA_RELAY_[A-Z0-9_]+)(:-[^}]*)?\}/g)].map((m) => m[1]));
  assert.deepEqual([...used].sort(), ['ZPA_RELAY_LISTEN__PORT', 'ZPA_RELAY_LISTEN__SHARED_KEY']);
  Object.assign(process.env, { ZPA_RELAY_LISTEN__PORT: '24299', ZPA_RELAY_LISTEN__SHARED_KEY: 'both-sides' });
  try {
    const config = loadConfig(undefined);
    assert.equal(config.listen.port, 24299);
    assert.equal(config.listen.shared_key, 'both-sides');
  } finally {
    delete process.env.ZPA_RELAY_LISTEN__PORT;
    delete process.env.ZPA_RELAY_LISTEN__SHARED_KEY;
  }
});

test('both files offer the same optional secure-forward, TLS and Upstream settings, commented out', () => {
  const optional = ['shared_key', 'self_hostname', 'tls', 'tls.verify', 'tls.ca_file', 'tls.crt_file', 'tls.key_file', 'upstream'];
  for (const key of optional) {
    const escaped = key.replace('.', '\\.');
    assert.match(read('fluent-bit.conf'), new RegExp(`^\\s*#\\s*${escaped}\\s+\\S`, 'im'), `fluent-bit.conf lacks "# ${key}"`);
    assert.match(read('fluent-bit.yaml'), new RegExp(`^\\s*#\\s*${escaped}:\\s+\\S`, 'im'), `fluent-bit.yaml lacks "# ${key}:"`);
  }
  const upstreamPath = /^\s*#\s*upstream\s+(\S+)/im.exec(read('fluent-bit.conf'))?.[1] ?? '';
  assert.equal(path.basename(VARIABLE.exec(upstreamPath)?.[2] ?? upstreamPath), 'zpa-relay-upstream.conf');
});

test('every Upstream node asks for acks itself (out_forward reads it per node in Upstream mode)', () => {
  const sections = parseClassic(read('zpa-relay-upstream.conf'));
  assert.equal(sections[0].name, 'UPSTREAM');
  assert.ok(sections[0].props.name);
  const nodes = sections.filter((s) => s.name === 'NODE').map((s) => normalise(s.props));
  assert.ok(nodes.length >= 2, 'an Upstream is for several relays');
  assert.equal(new Set(nodes.map((n) => n.name)).size, nodes.length, 'node names repeat');
  for (const node of nodes) {
    assert.ok(node.host && /^\d+$/.test(VARIABLE.exec(node.port)?.[2] ?? node.port), `${node.name} needs host and port`);
    assert.equal(node.require_ack_response, 'on', `${node.name} would never wait for the relay ack`);
  }
});

test('the port table in fluent-bit/README.md and the simulator ports match the inputs', () => {
  const inputs = pipeline.inputs.map((i) => `${i.tag}:${i.port}`).sort();
  const documented = [...read('README.md').matchAll(/^\|[^|]+\|[^|]+\| `([a-z0-9-]+)` \| (\d+) \|$/gm)].map((m) => `zpa.${m[1]}:${m[2]}`);
  assert.deepEqual(documented.sort(), inputs);
  assert.deepEqual(Object.entries(LSS_PORTS).map(([id, port]) => `zpa.${id}:${port}`).sort(), inputs);
});

test('the Kubernetes Fluent Bit ConfigMap runs the same pipeline through an Upstream of the zpa-relay Service', () => {
  const manifests = parseAllDocuments(readFileSync(path.join(REPO_DIR, 'examples/kubernetes/fluent-bit.yaml'), 'utf8')).map((d) => d.toJS());
  const configMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'fluent-bit-config');
  const sections = parseClassic(configMap.data['fluent-bit.conf']);
  assert.deepEqual(normalise(sections.find((s) => s.name === 'SERVICE')!.props), pipeline.service);
  assert.deepEqual(sections.filter((s) => s.name === 'INPUT').map((s) => normalise(s.props)), pipeline.inputs);
  const { host, port, ...stockOutput } = pipeline.outputs[0];
  assert.ok(host && port);
  assert.deepEqual(sections.filter((s) => s.name === 'OUTPUT').map((s) => normalise(s.props)), [
    { ...stockOutput, upstream: '/fluent-bit/etc/zpa-relay-upstream.conf' },
  ]);

  const relayService = parseAllDocuments(readFileSync(path.join(REPO_DIR, 'examples/kubernetes/zpa-relay.yaml'), 'utf8'))
    .map((d) => d.toJS())
    .find((m) => m.kind === 'Service');
  const nodes = parseClassic(configMap.data['zpa-relay-upstream.conf']).filter((s) => s.name === 'NODE').map((s) => normalise(s.props));
  assert.ok(nodes.length > 0);
  for (const node of nodes) {
    assert.equal(node.host, `${relayService.metadata.name}.${relayService.metadata.namespace}.svc.cluster.local`);
    assert.equal(Number(node.port), relayService.spec.ports.find((p: { name: string }) => p.name === 'forward').port);
    assert.equal(node.require_ack_response, 'on');
  }

  const lssService = manifests.find((m) => m.kind === 'Service');
  const servicePorts = lssService.spec.ports.map((p: { port: number; targetPort: number }) => (assert.equal(p.port, p.targetPort), `${p.port}`));
  assert.deepEqual(servicePorts.sort(), pipeline.inputs.map((i) => i.port).sort());
});
