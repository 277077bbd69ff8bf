/**
 * Seeded mutators for the fuzzer: byte-level mutations of forward-protocol inputs (captures, generated messages) and
 * text-level mutations of LSS lines. Every input is a pure function of (seed, index): `inputRandom(seed, index)` gives
 * the PRNG of that one input, so any input can be rebuilt from the two numbers a failure prints, without replaying the
 * ones before it. Shared by bench/fuzz.ts and the tests (test/fuzz.test.ts, test/forward-bad-input.test.ts).
 */
import { seededRandom } from '../../../src/zpa/index.js';

export type Random = () => number;

/** The PRNG of input `index` of a run with `seed`: independent streams per index (a splitmix-style mix of both). */
export function inputRandom(seed: number, index: number): Random {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((index >>> 0) + 0x632be5ab, 0xc2b2ae35);
  h ^= Math.floor(index / 4294967296) * 0x27d4eb2f;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return seededRandom((h ^ (h >>> 16)) >>> 0);
}

export const int = (random: Random, n: number): number => Math.floor(random() * n);
export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];

/** Where one msgpack header sits in a seed: its type byte, and the length/count field after it (if any). */
export interface HeaderSite {
  at: number;
  type: number;
  /** Width in bytes of the big-endian length or count field after the type byte (0: none, or packed in the type byte). */
  width: number;
}

/**
 * The msgpack headers of a buffer, in order, walking it as a sequence of objects (a capture holds many requests) and
 * stopping quietly at the first thing that is not msgpack. At most `limit` sites.
 */
export function headerSites(buf: Buffer, limit = 4096): HeaderSite[] {
  const sites: HeaderSite[] = [];
  let pos = 0;
  while (pos < buf.length && sites.length < limit) {
    const b = buf[pos];
    let width = 0;
    let body = 0;
    if (b <= 0x7f || b >= 0xe0 || (b >= 0x80 && b <= 0x9f) || b === 0xc0 || b === 0xc2 || b === 0xc3) body = 0;
    else if (b >= 0xa0 && b <= 0xbf) body = b & 0x1f;
    else if (b === 0xc4 || b === 0xd9 || b === 0xc7) width = 1;
    else if (b === 0xc5 || b === 0xda || b === 0xc8 || b === 0xdc || b === 0xde) width = 2;
    else if (b === 0xc6 || b === 0xdb || b === 0xc9 || b === 0xdd || b === 0xdf) width = 4;
    else if (b === 0xca) body = 4;
    else if (b === 0xcb) body = 8;
    else if (b === 0xcc || b === 0xd0) body = 1;
    else if (b === 0xcd || b === 0xd1) body = 2;
    else if (b === 0xce || b === 0xd2) body = 4;
    else if (b === 0xcf || b === 0xd3) body = 8;
    else if (b >= 0xd4 && b <= 0xd8) body = [2, 3, 5, 9, 17][b - 0xd4];
    else break; // 0xc1
    if (pos + 1 + width > buf.length) break;
    sites.push({ at: pos, type: b, width });
    if (width > 0) {
      const length = width === 1 ? buf[pos + 1] : width === 2 ? buf.readUInt16BE(pos + 1) : buf.readUInt32BE(pos + 1);
      const container = b === 0xdc || b === 0xdd || b === 0xde || b === 0xdf;
      body = container ? 0 : length + (b >= 0xc7 && b <= 0xc9 ? 1 : 0);
    }
    pos += 1 + width + body;
  }
  return sites;
}

/** Type bytes a header may be swapped for: every family, the fixed forms at both ends, the reserved 0xc1. */
const TYPE_BYTES = [
  0x00, 0x01, 0x7f, 0x80, 0x81, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x9f, 0xa0, 0xa1, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4,
  0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,
  0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff,
];
const INTERESTING_BYTES = [0x00, 0x01, 0x0a, 0x0d, 0x22, 0x5c, 0x7b, 0x7d, 0x7f, 0x80, 0xc0, 0xc1, 0xd7, 0xdf, 0xfe, 0xff];

/** Boundary values for a length/count field of `width` bytes around its current value. */
function boundaryLengths(width: number, current: number): number[] {
  const max = width === 1 ? 0xff : width === 2 ? 0xffff : 0xffffffff;
  const values = [0, 1, max, max - 1, Math.floor(max / 2), Math.floor(max / 2) + 1, current - 1, current + 1, current * 2, current + 8];
  return values.filter((v) => v >= 0 && v <= max);
}

export interface ByteMutation {
  bytes: Buffer;
  /** Which seed it came from. */
  seed: number;
  /** The mutations applied, in order: for reports and reproducer files. */
  ops: string[];
}

export interface ByteMutatorOptions {
  /** Mutations stacked per input: 1 to this many (default 4). */
  maxStack?: number;
  /** Inputs never grow past this (default 4 MiB). */
  maxBytes?: number;
  /** Seeds larger than this are picked only once in `bigSeedOdds` inputs (default 64 KiB, 1 in 20,000). */
  bigSeedBytes?: number;
  bigSeedOdds?: number;
}

/**
 * Byte-level mutations over a fixed set of seeds: bit flips, random and interesting bytes, inserted, deleted,
 * duplicated and moved ranges, truncation, splicing two seeds, and msgpack-aware ones on the seed's own headers:
 * boundary lengths and counts (0, max, off by one) and swapped type bytes.
 */
export class ByteMutator {
  private readonly small: number[] = [];
  private readonly big: number[] = [];
  private readonly sites: HeaderSite[][];
  private readonly maxStack: number;
  private readonly maxBytes: number;
  private readonly bigSeedOdds: number;

  constructor(
    readonly seeds: readonly Buffer[],
    options: ByteMutatorOptions = {},
  ) {
    if (seeds.length === 0) throw new Error('ByteMutator needs at least one seed');
    this.maxStack = options.maxStack ?? 4;
    this.maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
    this.bigSeedOdds = options.bigSeedOdds ?? 20_000;
    const bigSeedBytes = options.bigSeedBytes ?? 64 * 1024;
    seeds.forEach((seed, i) => (seed.length > bigSeedBytes ? this.big : this.small).push(i));
    if (this.small.length === 0) this.small.push(...this.big);
    this.sites = seeds.map((seed) => headerSites(seed));
  }

  /** The input for this PRNG: a seed, then one header-aware mutation or none, then 1..maxStack byte mutations. */
  mutate(random: Random): ByteMutation {
    const seedIndex = this.big.length > 0 && int(random, this.bigSeedOdds) === 0 ? pick(random, this.big) : pick(random, this.small);
    const ops: string[] = [];
    let bytes: Buffer = Buffer.from(this.seeds[seedIndex]);
    // Header-aware first, while the seed's header offsets are still true.
    if (random() < 0.5) bytes = this.header(random, bytes, this.sites[seedIndex], ops);
    const stack = random() < 0.15 ? 0 : 1 + int(random, this.maxStack);
    for (let i = 0; i < stack; i++) bytes = this.byte(random, bytes, ops);
    if (bytes.length > this.maxBytes) {
      bytes = bytes.subarray(0, this.maxBytes);
      ops.push(`cap ${this.maxBytes}`);
    }
    return { bytes, seed: seedIndex, ops };
  }

  private header(random: Random, bytes: Buffer, sites: HeaderSite[], ops: string[]): Buffer {
    if (sites.length === 0) return bytes;
    const site = pick(random, sites);
    const kind = int(random, 3);
    if (kind === 0 || site.width === 0) {
      // A type byte swapped for another family's, or a fixed form with another count.
      const fixed = site.type >= 0x80 && site.type <= 0xbf && random() < 0.5;
      const type = !fixed ? pick(random, TYPE_BYTES) : site.type >= 0xa0 ? 0xa0 | int(random, 32) : (site.type & 0xf0) | int(random, 16);
      bytes[site.at] = type;
      ops.push(`type@${site.at} ${hex(site.type)}->${hex(type)}`);
      return bytes;
    }
    const current = site.width === 1 ? bytes[site.at + 1] : site.width === 2 ? bytes.readUInt16BE(site.at + 1) : bytes.readUInt32BE(site.at + 1);
    if (kind === 1) {
      const value = pick(random, boundaryLengths(site.width, current));
      if (site.width === 1) bytes[site.at + 1] = value;
      else if (site.width === 2) bytes.writeUInt16BE(value, site.at + 1);
      else bytes.writeUInt32BE(value, site.at + 1);
      ops.push(`len@${site.at} ${hex(site.type)} ${current}->${value}`);
      return bytes;
    }
    // The same length in another width (str8 -> str32, map32 -> map16 ...): legal but unusual, or off by one.
    const width = pick(random, [1, 2, 4]);
    const family: Record<number, number[]> = { 0: [0xc4, 0xc5, 0xc6], 1: [0xd9, 0xda, 0xdb], 2: [0xc7, 0xc8, 0xc9], 3: [-1, 0xdc, 0xdd], 4: [-1, 0xde, 0xdf] };
    const group = Object.values(family).find((types) => types.includes(site.type));
    const type = group?.[width === 1 ? 0 : width === 2 ? 1 : 2];
    if (type === undefined || type < 0 || current > (width === 1 ? 0xff : width === 2 ? 0xffff : 0xffffffff)) return bytes;
    const field = Buffer.alloc(1 + width);
    field[0] = type;
    if (width === 1) field[1] = current;
    else if (width === 2) field.writeUInt16BE(current, 1);
    else field.writeUInt32BE(current, 1);
    ops.push(`rewidth@${site.at} ${hex(site.type)}->${hex(type)}`);
    return Buffer.concat([bytes.subarray(0, site.at), field, bytes.subarray(site.at + 1 + site.width)]);
  }

  private byte(random: Random, bytes: Buffer, ops: string[]): Buffer {
    const n = bytes.length;
    const at = int(random, n + 1);
    const span = () => 1 + int(random, random() < 0.8 ? 16 : Math.max(1, Math.min(n, 4096)));
    switch (int(random, 12)) {
      case 0: {
        if (n === 0) return bytes;
        const i = Math.min(at, n - 1);
        const bit = int(random, 8);
        bytes[i] ^= 1 << bit;
        ops.push(`flip@${i}.${bit}`);
        return bytes;
      }
      case 1: {
        if (n === 0) return bytes;
        const i = Math.min(at, n - 1);
        bytes[i] = random() < 0.5 ? int(random, 256) : pick(random, INTERESTING_BYTES);
        ops.push(`set@${i}=${hex(bytes[i])}`);
        return bytes;
      }
      case 2: {
        const insert = Buffer.from(Array.from({ length: span() }, () => (random() < 0.5 ? int(random, 256) : pick(random, INTERESTING_BYTES))));
        ops.push(`insert@${at}+${insert.length}`);
        return Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at)]);
      }
      case 3: {
        const length = Math.min(span(), n - at);
        ops.push(`delete@${at}-${length}`);
        return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + length)]);
      }
      case 4: {
        // Duplicate a range in place, sometimes many times (repeated headers nest deeply; repeated entries grow counts).
        const length = Math.min(span(), n - at);
        const times = random() < 0.9 ? 1 : 1 + int(random, 200);
        const range = bytes.subarray(at, at + length);
        ops.push(`dup@${at}-${length}x${times}`);
        return Buffer.concat([bytes.subarray(0, at + length), ...Array.from({ length: times }, () => range), bytes.subarray(at + length)]);
      }
      case 5: {
        // Move a range elsewhere.
        const length = Math.min(span(), n - at);
        const range = Buffer.from(bytes.subarray(at, at + length));
        const rest = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + length)]);
        const to = int(random, rest.length + 1);
        ops.push(`move@${at}-${length}->${to}`);
        return Buffer.concat([rest.subarray(0, to), range, rest.subarray(to)]);
      }
      case 6: {
        ops.push(`truncate@${at}`);
        return bytes.subarray(0, at);
      }
      case 7: {
        // Splice: our head, another seed's tail (from any offset, so mid-object), or the other way round.
        const other = this.seeds[pick(random, this.small)];
        const from = int(random, other.length + 1);
        ops.push(`splice@${at}+other@${from}`);
        return random() < 0.5 ? Buffer.concat([bytes.subarray(0, at), other.subarray(from)]) : Buffer.concat([other.subarray(0, from), bytes.subarray(at)]);
      }
      case 8: {
        // Concatenate another whole seed: several requests in one read.
        const other = this.seeds[pick(random, this.small)];
        ops.push('append-seed');
        return Buffer.concat([bytes, other]);
      }
      case 9: {
        // Overwrite with a big-endian boundary integer (a length or count field where we cannot see headers any more).
        const width = pick(random, [1, 2, 4, 8]);
        if (at + width > n) return bytes;
        const value = pick(random, [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0xffffn, 0x7fffffffn, 0xffffffffn, 0x7fffffffffffffffn, 0xffffffffffffffffn]);
        for (let i = 0; i < width; i++) bytes[at + i] = Number((value >> BigInt(8 * (width - 1 - i))) & 0xffn);
        ops.push(`int${width * 8}@${at}=${value}`);
        return bytes;
      }
      case 10: {
        // Nest: wrap in arrays or maps, or prefix a run of container headers.
        const depth = 1 + int(random, random() < 0.9 ? 4 : 200);
        const prefix = Buffer.alloc(depth, pick(random, [0x91, 0x92, 0x81, 0xdc]));
        ops.push(`nest${hex(prefix[0])}x${depth}@${at}`);
        return Buffer.concat([bytes.subarray(0, at), prefix, bytes.subarray(at)]);
      }
      default: {
        if (n === 0) return bytes;
        const i = Math.min(at, n - 1);
        const type = pick(random, TYPE_BYTES);
        ops.push(`typebyte@${i}=${hex(type)}`);
        bytes[i] = type;
        return bytes;
      }
    }
  }
}

/** Splits an input into 1 to 4 reads at random offsets (a header or a str may straddle two reads). */
export function randomReads(random: Random, bytes: Buffer): Buffer[] {
  const cuts = int(random, 4);
  if (cuts === 0 || bytes.length < 2) return [bytes];
  const offsets = Array.from({ length: cuts }, () => 1 + int(random, bytes.length - 1)).sort((a, b) => a - b);
  const reads: Buffer[] = [];
  let start = 0;
  for (const offset of offsets) {
    if (offset > start) reads.push(bytes.subarray(start, offset));
    start = Math.max(start, offset);
  }
  reads.push(bytes.subarray(start));
  return reads;
}

/** Replacements for a run of digits: the boundaries of int32, 2^53, int64, uint64, and numbers JSON cannot hold. */
const NUMBERS = ['0', '-0', '-1', '1', '2147483647', '2147483648', '-2147483649', '4294967296', '9007199254740991', '9007199254740993', '9223372036854775807', '9223372036854775808', '-9223372036854775809', '18446744073709551615', '18446744073709551616', '1e400', '-1e400', '1.5', '0.000000', '1e-400', '00', '01', 'NaN', 'Infinity', '99999999999999999999999999999999999999', '4.9e-324'];
/** Text that means something to JSON, CSV, TSV, syslog, LSS, UTF-16. */
const SNIPPETS = ['"', '\\', '\\"', '\\u0000', '\\ud800', '\\udc00x', '\\uZZZZ', '\\', '{', '}', '[', ']', ',', ':', '\t', '\r', '\n', '\r\n', ' ', '\u0000', '\u0001', '\u001f', '\u007f', '\u00a0', '\u2028', '\ufeff', '\ud800', '\udfff', '😀', 'é', 'zpa-lss:', 'zms-lss:', ',,', '\t\t', 'null', 'true', 'false', '""', '{}', '[]', '"a":1', ',"x":', '{"LogTimestamp":', '__proto__', '"__proto__":{}', '"constructor":1'];
const DATES = ['Mon Jan  1 00:00:00 1970', 'Sun Feb 29 23:59:59 2024', 'Wed Dec 31 23:59:60 2025', 'Thu Jan  1 00:00:00 10000', 'Fri Nov 31 12:00:00 2026', 'Tue Nov 23 06:00:00 -1', '2026-11-23T06:00:00.000Z', '2026-13-45T25:61:61Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999Z', '+275760-09-13T00:00:00.000Z', '0000-00-00T00:00:00Z', ''];

export interface TextMutation {
  text: string;
  seed: number;
  ops: string[];
}

/**
 * Text-level mutations of LSS lines (JSON, CSV, TSV, with or without a syslog prefix): characters flipped, inserted,
 * deleted, ranges duplicated and moved, two lines spliced, numbers replaced by boundary values, dates by impossible
 * ones, values emptied, quotes and separators added or removed, keys duplicated.
 */
export class TextMutator {
  constructor(readonly seeds: readonly string[]) {
    if (seeds.length === 0) throw new Error('TextMutator needs at least one seed');
  }

  mutate(random: Random, maxStack = 3): TextMutation {
    const seed = int(random, this.seeds.length);
    let text = this.seeds[seed];
    const ops: string[] = [];
    const stack = random() < 0.1 ? 0 : 1 + int(random, maxStack);
    for (let i = 0; i < stack; i++) text = this.one(random, text, ops);
    return { text, seed, ops };
  }

  private one(random: Random, text: string, ops: string[]): string {
    const n = text.length;
    const at = int(random, n + 1);
    const span = () => 1 + int(random, random() < 0.8 ? 8 : Math.max(1, n));
    switch (int(random, 12)) {
      case 0: {
        const code = random() < 0.7 ? int(random, 128) : int(random, 0x10000);
        ops.push(`char@${at}=U+${code.toString(16)}`);
        return text.slice(0, at) + String.fromCharCode(code) + text.slice(at + 1);
      }
      case 1: {
        const snippet = pick(random, SNIPPETS);
        ops.push(`insert@${at} ${JSON.stringify(snippet)}`);
        return text.slice(0, at) + snippet + text.slice(at);
      }
      case 2: {
        const length = span();
        ops.push(`delete@${at}-${length}`);
        return text.slice(0, at) + text.slice(at + length);
      }
      case 3: {
        const length = span();
        const times = random() < 0.95 ? 1 : 1 + int(random, 100);
        ops.push(`dup@${at}-${length}x${times}`);
        return text.slice(0, at + length) + text.slice(at, at + length).repeat(times) + text.slice(at + length);
      }
      case 4: {
        const other = pick(random, this.seeds);
        const from = int(random, other.length + 1);
        ops.push(`splice@${at}+other@${from}`);
        return text.slice(0, at) + other.slice(from);
      }
      case 5: {
        // A number (or a run of digits inside anything) replaced by a boundary value.
        const runs = [...text.matchAll(/-?\d+(\.\d+)?/g)];
        if (runs.length === 0) return text;
        const run = pick(random, runs);
        const value = pick(random, NUMBERS);
        ops.push(`number@${run.index} ${run[0]}->${value}`);
        return text.slice(0, run.index) + value + text.slice(run.index + run[0].length);
      }
      case 6: {
        // A quoted value replaced: emptied, a date, a number, unicode, a huge string, JSON inside.
        const values = [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)];
        if (values.length === 0) return text;
        const value = pick(random, values);
        const replacement = pick(random, [
          () => '',
          () => pick(random, DATES),
          () => pick(random, NUMBERS),
          () => pick(random, SNIPPETS),
          () => 'x'.repeat(1 + int(random, 70_000)),
          () => '{\\"id\\":1}',
        ])();
        ops.push(`value@${value.index} -> ${JSON.stringify(replacement.slice(0, 40))}${replacement.length > 40 ? `…(${replacement.length})` : ''}`);
        return text.slice(0, value.index + 1) + replacement + text.slice(value.index + value[0].length - 1);
      }
      case 7: {
        // A CTime or ISO date replaced by an impossible one.
        const dates = [...text.matchAll(/[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}|\d{4}-\d\d-\d\dT[\d:.]+Z?/g)];
        if (dates.length === 0) return text;
        const date = pick(random, dates);
        const value = pick(random, DATES);
        ops.push(`date@${date.index} -> ${value}`);
        return text.slice(0, date.index) + value + text.slice(date.index + date[0].length);
      }
      case 8: {
        // A separator (quote, comma, tab, colon, brace) removed or doubled.
        const seps = [...text.matchAll(/["\t,:{}]/g)];
        if (seps.length === 0) return text;
        const sep = pick(random, seps);
        const doubled = random() < 0.5;
        ops.push(`${doubled ? 'double' : 'drop'}-sep@${sep.index}`);
        return text.slice(0, sep.index) + (doubled ? sep[0] + sep[0] : '') + text.slice(sep.index + 1);
      }
      case 9: {
        // A JSON member duplicated (duplicate keys) or dropped (missing required fields).
        const members = [...text.matchAll(/"[^"\\]*"\s*:\s*("(?:[^"\\]|\\.)*"|[^,}]*)\s*,?/g)];
        if (members.length === 0) return text;
        const member = pick(random, members);
        const drop = random() < 0.5;
        ops.push(`${drop ? 'drop' : 'dup'}-member@${member.index}`);
        return drop ? text.slice(0, member.index) + text.slice(member.index + member[0].length) : text.slice(0, member.index) + member[0] + (member[0].endsWith(',') ? '' : ',') + text.slice(member.index);
      }
      case 10: {
        // A prefix or suffix: syslog header, garbage, CRLF, NUL, whitespace, a second object.
        const affix = pick(random, ['<134>Nov 23 06:00:00 host zpa: ', ' ', '\r', '\r\n', '\u0000', 'x', '}', '{}', '{"a":1}', 'User Activity zpa-lss: ', '\ufeff']);
        const before = random() < 0.5;
        ops.push(`${before ? 'prefix' : 'suffix'} ${JSON.stringify(affix)}`);
        return before ? affix + text : text + affix;
      }
      default: {
        const length = span();
        ops.push(`truncate@${at}`);
        return text.slice(0, at) + (random() < 0.5 ? '' : text.slice(at + length, at + length + 1));
      }
    }
  }
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
