/**
 * `output: ocsf` through sinks, end to end: LSS lines of every log type over the forward protocol into the whole
 * relay, OCSF 1.8.0 events out at the SIEM, each valid against the schema; a record without an OCSF class is a dead
 * letter with its reason, and the event's copy is counted in the in-flight budget.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { configSchema } from '../src/config/config.js';
import type { Delivery } from '../src/contract.js';
import { sampleRecords } from '../src/demo/sample-records.js';
import { ForwardClient, encodeForwardMessage } from '../src/forward/client.js';
import { parseJson } from '../src/ocsf/json.js';
import { RecordText } from '../src/shared/record-text.js';
import { FAST, relayTo } from './helpers/http-relay.js';
import { HttpTarget } from './helpers/http-target.js';
import { OcsfSchema, validateEvent } from './helpers/ocsf-schema.js';
import { startRelay } from './helpers/relay-under-test.js';
import { SplunkHecService } from './helpers/siem-services.js';

const schema = new OcsfSchema();
const samples = sampleRecords({ seed: 7 });
const stops: (() => Promise<void>)[] = [];
after(() => Promise.all(stops.map((stop) => stop())));

/** The event's problems against the OCSF schema, as text. */
function problems(json: string): string[] {
  return validateEvent(schema, parseJson(json)).map((problem) => `${problem.path}: ${problem.message}`);
}

test('the whole relay with an ocsf sink: every log type arrives as a valid OCSF event of its class, nothing dead-lettered', async () => {
  const target = await HttpTarget.create();
  stops.push(() => target.stop());
  const { port, stop, deadLetters } = await startRelay(target, { sink: { output: 'ocsf' } });
  stops.push(stop);
  const client = await ForwardClient.connect('127.0.0.1', port);
  for (const { id, line } of samples) await client.send(encodeForwardMessage(`zpa.${id}`, [{ log: line }]));
  client.close();
  const events = target.lines();
  assert.equal(events.length, 16);
  assert.deepEqual(deadLetters(), []);
  const classes = new Map<string, number>();
  for (const [i, event] of events.entries()) {
    assert.deepEqual(problems(event), [], event);
    const parsed = JSON.parse(event) as { class_uid: number; metadata: { log_name: string; product: { name: string } } };
    assert.equal(parsed.metadata.log_name, samples[i].record.logType);
    assert.equal(parsed.metadata.product.name, 'Zscaler Private Access');
    classes.set(samples[i].id, parsed.class_uid);
  }
  assert.equal(classes.get('user-activity'), 4001);
  assert.equal(classes.get('user-status'), 3002);
  assert.equal(classes.get('audit-log'), 3004);
  assert.equal(classes.get('browser-access'), 4002);
});

test('splunk_hec with output ocsf: each OCSF event is the event of its envelope, which HEC takes', async () => {
  const splunk = await SplunkHecService.start('t', ['main']);
  stops.push(() => splunk.stop());
  const relay = relayTo({ ...FAST, type: 'splunk_hec', output: 'ocsf', url: splunk.target.url('/services/collector/event'), token: 't' });
  await relay.dispatcher.submit(samples.map((sample) => sample.record), []);
  assert.deepEqual(splunk.refusals, []);
  assert.equal(splunk.events.length, 16);
  for (const event of splunk.events) assert.deepEqual(problems(JSON.stringify(event.event)), []);
  await relay.close();
});

test('a record without an OCSF class is a dead letter with the reason; the event\'s copy is counted while it waits', async () => {
  const target = await HttpTarget.create();
  stops.push(() => target.stop());
  target.respond = () => ({ status: 200, delayMs: 100 });
  const relay = relayTo({ ...FAST, type: 'ndjson', output: 'ocsf', url: target.url() });
  const unknown: Delivery = { text: RecordText.of('{"a":1}'), logType: 'Zscaler.ZPA.Nope', eventTimeMs: 0, tag: 'zpa.nope', source: 'fb' };
  const user = samples.find((sample) => sample.id === 'user-activity')!.record;
  const settled = relay.dispatcher.submit([user, unknown], []);
  assert.ok(relay.dispatcher.stats.inFlightBytes > user.text.size + 500, `the OCSF event (${relay.dispatcher.stats.inFlightBytes} bytes in flight) is counted`);
  await settled;
  const [letter, ...others] = relay.deadLetters();
  assert.deepEqual(others, []);
  assert.deepEqual([letter.reason, letter.detail, letter.sink, letter.log_type], ['ocsf', 'no OCSF mapping for log type Zscaler.ZPA.Nope', 'ndjson', 'Zscaler.ZPA.Nope']);
  assert.deepEqual(problems(target.lines()[0]), []);
  assert.equal(relay.sink.stats.recordsDeadLettered, 1);
  await relay.close();
});

test('dead letters may not go to an ocsf sink: they have no OCSF class', () => {
  const result = configSchema.safeParse({ dead_letter: { sink: 'lake' }, sinks: [{ type: 'ndjson', name: 'lake', url: 'https://lake.example.com', output: 'ocsf' }] });
  assert.equal(result.success, false);
  assert.match(result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n'), /^dead_letter\.sink: sink "lake" sends OCSF events, and a dead letter has no OCSF class/m);
  assert.match(JSON.stringify(configSchema.safeParse({ sinks: [{ type: 'ndjson', url: 'https://x', output: 'native' }] }).error?.issues), /"path":\["sinks",0,"output"\].*expected one of enriched, ocsf/);
});
