/** Record accounting in /metrics: received = delivered + dead-lettered + returned + in flight at every scrape. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { configSchema } from '../src/config/config.js';
import { ForwardClient, encodeForwardMessage } from '../src/forward/client.js';
import { relayMetrics } from '../src/ops/relay-metrics.js';
import { snapshotOf } from '../src/ops/snapshot.js';
import { Relay } from '../src/relay.js';
import { LssGenerator, seededRandom } from '../src/zpa/index.js';
import { until } from './helpers/http-relay.js';
import { HttpTarget } from './helpers/http-target.js';

/** Samples of one metric family in Prometheus text, as `labels → value`. */
function samples(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = new RegExp(`^zpa_relay_${name}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (match) found.set(match[1] ?? '', Number(match[2]));
  }
  return found;
}

const total = (text: string, name: string) => [...samples(text, name).values()].reduce((a, b) => a + b, 0);

/** received = delivered + dead-lettered + returned + in flight, as a scrape of /metrics shows them. */
function identity(text: string): { received: number; accounted: number } {
  const accounted = total(text, 'records_delivered_total') + total(text, 'records_dead_lettered_total') + total(text, 'records_returned_total') + total(text, 'in_flight_records');
  return { received: total(text, 'records_received_total'), accounted };
}

test('every record received is delivered, dead-lettered, returned or in flight, at every scrape of a mixed run', async () => {
  // "siem" takes User Activity and User Status and answers 400 to a batch holding a 400 marker, 2 s late to one
  // holding "slow"; "archive" takes User Activity too (each such record goes to both) and answers 400 to the
  // "both" marker only; Browser Access goes nowhere.
  const siem = await HttpTarget.create();
  siem.respond = (request) => (request.text.includes('marker-400') ? { status: 400, body: 'bad' } : { status: 200, body: '{}', delayMs: request.text.includes('slow-') ? 2000 : 0 });
  const archive = await HttpTarget.create();
  archive.respond = (request) => (request.text.includes('marker-400-both') ? { status: 400, body: 'bad' } : { status: 200, body: '{}' });
  const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-outcomes-'));
  const fast = { batch: { max_wait: '10ms' }, retry: { initial_delay: 10, max_delay: 50 } };
  const config = configSchema.parse({
    listen: { host: '127.0.0.1', port: 0 },
    dead_letter: { path: path.join(dir, 'dead.ndjson') },
    sinks: [
      { type: 'ndjson', name: 'siem', url: siem.url(), log_types: ['Zscaler.ZPA.UserActivity', 'Zscaler.ZPA.UserStatus'], ...fast },
      { type: 'ndjson', name: 'archive', url: archive.url(), log_types: ['Zscaler.ZPA.UserActivity'], ...fast },
    ],
    ops: { enabled: false },
  });
  const relay = new Relay({ config, logger: pino({ level: 'silent' }) });
  const port = await relay.start();

  // Scrape on every turn of the event loop while the run goes on.
  let scrapes = 0;
  const broken: string[] = [];
  let scraping = true;
  const scrape = () => {
    const { received, accounted } = identity(relayMetrics(snapshotOf(relay)));
    scrapes++;
    if (received !== accounted) broken.push(`${received} received, ${accounted} accounted for`);
    if (scraping) setImmediate(scrape);
  };
  scrape();

  try {
    const generator = new LssGenerator();
    const random = seededRandom(11);
    const lines = (logType: string, n: number, edit = (line: string) => line) => Array.from({ length: n }, () => ({ log: edit(generator.line(logType, 'json', random)) }));
    const customer = (value: string) => (line: string) => line.replace(/"Customer":\s*"[^"]*"/, `"Customer": "${value}"`);
    const client = await ForwardClient.connect('127.0.0.1', port);
    // Valid User Activity (to both sinks) and two without a required field (delivered too, their deviation listed).
    await client.send(encodeForwardMessage('zpa.user-activity', [...lines('user-activity', 5), ...lines('user-activity', 2, (line) => line.replace(/"InternalReason":\s*"[^"]*",?/, ''))]));
    await client.send(encodeForwardMessage('zpa.user-status', lines('user-status', 4)));
    // No sink takes Browser Access.
    await client.send(encodeForwardMessage('zpa.browser-access', lines('browser-access', 3)));
    // "siem" gives up on these (400) while "archive" delivers them: each counts once, as dead-lettered.
    await client.send(encodeForwardMessage('zpa.user-activity', lines('user-activity', 3, customer('marker-400'))));
    // Both sinks give up on these: still one dead-lettered record each.
    await client.send(encodeForwardMessage('zpa.user-activity', lines('user-activity', 2, customer('marker-400-both'))));
    // Lines that are not ZPA records at all.
    await client.send(encodeForwardMessage('zpa.none', [{ log: 'not a log line' }, { log: '{"half": ' }]));
    // The sender gives up before the ack (closes its connection): these are returned, and sent again later.
    const impatient = await ForwardClient.connect('127.0.0.1', port);
    impatient.send(encodeForwardMessage('zpa.user-status', lines('user-status', 2, customer('slow-1')))).catch(() => undefined);
    await until(() => siem.requests.some((request) => request.text.includes('slow-1')));
    impatient.close();
    await until(() => snapshotOf(relay).dispatcher.inFlightRecords === 0, 10_000);
    client.close();
  } finally {
    scraping = false;
    await relay.stop(2000);
    await siem.stop();
    await archive.stop();
  }

  assert.ok(scrapes > 50, `${scrapes} scrapes`);
  assert.deepEqual(broken, [], 'the identity broke at some scrapes');
  const text = relayMetrics(snapshotOf(relay));
  const UA = 'log_type="Zscaler.ZPA.UserActivity"';
  const US = 'log_type="Zscaler.ZPA.UserStatus"';
  const BA = 'log_type="Zscaler.ZPA.BrowserAccess"';
  assert.deepEqual(Object.fromEntries(samples(text, 'records_received_total')), { [`{${UA}}`]: 12, [`{${US}}`]: 6, [`{${BA}}`]: 3, '{log_type="unknown"}': 2 });
  assert.deepEqual(Object.fromEntries(samples(text, 'records_delivered_total')), { [`{${UA}}`]: 7, [`{${US}}`]: 4 });
  assert.deepEqual(Object.fromEntries(samples(text, 'records_dead_lettered_total')), {
    [`{${BA},reason="no_matching_sink"}`]: 3,
    [`{${UA},reason="http_400"}`]: 5,
    '{log_type="unknown",reason="unparsable"}': 1,
    '{log_type="unknown",reason="unclassified"}': 1,
  });
  assert.deepEqual(Object.fromEntries(samples(text, 'records_returned_total')), { [`{${US},reason="abandoned"}`]: 2 });
  assert.equal(total(text, 'in_flight_records'), 0);
  // The per-sink views count each sink's own: "archive" delivered the three "siem" refused, and each sink wrote its
  // own dead letters for the two both refused.
  assert.equal(samples(text, 'sink_records_delivered_total').get(`{sink="archive",${UA}}`), 10);
  assert.equal(samples(text, 'record_deviations_total').get(`{${UA},kind="missing_required"}`), 2);
  assert.equal(samples(text, 'dead_letters_total').get(`{${UA},reason="http_400"}`), 7);
});
