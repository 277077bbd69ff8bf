import { z } from 'zod';
import { authHeaders, basicAuth, bearerAuth, httpSinkSchema } from '../http-config.js';
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

export function lokiPreset(config: LokiConfig): Preset {
  const streamLabels = new Map<string, string>();
  const labelsOf = (logType: string) => {
    let labels = streamLabels.get(logType);
    if (labels === undefined) {
      labels = JSON.stringify({ ...config.labels, log_type: logType });
      streamLabels.set(logType, labels);
    }
    return labels;
  };
  return {
    contentType: 'application/json',
    headers: { ...authHeaders(config.auth), ...(config.tenant_id ? { 'x-scope-orgid': config.tenant_id } : {}) },
    frame: (record) => `["${epochNanosText(record.eventTimeMs)}",${JSON.stringify(record.text.json)}]`,
    body: (items) => {
      const streams = new Map<string, BatchItem[]>();
      for (const item of items) {
        const logType = item.entry.record.logType;
        const stream = streams.get(logType);
        if (stream) stream.push(item);
        else streams.set(logType, [item]);
      }
      const parts = [...streams].map(([logType, members]) => `{"stream":${labelsOf(logType)},"values":[${members.map((item) => item.frame).join(',')}]}`);
      return Buffer.from(`{"streams":[${parts.join(',')}]}`);
    },
  };
}
