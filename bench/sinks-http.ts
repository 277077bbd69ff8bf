/** HTTP sink throughput and memory: Dispatcher → HttpSink (preset framing, gzip, undici) → a loopback HTTP target. */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Delivery } from '../src/contract.js';
import type { Dispatcher } from '../src/pipeline/dispatcher.js';
import { RecordText } from '../src/shared/record-text.js';
import { command, positive } from '../test/harness/command.js';
import { relayTo } from '../test/helpers/http-relay.js';

const USAGE = `
npm run bench:sinks -- [records, default 100000]        (node --expose-gc dist/bench/sinks-http.js)

Relay throughput and memory, measured end to end: Dispatcher → HttpSink (preset framing, gzip, undici) → a loopback
HTTP server that reads every body and answers 200, one line per preset and compression: the rate, and the process's
CPU time per record (every thread: the relay, zlib's pool and the target's thread), which a busy machine moves less. Then the memory case: the
target is down, the budget fills, the relay retries; the heap is sampled to show it stays flat while the sink is down.
`;

const TOTAL = positive('records', command(USAGE, {}, true).positionals[0] ?? '100000');
const PER_MESSAGE = 500; // records per forward message, as Fluent Bit chunks are
/** The dispatcher's in-flight budget. */
const BUDGET = { records: 20_000, bytes: 1 << 30 };

/** A ~2 KB record as received, ZPA UserActivity-like, varying per seq so compression sees realistic repetition. */
function receivedLine(seq: number): string {
  const fields = Array.from({ length: 40 }, (_, i) => `"Field${i}":"value-${(seq * 7 + i) % 1000}-${'abcdefghij'.slice(0, (seq + i) % 10)}"`).join(',');
  return `{"seq":${seq},"AuditId":9007199254740993${seq % 10},"Count":"${seq % 100}","LogTimestamp":"Mon Nov 23 06:00:00 2026",${fields},"Pad":"${'x'.repeat(900)}"}`;
}

/**
 * One forward message's records as the processor hands them over on its byte path: views of the request's bytes up
 * to each closing brace, with the relay's appended fields as the tail, and the whole line as received (what native
 * output sends to Elastic); every fourth record has its quoted `Count` coerced to a number (an edit over the view).
 */
function message(first: number): Delivery[] {
  const lines = Array.from({ length: PER_MESSAGE }, (_, i) => receivedLine(first + i));
  const request = Buffer.from(lines.join('\n'));
  let start = 0;
  return lines.map((line, i) => {
    const seq = first + i;
    const end = start + Buffer.byteLength(line);
    const tail = `,"p_log_type":"Zscaler.ZPA.UserActivity","p_row_id":"${seq.toString(16).padStart(24, '0')}","p_parse_time":"2026-11-23T06:00:00.000Z"}`;
    let edits: (number | string)[] | undefined;
    if (seq % 4 === 0) {
      const value = start + line.indexOf('"Count":"') + 8;
      edits = [value, value + String(seq % 100).length + 2, String(seq % 100)];
    }
    const text = RecordText.view(request, start, end - 1, tail, edits, start, end);
    start = end + 1;
    return { text, logType: 'Zscaler.ZPA.UserActivity', eventTimeMs: 1_795_413_600_000 + seq, tag: 'zpa.user', source: 'fb-0' };
  });
}
const messages = Array.from({ length: Math.ceil(TOTAL / PER_MESSAGE) }, (_, m) => message(m * PER_MESSAGE));
const recordBytes = messages.flat().reduce((sum, r) => sum + r.text.byteLength, 0);

/**
 * The loopback target runs in a worker thread, so reading 200 MB of request bodies does not compete with the relay
 * for the main thread (it still shares the machine's cores).
 */
const TARGET_SOURCE = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
let requests = 0, bytes = 0;
const server = createServer((request, response) => {
  request.on('data', (chunk) => (bytes += chunk.length));
  request.on('end', () => {
    requests++;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"errors":false}');
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', () => server.close(() => parentPort.postMessage({ requests, bytes })));
`;

async function startTarget(): Promise<{ url: string; close(): Promise<{ requests: number; bytes: number }> }> {
  const worker = new Worker(TARGET_SOURCE, { eval: true });
  const [{ port }] = (await once(worker, 'message')) as [{ port: number }];
  return {
    url: `http://127.0.0.1:${port}/ingest`,
    close: async () => {
      worker.postMessage('close');
      const [stats] = (await once(worker, 'message')) as [{ requests: number; bytes: number }];
      await worker.terminate();
      return stats;
    },
  };
}

/** Submit every message the way the receiver does: only while the budget has room, resuming on 'drain'. */
function feed(dispatcher: Dispatcher, count = messages.length): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let settled = 0;
    const pump = () => {
      while (!dispatcher.saturated && next < count) {
        dispatcher.submit(messages[next++], []).then(() => {
          if (++settled === count) resolve();
        }, reject);
      }
    };
    dispatcher.on('drain', pump);
    pump();
  });
}

async function throughput(label: string, config: Record<string, unknown>): Promise<void> {
  const target = await startTarget();
  const { sink, dispatcher } = relayTo(config.type === 'file' ? config : { ...config, url: target.url }, BUDGET);
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  await feed(dispatcher);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  await dispatcher.close(5000);
  const { requests } = await target.close();
  const perRequest = requests === 0 ? '' : `${String(requests).padStart(5)} requests, ${(sink.stats.bytesSent / requests / 1024).toFixed(0)} KiB sent each, ratio ${(recordBytes / sink.stats.bytesSent).toFixed(1)}, ${sink.stats.splits} splits`;
  console.log(
    `${label.padEnd(34)} ${(TOTAL / seconds / 1000).toFixed(1).padStart(6)} k rec/s  ${((cpu.user + cpu.system) / TOTAL).toFixed(1).padStart(5)} µs CPU/rec  ` +
      `${(recordBytes / seconds / 1e6).toFixed(0).padStart(4)} MB/s of records  ${perRequest}`,
  );
}

async function memoryWhileDown(): Promise<void> {
  const target = await startTarget();
  const url = target.url;
  await target.close(); // now connections are refused
  const { sink, dispatcher } = relayTo({ type: 'ndjson', url, compression: 'gzip', retry: { initial_delay: 10, max_delay: 50 } }, BUDGET);
  const all = feed(dispatcher).catch(() => {});
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    global.gc?.();
    samples.push(process.memoryUsage().heapUsed / 1e6);
  }
  console.log(
    `target down 3 s, budget 20 000 records: in flight ${dispatcher.stats.inFlightRecords} records, ${sink.stats.requests} attempts; ` +
      `heap ${Math.min(...samples).toFixed(1)}–${Math.max(...samples).toFixed(1)} MB (first ${samples[0].toFixed(1)}, last ${samples.at(-1)!.toFixed(1)})`,
  );
  await dispatcher.close(10);
  void all;
}

console.log(`${TOTAL} records of ~${Math.round(recordBytes / TOTAL)} B, ${PER_MESSAGE} per message, Node ${process.version}`);
await throughput('file sink to /dev/null (no HTTP)', { type: 'file', path: '/dev/null' });
await throughput('ndjson, no compression', { type: 'ndjson' });
await throughput('ndjson, gzip level 1', { type: 'ndjson', compression: 'gzip' });
await throughput('ndjson, gzip level 6', { type: 'ndjson', compression: 'gzip', compression_level: 6 });
await throughput('panther (gzip, 950 kB cap)', { type: 'panther' });
await throughput('elastic_bulk native (gzip, sha256 _id)', { type: 'elastic_bulk' });
await throughput('elastic_bulk enriched', { type: 'elastic_bulk', output: 'enriched' });
await throughput('splunk_hec native (gzip)', { type: 'splunk_hec', token: 't' });
await throughput('splunk_hec enriched', { type: 'splunk_hec', token: 't', output: 'enriched' });
await throughput('datadog native (gzip)', { type: 'datadog', api_key: 'k' });
await throughput('datadog enriched', { type: 'datadog', api_key: 'k', output: 'enriched' });
await throughput('loki (gzip)', { type: 'loki' });
await memoryWhileDown();
