/** A real HTTP(S) target on 127.0.0.1 that records requests and answers as each test scripts it. */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type ServerOptions as TlsServerOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';

/** One request as the target received it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The bytes on the wire (compressed when Content-Encoding says so). */
  raw: Buffer;
  /** The body after undoing Content-Encoding. */
  text: string;
  receivedAt: number;
  /** The status the target answered, once it did (undefined for a reset). */
  status?: number;
}

/** How the target answers: a response (optionally after a delay), or a connection reset. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | 'reset';
export type Responder = (request: ReceivedRequest, index: number) => Reply;

/**
 * A real HTTP server on 127.0.0.1 that records every request and answers as the test scripts it: 503 storms, 429
 * with Retry-After, 413 above a size, slow answers, resets, partial-failure bodies. `stop()` then `start()` on the
 * same port gives "connection refused, then recovery".
 */
export class HttpTarget {
  readonly requests: ReceivedRequest[] = [];
  respond: Responder = () => ({ status: 200, body: '{}' });
  /** Requests being handled right now, and the most seen at once. */
  inFlight = 0;
  maxInFlight = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    public port: number,
    private readonly tls: TlsServerOptions | undefined,
  ) {}

  /**
   * A target listening on a free port (or not yet listening, to refuse connections until `start()`); HTTPS when
   * given TLS server options.
   */
  static async create(listening = true, tls?: TlsServerOptions): Promise<HttpTarget> {
    const target = new HttpTarget(0, tls);
    if (listening) await target.start();
    else {
      // Reserve a port number that is free now, and leave it closed.
      const probe = createServer().listen(0, '127.0.0.1');
      await once(probe, 'listening');
      target.port = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
    }
    return target;
  }

  url(path = '/ingest'): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}${path}`;
  }

  async start(): Promise<void> {
    const handler = (request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks);
        const received: ReceivedRequest = {
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          raw,
          text: decode(raw, request.headers['content-encoding']).toString('utf8'),
          receivedAt: Date.now(),
        };
        const index = this.requests.push(received) - 1;
        const reply = this.respond(received, index);
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        const finish = () => {
          this.inFlight--;
          if (reply === 'reset') {
            request.socket.destroy();
            return;
          }
          received.status = reply.status;
          response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
          response.end(reply.body ?? '');
        };
        if (reply !== 'reset' && reply.delayMs) setTimeout(finish, reply.delayMs);
        else finish();
      });
    };
    const server = this.tls ? createTlsServer(this.tls, handler) : createServer(handler);
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Close the listener and every connection: from now on connections are refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Every non-empty body line received, in order, including requests the target refused. */
  lines(): string[] {
    return this.requests.flatMap((request) => request.text.split('\n').filter(Boolean));
  }
}

function decode(raw: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'gzip') return zlib.gunzipSync(raw);
  if (encoding === 'zstd') return (zlib as unknown as { zstdDecompressSync(buffer: Buffer): Buffer }).zstdDecompressSync(raw);
  return raw;
}
