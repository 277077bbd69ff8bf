/** The generic JSON-array preset: the batch as one array of the records. */
import type { Auth } from '../http-config.js';
import { joinFrames } from '../framing.js';
import type { Preset } from '../preset.js';
import { genericSinkSchema, ndjsonPreset } from './ndjson.js';

/** `type: json_array` — generic: the batch as one JSON array of the records, `Content-Type: application/json`; defaults and auth as `ndjson`. */
export const jsonArraySinkConfigSchema = genericSinkSchema('json_array');

export function jsonArrayPreset(auth: Auth | undefined): Preset {
  return {
    ...ndjsonPreset(auth),
    contentType: 'application/json',
    frame: () => undefined,
    separatorBytes: 1,
    body: (items) => joinFrames(items, '[', ',', ']', 'between'),
  };
}
