/** A forward client with acks, and messages encoded as Fluent Bit sends them, for the demo and load tests. */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { Packr } from 'msgpackr';
import { EventTime } from './event-time.js';
import { FrameReader } from './frame-reader.js';
import { RawString, arrayHeader, decodeRaw, encode } from './msgpack.js';

const packr = new Packr({ useRecords: false });
const EMPTY_MAP32 = Buffer.from('df00000000', 'hex');

function eventTimeBytes(time: EventTime): Buffer {
  const bytes = Buffer.alloc(10);
  bytes[0] = 0xd7;
  bytes[1] = 0x00;
  bytes.writeUInt32BE(time.seconds, 2);
  bytes.writeUInt32BE(time.nanoseconds, 6);
  return bytes;
}

/** A record as Fluent Bit packs it: a map32 header whatever the size, then its keys and values. */
function recordBytes(record: Record<string, unknown>): Buffer {
  const entries = Object.entries(record);
  const header = Buffer.of(0xdf, 0, 0, 0, 0);
  header.writeUInt32BE(entries.length, 1);
  return Buffer.concat([header, ...entries.flatMap(([key, value]) => [packr.pack(key), packr.pack(value)])]);
}

export interface EncodedMessage {
  bytes: Buffer;
  chunk: string;
}

/**
 * Encodes records as Fluent Bit 5.1.1's out_forward does with `Require_ack_response On`: Forward mode, entries
 * `[[EventTime, {}], record]` (both maps as map32), options `{chunk, size, fluent_signal: 0}`, the chunk id being base64 of the first 16
 * bytes of the SHA-512 of the entries (so a resend carries the same id). Used by the demo and the benchmarks.
 */
export function encodeForwardMessage(tag: string, records: Record<string, unknown>[], time: EventTime = EventTime.fromNumber(Date.now() / 1000)): EncodedMessage {
  const entryHead = Buffer.concat([Buffer.of(0x92, 0x92), eventTimeBytes(time), EMPTY_MAP32]);
  const entries = Buffer.concat([arrayHeader(records.length), ...records.flatMap((record) => [entryHead, recordBytes(record)])]);
  const chunk = createHash('sha512').update(entries).digest().subarray(0, 16).toString('base64');
  // Fluent Bit writes its options as a map32 in this key order.
  const options = Buffer.concat([
    Buffer.from('df00000003', 'hex'),
    encode('chunk'),
    encode(chunk),
    encode('size'),
    packr.pack(records.length),
    encode('fluent_signal'),
    Buffer.of(0x00),
  ]);
  return { bytes: Buffer.concat([Buffer.of(0x93), encode(tag), entries, options]), chunk };
}

/**
 * A minimal forward client with acks (no handshake): sends pre-encoded messages and resolves each send when the
 * server acks its chunk. For the demo and the load generator; Fluent Bit is the production client.
 */
export class ForwardClient {
  private readonly pending = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  private readonly reader = new FrameReader({ maxBytes: 1024 * 1024, maxDepth: 8 });

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) =>
      this.reader.push(data, (frame) => {
        const [reply] = decodeRaw(frame, 0);
        const ack = reply instanceof Map ? reply.get('ack') : undefined;
        const chunk = ack instanceof RawString ? ack.text : undefined;
        const waiter = chunk === undefined ? undefined : this.pending.get(chunk);
        if (chunk !== undefined && waiter) {
          this.pending.delete(chunk);
          waiter.resolve();
        }
        return true;
      }),
    );
    socket.on('close', () => this.failAll(new Error('connection closed before the ack')));
    socket.on('error', (error) => this.failAll(error));
  }

  static connect(host: string, port: number): Promise<ForwardClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new ForwardClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Writes the message; resolves when the server acks it. */
  send(message: EncodedMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.set(message.chunk, { resolve, reject });
      this.socket.write(message.bytes);
    });
  }

  close(): void {
    this.socket.end();
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
