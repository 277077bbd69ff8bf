/** `output: ocsf` on any sink: each record handed on as its OCSF event; a record that has none is a dead letter. */
import type { DeadLetters, Delivery, Settlement, Sink, SinkStats } from '../contract.js';
import { RecordText } from '../shared/record-text.js';

/** Turns a record into its OCSF event's JSON text; throws (an OcsfError) for one without an OCSF class. */
export type ToOcsf = (record: Delivery) => string;

/** The record with its OCSF event as its text, or the reason it has none. */
export function ocsfDelivery(record: Delivery, toOcsf: ToOcsf): Delivery | Error {
  try {
    return { ...record, text: RecordText.of(toOcsf(record)) };
  } catch (error) {
    return error as Error;
  }
}

/**
 * A sink (HTTP or file) fed OCSF events in place of the records: it frames each as it would the relay's enriched
 * record. The event text is a copy the record holds until settled, so `write` counts it for the in-flight budget.
 */
export class OcsfOutput implements Sink {
  readonly name: string;
  readonly stats: SinkStats;

  constructor(
    private readonly sink: Sink,
    private readonly toOcsf: ToOcsf,
    private readonly deadLetter: DeadLetters,
  ) {
    this.name = sink.name;
    this.stats = sink.stats;
  }

  accepts(logType: string): boolean {
    return this.sink.accepts(logType);
  }

  write(record: Delivery, settlement: Settlement): number {
    const event = ocsfDelivery(record, this.toOcsf);
    if (event instanceof Error) {
      this.stats.recordsDeadLettered++;
      const { logType, tag, source } = record;
      this.deadLetter.write({ reason: 'ocsf', detail: event.message, logType, tag, source, raw: record.text.json, sink: this.name }, settlement);
      return 0;
    }
    return event.text.size + (this.sink.write(event, settlement) ?? 0);
  }

  flush(): void {
    this.sink.flush();
  }

  releaseAbandoned(): void {
    this.sink.releaseAbandoned?.();
  }

  close(): Promise<void> {
    return this.sink.close();
  }
}
