/** Microsoft Sentinel through the Azure Monitor Logs Ingestion API: JSON arrays into a DCR stream, Entra tokens, its limits. */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { secret } from '../../shared/units.js';
import { AccessToken, TokenEndpoint } from '../access-token.js';
import { httpSinkSchema, httpUrl, outputKey } from '../http-config.js';
import { joinFrames, membersFrame, stringFrame } from '../framing.js';
import type { Preset } from '../preset.js';
import { isoTimeText } from './fields.js';

/** The Logs Ingestion API's limit per call, compressed or not (a larger one is answered 413). */
export const SENTINEL_MAX_CALL_BYTES = 1_000_000;
const API_VERSION = '2023-01-01';

/**
 * `type: sentinel` — Microsoft Sentinel, through the Azure Monitor Logs Ingestion API
 * (`POST {url}/dataCollectionRules/{dcr_immutable_id}/streams/{stream}?api-version=2023-01-01`): `url` is the data
 * collection rule's logs ingestion endpoint or a data collection endpoint (`https://<dce>.<region>-1.ingest.monitor.azure.com`).
 * The body is a JSON array of objects with the stream's columns, at most 1 MB a call (`batch.max_bytes` may not be
 * more; the uncompressed body is kept under it too). Auth: a Microsoft Entra app (`tenant_id`, `client_id`,
 * `client_secret`) with the "Monitoring Metrics Publisher" role on the DCR; its client-credentials token is fetched
 * from `{authority}/{tenant_id}/oauth2/v2.0/token` for `scope`, kept until shortly before it expires, and fetched
 * again at once when the API answers 401. 413 splits the batch, 429 and 5xx are retried after `Retry-After`.
 * Defaults: batch 1 MB sent / 10 000 events / 1 s, gzip.
 *
 * `output: native` (default) writes the `ZPA_CL` table that Sentinel's Zscaler Private Access solution reads
 * (Azure/Azure-Sentinel `Solutions/Zscaler Private Access (ZPA)`: its `ZPAEvent` parser runs `parse-kv Message` over
 * `ZPA_CL`): `{"TimeGenerated": <event time>, "Message": <the line as received>}` into the stream `Custom-ZPA_CL`
 * (examples/siem/sentinel-dcr.json creates the table and the DCR). `enriched`: the record's own fields with
 * `TimeGenerated` in front, for a stream that declares them.
 */
export const sentinelSinkConfigSchema = httpSinkSchema(
  'sentinel',
  { maxBytes: SENTINEL_MAX_CALL_BYTES, maxEvents: 10_000, maxWaitMs: 1000, compressions: ['gzip', 'none'], compression: 'gzip' },
  {
    output: outputKey(['native', 'enriched', 'ocsf'], 'native'),
    dcr_immutable_id: z.string().regex(/^dcr-[0-9a-f]{32}$/, 'expected the DCR immutable id: dcr- and 32 hex digits (the DCR overview in the Azure portal)'),
    stream: z
      .string()
      .regex(/^(Custom|Microsoft)-[A-Za-z][A-Za-z0-9_]*$/, 'expected a DCR stream name, Custom-<name> or Microsoft-<table>')
      .default('Custom-ZPA_CL'),
    tenant_id: z.string().min(1),
    client_id: z.string().min(1),
    client_secret: secret,
    authority: httpUrl.default('https://login.microsoftonline.com'),
    scope: z.string().min(1).default('https://monitor.azure.com//.default'),
  },
).refine((config) => config.batch.max_bytes <= SENTINEL_MAX_CALL_BYTES, {
  message: `the Logs Ingestion API takes at most ${SENTINEL_MAX_CALL_BYTES} bytes a call`,
  path: ['batch', 'max_bytes'],
});
type SentinelConfig = z.output<typeof sentinelSinkConfigSchema>;

/** The API's URL for the configured endpoint, DCR and stream. */
export function sentinelUrl(config: SentinelConfig): string {
  const url = new URL(config.url);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/dataCollectionRules/${config.dcr_immutable_id}/streams/${config.stream}`;
  url.search = `?api-version=${API_VERSION}`;
  return url.toString();
}

/** Microsoft Entra client credentials: the app's token for the Logs Ingestion API. */
function entraToken(config: SentinelConfig): { token: AccessToken; endpoint: TokenEndpoint } {
  const endpoint = new TokenEndpoint(`${config.authority.replace(/\/$/, '')}/${encodeURIComponent(config.tenant_id)}/oauth2/v2.0/token`, config.timeout);
  const form = { client_id: config.client_id, client_secret: config.client_secret, grant_type: 'client_credentials', scope: config.scope };
  return { token: new AccessToken(() => endpoint.grant(form)), endpoint };
}

export function sentinelPreset(config: SentinelConfig): Preset {
  const native = config.output === 'native';
  const { token, endpoint } = entraToken(config);
  return {
    contentType: 'application/json',
    headers: {},
    frame: (record) => {
      const time = `"TimeGenerated":"${isoTimeText(record.eventTimeMs)}"`;
      return native ? stringFrame(`{${time},"Message":"`, record.text, '"}', 'line') : membersFrame('', time, record.text, '');
    },
    separatorBytes: 1,
    body: (items) => joinFrames(items, '[', ',', ']', 'between'),
    authorize: async () => ({ authorization: `Bearer ${await token.get()}`, 'x-ms-client-request-id': randomUUID() }),
    unauthorized: () => token.invalidate(),
    close: () => endpoint.close(),
    maxUncompressedBytes: SENTINEL_MAX_CALL_BYTES,
  };
}
