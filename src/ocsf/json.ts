/**
 * Reads one JSON text into a tree that keeps every number as the text it was written as (integers above 2^53 keep all
 * their digits) and every value's own text, so a value can be written out again exactly as it came.
 */

export type JsonValue =
  | { readonly type: 'string'; readonly value: string; readonly raw: string }
  | { readonly type: 'number'; readonly raw: string }
  | { readonly type: 'boolean'; readonly value: boolean; readonly raw: string }
  | { readonly type: 'null'; readonly raw: string }
  | { readonly type: 'array'; readonly items: readonly JsonValue[]; readonly raw: string }
  | { readonly type: 'object'; readonly members: ReadonlyMap<string, JsonValue>; readonly raw: string };

export class JsonTextError extends Error {
  override name = 'JsonTextError';
}

/** A number token from its first character: JSON's grammar, nothing more. */
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
/** A string's escapes, when it has any: each must be one JSON allows. */
const ESCAPES = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})|\\/g;
const CONTROL = /[\u0000-\u001f]/;
const MAX_DEPTH = 64;
const LITERALS: readonly (readonly [string, JsonValue])[] = [
  ['true', { type: 'boolean', value: true, raw: 'true' }],
  ['false', { type: 'boolean', value: false, raw: 'false' }],
  ['null', { type: 'null', raw: 'null' }],
];

/** Parses `text`, which must hold exactly one JSON value; throws JsonTextError naming the offset otherwise. */
export function parseJson(text: string): JsonValue {
  const reader = new Reader(text);
  const value = reader.value(0);
  if (reader.skipSpace() !== text.length) reader.fail('text after the value');
  return value;
}

class Reader {
  at = 0;
  /** Whether the text holds a control character anywhere: only then must each string be checked for one. */
  private readonly hasControl: boolean;

  constructor(private readonly text: string) {
    this.hasControl = CONTROL.test(text);
  }

  fail(what: string): never {
    throw new JsonTextError(`not a JSON text: ${what} at offset ${this.at}`);
  }

  /** Moves past whitespace; returns the new position. */
  skipSpace(): number {
    const text = this.text;
    let c = text.charCodeAt(this.at);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++this.at);
    return this.at;
  }

  value(depth: number): JsonValue {
    const start = this.skipSpace();
    const c = this.text.charCodeAt(start);
    if (c === 34 /* " */) {
      const raw = this.string();
      return { type: 'string', value: raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1), raw };
    }
    if (c === 123 /* { */ || c === 91 /* [ */) return this.container(c === 123, depth + 1);
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      NUMBER.lastIndex = start;
      if (NUMBER.exec(this.text) === null) this.fail('bad number');
      this.at = NUMBER.lastIndex;
      return { type: 'number', raw: this.text.slice(start, this.at) };
    }
    for (const [word, literal] of LITERALS) {
      if (this.text.startsWith(word, start)) {
        this.at += word.length;
        return literal;
      }
    }
    return this.fail(start >= this.text.length ? 'unexpected end' : 'expected a value');
  }

  /** The string token at the current position, quotes included, checked. */
  private string(): string {
    const text = this.text;
    const start = this.at;
    let end = start;
    do {
      end = text.indexOf('"', end + 1);
      if (end < 0) this.fail('unterminated string');
    } while (backslashesBefore(text, end) % 2 === 1);
    const raw = text.slice(start, end + 1);
    if (this.hasControl && CONTROL.test(raw)) this.fail('control character in a string');
    if (raw.includes('\\') && raw.replace(ESCAPES, (e) => (e === '\\' ? '\u0000' : '')).includes('\u0000')) this.fail('bad escape in a string');
    this.at = end + 1;
    return raw;
  }

  private container(isObject: boolean, depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const text = this.text;
    const open = this.at++;
    const close = isObject ? 125 /* } */ : 93; /* ] */
    const items: JsonValue[] = [];
    const members = new Map<string, JsonValue>();
    if (text.charCodeAt(this.skipSpace()) === close) {
      this.at++;
    } else {
      for (;;) {
        if (isObject) {
          if (text.charCodeAt(this.skipSpace()) !== 34) this.fail('expected a key string');
          const key = this.string();
          if (text.charCodeAt(this.skipSpace()) !== 58 /* : */) this.fail("expected ':'");
          this.at++;
          members.set(key.includes('\\') ? (JSON.parse(key) as string) : key.slice(1, -1), this.value(depth));
        } else {
          items.push(this.value(depth));
        }
        const c = text.charCodeAt(this.skipSpace());
        this.at++;
        if (c === close) break;
        if (c !== 44 /* , */) this.fail(`expected ',' or '${String.fromCharCode(close)}'`);
      }
    }
    const raw = text.slice(open, this.at);
    return isObject ? { type: 'object', members, raw } : { type: 'array', items, raw };
  }
}

/** How many backslashes stand right before `i`: an odd number escapes the character there. */
function backslashesBefore(text: string, i: number): number {
  let n = 0;
  while (text.charCodeAt(i - 1 - n) === 92) n++;
  return n;
}
