/**
 * The fuzzer's seeds: (a) every real Fluent Bit 5.1.1 capture (whole when small, and cut into its requests), (b)
 * forward messages generated in all four modes (Message, Forward, PackedForward, CompressedPackedForward with gzip)
 * carrying LSS records of all 16 log types (`Format none` lines in JSON, CSV and TSV, and `Format json` maps), and (c)
 * LSS lines of every type and format plus the public sample records, for the processor. Deterministic for a seed: the
 * generator runs at a fixed base time and every message carries a fixed EventTime, so (seed, index) names an input.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { FrameReader } from '../../../src/forward/frame-reader.js';
import { LSS_FORMATS, LssGenerator, seededRandom, type LssFormat } from '../../../src/zpa/index.js';
import { CAPTURES_DIR, ZPA_DIR } from '../../helpers/paths.js';

const SAMPLES_DIR = path.join(ZPA_DIR, 'samples');

/** Generated records happen just before this instant, whatever the clock says: the same bytes on every run. */
export const BASE_TIME = Date.UTC(2026, 10, 23, 6, 0, 0);
const EVENT_SECONDS = Math.floor(BASE_TIME / 1000);

export interface NamedSeed<T> {
  name: string;
  value: T;
}

/**
 * Every `*.recv.bin` capture: whole when at most `wholeMax` bytes, and each distinct request in it (found by the
 * receiver's own frame reader) as a seed of its own. Requests of the z-bulk captures are megabytes: they stay seeds,
 * and ByteMutator picks them rarely.
 */
export function captureSeeds(dir: string = CAPTURES_DIR, wholeMax = 64 * 1024): NamedSeed<Buffer>[] {
  const seeds: NamedSeed<Buffer>[] = [];
  const seen = new Set<string>();
  const add = (name: string, value: Buffer) => {
    const key = createHash('sha1').update(value).digest('base64');
    if (seen.has(key)) return;
    seen.add(key);
    seeds.push({ name, value });
  };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.recv.bin')).sort()) {
    const bytes = readFileSync(path.join(dir, file));
    if (bytes.length <= wholeMax) add(file, bytes);
    const reader = new FrameReader({ maxBytes: 64 * 1024 * 1024, maxDepth: 64 });
    let n = 0;
    try {
      reader.push(bytes, (frame) => {
        add(`${file}#${n++}`, Buffer.from(frame));
        return true;
      });
    } catch {
      // A capture the reader refuses is still a seed as a whole.
    }
  }
  return seeds;
}

const packr = new Packr({ useRecords: false });

function eventTime(seconds: number, nanoseconds: number): Buffer {
  const bytes = Buffer.alloc(10);
  bytes[0] = 0xd7;
  bytes[1] = 0x00;
  bytes.writeUInt32BE(seconds >>> 0, 2);
  bytes.writeUInt32BE(nanoseconds >>> 0, 6);
  return bytes;
}

function binHeader(length: number): Buffer {
  if (length <= 0xff) return Buffer.of(0xc4, length);
  if (length <= 0xffff) return Buffer.of(0xc5, length >> 8, length & 0xff);
  const header = Buffer.alloc(5);
  header[0] = 0xc6;
  header.writeUInt32BE(length, 1);
  return header;
}

function arrayHeader(length: number): Buffer {
  if (length <= 15) return Buffer.of(0x90 | length);
  if (length <= 0xffff) return Buffer.of(0xdc, length >> 8, length & 0xff);
  const header = Buffer.alloc(5);
  header[0] = 0xdd;
  header.writeUInt32BE(length, 1);
  return header;
}

/** The entry shapes senders use: Fluent Bit ≥ 5.0.5 `[[EventTime, {}], record]`, classic, integer and float time. */
type EntryShape = 'metadata' | 'classic' | 'integer' | 'float';
const ENTRY_SHAPES: EntryShape[] = ['metadata', 'classic', 'integer', 'float'];

function entry(record: Record<string, unknown>, shape: EntryShape, n: number): Buffer {
  const time =
    shape === 'integer' ? packr.pack(EVENT_SECONDS + n) : shape === 'float' ? Buffer.concat([Buffer.of(0xcb), float64(EVENT_SECONDS + n + 0.25)]) : eventTime(EVENT_SECONDS + n, 123_456_789);
  const head = shape === 'metadata' ? Buffer.concat([Buffer.of(0x92), time, Buffer.from('df00000000', 'hex')]) : time;
  return Buffer.concat([Buffer.of(0x92), head, packr.pack(record)]);
}

function float64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(value);
  return bytes;
}

export type ForwardMode = 'message' | 'forward' | 'packed' | 'compressed';
export const FORWARD_MODES: readonly ForwardMode[] = ['message', 'forward', 'packed', 'compressed'];

/** One request in `mode` carrying `records`; with a chunk id (so the receiver acks it) when `chunk` is set. */
export function encodeRequest(mode: ForwardMode, tag: string, records: Record<string, unknown>[], options: { chunk?: string; shape?: EntryShape } = {}): Buffer {
  const shape = options.shape ?? 'metadata';
  const tagBytes = packr.pack(tag);
  if (mode === 'message') {
    const record = records[0] ?? {};
    const opts = options.chunk ? packr.pack({ chunk: options.chunk, fluent_signal: 0 }) : undefined;
    return Buffer.concat([Buffer.of(opts ? 0x94 : 0x93), tagBytes, eventTime(EVENT_SECONDS, 1), packr.pack(record), ...(opts ? [opts] : [])]);
  }
  const entries = records.map((record, n) => entry(record, shape, n));
  const optionMap: Record<string, unknown> = { size: records.length, fluent_signal: 0 };
  if (options.chunk) optionMap.chunk = options.chunk;
  if (mode === 'forward') return Buffer.concat([Buffer.of(0x93), tagBytes, arrayHeader(entries.length), ...entries, packr.pack(optionMap)]);
  let payload = Buffer.concat(entries);
  if (mode === 'compressed') {
    payload = gzipSync(payload);
    optionMap.compressed = 'gzip';
  }
  return Buffer.concat([Buffer.of(0x93), tagBytes, binHeader(payload.length), payload, packr.pack(optionMap)]);
}

/** The record Fluent Bit builds from an LSS line: `{log: line}` (`Format none`) or the parsed map (`Format json`). */
export function recordOf(line: string, format: 'none' | 'json'): Record<string, unknown> {
  if (format === 'none') return { log: line };
  // Integers beyond 2^53 as BigInt, as Fluent Bit packs them (int64/uint64).
  return JSON.parse(line.replace(/:\s*(-?\d{16,})(?=\s*[,}])/g, ':"\\u0000big$1"'), (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith('\u0000big') ? BigInt(value.slice(4)) : value,
  ) as Record<string, unknown>;
}

export interface LssLine {
  logType: string;
  format: LssFormat | 'sample';
  line: string;
}

/** Generated LSS lines: `perFormat` per log type and format (every other one with edge values). */
export function lssLines(seed: number, perFormat = 4, generator: LssGenerator = new LssGenerator()): LssLine[] {
  const random = seededRandom(seed);
  const lines: LssLine[] = [];
  for (const logType of generator.logTypes()) {
    for (const format of LSS_FORMATS) {
      for (let i = 0; i < perFormat; i++) lines.push({ logType, format, line: generator.line(logType, format, random, { edge: i % 2 === 1, baseTime: BASE_TIME }) });
    }
  }
  return lines;
}

/** The public sample records (one per line), some not valid JSON as published. */
export function sampleLines(dir: string = SAMPLES_DIR): LssLine[] {
  if (!existsSync(dir)) return [];
  const lines: LssLine[] = [];
  for (const sub of readdirSync(dir).sort()) {
    const subdir = path.join(dir, sub);
    for (const file of readdirSync(subdir).sort()) {
      for (const line of readFileSync(path.join(subdir, file), 'utf8').split('\n')) if (line.trim()) lines.push({ logType: 'unknown', format: 'sample', line });
    }
  }
  return lines;
}

/**
 * Forward messages of all four modes for every log type: per type, `Format none` records of each LSS format and one
 * `Format json` message, 1 to 3 records each, the entry shapes rotating, some with a chunk id. Plus a heartbeat.
 */
export function forwardSeeds(seed: number, generator: LssGenerator = new LssGenerator()): NamedSeed<Buffer>[] {
  const random = seededRandom(seed);
  const seeds: NamedSeed<Buffer>[] = [{ name: 'heartbeat', value: Buffer.of(0xc0) }];
  let n = 0;
  for (const logType of generator.logTypes()) {
    const kinds: [LssFormat, 'none' | 'json'][] = [...LSS_FORMATS.map((format) => [format, 'none'] as [LssFormat, 'none']), ['json', 'json']];
    for (const [format, recordFormat] of kinds) {
      for (const mode of FORWARD_MODES) {
        const count = 1 + Math.floor(random() * 3);
        const records = Array.from({ length: count }, (_, i) => recordOf(generator.line(logType, format, random, { edge: i === 1, baseTime: BASE_TIME }), recordFormat));
        const shape = ENTRY_SHAPES[n % ENTRY_SHAPES.length];
        const chunk = n % 2 === 0 ? createHash('sha512').update(`${seed}:${n}`).digest().subarray(0, 16).toString('base64') : undefined;
        const tag = n % 5 === 4 ? 'zpa.none' : `zpa.${logType}`;
        seeds.push({ name: `${logType}/${format}-${recordFormat}/${mode}/${shape}`, value: encodeRequest(mode, tag, records, { chunk, shape }) });
        n++;
      }
    }
  }
  return seeds;
}
