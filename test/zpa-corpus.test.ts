/**
 * The variant corpus: over 10,000 lines printed through random template variants (test/helpers/lss-variants.ts) of
 * all 16 log types in JSON, CSV and TSV, every specifier and time rendering, sent to the real relay over TCP with the
 * forward protocol (acks) and delivered to a real HTTP server. Properties: every line is delivered exactly once with
 * its log type; each value survives, typed where the schema allows, digit for digit above 2^53; each time is right
 * to the unit it was printed in (as far as its field's format holds); what a configured template declares is no
 * deviation; nothing is dead-lettered. The figures by class of variation are printed as the test's diagnostics.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { configSchema } from '../src/config/config.js';
import { EventTime } from '../src/forward/event-time.js';
import { ForwardClient, encodeForwardMessage } from '../src/forward/client.js';
import { Relay } from '../src/relay.js';
import { LssGenerator, loadSchemas, loadTemplates } from '../src/zpa/index.js';
import { JsonScanner, Members } from '../src/zpa/json-scan.js';
import { compileTimeFormat } from '../src/zpa/time.js';
import { HttpTarget } from './helpers/http-target.js';
import { variantCorpus, type Expected } from './helpers/lss-variants.js';

const VARIANTS_PER_FORMAT = 4;
const LINES_PER_VARIANT = 53;
/** Noon: a time printed without its date takes the entry's, and no record of the two minutes before crosses midnight. */
const BASE = Date.UTC(2026, 2, 5, 12, 0, 0);
const CTIME = compileTimeFormat('%a %b %e %H:%M:%S %Y');
const schemas = loadSchemas();
const defaults = loadTemplates();
const generator = new LssGenerator(schemas, defaults);
/** Deviations a line may carry: what its variant does differently from the schema, never a misread value. */
const DECLARED = new Set(['missing_required', 'event_time', 'key_name']);
const UNDECLARED = new Set([...DECLARED, 'time_format', 'number_format', 'bare_value']);

/** Each member's raw value token, by key: big integers compared digit for digit. */
function tokens(json: string): Map<string, string> {
  const members = new Members();
  new JsonScanner().scanObject(json, 0, members);
  const out = new Map<string, string>();
  for (let i = 0; i < members.count; i++) out.set(json.slice(members.keyStart[i], members.keyEnd[i]), json.slice(members.valueStart[i], members.valueEnd[i]));
  return out;
}

/** Epoch µs of an RFC 3339 text with up to 9 fraction digits. */
function isoUs(text: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(text)!;
  return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').slice(0, 6).padEnd(6, '0'));
}

function assertValue(expected: Expected, token: string | undefined, format: string, where: string): void {
  assert.ok(token !== undefined, `${where}: delivered`);
  switch (expected.kind) {
    case 'null':
      return assert.equal(token, 'null', where);
    case 'bigint':
      return assert.equal(token.replace(/^"|"$/g, ''), expected.digits, where);
    case 'float':
      return assert.equal(Number(token) + 0, expected.value + 0, where); // -0 is 0
    case 'string':
      return assert.equal(JSON.parse(token), expected.value, where);
    case 'array':
    case 'json':
      return assert.deepEqual(JSON.parse(token), expected.value, where);
    case 'time': {
      const text = JSON.parse(token) as string;
      if (format === 'rfc3339') return assert.equal(isoUs(text), expected.us, `${where}: ${text}`);
      return assert.equal(CTIME.parse(text), Math.floor(expected.us / 1e6) * 1000, `${where}: ${text}`);
    }
  }
}

test(`the variant corpus (${16 * 3 * VARIANTS_PER_FORMAT * LINES_PER_VARIANT} lines): through the relay over TCP, every line delivered once, typed, its time right; nothing dead-lettered`, async (t) => {
  const { lines, sends, templates } = variantCorpus({ schemas, defaults, generator, variantsPerFormat: VARIANTS_PER_FORMAT, linesPerVariant: LINES_PER_VARIANT, baseMs: BASE, seed: 20260305 });
  assert.ok(lines.length >= 10_000, `${lines.length} lines`);
  const target = await HttpTarget.create();
  const deadLetterPath = path.join(mkdtempSync(path.join(tmpdir(), 'zpa-corpus-')), 'dead.ndjson');
  const config = configSchema.parse({
    listen: { host: '127.0.0.1', port: 0 },
    zpa: { templates },
    dead_letter: { path: deadLetterPath },
    sinks: [{ type: 'ndjson', name: 'siem', url: target.url(), batch: { max_wait: '20ms' } }],
    ops: { enabled: false },
  });
  const relay = new Relay({ config, logger: pino({ level: 'silent' }) });
  const port = await relay.start();
  try {
    const client = await ForwardClient.connect('127.0.0.1', port);
    const time = EventTime.fromNumber(BASE / 1000);
    const acks: Promise<void>[] = [];
    for (const [tag, logLines] of sends) for (let i = 0; i < logLines.length; i += 500) acks.push(client.send(encodeForwardMessage(tag, logLines.slice(i, i + 500).map((log) => ({ log })), time)));
    await Promise.all(acks);
    client.close();
  } finally {
    await relay.stop(5000);
    await target.stop();
  }
  const dead = readFileSync(deadLetterPath, { encoding: 'utf8', flag: 'a+' }).split('\n').filter(Boolean);
  assert.deepEqual(dead.slice(0, 3), [], `${dead.length} dead letters`);

  const delivered = new Map<string, { json: string; record: Record<string, unknown> }[]>();
  for (const json of target.requests.flatMap((r) => r.text.split('\n').filter(Boolean))) {
    const record = JSON.parse(json) as Record<string, unknown>;
    const marker = Object.values(record).find((value) => typeof value === 'string' && value.startsWith('mark-')) as string;
    delivered.set(marker.trim(), [...(delivered.get(marker.trim()) ?? []), { json, record }]);
  }
  const figures = new Map<string, { clean: number; deviating: number; dead: number }>();
  const seen = new Set<string>();
  for (const line of lines) {
    const where = `${line.variant.id} ${line.variant.logType} ${line.variant.format} ${line.marker}`;
    const copies = delivered.get(line.marker) ?? [];
    assert.equal(copies.length, 1, `${where}: delivered exactly once`);
    const [{ json, record }] = copies;
    const schema = schemas.byId.get(line.variant.logType)!;
    assert.equal(record.p_log_type, schema.name, `${where}: log type`);
    const values = tokens(json);
    for (const [name, expected] of line.expected) assertValue(expected, values.get(name), schema.byKey.get(name)!.timeFormats[0]?.format ?? '', `${where} ${name} (${line.variant.fields.find((f) => f.field.name === name)?.spec})`);
    const deviations = (record.p_deviations ?? []) as { kind: string }[];
    const allowed = line.variant.configured ? DECLARED : UNDECLARED;
    for (const d of deviations) assert.ok(allowed.has(d.kind), `${where}: ${JSON.stringify(d)} (${line.variant.content})`);
    // Each class counts a line once, however many of its fields exercise it.
    const classes = new Set([...line.variant.classes, ...line.variant.fields.flatMap((f) => f.classes)]);
    for (const c of classes) {
      seen.add(c);
      const f = figures.get(c) ?? { clean: 0, deviating: 0, dead: 0 };
      if (deviations.length === 0) f.clean++;
      else f.deviating++;
      figures.set(c, f);
    }
  }
  // Every specifier and rendering of the format specification was printed.
  for (const c of ['spec:%s', 'spec:%j', 'spec:%J', 'spec:%d', 'spec:%x', 'spec:%#x', 'spec:%o', 'spec:%f', 'spec:%.2f', 'spec:%0Wd', 'spec:%+d', 'spec:"%J"', 'time:time', 'time:iso8601', 'time:epoch_s', 'time:epoch_ms', 'time:epoch_us', 'time:pieces', 'list', 'keycase', 'eventtype', 'syslog-prefix', 'drop-required', 'format:csv', 'format:tsv', 'format:json', 'unconfigured']) {
    assert.ok(seen.has(c), `${c} in the corpus`);
  }
  const total = { clean: 0, deviating: 0 };
  for (const line of lines) (delivered.get(line.marker)![0].record.p_deviations === undefined ? total.clean++ : total.deviating++);
  t.diagnostic(`${lines.length} lines: ${total.clean} delivered clean, ${total.deviating} delivered with deviations, ${dead.length} dead-lettered`);
  for (const [c, f] of [...figures].sort()) t.diagnostic(`${c.padEnd(22)} clean ${String(f.clean).padStart(6)}  with deviations ${String(f.deviating).padStart(6)}  dead-lettered ${f.dead}`);
});
