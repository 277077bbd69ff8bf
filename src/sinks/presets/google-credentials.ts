/** A Google service-account JSON key, checked when the config loads, and the RS256-signed JWT it trades for an access token. */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { secret } from '../../shared/units.js';
import { AccessToken, TokenEndpoint } from '../access-token.js';

export interface ServiceAccount {
  clientEmail: string;
  privateKeyId: string;
  privateKey: KeyObject;
  tokenUri: string;
}

const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** Google's grant type for a service account's signed assertion (RFC 7523). */
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** The longest lifetime Google accepts for the assertion. */
const ASSERTION_SECONDS = 3600;

/** The `credentials` key: a service-account JSON key (as downloaded from Google Cloud), usually `{file: …}`. */
export const serviceAccountKey = secret.transform((text, ctx): ServiceAccount => {
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(text) as Record<string, unknown>;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected a service-account JSON key (the file Google Cloud gives when you create a key); this is not JSON' });
    return z.NEVER;
  }
  const field = (name: string) => (typeof key[name] === 'string' && key[name] !== '' ? (key[name] as string) : undefined);
  const missing = ['client_email', 'private_key', 'private_key_id'].filter((name) => field(name) === undefined);
  if (key.type !== 'service_account' || missing.length > 0) {
    ctx.addIssue({ code: 'custom', message: `expected a service-account JSON key: ${key.type !== 'service_account' ? `"type" is ${JSON.stringify(key.type)}, not "service_account"` : `no ${missing.join(', ')}`}` });
    return z.NEVER;
  }
  try {
    return { clientEmail: field('client_email')!, privateKeyId: field('private_key_id')!, privateKey: createPrivateKey(field('private_key')!), tokenUri: field('token_uri') ?? GOOGLE_TOKEN_URI };
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `the key's private_key is not a readable PEM private key: ${(error as Error).message}` });
    return z.NEVER;
  }
});

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The service account's signed assertion for `scope`, valid from `nowS` (epoch seconds) for an hour. */
export function signedAssertion(account: ServiceAccount, scope: string, nowS: number): string {
  const header = base64url({ alg: 'RS256', typ: 'JWT', kid: account.privateKeyId });
  const claims = base64url({ iss: account.clientEmail, scope, aud: account.tokenUri, iat: nowS, exp: nowS + ASSERTION_SECONDS });
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), account.privateKey).toString('base64url');
  return `${header}.${claims}.${signature}`;
}

/** The account's access token for `scope`, from its token endpoint. */
export function serviceAccountToken(account: ServiceAccount, scope: string, timeoutMs: number): { token: AccessToken; endpoint: TokenEndpoint } {
  const endpoint = new TokenEndpoint(account.tokenUri, timeoutMs);
  const token = new AccessToken(() => endpoint.grant({ grant_type: JWT_BEARER, assertion: signedAssertion(account, scope, Math.floor(Date.now() / 1000)) }));
  return { token, endpoint };
}
