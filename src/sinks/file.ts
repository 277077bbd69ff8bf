/** The file sink: enriched records (or their OCSF events) as NDJSON lines to stdout or a file, each settled once written. */
import type pino from 'pino';
import { z } from 'zod';
import { LineWriter } from './line-writer.js';
import type { Delivery, Settlement, Sink } from '../contract.js';
import { countBy } from '../shared/counts.js';
import { emptySinkStats, logTypeFilter, sinkLogger } from './common.js';
import { ENRICHED_OUTPUTS, outputKey } from './http-config.js';

/**
 * `type: file`: NDJSON of the enriched records, one per line, to stdout (`path: "-"`, the default) or appended to a
 * file. A record is settled once written (see `DeadLetterConfig` for what `fsync` adds). Used when no HTTP sink is
 * configured, and for debugging.
 */
export const fileSinkConfigSchema = z
  .object({
    type: z.literal('file'),
    name: z.string().min(1).default('file'),
    path: z.string().min(1).default('-'),
    fsync: z.boolean().default(false),
    log_types: z.array(z.string().min(1)).optional(),
    output: outputKey(ENRICHED_OUTPUTS, 'enriched'),
  })
  .strict();
export type FileSinkConfig = z.output<typeof fileSinkConfigSchema>;

export class FileSink implements Sink {
  readonly name: string;
  readonly stats = emptySinkStats();
  readonly accepts: (logType: string) => boolean;
  private readonly lines: LineWriter;

  /** `output: ocsf` is not the file sink's business: `OcsfOutput` hands it OCSF events instead of the records. */
  constructor(config: Omit<FileSinkConfig, 'output'>, logger?: pino.Logger) {
    this.name = config.name;
    this.accepts = logTypeFilter(config.log_types);
    const log = sinkLogger(logger, config.name);
    this.lines = new LineWriter(
      config.path,
      config.fsync,
      (count) => {
        this.stats.recordsDelivered += count;
        this.stats.recordsQueued -= count;
        this.stats.batches++;
      },
      (error, count) => {
        this.stats.recordsQueued -= count;
        log?.error({ err: error, count }, 'file sink write failed; affected messages will not be acked');
      },
    );
  }

  write(record: Delivery, settlement: Settlement): void {
    this.stats.recordsQueued++;
    const { deliveredByLogType } = this.stats;
    this.lines.write(record.text.json, {
      settle() {
        countBy(deliveredByLogType, record.logType);
        settlement.settle();
      },
      fail: (error) => settlement.fail(error),
      get abandoned() {
        return settlement.abandoned;
      },
    });
  }

  flush(): void {
    // Lines go out on the next turn of the event loop anyway.
  }

  close(): Promise<void> {
    return this.lines.close();
  }
}
