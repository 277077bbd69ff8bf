/** Forward-protocol test tools: a real receiver, raw socket exchanges, captures, and an independent decoder. */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { ExtensionCodec, decodeMulti } from '@msgpack/msgpack';
import { listenConfigSchema } from '../../src/forward/config.js';
import { EventTime } from '../../src/forward/event-time.js';
import type { ForwardMessage } from '../../src/forward/message.js';
import { ForwardServer } from '../../src/forward/server.js';
import { CAPTURES_DIR } from './paths.js';

export function capture(name: string): Buffer {
  return readFileSync(path.join(CAPTURES_DIR, name));
}

export interface Receiver {
  server: ForwardServer;
  port: number;
  messages: ForwardMessage[];
  stop(): Promise<void>;
}

/**
 * Starts a real receiver on 127.0.0.1 with a handler that records every message and settles it through `settle`
 * (immediately by default).
 */
export async function startReceiver(
  listen: Record<string, unknown> = {},
  options: { settle?: (message: ForwardMessage) => Promise<void>; random?: (size: number) => Buffer; releaseSettled?: boolean } = {},
): Promise<Receiver> {
  const messages: ForwardMessage[] = [];
  const server = new ForwardServer({
    listen: listenConfigSchema.parse({ host: '127.0.0.1', port: 0, self_hostname: 'capture-server', ...listen }),
    handler: async (message) => {
      messages.push(message);
      if (options.settle) await options.settle(message);
    },
    random: options.random,
    releaseSettled: options.releaseSettled,
  });
  const port = await server.start();
  return { server, port, messages, stop: () => server.stop(1000) };
}

export interface Exchange {
  replies: Buffer;
  /** True when the server closed the connection. */
  closed: boolean;
}

/**
 * Connects, writes `parts` one read at a time (waiting between writes so each arrives as its own read), and collects
 * what the server answers until it has `expectBytes`, the server closes, or `timeoutMs` passes.
 */
export async function exchange(
  port: number,
  parts: Buffer[],
  options: { expectBytes?: number; until?: (replies: Buffer) => boolean; timeoutMs?: number; tls?: tls.ConnectionOptions; gapMs?: number } = {},
): Promise<Exchange> {
  const socket = options.tls
    ? tls.connect({ host: '127.0.0.1', port, ...options.tls })
    : net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  const received: Buffer[] = [];
  let total = 0;
  let closed = false;
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(finish, options.timeoutMs ?? 3000);
    // Also stop as soon as the caller's condition holds (e.g. every record arrived).
    const poll = options.until ? setInterval(() => options.until?.(Buffer.concat(received)) && finish(), 2) : undefined;
    function finish(): void {
      clearTimeout(timer);
      clearInterval(poll);
      resolve();
    }
    socket.on('data', (data: Buffer) => {
      received.push(data);
      total += data.length;
      if (options.expectBytes !== undefined && total >= options.expectBytes) finish();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once(options.tls ? 'secureConnect' : 'connect', resolve);
    socket.once('error', reject);
  });
  for (const part of parts) {
    if (closed) break;
    socket.write(part);
    if (parts.length > 1) await new Promise((resolve) => setTimeout(resolve, options.gapMs ?? 2));
  }
  await done;
  socket.destroy();
  return { replies: Buffer.concat(received), closed };
}

/** Splits `bytes` at the given offsets. */
export function splitAt(bytes: Buffer, offsets: number[]): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    if (offset > start && offset < bytes.length) {
      parts.push(bytes.subarray(start, offset));
      start = offset;
    }
  }
  parts.push(bytes.subarray(start));
  return parts;
}

/** A deterministic pseudo-random generator for sampled split points and mutations. */
export { seededRandom as seeded } from '../../src/zpa/index.js';

export interface OracleEntry {
  tag: string;
  seconds: number;
  nanoseconds: number;
  metadata: unknown;
  record: unknown;
}

const oracleCodec = new ExtensionCodec();
oracleCodec.register({
  type: 0,
  encode: () => null,
  decode: (data) => new EventTime(new DataView(data.buffer, data.byteOffset).getUint32(0), new DataView(data.buffer, data.byteOffset).getUint32(4)),
});

/** Integers as numbers where exact, else BigInt: the representation the receiver promises. */
export function normalize(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(normalize);
  if (value instanceof Uint8Array || value instanceof EventTime || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normalize(item)]));
}

/**
 * An independent decoding of a capture (the @msgpack/msgpack library, zlib) giving every log entry in wire order:
 * the oracle the receiver's output is compared with. Handshake PINGs are skipped.
 */
export function oracleEntries(bytes: Buffer): OracleEntry[] {
  const out: OracleEntry[] = [];
  const decode = (data: Uint8Array) => [...decodeMulti(data, { extensionCodec: oracleCodec, useBigInt64: true })];
  for (const request of decode(bytes)) {
    if (!Array.isArray(request) || request[0] === 'PING') continue;
    const [tag, second, third] = request as [string, unknown, unknown];
    let entries: unknown[];
    if (Array.isArray(second)) entries = second;
    else if (second instanceof Uint8Array) {
      const options = third as { compressed?: string } | undefined;
      entries = decode(options?.compressed === 'gzip' ? gunzipSync(second) : second);
    } else entries = [[second, third]];
    for (const entry of entries) {
      const [head, record] = entry as [unknown, unknown];
      const [time, metadata] = Array.isArray(head) ? head : [head, undefined];
      const eventTime = time instanceof EventTime ? time : EventTime.fromNumber(Number(time));
      out.push({ tag, seconds: eventTime.seconds, nanoseconds: eventTime.nanoseconds, metadata: normalize(metadata), record: normalize(record) });
    }
  }
  return out;
}

/** The receiver's messages flattened the same way, for comparison with oracleEntries. */
export function receivedEntries(messages: ForwardMessage[]): OracleEntry[] {
  return messages.flatMap((message) =>
    message.entries.map((entry) => ({
      tag: message.tag,
      seconds: entry.time.seconds,
      nanoseconds: entry.time.nanoseconds,
      metadata: normalize(entry.metadata),
      record: normalize(entry.record),
    })),
  );
}
