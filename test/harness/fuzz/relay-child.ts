/**
 * The relay under fuzz, as its own process (`fork`ed by FuzzRelay): the real Relay (forward receiver, processor,
 * dispatcher, HTTP sink) built from a configuration passed in argv, exactly as the CLI builds it, plus an IPC channel
 * the fuzzer uses to sample its memory (heapUsed after a full GC, RSS: this process only) and its receiver counters,
 * and to collect what it logged: connection closes counted by reason, and every error-level line (an internal error
 * handling a request is a violation: a throw that is not a ProtocolError).
 */
import pino from 'pino';
import { configSchema } from '../../../src/config/config.js';
import { Relay } from '../../../src/relay.js';
import { maskReason } from './check.js';
import { gc } from './run.js';

export interface RelaySample {
  heapUsed: number;
  rss: number;
  connections: number;
  stats: Record<string, number>;
  closeReasons: Record<string, number>;
  errors: string[];
  errorCount: number;
}

export type RelayRequest = { id: number; op: 'sample' } | { id: number; op: 'stop' };

const closeReasons: Record<string, number> = {};
const errors: string[] = [];
let errorCount = 0;

const logger = pino(
  { level: 'warn' },
  {
    write(line: string) {
      let entry: { level?: number; msg?: string; reason?: string; err?: { stack?: string; message?: string } };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if ((entry.level ?? 0) >= 50) {
        errorCount++;
        if (errors.length < 20) errors.push(`${entry.msg}: ${entry.err?.stack ?? entry.err?.message ?? line}`);
      } else if (entry.reason !== undefined) {
        const key = `${entry.msg}: ${maskReason(entry.reason)}`;
        closeReasons[key] = (closeReasons[key] ?? 0) + 1;
      }
    },
  },
);

process.on('uncaughtException', (error) => {
  process.send?.({ id: -1, fatal: `uncaughtException: ${error.stack ?? String(error)}` });
  process.exit(70);
});
process.on('unhandledRejection', (error) => {
  process.send?.({ id: -1, fatal: `unhandledRejection: ${(error as Error)?.stack ?? String(error)}` });
  process.exit(70);
});

const config = configSchema.parse(JSON.parse(process.argv[2]));
const relay = new Relay({ config, logger });
const port = await relay.start();

process.on('message', (request: RelayRequest) => {
  if (request.op === 'sample') {
    gc?.();
    const usage = process.memoryUsage();
    const sample: RelaySample = {
      heapUsed: usage.heapUsed,
      rss: usage.rss,
      connections: relay.receiver.connectionCount,
      stats: { ...relay.receiver.stats } as unknown as Record<string, number>,
      closeReasons: { ...closeReasons },
      errors: [...errors],
      errorCount,
    };
    process.send?.({ id: request.id, sample });
  } else if (request.op === 'stop') {
    void relay.stop(2000).then(() => {
      process.send?.({ id: request.id });
      process.exit(0);
    });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, port });
