/**
 * An at-least-once forward client, as Fluent Bit behaves with `Require_ack_response On`: several connections, each
 * with a window of unacked messages; a message counts as delivered only when its ack arrives. When a connection
 * closes (the relay was killed, or closed it after its ack timeout), every message not acked on it is queued again
 * and resent, byte for byte, after reconnecting. Every wait is bounded by `deadlineMs`.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { FrameReader } from '../../src/forward/frame-reader.js';
import { RawString, decodeRaw } from '../../src/forward/msgpack.js';
import type { LoadMessage } from './messages.js';

export interface LoadOptions {
  host?: string;
  port: number;
  connections: number;
  /** Unacked messages per connection. */
  window: number;
  /** The next new message, or undefined when there are no more. */
  next: () => LoadMessage | undefined;
  /** Give up (reject) at this time (Date.now() scale). */
  deadlineMs: number;
  /** Pause before reconnecting after a failed connect or a close (default 50 ms). */
  reconnectDelayMs?: number;
}

export interface LoadStats {
  /** Messages written, first sends and resends. */
  writes: number;
  resends: number;
  acked: number;
  ackedRecords: number;
  ackedBytes: number;
  connects: number;
  failedConnects: number;
  /** Connections that closed with messages still unacked. */
  closedWithPending: number;
  /** Connections the server closed (any). */
  closedByPeer: number;
  /** Milliseconds from write to ack, one per acked message (of its last write). */
  latencies: number[];
}

interface Pending {
  message: LoadMessage;
  sentAt: number;
}

export class AtLeastOnceClient {
  readonly stats: LoadStats = {
    writes: 0,
    resends: 0,
    acked: 0,
    ackedRecords: 0,
    ackedBytes: 0,
    connects: 0,
    failedConnects: 0,
    closedWithPending: 0,
    closedByPeer: 0,
    latencies: [],
  };
  /** Messages to send again before any new one. */
  private readonly retry: LoadMessage[] = [];
  private readonly lanes = new Set<Lane>();
  private exhausted = false;
  private finished = false;
  private stopping = false;
  private settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LoadOptions) {}

  /** Resolves once every message the source gave was acked; rejects at the deadline. */
  run(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.deadlineTimer = setTimeout(() => this.end(new Error(`load not complete by the deadline: ${this.describe()}`)), Math.max(0, this.options.deadlineMs - Date.now()));
    for (let i = 0; i < this.options.connections; i++) this.open();
    return done;
  }

  /** Messages written and not acked yet, on every connection. */
  get unacked(): number {
    let n = this.retry.length;
    for (const lane of this.lanes) n += lane.pending.size;
    return n;
  }

  describe(): string {
    const s = this.stats;
    return `${s.acked} messages acked (${s.ackedRecords} records), ${this.unacked} unacked, ${s.writes} writes (${s.resends} resends), ${s.connects} connects, ${s.closedWithPending} closes with messages pending`;
  }

  /** Stops taking new messages from the source: run() resolves once what was sent is acked. */
  drain(): void {
    this.exhausted = true;
    this.checkDone();
  }

  /** Closes every connection and rejects run() if it has not resolved. */
  abort(): void {
    this.end(new Error(`aborted: ${this.describe()}`));
  }

  private end(error?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.stopping = true;
    clearTimeout(this.deadlineTimer);
    for (const lane of this.lanes) lane.socket.destroy();
    this.lanes.clear();
    if (error) this.settle?.reject(error);
    else this.settle?.resolve();
  }

  private open(): void {
    if (this.stopping) return;
    const socket = net.connect({ host: this.options.host ?? '127.0.0.1', port: this.options.port });
    socket.setNoDelay(true);
    const lane: Lane = { socket, pending: new Map(), connected: false, reader: new FrameReader({ maxBytes: 1 << 20, maxDepth: 8 }) };
    socket.once('connect', () => {
      lane.connected = true;
      this.stats.connects++;
      this.lanes.add(lane);
      this.pump(lane);
    });
    socket.on('data', (data: Buffer) => {
      try {
        lane.reader.push(data, (frame) => {
          this.onReply(lane, frame);
          return true;
        });
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      if (!lane.connected) this.stats.failedConnects++;
      else {
        this.stats.closedByPeer += this.stopping ? 0 : 1;
        if (lane.pending.size > 0) this.stats.closedWithPending++;
      }
      this.lanes.delete(lane);
      // Oldest first, ahead of anything queued later.
      this.retry.unshift(...[...lane.pending.values()].map((p) => p.message));
      lane.pending.clear();
      if (this.stopping) return;
      setTimeout(() => this.open(), this.options.reconnectDelayMs ?? 50).unref();
      this.checkDone();
    });
  }

  private onReply(lane: Lane, frame: Buffer): void {
    const [reply] = decodeRaw(frame, 0);
    const ack = reply instanceof Map ? reply.get('ack') : undefined;
    if (!(ack instanceof RawString)) return;
    const pending = lane.pending.get(ack.text);
    if (!pending) return;
    lane.pending.delete(ack.text);
    const stats = this.stats;
    stats.acked++;
    stats.ackedRecords += pending.message.records;
    stats.ackedBytes += pending.message.bytes.length;
    stats.latencies.push(performance.now() - pending.sentAt);
    this.pump(lane);
    this.checkDone();
  }

  private pump(lane: Lane): void {
    while (!this.stopping && lane.connected && !lane.socket.destroyed && lane.pending.size < this.options.window) {
      let message = this.retry.shift();
      if (message) this.stats.resends++;
      else if (!this.exhausted) {
        message = this.options.next();
        if (!message) this.exhausted = true;
      }
      if (!message) return;
      lane.pending.set(message.chunk, { message, sentAt: performance.now() });
      this.stats.writes++;
      lane.socket.write(message.bytes);
    }
  }

  private checkDone(): void {
    if (this.finished || !this.exhausted || this.unacked > 0) return;
    this.end();
  }
}

interface Lane {
  socket: net.Socket;
  pending: Map<string, Pending>;
  connected: boolean;
  reader: FrameReader;
}
