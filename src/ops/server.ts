/** The ops HTTP endpoints: /metrics for Prometheus, /healthz and /readyz for orchestrators. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the ops endpoints report: the rendered metrics, and whether the relay accepts traffic. */
export interface OpsSource {
  metrics(): Promise<string>;
  ready(): boolean;
}

/** /metrics (Prometheus), /healthz (the process answers), /readyz (accepting and not shutting down). */
export class OpsServer {
  private readonly server: http.Server;

  constructor(source: OpsSource) {
    this.server = http.createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
      } else if (path === '/metrics') {
        source.metrics().then(
          (text) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
          (error: Error) => response.writeHead(503, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${error.message}\n`),
        );
      } else if (path === '/healthz') {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (path === '/readyz') {
        const ready = source.ready();
        response.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'shutting down\n');
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz or /readyz\n');
      }
    });
  }

  async start(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
