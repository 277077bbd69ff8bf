/** The `zpa-relay simulate` command line: its usage text, and its arguments read into simulator options. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { duration } from '../shared/units.js';
import type { LssFormat } from '../zpa/templates.js';
import type { SimulateOptions } from './simulate.js';

export const SIMULATE_USAGE = `Usage: zpa-relay simulate --to tcp://HOST[:PORT] [options]

Sends realistic ZPA LSS lines to Fluent Bit's tcp inputs, as App Connectors would. Exits 0 when every line asked
for (--count) was sent, or when interrupted without --count; 1 when it gave up (--stall-timeout) or was interrupted
before sending what --count asked for; 2 on bad arguments.

  --to URL            tcp://host[:port] or tls://host[:port]. Without a port, each log type goes to its
                      Fluent Bit port (fluent-bit/README.md); --type all needs it left out.
  --type ID|all       log type id (user-activity, audit-log, ...) or all (default: all)
  --format FORMAT     json, csv or tsv (default: json)
  --rate N            lines per second for each log type (default: 10)
  --count N           lines per log type, then exit (default: until interrupted)
  --stall-timeout T   give up when a log type's lines could not be sent for T (e.g. 30s, 2m; 0: never;
                      default: 30s)
  --tls               use TLS (implied by tls://)
  --tls-ca FILE       CA certificate (PEM) to verify Fluent Bit's certificate
  --tls-insecure      do not verify the certificate (self-signed test setups)
  --seed N            same seed (and --base-time), same lines
  --base-time TIME    generate event times just before this ISO 8601 time instead of now
  --edge              mix in edge-case values (empty, "unset", unicode, int64 max)
`;

const FORMATS: readonly LssFormat[] = ['json', 'csv', 'tsv'];

/** `zpa-relay simulate` arguments → simulate() options. Throws with a message fit for the command line. */
export function parseSimulateArgs(args: string[]): SimulateOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      to: { type: 'string' },
      type: { type: 'string', default: 'all' },
      format: { type: 'string', default: 'json' },
      rate: { type: 'string', default: '10' },
      count: { type: 'string' },
      'stall-timeout': { type: 'string', default: '30s' },
      tls: { type: 'boolean', default: false },
      'tls-ca': { type: 'string' },
      'tls-insecure': { type: 'boolean', default: false },
      seed: { type: 'string' },
      'base-time': { type: 'string' },
      edge: { type: 'boolean', default: false },
    },
  });
  if (values.to === undefined) throw new Error('--to is required, e.g. --to tcp://127.0.0.1:20001');
  if (!URL.canParse(values.to)) throw new Error(`--to: not a URL: ${values.to}`);
  const format = values.format as LssFormat;
  if (!FORMATS.includes(format)) throw new Error(`--format must be one of ${FORMATS.join(', ')}, got ${values.format}`);
  const useTls = values.tls || values['tls-ca'] !== undefined || values['tls-insecure'];
  return {
    to: new URL(values.to),
    type: values.type,
    format,
    rate: positive('--rate', values.rate),
    count: values.count === undefined ? undefined : positive('--count', values.count, true),
    stallTimeoutMs: stallTimeout(values['stall-timeout']),
    tls: useTls
      ? {
          ...(values['tls-ca'] === undefined ? {} : { ca: readFileSync(values['tls-ca']) }),
          rejectUnauthorized: !values['tls-insecure'],
        }
      : undefined,
    seed: values.seed === undefined ? undefined : seed(values.seed),
    baseTime: values['base-time'] === undefined ? undefined : baseTime(values['base-time']),
    edge: values.edge,
  };
}

function positive(flag: string, text: string, integer = false): number {
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new Error(`${flag} must be a positive ${integer ? 'integer' : 'number'}, got ${text}`);
  }
  return value;
}

function stallTimeout(text: string): number {
  if (text.trim() === '0') return 0;
  try {
    return duration.parse(text);
  } catch {
    throw new Error(`--stall-timeout must be a duration such as 30s or 2m (0 never gives up), got ${text}`);
  }
}

function seed(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--seed must be a non-negative integer, got ${text}`);
  return value;
}

function baseTime(text: string): Date {
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) throw new Error(`--base-time must be an ISO 8601 time such as 2026-11-23T08:00:00Z, got ${text}`);
  return time;
}
