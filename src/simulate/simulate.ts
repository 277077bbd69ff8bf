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

/**
 * Sends realistic LSS lines (src/zpa/generate.ts) as App Connectors would: one connection per log type, one record
 * per line, at a steady rate, reconnecting after errors. Resolves with the lines the sockets accepted.
 */
export async function simulate(options: SimulateOptions): Promise<{ sent: number }> {
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
      const stop = () => void sender.close();
      options.signal?.addEventListener('abort', stop, { once: true });
      return paced(nextBlock, sender, options).finally(() => {
        options.signal?.removeEventListener('abort', stop);
        return sender.close();
      });
    }),
  );
  return { sent: counts.reduce((a, b) => a + b, 0) };
}

/** Writes `rate` lines a second; after a stall longer than a second (a reconnect) it resumes the pace, not a burst. */
async function paced(
  nextBlock: (maxLines: number) => { text: string; lines: number },
  sender: LineSender,
  options: SimulateOptions,
): Promise<number> {
  const { rate, count = Infinity, signal } = options;
  const aborted = () => signal?.aborted === true;
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
    try {
      await sender.write(block.text);
    } catch (error) {
      if (aborted()) break;
      throw error;
    }
    sent += block.lines;
  }
  return sent;
}
