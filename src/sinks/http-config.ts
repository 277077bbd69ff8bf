/** The keys every HTTP preset shares (batch, retry, TLS, headers, timeout, concurrency) and the auth methods. */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { byteSize, duration, readableFile, secret } from '../shared/units.js';
import { zstdAvailable, type Compression } from './http/compression.js';

/** Retried by default: request timeout, rate limit, and the 5xx that mean "try later". */
export const DEFAULT_RETRY_STATUSES = [408, 429, 500, 502, 503, 504];

/** A preset's documented batching defaults. */
export interface BatchDefaults {
  maxBytes: number;
  maxEvents: number;
  maxWaitMs: number;
}

/**
 * What a sink sends for each record: `native`, the shape the target's own ZPA content reads (where it has some);
 * `enriched`, the relay's enriched record; `ocsf`, the record's OCSF event (docs/ocsf.md).
 */
export type Output = 'native' | 'enriched' | 'ocsf';

/** The `output` key: the modes a sink offers, and its default. */
export function outputKey<const M extends readonly [Output, ...Output[]]>(modes: M, fallback: M[number]) {
  return z.enum(modes, { error: `expected one of ${modes.join(', ')}` }).default(fallback);
}

/** The modes of a sink whose target has no ZPA content of its own. */
export const ENRICHED_OUTPUTS = ['enriched', 'ocsf'] as const;

const logTypes = z.array(z.string().min(1)).min(1).optional();

export const httpUrl = secret.pipe(
  z.string().refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), { message: 'expected an http:// or https:// URL' }),
);

const retry = z
  .object({
    statuses: z.array(z.number().int().min(100).max(599)).default(DEFAULT_RETRY_STATUSES),
    initial_delay: duration.default(500),
    max_delay: duration.default(30_000),
    /** Dead-letter a batch whose oldest record waited longer than this, rather than retry it forever in silence. */
    max_age: duration.default(600_000),
  })
  .strict()
  .prefault({});

const tls = z
  .object({
    ca_file: readableFile.optional(),
    cert_file: readableFile.optional(),
    key_file: readableFile.optional(),
    /** Verify the server certificate (on by default; turning it off is logged at start-up by the caller). */
    verify: z.boolean().default(true),
    server_name: z.string().min(1).optional(),
  })
  .strict()
  .refine((value) => (value.cert_file === undefined) === (value.key_file === undefined), { message: 'cert_file and key_file go together' })
  .prefault({});
export type TlsConfig = z.output<typeof tls>;

/** Keys every HTTP preset accepts; `defaults` are the preset's documented batch limits and compression. */
function commonShape<const C extends readonly [Compression, ...Compression[]]>(type: string, defaults: BatchDefaults, compressions: C, compression: C[number]) {
  return {
    name: z.string().min(1).default(type),
    url: httpUrl,
    output: outputKey(ENRICHED_OUTPUTS, 'enriched'),
    log_types: logTypes,
    batch: z
      .object({
        /** Cap on the request body as sent (after compression). */
        max_bytes: byteSize.default(defaults.maxBytes),
        max_events: z.number().int().positive().default(defaults.maxEvents),
        max_wait: duration.default(defaults.maxWaitMs),
      })
      .strict()
      .prefault({}),
    compression: z
      .enum(compressions)
      .default(compression)
      .refine((value) => value !== 'zstd' || zstdAvailable, { message: `zstd needs Node >= 22.15 (running ${process.version}); use gzip` }),
    compression_level: z.number().int().optional(),
    retry,
    tls,
    /** Extra request headers; values may be secrets ({env} or {file}). */
    headers: z.record(z.string(), secret).default({}),
    /** Per request: connect, response headers and response body each. */
    timeout: duration.default(30_000),
    /** Requests in flight at once for this sink. */
    concurrency: z.number().int().positive().default(2),
  };
}

/** The zod schema of one HTTP preset: the common keys plus its own (which replace a common one of the same name, e.g. `output`). */
export function httpSinkSchema<const T extends string, const C extends readonly [Compression, ...Compression[]], S extends z.ZodRawShape>(
  type: T,
  defaults: BatchDefaults & { compressions: C; compression: C[number] },
  shape: S,
) {
  const common: Omit<ReturnType<typeof commonShape<C>>, keyof S> = commonShape(type, defaults, defaults.compressions, defaults.compression);
  return z.object({ type: z.literal(type), ...common, ...shape }).strict();
}

/** The common part of every parsed HTTP sink config. */
export type HttpSinkConfig = Omit<z.output<ReturnType<typeof httpSinkSchema<string, readonly [Compression, ...Compression[]], {}>>>, 'output'> & { output: Output };

export const bearerAuth = z.object({ type: z.literal('bearer'), token: secret }).strict();
export const basicAuth = z.object({ type: z.literal('basic'), username: z.string().min(1), password: secret }).strict();
/** A shared secret sent as-is in a header of your choosing. */
export const headerAuth = z.object({ type: z.literal('header'), name: z.string().min(1), value: secret }).strict();
/** An HMAC of the exact body bytes sent (after compression), in a header of your choosing. */
export const hmacAuth = z
  .object({
    type: z.literal('hmac'),
    header: z.string().min(1),
    secret,
    algorithm: z.enum(['sha256', 'sha512', 'sha1']).default('sha256'),
    encoding: z.enum(['hex', 'base64']).default('hex'),
  })
  .strict();
export type Auth = z.output<typeof bearerAuth> | z.output<typeof basicAuth> | z.output<typeof headerAuth> | z.output<typeof hmacAuth>;

/** Static headers for an auth method (HMAC has none: see `hmacSigner`). */
export function authHeaders(auth: Auth | undefined): Record<string, string> {
  switch (auth?.type) {
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
    case 'header':
      return { [auth.name.toLowerCase()]: auth.value };
    default:
      return {};
  }
}

export function hmacSigner(auth: Auth | undefined): ((body: Buffer) => Record<string, string>) | undefined {
  if (auth?.type !== 'hmac') return undefined;
  const header = auth.header.toLowerCase();
  return (body) => ({ [header]: createHmac(auth.algorithm, auth.secret).update(body).digest(auth.encoding) });
}

/** Any of the four: for generic webhooks and Panther. */
export const anyAuth = z.discriminatedUnion('type', [bearerAuth, basicAuth, headerAuth, hmacAuth]).optional();
