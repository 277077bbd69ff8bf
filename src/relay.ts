import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import type { HandshakeConfig } from './forward/handshake.js';
import type { ForwardEntry, ForwardMessage } from './forward/message.js';
import { ForwardServer } from './forward/server.js';
import { Histogram } from './ops/histogram.js';
import { Dispatcher, type Delivery, type Rejection } from './pipeline/dispatcher.js';
import { createSink } from './sinks/config.js';
import { DeadLetterWriter } from './sinks/dead-letter.js';
import { countBy, type Sink } from './sinks/sink.js';
import { ZpaProcessor, loadSchemas, type Outcome, type RecordContext } from './zpa/index.js';

/** A record the processor threw on: dead-lettered like a rejection. */
interface InternalError {
  ok: false;
  logType: undefined;
  reason: 'internal_error';
  detail: string;
  raw: string;
}

/** Bounds (seconds) of the ack latency histogram. */
export const ACK_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/** Records seen by the processor, by log type (and by reason for rejections). */
export interface RecordStats {
  accepted: Record<string, number>;
  /** Keyed by `${logType}\t${reason}`; logType is "unknown" when unclassified. */
  rejected: Record<string, number>;
}

/** What the relay asks of its processor: one outcome per record, a decoded one or a `Format none` line's bytes. */
export type RecordProcessor = Pick<ZpaProcessor, 'process' | 'processBytes'>;

export interface RelayOptions {
  config: Config;
  logger: Logger;
  /** Tests inject handshake randomness. */
  random?: HandshakeConfig['random'];
  /** Instead of the ZPA processor the configuration describes (the benchmarks' pass-through floor). */
  processor?: RecordProcessor;
}

/** The ZPA processor the configuration describes: its schemas, field prefix and static fields. */
export function zpaProcessorFor(config: Config): ZpaProcessor {
  return new ZpaProcessor(loadSchemas(config.zpa.schemas_dir), { prefix: config.zpa.field_prefix, staticFields: config.zpa.static_fields });
}

/**
 * The whole pipeline: forward receiver → ZPA processor (parse, classify, validate, enrich) → dispatcher → sinks, with
 * the dead-letter writer for whatever cannot be delivered. A forward message is acked once the dispatcher says every
 * one of its records is delivered or dead-lettered; while the in-flight budget is full the receiver stops reading.
 */
export class Relay {
  readonly receiver: ForwardServer;
  readonly dispatcher: Dispatcher;
  readonly deadLetter: DeadLetterWriter;
  readonly sinks: Sink[];
  readonly records: RecordStats = { accepted: {}, rejected: {} };
  /** Seconds from a message's arrival to its settlement (when its ack can be sent). */
  readonly ackLatency = new Histogram(ACK_LATENCY_BUCKETS);
  private readonly processor: RecordProcessor;
  private stopping = false;

  constructor(private readonly options: RelayOptions) {
    const { config, logger } = options;
    this.processor = options.processor ?? zpaProcessorFor(config);
    this.deadLetter = new DeadLetterWriter(config.dead_letter, logger);
    const sinkConfigs = config.sinks.length > 0 ? config.sinks : [{ type: 'file' as const, name: 'stdout', path: '-', fsync: false }];
    this.sinks = sinkConfigs.map((sink) => createSink(sink, { deadLetter: this.deadLetter, logger: logger.child({ sink: sink.name }) }));
    this.dispatcher = new Dispatcher({
      sinks: this.sinks,
      deadLetter: this.deadLetter,
      maxInFlightRecords: config.pipeline.max_in_flight_records,
      maxInFlightBytes: config.pipeline.max_in_flight_bytes,
      logger,
    });
    this.receiver = new ForwardServer({
      listen: config.listen,
      handler: (message) => this.handle(message),
      releaseSettled: true,
      logger: logger.child({ component: 'forward' }),
      random: options.random,
    });
    this.dispatcher.on('drain', () => this.receiver.resume());
  }

  /** Starts listening; resolves with the forward port. */
  async start(): Promise<number> {
    const port = await this.receiver.start();
    const { listen } = this.options.config;
    this.options.logger.info(
      { host: listen.host, port, tls: !!listen.tls, handshake: !!listen.shared_key, sinks: this.sinks.map((sink) => sink.name) },
      'zpa-relay receiving forward protocol',
    );
    if (!listen.tls && !listen.shared_key && !/^(127\.|::1$|localhost$)/.test(listen.host)) {
      this.options.logger.warn('the forward port is open to the network without TLS or shared_key; anyone who reaches it can inject records');
    }
    return port;
  }

  get ready(): boolean {
    return !this.stopping;
  }

  /**
   * Graceful stop: no new connections, pending batches flushed, settled messages acked, then connections closed.
   * Whatever is not settled by the timeout is not acked, so Fluent Bit resends it.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const deadline = Date.now() + timeoutMs;
    const receiverStopped = this.receiver.stop(timeoutMs);
    await this.dispatcher.close(Math.max(0, deadline - Date.now()));
    await receiverStopped;
  }

  /**
   * One entry through the processor. Should the processor ever throw (a bug, not bad input: bad input is a rejection),
   * the record is dead-lettered as `internal_error` with the error, so its message is still acked: closing the
   * connection instead would have Fluent Bit resend the same record, and fail on it, forever.
   */
  private process(entry: ForwardEntry, context: RecordContext): Outcome | InternalError {
    try {
      const line = entry.line;
      return line === undefined ? this.processor.process(entry.record, context) : this.processor.processBytes(line.bytes, line.start, line.end, context);
    } catch (error) {
      this.options.logger.error({ err: error, tag: context.tag }, 'the ZPA processor failed on a record; it is dead-lettered as internal_error');
      const raw = entry.line === undefined ? JSON.stringify(entry.record, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)) : entry.line.bytes.toString('utf8', entry.line.start, entry.line.end);
      return { ok: false, logType: undefined, reason: 'internal_error', detail: `processor error: ${(error as Error).message}`, raw };
    }
  }

  private handle(message: ForwardMessage): Promise<void> {
    const started = performance.now();
    const deliveries: Delivery[] = [];
    const rejections: Rejection[] = [];
    const { tag, peer } = message;
    const context = { tag, source: peer.address };
    const source = peer.hostname ?? peer.address;
    for (const entry of message.entries) {
      const outcome = this.process(entry, context);
      if (outcome.ok) {
        deliveries.push({ text: outcome.text, logType: outcome.logType, eventTimeMs: outcome.eventTimeMs, tag, source });
        countBy(this.records.accepted, outcome.logType);
      } else {
        rejections.push({ logType: outcome.logType, reason: outcome.reason, detail: outcome.detail, raw: outcome.raw, tag, source });
        countBy(this.records.rejected, `${outcome.logType ?? 'unknown'}\t${outcome.reason}`);
      }
    }
    // Records read as bytes are views of the request, or of its decompressed payload, which may be larger: that
    // buffer is what stays in memory until the message settles.
    const held = message.entries[0]?.line?.bytes.length ?? 0;
    const requestBytes = Math.max(message.wireBytes, held);
    const settled = this.dispatcher.submit(deliveries, rejections, { signal: message.signal, awaited: message.chunk !== undefined, requestBytes });
    if (this.dispatcher.saturated) this.receiver.pause();
    return settled.then(() => this.ackLatency.observe((performance.now() - started) / 1000));
  }
}
