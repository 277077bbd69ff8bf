import { anyAuth, authHeaders, hmacSigner, httpSinkSchema, type Auth } from '../http-config.js';
import type { Preset } from '../preset.js';

/**
 * `type: json_array` — generic: the batch as one JSON array of the enriched records, `Content-Type: application/json`.
 * Defaults as `ndjson`: 5 MiB / 10 000 events / 1 s, no compression; same auth choices.
 */
export const jsonArraySinkConfigSchema = httpSinkSchema(
  'json_array',
  { maxBytes: 5 * 1024 * 1024, maxEvents: 10_000, maxWaitMs: 1000, compressions: ['none', 'gzip', 'zstd'], compression: 'none' },
  { auth: anyAuth },
);

export function jsonArrayPreset(auth: Auth | undefined): Preset {
  return {
    contentType: 'application/json',
    headers: authHeaders(auth),
    sign: hmacSigner(auth),
    frame: (record) => record.json,
    body: (items) => `[${items.map((item) => item.frame).join(',')}]`,
  };
}
