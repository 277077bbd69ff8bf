import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { missingStartupFlags, workerExecArgv } from './config/heap.js';
import { relayMetrics } from './ops/relay-metrics.js';
import { OpsServer } from './ops/server.js';
import { mergeSnapshots, snapshotOf, type RelaySnapshot } from './ops/snapshot.js';
import type { RecordProcessor } from './contract.js';
import { Relay } from './relay.js';

/** Messages between the primary and its workers. */
type ToWorker = { type: 'snapshot'; id: number };
type ToPrimary = { type: 'ready' } | { type: 'snapshot'; id: number; snapshot: RelaySnapshot };

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

/** Stops the relay on SIGTERM/SIGINT, then runs `after`. */
function onSignals(relay: Relay, config: Config, logger: Logger, after: () => Promise<void>): void {
  onStopSignal(async (signal) => {
    logger.info({ signal, timeoutMs: config.shutdown_timeout }, 'shutting down: flushing and settling before exit');
    await relay.stop(config.shutdown_timeout);
    await after();
  });
}

function exitAfterLogs(logger: Logger, code: number): void {
  logger.flush(() => process.exit(code));
}

/** One process: the relay and its ops server (`processor`: see RelayOptions). */
export async function runSingle(config: Config, logger: Logger, processor?: RecordProcessor): Promise<void> {
  const missing = missingStartupFlags(config);
  if (missing.length > 0) {
    logger.info({ flags: missing }, `heap.max_semi_space and heap.single_threaded_gc apply to worker processes; a single process runs without them unless started as node ${missing.join(' ')} (the container image is)`);
  }
  const relay = new Relay({ config, logger, processor });
  await relay.start();
  const ops = config.ops.enabled ? new OpsServer({ metrics: async () => relayMetrics(snapshotOf(relay)), ready: () => relay.ready }) : undefined;
  if (ops) logger.info({ port: await ops.start(config.ops.host, config.ops.port) }, 'serving /metrics, /healthz, /readyz');
  onSignals(relay, config, logger, async () => {
    await ops?.stop();
    logger.info('stopped');
    exitAfterLogs(logger, 0);
  });
}

/** A worker process: a whole relay on the port shared through the primary; answers the primary's metric requests. */
export async function runWorker(config: Config, logger: Logger): Promise<void> {
  const relay = new Relay({ config, logger });
  await relay.start();
  process.on('message', (message: ToWorker) => {
    if (message.type === 'snapshot') process.send?.({ type: 'snapshot', id: message.id, snapshot: snapshotOf(relay) } satisfies ToPrimary);
  });
  // The primary is gone (killed): stop like on SIGTERM, so nothing unsettled is acked.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  onSignals(relay, config, logger, async () => exitAfterLogs(logger, 0));
  process.send?.({ type: 'ready' } satisfies ToPrimary);
}

/**
 * The primary: forks `count` workers that share the forward port, restarts one that dies, serves /metrics as the sum
 * of every worker's counters, and on SIGTERM/SIGINT stops them all gracefully before exiting.
 */
export async function runPrimary(config: Config, logger: Logger, count: number): Promise<void> {
  const ready = new Set<Worker>();
  const pending = new Map<number, (snapshot: RelaySnapshot) => void>();
  let nextId = 0;
  let stopping = false;
  let allReady: () => void;
  const started = new Promise<void>((resolve) => (allReady = resolve));

  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (message: ToPrimary) => {
      if (message.type === 'ready') {
        ready.add(worker);
        if (ready.size === count) allReady();
      }
      else pending.get(message.id)?.(message.snapshot);
    });
    worker.on('exit', (code, signal) => {
      const wasReady = ready.delete(worker);
      if (stopping) return;
      if (!wasReady) {
        // It never got as far as listening (a port in use, an unreadable file): restarting would only loop.
        logger.fatal({ worker: worker.id, code, signal }, 'relay worker failed to start; stopping');
        stopping = true;
        for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
        exitAfterLogs(logger, 1);
        return;
      }
      logger.error({ worker: worker.id, code, signal }, 'relay worker died; starting another (its unacked messages are resent by their senders)');
      fork();
    });
  };
  // A worker's young generation and collector threads are set on its command line only (heap.max_semi_space, heap.single_threaded_gc).
  cluster.setupPrimary({ execArgv: workerExecArgv(config) });
  for (let i = 0; i < count; i++) fork();
  // As with one process, the ops endpoints answer only once the forward port is listening.
  await started;

  const snapshot = (worker: Worker) =>
    new Promise<RelaySnapshot>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => (pending.delete(id), reject(new Error(`worker ${worker.id} did not answer`))), 2000);
      pending.set(id, (value) => (clearTimeout(timer), pending.delete(id), resolve(value)));
      worker.send({ type: 'snapshot', id } satisfies ToWorker);
    });
  const ops = config.ops.enabled
    ? new OpsServer({
        metrics: async () => relayMetrics(mergeSnapshots(await Promise.all([...ready].map(snapshot))), ready.size),
        ready: () => !stopping && ready.size === count,
      })
    : undefined;
  if (ops) logger.info({ port: await ops.start(config.ops.host, config.ops.port), workers: count }, 'serving /metrics, /healthz, /readyz');

  onStopSignal(async (signal) => {
    if (stopping) return; // already stopping because a worker failed to start
    stopping = true;
    logger.info({ signal, workers: count }, 'shutting down: every worker flushes and settles before exit');
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    await Promise.all(
      workers.map((worker) => {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.process.kill('SIGTERM');
        return exited;
      }),
    );
    await ops?.stop();
    logger.info('stopped');
    exitAfterLogs(logger, 0);
  });
}
