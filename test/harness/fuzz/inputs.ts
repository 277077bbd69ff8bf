/**
 * The fuzzer's inputs, each one a pure function of (seed, phase, index): the seeds (corpus.ts) are built once,
 * deterministically, and input `index` of a phase is a mutation drawn with that input's own PRNG.
 */
import { EventTime } from '../../../src/forward/event-time.js';
import { LssGenerator, loadSchemas } from '../../../src/zpa/index.js';
import { captureSeeds, forwardSeeds, lssLines, recordOf, sampleLines, type LssLine, type NamedSeed } from './corpus.js';
import { ByteMutator, TextMutator, inputRandom, int, pick, randomReads, type Random } from './mutate.js';

export type Phase = 'forward' | 'record' | 'tcp';
/** Separate streams per phase, so `--phases` does not change the inputs of the others. */
const PHASE_SALT: Record<Phase, number> = { forward: 0x0f0f0f0f, record: 0x3c3c3c3c, tcp: 0x5a5a5a5a };

export interface ForwardInput {
  /** The input as the reads that deliver it. */
  reads: Buffer[];
  bytes: Buffer;
  seedName: string;
  ops: string[];
}

export interface RecordInput {
  record: Record<string, unknown>;
  tag: string;
  seedName: string;
  ops: string[];
}

export class FuzzInputs {
  readonly forwardSeeds: NamedSeed<Buffer>[];
  readonly lines: LssLine[];
  readonly bytes: ByteMutator;
  readonly text: TextMutator;
  readonly logTypes: string[];

  constructor(
    readonly seed: number,
    options: { capturesDir?: string; samplesDir?: string } = {},
  ) {
    const generator = new LssGenerator(loadSchemas());
    this.logTypes = generator.logTypes();
    this.forwardSeeds = [...captureSeeds(options.capturesDir), ...forwardSeeds(seed, generator)];
    this.lines = [...lssLines(seed, 4, generator), ...sampleLines(options.samplesDir)];
    this.bytes = new ByteMutator(this.forwardSeeds.map((s) => s.value));
    this.text = new TextMutator(this.lines.map((l) => l.line));
  }

  random(phase: Phase, index: number): Random {
    return inputRandom((this.seed ^ PHASE_SALT[phase]) >>> 0, index);
  }

  /** A mutated forward-protocol input and how it is split into reads. */
  forward(phase: 'forward' | 'tcp', index: number): ForwardInput {
    const random = this.random(phase, index);
    const { bytes, seed, ops } = this.bytes.mutate(random);
    return { bytes, reads: randomReads(random, bytes), seedName: this.forwardSeeds[seed].name, ops };
  }

  /**
   * A mutated LSS line as the decoder would hand it over: mostly `{log: line}` (Format none), sometimes the line's
   * bytes (msgpack bin), a parsed map with odd values (Format json), or a `log` that is not text; under the tag of
   * its type, of another type, the catch-all `zpa.none`, or anything.
   */
  record(index: number): RecordInput {
    const random = this.random('record', index);
    const { text, seed, ops } = this.text.mutate(random);
    const origin = this.lines[seed];
    const tag = pick(random, [`zpa.${origin.logType}`, `zpa.${origin.logType}`, `zpa.${origin.logType}`, 'zpa.none', `zpa.${pick(random, this.logTypes)}`, pick(random, ['', 'zpa.', 'zpa.__proto__', 'zpa.constructor', 'other', 'zpa.user-activity.x'])]);
    const shape = random();
    let record: Record<string, unknown>;
    if (shape < 0.65) record = { log: text };
    else if (shape < 0.75) {
      const bytes = Buffer.from(text, 'utf8');
      // Invalid UTF-8 now and then: a lone continuation byte, a truncated sequence.
      if (bytes.length > 0 && random() < 0.5) bytes[int(random, bytes.length)] = pick(random, [0x80, 0xbf, 0xc0, 0xe2, 0xf0, 0xff]);
      record = { log: bytes };
      ops.push('log-as-bin');
    } else if (shape < 0.97) {
      record = this.parsedRecord(random, text, origin.line, ops);
    } else {
      record = { log: pick(random, [null, 42, 12345678901234567890n, true, [text], { line: text }, new EventTime(1, 2), new Uint8Array(0)]) };
      if (random() < 0.5) record.other = text;
      ops.push('log-not-text');
    }
    return { record, tag, seedName: `${origin.logType}/${origin.format}#${seed}`, ops };
  }

  /** A Format json record: the mutated line parsed when it still parses (else the original), then odd values put in. */
  private parsedRecord(random: Random, text: string, original: string, ops: string[]): Record<string, unknown> {
    let record: Record<string, unknown>;
    try {
      record = recordOf(text, 'json');
      if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new Error('not an object');
      ops.push('parsed');
    } catch {
      try {
        record = recordOf(original, 'json');
        ops.push('parsed-original');
      } catch {
        record = { log: text };
        ops.push('unparsable-kept-as-line');
        return record;
      }
    }
    const keys = Object.keys(record);
    const changes = int(random, 4);
    for (let i = 0; i < changes; i++) {
      const key = random() < 0.8 && keys.length > 0 ? pick(random, keys) : pick(random, ['__proto__', 'constructor', 'toString', '', 'log', 'LogTimestamp', 'a"b', '\u0000', 'é']);
      const value = oddValue(random);
      // Own properties even for __proto__, as msgpackr builds them (defineProperty, not assignment).
      Object.defineProperty(record, key, { value, enumerable: true, configurable: true, writable: true });
      ops.push(`value ${JSON.stringify(key)}=${describe(value)}`);
    }
    return record;
  }
}

function oddValue(random: Random): unknown {
  return pick(random, [
    () => null,
    () => undefined,
    () => true,
    () => NaN,
    () => Infinity,
    () => -Infinity,
    () => -0,
    () => 2 ** 53 + 2,
    () => 1e308,
    () => 5e-324,
    () => -1,
    () => 18446744073709551615n,
    () => -9223372036854775808n,
    () => 10n ** 40n,
    () => '',
    () => 'x'.repeat(int(random, 100_000)),
    () => '\ud800',
    () => 'Mon Nov 23 06:00:00 2026',
    () => '2026-11-23T06:00:00.000Z',
    () => '9999999999999999999999',
    () => Buffer.from([0xff, 0xfe, 0x00]),
    () => Buffer.from('{"a":1}'),
    () => new Uint8Array(0),
    () => [],
    () => [1, [2, [3]], { a: null }],
    () => ({}),
    () => ({ nested: { deeper: { deepest: [1n, 'x'] } } }),
    () => new EventTime(1, 2),
    () => new Map<unknown, unknown>([['a', 1], [2, 'b']]),
    () => new Date(0),
    () => Object.create(null) as object,
  ])();
}

/** A short description of a value, for reports. */
export function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 40)}…"(${value.length})` : JSON.stringify(value);
  if (value instanceof Uint8Array) return `bin(${Buffer.from(value).toString('hex').slice(0, 40)})`;
  if (value instanceof EventTime) return `EventTime(${value.seconds},${value.nanoseconds})`;
  if (value instanceof Map) return `Map(${value.size})`;
  if (value instanceof Date) return `Date(${value.getTime()})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'object') return `object(${Object.keys(value).length})`;
  return String(value);
}

/**
 * A record as JSON that keeps what JSON cannot (BigInt, bytes, EventTime, Map, undefined, NaN, -0): for reproducer
 * files. `reviveRecord` turns it back.
 */
export function serializeRecord(record: unknown): string {
  const encode = (value: unknown): unknown => {
    if (typeof value === 'bigint') return { $bigint: value.toString() };
    if (value === undefined) return { $undefined: true };
    if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return { $number: Object.is(value, -0) ? '-0' : String(value) };
    if (value instanceof EventTime) return { $eventTime: [value.seconds, value.nanoseconds] };
    if (value instanceof Uint8Array) return { $bin: Buffer.from(value).toString('base64') };
    if (value instanceof Map) return { $map: [...value].map(([k, v]) => [encode(k), encode(v)]) };
    if (value instanceof Date) return { $date: value.getTime() };
    if (Array.isArray(value)) return value.map(encode);
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) Object.defineProperty(out, key, { value: encode((value as Record<string, unknown>)[key]), enumerable: true, configurable: true, writable: true });
      return { $object: out, ...(Object.getPrototypeOf(value) === null ? { $nullProto: true } : {}) };
    }
    return value;
  };
  return JSON.stringify(encode(record));
}

export function reviveRecord(text: string): Record<string, unknown> {
  const decode = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(decode);
    if (value === null || typeof value !== 'object') return value;
    const v = value as Record<string, unknown>;
    if ('$bigint' in v) return BigInt(v.$bigint as string);
    if ('$undefined' in v) return undefined;
    if ('$number' in v) return v.$number === '-0' ? -0 : Number(v.$number);
    if ('$eventTime' in v) return new EventTime(...(v.$eventTime as [number, number]));
    if ('$bin' in v) return Buffer.from(v.$bin as string, 'base64');
    if ('$map' in v) return new Map((v.$map as [unknown, unknown][]).map(([k, x]) => [decode(k), decode(x)]));
    if ('$date' in v) return new Date(v.$date as number);
    const out = (v.$nullProto ? Object.create(null) : {}) as Record<string, unknown>;
    const fields = v.$object as Record<string, unknown>;
    for (const key of Object.keys(fields)) Object.defineProperty(out, key, { value: decode(fields[key]), enumerable: true, configurable: true, writable: true });
    return out;
  };
  return decode(JSON.parse(text)) as Record<string, unknown>;
}
