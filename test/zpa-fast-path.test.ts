/**
 * The processor's fast path (a record with the previous record's keys, checked in one pass against the layout it
 * learnt) must decide exactly as the general path does. Each record is processed twice: by a processor that has just
 * seen the same stream's unmutated record (fast path first) and by a fresh processor (general path only); the
 * outcomes must be equal but for the row id and the parse time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LssGenerator, loadSchemas, seededRandom, ZpaProcessor } from '../src/zpa/index.js';
import { isFailure, type RecordContext } from '../src/contract.js';
import { loadTemplates } from '../src/zpa/templates.js';
import { comparable, mutations } from './helpers/record-variants.js';

const schemas = loadSchemas();
const templates = loadTemplates();
const generator = new LssGenerator(schemas, templates);
const BASE_TIME = Date.UTC(2026, 2, 5, 9, 30, 0);

/** Calls of the general path, to prove the fast path was taken when it should be. */
let fullPasses = 0;
const proto = ZpaProcessor.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
const general = proto.processJsonFully;
assert.equal(typeof general, 'function', 'the general path is processJsonFully');
proto.processJsonFully = function (this: unknown, ...args: unknown[]) {
  fullPasses++;
  return general.apply(this, args);
};

/**
 * For each log type, edge or not, tagged or not: a processor warmed with a generated line (its layout learnt), then
 * each variant of that line. Calls `check(warm, line, variant, ctx, label)` once per variant.
 */
function forEachVariant(
  seed: number,
  extra: (line: string) => string[],
  check: (warm: ZpaProcessor, line: string, variant: string, ctx: RecordContext, label: string) => void,
): number {
  let compared = 0;
  for (const logType of generator.logTypes()) {
    const schema = schemas.byId.get(logType)!;
    const random = seededRandom(logType.length * seed);
    for (let r = 0; r < 4; r++) {
      const line = generator.line(logType, 'json', random, { edge: r % 2 === 1, baseTime: BASE_TIME });
      for (const tag of [`zpa.${logType}`, 'zpa.lss']) {
        const ctx = { tag, address: '127.0.0.1:1', source: '127.0.0.1:1' };
        const warm = new ZpaProcessor(schemas, {}, templates);
        for (const variant of [...mutations(line, schema.byKey, random), ...extra(line)]) {
          assert.ok(!isFailure(warm.process({ log: line }, ctx)), `${logType}: the unmutated line is accepted`);
          check(warm, line, variant, ctx, `${logType} ${tag}: ${variant}`);
          compared++;
        }
      }
    }
  }
  return compared;
}

test('the fast path decides every record exactly as the general path does', () => {
  let fastAccepted = 0;
  const compared = forEachVariant(7919, () => [], (warm, line, variant, ctx, label) => {
    const before = fullPasses;
    const fast = warm.process({ log: variant }, ctx);
    if (variant === line) {
      assert.equal(fullPasses, before, `${label}: a record with the previous record's keys takes the fast path`);
      fastAccepted++;
    }
    const slow = new ZpaProcessor(schemas, {}, templates).process({ log: variant }, ctx);
    assert.deepEqual(comparable(fast), comparable(slow), label);
  });
  assert.ok(compared > 5000, `${compared} records compared`);
  assert.ok(fastAccepted > 100, `${fastAccepted} records through the fast path`);
});

test('records of several streams interleaved: each tag keeps its own layout, untagged records theirs', () => {
  const processor = new ZpaProcessor(schemas, {}, templates);
  const random = seededRandom(3);
  const types = generator.logTypes();
  const lines = types.map((t) => generator.line(t, 'json', random, { baseTime: BASE_TIME }));
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < types.length; i++) {
      for (const tag of [`zpa.${types[i]}`, 'zpa.lss']) {
        const outcome = processor.process({ log: lines[i] }, { tag, address: '127.0.0.1:1', source: '127.0.0.1:1' });
        assert.ok(!isFailure(outcome), `${types[i]} ${tag}`);
        assert.equal(outcome.logType, schemas.byId.get(types[i])!.name);
        const slow = new ZpaProcessor(schemas, {}, templates).process({ log: lines[i] }, { tag, address: '127.0.0.1:1', source: '127.0.0.1:1' });
        assert.deepEqual(comparable(outcome), comparable(slow));
      }
    }
  }
  // A tag naming one type on another type's record: the tag wins on both paths.
  const wrongTag = { tag: `zpa.${types[0]}`, address: '127.0.0.1:1', source: '127.0.0.1:1' };
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(comparable(processor.process({ log: lines[1] }, wrongTag)), comparable(new ZpaProcessor(schemas, {}, templates).process({ log: lines[1] }, wrongTag)));
  }
});

test('processBytes (a line left as UTF-8 bytes) decides every record exactly as processLine does; uncoerced ones stay views of the bytes', () => {
  let byBytes = 0;
  const junk = Buffer.from('\u00ff{"x":1}\n', 'latin1');
  const nonAscii = (line: string) => [line.replace(/"([^"]*)"/, '"$1\u00e9"'), `${line}\u00ff`];
  const compared = forEachVariant(104729, nonAscii, (warm, _line, variant, ctx, label) => {
    // The line inside a larger buffer, as a str inside a forward request: only its own bytes count.
    const bytes = Buffer.concat([junk, Buffer.from(variant), junk]);
    const viaBytes = warm.processBytes(bytes, junk.length, bytes.length - junk.length, ctx);
    if (!isFailure(viaBytes) && typeof viaBytes.text.head !== 'string') {
      byBytes++;
      const head = viaBytes.text.head;
      if (String(head) === variant.slice(0, String(head).length)) {
        assert.ok(head.buffer === bytes.buffer && head.byteOffset === bytes.byteOffset + junk.length, 'an uncoerced head is a view of the received bytes');
      }
    }
    const viaText = new ZpaProcessor(schemas, {}, templates).process({ log: variant }, ctx);
    assert.deepEqual(comparable(viaBytes), comparable(viaText), label);
  });
  assert.ok(compared > 5000, `${compared} records compared`);
  assert.ok(byBytes > 300, `${byBytes} records kept as views of their bytes`);
});
