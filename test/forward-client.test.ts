/** A third-party forward client against the receiver: every mode with acks, handshake, user auth, TLS, mTLS. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FluentClient, type EventModes } from '@fluent-org/logger';
import { exchange, startReceiver, type Receiver } from './helpers/forward.js';
import { REPO_DIR } from './helpers/paths.js';

const TLS_DIR = path.join(REPO_DIR, 'test', 'fixtures', 'tls');
const tlsFile = (name: string) => path.join(TLS_DIR, name);
const MODES: EventModes[] = ['Message', 'Forward', 'PackedForward', 'CompressedPackedForward'];

/** Sends `count` records with the real @fluent-org/logger client and waits until each one is acked. */
async function sendWithClient(
  receiver: Receiver,
  options: { mode: EventModes; count: number; security?: { clientHostname: string; sharedKey: string; username?: string; password?: string }; tls?: object },
): Promise<void> {
  const client = new FluentClient('zpa', {
    eventMode: options.mode,
    socket: { host: '127.0.0.1', port: receiver.port, tls: options.tls, disableReconnect: true, timeout: 5000 },
    security: options.security,
    ack: { ackTimeout: 5000 },
    flushInterval: 5,
    milliseconds: true,
    disconnect: { waitForPending: true, waitForPendingDelay: 5000, socketDisconnectDelay: 0 },
  });
  try {
    // With reconnection off the client does not connect by itself.
    await client.connect();
    await Promise.all(
      Array.from({ length: options.count }, (_, i) => client.emit('user-activity', { Seq: i, Username: `user${i}@acme.com`, Latitude: 45.5 + i })),
    );
  } finally {
    await client.shutdown();
  }
}

function sequences(receiver: Receiver): number[] {
  return receiver.messages.flatMap((message) => message.entries.map((entry) => entry.record.Seq as number)).sort((a, b) => a - b);
}

describe('a real third-party forward client (@fluent-org/logger)', () => {
  for (const mode of MODES) {
    it(`${mode} with acks: every record arrives exactly once, tagged and typed`, async () => {
      const receiver = await startReceiver();
      try {
        await sendWithClient(receiver, { mode, count: 300 });
        assert.deepEqual(sequences(receiver), Array.from({ length: 300 }, (_, i) => i));
        const entry = receiver.messages[0].entries[0];
        assert.equal(receiver.messages[0].tag, 'zpa.user-activity');
        assert.equal(entry.record.Latitude, 45.5 + (entry.record.Seq as number));
        assert.ok(receiver.messages.every((message) => message.chunk !== undefined), 'the client asked for acks');
        assert.equal(receiver.server.stats.acks, receiver.messages.length);
      } finally {
        await receiver.stop();
      }
    });
  }

  it('shared key handshake: accepted, records delivered, hostname known', async () => {
    const receiver = await startReceiver({ shared_key: 's3cret' });
    try {
      await sendWithClient(receiver, { mode: 'PackedForward', count: 50, security: { clientHostname: 'fb-client', sharedKey: 's3cret' } });
      assert.equal(sequences(receiver).length, 50);
      assert.equal(receiver.messages[0].peer.hostname, 'fb-client');
    } finally {
      await receiver.stop();
    }
  });

  it('shared key plus user auth: accepted, user known', async () => {
    const receiver = await startReceiver({ shared_key: 's3cret', users: [{ username: 'alice', password: 'wonderland' }, { username: 'bob', password: 'builder' }] });
    try {
      await sendWithClient(receiver, { mode: 'Forward', count: 20, security: { clientHostname: 'fb-client', sharedKey: 's3cret', username: 'bob', password: 'builder' } });
      assert.equal(sequences(receiver).length, 20);
      assert.equal(receiver.messages[0].peer.user, 'bob');
    } finally {
      await receiver.stop();
    }
  });

  for (const [what, security] of [
    ['a wrong shared key', { clientHostname: 'fb-client', sharedKey: 'guess' }],
    ['a wrong password', { clientHostname: 'fb-client', sharedKey: 's3cret', username: 'alice', password: 'guess' }],
    ['an unknown user', { clientHostname: 'fb-client', sharedKey: 's3cret', username: 'mallory', password: 'wonderland' }],
  ] as const) {
    it(`${what} is rejected: socket closed, nothing delivered`, async () => {
      const receiver = await startReceiver({ shared_key: 's3cret', users: [{ username: 'alice', password: 'wonderland' }] });
      try {
        // The client never gets an established session, so its sends neither succeed nor return: bound the wait.
        const outcome = await Promise.race([
          sendWithClient(receiver, { mode: 'Forward', count: 3, security }).then(() => 'delivered', () => 'failed'),
          new Promise((resolve) => setTimeout(() => resolve('no session'), 1500)),
        ]);
        assert.notEqual(outcome, 'delivered');
        assert.equal(receiver.messages.length, 0);
        assert.ok(receiver.server.stats.handshakeFailures >= 1);
        assert.equal(receiver.server.connectionCount, 0, 'the rejected socket is closed');
      } finally {
        await receiver.stop();
      }
    });
  }

  it('a client that skips the handshake and sends data is closed without delivery', async () => {
    const receiver = await startReceiver({ shared_key: 's3cret' });
    try {
      const result = await exchange(receiver.port, [Buffer.from('92a37a7061c0', 'hex')], { timeoutMs: 2000 });
      assert.equal(result.closed, true);
      assert.equal(receiver.messages.length, 0);
    } finally {
      await receiver.stop();
    }
  });
});

describe('TLS and mutual TLS', () => {
  const serverTls = { cert_file: tlsFile('server.crt'), key_file: tlsFile('server.key') };
  const trustServer = { ca: readFileSync(tlsFile('ca.crt')), servername: 'localhost' };

  it('TLS with shared key and acks: every record arrives', async () => {
    const receiver = await startReceiver({ tls: serverTls, shared_key: 's3cret' });
    try {
      await sendWithClient(receiver, { mode: 'CompressedPackedForward', count: 100, tls: trustServer, security: { clientHostname: 'fb-client', sharedKey: 's3cret' } });
      assert.equal(sequences(receiver).length, 100);
    } finally {
      await receiver.stop();
    }
  });

  it('mutual TLS: a client certificate from the configured CA is accepted', async () => {
    const receiver = await startReceiver({ tls: { ...serverTls, ca_file: tlsFile('ca.crt'), client_auth: true } });
    try {
      const clientCert = { cert: readFileSync(tlsFile('client.crt')), key: readFileSync(tlsFile('client.key')) };
      await sendWithClient(receiver, { mode: 'PackedForward', count: 40, tls: { ...trustServer, ...clientCert } });
      assert.equal(sequences(receiver).length, 40);
    } finally {
      await receiver.stop();
    }
  });

  for (const [what, clientCert] of [
    ['a missing client certificate', {}],
    ['a client certificate from an untrusted CA', { cert: readFileSync(tlsFile('rogue-client.crt')), key: readFileSync(tlsFile('rogue-client.key')) }],
  ] as const) {
    it(`mutual TLS: ${what} is rejected, nothing delivered`, async () => {
      const receiver = await startReceiver({ tls: { ...serverTls, ca_file: tlsFile('ca.crt'), client_auth: true } });
      try {
        const message = Buffer.from('93a37a7061d7000000000100000000' + '81a3536571' + '01', 'hex');
        const result = await exchange(receiver.port, [message], { tls: { ...trustServer, ...clientCert }, timeoutMs: 2000 }).catch(() => ({ closed: true, replies: Buffer.alloc(0) }));
        assert.equal(result.closed, true);
        assert.equal(receiver.messages.length, 0);
        assert.equal(receiver.server.stats.tlsFailures, 1);
      } finally {
        await receiver.stop();
      }
    });
  }
});
