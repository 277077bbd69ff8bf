/** Grafana Loki push API (JSON): one stream per log type, each record's text as a line. */
import { z } from 'zod';
import { authHeaders, basicAuth, bearerAuth, httpSinkSchema } from '../http-config.js';
import { BodyWriter, stringFrame } from '../framing.js';
import type { BatchItem, Preset } from '../preset.js';
import { epochNanosText } from './fields.js';

/**
 * `type: loki` — Grafana Loki push API, JSON (`url` = e.g. `http://loki:3100/loki/api/v1/push`). Records are grouped
 * into streams by their labels: your static `labels` (default `{job: "zpa-relay"}`) plus `log_type`, and nothing
 * per record, so the stream count stays at one per log type. Each value is `["<epoch ns>", "<record JSON text>"]`.
 * `tenant_id` sets `X-Scope-OrgID`; auth basic or bearer. Defaults: batch 1 MiB sent / 10 000 events / 1 s, gzip.
 */
export const lokiSinkConfigSchema = httpSinkSchema(
  'loki',
  { maxBytes: 1024 * 1024, maxEvents: 10_000, maxWaitMs: 1000, compressions: ['gzip', 'none'], compression: 'gzip' },
  {
    labels: z
      .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'Loki label names are [a-zA-Z_][a-zA-Z0-9_]*'), z.string())
      .default({ job: 'zpa-relay' }),
    tenant_id: z.string().min(1).optional(),
    auth: z.discriminatedUnion('type', [basicAuth, bearerAuth]).optional(),
  },
);
type LokiConfig = z.output<typeof lokiSinkConfigSchema>;

const BODY_OPEN = '{"streams":[';
const BODY_CLOSE = ']}';
const STREAM_CLOSE = ']}';

export function lokiPreset(config: LokiConfig): Preset {
  /** Per log type, the text that opens its stream, and its bytes. */
  const streamOpenings = new Map<string, { text: string; bytes: number }>();
  const openingOf = (logType: string) => {
    let opening = streamOpenings.get(logType);
    if (opening === undefined) {
      const text = `{"stream":${JSON.stringify({ ...config.labels, log_type: logType })},"values":[`;
      opening = { text, bytes: Buffer.byteLength(text) };
      streamOpenings.set(logType, opening);
    }
    return opening;
  };
  return {
    contentType: 'application/json',
    headers: { ...authHeaders(config.auth), ...(config.tenant_id ? { 'x-scope-orgid': config.tenant_id } : {}) },
    // The record's bytes are escaped into the body as the line: the line is exactly the text NDJSON would send.
    frame: (record) => stringFrame(`["${epochNanosText(record.eventTimeMs)}","`, record.text, '"]'),
    body: (items) => {
      const streams = new Map<string, BatchItem[]>();
      for (const item of items) {
        const logType = item.record.logType;
        const stream = streams.get(logType);
        if (stream) stream.push(item);
        else streams.set(logType, [item]);
      }
      // The body's opening and closing, a comma between streams; each stream's opening and closing, a comma between its values.
      let size = BODY_OPEN.length + BODY_CLOSE.length + Math.max(0, streams.size - 1);
      for (const [logType, members] of streams) size += openingOf(logType).bytes + STREAM_CLOSE.length + members.length - 1;
      for (const item of items) size += item.bytes;
      const writer = new BodyWriter(size).text(BODY_OPEN);
      let first = true;
      for (const [logType, members] of streams) {
        if (!first) writer.text(',');
        first = false;
        // Values are counted without their commas (the preset has no `separatorBytes`): the size above adds them.
        writer.text(openingOf(logType).text).items(members, ',', 'between', 0).text(STREAM_CLOSE);
      }
      return writer.text(BODY_CLOSE).finish();
    },
  };
}
