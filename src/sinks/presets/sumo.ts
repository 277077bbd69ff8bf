/** Sumo Logic hosted HTTP source: NDJSON with Sumo's metadata headers. */
import { z } from 'zod';
import { httpSinkSchema } from '../http-config.js';
import type { Preset } from '../preset.js';
import { ndjsonPreset } from './ndjson.js';

/**
 * `type: sumo` — a Sumo Logic hosted HTTP Logs source (`url` = the source's unique URL; it embeds the token, so give
 * it as `{env: …}` or `{file: …}`). NDJSON body, one log per line. Metadata headers when set: `category` →
 * `X-Sumo-Category`, `source_name` → `X-Sumo-Name`, `source_host` → `X-Sumo-Host`, `fields` → `X-Sumo-Fields`
 * (`k=v,k2=v2`). Defaults: batch 1 MiB sent / 10 000 events / 1 s (Sumo recommends 100 KB–1 MB requests), gzip.
 */
export const sumoSinkConfigSchema = httpSinkSchema(
  'sumo',
  { maxBytes: 1024 * 1024, maxEvents: 10_000, maxWaitMs: 1000, compressions: ['gzip', 'none'], compression: 'gzip' },
  {
    category: z.string().min(1).optional(),
    source_name: z.string().min(1).optional(),
    source_host: z.string().min(1).optional(),
    fields: z.record(z.string().regex(/^[^=,]+$/), z.string().regex(/^[^=,]*$/)).optional(),
  },
);
type SumoConfig = z.output<typeof sumoSinkConfigSchema>;

export function sumoPreset(config: SumoConfig): Preset {
  const headers: Record<string, string> = {};
  if (config.category) headers['x-sumo-category'] = config.category;
  if (config.source_name) headers['x-sumo-name'] = config.source_name;
  if (config.source_host) headers['x-sumo-host'] = config.source_host;
  if (config.fields) headers['x-sumo-fields'] = Object.entries(config.fields).map(([key, value]) => `${key}=${value}`).join(',');
  return { ...ndjsonPreset(undefined), headers };
}
