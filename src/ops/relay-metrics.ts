/**
 * The relay's counters as Prometheus metrics: every series /metrics serves, one section per part of the relay. A new
 * series is one line in its section plus its row in docs/metrics.md (test/metrics-docs.test.ts keeps the two equal).
 */
import { Histogram } from './histogram.js';
import { MetricsText } from './metrics.js';
import type { RelaySnapshot } from './snapshot.js';

/** Bounds (seconds) of the ack latency histogram. */
const ACK_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/** Seconds from a message's arrival to its settlement (when its ack can be sent). */
export function ackLatencyHistogram(): Histogram {
  return new Histogram(ACK_LATENCY_BUCKETS);
}

type Samples = [Record<string, string>, number][];

/** Counts by log type as labelled samples. */
function byLogType(counts: Record<string, number>): Samples {
  return Object.entries(counts).map(([logType, n]) => [{ log_type: logType }, n]);
}

/** Counts keyed `${logType}\t${second}` as labelled samples (`second` under the label `label`). */
function byLogTypeAnd(counts: Record<string, number>, label = 'reason'): Samples {
  return Object.entries(counts).map(([key, n]) => {
    const [logType, second] = key.split('\t');
    return [{ log_type: logType, [label]: second }, n];
  });
}

/** What every record ended as: received = delivered + dead_lettered + returned + in_flight_records, at any scrape. */
function records(out: MetricsText, snapshot: RelaySnapshot): void {
  const { records: outcomes } = snapshot.dispatcher;
  out
    .add('records_received_total', 'counter', 'Every record received, by log type ("unknown" when it could not be told).', byLogType(outcomes.received))
    .add('records_delivered_total', 'counter', 'Records whose message was acked with the record at every sink it was routed to, by log type.', byLogType(outcomes.delivered))
    .add('records_dead_lettered_total', 'counter', 'Records whose message was acked with the record in the dead letters (once per record), by log type and reason.', byLogTypeAnd(outcomes.deadLettered))
    .add('records_returned_total', 'counter', 'Records whose message was not acked (the sender sends them again), by log type and reason.', byLogTypeAnd(outcomes.returned))
    .value('in_flight_records', 'gauge', 'Records received and not yet delivered, dead-lettered or returned (held by unsettled messages).', snapshot.dispatcher.inFlightRecords)
    .add('records_rejected_total', 'counter', 'Records the processor refused (parsing, classification, validation), by log type and reason.', byLogTypeAnd(snapshot.records.rejected))
    .add('record_deviations_total', 'counter', 'Deviations of delivered records from their schemas (listed in each record), by log type and kind.', byLogTypeAnd(snapshot.records.deviations, 'kind'))
    .add('dead_letters_total', 'counter', 'Dead letters written (by the processor or a sink), by log type and reason.', byLogTypeAnd(snapshot.deadLetter.byLogTypeAndReason))
    .value('dead_letters_to_sink_total', 'counter', 'Dead letters handed to the dead-letter sink (dead_letter.sink).', snapshot.deadLetter.sent)
    .value('dead_letters_fell_back_total', 'counter', 'Dead letters the dead-letter sink gave up on, written to the file instead.', snapshot.deadLetter.fellBack)
    .value('dead_letter_write_failures_total', 'counter', 'Dead letters that could not be written (their messages were not acked).', snapshot.deadLetter.failed);
}

type SinkStats = RelaySnapshot['sinks'][string];

function sinks(out: MetricsText, snapshot: RelaySnapshot): void {
  const all = Object.entries(snapshot.sinks);
  const perSink = (pick: (stats: SinkStats) => number): Samples => all.map(([name, stats]) => [{ sink: name }, pick(stats)]);
  /** Per sink and per key of one of its count maps, the key under `label`. */
  const perSinkBy = (label: string, pick: (stats: SinkStats) => Record<string, number>): Samples =>
    all.flatMap(([name, stats]) => Object.entries(pick(stats)).map(([key, n]) => [{ sink: name, [label]: key }, n] as [Record<string, string>, number]));
  out
    .add('sink_records_delivered_total', 'counter', 'Records delivered (2xx), per sink and log type.', perSinkBy('log_type', (s) => s.deliveredByLogType))
    .add('sink_records_dead_lettered_total', 'counter', 'Records a sink gave up on (dead-lettered), per sink.', perSink((s) => s.recordsDeadLettered))
    .add('sink_records_queued', 'gauge', 'Records waiting in a batch, per sink.', perSink((s) => s.recordsQueued))
    .add('sink_batches_total', 'counter', 'Batches sent, per sink.', perSink((s) => s.batches))
    .add('sink_requests_total', 'counter', 'HTTP requests made, per sink.', perSink((s) => s.requests))
    .add('sink_bytes_sent_total', 'counter', 'Request body bytes sent (after compression), per sink.', perSink((s) => s.bytesSent))
    .add('sink_splits_total', 'counter', 'Batches split in halves (413 or over max_bytes), per sink.', perSink((s) => s.splits))
    .add('sink_duplicate_risk_total', 'counter', 'Records resent after an attempt of unknown outcome, per sink.', perSink((s) => s.duplicateRisk))
    .add('sink_retries_total', 'counter', 'Retries per sink, by HTTP status or "network"/"timeout".', perSinkBy('status', (s) => s.retries));
}

function forward(out: MetricsText, snapshot: RelaySnapshot): void {
  const { receiver } = snapshot;
  out
    .value('forward_connections', 'gauge', 'Open forward-protocol connections.', receiver.connections)
    .value('forward_connections_accepted_total', 'counter', 'Forward connections accepted.', receiver.connectionsAccepted)
    .value('forward_connections_rejected_total', 'counter', 'Forward connections refused at max_connections.', receiver.connectionsRejected)
    .value('forward_connections_closed_total', 'counter', 'Forward connections closed by the relay for a reason (logged).', receiver.connectionsClosedByServer)
    .value('forward_probes_total', 'counter', 'Connections closed by their peer without sending a byte (TCP health checks; logged at debug).', receiver.probes)
    .value('forward_handshake_failures_total', 'counter', 'Secure-forward handshakes rejected.', receiver.handshakeFailures)
    .value('forward_tls_failures_total', 'counter', 'TLS handshakes that failed after the peer sent something.', receiver.tlsFailures)
    .value('forward_protocol_errors_total', 'counter', 'Connections closed for malformed requests.', receiver.protocolErrors)
    .value('forward_bytes_total', 'counter', 'Bytes received on forward connections.', receiver.bytesReceived)
    .value('forward_messages_total', 'counter', 'Forward requests received.', receiver.messages)
    .value('forward_entries_total', 'counter', 'Log entries received.', receiver.entries)
    .value('forward_signals_skipped_total', 'counter', 'Metrics/traces requests (fluent_signal 1 or 2) skipped.', receiver.signalsSkipped)
    .value('forward_acks_total', 'counter', 'Acks sent.', receiver.acks)
    .value('forward_ack_timeouts_total', 'counter', 'Messages not settled within ack_timeout (connection closed, sender retries).', receiver.ackTimeouts)
    .histogram('ack_latency_seconds', 'Time from a message arriving to its settlement (ack).', { buckets: ACK_LATENCY_BUCKETS, ...snapshot.ackLatency });
}

function pipeline(out: MetricsText, snapshot: RelaySnapshot): void {
  const { dispatcher } = snapshot;
  out
    .value('in_flight_messages', 'gauge', 'Messages received and not yet settled.', dispatcher.inFlightMessages)
    .value('in_flight_bytes', 'gauge', 'Bytes held by unsettled messages.', dispatcher.inFlightBytes)
    .value('backpressure_pauses_total', 'counter', 'Times the in-flight budget filled and input was paused.', dispatcher.saturations)
    .value('messages_abandoned_total', 'counter', 'Messages whose sender disconnected before settlement (it resends).', dispatcher.messagesAbandoned);
}

/** Every counter of the relay (one process, or the sum of its processes), as Prometheus metrics. */
export function relayMetrics(snapshot: RelaySnapshot, workers = 1): string {
  const out = new MetricsText().value('workers', 'gauge', 'Relay processes handling records.', workers);
  for (const section of [records, sinks, forward, pipeline]) section(out, snapshot);
  return out.render();
}
