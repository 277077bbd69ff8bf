/** The HTTP sink's transport: TLS verification, mutual TLS, and proxies from the environment. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { records, seqs } from './helpers/http-records.js';
import { HttpProxy } from './helpers/http-proxy.js';
import { FAST, relayTo } from './helpers/http-relay.js';
import { HttpTarget } from './helpers/http-target.js';
import { CA_CERT, SERVER_CERT, SERVER_KEY, writePki } from './helpers/http-tls.js';

const pki = writePki();
const closers: (() => Promise<void>)[] = [];
after(() => Promise.all(closers.map((close) => close())));

async function httpsTarget(requireClientCert = false): Promise<HttpTarget> {
  const target = await HttpTarget.create(true, { key: SERVER_KEY, cert: SERVER_CERT, ca: CA_CERT, requestCert: requireClientCert, rejectUnauthorized: requireClientCert });
  closers.push(() => target.stop());
  return target;
}

/** Runs `body` with proxy variables set as given (and the others cleared), restoring the environment afterwards. */
async function withProxyEnv(env: Record<string, string>, body: () => Promise<void>): Promise<void> {
  const names = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  for (const name of names) delete process.env[name];
  Object.assign(process.env, env);
  try {
    await body();
  } finally {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

test('TLS is verified by default: an unknown CA is never trusted; ca_file makes it work', async () => {
  const target = await httpsTarget();
  const untrusting = relayTo({ type: 'ndjson', url: target.url(), ...FAST, retry: { initial_delay: 5, max_delay: 20, max_age: 100 } });
  await untrusting.dispatcher.submit(records(0, 2), []);
  assert.equal(target.requests.length, 0, 'no request reached a server whose certificate did not verify');
  const [letter] = untrusting.deadLetters();
  assert.equal(letter.reason, 'max_age');
  assert.match(String(letter.detail), /certificate/i);
  await untrusting.close();

  const trusting = relayTo({ type: 'ndjson', url: target.url(), ...FAST, tls: { ca_file: pki.ca } });
  await trusting.dispatcher.submit(records(0, 2), []);
  assert.deepEqual(seqs(target.lines()), [0, 1]);
  await trusting.close();
});

test('verify: false accepts any certificate (for labs)', async () => {
  const target = await httpsTarget();
  const relay = relayTo({ type: 'ndjson', url: target.url(), ...FAST, tls: { verify: false } });
  await relay.dispatcher.submit(records(0, 1), []);
  assert.equal(target.requests.length, 1);
  await relay.close();
});

test('client certificate: a target requiring mutual TLS accepts the configured cert_file/key_file', async () => {
  const target = await httpsTarget(true);
  const anonymous = relayTo({ type: 'ndjson', url: target.url(), ...FAST, retry: { initial_delay: 5, max_delay: 20, max_age: 100 }, tls: { ca_file: pki.ca } });
  await anonymous.dispatcher.submit(records(0, 1), []);
  assert.equal(anonymous.deadLetters()[0].reason, 'max_age', 'without a client certificate the handshake fails');
  await anonymous.close();

  const relay = relayTo({ type: 'ndjson', url: target.url(), ...FAST, tls: { ca_file: pki.ca, cert_file: pki.clientCert, key_file: pki.clientKey } });
  await relay.dispatcher.submit(records(0, 3), []);
  assert.deepEqual(seqs(target.lines()), [0, 1, 2]);
  await relay.close();
  assert.throws(() => relayTo({ type: 'ndjson', url: target.url(), tls: { cert_file: pki.clientCert } }), /cert_file and key_file go together/);
});

test('HTTPS_PROXY: HTTPS goes through a CONNECT tunnel, with the target certificate still verified', async () => {
  const proxy = await HttpProxy.start();
  closers.push(() => proxy.stop());
  const target = await httpsTarget();
  await withProxyEnv({ HTTPS_PROXY: proxy.url }, async () => {
    const relay = relayTo({ type: 'ndjson', url: target.url(), ...FAST, tls: { ca_file: pki.ca } });
    await relay.dispatcher.submit(records(0, 2), []);
    await relay.close();
  });
  assert.deepEqual(proxy.tunnels, [`127.0.0.1:${target.port}`]);
  assert.deepEqual(seqs(target.lines()), [0, 1]);
});

test('HTTP_PROXY carries plain HTTP too, and NO_PROXY bypasses the proxy', async () => {
  const proxy = await HttpProxy.start();
  closers.push(() => proxy.stop());
  const target = await HttpTarget.create();
  closers.push(() => target.stop());
  await withProxyEnv({ HTTP_PROXY: proxy.url }, async () => {
    const relay = relayTo({ type: 'ndjson', url: target.url(), ...FAST });
    await relay.dispatcher.submit(records(0, 1), []);
    await relay.close();
  });
  // undici tunnels plain HTTP through the proxy as well (CONNECT), rather than sending absolute-form requests.
  assert.deepEqual(proxy.tunnels, [`127.0.0.1:${target.port}`]);
  await withProxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }, async () => {
    const relay = relayTo({ type: 'ndjson', url: target.url(), ...FAST });
    await relay.dispatcher.submit(records(1, 1), []);
    await relay.close();
  });
  assert.equal(proxy.tunnels.length, 1, 'NO_PROXY host went direct');
  assert.deepEqual(seqs(target.lines()), [0, 1]);
});
