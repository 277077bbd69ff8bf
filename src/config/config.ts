import { readFileSync } from 'node:fs';
import { parse as parseYaml, parseDocument } from 'yaml';
import { z } from 'zod';
import { listenConfigSchema } from '../forward/config.js';
import { deadLetterConfigSchema } from '../sinks/dead-letter.js';
import { sinkConfigSchema } from '../sinks/config.js';
import { byteSize, duration } from '../shared/units.js';

/**
 * The whole configuration: one YAML file, then `ZPA_RELAY_*` environment overrides, then `${VAR}` interpolation in
 * string values, validated here once. Every section has defaults, so an empty file (or none) is a working relay that
 * accepts forward traffic on 0.0.0.0:24224 and writes enriched NDJSON to stdout.
 */
export const configSchema = z
  .object({
    listen: listenConfigSchema.prefault({}),
    zpa: z
      .object({
        /** Prefix of Panther's standard fields (p_log_type, p_event_time, ...). */
        field_prefix: z.string().min(1).default('p_'),
        /** Added to every valid record, e.g. {environment: prod}. */
        static_fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
        /** A directory of schema YAML files to use instead of the bundled ones. */
        schemas_dir: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    dead_letter: deadLetterConfigSchema.prefault({}),
    /** Where records go. None configured: NDJSON to stdout. */
    sinks: z.array(sinkConfigSchema).default([]),
    pipeline: z
      .object({
        /** In-flight budget: past either limit the relay stops reading from its sockets until sinks catch up. */
        max_in_flight_records: z.number().int().positive().default(50_000),
        max_in_flight_bytes: byteSize.prefault('32MiB'),
      })
      .strict()
      .prefault({}),
    /** V8 heap settings of the relay processes (src/config/heap.ts). */
    heap: z
      .object({
        /**
         * After each full collection the old generation may grow by this much before the next one (V8's
         * --heap-growing-percent); 0 = V8's own factor, up to 300 %. Applied in every relay process at start-up.
         */
        growth_percent: z.number().int().min(0).max(1000).default(100),
        /** Each of the young generation's two semi-spaces (--max-semi-space-size) of worker processes; 0 = V8's own. */
        max_semi_space: byteSize.prefault('8MiB'),
        /**
         * Worker processes collect garbage on their own thread only (--single-threaded-gc): with a worker per core,
         * the collector's helper threads only take CPU from the other workers. `auto`: on Node 20 only, where it
         * costs no memory; Node 24 then holds ~90 MB more at full load (src/config/heap.ts).
         */
        single_threaded_gc: z.union([z.literal('auto'), z.boolean()], { error: 'expected auto, true or false' }).default('auto'),
      })
      .strict()
      .prefault({}),
    ops: z
      .object({
        /** Serves /metrics (Prometheus), /healthz and /readyz. */
        enabled: z.boolean().default(true),
        host: z.string().min(1).default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(9464),
      })
      .strict()
      .prefault({}),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .prefault({}),
    /**
     * Relay processes sharing the forward port (src/workers.ts): `auto` = one per CPU core. Records written to stdout
     * (no sink configured, or `path: "-"`) need a single writer, so they run one process.
     */
    workers: z.union([z.literal('auto'), z.number().int().min(1).max(64)]).default('auto'),
    /** On SIGTERM/SIGINT: time to flush, settle and ack before exiting. */
    shutdown_timeout: duration.prefault('20s'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.sinks.forEach((sink, index) => {
      if (names.has(sink.name)) ctx.addIssue({ code: 'custom', path: ['sinks', index, 'name'], message: `duplicate sink name "${sink.name}"` });
      names.add(sink.name);
    });
  });

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {}

const ENV_PREFIX = 'ZPA_RELAY_';
/** Variables that are not config keys. */
const ENV_RESERVED = new Set(['ZPA_RELAY_CONFIG']);

/**
 * Loads and validates the configuration. `file` undefined means defaults plus environment (`env`: the
 * ZPA_RELAY_* overrides and ${VAR} values). Throws ConfigError with every problem listed as `<key path>: <what was
 * expected>`.
 */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  let raw: unknown = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
    }
    const doc = parseDocument(text, { prettyErrors: true });
    if (doc.errors.length > 0) throw new ConfigError(`${file}: invalid YAML: ${doc.errors[0].message}`);
    raw = doc.toJS() ?? {};
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${file}: the top level must be a mapping of sections`);
  }
  applyEnvOverrides(raw as Record<string, unknown>, env);
  const interpolated = interpolate(raw, [], env);
  const result = configSchema.safeParse(interpolated);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration${file ? ` in ${file}` : ''}:\n${lines.join('\n')}`);
  }
  return result.data;
}

/**
 * `ZPA_RELAY_LISTEN__PORT=24224` sets listen.port: `__` separates levels, a number is a list index, and the value is
 * read as a YAML scalar (numbers and booleans typed, `[a, b]` a list).
 */
function applyEnvOverrides(root: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || ENV_RESERVED.has(name) || value === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    if (path.some((part) => part === '')) throw new ConfigError(`${name}: empty key segment`);
    let node: Record<string, unknown> = root;
    for (let i = 0; i < path.length - 1; i++) {
      const part = path[i];
      const child = node[part];
      if (child === undefined || child === null) node[part] = /^\d+$/.test(path[i + 1]) ? [] : {};
      else if (typeof child !== 'object') throw new ConfigError(`${name}: ${path.join('.')} crosses the value at ${part}`);
      node = node[part] as Record<string, unknown>;
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(value);
    } catch {
      parsed = value;
    }
    node[path[path.length - 1]] = parsed ?? value;
  }
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${VAR}` and `${VAR:-default}` in string values; an unset variable without default is an error. */
function interpolate(value: unknown, path: (string | number)[], env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (_, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(`${path.join('.')}: environment variable ${name} is not set (write \${${name}:-default} for a default)`);
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, [...path, index], env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, [...path, key], env)]));
  }
  return value;
}

const SECRET_KEY = /(key|token|password|secret|authorization|api_key|credentials)/i;

/** The configuration with every secret replaced, for `check-config` and logs. */
export function redacted(value: unknown, key = ''): unknown {
  if (typeof value === 'string' && SECRET_KEY.test(key)) return '[redacted]';
  if (Array.isArray(value)) return value.map((item) => redacted(item, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([child, item]) => [child, redacted(item, SECRET_KEY.test(key) ? key : child)]));
  }
  return value;
}
