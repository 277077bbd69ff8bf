/**
 * The layout core (src/zpa/layout-core.c, as WebAssembly) must decide every line exactly as the TypeScript path does.
 * Each line goes to two processors fed the same stream, one with the core and one without (the reference); their
 * outcomes must be equal but for the row id and the parse time. The lines: generated ones of every log type, then
 * variants of each value in the spellings the core reads and the ones next to them, invalid UTF-8, and random bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RecordContext } from '../src/contract.js';
import { LssGenerator, loadSchemas, seededRandom, ZpaProcessor, type FieldSpec } from '../src/zpa/index.js';
import { JsonScanner, Members } from '../src/zpa/json-scan.js';
import { LayoutCore } from '../src/zpa/layout-core.js';
import { LAYOUT_CORE_SOURCE_SHA256 } from '../src/zpa/layout-core-wasm.js';
import { loadTemplates } from '../src/zpa/templates.js';
import { comparable, mutations } from './helpers/record-variants.js';
import { REPO_DIR } from './helpers/paths.js';

const schemas = loadSchemas();
const templates = loadTemplates();
const generator = new LssGenerator(schemas, templates);
const BASE_TIME = Date.UTC(2026, 0, 5, 9, 30, 0);

/** What the core answered, to prove both of its answers were put to the test. */
const answers = { read: 0, declined: 0 };
const coreRead = LayoutCore.prototype.read;
LayoutCore.prototype.read = function (this: LayoutCore, ...args: Parameters<LayoutCore['read']>) {
  const n = coreRead.apply(this, args);
  if (n < 0) answers.declined++;
  else answers.read++;
  return n;
};

/** A processor with the core and the reference without it, fed the same lines as bytes inside a larger buffer. */
class Pair {
  readonly core = new ZpaProcessor(schemas, {}, templates);
  readonly reference = new ZpaProcessor(schemas, { core: false }, templates);

  constructor(private readonly ctx: RecordContext) {}

  /** Both readings of `line`; asserts they are equal. Returns whether the core read it. */
  compare(line: Buffer, label: string): boolean {
    const junk = Buffer.from('\u00ff{"x":1}\n', 'latin1');
    const bytes = Buffer.concat([junk, line, junk]);
    const before = answers.read;
    const viaCore = this.core.processBytes(bytes, junk.length, bytes.length - junk.length, this.ctx);
    const read = answers.read > before;
    const viaReference = this.reference.processBytes(bytes, junk.length, bytes.length - junk.length, this.ctx);
    assert.deepEqual(comparable(viaCore, true), comparable(viaReference, true), `${label}: ${line.toString('latin1')}`);
    return read;
  }
}

test('the WebAssembly in layout-core-wasm.ts was built from layout-core.c as it stands', () => {
  const source = readFileSync(path.join(REPO_DIR, 'src', 'zpa', 'layout-core.c'));
  const sha = createHash('sha256').update(source).digest('hex');
  assert.equal(sha, LAYOUT_CORE_SOURCE_SHA256, 'src/zpa/layout-core.c changed since layout-core-wasm.ts was built: run npm run build:core');
});

test('generated lines of every log type: the core reads those of layouts it knows, exactly as the TypeScript path does', () => {
  for (const logType of generator.logTypes()) {
    const schema = schemas.byId.get(logType)!;
    // The core knows every field type (lists of strings among lists) and the time formats of ZPA's schemas.
    const known = schema.fields.every((f) => f.type !== 'array' || f.element?.type === 'string');
    for (const tag of [`zpa.${logType}`, 'zpa.lss']) {
      const pair = new Pair({ tag, address: '127.0.0.1', source: 'connector-1' });
      const random = seededRandom(logType.length * 31 + tag.length);
      let read = 0;
      const lines = 150;
      for (let i = 0; i < lines; i++) {
        const line = generator.line(logType, 'json', random, { edge: i % 5 === 4, baseTime: BASE_TIME });
        if (pair.compare(Buffer.from(line), `${logType} ${tag} #${i}`)) read++;
      }
      // Each stream's first line teaches the layout; edge lines may hold what the core leaves to the TypeScript path.
      if (known) assert.ok(read >= lines * 0.7, `${logType} ${tag}: the core read ${read} of ${lines} lines`);
      else assert.equal(read, 0, `${logType} ${tag}: a layout with other lists has no core program`);
    }
  }
});

const scanner = new JsonScanner();
const members = new Members();

/** Values a field of this type may hold next to the spellings the core reads, as JSON value texts. */
function valuesFor(field: FieldSpec | undefined, random: () => number): string[] {
  const common = ['""', 'null', '0', '-0', '-1', '1.5', '1e3', '1E+2', '"x"', 'true', 'false', '"a\\"b"', '"\\u00e9"', '"\\ud800"', '"é中"', '"a\\nb"', '[]', '{}'];
  const ms = Math.floor(random() * 253402300799999);
  const time = new Date(ms).toISOString();
  const pre = new Date(-Math.floor(random() * 62135596800000)).toISOString();
  switch (field?.type) {
    case 'timestamp': {
      const first = field.timeFormats[0];
      const canonical = first.canonical?.(ms) ?? time;
      const before1970 = first.canonical?.(-Math.floor(random() * 62135596800000)) ?? pre;
      const twisted = [canonical.replace(/ {2}(\d)/, ' 0$1'), canonical.replace(/ {2}(\d)/, ' $1'), canonical.toLowerCase(), canonical.replace(/:(\d\d) /, ':60 '), `Mon${canonical.slice(3)}`];
      return [...common, `"${canonical}"`, `"${before1970}"`, ...twisted.map((t) => `"${t}"`), `"${time.toLowerCase()}"`, `"${time.replace('T', ' ')}"`, `"${time.replace(/\.\d+Z/, 'Z')}"`, `"${time.replace('Z', '+00:00')}"`, `"${time.replace(/:\d\d\./, ':60.')}"`, '"2024-02-29T00:00:00.000Z"', '"2025-02-29T00:00:00.000Z"', '"0000-01-01T00:00:00.000Z"', '"2026-13-01T00:00:00.000Z"', '"9999-12-31T23:59:60.500Z"', '"9999-12-31T23:59:59.999Z"', '"2026-01-04T24:00:00.000Z"', '"Thu Feb 29 00:00:00 2024"', '"Sat Feb 29 00:00:00 2025"', '"Sat Jan  1 00:00:00 0000"', String(ms)];
    }
    case 'bigint':
      return [...common, '"0"', '"-0"', '"+5"', '"007"', '"-123"', '"123456789012345678"', '"1234567890123456789"', '"9223372036854775807"', '"9223372036854775808"', '"1.0"', '" 1"', '123456789012345678', '1234567890123456789', '-9223372036854775808', '1.0'];
    case 'float':
      return [...common, '"1."', '".5"', '"1e5"', '"-0.0"', '"01"', '"NaN"', '1e400', '"2.5"'];
    case 'boolean':
      return [...common, '"true"', '"false"', '"True"', '"1"'];
    case 'array':
      return [...common, '["a"]', '["a","b"]', '[ "a" , "b" ]', '["a",]', '["a" "b"]', '[null]', '["a",1]', '[1]', '[[]]', '["\\u00e9"]', '["a\\"]"]', '["é"]', '"a"', '[ ]', '[\t"a"]'];
    case 'json':
      return [...common, '"{\\"a\\":1}"', '"{\\"a\\": 1}"', '"[\\"x\\\\n\\"]"', '"{\\"a\\":\\"\\\\u00e9\\\\/\\"}"', '"{}"', '"[]"', '"{\\"a\\":tru}"', '"{\\"a\\":1"', '"[1,]"', '"{\\"a\\":[1,{\\"b\\":null}]}"', '"\\/"', '{"a":1}', `"${'[\\"x\\",'.repeat(70)}1${']'.repeat(70)}"`, '"{\\"é\\":\\"中\\"}"', '"{\\"a\\":1,\\n\\"b\\":2}"', '"[1,\\t2]"', '"[\\u0031]"', '"{\\"a\\":\\"x\\ny\\"}"'];
    default:
      return [...common, '123', '-1.5e3', '"user@example.com"', '"10.0.0.1"', '"-"', '"unset"'];
  }
}

/** Bytes of a string value's content that is not valid UTF-8, or is: each must be decided as the reference does. */
const UTF8 = ['c3a9', 'e4b8ad', 'f09f9880', 'c0af', 'c1bf', 'e080af', 'eda080', 'f08f8080', 'f4908080', 'e282', '80', 'ff', 'f8888080', 'efbfbd', 'df', '01', '1f', '7f'].map((h) => Buffer.from(h, 'hex'));

/** Variants of `line` for the core: each value replaced, strings with raw bytes, random bytes changed. */
function coreVariants(line: string, schemaFields: ReadonlyMap<string, FieldSpec>, random: () => number): Buffer[] {
  assert.equal(scanner.scanObject(line, 0, members), line.length);
  const out: Buffer[] = [];
  const bytes = Buffer.from(line);
  for (let i = 0; i < members.count; i++) {
    const vs = members.valueStart[i];
    const ve = members.valueEnd[i];
    const field = schemaFields.get(line.slice(members.keyStart[i], members.keyEnd[i]));
    // Documents: each variant, the rare ones included (a nesting deeper than the readers take).
    for (const v of valuesFor(field, random)) if (field?.type === 'json' || random() < 0.25) out.push(Buffer.from(line.slice(0, vs) + v + line.slice(ve)));
    if (line[vs] === '"' && random() < 0.3) {
      const raw = UTF8[Math.floor(random() * UTF8.length)];
      out.push(Buffer.concat([Buffer.from(line.slice(0, vs + 1)), raw, Buffer.from(line.slice(vs + 1))]));
    }
  }
  const palette = Buffer.from('"\\0123456789-.eE +:,{}[]ntfTZz\u0001\u001f\u007f\u00c3\u0080\u00ff', 'latin1');
  for (let k = 0; k < 12; k++) {
    const changed = Buffer.from(bytes);
    changed[Math.floor(random() * changed.length)] = palette[Math.floor(random() * palette.length)];
    out.push(changed);
  }
  out.push(Buffer.from(line + '}'), Buffer.from(line + ' }'), Buffer.from(line + '\t'));
  return out;
}

test('every value in the spellings around those the core reads, and random bytes: decided as the TypeScript path does', () => {
  let compared = 0;
  const before = { ...answers };
  for (const logType of generator.logTypes()) {
    const schema = schemas.byId.get(logType)!;
    const random = seededRandom(logType.length * 7907);
    for (let r = 0; r < 3; r++) {
      const line = generator.line(logType, 'json', random, { edge: r === 2, baseTime: BASE_TIME });
      for (const tag of [`zpa.${logType}`, 'zpa.lss']) {
        const pair = new Pair({ tag, address: '127.0.0.1', source: 'connector-1' });
        const variants = [...coreVariants(line, schema.byKey, random), ...mutations(line, schema.byKey, random).map((v) => Buffer.from(v))];
        for (const variant of variants) {
          // Each variant right after its stream's line, so the layout it is read against is the line's.
          pair.compare(Buffer.from(line), `${logType} ${tag}: the line`);
          pair.compare(variant, `${logType} ${tag}`);
          compared++;
        }
      }
    }
  }
  assert.ok(compared > 5000, `${compared} variants compared`);
  assert.ok(answers.read - before.read > 5000, `the core read ${answers.read - before.read} lines`);
  assert.ok(answers.declined - before.declined > 2000, `the core declined ${answers.declined - before.declined} lines`);
});
