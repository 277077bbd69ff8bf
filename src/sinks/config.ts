/** The `sinks:` list's schema, one entry per type, and the sink each entry builds (a file, or HTTP with its preset). */
import type pino from 'pino';
import { z } from 'zod';
import { FileSink, fileSinkConfigSchema } from './file.js';
import { HttpSink } from './http/sink.js';
import type { Preset } from './preset.js';
import { datadogPreset, datadogSinkConfigSchema } from './presets/datadog.js';
import { bulkUrl, elasticBulkPreset, elasticBulkSinkConfigSchema } from './presets/elastic-bulk.js';
import { jsonArrayPreset, jsonArraySinkConfigSchema } from './presets/json-array.js';
import { ndjsonPreset, ndjsonSinkConfigSchema } from './presets/ndjson.js';
import { lokiPreset, lokiSinkConfigSchema } from './presets/loki.js';
import { pantherSinkConfigSchema } from './presets/panther.js';
import { splunkHecPreset, splunkHecSinkConfigSchema } from './presets/splunk-hec.js';
import { sumoPreset, sumoSinkConfigSchema } from './presets/sumo.js';
import type { DeadLetters, Sink } from '../contract.js';

/** One entry of the `sinks:` list, discriminated by `type`. */
export const sinkConfigSchema = z.discriminatedUnion('type', [
  fileSinkConfigSchema,
  ndjsonSinkConfigSchema,
  jsonArraySinkConfigSchema,
  pantherSinkConfigSchema,
  splunkHecSinkConfigSchema,
  elasticBulkSinkConfigSchema,
  datadogSinkConfigSchema,
  lokiSinkConfigSchema,
  sumoSinkConfigSchema,
]);
export type SinkConfig = z.output<typeof sinkConfigSchema>;

export interface SinkDeps {
  deadLetter: DeadLetters;
  logger?: pino.Logger;
}

/** The preset an HTTP sink entry builds. */
export function presetFor(config: Exclude<SinkConfig, { type: 'file' }>): Preset {
  switch (config.type) {
    case 'ndjson':
    case 'panther':
      return ndjsonPreset(config.auth);
    case 'json_array':
      return jsonArrayPreset(config.auth);
    case 'splunk_hec':
      return splunkHecPreset(config);
    case 'elastic_bulk':
      return elasticBulkPreset(config);
    case 'datadog':
      return datadogPreset(config);
    case 'loki':
      return lokiPreset(config);
    case 'sumo':
      return sumoPreset(config);
  }
}

export function createSink(config: SinkConfig, deps: SinkDeps): Sink {
  if (config.type === 'file') return new FileSink(config, deps.logger);
  if (!config.tls.verify) deps.logger?.warn({ sink: config.name }, 'TLS certificate verification is off for this sink');
  const url = config.type === 'elastic_bulk' ? bulkUrl(config.url) : config.url;
  return new HttpSink({ config: { ...config, url }, preset: presetFor(config), deadLetter: deps.deadLetter, logger: deps.logger });
}
