/**
 * The counting HTTP sink, run as its own process (`fork`ed by CountSink) so that reading the relay's output does not
 * use the relay's CPU. It answers every request as its current fault mode says (2xx, a status storm, slow answers,
 * down), and for each request it answers 2xx counts the records by their sequence number. Controlled over IPC.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import zlib from 'node:zlib';
import { SeqCounter } from './seq.js';
import type { SinkMode, SinkReply, SinkRequest } from './count-sink.js';

const counter = new SeqCounter();
const byStatus: Record<string, number> = {};
let requests = 0;
let bytes = 0;
let mode: SinkMode = { status: 200 };
let port = 0;
let listening = false;
let random = 1;
const sockets = new Set<Socket>();

function chance(): number {
  random = (random * 1103515245 + 12345) % 2147483648;
  return random / 2147483648;
}

/**
 * Request bodies are gathered into buffers kept for the next requests (one per request in progress): a fresh
 * multi-megabyte Buffer.concat per request cost the sink more CPU (allocation, page faults, collection) than counting.
 */
const spare: Buffer[] = [];

function handle(request: IncomingMessage, response: ServerResponse): void {
  let body = spare.pop() ?? Buffer.allocUnsafe(1 << 20);
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    if (size + chunk.length > body.length) {
      const grown = Buffer.allocUnsafe(Math.max(body.length * 2, size + chunk.length));
      body.copy(grown, 0, 0, size);
      body = grown;
    }
    size += chunk.copy(body, size);
  });
  request.on('end', () => {
    requests++;
    const raw = body.subarray(0, size);
    bytes += raw.length;
    const failing = mode.status !== 200 && chance() < (mode.fraction ?? 1);
    const status = failing ? mode.status : 200;
    const answer = () => {
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      if (status >= 200 && status < 300) {
        const encoding = request.headers['content-encoding'];
        counter.addBody(encoding === 'gzip' ? zlib.gunzipSync(raw) : raw);
      }
      spare.push(body);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (failing && mode.retryAfter !== undefined) headers['retry-after'] = mode.retryAfter;
      response.writeHead(status, headers).end(status < 300 ? '{}' : '{"error":"injected"}');
    };
    if (mode.delayMs) setTimeout(answer, mode.delayMs);
    else answer();
  });
}

const server = createServer(handle);
server.keepAliveTimeout = 60_000;
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});

async function listen(): Promise<void> {
  if (listening) return;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as { port: number }).port;
  listening = true;
}

async function close(): Promise<void> {
  if (!listening) return;
  listening = false;
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
}

process.on('message', (request: SinkRequest) => {
  const reply = (body: Omit<SinkReply, 'id'>) => process.send?.({ id: request.id, ...body });
  void (async () => {
    switch (request.op) {
      case 'mode':
        mode = request.mode;
        return reply({ port });
      case 'down':
        await close();
        return reply({ port });
      case 'up':
        await listen();
        return reply({ port });
      case 'stats':
        return reply({
          port,
          stats: { requests, bytes, byStatus: { ...byStatus }, records: counter.records, unnumbered: counter.unnumbered, seq: counter.range(request.from, request.to) },
        });
    }
  })().catch((error: Error) => reply({ port, error: error.message }));
});

process.on('disconnect', () => process.exit(0));
await listen();
process.send?.({ id: 0, port });
