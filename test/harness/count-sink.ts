/**
 * Controller of the counting HTTP sink child process (count-sink-server.ts): start it, switch its fault mode, take it
 * down and up on the same port, and ask it which sequence numbers arrived.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { SeqReport } from './seq.js';

/** How the sink answers: `status` (200 = healthy) for a `fraction` of requests (default all), after `delayMs`. */
export interface SinkMode {
  status: number;
  fraction?: number;
  retryAfter?: string;
  delayMs?: number;
}

export type SinkCommand = { op: 'mode'; mode: SinkMode } | { op: 'down' } | { op: 'up' } | { op: 'stats'; from: number; to: number };
export type SinkRequest = { id: number } & SinkCommand;

export interface SinkStats {
  requests: number;
  bytes: number;
  byStatus: Record<string, number>;
  /** Records received in 2xx-answered requests. */
  records: number;
  unnumbered: number;
  seq: SeqReport;
}

export interface SinkReply {
  id: number;
  port: number;
  error?: string;
  stats?: SinkStats;
}

const SERVER = fileURLToPath(new URL('./count-sink-server.js', import.meta.url));

export class CountSink {
  private nextId = 1;
  private readonly waiters = new Map<number, (reply: SinkReply) => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (reply: SinkReply) => {
      this.waiters.get(reply.id)?.(reply);
      this.waiters.delete(reply.id);
    });
  }

  static async start(): Promise<CountSink> {
    const child = fork(SERVER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const [first] = (await Promise.race([
      once(child, 'message'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('count sink did not start')), 10_000).unref()),
    ])) as [SinkReply];
    return new CountSink(child, first.port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/ingest`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  mode(mode: SinkMode): Promise<SinkReply> {
    return this.call({ op: 'mode', mode });
  }

  down(): Promise<SinkReply> {
    return this.call({ op: 'down' });
  }

  up(): Promise<SinkReply> {
    return this.call({ op: 'up' });
  }

  async stats(from: number, to: number): Promise<SinkStats> {
    const reply = await this.call({ op: 'stats', from, to });
    return reply.stats!;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private call(request: SinkCommand): Promise<SinkReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`count sink did not answer ${request.op}`)), 30_000);
      this.waiters.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.error) reject(new Error(reply.error));
        else resolve(reply);
      });
      this.child.send({ id, ...request });
    });
  }
}
