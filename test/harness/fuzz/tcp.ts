/**
 * The TCP phase: a real relay (relay-child.ts, its own process) with an HTTP sink on 127.0.0.1 (the counting sink,
 * count-sink.ts, another process) receives mutated inputs on throwaway connections, several at a time, while one good
 * connection sends valid messages with acks for the whole phase. Properties:
 *   - every good message is acked on that one connection (within ackTimeoutMs), and the connection is never closed;
 *   - every good record reaches the sink (by sequence number; none missing);
 *   - the relay stays up (no exit, no refused connection) and logs no internal error (a throw that is not a
 *     ProtocolError is logged at error level by the connection);
 *   - when the phase is over, no throwaway connection is left open in the relay;
 *   - its memory stays bounded (memory.ts), sampled every sampleEveryMs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ForwardClient } from '../../../src/forward/client.js';
import { CountSink } from '../count-sink.js';
import { MessagePool } from '../messages.js';
import { sleep, waitFor } from '../report.js';
import type { FuzzInputs } from './inputs.js';
import type { RelaySample } from './relay-child.js';
import type { MemorySample, PhaseReport, ViolationReport } from './run.js';

const CHILD = fileURLToPath(new URL('./relay-child.js', import.meta.url));

/** The relay child and the sink it delivers to. */
export class FuzzRelay {
  private nextId = 1;
  private readonly waiters = new Map<number, (reply: { sample?: RelaySample }) => void>();
  /** Set when the relay reported a fatal error or exited on its own. */
  fatal: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly sink: CountSink,
  ) {
    child.on('message', (reply: { id: number; sample?: RelaySample; fatal?: string }) => {
      if (reply.fatal) this.fatal = reply.fatal;
      this.waiters.get(reply.id)?.(reply);
      this.waiters.delete(reply.id);
    });
    child.on('exit', (code, signal) => {
      this.fatal ??= `relay exited (${code ?? signal})`;
      for (const waiter of this.waiters.values()) waiter({});
      this.waiters.clear();
    });
  }

  static async start(): Promise<FuzzRelay> {
    const sink = await CountSink.start();
    const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-fuzz-'));
    const config = {
      listen: { host: '127.0.0.1', port: 0 },
      ops: { enabled: false },
      workers: 1,
      dead_letter: { path: path.join(dir, 'dead-letter.ndjson') },
      sinks: [{ type: 'ndjson', name: 'fuzz', url: sink.url, batch: { max_wait: '20ms' }, retry: { initial_delay: '20ms', max_delay: '200ms', max_age: '60s' } }],
    };
    const child = fork(CHILD, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
      const [first] = (await Promise.race([
        once(child, 'message'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('the relay did not start')), 20_000).unref()),
      ])) as [{ port: number }];
      return new FuzzRelay(child, first.port, sink);
    } catch (error) {
      child.kill('SIGKILL');
      await sink.close();
      throw error;
    }
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  sample(): Promise<RelaySample | undefined> {
    if (!this.alive) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        resolve(undefined);
      }, 10_000);
      this.waiters.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply.sample);
      });
      this.child.send({ id, op: 'sample' });
    });
  }

  async stop(): Promise<void> {
    if (this.alive) {
      const exited = once(this.child, 'exit');
      this.child.send({ id: this.nextId++, op: 'stop' });
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await this.sink.close();
  }
}

export interface TcpOptions {
  /** Throwaway connections at once. */
  concurrency: number;
  /** How long a throwaway connection waits for the relay to close it before closing it itself (an incomplete input waits forever). */
  lingerMs: number;
  /** A good message not acked within this is a violation. */
  ackTimeoutMs: number;
  /** Relay memory sample period. */
  sampleEveryMs: number;
  /** Records per good message. */
  recordsPerMessage?: number;
  /** Stop early (time limit). */
  stop?: () => boolean;
  /** Called with each input index as it starts (progress). */
  progress?: (done: number) => void;
}

export interface TcpReport extends PhaseReport {
  good: { messages: number; records: number; maxAckMs: number; closed: boolean; sink: { expected: number; delivered: number; missing: number; duplicates: number } };
  relay: { closeReasons: Record<string, number>; stats: Record<string, number>; connectionsAfter: number; errors: string[] };
}

/**
 * Runs inputs [from, to) of the TCP phase against `relay`. Each throwaway connection writes one mutated input (in the
 * reads the input says) and waits until the relay closes it or lingerMs passes.
 */
export async function runTcp(relay: FuzzRelay, inputs: FuzzInputs, from: number, to: number, options: TcpOptions): Promise<TcpReport> {
  const report: TcpReport = {
    phase: 'tcp',
    from,
    to,
    inputs: 0,
    elapsedMs: 0,
    outcomes: {},
    reasons: {},
    slowest: undefined,
    overBudget: 0,
    records: 0,
    violations: [],
    memory: [],
    good: { messages: 0, records: 0, maxAckMs: 0, closed: false, sink: { expected: 0, delivered: 0, missing: 0, duplicates: 0 } },
    relay: { closeReasons: {}, stats: {}, connectionsAfter: -1, errors: [] },
  };
  const violation = (kind: string, message: string, index = -1, extra: Partial<ViolationReport> = {}) => {
    if (report.violations.length < 20) {
      report.violations.push({ phase: 'tcp', seed: inputs.seed, index, level: 'tcp', kind, message, stack: '', seedName: '', ops: [], input: Buffer.alloc(0), ...extra });
    }
  };
  const started = performance.now();
  let running = true;

  // Memory of the relay process, sampled all along.
  const memory: MemorySample[] = report.memory;
  const sampler = (async () => {
    while (running) {
      const sample = await relay.sample();
      if (sample) memory.push({ at: Math.round(performance.now() - started), heapUsed: sample.heapUsed, rss: sample.rss });
      await sleep(options.sampleEveryMs);
    }
  })();

  // The good connection: valid messages (two log types, Format none and json), one at a time, each acked.
  const pools = [new MessagePool('user-activity', 'none', options.recordsPerMessage ?? 20, { distinct: 2 }), new MessagePool('audit-log', 'json', options.recordsPerMessage ?? 20, { distinct: 2 })];
  let seq = 0;
  const good = (async () => {
    let client: ForwardClient;
    try {
      client = await ForwardClient.connect('127.0.0.1', relay.port);
    } catch (error) {
      violation('relay-down', `the good connection could not connect: ${(error as Error).message}`);
      return;
    }
    try {
      while (running) {
        const message = pools[report.good.messages % pools.length].message(seq);
        const sent = performance.now();
        let timer: NodeJS.Timeout | undefined;
        const acked = await Promise.race([
          client.send(message).then(
            () => 'acked' as const,
            (error: Error) => `closed: ${error.message}`,
          ),
          new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no ack within ${options.ackTimeoutMs} ms`), options.ackTimeoutMs))),
        ]);
        clearTimeout(timer);
        if (acked !== 'acked') {
          report.good.closed = acked.startsWith('closed');
          violation('good-connection', `good message ${report.good.messages} (records ${seq}..${seq + message.records - 1}): ${acked}`);
          return;
        }
        seq += message.records;
        report.good.messages++;
        report.good.records += message.records;
        report.good.maxAckMs = Math.max(report.good.maxAckMs, performance.now() - sent);
      }
    } finally {
      client.close();
    }
  })();

  // The throwaway connections.
  let next = from;
  const throwaway = async () => {
    while (running && next < to && !options.stop?.()) {
      const index = next++;
      const input = inputs.forward('tcp', index);
      const t0 = performance.now();
      const outcome = await sendOnce(relay.port, input.reads, options.lingerMs);
      const ms = performance.now() - t0;
      report.inputs++;
      options.progress?.(report.inputs);
      report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
      if (!report.slowest || ms > report.slowest.ms) report.slowest = { index, ms, bytes: input.bytes.length, seedName: input.seedName, ops: input.ops };
      if (outcome === 'refused') violation('relay-down', `connection refused at input ${index}: ${relay.fatal ?? 'the relay does not accept connections'}`, index, { input: input.bytes, seedName: input.seedName, ops: input.ops });
      if (!relay.alive) {
        violation('relay-down', `the relay died at or before input ${index}: ${relay.fatal}`, index, { input: input.bytes, seedName: input.seedName, ops: input.ops });
        running = false;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, throwaway));
  running = false;
  await good;
  await sampler;
  report.elapsedMs = performance.now() - started;

  // Every good record at the sink (it was acked, so it was delivered: this checks the relay's word).
  const expected = seq;
  await waitFor(async () => (await relay.sink.stats(0, expected)).seq.missing === 0, 10_000);
  const sinkStats = await relay.sink.stats(0, expected);
  report.good.sink = { expected, delivered: sinkStats.seq.delivered, missing: sinkStats.seq.missing, duplicates: sinkStats.seq.duplicates };
  if (sinkStats.seq.missing > 0) violation('lost-record', `${sinkStats.seq.missing} of ${expected} good records never reached the sink (e.g. ${sinkStats.seq.missingSample.join(', ')})`);

  // Every throwaway connection gone from the relay.
  let last: RelaySample | undefined;
  await waitFor(async () => {
    last = await relay.sample();
    return last !== undefined && last.connections === 0;
  }, 10_000);
  if (last) {
    memory.push({ at: Math.round(performance.now() - started), heapUsed: last.heapUsed, rss: last.rss });
    report.relay = { closeReasons: last.closeReasons, stats: last.stats, connectionsAfter: last.connections, errors: last.errors };
    if (last.connections !== 0) violation('connection-leak', `${last.connections} connections still open in the relay after every client closed`);
    if (last.errorCount > 0) violation('internal-error', `the relay logged ${last.errorCount} errors: ${last.errors[0]}`);
    for (const [reason, n] of Object.entries(last.closeReasons)) report.reasons[reason] = n;
  } else violation('relay-down', `the relay does not answer: ${relay.fatal ?? 'no sample'}`);
  if (!relay.alive) violation('relay-down', `the relay is gone: ${relay.fatal}`);
  return report;
}

/**
 * One throwaway connection: connect, write the reads back to back, then wait for the relay to close the connection
 * (a protocol error) or lingerMs (the input was incomplete, or accepted: nothing more happens).
 */
function sendOnce(port: number, reads: Buffer[], lingerMs: number): Promise<'closed-by-relay' | 'answered' | 'left-open' | 'refused'> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answered = false;
    let connected = false;
    let timer: NodeJS.Timeout | undefined;
    const done = (outcome: 'closed-by-relay' | 'answered' | 'left-open' | 'refused') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected && error.code === 'ECONNREFUSED') done('refused');
      // A reset after the relay closed on us mid-write: a close.
    });
    socket.on('data', () => (answered = true));
    socket.on('close', () => done(answered ? 'answered' : connected ? 'closed-by-relay' : 'refused'));
    socket.on('connect', () => {
      connected = true;
      socket.setNoDelay(true);
      for (const read of reads) if (read.length > 0) socket.write(read);
      timer = setTimeout(() => done(answered ? 'answered' : 'left-open'), lingerMs);
    });
  });
}
