/** Datadog logs intake v2: entries with Datadog's reserved fields in front, and its request limits. */
import { z } from 'zod';
import { secret } from '../../shared/units.js';
import { httpSinkSchema } from '../http-config.js';
import { joinFrames, membersFrame } from '../framing.js';
import type { Preset } from '../preset.js';
import { eventTimeOrNow } from './fields.js';

/** Datadog logs intake v2 limits per request. */
export const DATADOG_MAX_ENTRIES = 1000;
export const DATADOG_MAX_PAYLOAD_BYTES = 5_000_000;
export const DATADOG_MAX_LOG_BYTES = 1_000_000;

/**
 * `type: datadog` — Datadog logs intake v2: `url` is your site's intake, e.g.
 * `https://http-intake.logs.datadoghq.com/api/v2/logs` (US1) or `https://http-intake.logs.datadoghq.eu/api/v2/logs`.
 * The body is a JSON array; each entry is the record with `ddsource`, `service`, `hostname`
 * (default: the sending Fluent Bit), `ddtags` (`log_type:<type>` plus yours) and `timestamp` (event time, ms) put in
 * front of its own fields. `DD-API-KEY` header. Datadog's limits are enforced: at most 1000 entries and 5 MB
 * uncompressed per request; a record over 1 MB (which Datadog would truncate) is dead-lettered instead.
 * Defaults: 1000 events / 4 MiB sent / 1 s, gzip (zstd accepted too).
 */
export const datadogSinkConfigSchema = httpSinkSchema(
  'datadog',
  { maxBytes: 4 * 1024 * 1024, maxEvents: DATADOG_MAX_ENTRIES, maxWaitMs: 1000, compressions: ['gzip', 'zstd', 'none'], compression: 'gzip' },
  {
    api_key: secret,
    ddsource: z.string().min(1).default('zscaler_zpa'),
    service: z.string().min(1).default('zpa'),
    hostname: z.string().min(1).optional(),
    ddtags: z.string().min(1).optional(),
  },
).refine((config) => config.batch.max_events <= DATADOG_MAX_ENTRIES, {
  message: `Datadog accepts at most ${DATADOG_MAX_ENTRIES} entries per request`,
  path: ['batch', 'max_events'],
});
type DatadogConfig = z.output<typeof datadogSinkConfigSchema>;

export function datadogPreset(config: DatadogConfig): Preset {
  const common = `"ddsource":${JSON.stringify(config.ddsource)},"service":${JSON.stringify(config.service)}`;
  const hostname = config.hostname === undefined ? undefined : JSON.stringify(config.hostname);
  const extraTags = config.ddtags === undefined ? '' : `,${config.ddtags}`;
  return {
    contentType: 'application/json',
    headers: { 'dd-api-key': config.api_key },
    frame: (record) =>
      membersFrame(
        '',
        `${common},"hostname":${hostname ?? JSON.stringify(record.source)},"ddtags":${JSON.stringify(`log_type:${record.logType}${extraTags}`)},` +
          `"timestamp":${Math.round(eventTimeOrNow(record.eventTimeMs))}`,
        record.text,
        '',
      ),
    separatorBytes: 1,
    body: (items) => joinFrames(items, '[', ',', ']', 'between'),
    maxUncompressedBytes: DATADOG_MAX_PAYLOAD_BYTES,
    maxRecordBytes: DATADOG_MAX_LOG_BYTES,
  };
}
