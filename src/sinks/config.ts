import type pino from 'pino';
import { z } from 'zod';
import type { DeadLetterWriter } from './dead-letter.js';
import { FileSink, fileSinkConfigSchema } from './file.js';
import { HttpSink } from './http-sink.js';
import type { Preset } from './preset.js';
import { jsonArrayPreset, jsonArraySinkConfigSchema } from './presets/json-array.js';
import { ndjsonPreset, ndjsonSinkConfigSchema } from './presets/ndjson.js';
import { pantherSinkConfigSchema } from './presets/panther.js';
import type { Sink } from './sink.js';

/** One entry of the `sinks:` list, discriminated by `type`. */
export const sinkConfigSchema = z.discriminatedUnion('type', [
  fileSinkConfigSchema,
  ndjsonSinkConfigSchema,
  jsonArraySinkConfigSchema,
  pantherSinkConfigSchema,
]);
export type SinkConfig = z.output<typeof sinkConfigSchema>;

export interface SinkDeps {
  deadLetter: DeadLetterWriter;
  logger?: pino.Logger;
}

function presetFor(config: Exclude<SinkConfig, { type: 'file' }>): Preset {
  switch (config.type) {
    case 'ndjson':
    case 'panther':
      return ndjsonPreset(config.auth);
    case 'json_array':
      return jsonArrayPreset(config.auth);
  }
}

export function createSink(config: SinkConfig, deps: SinkDeps): Sink {
  if (config.type === 'file') return new FileSink(config, deps.logger);
  if (!config.tls.verify) deps.logger?.warn({ sink: config.name }, 'TLS certificate verification is off for this sink');
  return new HttpSink({ config, preset: presetFor(config), deadLetter: deps.deadLetter, logger: deps.logger });
}
