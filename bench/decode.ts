/** Forward-protocol decode throughput on real Fluent Bit 5.1.1 captures, whole reads and 4 KiB reads. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeRequest } from '../src/forward/decode.js';
import { FrameReader } from '../src/forward/frame-reader.js';
import { command, positive } from '../test/harness/command.js';
import { CAPTURES_DIR } from '../test/helpers/paths.js';

const USAGE = `
npm run bench:decode -- [seconds per case, default 3]        (node dist/bench/decode.js)

Decodes the z-bulk-20000 captures (Forward mode, up to 14,578 entries and ~2 MB per message): framing + envelope +
reading every entry (\`{log: str}\` lines as byte ranges, other records decoded by msgpackr), fed as whole messages and
in 4 KiB reads. Prints MB/s, records/s and records per CPU-second.
`;

const seconds = positive('seconds', command(USAGE, {}, true).positionals[0] ?? '3');
const captures = [1, 2, 3, 4].map((n) => readFileSync(path.join(CAPTURES_DIR, `z-bulk-20000.c${n}.recv.bin`)));
const totalBytes = captures.reduce((sum, bytes) => sum + bytes.length, 0);

function decodeAll(readSize: number): number {
  let entries = 0;
  for (const bytes of captures) {
    const reader = new FrameReader({ maxBytes: 16 * 1024 * 1024, maxDepth: 64 });
    for (let at = 0; at < bytes.length; at += readSize) {
      reader.push(bytes.subarray(at, at + readSize), (frame) => {
        const request = decodeRequest(frame);
        if (request.kind === 'entries') entries += request.entries.length;
        return true;
      });
    }
  }
  return entries;
}

for (const [label, readSize] of [
  ['whole messages', Number.MAX_SAFE_INTEGER],
  ['4 KiB reads   ', 4096],
] as const) {
  decodeAll(readSize); // warm-up
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let rounds = 0;
  let entries = 0;
  while (Number(process.hrtime.bigint() - start) / 1e9 < seconds) {
    entries += decodeAll(readSize);
    rounds++;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const mb = (rounds * totalBytes) / 1e6;
  console.log(
    `decode ${label}: ${(mb / elapsed).toFixed(0)} MB/s, ${Math.round(entries / elapsed).toLocaleString('en-US')} records/s, ${Math.round(entries / cpuSeconds).toLocaleString('en-US')} records per CPU-second (${rounds} rounds of ${(totalBytes / 1e6).toFixed(1)} MB)`,
  );
}
