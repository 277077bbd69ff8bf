/** `zpa-relay demo`: simulated ZPA traffic through the real relay on loopback, and what the SIEM received. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configSchema } from '../config/config.js';
import { ForwardClient, encodeForwardMessage } from '../forward/client.js';
import { createLogger } from '../ops/logger.js';
import { Relay } from '../relay.js';
import { LSS_FORMATS, LssGenerator, seededRandom } from '../zpa/index.js';
import { CaptureSink } from './capture-sink.js';

export interface DemoOptions {
  /** Records per log type (default 200). */
  perType?: number;
  seed?: number;
  out?: (text: string) => void;
}

export interface DemoResult {
  delivered: Map<string, number>;
  deadLetters: { reason: string; detail: string; tag: string }[];
}

interface Deviating {
  p_fluent_tag: string;
  p_log_type: string;
  p_deviations: { field: string; expected: string; got: string; kind: string }[];
}

/**
 * Lines a real deployment meets now and then: ones that deviate from their schema go on, saying how; ones that
 * cannot be read or classified are dead letters, delivered to the SIEM too, with their reason. None is lost.
 */
const BAD_LINES: [tag: string, line: string][] = [
  ['zpa.user-activity', '{"LogTimestamp":"Mon Jan 13 09:27:03 2025","Customer":"Acme","Username":"alice@acme.com","ServicePort":"https"'],
  ['zpa.audit-log', '{"CreationTime":"yesterday","ModifiedBy":288263728720249833,"AuditOperationType":"Update"}'],
  ['zpa.misc', 'this line is not a ZPA record at all'],
  ['zpa.misc', '{"foo":1,"bar":"x"}'],
];

/**
 * `zpa-relay demo`: the real relay on loopback, a capture SIEM, and a simulated ZPA stream of every log type (JSON,
 * CSV and TSV lines) sent with the forward protocol exactly as Fluent Bit does, each message acked only once its
 * records reached the SIEM or the dead-letter file. Prints what the SIEM received and what was dead-lettered.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const out = options.out ?? ((text: string) => process.stdout.write(`${text}\n`));
  const perType = options.perType ?? 200;
  const dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-demo-'));
  const siem = new CaptureSink();
  const url = await siem.start();
  const deadLetterPath = path.join(dir, 'dead-letter.ndjson');
  const config = configSchema.parse({
    listen: { host: '127.0.0.1', port: 0 },
    dead_letter: { path: deadLetterPath, sink: 'demo-siem' },
    sinks: [{ type: 'ndjson', name: 'demo-siem', url, compression: 'gzip', batch: { max_wait: '100ms' } }],
    ops: { enabled: false },
  });
  const relay = new Relay({ config, logger: createLogger('warn') });
  try {
    const port = await relay.start();
    out(`zpa-relay demo: relay on 127.0.0.1:${port}, capture SIEM at ${url}`);
    const generator = new LssGenerator();
    const random = seededRandom(options.seed ?? 1);
    const client = await ForwardClient.connect('127.0.0.1', port);
    const sends: Promise<void>[] = [];
    for (const logType of generator.logTypes()) {
      const records = Array.from({ length: perType }, (_, i) => ({ log: generator.line(logType, LSS_FORMATS[i % LSS_FORMATS.length], random, { edge: i % 10 === 9 }) }));
      for (let start = 0; start < records.length; start += 100) sends.push(client.send(encodeForwardMessage(`zpa.${logType}`, records.slice(start, start + 100))));
    }
    for (const [tag, line] of BAD_LINES) sends.push(client.send(encodeForwardMessage(tag, [{ log: line }])));
    await Promise.all(sends);
    client.close();
    out(`sent ${sends.length} forward messages; every one acked after its records and dead letters were delivered\n`);

    const delivered = new Map<string, number>();
    for (const line of siem.lines) {
      const logType = /"p_log_type":"([^"]+)"/.exec(line)?.[1] ?? 'unknown';
      delivered.set(logType, (delivered.get(logType) ?? 0) + 1);
    }
    out('records delivered to the SIEM, per log type:');
    for (const [logType, count] of [...delivered].sort()) out(`  ${logType.padEnd(42)} ${String(count).padStart(6)}`);
    out(`  ${'total'.padEnd(42)} ${String(siem.lines.length).padStart(6)}  (in ${siem.requests} gzip requests)\n`);

    const records = siem.lines.map((line) => JSON.parse(line) as Partial<Deviating>);
    out('records delivered with deviations from their schema, as each lists them in p_deviations (the bad lines sent):');
    for (const r of records) {
      if (r.p_deviations === undefined || !r.p_fluent_tag?.startsWith('zpa.') || BAD_LINES.every(([tag]) => tag !== r.p_fluent_tag)) continue;
      for (const d of r.p_deviations) out(`  ${r.p_fluent_tag} → ${r.p_log_type}: [${d.kind}] ${d.field}: expected ${d.expected}, got ${d.got}`);
    }
    const deadLetters = records.filter((r) => r.p_log_type === 'ZpaRelay.DeadLetter') as unknown as DemoResult['deadLetters'];
    const inFile = readFileSync(deadLetterPath, { encoding: 'utf8', flag: 'a+' }).split('\n').filter((line) => line !== '').length;
    out(`\ndead letters (delivered to the SIEM as ZpaRelay.DeadLetter records with the raw input; ${inFile} left in the file):`);
    for (const letter of deadLetters) out(`  [${letter.reason}] ${letter.tag}: ${letter.detail}`);
    const sample = siem.lines.find((line) => line.includes('"p_log_type":"Zscaler.ZPA.UserActivity"')) ?? siem.lines[0];
    out('\none enriched record, as the SIEM received it:');
    out(JSON.stringify(JSON.parse(sample), null, 2));
    return { delivered, deadLetters };
  } finally {
    await relay.stop(5000);
    await siem.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
