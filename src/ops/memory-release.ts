/**
 * Gives a relay process's memory back to the system once a burst of work is over. V8 keeps what a garbage collection
 * frees (Node 24 keeps the freed heap pages; dead request buffers wait for the next full collection), and its own
 * memory reducer only starts after it measured a low allocation rate, which it measures at collections, which a quiet
 * relay no longer has: through a 60 s SIEM outage the relay's RSS rose 1.6× and stayed there after recovery. So the
 * relay asks for one memory-reducing collection itself, at moments it knows the burst is over:
 *   - after start-up (schemas and configuration parsed: their garbage is gone for good);
 *   - when the records or bytes in flight stayed below LOW of the budget for two checks in a row after reaching HIGH
 *     of it (an outage's backlog, or a spike, drained);
 *   - when no message arrived for QUIET_MS after some did;
 * and never twice within AT_MOST_EVERY_MS: Fluent Bit's flushes fill and empty the budget every few seconds under a
 * heavy load, which must not turn into a collection every few seconds. One such collection takes tens to a couple of
 * hundred milliseconds (40-190 ms measured, Node 24).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { bigBuffers } from '../shared/buffer-pool.js';

/** The in-flight load a release decision reads. */
export interface Load {
  inFlightRecords: number;
  inFlightBytes: number;
  /** Messages received so far. */
  messages: number;
}

const HIGH = 0.25;
const LOW = 0.1;
const QUIET_MS = 30_000;
const CHECK_MS = 5_000;
const AT_MOST_EVERY_MS = 60_000;
const AFTER_START_MS = 5_000;

type Gc = (options?: { type: string; execution: string; flavor: string }) => void;

/**
 * V8's collection, made callable without --expose-gc on the command line. Measured on a 110 MB heap with 100 MB of
 * dead buffers: Node 24 gives the memory back only with a `last-resort` major collection (RSS 218 → 155 MB; a plain
 * call is a minor one), Node 20 with a plain call (219 → 81 MB; it ignores the options, collecting nothing).
 */
function memoryReducingGc(nodeMajor = Number(process.versions.node.split('.')[0])): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as Gc;
  return nodeMajor >= 22 ? () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' }) : () => gc();
}

export class MemoryRelease {
  private timer: NodeJS.Timeout | undefined;
  private readonly startup: NodeJS.Timeout;
  /** A burst reached HIGH of the budget since the last release. */
  private loaded = false;
  /** Checks in a row that found the in-flight load below LOW. */
  private lowChecks = 0;
  private lastMessages = 0;
  private quietSince = Date.now();
  private releasedAt = -Infinity;
  /** Messages arrived since the last release. */
  private active = false;
  /** Collections asked for, and why (for tests and logs). */
  readonly releases: string[] = [];

  constructor(
    private readonly load: () => Load,
    private readonly budget: { records: number; bytes: number },
    private readonly collect: () => void = memoryReducingGc(),
    private readonly onRelease: (why: string, ms: number) => void = () => {},
  ) {
    this.startup = setTimeout(() => this.release('start-up'), AFTER_START_MS).unref();
    this.timer = setInterval(() => this.check(), CHECK_MS).unref();
  }

  /** Decides from the current load; called every CHECK_MS. */
  check(now = Date.now()): void {
    const { inFlightRecords, inFlightBytes, messages } = this.load();
    const share = Math.max(inFlightRecords / this.budget.records, inFlightBytes / this.budget.bytes);
    if (share >= HIGH) this.loaded = true;
    this.lowChecks = share < LOW ? this.lowChecks + 1 : 0;
    if (messages !== this.lastMessages) {
      this.lastMessages = messages;
      this.quietSince = now;
      this.active = true;
    }
    if (now - this.releasedAt < AT_MOST_EVERY_MS) return;
    if (this.loaded && this.lowChecks >= 2) this.release('burst drained', now);
    else if (this.active && now - this.quietSince >= QUIET_MS) this.release('quiet', now);
  }

  stop(): void {
    clearTimeout(this.startup);
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private release(why: string, now = Date.now()): void {
    this.releasedAt = now;
    this.loaded = false;
    this.active = false;
    this.releases.push(why);
    const started = performance.now();
    // The pool's free buffers too: kept for the next burst, they would hold its memory until 10 s without work.
    bigBuffers.clear();
    this.collect();
    this.onRelease(why, performance.now() - started);
  }
}
