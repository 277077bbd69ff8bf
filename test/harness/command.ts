/**
 * Command-line handling shared by the benchmark scripts: options with --help, exit on a signal (so that child processes
 * are killed), and the load options of the benchmarks that drive a server with forward messages.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { LssGenerator } from '../../src/zpa/index.js';

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const;

/** Parses the command line (--help prints `usage` and exits); SIGINT and SIGTERM exit through process.exit. */
export function command<const O extends Options>(usage: string, options: O, allowPositionals = false) {
  const parsed = parseArgs({ options: { ...options, ...HELP }, allowPositionals });
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage.trim() + '\n');
    process.exit(0);
  }
  // process.exit runs the 'exit' handlers that kill the child processes (service-process.ts).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  return parsed;
}

/** The value of option `--name` as a positive number (zero too when `orZero`), or an error that names the option. */
export function positive(name: string, text: string, orZero = false): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !orZero)) throw new Error(`--${name} must be a ${orZero ? 'non-negative' : 'positive'} number, not ${text}`);
  return value;
}

/** `a,b` or `all` as log types the generator knows. */
export function logTypes(text: string, generator: LssGenerator): string[] {
  const known = generator.logTypes();
  const types = text === 'all' ? known : text.split(',').map((t) => t.trim()).filter(Boolean);
  for (const type of types) if (!known.includes(type)) throw new Error(`unknown log type ${type} (known: ${known.join(', ')})`);
  return types;
}

/** The options of a forward load (bench/e2e.ts, bench/fluent-bit.ts), with the default log types of each. */
export function loadOptions(types: string) {
  return {
    types: { type: 'string', default: types },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '2' },
    window: { type: 'string', default: '4' },
    'records-per-message': { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '1' },
  } as const;
}

export interface LoadSettings {
  types: string[];
  /** Seconds of load per phase. */
  seconds: number;
  connections: number;
  /** Unacked messages per connection. */
  window: number;
  recordsPerMessage: number;
  /** Seconds of an unreported first phase (0: none). */
  warmup: number;
  /** Rounds of sessions. */
  repeat: number;
}

export function loadSettings(values: Record<keyof ReturnType<typeof loadOptions>, string>, generator: LssGenerator): LoadSettings {
  return {
    types: logTypes(values.types, generator),
    seconds: positive('seconds', values.seconds),
    connections: positive('connections', values.connections),
    window: positive('window', values.window),
    recordsPerMessage: positive('records-per-message', values['records-per-message']),
    warmup: positive('warmup', values.warmup, true),
    repeat: positive('repeat', values.repeat),
  };
}
