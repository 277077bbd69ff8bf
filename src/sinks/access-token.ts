/** OAuth access tokens for the presets that fetch them: fetched when needed, kept until shortly before they expire. */
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';

/** What a token endpoint granted. */
export interface TokenGrant {
  token: string;
  /** Seconds the token is valid for, from when it was granted. */
  expiresInS: number;
}

/** A token is renewed when this share of its lifetime is left, or five minutes, whichever is less. */
const RENEW_SHARE = 0.25;
const RENEW_MAX_MS = 5 * 60_000;

/**
 * One credential's access token. `get()` answers the cached token until shortly before it expires, then fetches a
 * new one (callers at the same time share one fetch); `invalidate()` drops it when the target refused it (401).
 */
export class AccessToken {
  private token: string | undefined;
  private renewAt = 0;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly fetchToken: () => Promise<TokenGrant>,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<string> {
    if (this.token !== undefined && this.now() < this.renewAt) return Promise.resolve(this.token);
    this.pending ??= this.fetchToken()
      .then(({ token, expiresInS }) => {
        const lifetimeMs = expiresInS * 1000;
        this.token = token;
        this.renewAt = this.now() + lifetimeMs - Math.min(RENEW_MAX_MS, lifetimeMs * RENEW_SHARE);
        return token;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  invalidate(): void {
    this.token = undefined;
  }
}

/**
 * A token endpoint: POSTs an `application/x-www-form-urlencoded` grant request, reads `access_token` and
 * `expires_in` from the JSON answer. Proxies from the environment are honoured, as for the sinks.
 */
export class TokenEndpoint {
  private readonly dispatcher: Dispatcher = new EnvHttpProxyAgent({ keepAliveTimeout: 30_000 });

  constructor(
    readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async grant(form: Record<string, string>): Promise<TokenGrant> {
    const response = await request(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'zpa-relay' },
      body: new URLSearchParams(form).toString(),
      dispatcher: this.dispatcher,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const text = await response.body.text();
    let answer: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
    try {
      answer = JSON.parse(text);
    } catch {
      // Reported below with the status.
    }
    if (response.statusCode < 200 || response.statusCode >= 300 || typeof answer.access_token !== 'string') {
      const why = typeof answer.error === 'string' ? `${answer.error}${typeof answer.error_description === 'string' ? `: ${answer.error_description}` : ''}` : text.slice(0, 200);
      throw new Error(`token endpoint ${this.url} answered ${response.statusCode}: ${why}`);
    }
    const expiresIn = Number(answer.expires_in);
    return { token: answer.access_token, expiresInS: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 300 };
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
