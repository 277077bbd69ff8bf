/** The secure-forward handshake, server side: HELO, the PING's shared key and user checked, the PONG. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { RawString, encode, type RawValue } from './msgpack.js';

/**
 * The secure-forward handshake, server side:
 *   server → HELO  ["HELO", {nonce, auth?, keepalive: true}]
 *   client → PING  ["PING", hostname, salt, sha512_hex(salt+hostname+nonce+shared_key), username, password_digest]
 *   server → PONG  ["PONG", ok, reason, server_hostname, sha512_hex(salt+server_hostname+nonce+shared_key)]
 * Every field is handled as bytes (Fluent Bit's salt is 16 raw bytes packed as a str); digests are compared in
 * constant time.
 */
export interface HandshakeConfig {
  sharedKey: string;
  /** Sent in PONG and mixed into the server digest (Fluent Bit checks it). */
  selfHostname: string;
  /** When non-empty, clients must also authenticate as one of these users. */
  users: { username: string; password: string }[];
  /** Source of the nonce and auth salt; tests inject the capture's values. */
  random?: (size: number) => Buffer;
}

export type PingResult =
  | { ok: true; reply: Buffer; hostname: string; user: string | undefined }
  | { ok: false; reply: Buffer; reason: string };

function sha512Hex(...parts: Buffer[]): Buffer {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return Buffer.from(hash.digest('hex'), 'latin1');
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function bytesOf(value: RawValue | undefined): Buffer | undefined {
  if (value instanceof RawString) return value.bytes;
  if (value instanceof Uint8Array) return Buffer.from(value);
  return undefined;
}

/** One connection's handshake state: the nonce and auth salt it was sent. */
export class Handshake {
  readonly nonce: Buffer;
  readonly authSalt: Buffer | undefined;
  private readonly sharedKey: Buffer;
  private readonly hostname: Buffer;

  constructor(private readonly config: HandshakeConfig) {
    const random = config.random ?? randomBytes;
    this.nonce = random(16);
    this.authSalt = config.users.length > 0 ? random(16) : undefined;
    this.sharedKey = Buffer.from(config.sharedKey, 'utf8');
    this.hostname = Buffer.from(config.selfHostname, 'utf8');
  }

  helo(): Buffer {
    // As Fluentd does: `auth` is the user-auth salt, or "" when only the shared key is checked.
    const options = new Map<string, Buffer | string | boolean>([
      ['nonce', this.nonce],
      ['auth', this.authSalt ?? ''],
      ['keepalive', true],
    ]);
    return encode(['HELO', options]);
  }

  /** Checks a PING; the reply is the PONG to send (on failure the caller closes the socket after it). */
  verifyPing(ping: RawValue): PingResult {
    if (!Array.isArray(ping) || ping.length !== 6 || !(ping[0] instanceof RawString) || ping[0].text !== 'PING') {
      return this.reject('malformed PING: expected ["PING", hostname, salt, digest, username, password_digest]');
    }
    const [, hostnameValue, saltValue, digestValue, userValue, passwordValue] = ping;
    const hostname = bytesOf(hostnameValue);
    const salt = bytesOf(saltValue);
    const digest = bytesOf(digestValue);
    const username = bytesOf(userValue);
    const passwordDigest = bytesOf(passwordValue);
    if (!hostname || !salt || !digest || !username || !passwordDigest) {
      return this.reject('malformed PING: every field must be a str or bin');
    }
    if (!sameBytes(digest, sha512Hex(salt, hostname, this.nonce, this.sharedKey))) return this.reject('shared_key mismatch');
    let user: string | undefined;
    if (this.authSalt) {
      const authSalt = this.authSalt;
      const match = this.config.users.find((candidate) => {
        const name = Buffer.from(candidate.username, 'utf8');
        const expected = sha512Hex(authSalt, name, Buffer.from(candidate.password, 'utf8'));
        // Evaluate both comparisons so the time taken does not tell which part failed.
        const nameOk = sameBytes(name, username);
        const passwordOk = sameBytes(expected, passwordDigest);
        return nameOk && passwordOk;
      });
      if (!match) return this.reject('username/password mismatch');
      user = match.username;
    }
    const serverDigest = sha512Hex(salt, this.hostname, this.nonce, this.sharedKey);
    const reply = encode(['PONG', true, '', this.config.selfHostname, new RawString(serverDigest)]);
    return { ok: true, reply, hostname: hostname.toString('utf8'), user };
  }

  private reject(reason: string): PingResult {
    return { ok: false, reason, reply: encode(['PONG', false, reason, this.config.selfHostname, '']) };
  }
}
