/** Datadog logs intake v2: entries with Datadog's reserved fields in front, its ZPA pipeline's source and EventType, and its request limits. */
import { z } from 'zod';
import type { Delivery } from '../../contract.js';
import { secret } from '../../shared/units.js';
import { httpSinkSchema, outputKey } from '../http-config.js';
import { joinFrames, membersFrame } from '../framing.js';
import type { Preset } from '../preset.js';
import { eventTimeOrNow } from './fields.js';
import { ZPA_CONTENT } from './zpa-content.js';

/** Datadog logs intake v2 limits per request. */
export const DATADOG_MAX_ENTRIES = 1000;
export const DATADOG_MAX_PAYLOAD_BYTES = 5_000_000;
export const DATADOG_MAX_LOG_BYTES = 1_000_000;

/** The source Datadog's Zscaler Private Access integration runs its log pipeline on. */
export const DATADOG_ZPA_SOURCE = 'zscaler-private-access';

/**
 * `type: datadog` — Datadog logs intake v2: `url` is your site's intake, e.g.
 * `https://http-intake.logs.datadoghq.com/api/v2/logs` (US1) or `https://http-intake.logs.datadoghq.eu/api/v2/logs`.
 * The body is a JSON array; each entry is the record with `ddsource`, `service`, `hostname`
 * (default: the sending Fluent Bit), `ddtags` (`log_type:<type>` plus yours) and `timestamp` (event time, ms) put in
 * front of its own fields. `DD-API-KEY` header. Datadog's limits are enforced: at most 1000 entries and 5 MB
 * uncompressed per request; a record over 1 MB (which Datadog would truncate) is dead-lettered instead.
 * Defaults: 1000 events / 4 MiB sent / 1 s, gzip (zstd accepted too).
 *
 * `output: native` (default) is what Datadog's Zscaler Private Access integration reads (DataDog/integrations-core
 * `zscaler_private_access`): `ddsource: zscaler-private-access` (its `manifest.json` log source; its pipeline's
 * filter), and the top-level `EventType` its pipeline's first processor remaps to the service and each sub-pipeline
 * filters on (`assets/logs/zscaler-private-access.yaml`; the values of the README's Log Stream Content: user-activity,
 * user-status, app-connector-status, app-connector-metrics, audit-logs, browser-access, private-service-edge-status,
 * private-service-edge-metrics, app-protection, private-cloud-controller-status, private-cloud-controller-metrics,
 * microsegmentation), added unless the record has one, with `service` the same. Log types it has no EventType for
 * keep `service` (default `zpa`). `enriched`: `ddsource: zscaler_zpa`, `service: zpa`, the record as it is.
 */
export const datadogSinkConfigSchema = httpSinkSchema(
  'datadog',
  { maxBytes: 4 * 1024 * 1024, maxEvents: DATADOG_MAX_ENTRIES, maxWaitMs: 1000, compressions: ['gzip', 'zstd', 'none'], compression: 'gzip' },
  {
    output: outputKey(['native', 'enriched', 'ocsf'], 'native'),
    api_key: secret,
    ddsource: z.string().min(1).optional(),
    service: z.string().min(1).optional(),
    hostname: z.string().min(1).optional(),
    ddtags: z.string().min(1).optional(),
  },
).refine((config) => config.batch.max_events <= DATADOG_MAX_ENTRIES, {
  message: `Datadog accepts at most ${DATADOG_MAX_ENTRIES} entries per request`,
  path: ['batch', 'max_events'],
});
type DatadogConfig = z.output<typeof datadogSinkConfigSchema>;

const EVENT_TYPE_KEY = '"EventType"';

export function datadogPreset(config: DatadogConfig): Preset {
  const native = config.output === 'native';
  const source = `"ddsource":${JSON.stringify(config.ddsource ?? (native ? DATADOG_ZPA_SOURCE : 'zscaler_zpa'))}`;
  const service = config.service ?? 'zpa';
  const hostname = config.hostname === undefined ? undefined : JSON.stringify(config.hostname);
  const extraTags = config.ddtags === undefined ? '' : `,${config.ddtags}`;
  /** Per log type: the members before the hostname, the tags after it, and the EventType member native output adds. */
  const members = new Map<string, { lead: string; tags: string; eventType: string }>();
  const membersOf = (logType: string) => {
    let found = members.get(logType);
    if (found === undefined) {
      const eventType = native ? ZPA_CONTENT.get(logType)?.datadog : undefined;
      found = {
        lead: `${source},"service":${JSON.stringify(eventType ?? service)}`,
        tags: `"ddtags":${JSON.stringify(`log_type:${logType}${extraTags}`)}`,
        eventType: eventType === undefined ? '' : `,${EVENT_TYPE_KEY}:${JSON.stringify(eventType)}`,
      };
      members.set(logType, found);
    }
    return found;
  };
  const fields = (record: Delivery) => {
    const { lead, tags, eventType } = membersOf(record.logType);
    const added = eventType !== '' && !record.text.includes(EVENT_TYPE_KEY) ? eventType : '';
    return `${lead},"hostname":${hostname ?? JSON.stringify(record.source)},${tags},"timestamp":${Math.round(eventTimeOrNow(record.eventTimeMs))}${added}`;
  };
  return {
    contentType: 'application/json',
    headers: { 'dd-api-key': config.api_key },
    frame: (record) => membersFrame('', fields(record), record.text, ''),
    separatorBytes: 1,
    body: (items) => joinFrames(items, '[', ',', ']', 'between'),
    maxUncompressedBytes: DATADOG_MAX_PAYLOAD_BYTES,
    maxRecordBytes: DATADOG_MAX_LOG_BYTES,
  };
}
