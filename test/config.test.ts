/** Configuration loading: defaults, YAML units and secrets, ZPA_RELAY_* overrides, errors naming each bad key. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, redacted } from '../src/config/config.js';
import { REPO_DIR } from './helpers/paths.js';

const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-config-'));
function file(text: string): string {
  const target = path.join(dir, `config-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(target, text);
  return target;
}

/** Runs `load` with extra environment variables set, restoring the environment afterwards. */
function withEnv<T>(vars: Record<string, string>, load: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  try {
    return load();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${(error as Error).stack}`);
    return error.message;
  }
  assert.fail('expected the configuration to be refused');
}

describe('configuration', () => {
  it('no file: documented defaults (0.0.0.0:24224, stdout, ops on 9464)', () => {
    const config = loadConfig(undefined);
    assert.equal(config.listen.host, '0.0.0.0');
    assert.equal(config.listen.port, 24224);
    assert.equal(config.listen.ack_timeout, 30_000);
    assert.equal(config.listen.max_message_size, 16 * 1024 * 1024);
    assert.deepEqual(config.sinks, []);
    assert.equal(config.ops.port, 9464);
    assert.equal(config.zpa.field_prefix, 'p_');
    assert.equal(config.dead_letter.path, 'dead-letter.ndjson');
  });

  it('a YAML file with units, secrets from env and file, and a sink', () => {
    const keyFile = path.join(dir, 'shared-key');
    writeFileSync(keyFile, 'from-a-file\n');
    const config = withEnv({ ALICE_PASSWORD: 'wonderland', HEC_TOKEN: 'hec-123' }, () => loadConfig(
      file(`listen:
  port: 24225
  shared_key: {file: ${keyFile}}
  users: [{username: alice, password: {env: ALICE_PASSWORD}}]
  ack_timeout: 45s
  max_message_size: 8MiB
sinks:
  - type: splunk_hec
    name: splunk
    url: https://splunk.example.com:8088
    token: \${HEC_TOKEN}
`),
    ));
    assert.equal(config.listen.shared_key, 'from-a-file');
    assert.equal(config.listen.users[0].password, 'wonderland');
    assert.equal(config.listen.ack_timeout, 45_000);
    assert.equal(config.listen.max_message_size, 8 * 1024 * 1024);
    assert.equal(config.sinks[0].type, 'splunk_hec');
    assert.equal((config.sinks[0] as { token: string }).token, 'hec-123');
    assert.equal(JSON.stringify(redacted(config)).includes('hec-123'), false, 'secrets are redacted');
    assert.equal(JSON.stringify(redacted(config)).includes('from-a-file'), false);
  });

  it('ZPA_RELAY_* variables override the file, typed, at any depth', () => {
    const overrides = { ZPA_RELAY_LISTEN__PORT: '24226', ZPA_RELAY_LOG__LEVEL: 'debug', ZPA_RELAY_SINKS__0__URL: 'http://127.0.0.1:8080/in', ZPA_RELAY_OPS__ENABLED: 'false' };
    const config = withEnv(overrides, () => loadConfig(file('listen:\n  port: 1\nsinks:\n  - {type: ndjson, name: hook, url: "http://127.0.0.1:9/x"}\n')));
    assert.equal(config.listen.port, 24226);
    assert.equal(config.log.level, 'debug');
    assert.equal((config.sinks[0] as { url: string }).url, 'http://127.0.0.1:8080/in');
    assert.equal(config.ops.enabled, false);
  });

  it('errors name every bad key and what was expected', () => {
    const message = errorOf(() => loadConfig(file('listen:\n  port: 99999\n  idle_timeout: soon\n  colour: blue\nlog: {level: loud}\n')));
    assert.match(message, /listen\.port: .*65535/);
    assert.match(message, /listen\.idle_timeout: expected a duration/);
    assert.match(message, /listen: .*colour/);
    assert.match(message, /log\.level: /);
    assert.match(message, /config-.*\.yml/);
  });

  it('refuses an unset ${VAR}, a missing secret file, users without shared_key, duplicate sink names, bad YAML', () => {
    assert.match(errorOf(() => loadConfig(file('sinks:\n  - {type: ndjson, url: "${NOPE}"}\n'))), /sinks\.0\.url: environment variable NOPE is not set/);
    assert.match(errorOf(() => loadConfig(file('listen: {shared_key: {file: /nonexistent/key}}\n'))), /listen\.shared_key: cannot read secret file/);
    assert.match(errorOf(() => loadConfig(file('listen: {users: [{username: a, password: b}]}\n'))), /listen\.users: users need shared_key/);
    assert.match(
      errorOf(() => loadConfig(file('sinks:\n  - {type: ndjson, name: a, url: "http://x/"}\n  - {type: ndjson, name: a, url: "http://y/"}\n'))),
      /sinks\.1\.name: duplicate sink name "a"/,
    );
    assert.match(errorOf(() => loadConfig(file('listen: [unclosed\n'))), /invalid YAML/);
    assert.match(errorOf(() => loadConfig(path.join(dir, 'missing.yml'))), /cannot read config file/);
    const tls = (name: string) => path.join(REPO_DIR, 'test', 'fixtures', 'tls', name);
    assert.match(errorOf(() => loadConfig(file(`listen:\n  tls: {cert_file: ${tls('server.crt')}, key_file: ${tls('server.key')}, client_auth: true}\n`))), /listen\.tls\.ca_file: client_auth needs ca_file/);
    assert.match(errorOf(() => loadConfig(file('listen:\n  tls: {cert_file: /nonexistent/relay.crt, key_file: /nonexistent/relay.key}\n'))), /listen\.tls\.cert_file: cannot read \/nonexistent\/relay\.crt: ENOENT/);
    assert.match(errorOf(() => loadConfig(file('sinks:\n  - {type: ndjson, url: "https://siem.example/", tls: {ca_file: /nonexistent/ca.pem}}\n'))), /sinks\.0\.tls\.ca_file: cannot read/);
  });
});
