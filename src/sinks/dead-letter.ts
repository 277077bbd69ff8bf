/** The dead-letter destination: failed records as NDJSON lines, each settled once written (and synced, if asked). */
import type pino from 'pino';
import { z } from 'zod';
import { LineWriter } from './line-writer.js';
import type { DeadLetters, FailedRecord, Settlement } from '../contract.js';
import { countBy } from '../shared/counts.js';

/**
 * `dead_letter:` config. `path` defaults to `dead-letter.ndjson` in the working directory ("-" = stdout).
 * `fsync: false` (default): a dead letter is settled once write(2) returned, i.e. it is in the kernel and survives a
 * relay crash or kill -9 (the failure the delivery contract covers), not a host power loss. `fsync: true` adds one
 * fdatasync per group of lines written together, for hosts where that matters.
 */
export const deadLetterConfigSchema = z
  .object({
    path: z.string().min(1).default('dead-letter.ndjson'),
    fsync: z.boolean().default(false),
  })
  .strict();
export type DeadLetterConfig = z.output<typeof deadLetterConfigSchema>;

export interface DeadLetterStats {
  written: number;
  /** Dead letters whose write failed: their messages were not acked. */
  failed: number;
  /** Keyed by `${logType}\t${reason}`; logType is "unknown" when the record was not classified. */
  byLogTypeAndReason: Record<string, number>;
}

/** Writes one NDJSON line per dead letter: `{time, reason, detail, log_type, tag, source, raw, sink?, status?, response?}`. */
export class DeadLetterWriter implements DeadLetters {
  readonly stats: DeadLetterStats = { written: 0, failed: 0, byLogTypeAndReason: {} };
  private readonly lines: LineWriter;

  constructor(config: DeadLetterConfig, logger?: pino.Logger) {
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

  /** Queue a dead letter; `settlement.settle()` runs once it is written, `settlement.fail()` if the write fails. */
  write(letter: FailedRecord, settlement: Settlement): void {
    countBy(this.stats.byLogTypeAndReason, `${letter.logType ?? 'unknown'}\t${letter.reason}`);
    this.lines.write(
      JSON.stringify({
        time: new Date().toISOString(),
        reason: letter.reason,
        detail: letter.detail,
        log_type: letter.logType,
        tag: letter.tag,
        source: letter.source,
        raw: letter.raw,
        sink: letter.sink,
        status: letter.status,
        response: letter.response,
      }),
      settlement,
    );
  }

  flushed(): Promise<void> {
    return this.lines.flushed();
  }

  close(): Promise<void> {
    return this.lines.close();
  }
}
