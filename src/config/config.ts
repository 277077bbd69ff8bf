/** The relay's configuration: its schema, loading from YAML and ZPA_RELAY_* variables, secrets redacted. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, parseDocument } from 'yaml';
import { z } from 'zod';
import { listenConfigSchema } from '../forward/config.js';
import { deadLetterConfigSchema } from '../sinks/dead-letter.js';
import { sinkConfigSchema } from '../sinks/config.js';
import { byteSize, duration } from '../shared/units.js';
import { ConfiguredTemplates, TemplateError, loadSchemas, loadTemplates, type SchemaSet, type TemplateSet } from '../zpa/index.js';

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
        /**
         * `lenient`: a record whose log type can be told goes on, its deviations from the schema listed in
         * p_deviations; `strict`: a record that deviates is a dead letter ("invalid").
         */
        validation: z.enum(['lenient', 'strict']).default('lenient'),
        /**
         * The Log Stream Content of a log receiver, pasted as the ZPA portal shows it, by Fluent Bit tag or log type
         * id (src/zpa/configured-templates.ts, docs/lss-templates.md). Compiled at start-up.
         */
        templates: z
          .record(
            z.string().min(1),
            z
              .object({
                format: z.enum(['json', 'csv', 'tsv']),
                content: z.string().min(1),
                log_type: z.string().min(1).optional(),
              })
              .strict(),
          )
          .default({}),
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
        /** Each of the young generation's two semi-spaces (--max-semi-space-size) of follower processes; 0 = V8's own. */
        max_semi_space: byteSize.prefault('8MiB'),
        /**
         * Worker processes collect garbage on their own thread only (--single-threaded-gc): with a worker per core,
         * the collector's helper threads only take CPU from the other workers. `auto`: on Node 20 only, where it
         * costs no memory; on Node 24 it raises peak memory a lot (src/config/heap.ts, docs/performance.md).
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
    const deadLetterSink = config.dead_letter.sink;
    if (deadLetterSink !== undefined && !names.has(deadLetterSink)) {
      ctx.addIssue({ code: 'custom', path: ['dead_letter', 'sink'], message: `no sink named "${deadLetterSink}" (the sinks: ${[...names].join(', ') || 'none configured'})` });
    }
    if (config.sinks.some((sink) => sink.name === deadLetterSink && sink.output === 'ocsf')) {
      ctx.addIssue({ code: 'custom', path: ['dead_letter', 'sink'], message: `sink "${deadLetterSink}" sends OCSF events, and a dead letter has no OCSF class: name a sink with another output` });
    }
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
  compiledTemplates(result.data, file);
  return result.data;
}

/**
 * The configured templates compiled against the schemas (loaded unless given); one that does not compile is a
 * configuration error.
 */
export function compiledTemplates(config: Config, file?: string, schemas?: SchemaSet, defaults?: TemplateSet): ConfiguredTemplates {
  if (Object.keys(config.zpa.templates).length === 0) return ConfiguredTemplates.none();
  try {
    return ConfiguredTemplates.compile(config.zpa.templates, schemas ?? loadSchemas(config.zpa.schemas_dir), defaults ?? loadTemplates());
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    throw new ConfigError(`invalid configuration${file ? ` in ${file}` : ''}:\n  ${error.message}`);
  }
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

/**
 * The configuration with every secret replaced, for `check-config` and logs: secret-named keys, and sink URLs, which
 * may carry a token (a Sumo Logic source's URL is one, whole; others in their query or user info).
 */
export function redacted(config: Config): unknown {
  return { ...(redactedValue(config) as object), sinks: config.sinks.map((sink) => redactedValue('url' in sink && sink.url !== undefined ? { ...sink, url: redactedUrl(sink.type, sink.url) } : sink)) };
}

/** A sink's URL as it may be printed. */
function redactedUrl(type: string, url: string): string {
  if (type === 'sumo') return '[redacted]';
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = 'redacted';
  if (parsed.search !== '') parsed.search = '?redacted';
  return parsed.toString();
}

function redactedValue(value: unknown, key = ''): unknown {
  if (typeof value === 'string' && SECRET_KEY.test(key)) return '[redacted]';
  if (Array.isArray(value)) return value.map((item) => redactedValue(item, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([child, item]) => [child, redactedValue(item, SECRET_KEY.test(key) ? key : child)]));
  }
  return value;
}
