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
      if (value instanceof Map) return members([...value].map(([k, v]) => [String(k), v]));
      return members(Object.entries(value));
    }
    default:
      return 'null';
  }
}

function members(entries: [string, unknown][]): string {
  let out = '{';
  for (const [k, v] of entries) out += (out.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + recordToJson(v);
  return out + '}';
}
