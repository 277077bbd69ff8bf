/** Google SecOps (Chronicle) ingestion of unstructured logs: ImportLogs (or the legacy batchCreate), service-account tokens. */
import { z } from 'zod';
import type { Delivery } from '../../contract.js';
import { base64Frame, joinFrames, stringFrame } from '../framing.js';
import { httpSinkSchema, httpUrl, outputKey } from '../http-config.js';
import type { Preset } from '../preset.js';
import { eventTimeOrNow, isoTimeText } from './fields.js';
import { serviceAccountKey, serviceAccountToken } from './google-credentials.js';
import { byLogType, SECOPS_FALLBACK_LABEL, ZPA_CONTENT } from './zpa-content.js';

/** ImportLogs takes 4 MB a request (Google's own script keeps 3.95 MB); the legacy API 1 MB (its scripts keep 0.95 MB). */
export const SECOPS_IMPORT_MAX_BYTES = 3_950_000;
export const SECOPS_LEGACY_MAX_BYTES = 950_000;

const SCOPES = { import: 'https://www.googleapis.com/auth/cloud-platform', legacy: 'https://www.googleapis.com/auth/malachite-ingestion' };

/**
 * `type: google_secops` — Google SecOps (Chronicle), unstructured logs: each record's line goes to SecOps as received,
 * labelled with the log type SecOps' parser for it reads: `ZSCALER_ZPA` (docs.cloud.google.com/chronicle, default
 * parser "Zscaler ZPA"), and `ZSCALER_ZPA_AUDIT` for the audit log (parser "Zscaler ZPA Audit"); a label per request,
 * so records are batched per label.
 *
 * `api: import` (default): the Chronicle API's ImportLogs, `POST {url}/v1beta/projects/{project}/locations/{region}/
 * instances/{customer_id}/logTypes/{label}/logs:import` with `{"inlineSource":{"logs":[{"data":<base64>,
 * "logEntryTime":…}],"forwarder"?}}`, `url` default `https://chronicle.{region}.rep.googleapis.com`, scope
 * `cloud-platform` (the service account needs `chronicle.logs.import`), 4 MB a request. `api: legacy`: the
 * Ingestion API's `unstructuredlogentries:batchCreate` (deprecated; Google stops it on July 20, 2027), `{"customerId",
 * "logType","entries":[{"logText","tsEpochMicroseconds"}]}`, `url` default `https://malachiteingestion-pa.googleapis.com`
 * (`https://{region}-malachiteingestion-pa.googleapis.com` outside `us`), scope `malachite-ingestion`, 1 MB.
 *
 * Auth: `credentials`, the service-account JSON key: an RS256 JWT signed with its private key is traded at its
 * `token_uri` for an access token, kept until shortly before it expires and fetched again at once on a 401. 429 and
 * 5xx are retried; 400 and 403 are not. `output: enriched` sends the enriched record's text as the log instead of the
 * line; `ocsf` needs `log_type`, the label of a parser that reads OCSF.
 */
export const googleSecopsSinkConfigSchema = httpSinkSchema(
  'google_secops',
  { maxBytes: SECOPS_IMPORT_MAX_BYTES, maxEvents: 10_000, maxWaitMs: 1000, compressions: ['none'], compression: 'none' },
  {
    url: httpUrl.optional(),
    output: outputKey(['native', 'enriched', 'ocsf'], 'native'),
    api: z.enum(['import', 'legacy']).default('import'),
    region: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a SecOps region, e.g. us, europe, europe-west2').default('us'),
    project: z.string().min(1).optional(),
    customer_id: z.uuid({ error: 'expected the SecOps customer ID, a UUID (SIEM Settings > Profile)' }),
    credentials: serviceAccountKey,
    forwarder: z.string().min(1).optional(),
    namespace: z.string().min(1).optional(),
    log_type: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'expected a SecOps log type label, e.g. ZSCALER_ZPA').optional(),
    log_type_labels: byLogType,
  },
).superRefine((config, ctx) => {
  if (config.api === 'import' && config.project === undefined) {
    ctx.addIssue({ code: 'custom', path: ['project'], message: 'required with api: import: the Google Cloud project (ID or number) of the SecOps instance' });
  }
  if (config.output === 'ocsf' && config.log_type === undefined) {
    ctx.addIssue({ code: 'custom', path: ['log_type'], message: 'required with output: ocsf: the label of a SecOps parser that reads OCSF events' });
  }
  if (config.api === 'legacy' && config.forwarder !== undefined) ctx.addIssue({ code: 'custom', path: ['forwarder'], message: 'only with api: import' });
});
type GoogleSecopsConfig = z.output<typeof googleSecopsSinkConfigSchema>;

/** The target's URL: `url` when given, else the region's endpoint (with the legacy API's path). */
export function secopsUrl(config: GoogleSecopsConfig): string {
  if (config.api === 'import') return config.url ?? `https://chronicle.${config.region}.rep.googleapis.com`;
  const base = config.url ?? `https://${config.region === 'us' ? '' : `${config.region}-`}malachiteingestion-pa.googleapis.com`;
  return `${base.replace(/\/$/, '')}/v2/unstructuredlogentries:batchCreate`;
}

export function googleSecopsPreset(config: GoogleSecopsConfig): Preset {
  const native = config.output === 'native';
  const part = native ? 'line' : 'text';
  const label = (record: Delivery) =>
    config.log_type_labels[record.logType] ?? config.log_type ?? ZPA_CONTENT.get(record.logType)?.secops ?? SECOPS_FALLBACK_LABEL;
  const { token, endpoint } = serviceAccountToken(config.credentials, SCOPES[config.api], config.timeout);
  const auth = {
    authorize: async () => ({ authorization: `Bearer ${await token.get()}` }),
    unauthorized: () => token.invalidate(),
    close: () => endpoint.close(),
  };
  const namespace = config.namespace === undefined ? '' : JSON.stringify(config.namespace);
  if (config.api === 'legacy') {
    return {
      ...auth,
      contentType: 'application/json',
      headers: {},
      group: label,
      frame: (record) => stringFrame('{"logText":"', record.text, `","tsEpochMicroseconds":${Math.round(eventTimeOrNow(record.eventTimeMs) * 1000)}}`, part),
      separatorBytes: 1,
      body: (items) => {
        const open = `{"customerId":"${config.customer_id}","logType":${JSON.stringify(label(items[0].record))}${namespace && `,"namespace":${namespace}`},"entries":[`;
        return joinFrames(items, open, ',', ']}', 'between');
      },
      maxUncompressedBytes: SECOPS_LEGACY_MAX_BYTES,
    };
  }
  const base = new URL(secopsUrl(config)).pathname.replace(/\/$/, '');
  const instance = `projects/${config.project}/locations/${config.region}/instances/${config.customer_id}`;
  const forwarder = config.forwarder === undefined ? '' : `"forwarder":${JSON.stringify(config.forwarder.includes('/') ? config.forwarder : `${instance}/forwarders/${config.forwarder}`)},`;
  const entryEnd = namespace && `,"environmentNamespace":${namespace}`;
  return {
    ...auth,
    contentType: 'application/json',
    headers: {},
    group: label,
    path: (items) => `${base}/v1beta/${instance}/logTypes/${label(items[0].record)}/logs:import`,
    frame: (record) => base64Frame('{"data":"', record.text, `","logEntryTime":"${isoTimeText(record.eventTimeMs)}"${entryEnd}}`, part),
    separatorBytes: 1,
    body: (items) => joinFrames(items, `{"inlineSource":{${forwarder}"logs":[`, ',', ']}}', 'between'),
    maxUncompressedBytes: SECOPS_IMPORT_MAX_BYTES,
  };
}
