/**
 * JSON documents inside JSON strings (an audit record's old and new values), checked where they lie and decoded from
 * the line's bytes as the record is written. The reference is the general path: decode the string (JSON.parse), read
 * the text. Whatever the document holds, escaped once or twice, valid or broken, the record must come out as the
 * decoded text makes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteArena } from '../src/shared/byte-arena.js';
import { EscapedDocument, writeDecoded } from '../src/zpa/escaped-document.js';
import { JsonScanner, minifyJson } from '../src/zpa/json-scan.js';
import { LssGenerator, loadSchemas, seededRandom, ZpaProcessor } from '../src/zpa/index.js';
import { isFailure, type Outcome } from '../src/contract.js';

const schemas = loadSchemas();
const ctx = { tag: 'zpa.lss', address: '127.0.0.1:1', source: '127.0.0.1:1' };

/** Characters a document's strings hold: the ones JSON escapes, the slash, non-ASCII, a code that looks like an escape. */
const PIECES = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\t', '\u0000', '\u001f', '\u007f', '\u00e9', '\u4e2d', '\u{1f600}', '\u2028', 'u00', '\\u', '{', ']', ':', ','];

function randomString(rand: () => number): string {
  let s = '';
  for (let n = Math.floor(rand() * 6); n > 0; n--) s += PIECES[Math.floor(rand() * PIECES.length)];
  return s;
}

function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 3 || r < 0.3) return randomString(rand);
  if (r < 0.4) return Math.floor(rand() * 2e6) - 1e6;
  if (r < 0.45) return [1.5e-7, -0, 0.25, 12345678901234567890][Math.floor(rand() * 4)];
  if (r < 0.55) return [true, false, null][Math.floor(rand() * 3)];
  if (r < 0.75) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, () => [randomString(rand), randomValue(rand, depth + 1)]));
}

/** A compact document; some with their slashes escaped (`\/`), which JSON allows and JSON.stringify never writes. */
function randomDocument(rand: () => number): string {
  const top = rand() < 0.7 ? { id: String(Math.floor(rand() * 1e9)), v: randomValue(rand, 1) } : [randomValue(rand, 1)];
  const doc = JSON.stringify(top);
  return rand() < 0.3 ? doc.replaceAll('/', '\\/') : doc;
}

/** The string token holding `doc`, its slashes escaped too, sometimes. */
function token(doc: string, rand: () => number): string {
  const t = JSON.stringify(doc);
  return rand() < 0.3 ? t.replaceAll('/', '\\/') : t;
}

/** What the general path (FieldCheck) makes of a string token: the decoded text, minified, when it is a document. */
function reference(tok: string): string | undefined {
  const text = JSON.parse(tok) as string;
  return /^[{[ ]/.test(text) ? minifyJson(new JsonScanner(), text) : undefined;
}

function decodedBytes(tok: string): string {
  const bytes = Buffer.from(tok);
  const arena = new ByteArena(64);
  arena.begin();
  writeDecoded(arena, bytes, 1, bytes.length - 1);
  return arena.slab.toString('utf8', arena.begun, arena.pos);
}

test('every compact document, escaped once or twice, is read in place and decodes to its own text', () => {
  const rand = seededRandom(11);
  const doc = new EscapedDocument();
  for (let n = 0; n < 3000; n++) {
    const text = randomDocument(rand);
    const tok = token(text, rand);
    // The check reads the line as Latin-1, one character per byte, as the byte path does.
    const latin1 = Buffer.from(tok).toString('latin1');
    assert.ok(doc.valid(latin1, 1, latin1.length - 1), `valid: ${tok}`);
    assert.equal(decodedBytes(tok), text, tok);
  }
});

test('a broken, spaced or otherwise escaped document is never read in place, so the general path decides', () => {
  const rand = seededRandom(12);
  const doc = new EscapedDocument();
  const alphabet = ['\\', '"', '{', '}', '[', ']', ',', ':', ' ', '1', '-', '.', 'e', 'n', 't', 'f', '/', 'u', 'x', '0'];
  let inPlace = 0;
  let refused = 0;
  for (let n = 0; n < 20000; n++) {
    let tok = token(randomDocument(rand), rand);
    // One to three edits inside the quotes.
    for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
      const at = 1 + Math.floor(rand() * (tok.length - 1));
      const cut = rand() < 0.5 ? 1 : 0;
      tok = tok.slice(0, at) + (rand() < 0.7 ? alphabet[Math.floor(rand() * alphabet.length)] : '') + tok.slice(Math.min(at + cut, tok.length - 1));
    }
    const latin1 = Buffer.from(tok).toString('latin1');
    // The scanner only asks about a string token it read: one quote at each end, none between.
    let isToken = false;
    try {
      isToken = typeof JSON.parse(tok) === 'string' && tok.startsWith('"') && tok.endsWith('"');
    } catch {
      isToken = false;
    }
    // A cut through a surrogate pair is no text that UTF-8 bytes can hold.
    if (!isToken || Buffer.from(tok).toString('utf8') !== tok) continue;
    const expected = reference(tok);
    if (doc.valid(latin1, 1, latin1.length - 1)) {
      inPlace++;
      assert.notEqual(expected, undefined, `read in place, but the general path keeps the string: ${tok}`);
      assert.equal(decodedBytes(tok), expected, tok);
    } else {
      refused++;
    }
  }
  assert.ok(inPlace > 1000 && refused > 1000, `${inPlace} read in place, ${refused} left to the general path`);
  // Valid documents, spaced or with an escape of the string other than \" \\ \/: left to the general path.
  for (const text of ['{"a": 1}', '{"a":1}\n', '{"a":"\t"}', '[1, 2]']) {
    const tok = JSON.stringify(text);
    assert.ok(!doc.valid(tok, 1, tok.length - 1), tok);
  }
  for (const tok of ['"{\\"a\\":\\u0031}"', '"{\\u0022a\\":1}"']) assert.ok(!doc.valid(tok, 1, tok.length - 1), tok);
  // An escape of the document's own (\u0041 inside its string) is its text, read in place.
  const own = JSON.stringify('["\\u0041"]');
  assert.ok(doc.valid(own, 1, own.length - 1), own);
  assert.equal(decodedBytes(own), '["\\u0041"]');
});

/** The outcome without its row id and parse time, which differ between two runs. */
function comparable(outcome: Outcome): unknown {
  if (isFailure(outcome)) return outcome;
  return { logType: outcome.logType, deviations: outcome.deviations, json: outcome.text.json.replace(/"p_row_id":"[0-9a-f]+","p_event_time":"[^"]*","p_parse_time":"[^"]*"/, '') };
}

test('audit records with any documents come out of the byte path as the decoded text makes them, and are written as such', () => {
  const generator = new LssGenerator(schemas);
  const rand = seededRandom(13);
  const bytesPath = new ZpaProcessor(schemas);
  const textPath = new ZpaProcessor(schemas);
  let objects = 0;
  for (let n = 0; n < 400; n++) {
    const line = generator.line('audit-log', 'json', rand);
    const oldValue = n % 5 === 0 ? JSON.stringify(JSON.stringify({ a: 1 }, null, 1)) : token(randomDocument(rand), rand);
    const newValue = n % 7 === 0 ? '"not a document"' : token(randomDocument(rand), rand);
    const edited = line.replace(/"AuditOldValue": ?"(?:[^"\\]|\\.)*"/, `"AuditOldValue":${oldValue}`).replace(/"AuditNewValue": ?"(?:[^"\\]|\\.)*"/, `"AuditNewValue":${newValue}`);
    assert.notEqual(edited, line);
    const bytes = Buffer.from(`xx${edited}\n`);
    const viaBytes = bytesPath.processBytes(bytes, 2, bytes.length, ctx);
    const viaText = textPath.processLine(edited, ctx);
    assert.deepEqual(comparable(viaBytes), comparable(viaText), edited);
    assert.ok(!isFailure(viaBytes));
    const body = Buffer.alloc(viaBytes.text.byteLength);
    assert.equal(viaBytes.text.writeTo(body, 0), body.length);
    assert.equal(body.toString('utf8'), viaBytes.text.json);
    const record = JSON.parse(viaBytes.text.json) as { AuditOldValue: unknown; AuditNewValue: unknown };
    assert.deepEqual(record.AuditOldValue, JSON.parse(JSON.parse(oldValue) as string));
    if (typeof record.AuditNewValue === 'object') objects++;
  }
  assert.ok(objects > 300, `${objects} new values decoded`);
});
