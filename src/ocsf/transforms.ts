/**
 * The value transforms a mapping rule names in `as`: each turns one record value into the JSON text of an OCSF
 * attribute value, or refuses it (undefined) when the value is unset or does not fit the attribute's type, in which
 * case the record field stays under `unmapped`. Numbers are handled as text, never through a JS number, so 64-bit
 * values keep every digit.
 */
import { isIP } from 'node:net';
import type { JsonValue } from './json.js';

export type Transform = (value: JsonValue) => string | undefined;

const INT32 = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const INTEGER_TEXT = /^-?(?:0|[1-9][0-9]*)$/;
const NUMBER_TEXT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
/** RFC 3339 date-time, as LSS writes its ISO 8601 fields (`2019-05-30T08:20:42.230Z`). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
/** An email address: a local part of the usual characters, `@`, and a dotted domain. */
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;
/** Epoch seconds up to the year 5138: a larger number is not a time in seconds. */
const MAX_EPOCH_SECONDS = 100_000_000_000n;

/** The text a scalar is compared and copied by: a string's content, a number's digits, `true`/`false`. */
export function scalarText(value: JsonValue): string | undefined {
  switch (value.type) {
    case 'string':
      return value.value === '' ? undefined : value.value;
    case 'number':
    case 'boolean':
      return value.raw;
    default:
      return undefined;
  }
}

/** A one-element list stands for its element (LSS prints some single values as lists). */
function single(value: JsonValue): JsonValue {
  return value.type === 'array' && value.items.length === 1 ? value.items[0] : value;
}

function integerIn([min, max]: readonly [bigint, bigint]): Transform {
  return (value) => {
    const text = scalarText(single(value));
    if (text === undefined || !INTEGER_TEXT.test(text)) return undefined;
    const n = BigInt(text);
    return n >= min && n <= max ? n.toString() : undefined;
  };
}

function stringIf(test: (text: string) => boolean): Transform {
  return (value) => {
    const v = single(value);
    return v.type === 'string' && v.value !== '' && test(v.value) ? JSON.stringify(v.value) : undefined;
  };
}

/** An IP address as OCSF's ip_t takes it: no IPv6 zone (`%eth0`), at most 40 characters. */
function isAddress(text: string): boolean {
  return isIP(text) !== 0 && !text.includes('%') && text.length <= 40;
}

const integer = integerIn(INT32);
const long = integerIn(INT64);

export const TRANSFORMS: Readonly<Record<string, Transform>> = {
  /** The value as it came (strings, numbers, lists, documents); "" and null are unset. */
  copy: (value) => (value.type === 'null' || (value.type === 'string' && value.value === '') ? undefined : value.raw),
  /** A string: a number's digits become text (IDs above 2^53 stay exact). */
  text: (value) => {
    const text = scalarText(single(value));
    return text === undefined ? undefined : JSON.stringify(text);
  },
  /** A signed 32-bit integer (OCSF integer_t), from a number or a string of digits. */
  integer,
  /** A signed 64-bit integer (OCSF long_t). */
  long,
  /** A number (OCSF float_t), from a number or a numeric string. */
  float: (value) => {
    const text = scalarText(single(value));
    if (text === undefined || !NUMBER_TEXT.test(text)) return undefined;
    return Number.isFinite(Number(text)) ? text : undefined;
  },
  /** An IPv4 or IPv6 address. */
  ip: stringIf(isAddress),
  /** A list of IP addresses, from a list or a comma-separated string (X-Forwarded-For); all must be addresses. */
  ip_list: (value) => {
    const items = value.type === 'array' ? value.items.map(scalarText) : value.type === 'string' ? value.value.split(/[,\s]+/).filter((s) => s !== '') : [];
    if (items.length === 0 || !items.every((s) => s !== undefined && isAddress(s))) return undefined;
    return JSON.stringify(items);
  },
  /** A TCP/UDP port, 1-65535 (0 is how LSS writes "no port"). */
  port: (value) => {
    const text = integer(value);
    return text !== undefined && Number(text) >= 1 && Number(text) <= 65535 ? text : undefined;
  },
  /** An RFC 3339 time as epoch milliseconds (OCSF timestamp_t). */
  time: (value) => {
    const v = single(value);
    if (v.type !== 'string' || !RFC3339.test(v.value)) return undefined;
    const ms = Date.parse(v.value);
    return Number.isFinite(ms) ? String(ms) : undefined;
  },
  /** Epoch seconds (LSS `HostStartTime`) as epoch milliseconds; 0 is unset. */
  seconds: (value) => {
    const text = long(value);
    if (text === undefined) return undefined;
    const n = BigInt(text);
    return n > 0n && n < MAX_EPOCH_SECONDS ? (n * 1000n).toString() : undefined;
  },
  /** An email address. */
  email: stringIf((text) => EMAIL.test(text)),
  /** A list of strings, from a list of scalars or one value. */
  list: (value) => {
    const items = value.type === 'array' ? value.items.map(scalarText) : [scalarText(value)];
    if (items.length === 0 || items.some((s) => s === undefined)) return undefined;
    return JSON.stringify(items);
  },
};

/** The items an observable rule reports: each element of a list, or the one value. */
export function observableValues(value: JsonValue): string[] {
  const items = value.type === 'array' ? value.items : [value];
  return items.map(scalarText).filter((s): s is string => s !== undefined);
}
