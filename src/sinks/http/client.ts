/** The pooled keep-alive undici client of one HTTP sink, with its TLS options and the proxy environment variables. */
import { readFileSync } from 'node:fs';
import { EnvHttpProxyAgent, type Dispatcher } from 'undici';
import type { TlsConfig } from '../http-config.js';

/**
 * A pooled keep-alive client for one sink. HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured (undici's
 * EnvHttpProxyAgent); the same TLS options apply to direct connections and to tunnels through the proxy.
 */
export function createHttpClient(tls: TlsConfig, connectTimeoutMs: number): Dispatcher {
  const connect = {
    ca: tls.ca_file === undefined ? undefined : readFileSync(tls.ca_file),
    cert: tls.cert_file === undefined ? undefined : readFileSync(tls.cert_file),
    key: tls.key_file === undefined ? undefined : readFileSync(tls.key_file),
    rejectUnauthorized: tls.verify,
    servername: tls.server_name,
    timeout: connectTimeoutMs,
  };
  return new EnvHttpProxyAgent({ connect, requestTls: connect, keepAliveTimeout: 30_000 });
}
