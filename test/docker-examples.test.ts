/** The deployment examples: compose services, SIEM and Kubernetes configs the relay accepts, the demo SIEM. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { parseSimulateArgs } from '../src/simulate/args.js';
import { LSS_PORTS } from '../src/simulate/ports.js';
import { sinkConfigSchema } from '../src/sinks/config.js';
import { REPO_DIR } from './helpers/paths.js';
import { serviceAccountKey } from './helpers/siem-tokens.js';

const EXAMPLES = path.join(REPO_DIR, 'examples');
const readYaml = (file: string) => parseYaml(readFileSync(file, 'utf8'));

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, unknown> | string[];
}
const compose = readYaml(path.join(EXAMPLES, 'docker-compose.yml')) as { services: Record<string, ComposeService> };
const service = (name: string) => {
  assert.ok(compose.services[name], `docker-compose.yml has no service ${name}`);
  return compose.services[name];
};
/** Host side of each bind mount, resolved against examples/ as compose does. */
const bindMounts = (s: ComposeService) =>
  (s.volumes ?? []).map((v) => v.split(':')).filter(([source]) => source.startsWith('.')).map(([source, target]) => ({ source: path.resolve(EXAMPLES, source), target }));

// The SIEM examples reference their secrets through {env}; these stand-ins let the sink schemas resolve them.
Object.assign(process.env, {
  PANTHER_HTTP_SOURCE_URL: 'https://logs.example.runpanther.net/http/00000000',
  PANTHER_SHARED_SECRET: 's3cret',
  SPLUNK_HEC_URL: 'https://splunk.example.com:8088/services/collector/event',
  SPLUNK_HEC_TOKEN: '00000000-0000-0000-0000-000000000000',
  ELASTIC_URL: 'https://elasticsearch.example.com:9200',
  ELASTIC_API_KEY: 'ZXhhbXBsZTprZXk=',
  DD_LOGS_URL: 'https://http-intake.logs.datadoghq.com/api/v2/logs',
  DD_API_KEY: '0123456789abcdef',
  SENTINEL_INGESTION_ENDPOINT: 'https://zpa-relay-zpa-a1b2.westeurope-1.ingest.monitor.azure.com',
  SENTINEL_DCR_ID: 'dcr-00112233445566778899aabbccddeeff',
  AZURE_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  AZURE_CLIENT_ID: 'a0b1c2d3-0000-4000-8000-000000000001',
  AZURE_CLIENT_SECRET: 'entra~secret',
  SECOPS_PROJECT: 'secops-project',
  SECOPS_CUSTOMER_ID: 'c0ffee00-1234-4abc-8def-0123456789ab',
  SECOPS_KEY_FILE: path.join(mkdtempSync(path.join(tmpdir(), 'zpa-relay-secops-key-')), 'key.json'),
});
writeFileSync(process.env.SECOPS_KEY_FILE!, serviceAccountKey('https://oauth2.googleapis.com/token').json);

function assertRelayConfig(config: { sinks?: unknown[] }, where: string): void {
  assert.ok(Array.isArray(config.sinks) && config.sinks.length > 0, `${where}: no sinks`);
  for (const sink of config.sinks) {
    const parsed = sinkConfigSchema.safeParse(sink);
    assert.ok(parsed.success, `${where}: ${parsed.error?.message}`);
  }
}

/** `${VAR}` in string values replaced from the environment, as the config loader does. */
function interpolated(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\$\{(\w+)\}/g, (_, name: string) => process.env[name] ?? '');
  if (Array.isArray(value)) return value.map(interpolated);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolated(item)]));
  return value;
}

test('the Sentinel example deploys the ZPA_CL table and a DCR whose stream has its columns, and outputs what the sink needs', () => {
  const template = JSON.parse(readFileSync(path.join(EXAMPLES, 'siem/sentinel-dcr.json'), 'utf8')) as {
    resources: { type: string; kind?: string; properties: Record<string, unknown> }[];
    outputs: Record<string, unknown>;
  };
  const table = template.resources.find((r) => r.type === 'Microsoft.OperationalInsights/workspaces/tables')!;
  const columns = [{ name: 'TimeGenerated', type: 'datetime' }, { name: 'Message', type: 'string' }];
  const { schema } = table.properties as { schema: { name: string; columns: { name: string; type: string }[] } };
  assert.equal(schema.name, 'ZPA_CL');
  assert.deepEqual(schema.columns.map(({ name, type }) => ({ name, type })), columns);
  const dcr = template.resources.find((r) => r.type === 'Microsoft.Insights/dataCollectionRules')!;
  assert.equal(dcr.kind, 'Direct', 'a DCR with its own logs ingestion endpoint');
  const { streamDeclarations, dataFlows } = dcr.properties as { streamDeclarations: Record<string, { columns: unknown }>; dataFlows: { streams: string[]; outputStream: string }[] };
  assert.deepEqual(streamDeclarations['Custom-ZPA_CL'].columns, columns);
  assert.deepEqual(dataFlows[0].streams, ['Custom-ZPA_CL']);
  assert.equal(dataFlows[0].outputStream, 'Custom-ZPA_CL');
  const sink = (readYaml(path.join(EXAMPLES, 'siem/sentinel.yaml')) as { sinks: { stream: string }[] }).sinks[0];
  assert.equal(sink.stream, 'Custom-ZPA_CL');
  assert.deepEqual(Object.keys(template.outputs).sort(), ['dcrId', 'dcrImmutableId', 'logsIngestionEndpoint']);
});

test('docker-compose mounts the supplied Fluent Bit config and points it at the relay service', () => {
  const fluentBit = service('fluent-bit');
  assert.match(fluentBit.image ?? '', /^fluent\/fluent-bit:\d/);
  const mounts = bindMounts(fluentBit);
  assert.ok(mounts.some((m) => m.source === path.join(REPO_DIR, 'fluent-bit/fluent-bit.conf') && m.target === '/fluent-bit/etc/fluent-bit.conf'));
  for (const m of mounts) assert.ok(existsSync(m.source), `${m.source} does not exist`);
  assert.ok(compose.services[fluentBit.environment!.ZPA_FORWARD_HOST], 'ZPA_FORWARD_HOST names a compose service');
  assert.equal(fluentBit.environment!.ZPA_RELAY_LISTEN__PORT, '24224');
  const published = (fluentBit.ports ?? []).map((p) => p.replace(/\s.*$/, '').split(':')[0]);
  const [first, last] = published.find((p) => p.includes('-'))!.split('-').map(Number);
  const ports = Object.values(LSS_PORTS).sort((a, b) => a - b);
  assert.deepEqual([first, last], [ports[0], ports.at(-1)], 'every LSS port is published');
  assert.equal(last - first + 1, ports.length);
});

test('docker-compose builds the relay from the Dockerfile with a config whose sink is the demo SIEM', () => {
  const relay = service('zpa-relay');
  assert.equal(path.resolve(EXAMPLES, relay.build!.context, relay.build!.dockerfile), path.join(REPO_DIR, 'Dockerfile'));
  const configMount = bindMounts(relay).find((m) => m.target.startsWith('/etc/zpa-relay/config.yaml'));
  assert.ok(configMount && existsSync(configMount.source));
  assert.equal(relay.command?.at(-1), configMount.target.replace(/:ro$/, ''));
  const config = readYaml(configMount.source);
  assertRelayConfig(config, 'zpa-relay.demo.yaml');
  const siemUrl = new URL(config.sinks[0].url);
  const demo = service(siemUrl.hostname);
  assert.ok(bindMounts(demo).every((m) => existsSync(m.source)));
  assert.ok((demo.ports ?? []).some((p) => p.split(':')[1]?.startsWith(siemUrl.port)), 'the sink URL port is the demo SIEM port');
});

test('the compose simulator sends every log type to the Fluent Bit service', () => {
  const simulator = service('simulator');
  assert.equal(simulator.image, service('zpa-relay').image, 'the simulator runs from the relay image');
  const [subcommand, ...args] = simulator.command!;
  assert.equal(subcommand, 'simulate');
  const options = parseSimulateArgs(args);
  assert.equal(options.type, 'all');
  assert.equal(options.to.hostname, 'fluent-bit');
  assert.ok(compose.services[options.to.hostname]);
});

test('every SIEM example and the Kubernetes relay config hold sinks the relay accepts', () => {
  const siemDir = path.join(EXAMPLES, 'siem');
  const files = readdirSync(siemDir).filter((file) => file.endsWith('.yaml'));
  assert.deepEqual(files.sort(), ['datadog.yaml', 'elastic.yaml', 'google-secops.yaml', 'panther.yaml', 'sentinel.yaml', 'splunk-hec.yaml']);
  for (const file of files) assertRelayConfig(interpolated(readYaml(path.join(siemDir, file))) as { sinks?: unknown[] }, file);

  const manifests = parseAllDocuments(readFileSync(path.join(EXAMPLES, 'kubernetes/zpa-relay.yaml'), 'utf8')).map((d) => d.toJS());
  const configMap = manifests.find((m) => m.kind === 'ConfigMap');
  assertRelayConfig(parseYaml(configMap.data['config.yaml']), 'kubernetes/zpa-relay.yaml');
  const deployment = manifests.find((m) => m.kind === 'Deployment');
  const [container] = deployment.spec.template.spec.containers;
  assert.deepEqual(container.args, ['--config', `${container.volumeMounts.find((v: { name: string }) => v.name === 'config').mountPath}/config.yaml`]);
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  assert.equal(deployment.spec.template.spec.securityContext.runAsNonRoot, true);
});

test('the demo SIEM counts NDJSON, gzip, JSON-array and _bulk bodies and shows the latest records', async () => {
  const child = spawn(process.execPath, [path.join(EXAMPLES, 'demo-siem/server.mjs')], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    while (!/listening on http:\/\/127\.0\.0\.1:(\d+)/.test(output)) {
      assert.equal(child.exitCode, null, output);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const base = `http://127.0.0.1:${/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1]}`;
    const post = (body: string | Buffer, headers: Record<string, string> = {}) => fetch(`${base}/ingest`, { method: 'POST', body, headers });
    const a = { p_log_type: 'Zscaler.ZPA.UserActivity', n: 1 };
    const b = { p_log_type: 'Zscaler.ZPA.AuditLog', n: 2 };
    assert.equal((await post(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`)).status, 200);
    assert.equal((await post(gzipSync(`${JSON.stringify(a)}\n`), { 'content-encoding': 'gzip' })).status, 200);
    assert.equal((await post(JSON.stringify([b]))).status, 200);
    assert.equal((await post(`{"create":{"_index":"logs-zpa-default"}}\n${JSON.stringify(a)}\n`)).status, 200);
    assert.equal((await post('not json')).status, 400);
    const seen = (await (await fetch(`${base}/records`)).json()) as { total: number; latest: unknown[] };
    assert.equal(seen.total, 5);
    assert.deepEqual(seen.latest, [a, b, a, b, a]);
    assert.match(output, /2 records \{"Zscaler\.ZPA\.UserActivity":1,"Zscaler\.ZPA\.AuditLog":1\}/);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
});

test('zpa-relay check-config accepts every example config', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-examples-'));
  try {
    const k8s = parseAllDocuments(readFileSync(path.join(EXAMPLES, 'kubernetes/zpa-relay.yaml'), 'utf8')).map((d) => d.toJS());
    const k8sConfig = path.join(dir, 'kubernetes.yaml');
    writeFileSync(k8sConfig, k8s.find((m) => m.kind === 'ConfigMap').data['config.yaml']);
    const configs = [
      ...readdirSync(path.join(EXAMPLES, 'siem')).filter((f) => f.endsWith('.yaml')).map((f) => path.join(EXAMPLES, 'siem', f)),
      path.join(EXAMPLES, 'zpa-relay.demo.yaml'),
      k8sConfig,
    ];
    for (const config of configs) {
      const run = spawnSync(process.execPath, [path.join(REPO_DIR, 'dist/src/cli.js'), 'check-config', '--config', config], { encoding: 'utf8', env: process.env });
      assert.equal(run.status, 0, `${path.relative(REPO_DIR, config)}:\n${run.stdout}${run.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
