/** The forward-protocol server over TCP or TLS: accepts connections, pauses for backpressure, stops gracefully. */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import pino, { type Logger } from 'pino';
import type { ListenConfig } from './config.js';
import { ForwardConnection, noteProbe, type ConnectionContext } from './connection.js';
import type { HandshakeConfig } from './handshake.js';
import type { MessageHandler } from './message.js';
import { newReceiverStats, type ReceiverStats } from './stats.js';

export interface ForwardServerOptions {
  listen: ListenConfig;
  handler: MessageHandler;
  logger?: Logger;
  /** Tests inject the nonce and auth salt of a capture. */
  random?: HandshakeConfig['random'];
  /**
   * Give each request's memory back (shared/buffer-pool.ts) as soon as its message is settled, instead of at the next
   * full garbage collection. The handler must then not read a message's entries once its promise resolved: the relay
   * does not; a test that keeps messages to look at later would read nothing.
   */
  releaseSettled?: boolean;
}

function peerOf(socket: net.Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}

/** The TCP socket a server-side TLS socket wraps (node keeps it as `_parent`, on Node 20 and 24 alike). */
function tcpUnder(socket: tls.TLSSocket): net.Socket | undefined {
  return (socket as tls.TLSSocket & { _parent?: net.Socket })._parent ?? undefined;
}

/** Nesting allowed in a request: [tag, [[[time, metadata], record]]] plus records with nested maps. */
const MAX_DEPTH = 64;

/**
 * The forward-protocol server (TCP or TLS). It owns the listening socket and the connections; each connection frames,
 * decodes and acks on its own. `pause()`/`resume()` stop and restart reading from every socket: backpressure.
 */
export class ForwardServer {
  readonly stats: ReceiverStats = newReceiverStats();
  private readonly server: net.Server;
  private readonly connections = new Set<ForwardConnection>();
  private readonly ctx: ConnectionContext;
  private paused = false;

  constructor(private readonly options: ForwardServerOptions) {
    const { listen } = options;
    const logger = options.logger ?? pino({ level: 'silent' });
    this.ctx = {
      limits: {
        maxMessageBytes: listen.max_message_size,
        maxDecompressedBytes: listen.max_decompressed_size,
        maxDepth: MAX_DEPTH,
        idleTimeoutMs: listen.idle_timeout,
        ackTimeoutMs: listen.ack_timeout,
      },
      handshake: listen.shared_key
        ? { sharedKey: listen.shared_key, selfHostname: listen.self_hostname, users: listen.users, random: options.random }
        : undefined,
      handler: options.handler,
      releaseSettled: options.releaseSettled ?? false,
      logger,
      stats: this.stats,
    };
    if (listen.tls) {
      const server = tls.createServer({
        cert: readFileSync(listen.tls.cert_file),
        key: readFileSync(listen.tls.key_file),
        ca: listen.tls.ca_file ? readFileSync(listen.tls.ca_file) : undefined,
        requestCert: listen.tls.client_auth,
        rejectUnauthorized: listen.tls.client_auth,
        minVersion: listen.tls.min_version,
      });
      // Each TCP connection's peer, taken while it is known: a failed handshake has closed its TLS socket already.
      const peers = new WeakMap<net.Socket, string>();
      server.on('connection', (socket: net.Socket) => peers.set(socket, peerOf(socket)));
      server.on('secureConnection', (socket) => this.accept(socket));
      server.on('tlsClientError', (error, socket) => {
        const raw = tcpUnder(socket);
        const peer = (raw && peers.get(raw)) ?? peerOf(socket);
        // Not a byte came before the handshake failed: a load balancer's TCP check.
        if (raw?.bytesRead === 0) return noteProbe(this.ctx, peer);
        this.stats.tlsFailures++;
        logger.warn({ peer, reason: error.message }, 'TLS handshake failed');
      });
      this.server = server;
    } else {
      this.server = net.createServer((socket) => this.accept(socket));
    }
    this.server.on('error', (error) => logger.error({ err: error }, 'forward server error'));
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  async start(): Promise<number> {
    const { host, port } = this.options.listen;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  /**
   * Takes a connection accepted elsewhere (paused, not read from: the leader of several processes accepts them all),
   * as if this server had accepted it; TLS is negotiated here.
   */
  adopt(socket: net.Socket): void {
    this.server.emit('connection', socket);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops reading from every socket (the in-flight budget is full). */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    for (const connection of this.connections) connection.socket.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const connection of this.connections) connection.socket.resume();
  }

  /**
   * Stops accepting, waits (up to `timeoutMs`) for every pending message to settle and be acked, then closes every
   * connection. Messages still unsettled at the deadline are not acked: their senders retry them.
   */
  async stop(timeoutMs: number): Promise<void> {
    // No new requests either: what is already received settles and is acked, the rest stays with the sender.
    this.pause();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const deadline = Date.now() + timeoutMs;
    while ([...this.connections].some((connection) => connection.waiting) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const connection of this.connections) connection.close(undefined);
    await closed;
  }

  private accept(socket: net.Socket): void {
    const { logger } = this.ctx;
    if (this.connections.size >= this.options.listen.max_connections) {
      this.stats.connectionsRejected++;
      logger.warn({ peer: peerOf(socket), reason: `max_connections (${this.options.listen.max_connections}) reached` }, 'refusing forward connection');
      socket.destroy();
      return;
    }
    this.stats.connectionsAccepted++;
    const connection = new ForwardConnection(socket, this.ctx, (closed) => this.connections.delete(closed));
    this.connections.add(connection);
    // A connection accepted paused (adopt) reads only once resumed.
    if (this.paused) socket.pause();
    else socket.resume();
  }
}
