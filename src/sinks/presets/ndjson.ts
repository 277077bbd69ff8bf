/** The generic NDJSON preset (one record per line) and the schema the generic presets share. */
import { anyAuth, authHeaders, hmacSigner, httpSinkSchema, type Auth } from '../http-config.js';
import { joinFrames } from '../framing.js';
import type { Preset } from '../preset.js';

/**
 * The generic presets' schema. Defaults: batch 5 MiB sent / 10 000 events / 1 s; no compression (a generic webhook
 * may not accept it: set `compression: gzip` or `zstd` when it does). Auth: bearer, basic, a shared-secret header,
 * or an HMAC of the body.
 */
export function genericSinkSchema<const T extends string>(type: T) {
  return httpSinkSchema(
    type,
    { maxBytes: 5 * 1024 * 1024, maxEvents: 10_000, maxWaitMs: 1000, compressions: ['none', 'gzip', 'zstd'], compression: 'none' },
    { auth: anyAuth },
  );
}

/** `type: ndjson` — generic: one enriched record per line, `Content-Type: application/x-ndjson`. */
export const ndjsonSinkConfigSchema = genericSinkSchema('ndjson');

/** NDJSON framing, shared by every preset whose body is one record per line. */
export function ndjsonPreset(auth: Auth | undefined): Preset {
  return {
    contentType: 'application/x-ndjson',
    headers: authHeaders(auth),
    authorize: hmacSigner(auth),
    // The frame is the record's own text; the newline is written into the body, so no framed copy is held.
    frame: () => undefined,
    separatorBytes: 1,
    body: (items) => joinFrames(items, '', '\n', '', 'after'),
  };
}
