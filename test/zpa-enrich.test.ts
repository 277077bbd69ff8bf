/**
 * The enricher's shortcuts against what they stand for: ISO times without a Date per record (toISOString), JSON
 * strings without JSON.stringify when nothing needs escaping, and IPv4 recognised without node:net's regular
 * expression (isIP), and the appended fields written into the record arena, a value repeated across lists copied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { jsonString } from '../src/zpa/record-json.js';
import { IsoTime } from '../src/zpa/iso-time.js';
import { IndicatorSet, ipVersion } from '../src/zpa/indicators.js';
import { loadSchemas, seededRandom } from '../src/zpa/index.js';
import { Enricher } from '../src/zpa/enrich.js';
import { ByteArena } from '../src/shared/byte-arena.js';

const random = seededRandom(77);
const int = (n: number) => Math.floor(random() * n);

test('IsoTime.format is Date#toISOString, within and outside years 0000-9999', () => {
  const iso = new IsoTime();
  const edges = [0, -1, 1, 86_399_999, 86_400_000, -86_400_000, -62167219200000, -62167219200001, 253402300799999, 253402300800000, 8.64e15, -8.64e15, 1.5, -0.5, Date.UTC(2026, 10, 23, 23, 59, 59, 999)];
  const times = [...edges];
  for (let n = 0; n < 20000; n++) {
    const base = [Date.UTC(2026, 0, 1), 0, -62167219200000, 253402300799999][int(4)];
    times.push(base + Math.round((random() - 0.5) * [1000, 86_400_000, 400 * 86_400_000, 1e13][int(4)]));
    // Runs of the same day and of the same millisecond, as a stream has them.
    times.push(times[times.length - 1] + int(2000));
  }
  for (const ms of times) assert.equal(iso.format(ms), new Date(ms).toISOString(), String(ms));
});

test('jsonString is JSON.stringify for any string', () => {
  const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u0000', '\u001f', '\u007f', '\u00e9', '\u2028', '\ud83d\ude00', '\ud800', '\udfff', '\ufffd', '\u4e2d'];
  assert.equal(jsonString(''), '""');
  for (let n = 0; n < 20000; n++) {
    let s = '';
    for (let k = int(12); k > 0; k--) s += random() < 0.8 ? 'abc.example-1'[int(13)] : alphabet[int(alphabet.length)];
    assert.equal(jsonString(s), JSON.stringify(s), JSON.stringify(s));
  }
});

test('ipVersion is node:net isIP for any string', () => {
  const pieces = ['0', '1', '9', '10', '01', '00', '99', '100', '199', '200', '249', '250', '255', '256', '299', '300', '1000', '', 'a', ' ', '-1', '+1', '\u0661'];
  const samples = ['', '1.2.3.4', '255.255.255.255', '0.0.0.0', '1.2.3', '1.2.3.4.5', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4\n', '::1', '::', 'fe80::1%eth0', '2001:db8::1', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', 'host.example.com', 'a:b', '1.2.3.04', '127.000.0.1'];
  for (let n = 0; n < 20000; n++) {
    const parts = Array.from({ length: 3 + int(3) }, () => (random() < 0.7 ? String(int(256)) : pieces[int(pieces.length)]));
    samples.push(parts.join(random() < 0.9 ? '.' : ':'));
    const hex = () => int(65536).toString(16);
    samples.push(Array.from({ length: 2 + int(7) }, hex).join(':').replace(random() < 0.3 ? /:0?:/ : /^$/, '::'));
  }
  let v4 = 0;
  let v6 = 0;
  for (const s of samples) {
    const expected = isIP(s);
    if (expected === 4) v4++;
    if (expected === 6) v6++;
    assert.equal(ipVersion(s), expected, JSON.stringify(s));
  }
  assert.ok(v4 > 1000 && v6 > 1000, `${v4} IPv4, ${v6} IPv6 samples`);
});

test('the appended fields, one value in several lists, are exact wherever the record moves to a new slab', () => {
  const schema = loadSchemas().byId.get('audit-log')!;
  const enricher = new Enricher();
  const ctx = { tag: 'zpa.audit', address: '10.0.0.1', source: 'connector-1' };
  const values = ['ana@example.com', 'o\'brien "ob"@example.com', 'caf\u00e9@example.com', 'x@y.example'];
  let moved = 0;
  for (let n = 0; n < 600; n++) {
    const indicators = new IndicatorSet();
    const mine = values.slice(0, 1 + int(values.length));
    for (const v of mine) for (const kind of ['email', 'username', 'actor_id'] as const) indicators.add(kind, v);
    // A small slab, already holding part of another text: the record's tail crosses into a new slab anywhere.
    const arena = new ByteArena(256);
    arena.begin();
    arena.ascii('-'.repeat(int(250)));
    const slab = arena.slab;
    const start = arena.begin();
    arena.ascii('{"a":1');
    enricher.write(arena, schema, Date.UTC(2026, 0, 5), Date.UTC(2026, 0, 6), indicators, ctx, '', []);
    if (arena.slab !== slab || arena.begun !== start) moved++;
    const record = JSON.parse(arena.slab.toString('utf8', arena.begun, arena.pos)) as Record<string, unknown>;
    const emails = mine.filter((v) => /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v));
    assert.deepEqual(record.p_any_emails, emails.length > 0 ? emails : undefined, JSON.stringify(mine));
    assert.deepEqual(record.p_any_usernames, mine);
    assert.deepEqual(record.p_any_actor_ids, mine);
    assert.equal(record.p_event_time, '2026-01-05T00:00:00.000Z');
  }
  assert.ok(moved > 100, `${moved} records moved to a new slab`);
});
