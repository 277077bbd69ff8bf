/**
 * The OCSF transformer's JSON reader: the same values as JSON.parse for any JSON text, numbers kept as written (all
 * digits of 64-bit integers), each value's own text kept to be written out again, and a clear error for bad text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JsonTextError, parseJson, type JsonValue } from '../src/ocsf/json.js';

/** The reader's tree as JSON.parse would give it. */
function plain(v: JsonValue): unknown {
  switch (v.type) {
    case 'string':
    case 'boolean':
      return v.value;
    case 'null':
      return null;
    case 'number':
      return Number(v.raw);
    case 'array':
      return v.items.map(plain);
    case 'object':
      return Object.fromEntries([...v.members].map(([k, m]) => [k, plain(m)]));
  }
}

test('any JSON text reads as JSON.parse reads it, and each value keeps its own text', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
      const text = JSON.stringify(value, null, pretty ? 2 : undefined);
      const tree = parseJson(text);
      assert.deepEqual(plain(tree), JSON.parse(text));
      assert.equal(tree.raw, text.trim());
      if (tree.type === 'object') for (const [k, m] of tree.members) assert.deepEqual(JSON.parse(m.raw), JSON.parse(text)[k]);
    }),
    { numRuns: 500 },
  );
});

test('integers above 2^53 keep every digit', () => {
  const tree = parseJson('{"ModifiedBy":288263728720249833,"n":[-9223372036854775808,1.5e300],"s":"\\u00e9\\n"}');
  assert.equal(tree.type, 'object');
  const m = (tree as { members: ReadonlyMap<string, JsonValue> }).members;
  assert.equal(m.get('ModifiedBy')!.raw, '288263728720249833');
  assert.equal(m.get('n')!.raw, '[-9223372036854775808,1.5e300]');
  assert.deepEqual(plain(m.get('s')!), 'é\n');
});

test('text that is not one JSON value is refused with the offset', () => {
  for (const bad of ['', '{', '{"a":1,}', '[1 2]', '{"a" 1}', '01', '"x', '{"a":1} x', '"\u0001"', '{a:1}', 'nul']) {
    assert.throws(() => parseJson(bad), (e: Error) => e instanceof JsonTextError && /^not a JSON text: .* at offset \d+$/.test(e.message), JSON.stringify(bad));
  }
  assert.throws(() => parseJson('['.repeat(70) + ']'.repeat(70)), /nesting deeper than 64/);
});
