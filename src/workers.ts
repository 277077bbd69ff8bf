/**
 * The process model: one relay process, or a leader and followers. Every process handles records: the leader listens
 * on the forward port and hands each new connection, in turn, to itself or to a follower (node:cluster processes fed
 * over their IPC channel); it restarts a follower that dies and serves /metrics as the sum of every process.
 */
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { missingStartupFlags, workerExecArgv } from './config/heap.js';
import { relayMetrics } from './ops/relay-metrics.js';
import { OpsServer } from './ops/server.js';
import { mergeSnapshots, snapshotOf, type RelaySnapshot } from './ops/snapshot.js';
import type { RecordProcessor } from './contract.js';
import { Relay } from './relay.js';

/** Messages between the leader and its followers; a `connection` comes with the socket it hands over. */
type ToFollower = { type: 'snapshot'; id: number } | { type: 'connection' };
type ToLeader = { type: 'ready' } | { type: 'snapshot'; id: number; snapshot: RelaySnapshot };

/** How many relay processes to run, and why when the configuration asked for more than can be. */
export function workerCount(config: Config): { count: number; reason?: string } {
  const wanted = config.workers === 'auto' ? availableParallelism() : config.workers;
  const stdout = config.sinks.length === 0 || config.sinks.some((sink) => sink.type === 'file' && sink.path === '-') || config.dead_letter.path === '-';
  if (wanted > 1 && stdout) return { count: 1, reason: 'output goes to stdout, which takes a single writer' };
  return { count: wanted };
}

/** Runs `stop` on the first SIGTERM or SIGINT; a second signal does not start a second stop. */
function onStopSignal(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const once = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    void stop(signal);
  };
  process.on('SIGTERM', once);
  process.on('SIGINT', once);
}

function exitAfterLogs(logger: Logger, code: number): void {
  logger.flush(() => process.exit(code));
}

/** The heap flags only node's command line sets: this process has what it was started with. */
function noteMissingFlags(config: Config, logger: Logger): void {
  const missing = missingStartupFlags(config);
  if (missing.length > 0) {
    logger.info({ flags: missing }, `heap.max_semi_space and heap.single_threaded_gc are node start-up flags; this process runs without them unless started as node ${missing.join(' ')} (the container image is)`);
  }
}

async function startOps(config: Config, logger: Logger, metrics: () => Promise<string>, ready: () => boolean, workers: number): Promise<OpsServer | undefined> {
  if (!config.ops.enabled) return undefined;
  const ops = new OpsServer({ metrics, ready });
  logger.info({ port: await ops.start(config.ops.host, config.ops.port), workers }, 'serving /metrics, /healthz, /readyz');
  return ops;
}

/** One process: the relay and its ops server (`processor`: see RelayOptions). */
export async function runSingle(config: Config, logger: Logger, processor?: RecordProcessor): Promise<void> {
  noteMissingFlags(config, logger);
  const relay = new Relay({ config, logger, processor });
  await relay.start();
  const ops = await startOps(config, logger, async () => relayMetrics(snapshotOf(relay)), () => relay.ready, 1);
  onStopSignal(async (signal) => {
    logger.info({ signal, timeoutMs: config.shutdown_timeout }, 'shutting down: flushing and settling before exit');
    await relay.stop(config.shutdown_timeout);
    await ops?.stop();
    logger.info('stopped');
    exitAfterLogs(logger, 0);
  });
}

/** A follower: a whole relay fed connections by the leader; answers its metric requests. */
export async function runFollower(config: Config, logger: Logger): Promise<void> {
  const relay = new Relay({ config, logger });
  await relay.start({ handedOn: config.listen.port });
  process.on('message', (message: ToFollower, socket?: net.Socket) => {
    if (message.type === 'connection' && socket) relay.receiver.adopt(socket);
    else if (message.type === 'snapshot') process.send?.({ type: 'snapshot', id: message.id, snapshot: snapshotOf(relay) } satisfies ToLeader);
  });
  // The leader is gone (killed): stop like on SIGTERM, so nothing unsettled is acked.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  onStopSignal(async () => {
    await relay.stop(config.shutdown_timeout);
    exitAfterLogs(logger, 0);
  });
  process.send?.({ type: 'ready' } satisfies ToLeader);
}

/**
 * The leader: a relay like the followers, plus the forward port. It accepts each connection paused and hands it, in
 * turn, to itself or to a ready follower, so no process sits idle beside the ones that handle records. It forks
 * `count - 1` followers, restarts one that dies (its connections close; their senders resend what was not acked),
 * serves /metrics as the sum of every process, and on SIGTERM/SIGINT stops accepting, then stops them all gracefully.
 */
export async function runLeader(config: Config, logger: Logger, count: number): Promise<void> {
  noteMissingFlags(config, logger);
  const relay = new Relay({ config, logger });
  const followers: Worker[] = [];
  const pending = new Map<number, (snapshot: RelaySnapshot) => void>();
  let nextId = 0;
  let stopping = false;
  let allReady: () => void;
  const started = new Promise<void>((resolve) => (allReady = resolve));

  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (message: ToLeader) => {
      if (message.type === 'ready') {
        followers.push(worker);
        if (followers.length === count - 1) allReady();
      } else pending.get(message.id)?.(message.snapshot);
    });
    worker.on('exit', (code, signal) => {
      const index = followers.indexOf(worker);
      if (index >= 0) followers.splice(index, 1);
      if (stopping) return;
      if (index < 0) {
        // It never got as far as taking connections (an unreadable file): restarting would only loop.
        logger.fatal({ worker: worker.id, code, signal }, 'relay follower failed to start; stopping');
        stopping = true;
        for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
        exitAfterLogs(logger, 1);
        return;
      }
      logger.error({ worker: worker.id, code, signal }, 'relay follower died; starting another (its unacked messages are resent by their senders)');
      fork();
    });
  };
  // A follower's young generation and collector threads are set on its command line only (heap.max_semi_space, heap.single_threaded_gc).
  cluster.setupPrimary({ execArgv: workerExecArgv(config) });
  for (let i = 1; i < count; i++) fork();
  if (count > 1) await started;

  // Round robin over the leader (turn 0) and the ready followers; a hand-over that fails stays with the leader.
  let turn = 0;
  const acceptor = net.createServer({ pauseOnConnect: true }, (socket) => {
    const slot = turn++ % (followers.length + 1);
    if (slot === 0) return relay.receiver.adopt(socket);
    followers[slot - 1].send({ type: 'connection' } satisfies ToFollower, socket, (error: Error | null) => {
      if (error && !socket.destroyed) relay.receiver.adopt(socket);
    });
  });
  acceptor.on('error', (error) => logger.error({ err: error }, 'forward server error'));
  await new Promise<void>((resolve, reject) => {
    acceptor.once('error', reject);
    acceptor.listen(config.listen.port, config.listen.host, () => (acceptor.off('error', reject), resolve()));
  });
  // Logged once the port accepts, as a single process logs it.
  await relay.start({ handedOn: (acceptor.address() as net.AddressInfo).port });

  const snapshot = (worker: Worker) =>
    new Promise<RelaySnapshot>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => (pending.delete(id), reject(new Error(`worker ${worker.id} did not answer`))), 2000);
      pending.set(id, (value) => (clearTimeout(timer), pending.delete(id), resolve(value)));
      worker.send({ type: 'snapshot', id } satisfies ToFollower);
    });
  const ops = await startOps(
    config,
    logger,
    async () => relayMetrics(mergeSnapshots([snapshotOf(relay), ...(await Promise.all(followers.map(snapshot)))]), followers.length + 1),
    () => !stopping && relay.ready && followers.length === count - 1,
    count,
  );

  onStopSignal(async (signal) => {
    if (stopping) return; // already stopping because a follower failed to start
    stopping = true;
    logger.info({ signal, workers: count }, 'shutting down: every relay process flushes and settles before exit');
    acceptor.close();
    const exits = Object.values(cluster.workers ?? {})
      .filter((worker): worker is Worker => worker !== undefined)
      .map((worker) => {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.process.kill('SIGTERM');
        return exited;
      });
    await Promise.all([relay.stop(config.shutdown_timeout), ...exits]);
    await ops?.stop();
    logger.info('stopped');
    exitAfterLogs(logger, 0);
  });
}
