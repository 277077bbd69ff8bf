/** Elasticsearch / OpenSearch `_bulk`: create actions with a stable document id, and per-item results. */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { secret } from '../../shared/units.js';
import { authHeaders, basicAuth, bearerAuth, httpSinkSchema, outputKey } from '../http-config.js';
import type { RecordText } from '../../shared/record-text.js';
import { joinFrames, membersFrame, stringFrame, wholeFrame } from '../framing.js';
import type { BatchItem, ItemResults, Preset } from '../preset.js';
import { isoTimeText } from './fields.js';
import { ZPA_CONTENT } from './zpa-content.js';

const apiKeyAuth = z.object({ type: z.literal('api_key'), key: secret }).strict();

/**
 * `type: elastic_bulk` — Elasticsearch / OpenSearch `_bulk` (`url` = the cluster, `/_bulk` is appended unless the
 * path already ends with it). Each record is a `create` action (the only one data streams take) followed by the
 * document. `index` is the data stream, `{log_type}` in it becomes the log type in lower case
 * (`logs-zpa.{log_type}-default` → `logs-zpa.zscaler.zpa.useractivity-default`). `id: hash` (default) sets `_id` to a
 * SHA-256 of the record text, so a retried or resent record is answered 409 instead of being stored twice (within one
 * backing index). `@timestamp` (the event time, ISO 8601) is added in front when the record has none. Per-item
 * results are read: items answered with a retry status are re-sent alone, other failures are dead-lettered with
 * ES's error type and reason. Auth: `{type: api_key, key}` (the encoded key), basic or bearer.
 * Defaults: batch 5 MiB sent / 5000 events / 1 s, gzip.
 *
 * `output: native` (default) writes the five log types Elastic's Zscaler ZPA integration covers (elastic/integrations
 * `packages/zscaler_zpa`: data streams `app_connector_status`, `audit`, `browser_access`, `user_activity`,
 * `user_status`) into its data streams, `logs-zscaler_zpa.<stream>-<namespace>`, in the shape their ingest pipelines
 * parse: the line as received in `message` (the pipeline renames it to `event.original` and reads it as JSON, taking
 * `@timestamp` from its `LogTimestamp`), `@timestamp` (the event time) and `data_stream`. `_id` hashes the line.
 * Other log types go as in `enriched`: the relay's enriched record into `index`.
 */
export const elasticBulkSinkConfigSchema = httpSinkSchema(
  'elastic_bulk',
  { maxBytes: 5 * 1024 * 1024, maxEvents: 5000, maxWaitMs: 1000, compressions: ['gzip', 'none'], compression: 'gzip' },
  {
    output: outputKey(['native', 'enriched', 'ocsf'], 'native'),
    index: z.string().min(1).default('logs-zpa-default'),
    namespace: z
      .string()
      .regex(/^[a-z0-9_.]{1,100}$/, 'a data stream namespace: lower case letters, digits, _ and . (no -)')
      .default('default'),
    id: z.enum(['hash', 'none']).default('hash'),
    auth: z.discriminatedUnion('type', [apiKeyAuth, basicAuth, bearerAuth]).optional(),
  },
);
type ElasticBulkConfig = z.output<typeof elasticBulkSinkConfigSchema>;

export function bulkUrl(url: string): string {
  const parsed = new URL(url);
  if (!/\/_bulk\/?$/.test(parsed.pathname)) parsed.pathname = `${parsed.pathname.replace(/\/$/, '')}/_bulk`;
  return parsed.toString();
}

/**
 * The `_id` of a record: a hash of its head, the record as received, without the fields the relay appends (its row
 * id and parse time differ on every pass), or of the line it was read from (`part: 'line'`), so a retry, a Fluent
 * Bit resend after a lost ack, or a relay restart all map to the same document and Elasticsearch answers 409
 * instead of storing a duplicate.
 */
function documentId(text: RecordText, part: 'head' | 'line'): string {
  const hash = createHash('sha256');
  text.hash(hash, part);
  return hash.digest('base64url');
}

const TIMESTAMP_KEY = '"@timestamp"';

interface BulkItemResult {
  status: number;
  error?: { type?: string; reason?: string };
}

export function elasticBulkPreset(config: ElasticBulkConfig): Preset {
  const native = config.output === 'native';
  const indexFor = new Map<string, string>();
  const indexName = (logType: string) => {
    let name = indexFor.get(logType);
    if (name === undefined) {
      name = JSON.stringify(config.index.replaceAll('{log_type}', logType.toLowerCase().replace(/[^a-z0-9_.]/g, '_')));
      indexFor.set(logType, name);
    }
    return name;
  };
  const streams = native ? integrationStreams(config.namespace) : new Map<string, IntegrationStream>();
  const id = (text: RecordText, part: 'head' | 'line') => (config.id === 'hash' ? `,"_id":"${documentId(text, part)}"` : '');
  return {
    contentType: 'application/x-ndjson',
    headers: config.auth?.type === 'api_key' ? { authorization: `ApiKey ${config.auth.key}` } : authHeaders(config.auth),
    frame: (record) => {
      const { text } = record;
      const stream = streams.get(record.logType);
      if (stream !== undefined) {
        const action = `{"create":{"_index":${stream.index}${id(text, 'line')}}}\n`;
        return stringFrame(`${action}{"@timestamp":"${isoTimeText(record.eventTimeMs)}",${stream.dataStream},"message":"`, text, '"}\n', 'line');
      }
      const action = `{"create":{"_index":${indexName(record.logType)}${id(text, 'head')}}}\n`;
      if (text.includes(TIMESTAMP_KEY)) return wholeFrame(action, text, '\n');
      return membersFrame(action, `"@timestamp":"${isoTimeText(record.eventTimeMs)}"`, text, '\n');
    },
    body: (items) => joinFrames(items, '', '', '', 'after'),
    results: (status, text, items, retryStatuses) => (status >= 200 && status < 300 ? bulkResults(text, items, retryStatuses) : undefined),
  };
}

/** One of the integration's data streams: its name (a JSON string) and the `data_stream` member of its documents. */
interface IntegrationStream {
  index: string;
  dataStream: string;
}

/** The integration's data stream of each log type it covers, in this namespace. */
function integrationStreams(namespace: string): Map<string, IntegrationStream> {
  const streams = new Map<string, IntegrationStream>();
  for (const [logType, content] of ZPA_CONTENT) {
    if (content.elastic === undefined) continue;
    const dataset = `zscaler_zpa.${content.elastic}`;
    streams.set(logType, {
      index: JSON.stringify(`logs-${dataset}-${namespace}`),
      dataStream: `"data_stream":${JSON.stringify({ type: 'logs', dataset, namespace })}`,
    });
  }
  return streams;
}

/** Sort a `_bulk` answer's items into delivered, already present (409 on create), to retry, and failed. */
function bulkResults(text: string, items: readonly BatchItem[], retryStatuses: ReadonlySet<number>): ItemResults {
  // ES reports each item's fate: a retried item was not stored.
  const results: ItemResults = { delivered: [], alreadyPresent: [], retry: [], failed: [], retryMayDuplicate: false };
  const answer = JSON.parse(text) as { errors?: boolean; items?: Record<string, BulkItemResult>[] };
  if (answer.errors !== true) {
    results.delivered.push(...items);
    return results;
  }
  items.forEach((item, index) => {
    const entry = answer.items?.[index];
    const result = entry && Object.values(entry)[0];
    if (!result) results.retry.push({ item, status: 0 });
    else if (result.status >= 200 && result.status < 300) results.delivered.push(item);
    else if (result.status === 409) results.alreadyPresent.push(item);
    else if (retryStatuses.has(result.status)) results.retry.push({ item, status: result.status });
    else results.failed.push({ item, status: result.status, detail: `${result.error?.type ?? 'error'}: ${result.error?.reason ?? 'no reason given'}` });
  });
  return results;
}
