import type pino from 'pino';
import { z } from 'zod';
import type { DeadLetterWriter } from './dead-letter.js';
import { FileSink, fileSinkConfigSchema } from './file.js';
import type { Sink } from './sink.js';

/** One entry of the `sinks:` list, discriminated by `type`. */
export const sinkConfigSchema = z.discriminatedUnion('type', [fileSinkConfigSchema]);
export type SinkConfig = z.output<typeof sinkConfigSchema>;

export interface SinkDeps {
  deadLetter: DeadLetterWriter;
  logger?: pino.Logger;
}

export function createSink(config: SinkConfig, deps: SinkDeps): Sink {
  switch (config.type) {
    case 'file':
      return new FileSink(config, deps.logger);
  }
}
