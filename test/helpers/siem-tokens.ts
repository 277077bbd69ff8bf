/**
 * Token endpoints as Microsoft Entra and Google serve them, on 127.0.0.1: each checks the grant request as the real
 * one does (the client-credentials form; the service account's RS256 JWT, its header, claims and signature against
 * the public key of a key pair the test made), and hands out tokens that expire, which the services below check.
 */
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { HttpTarget, type ReceivedRequest, type Reply } from './http-target.js';

/** Tokens handed out, with when each stops being valid. */
export class IssuedTokens {
  private readonly expiry = new Map<string, number>();
  private issued = 0;

  issue(prefix: string, lifetimeS: number): string {
    const token = `${prefix}-${++this.issued}`;
    this.expiry.set(token, Date.now() + lifetimeS * 1000);
    return token;
  }

  /** Whether `Authorization: Bearer <token>` carries a token handed out and not expired or revoked. */
  valid(authorization: string | string[] | undefined): boolean {
    const token = typeof authorization === 'string' ? /^Bearer (.+)$/.exec(authorization)?.[1] : undefined;
    const until = token === undefined ? undefined : this.expiry.get(token);
    return until !== undefined && Date.now() < until;
  }

  /** Every token handed out so far stops being valid (the target then answers 401). */
  revokeAll(): void {
    for (const token of this.expiry.keys()) this.expiry.set(token, 0);
  }

  get count(): number {
    return this.issued;
  }
}

/** An OAuth error answer as both endpoints write it. */
function oauthError(status: number, error: string, description: string): Reply {
  return { status, body: JSON.stringify({ error, error_description: description }) };
}

function form(request: ReceivedRequest): URLSearchParams | undefined {
  return request.headers['content-type'] === 'application/x-www-form-urlencoded' ? new URLSearchParams(request.text) : undefined;
}

/** Microsoft Entra's v2.0 token endpoint for one tenant and one app registration (client credentials). */
export class EntraTokenServer {
  readonly tokens = new IssuedTokens();
  /** Seconds each token is valid for. */
  lifetimeS = 3599;
  /** Grant requests refused, with why. */
  readonly refused: string[] = [];

  private constructor(
    readonly target: HttpTarget,
    readonly tenant: string,
    readonly clientId: string,
    readonly clientSecret: string,
    readonly scope: string,
  ) {
    target.respond = (request) => this.answer(request);
  }

  static async start(tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId = 'a0b1c2d3-0000-4000-8000-000000000001', clientSecret = 'entra~secret', scope = 'https://monitor.azure.com//.default'): Promise<EntraTokenServer> {
    return new EntraTokenServer(await HttpTarget.create(), tenant, clientId, clientSecret, scope);
  }

  /** The `authority` to configure: the tenant's token endpoint is `{authority}/{tenant}/oauth2/v2.0/token`. */
  get authority(): string {
    return this.target.url('');
  }

  private answer(request: ReceivedRequest): Reply {
    const refuse = (status: number, error: string, why: string) => {
      this.refused.push(why);
      return oauthError(status, error, why);
    };
    if (request.method !== 'POST' || request.url !== `/${this.tenant}/oauth2/v2.0/token`) return refuse(404, 'invalid_request', `no token endpoint at ${request.method} ${request.url}`);
    const params = form(request);
    if (params === undefined) return refuse(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
    if (params.get('grant_type') !== 'client_credentials') return refuse(400, 'unsupported_grant_type', `grant_type ${params.get('grant_type')}`);
    if (params.get('client_id') !== this.clientId) return refuse(400, 'unauthorized_client', `AADSTS700016: application ${params.get('client_id')} not found`);
    if (params.get('client_secret') !== this.clientSecret) return refuse(401, 'invalid_client', 'AADSTS7000215: invalid client secret');
    if (params.get('scope') !== this.scope) return refuse(400, 'invalid_scope', `AADSTS70011: scope ${params.get('scope')}`);
    const token = this.tokens.issue('entra', this.lifetimeS);
    return { status: 200, body: JSON.stringify({ token_type: 'Bearer', expires_in: this.lifetimeS, ext_expires_in: this.lifetimeS, access_token: token }) };
  }
}

/** A Google service account: its JSON key (as Google Cloud hands it out) and the public key that verifies it. */
export interface ServiceAccountKey {
  json: string;
  publicKey: KeyObject;
  clientEmail: string;
  keyId: string;
}

export function serviceAccountKey(tokenUri: string): ServiceAccountKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientEmail = 'zpa-relay@secops-project.iam.gserviceaccount.com';
  const keyId = 'f3a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3';
  const json = JSON.stringify({
    type: 'service_account',
    project_id: 'secops-project',
    private_key_id: keyId,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    client_email: clientEmail,
    client_id: '100000000000000000001',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
  });
  return { json, publicKey, clientEmail, keyId };
}

/** Google's OAuth 2.0 token endpoint for service accounts (the JWT bearer grant, RFC 7523). */
export class GoogleTokenServer {
  readonly tokens = new IssuedTokens();
  lifetimeS = 3599;
  readonly refused: string[] = [];
  readonly key: ServiceAccountKey;
  /** The scope of each token handed out. */
  readonly scopes: string[] = [];

  private constructor(
    readonly target: HttpTarget,
    readonly scope: string,
  ) {
    this.key = serviceAccountKey(target.url('/token'));
    target.respond = (request) => this.answer(request);
  }

  static async start(scope: string): Promise<GoogleTokenServer> {
    return new GoogleTokenServer(await HttpTarget.create(), scope);
  }

  private answer(request: ReceivedRequest): Reply {
    const refuse = (why: string) => {
      this.refused.push(why);
      return oauthError(400, 'invalid_grant', why);
    };
    if (request.method !== 'POST' || request.url !== '/token') return refuse(`no token endpoint at ${request.method} ${request.url}`);
    const params = form(request);
    if (params === undefined) return refuse('the body must be application/x-www-form-urlencoded');
    if (params.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse(`grant_type ${params.get('grant_type')}`);
    const parts = (params.get('assertion') ?? '').split('.');
    if (parts.length !== 3) return refuse('the assertion is not a JWT');
    const [header, claims] = parts.slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    if (header.alg !== 'RS256' || header.typ !== 'JWT' || header.kid !== this.key.keyId) return refuse(`JWT header ${JSON.stringify(header)}`);
    if (!verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), this.key.publicKey, Buffer.from(parts[2], 'base64url'))) return refuse('Invalid JWT Signature.');
    const now = Date.now() / 1000;
    const { iss, aud, scope, iat, exp } = claims as { iss: string; aud: string; scope: string; iat: number; exp: number };
    if (iss !== this.key.clientEmail) return refuse(`iss ${iss}`);
    if (aud !== this.target.url('/token')) return refuse(`aud ${aud}`);
    if (!Number.isInteger(iat) || !Number.isInteger(exp) || Math.abs(iat - now) > 300 || exp <= iat || exp - iat > 3600) return refuse(`Invalid JWT: iat ${iat}, exp ${exp}`);
    if (scope !== this.scope) return refuse(`scope ${scope}`);
    this.scopes.push(scope);
    return { status: 200, body: JSON.stringify({ access_token: this.tokens.issue('ya29', this.lifetimeS), expires_in: this.lifetimeS, token_type: 'Bearer' }) };
  }
}
