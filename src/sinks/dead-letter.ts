/** The dead-letter destination: failed records as NDJSON lines, each settled once written (and synced, if asked). */
import type pino from 'pino';
import { z } from 'zod';
import { LineWriter } from './line-writer.js';
import { DEAD_LETTER_LOG_TYPE, type DeadLetters, type Delivery, type FailedRecord, type Settlement, type Sink } from '../contract.js';
import { countBy } from '../shared/counts.js';
import { RecordText } from '../shared/record-text.js';

/**
 * `dead_letter:` config. `path` defaults to `dead-letter.ndjson` in the working directory ("-" = stdout).
 * `fsync: false` (default): a dead letter is settled once write(2) returned, i.e. it is in the kernel and survives a
 * relay crash or kill -9 (the failure the delivery contract covers), not a host power loss. `fsync: true` adds one
 * fdatasync per group of lines written together, for hosts where that matters. `sink`: the name of a configured sink
 * that dead letters are delivered to, as records of their own log type; the file then takes only what that sink
 * gives up on.
 */
export const deadLetterConfigSchema = z
  .object({
    path: z.string().min(1).default('dead-letter.ndjson'),
    fsync: z.boolean().default(false),
    sink: z.string().min(1).optional(),
  })
  .strict();
export type DeadLetterConfig = z.output<typeof deadLetterConfigSchema>;


export interface DeadLetterStats {
  /** Dead letters written to the file. */
  written: number;
  /** Dead letters whose write failed: their messages were not acked. */
  failed: number;
  /** Dead letters handed to the dead-letter sink (`dead_letter.sink`). */
  sent: number;
  /** Dead letters the dead-letter sink gave up on: written to the file instead. */
  fellBack: number;
  /** Keyed by `${logType}\t${reason}`; logType is "unknown" when the record was not classified. */
  byLogTypeAndReason: Record<string, number>;
}

/**
 * Where failed records go: one NDJSON line each in the file (`{time, reason, detail, log_type, tag, source, raw, sink?,
 * status?, response?}`), or, with `sink` set, the same as a record of log type ZpaRelay.DeadLetter to that sink,
 * settled like any record it delivers (a message is acked only once its dead letters are delivered too).
 */
export class DeadLetterWriter implements DeadLetters {
  readonly stats: DeadLetterStats = { written: 0, failed: 0, sent: 0, fellBack: 0, byLogTypeAndReason: {} };
  private readonly lines: LineWriter;
  private sink: Sink | undefined;
  private prefix = 'p_';

  constructor(
    private readonly config: DeadLetterConfig,
    logger?: pino.Logger,
  ) {
    this.lines = new LineWriter(
      config.path,
      config.fsync,
      (count) => (this.stats.written += count),
      (error, count) => {
        this.stats.failed += count;
        logger?.error({ err: error, path: config.path, count }, 'dead-letter write failed; affected messages will not be acked');
      },
    );
  }

  get path(): string {
    return this.lines.path;
  }

  /** Finds the `sink` the config names among `sinks`; its records' standard fields take `prefix`. */
  attach(sinks: readonly Sink[], prefix: string): void {
    if (this.config.sink === undefined) return;
    this.sink = sinks.find((sink) => sink.name === this.config.sink);
    if (this.sink === undefined) throw new Error(`dead_letter.sink: no sink named "${this.config.sink}"`);
    this.prefix = prefix;
  }

  /** Queue a dead letter; `settlement.settle()` runs once it is written or delivered, `settlement.fail()` if not. */
  write(letter: FailedRecord, settlement: Settlement): void {
    countBy(this.stats.byLogTypeAndReason, `${letter.logType ?? 'unknown'}\t${letter.reason}`);
    const time = new Date();
    const sink = this.sink;
    // A dead letter the sink gave up on comes back here: the file takes it.
    if (sink === undefined || letter.logType === DEAD_LETTER_LOG_TYPE) {
      if (sink !== undefined) this.stats.fellBack++;
      this.lines.write(letterJson(letter, time), settlement);
      return;
    }
    this.stats.sent++;
    sink.write(this.record(letter, time), settlement);
  }

  flushed(): Promise<void> {
    return this.lines.flushed();
  }

  close(): Promise<void> {
    return this.lines.close();
  }

  /** The dead letter as a record: its fields, then the standard ones a SIEM sorts it by. */
  private record(letter: FailedRecord, time: Date): Delivery {
    const iso = time.toISOString();
    const p = this.prefix;
    const json = letterJson(letter, time);
    const tail = `,"${p}log_type":"${DEAD_LETTER_LOG_TYPE}","${p}event_time":"${iso}","${p}parse_time":"${iso}"}`;
    return { text: RecordText.from(json.slice(0, -1), tail), logType: DEAD_LETTER_LOG_TYPE, eventTimeMs: time.getTime(), tag: letter.tag, source: letter.source };
  }
}

function letterJson(letter: FailedRecord, time: Date): string {
  return JSON.stringify({
    time: time.toISOString(),
    reason: letter.reason,
    detail: letter.detail,
    log_type: letter.logType,
    tag: letter.tag,
    source: letter.source,
    raw: letter.raw,
    sink: letter.sink,
    status: letter.status,
    response: letter.response,
  });
}
