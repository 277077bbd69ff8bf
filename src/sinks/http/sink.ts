/** The HTTP sink as one stream: frame each record, batch, encode, send with retries, settle every record. */
import type pino from 'pino';
import type { Dispatcher } from 'undici';
import type { DeadLetters, Delivery, Settlement, Sink } from '../../contract.js';
import { emptySinkStats, logTypeFilter, sinkLogger } from '../common.js';
import type { HttpSinkConfig } from '../http-config.js';
import type { Preset } from '../preset.js';
import { Batcher } from './batcher.js';
import { createHttpClient } from './client.js';
import { Driver } from './driver.js';
import { Encoder } from './encoder.js';
import { TargetRequest } from './request.js';
import { Settler } from './settle.js';
import { Waits } from './waits.js';

export interface HttpSinkOptions {
  config: HttpSinkConfig;
  preset: Preset;
  deadLetter: DeadLetters;
  logger?: pino.Logger;
  /** An undici dispatcher to use instead of the sink's own pooled client. */
  client?: Dispatcher;
}

/**
 * Every record is settled: delivered on 2xx (per item where the preset reads item results), dead-lettered with the
 * reason otherwise (see `Driver`). `concurrency` batches are in flight at once; a batch waiting for its retry keeps
 * its slot, so a target that is down sees `concurrency` requests at a time, not a flood, and order is kept within a
 * slot.
 *
 *   write → Encoder.item (frame) → Batcher (open batch → ready queue) → slot → Driver.deliver
 *         → Encoder.encode (body, compression) → TargetRequest.send (auth, POST, confirm) → verdict → Settler
 */
export class HttpSink implements Sink {
  readonly name: string;
  readonly stats = emptySinkStats();
  readonly accepts: (logType: string) => boolean;
  private readonly concurrency: number;
  private readonly group: Preset['group'];
  private readonly encoder: Encoder;
  private readonly batcher: Batcher;
  private readonly settler: Settler;
  private readonly waits = new Waits();
  private readonly request: TargetRequest;
  private readonly driver: Driver;
  private readonly logger: pino.Logger | undefined;
  private active = 0;
  private closed = false;

  constructor(options: HttpSinkOptions) {
    const { config, preset } = options;
    this.name = config.name;
    this.accepts = logTypeFilter(config.log_types);
    this.concurrency = config.concurrency;
    this.group = preset.group;
    this.logger = sinkLogger(options.logger, config.name);
    this.settler = new Settler(config.name, this.stats, options.deadLetter, this.logger);
    this.encoder = new Encoder(preset, config);
    const limits = { maxEvents: config.batch.max_events, maxWaitMs: config.batch.max_wait, fits: (bytes: number) => this.encoder.fits(bytes) };
    this.batcher = new Batcher(limits, this.settler, () => this.pump());
    const client = options.client ?? createHttpClient(config.tls, config.timeout);
    this.request = new TargetRequest(config, preset, client, this.stats, (ms) => this.waits.sleep(ms));
    const retry = {
      statuses: new Set(config.retry.statuses),
      initialDelayMs: config.retry.initial_delay,
      maxDelayMs: config.retry.max_delay,
      maxAgeMs: config.retry.max_age,
    };
    this.driver = new Driver({
      encoder: this.encoder,
      request: this.request,
      settler: this.settler,
      waits: this.waits,
      stats: this.stats,
      retry,
      results: preset.results,
      maxBytes: config.batch.max_bytes,
      logger: this.logger,
    });
  }

  /** Returns the bytes of the frame held with the record until it is settled (0 when the record goes as it is). */
  write(record: Delivery, settlement: Settlement): number {
    const item = this.encoder.item(record, settlement);
    this.stats.recordsQueued++;
    const tooLarge = this.encoder.tooLarge(item);
    if (tooLarge !== undefined) {
      this.settler.fail([item], 'too_large', tooLarge);
      return 0;
    }
    this.batcher.add(item, this.group?.(record));
    return this.encoder.held(item);
  }

  flush(): void {
    this.batcher.seal();
  }

  /** Senders abandoned some messages (they will resend): drop their records from the batches still waiting. */
  releaseAbandoned(): void {
    this.batcher.releaseAbandoned();
    this.waits.wakeAbandonable();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.driver.close();
    this.batcher.close();
    this.waits.wakeAll();
    await this.request.close();
  }

  /** Ready batches go out while a slot is free; a slot is free again once its batch is settled. */
  private pump(): void {
    while (!this.closed && this.active < this.concurrency) {
      const batch = this.batcher.take();
      if (batch === undefined) return;
      this.active++;
      this.stats.batches++;
      this.driver
        .deliver(batch)
        .catch((error: Error) => this.logger?.error({ err: error }, 'batch delivery failed unexpectedly; its records stay unsettled'))
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }
}
