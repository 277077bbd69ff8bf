/** The whole pipeline wired together: forward receiver → ZPA processor → dispatcher → sinks and dead letters. */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { compiledTemplates, type Config } from './config/config.js';
import { isFailure, type Delivery, type FailedRecord, type Outcome, type RecordContext, type RecordProcessor, type Sink } from './contract.js';
import type { HandshakeConfig } from './forward/handshake.js';
import type { ForwardEntry, ForwardMessage } from './forward/message.js';
import { ForwardServer } from './forward/server.js';
import { MemoryRelease } from './ops/memory-release.js';
import { ackLatencyHistogram } from './ops/relay-metrics.js';
import { Dispatcher } from './pipeline/dispatcher.js';
import { noteDeadLetters } from './pipeline/settlement.js';
import { countBy } from './shared/counts.js';
import { bigBuffers } from './shared/buffer-pool.js';
import { OcsfTransformer } from './ocsf/index.js';
import { createSink } from './sinks/config.js';
import type { ToOcsf } from './sinks/ocsf-output.js';
import { DeadLetterWriter } from './sinks/dead-letter.js';
import { ZpaProcessor, loadSchemas, loadTemplates } from './zpa/index.js';

/** Records the processor refused (they are dead-lettered); what every record ended as is DispatcherStats.records. */
export interface RecordStats {
  /** Keyed by `${logType}\t${reason}`; logType is "unknown" when unclassified. */
  rejected: Record<string, number>;
  /** Deviations of accepted records from their schemas, keyed by `${logType}\t${kind}`. */
  deviations: Record<string, number>;
}

export interface RelayOptions {
  config: Config;
  logger: Logger;
  /** Tests inject handshake randomness. */
  random?: HandshakeConfig['random'];
  /** Instead of the ZPA processor the configuration describes (the benchmarks' pass-through floor). */
  processor?: RecordProcessor;
}

/** The ZPA processor the configuration describes: its schemas, templates, validation policy, field prefix and static fields. */
export function zpaProcessorFor(config: Config): ZpaProcessor {
  const { zpa } = config;
  const schemas = loadSchemas(zpa.schemas_dir);
  const defaults = loadTemplates();
  const templates = compiledTemplates(config, undefined, schemas, defaults);
  return new ZpaProcessor(schemas, { prefix: zpa.field_prefix, staticFields: zpa.static_fields, validation: zpa.validation, templates }, defaults);
}

/**
 * The OCSF transformer, when a sink sends OCSF: its mapping files are loaded and checked now, so a bad one stops
 * start-up before any record is accepted.
 */
export function ocsfFor(config: Config): ToOcsf | undefined {
  if (!config.sinks.some((sink) => sink.output === 'ocsf')) return undefined;
  const transformer = OcsfTransformer.load({ prefix: config.zpa.field_prefix });
  return (record) => transformer.toOcsf(record);
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
  readonly records: RecordStats = { rejected: {}, deviations: {} };
  /** Seconds from a message's arrival to its settlement (when its ack can be sent). */
  readonly ackLatency = ackLatencyHistogram();
  private readonly processor: RecordProcessor;
  private memory: MemoryRelease | undefined;
  private stopping = false;

  constructor(private readonly options: RelayOptions) {
    const { config, logger } = options;
    this.processor = options.processor ?? zpaProcessorFor(config);
    this.deadLetter = new DeadLetterWriter(config.dead_letter, logger);
    const sinkConfigs = config.sinks.length > 0 ? config.sinks : [{ type: 'file' as const, name: 'stdout', path: '-', fsync: false, output: 'enriched' as const }];
    const toOcsf = ocsfFor(config);
    // Sinks note their dead letters on the record's settlement, so the record counts as dead-lettered, not delivered.
    const deadLetter = noteDeadLetters(this.deadLetter);
    this.sinks = sinkConfigs.map((sink) => createSink(sink, { deadLetter, logger: logger.child({ sink: sink.name }), toOcsf }));
    this.deadLetter.attach(this.sinks, config.zpa.field_prefix);
    // Below the budget the pool only keeps what full load holds anyway; smaller, requests and bodies of a loaded
    // relay miss it and come as fresh mappings that fault page by page.
    bigBuffers.limit(config.pipeline.max_in_flight_bytes);
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

  /**
   * Starts listening; resolves with the forward port. With `handedOn`, does not listen but takes the connections
   * handed to `receiver.adopt()`, from the leader of several processes that listens on that port for them all.
   */
  async start(options: { handedOn?: number } = {}): Promise<number> {
    const port = options.handedOn ?? (await this.receiver.start());
    const { listen, pipeline } = this.options.config;
    const { stats } = this.dispatcher;
    this.memory = new MemoryRelease(
      () => ({ inFlightRecords: stats.inFlightRecords, inFlightBytes: stats.inFlightBytes, messages: this.receiver.stats.messages }),
      { records: pipeline.max_in_flight_records, bytes: pipeline.max_in_flight_bytes },
      undefined,
      (why, ms) => this.options.logger.debug({ why, ms: Math.round(ms), rss: process.memoryUsage.rss() }, 'memory-reducing garbage collection'),
    );
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
    this.memory?.stop();
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
  private process(entry: ForwardEntry, context: RecordContext): Outcome {
    try {
      const line = entry.line;
      const time = entry.time.toMillis();
      return line === undefined ? this.processor.process(entry.record, context, time) : this.processor.processBytes(line.bytes, line.start, line.end, context, time);
    } catch (error) {
      this.options.logger.error({ err: error, tag: context.tag }, 'the ZPA processor failed on a record; it is dead-lettered as internal_error');
      const raw = entry.line === undefined ? JSON.stringify(entry.record, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)) : entry.line.bytes.toString('utf8', entry.line.start, entry.line.end);
      return { reason: 'internal_error', detail: `processor error: ${(error as Error).message}`, logType: undefined, tag: context.tag, source: context.source, raw };
    }
  }

  private handle(message: ForwardMessage): Promise<void> {
    const started = performance.now();
    const deliveries: Delivery[] = [];
    const failures: FailedRecord[] = [];
    const { peer } = message;
    const context: RecordContext = { tag: message.tag, address: peer.address, source: peer.hostname ?? peer.address };
    for (const entry of message.entries) {
      const outcome = this.process(entry, context);
      if (isFailure(outcome)) {
        failures.push(outcome);
        countBy(this.records.rejected, `${outcome.logType ?? 'unknown'}\t${outcome.reason}`);
      } else {
        deliveries.push(outcome);
        const deviations = outcome.deviations;
        if (deviations !== undefined) for (const kind of deviations) countBy(this.records.deviations, `${outcome.logType}\t${kind}`);
      }
    }
    // Records read as bytes are views of the request, or of its decompressed payload, which may be larger: that
    // buffer is what stays in memory until the message settles.
    const held = message.entries[0]?.line?.bytes.length ?? 0;
    const requestBytes = Math.max(message.wireBytes, held);
    const settled = this.dispatcher.submit(deliveries, failures, { signal: message.signal, awaited: message.chunk !== undefined, requestBytes, onClosed: message.release });
    if (this.dispatcher.saturated) this.receiver.pause();
    return settled.then(() => this.ackLatency.observe((performance.now() - started) / 1000));
  }
}
