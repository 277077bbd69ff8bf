/** The in-flight byte budget: what an unsettled message holds, counted until it settles. */
import { RecordText } from '../src/shared/record-text.js';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { configSchema } from '../src/config/config.js';
import { ForwardClient, encodeForwardMessage } from '../src/forward/client.js';
import { Dispatcher } from '../src/pipeline/dispatcher.js';
import { Relay } from '../src/relay.js';
import { DeadLetterWriter } from '../src/sinks/dead-letter.js';
import type { Delivery, Settlement, Sink } from '../src/contract.js';
import { emptySinkStats } from '../src/sinks/common.js';
import { LssGenerator, seededRandom } from '../src/zpa/index.js';
import { until } from './helpers/http-relay.js';
import { HttpTarget } from './helpers/http-target.js';

const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-memory-'));

/** A sink that holds every record until the test settles it. */
class HeldSink implements Sink {
  readonly name = 'held';
  readonly stats = emptySinkStats();
  readonly held: Settlement[] = [];
  accepts(): boolean {
    return true;
  }
  write(_record: Delivery, settlement: Settlement): void {
    this.held.push(settlement);
  }
  flush(): void {}
  async close(): Promise<void> {}
}

const delivery: Delivery = { text: RecordText.of('{"n":1}'), logType: 'Zscaler.ZPA.UserActivity', eventTimeMs: 0, tag: 'zpa.user', source: 'fb-1' };

describe('the in-flight byte budget counts what an unsettled message really holds', () => {
  it('defaults to 32 MiB', () => {
    assert.equal(configSchema.parse({}).pipeline.max_in_flight_bytes, 32 * 1024 * 1024);
  });

  it('the request bytes of a message count until it settles, and fill the budget on their own', async () => {
    const sink = new HeldSink();
    const deadLetter = new DeadLetterWriter({ path: path.join(dir, 'dead-1.ndjson'), fsync: false });
    const dispatcher = new Dispatcher({ sinks: [sink], deadLetter, maxInFlightRecords: 1000, maxInFlightBytes: 10_000 });
    const settled = dispatcher.submit([delivery], [], { requestBytes: 9_000 });
    assert.equal(dispatcher.stats.inFlightBytes, 9_000 + delivery.text.size);
    assert.equal(dispatcher.saturated, false);
    dispatcher.submit([delivery], [], { requestBytes: 2_000 });
    assert.equal(dispatcher.saturated, true, 'two small records in requests of 11 kB fill a 10 kB budget');
    for (const settlement of sink.held) settlement.settle();
    await settled;
    assert.equal(dispatcher.stats.inFlightBytes, 0);
    assert.equal(dispatcher.saturated, false);
    await dispatcher.close(100);
  });

  it('the relay charges each forward message its size on the wire, and records that are views of it once', async () => {
    const target = await HttpTarget.create();
    target.respond = () => ({ status: 200, body: '{}', delayMs: 400 });
    const config = configSchema.parse({
      listen: { host: '127.0.0.1', port: 0 },
      dead_letter: { path: path.join(dir, 'dead-2.ndjson') },
      sinks: [{ type: 'ndjson', name: 'siem', url: target.url(), batch: { max_wait: '10ms' } }],
      ops: { enabled: false },
    });
    const relay = new Relay({ config, logger: pino({ level: 'silent' }) });
    const port = await relay.start();
    const client = await ForwardClient.connect('127.0.0.1', port);
    try {
      const generator = new LssGenerator();
      const random = seededRandom(7);
      const records = Array.from({ length: 20 }, () => ({ log: generator.line('user-activity', 'json', random) }));
      const request = encodeForwardMessage('zpa.user-activity', records);
      const acked = client.send(request);
      await until(() => relay.dispatcher.stats.inFlightMessages === 1);
      // The request counts whole; the records read from it are views of it, so their text does not count again (only
      // the standard fields the relay appends, and a coerced record's own copy).
      const text = records.reduce((sum, record) => sum + record.log.length, 0);
      const inFlight = relay.dispatcher.stats.inFlightBytes;
      assert.ok(inFlight >= request.bytes.length && inFlight < request.bytes.length + text, `in-flight bytes ${inFlight}: request ${request.bytes.length}, text ${text}`);
      await acked;
      assert.equal(relay.dispatcher.stats.inFlightBytes, 0);
    } finally {
      client.close();
      await relay.stop(2000);
      await target.stop();
    }
  });
});
