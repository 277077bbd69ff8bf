/** Health checks that connect and close without a byte are counted and logged at debug; real faults still warn. */
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { listenConfigSchema } from '../src/forward/config.js';
import { ForwardServer } from '../src/forward/server.js';
import { until } from './helpers/http-relay.js';
import { REPO_DIR } from './helpers/paths.js';

const TLS_DIR = path.join(REPO_DIR, 'test', 'fixtures', 'tls');

interface LogLine {
  level: number;
  msg: string;
}

/** A receiver on 127.0.0.1 whose log lines (debug and up) are kept. */
async function receiver(listen: Record<string, unknown> = {}) {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  const server = new ForwardServer({ listen: listenConfigSchema.parse({ host: '127.0.0.1', port: 0, ...listen }), handler: async () => {}, logger });
  const port = await server.start();
  const warnings = () => lines.filter((line) => line.level >= 40).map((line) => line.msg);
  return { server, port, lines, warnings, stop: () => server.stop(1000) };
}

/** Connects, optionally writes `bytes`, then closes (`reset`: with a TCP RST, as some load balancers do). */
async function touch(port: number, bytes?: Buffer, how: 'end' | 'reset' = 'end'): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined);
  socket.resume(); // read what the relay says first (a secure-forward HELO), or the close never completes
  if (bytes) await new Promise((resolve) => socket.write(bytes, resolve));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  if (how === 'reset') socket.resetAndDestroy();
  else socket.end();
  await closed;
}

const tlsListen = { tls: { cert_file: path.join(TLS_DIR, 'server.crt'), key_file: path.join(TLS_DIR, 'server.key') } };

describe('a health check that connects and closes without a byte is counted and logged at debug only', () => {
  for (const [port, listen] of [['the plain port', {}], ['the TLS port', tlsListen], ['a port with a shared key (the relay speaks first)', { shared_key: 'k' }]] as const) {
    it(port, async () => {
      const relay = await receiver(listen);
      try {
        await touch(relay.port);
        await touch(relay.port, undefined, 'reset');
        await until(() => relay.server.stats.probes === 2);
        assert.deepEqual(relay.warnings(), []);
        assert.equal(relay.lines.filter((line) => line.msg.startsWith('connection closed without sending anything')).length, 2);
        assert.deepEqual([relay.server.stats.tlsFailures, relay.server.stats.connectionsClosedByServer, relay.server.stats.protocolErrors], [0, 0, 0]);
      } finally {
        await relay.stop();
      }
    });
  }
});

describe('anything else keeps its warning', () => {
  it('one stray byte on the plain port is a protocol error', async () => {
    const relay = await receiver();
    try {
      await touch(relay.port, Buffer.of(0xc1));
      await until(() => relay.server.stats.protocolErrors === 1);
      assert.deepEqual(relay.warnings(), ['closing forward connection']);
      assert.equal(relay.server.stats.probes, 0);
    } finally {
      await relay.stop();
    }
  });

  it('a byte that is not a TLS handshake on the TLS port is a TLS failure', async () => {
    const relay = await receiver(tlsListen);
    try {
      await touch(relay.port, Buffer.from('x'));
      await until(() => relay.server.stats.tlsFailures === 1);
      assert.deepEqual(relay.warnings(), ['TLS handshake failed']);
      assert.equal(relay.server.stats.probes, 0);
    } finally {
      await relay.stop();
    }
  });

  it('a TLS client that does not trust the relay is a TLS failure, not a probe', async () => {
    const relay = await receiver(tlsListen);
    try {
      const client = tls.connect({ host: '127.0.0.1', port: relay.port, ca: readFileSync(path.join(TLS_DIR, 'client.crt')) });
      await new Promise((resolve) => client.once('error', resolve));
      await until(() => relay.server.stats.tlsFailures === 1);
      assert.equal(relay.server.stats.probes, 0);
    } finally {
      await relay.stop();
    }
  });

  it('a connection left idle is closed by the relay with its reason', async () => {
    const relay = await receiver({ idle_timeout: '100ms' });
    try {
      const socket = net.connect({ host: '127.0.0.1', port: relay.port });
      await new Promise((resolve) => socket.once('close', resolve).on('error', () => undefined));
      assert.deepEqual(relay.warnings(), ['closing forward connection']);
      assert.equal(relay.server.stats.probes, 0);
    } finally {
      await relay.stop();
    }
  });
});
