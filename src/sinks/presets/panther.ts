/** Panther HTTP log source: NDJSON under Panther's 1 MB request limit. */
import { anyAuth, httpSinkSchema } from '../http-config.js';

/** Panther's HTTP source limit: 1 MB per request, headers included. */
export const PANTHER_MAX_REQUEST_BYTES = 1_000_000;

/**
 * `type: panther` — a Panther HTTP log source: NDJSON ("Lines" stream type), gzip by default.
 * Batches are capped at 950 000 bytes sent, leaving room for headers under Panther's 1 MB request limit (a larger
 * `batch.max_bytes` is refused); 10 000 events; 1 s. Auth as configured on the source: a shared-secret header
 * (`{type: header, name, value}`), bearer, basic, or HMAC of the body sent (`{type: hmac, header, secret}`).
 * The request framing is `ndjsonPreset`.
 */
export const pantherSinkConfigSchema = httpSinkSchema(
  'panther',
  { maxBytes: 950_000, maxEvents: 10_000, maxWaitMs: 1000, compressions: ['gzip', 'none'], compression: 'gzip' },
  { auth: anyAuth },
).refine((config) => config.batch.max_bytes <= PANTHER_MAX_REQUEST_BYTES - 16 * 1024, {
  message: `batch.max_bytes must leave room for headers under Panther's ${PANTHER_MAX_REQUEST_BYTES}-byte request limit (at most ${PANTHER_MAX_REQUEST_BYTES - 16 * 1024})`,
  path: ['batch', 'max_bytes'],
});
