/**
 * `dead_letter.sink`: dead letters delivered to a configured sink as records of their own log type, under the ack
 * contract (a message is acked only once its dead letters are delivered too), the file the fallback when that sink
 * gives up. A real relay, the real forward client, a real HTTP target.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { ForwardClient, encodeForwardMessage } from '../src/forward/client.js';
import { relayMetrics } from '../src/ops/relay-metrics.js';
import { snapshotOf } from '../src/ops/snapshot.js';
import { stateAfter, until } from './helpers/http-relay.js';
import { HttpTarget } from './helpers/http-target.js';
import { startRelay } from './helpers/relay-under-test.js';

const NOT_ZPA = 'this line is not a ZPA record at all';

/** The relay with `dead_letter.sink: siem`, retries short enough that giving up takes a moment. */
const withDeadLetterSink = (target: HttpTarget) => startRelay(target, { dead_letter: { sink: 'siem' }, sink: { retry: { initial_delay: 10, max_delay: 50, max_age: '300ms' } } });

describe('dead letters delivered to a sink', () => {
  it('go to the named sink as ZpaRelay.DeadLetter records with reason, detail, raw line, tag, sender and time; the ack waits for them', async () => {
    const target = await HttpTarget.create();
    target.respond = () => ({ status: 200, body: '{}', delayMs: 300 });
    const { relay, port, deadLetters: fileLetters, stop } = await withDeadLetterSink(target);
    try {
      const client = await ForwardClient.connect('127.0.0.1', port);
      const before = Date.now();
      const acked = client.send(encodeForwardMessage('zpa.misc', [{ log: NOT_ZPA }]));
      await until(() => target.requests.length > 0);
      assert.equal(await stateAfter(acked, 150), 'pending', 'no ack before the SIEM took the dead letter');
      await acked;
      client.close();
      const records = target.requests.flatMap((r) => r.text.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as Record<string, string>);
      assert.equal(records.length, 1);
      const letter = records[0];
      assert.deepEqual(
        { reason: letter.reason, detail: letter.detail, raw: letter.raw, tag: letter.tag, source: letter.source, p_log_type: letter.p_log_type },
        { reason: 'unparsable', detail: 'no JSON object and no LSS CSV/TSV prefix in the line', raw: NOT_ZPA, tag: 'zpa.misc', source: '127.0.0.1', p_log_type: 'ZpaRelay.DeadLetter' },
      );
      assert.ok(Date.parse(letter.time) >= before - 1 && Date.parse(letter.time) <= Date.now());
      assert.equal(letter.p_event_time, letter.time);
      assert.deepEqual(fileLetters(), [], 'nothing in the file');
      const metrics = relayMetrics(snapshotOf(relay));
      assert.match(metrics, /zpa_relay_dead_letters_to_sink_total 1/);
      assert.match(metrics, /zpa_relay_dead_letters_total\{log_type="unknown",reason="unparsable"\} 1/);
    } finally {
      await stop();
      await target.stop();
    }
  });

  it('fall back to the file when that sink gives up on them; the message is acked once they are written', async () => {
    const target = await HttpTarget.create();
    target.respond = () => ({ status: 400, body: 'rejected' });
    const { relay, port, deadLetters: fileLetters, stop } = await withDeadLetterSink(target);
    try {
      const client = await ForwardClient.connect('127.0.0.1', port);
      await client.send(encodeForwardMessage('zpa.misc', [{ log: NOT_ZPA }]));
      client.close();
      const [written] = fileLetters();
      assert.equal(written.reason, 'http_400');
      assert.equal(written.sink, 'siem');
      assert.equal(written.log_type, 'ZpaRelay.DeadLetter');
      assert.equal((JSON.parse(written.raw as string) as Record<string, string>).raw, NOT_ZPA, 'the dead letter the sink refused, raw line and all');
      const metrics = relayMetrics(snapshotOf(relay));
      assert.match(metrics, /zpa_relay_dead_letters_fell_back_total 1/);
      // One record received, one dead-lettered: the dead letter the sink refused is not a second one.
      assert.match(metrics, /zpa_relay_records_received_total\{log_type="unknown"\} 1\n/);
      assert.deepEqual(metrics.match(/^zpa_relay_records_dead_lettered_total\{.*$/gm), ['zpa_relay_records_dead_lettered_total{log_type="unknown",reason="unparsable"} 1']);
    } finally {
      await stop();
      await target.stop();
    }
  });

  it('a dead_letter.sink that names no configured sink stops start-up naming the key', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'zpa-relay-dl-')), 'config.yaml');
    writeFileSync(file, 'dead_letter:\n  sink: siem\nsinks:\n  - {type: file, name: out, path: "-"}\n');
    assert.throws(() => loadConfig(file, {}), (error: unknown) => error instanceof ConfigError && /dead_letter\.sink: no sink named "siem" \(the sinks: out\)/.test(error.message));
  });
});
