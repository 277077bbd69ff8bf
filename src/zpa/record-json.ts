/**
 * JSON text of a record decoded from msgpack (`Format json`): BigInt written digit for digit, msgpack bin as UTF-8
 * text, non-finite numbers as null. This is both the rejection's `raw` and the text the scanner then validates.
 */
const decoder = new TextDecoder();

export function recordToJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof Uint8Array) return JSON.stringify(decoder.decode(value));
      if (Array.isArray(value)) return '[' + value.map(recordToJson).join(',') + ']';
      if (value instanceof Map) return mapJson(value);
      return objectJson(value as Record<string, unknown>);
    }
    default:
      return 'null';
  }
}

function objectJson(value: Record<string, unknown>): string {
  let out = '{';
  for (const k in value) out += (out.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + recordToJson(value[k]);
  return out + '}';
}

function mapJson(value: Map<unknown, unknown>): string {
  let out = '{';
  for (const [k, v] of value) out += (out.length > 1 ? ',' : '') + JSON.stringify(String(k)) + ':' + recordToJson(v);
  return out + '}';
}

/** JSON.stringify of a string: the string in quotes when it holds nothing JSON.stringify would escape. */
export function jsonString(v: string): string {
  return escapesNothing(v) ? '"' + v + '"' : JSON.stringify(v);
}

/** `v` holds nothing JSON.stringify would escape: no control character, quote, backslash or lone surrogate half. */
export function escapesNothing(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}
