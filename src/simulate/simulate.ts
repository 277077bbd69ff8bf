/** The LSS simulator: generated ZPA lines sent at a steady rate to Fluent Bit's tcp input of each log type. */
import { setMaxListeners } from 'node:events';
import type { ConnectionOptions } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { LssGenerator, seededRandom } from '../zpa/generate.js';
import type { LssFormat } from '../zpa/templates.js';
import { LineSender } from './line-sender.js';
import { LSS_PORTS } from './ports.js';

export interface SimulateOptions {
  /** A log type id (a schema's base name, e.g. `user-activity`) or `all`. */
  type: string;
  format: LssFormat;
  /** Lines per second, for each log type. */
  rate: number;
  /** Lines per log type, then stop. Without it, run until `signal` aborts. */
  count?: number;
  /**
   * `tcp://host[:port]` or `tls://host[:port]`. Without a port each log type goes to its own Fluent Bit input
   * (`LSS_PORTS`); with `all` a port is refused, since one input would tag every type the same.
   */
  to: URL;
  /** TLS client options (CA, verification); implied by `tls://`. */
  tls?: ConnectionOptions;
  /** With the same `baseTime`, same seed, same lines. */
  seed?: number;
  /** Event times are generated just before this instant (default: the clock when each line is made). */
  baseTime?: Date;
  /** Mix edge-case values into the records (empty, "unset", unicode, int64 max...). */
  edge?: boolean;
  signal?: AbortSignal;
  /**
   * Stop the whole run when some log type's lines could not be written for this long (a receiver down or not
   * reading): milliseconds, default 30 s; 0 waits forever.
   */
  stallTimeoutMs?: number;
  /** Connection errors, as they happen; the simulator keeps reconnecting. */
  onError?: (error: Error, logType: string) => void;
  /** Port per log type when `to` has none (default LSS_PORTS). */
  ports?: Readonly<Record<string, number>>;
}

/**
 * One socket write carries whole lines up to about this many characters: at high rates one write per line would cost
 * a syscall each, and multi-megabyte blocks, as measured, spend more time in the garbage collector than in generating
 * the lines.
 */
const BLOCK_CHARS = 64 * 1024;

export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

export interface SimulateResult {
  /** Lines the sockets accepted. */
  sent: number;
  /** Lines asked for (`count` for every log type) and not sent: interrupted or stalled. 0 without a count. */
  missing: number;
  /** Why the run stopped early: a log type whose lines could not be written for `stallTimeoutMs`. */
  stalled?: string;
}

/** A write that made no progress for the stall timeout. */
class Stalled extends Error {}

/**
 * Sends realistic LSS lines (src/zpa/generate.ts) as App Connectors would: one connection per log type, one record
 * per line, at a steady rate, reconnecting after errors. Resolves with the lines the sockets accepted, the lines asked
 * for that were not sent, and why when it stopped early.
 */
export async function simulate(options: SimulateOptions): Promise<SimulateResult> {
  const generator = new LssGenerator();
  const known = generator.logTypes();
  const types = options.type === 'all' ? known : [options.type];
  if (!known.includes(types[0])) throw new Error(`unknown log type "${options.type}"; known: all, ${known.join(', ')}`);
  if (!(options.rate > 0)) throw new Error(`rate must be a positive number of lines per second, got ${options.rate}`);
  if (!['tcp:', 'tls:'].includes(options.to.protocol)) throw new Error(`--to must be tcp://host[:port] or tls://host[:port], got ${options.to.href}`);
  if (options.type === 'all' && options.to.port !== '') {
    throw new Error('with --type all, leave the port out of --to: each log type goes to its own Fluent Bit port');
  }
  const tls = options.tls ?? (options.to.protocol === 'tls:' ? {} : undefined);
  const host = options.to.hostname.replace(/^\[(.*)\]$/, '$1');
  const ports = options.ports ?? LSS_PORTS;

  const portOf = (logType: string) => (options.to.port !== '' ? Number(options.to.port) : ports[logType]);
  const unrouted = types.filter((logType) => portOf(logType) === undefined);
  if (unrouted.length > 0) throw new Error(`no default port for log type ${unrouted.join(', ')}: give one in --to`);

  // One signal for every sender and pacing sleep of this run (16 log types listen on it at once), stopped by the
  // caller's signal or by the first log type that stalls.
  const run = new AbortController();
  setMaxListeners(0, run.signal);
  const stop = () => run.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  const stallMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  let stalled: string | undefined;

  const counts = await Promise.all(
    types.map((logType, index) => {
      const port = portOf(logType);
      const sender = new LineSender({ host, port, tls }, (error) => options.onError?.(error, logType));
      const random = seededRandom((options.seed ?? Date.now()) + index);
      const nextBlock = (maxLines: number) => {
        let text = '';
        let lines = 0;
        while (lines < maxLines && text.length < BLOCK_CHARS) {
          text += `${generator.line(logType, options.format, random, { edge: options.edge, baseTime: options.baseTime })}\n`;
          lines++;
        }
        return { text, lines };
      };
      // Aborting also interrupts a sender that is waiting to reconnect.
      const close = () => void sender.close();
      run.signal.addEventListener('abort', close, { once: true });
      const progress = { sent: 0 };
      return paced(nextBlock, sender, { ...options, signal: run.signal, stallMs }, progress)
        .catch((error: Error) => {
          if (!(error instanceof Stalled)) throw error;
          sender.destroy(); // a receiver that does not read would hold a graceful close forever
          stalled ??= `${logType}: nothing could be sent to ${host}:${port} for ${stallMs / 1000} s`;
          run.abort();
        })
        .then(() => progress.sent)
        .finally(() => {
          run.signal.removeEventListener('abort', close);
          return sender.close();
        });
    }),
  );
  options.signal?.removeEventListener('abort', stop);
  const sent = counts.reduce((a, b) => a + b, 0);
  const missing = options.count === undefined ? 0 : options.count * types.length - sent;
  return { sent, missing, ...(stalled === undefined ? {} : { stalled }) };
}

/** `write`, or a Stalled error once it has not completed for `ms` (0: never). */
async function withinStall(write: Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return write;
  const timer = new AbortController();
  const expired = sleep(ms, undefined, { signal: timer.signal }).then(
    () => {
      if (!signal.aborted) throw new Stalled();
    },
    () => undefined,
  );
  try {
    await Promise.race([write, expired]);
  } finally {
    timer.abort();
  }
}

/**
 * Writes `rate` lines a second, counting them in `progress`; after a stall longer than a second (a reconnect) it
 * resumes the pace, not a burst. Throws Stalled when a write has not completed for `stallMs`.
 */
async function paced(
  nextBlock: (maxLines: number) => { text: string; lines: number },
  sender: LineSender,
  options: SimulateOptions & { signal: AbortSignal; stallMs: number },
  progress: { sent: number },
): Promise<void> {
  const { rate, count = Infinity, signal, stallMs } = options;
  const aborted = () => signal.aborted;
  const interval = 1000 / rate;
  let start = performance.now();
  let sent = 0;
  while (sent < count && !aborted()) {
    const now = performance.now();
    let due = Math.floor((now - start) / interval) + 1 - sent;
    if (due <= 0) {
      await sleep(start + sent * interval - now, undefined, { signal }).catch(() => undefined);
      continue;
    }
    if (due > Math.max(1, rate)) {
      start = now - sent * interval;
      due = 1;
    }
    const block = nextBlock(Math.min(due, count - sent));
    const write = sender.write(block.text);
    write.catch(() => undefined); // awaited below; a stall leaves it behind
    try {
      await withinStall(write, stallMs, signal);
      // A write the stall or an abort interrupted may still complete: its lines count only if it does.
      await write;
    } catch (error) {
      if (aborted() && !(error instanceof Stalled)) break;
      throw error;
    }
    sent += block.lines;
    progress.sent = sent;
  }
}
