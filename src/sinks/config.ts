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
import { sentinelPreset, sentinelSinkConfigSchema, sentinelUrl } from './presets/sentinel.js';
import { googleSecopsPreset, googleSecopsSinkConfigSchema, secopsUrl } from './presets/google-secops.js';
import type { DeadLetters, Sink } from '../contract.js';
import { OcsfOutput, type ToOcsf } from './ocsf-output.js';

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
  sentinelSinkConfigSchema,
  googleSecopsSinkConfigSchema,
]);
export type SinkConfig = z.output<typeof sinkConfigSchema>;

export interface SinkDeps {
  deadLetter: DeadLetters;
  logger?: pino.Logger;
  /** The OCSF transformer, for sinks with `output: ocsf` (loaded once at start-up by whoever builds the sinks). */
  toOcsf?: ToOcsf;
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
    case 'sentinel':
      return sentinelPreset(config);
    case 'google_secops':
      return googleSecopsPreset(config);
  }
}

/** The URL an HTTP sink entry posts to: the configured one, or built from it and the preset's keys. */
export function targetUrl(config: Exclude<SinkConfig, { type: 'file' }>): string {
  switch (config.type) {
    case 'elastic_bulk':
      return bulkUrl(config.url);
    case 'sentinel':
      return sentinelUrl(config);
    case 'google_secops':
      return secopsUrl(config);
    default:
      return config.url;
  }
}

export function createSink(config: SinkConfig, deps: SinkDeps): Sink {
  const sink = createOwnSink(config, deps);
  if (config.output !== 'ocsf') return sink;
  if (deps.toOcsf === undefined) throw new Error(`sink ${config.name}: output ocsf needs the OCSF transformer`);
  return new OcsfOutput(sink, deps.toOcsf, deps.deadLetter);
}

function createOwnSink(config: SinkConfig, deps: SinkDeps): Sink {
  if (config.type === 'file') return new FileSink(config, deps.logger);
  if (!config.tls.verify) deps.logger?.warn({ sink: config.name }, 'TLS certificate verification is off for this sink');
  return new HttpSink({ config: { ...config, url: targetUrl(config) }, preset: presetFor(config), deadLetter: deps.deadLetter, logger: deps.logger });
}
