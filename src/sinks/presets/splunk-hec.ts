import { z } from 'zod';
import { secret } from '../../config/units.js';
import { httpSinkSchema } from '../http-config.js';
import type { Preset } from '../preset.js';
import { epochSecondsText } from './fields.js';

/**
 * `type: splunk_hec` — Splunk HTTP Event Collector, `url` = the full endpoint, e.g.
 * `https://splunk:8088/services/collector/event`. Each record becomes an event envelope
 * `{"time":<epoch s.ms>,"host":…,"source":…,"sourcetype":…,"index":…,"event":<record>}`, concatenated in the body;
 * `Authorization: Splunk <token>`. Defaults: host = the sending Fluent Bit (record source), source = the Fluent Bit
 * tag, sourcetype = the ZPA log type, index = the token's default (omitted). Batch 1 MiB sent / 10 000 events / 1 s,
 * gzip. `channel` sets `X-Splunk-Request-Channel` (needed when the token has indexer acknowledgement on).
 */
export const splunkHecSinkConfigSchema = httpSinkSchema(
  'splunk_hec',
  { maxBytes: 1024 * 1024, maxEvents: 10_000, maxWaitMs: 1000, compressions: ['gzip', 'none'], compression: 'gzip' },
  {
    token: secret,
    host: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    sourcetype: z.string().min(1).optional(),
    index: z.string().min(1).optional(),
    channel: z.uuid().optional(),
  },
);
type SplunkHecConfig = z.output<typeof splunkHecSinkConfigSchema>;

export function splunkHecPreset(config: SplunkHecConfig): Preset {
  const fixed = (value: string | undefined) => (value === undefined ? undefined : JSON.stringify(value));
  const host = fixed(config.host);
  const source = fixed(config.source);
  const sourcetype = fixed(config.sourcetype);
  const index = config.index === undefined ? '' : `,"index":${JSON.stringify(config.index)}`;
  return {
    contentType: 'application/json',
    headers: {
      authorization: `Splunk ${config.token}`,
      ...(config.channel ? { 'x-splunk-request-channel': config.channel } : {}),
    },
    frame: (record) =>
      `{"time":${epochSecondsText(record.eventTimeMs)},"host":${host ?? JSON.stringify(record.source)},` +
      `"source":${source ?? JSON.stringify(record.tag)},"sourcetype":${sourcetype ?? JSON.stringify(record.logType)}${index},` +
      `"event":${record.json}}`,
    body: (items) => items.map((item) => item.frame).join(''),
  };
}
