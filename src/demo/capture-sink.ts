/** The demo's stand-in SIEM: a loopback HTTP endpoint that keeps the NDJSON records it receives. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A stand-in SIEM for the demo: an HTTP endpoint on loopback that accepts NDJSON batches (gzip or not), answers 200
 * and keeps what it received, so the demo can show what a real SIEM would have got.
 */
export class CaptureSink {
  readonly lines: string[] = [];
  requests = 0;
  private readonly server = http.createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      let body = Buffer.concat(parts);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      this.requests++;
      for (const line of body.toString('utf8').split('\n')) if (line !== '') this.lines.push(line);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/ingest`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
