/**
 * An at-least-once forward client, as Fluent Bit behaves with `Require_ack_response On`: several connections, each
 * with a window of unacked messages; a message counts as delivered only when its ack arrives. When a connection
 * closes (the relay was killed, or closed it after its ack timeout), every message not acked on it is queued again
 * and resent, byte for byte, after reconnecting. Every wait is bounded by `deadlineMs`.
 *
 * Unpaced (the default) it is a closed loop: a connection sends its next message as soon as an ack frees its window,
 * which measures the maximum. With `recordsPerSecond` it is an open loop: new messages become due at an even pace
 * (message k at start + k × records per message / rate) and go out on the connections in turn; a due message that
 * finds no room in any window waits (counted in `late`), and its latency from the time it was due is kept apart
 * (`dueLatencies`), so a relay that falls behind shows up in the figures instead of slowing the generator down.
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
  /** Called once per message when its ack arrives; the client holds no reference to it afterwards. */
  onAcked?: (message: LoadMessage) => void;
  /** Pace new messages to this many records per second in total over all connections (default: as fast as acks allow). */
  recordsPerSecond?: number;
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
  /** Paced runs: milliseconds from when each acked message was due to its ack (≥ its latency when it went out late). */
  dueLatencies: number[];
  /** Paced runs: new messages that were due while every window was full, so went out only after an ack. */
  late: number;
}

interface Pending {
  message: LoadMessage;
  sentAt: number;
  /** When it was due (paced runs; else its first write). */
  dueAt: number;
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
    dueLatencies: [],
    late: 0,
  };
  /** Messages to send again before any new one. */
  private readonly retry: LoadMessage[] = [];
  private readonly lanes = new Set<Lane>();
  private exhausted = false;
  private finished = false;
  private stopping = false;
  private settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  /** Paced runs: when the pace started, how many new messages were taken so far, the timer of the next due one. */
  private paceStart = 0;
  private taken = 0;
  private messageIntervalMs = 0;
  private paceTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** Round-robin position over connections for paced sends. */
  private turn = 0;
  private readonly lastDue = new Map<string, number>();
  /** Paced runs: new messages with an index below this found every window full when they were due. */
  private blockedUpTo = 0;
  /** The first message of a paced run, taken to learn its size before the pace starts. */
  private firstMessage: LoadMessage | undefined;

  constructor(private readonly options: LoadOptions) {}

  /** Resolves once every message the source gave was acked; rejects at the deadline. */
  run(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.deadlineTimer = setTimeout(() => this.end(new Error(`load not complete by the deadline: ${this.describe()}`)), Math.max(0, this.options.deadlineMs - Date.now()));
    for (let i = 0; i < this.options.connections; i++) this.open();
    return done;
  }

  /** Paced runs: new messages due by now and not taken yet (unbounded: a relay that lags builds a backlog). */
  private due(now: number): number {
    if (this.messageIntervalMs === 0) return Infinity;
    if (this.paceStart === 0) return 0;
    return Math.floor((now - this.paceStart) / this.messageIntervalMs) + 1 - this.taken;
  }

  /** Paced runs: send what is due, on the connections in turn, and wake up when the next message is due. */
  private tick(): void {
    clearTimeout(this.paceTimer);
    this.paceTimer = undefined;
    if (this.stopping) return;
    const lanes = [...this.lanes];
    let idle = 0;
    while (idle < lanes.length && (this.retry.length > 0 || (!this.exhausted && this.due(performance.now()) > 0))) {
      const lane = lanes[this.turn++ % lanes.length];
      if (this.sendOne(lane)) idle = 0;
      else idle++;
    }
    if (this.exhausted) return;
    // Still due after every connection had its turn: those messages wait for an ack to free a window.
    const waiting = this.due(performance.now());
    if (waiting > 0) this.blockedUpTo = Math.max(this.blockedUpTo, this.taken + waiting);
    const nextDue = this.paceStart + this.taken * this.messageIntervalMs;
    // Everything due is out (or waits for an ack, which calls tick again): sleep until the next one is due.
    // Whole milliseconds, at least 1: with the exact fractional delay (sub-millisecond at times) the pace stalled for
    // good in about one run in three on Node 20 (reproduced against a stub server, not in a standalone timer test);
    // the watchdog in `open` covers any other lost wake-up.
    if (this.due(performance.now()) <= 0) this.paceTimer = setTimeout(() => this.tick(), Math.max(1, Math.ceil(nextDue - performance.now())));
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
    clearTimeout(this.paceTimer);
    clearInterval(this.watchdog);
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
      const { recordsPerSecond } = this.options;
      if (recordsPerSecond !== undefined && this.messageIntervalMs === 0) {
        // The pace starts with the first connection; messages are assumed to hold the same number of records.
        const first = this.options.next();
        if (!first) this.exhausted = true;
        else {
          this.firstMessage = first;
          this.messageIntervalMs = (first.records / recordsPerSecond) * 1000;
          this.paceStart = performance.now();
          // Every 20 ms, whatever is due and still unsent goes out (a no-op while every window is full).
          this.watchdog = setInterval(() => {
            if (this.due(performance.now()) > 0) this.tick();
          }, 20);
        }
      }
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
    this.lastDue.delete(ack.text);
    const stats = this.stats;
    stats.acked++;
    stats.ackedRecords += pending.message.records;
    stats.ackedBytes += pending.message.bytes.length;
    const now = performance.now();
    stats.latencies.push(now - pending.sentAt);
    stats.dueLatencies.push(now - pending.dueAt);
    this.options.onAcked?.(pending.message);
    this.pump(lane);
    this.checkDone();
  }

  private pump(lane: Lane): void {
    if (this.messageIntervalMs > 0) return this.tick();
    while (this.sendOne(lane));
  }

  /** Writes one message (a resend first, else a new one if due) on `lane` if its window has room; false if none went. */
  private sendOne(lane: Lane): boolean {
    if (this.stopping || !lane.connected || lane.socket.destroyed || lane.pending.size >= this.options.window) return false;
    const now = performance.now();
    let message = this.retry.shift();
    let dueAt = message ? (this.lastDue.get(message.chunk) ?? now) : now;
    if (message) this.stats.resends++;
    else if (!this.exhausted && this.due(now) > 0) {
      if (this.messageIntervalMs > 0) {
        dueAt = this.paceStart + this.taken * this.messageIntervalMs;
        if (this.taken < this.blockedUpTo) this.stats.late++;
      }
      this.taken++;
      message = this.firstMessage ?? this.options.next();
      this.firstMessage = undefined;
      if (!message) this.exhausted = true;
    }
    if (!message) return false;
    if (this.messageIntervalMs > 0) this.lastDue.set(message.chunk, dueAt);
    lane.pending.set(message.chunk, { message, sentAt: now, dueAt });
    this.stats.writes++;
    lane.socket.write(message.bytes);
    return true;
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

/**
 * One closed-loop phase: sends for `seconds`, then stops taking new messages and waits until what was sent is acked
 * (giving up 180 s after the phase). Resolves with the client, for its stats.
 */
export async function runPhase(options: Omit<LoadOptions, 'deadlineMs'>, seconds: number): Promise<AtLeastOnceClient> {
  const client = new AtLeastOnceClient({ ...options, deadlineMs: Date.now() + seconds * 1000 + 180_000 });
  const timer = setTimeout(() => client.drain(), seconds * 1000);
  try {
    await client.run();
  } finally {
    clearTimeout(timer);
  }
  return client;
}
