/** One attempt at the target: headers and authorization, the undici request, and the confirmation a preset may await. */
import type { Dispatcher } from 'undici';
import type { SinkStats } from '../../contract.js';
import type { HttpSinkConfig } from '../http-config.js';
import type { Preset } from '../preset.js';
import { contentEncoding } from './compression.js';

/** What one attempt came to: the target's answer, or an error (network, timeout, no authorization, unconfirmed). */
export type Attempt =
  | { status: number; retryAfter: string | string[] | undefined; text: string }
  | { error: Error & { code?: string } };

/** The code of an attempt given up before sending because the preset could not authorize it. */
export const AUTHORIZATION_FAILED = 'AUTHORIZATION_FAILED';

export class TargetRequest {
  private readonly origin: string;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  /** Headers for confirmation requests: uncompressed JSON, same auth. */
  private readonly confirmHeaders: Record<string, string>;

  /** `sleep` waits between confirmation polls, and is cut short when the sink closes. */
  constructor(
    private readonly config: Pick<HttpSinkConfig, 'url' | 'compression' | 'headers' | 'timeout'>,
    private readonly preset: Preset,
    private readonly client: Dispatcher,
    private readonly stats: SinkStats,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    const url = new URL(config.url);
    this.origin = url.origin;
    this.path = url.pathname + url.search;
    const encoding = contentEncoding(config.compression);
    this.headers = {
      'content-type': preset.contentType,
      'user-agent': 'zpa-relay',
      ...(encoding ? { 'content-encoding': encoding } : {}),
      ...lowerCaseKeys(config.headers),
      ...preset.headers,
    };
    this.confirmHeaders = { ...this.headers, 'content-type': 'application/json' };
    delete this.confirmHeaders['content-encoding'];
  }

  /**
   * POST the body as it is to be sent (compressed) to `path` (default: the url's); a 2xx the preset must see confirmed
   * counts only once it is. A 401 to a preset that fetches its credentials is tried once more at once, with new ones.
   */
  async send(body: Buffer, path = this.path): Promise<Attempt> {
    let result = await this.attempt(body, path);
    if (this.preset.unauthorized && !('error' in result) && result.status === 401) {
      this.stats.retries['401'] = (this.stats.retries['401'] ?? 0) + 1;
      this.preset.unauthorized();
      result = await this.attempt(body, path);
    }
    return this.confirmed(result);
  }

  /** One authorized POST. */
  private async attempt(body: Buffer, path: string): Promise<Attempt> {
    let headers = this.headers;
    if (this.preset.authorize) {
      try {
        headers = { ...headers, ...(await this.preset.authorize(body)) };
      } catch (error) {
        return { error: Object.assign(new Error(`no authorization for the request: ${(error as Error).message}`), { code: AUTHORIZATION_FAILED }) };
      }
    }
    this.stats.requests++;
    this.stats.requestsInFlight++;
    this.stats.bytesSent += body.length;
    try {
      return await this.post(path, headers, body);
    } catch (error) {
      return { error: error as Error };
    } finally {
      this.stats.requestsInFlight--;
    }
  }

  /** Release the connections, the preset's too. */
  async close(): Promise<void> {
    await Promise.all([this.client.destroy(), this.preset.close?.()]);
  }

  private async post(path: string, headers: Record<string, string>, body: Buffer | string) {
    const response = await this.client.request({
      origin: this.origin,
      path,
      method: 'POST',
      headers,
      body,
      headersTimeout: this.config.timeout,
      bodyTimeout: this.config.timeout,
    });
    return { status: response.statusCode, retryAfter: response.headers['retry-after'], text: await response.body.text() };
  }

  /** A 2xx the preset must see confirmed (indexer acknowledgement) counts as a network failure until it is. */
  private async confirmed(result: Attempt): Promise<Attempt> {
    if (!this.preset.confirm || 'error' in result || result.status < 200 || result.status >= 300) return result;
    const target = {
      post: (path: string, body: string) => this.post(path, this.confirmHeaders, body),
      sleep: this.sleep,
    };
    try {
      if (await this.preset.confirm(result.text, target)) return result;
      return { error: Object.assign(new Error('the target did not acknowledge the batch in time'), { code: 'UNACKNOWLEDGED' }) };
    } catch (error) {
      return { error: error as Error };
    }
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
}
