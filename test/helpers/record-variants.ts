/**
 * Two readings of one record compared: the outcome without what differs from run to run, and variants of a JSON line
 * that a path reading it must decide as the reference does. Test code only.
 */
import assert from 'node:assert/strict';
import { isFailure, type Outcome } from '../../src/contract.js';
import type { FieldSpec } from '../../src/zpa/index.js';
import { JsonScanner, Members } from '../../src/zpa/json-scan.js';

/**
 * The outcome without what differs from run to run: row id, parse time, and an event time taken from the parse time.
 * `sameRows`: both processors were given the same records, so their row ids differ only in their random base.
 */
export function comparable(outcome: Outcome, sameRows = false): unknown {
  if (isFailure(outcome)) return outcome;
  const json = JSON.parse(outcome.text.json) as Record<string, unknown>;
  const eventFromParse = json.p_event_time === json.p_parse_time;
  // Row ids: a random base per processor, then a counter, which two processors given the same records keep alike.
  if (sameRows) json.p_row_id = String(json.p_row_id).slice(16);
  else delete json.p_row_id;
  delete json.p_parse_time;
  if (eventFromParse) delete json.p_event_time;
  // Key order and the record as received (the text head) matter too: compare the text with the variable members blanked.
  const blank = (text: string) => text.replace(sameRows ? /"p_row_id":"[0-9a-f]{16}/ : /"p_row_id":"[0-9a-f]+"/, '').replace(/"p_parse_time":"[^"]*"/, '').replace(eventFromParse ? /"p_event_time":"[^"]*"/ : /^$/, '');
  // And the bytes as they go on the wire, one character per byte: invalid UTF-8 and its replacement read alike.
  const bytes = Buffer.alloc(outcome.text.byteLength);
  outcome.text.writeTo(bytes, 0);
  return { json, text: blank(outcome.text.json), bytes: blank(bytes.toString('latin1')), logType: outcome.logType, eventTimeMs: eventFromParse ? 'parse time' : outcome.eventTimeMs, record: String(outcome.text.head) };
}

const scanner = new JsonScanner();
const members = new Members();

/** Variants of a JSON line, each a way a record can differ from the previous one of its stream. */
export function mutations(line: string, schemaFields: ReadonlyMap<string, FieldSpec>, random: () => number): string[] {
  assert.equal(scanner.scanObject(line, 0, members), line.length);
  const n = members.count;
  const out: string[] = [line, ` ${line} `, `${line}\r\n`, line.replace(/":/g, '" : '), line.replace(/,"/g, ',\n\t"'), `${line} x`, line.slice(0, -1), line.slice(0, line.length >> 1)];
  const pick = () => Math.floor(random() * n);
  const key = (i: number) => line.slice(members.keyStart[i], members.keyEnd[i]);
  const value = (i: number) => line.slice(members.valueStart[i], members.valueEnd[i]);
  const replaceValue = (i: number, v: string) => line.slice(0, members.valueStart[i]) + v + line.slice(members.valueEnd[i]);
  const replaceKey = (i: number, k: string) => line.slice(0, members.keyStart[i]) + k + line.slice(members.keyEnd[i]);
  for (let i = 0; i < n; i++) {
    const field = schemaFields.get(key(i));
    const v = value(i);
    const content = v.startsWith('"') ? v.slice(1, -1) : v;
    const variants = ['""', 'null', '0', '-1', '1.5', '1e3', '"12"', '"1.5"', '"x"', 'true', '[]', '["a",1]', '{}', '{"a":[1,"b"]}', '9223372036854775808', '-9223372036854775808', '"9223372036854775807"'];
    if (field?.type === 'timestamp') variants.push('"Thu Oct 7 10:40:00 2021"', '"Thu Oct  7 10:40:00 2021"', '"2021-02-29T00:00:00Z"', '"2021-10-07T10:40:00+02:00"', '"2021-10-07T10:40:00.1234Z"', '1633603200');
    if (v.startsWith('"')) variants.push(`"${content}\\n"`, `"\\u0041${content}"`, `"${content}\u0001"`, `"${content}\\x"`, `"${content}\u00e9\u4e2d"`);
    for (const w of variants) if (random() < 0.06) out.push(replaceValue(i, w));
    if (random() < 0.05) out.push(replaceKey(i, `${key(i)}x`));
    if (random() < 0.05) out.push(replaceKey(i, `\\u00${key(i).charCodeAt(0).toString(16)}${key(i).slice(1)}`));
  }
  // Structure: a member removed, two swapped, one duplicated, one added.
  const a = pick();
  const b = pick();
  const member = (i: number) => line.slice(members.keyStart[i] - 1, members.valueEnd[i]);
  const removed = a + 1 < n ? line.slice(0, members.keyStart[a] - 1) + line.slice(members.keyStart[a + 1] - 1) : line.slice(0, line.lastIndexOf(',', members.keyStart[a])) + '}';
  out.push(removed, line.slice(0, -1) + ',' + member(a) + '}', line.slice(0, -1) + ',"Extra":"x"}');
  if (a !== b) {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    out.push(line.slice(0, members.keyStart[lo] - 1) + member(hi) + line.slice(members.valueEnd[lo], members.keyStart[hi] - 1) + member(lo) + line.slice(members.valueEnd[hi]));
  }
  return out;
}

