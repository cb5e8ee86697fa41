/**
 * Who is calling the REST API: the bearer token is the ADMF's startup token (an administrator named
 * {@link STARTUP_OPERATOR}) or a named credential from the store (docs/security.md "Operators and roles").
 * Named tokens are looked up by their SHA-256 on every request, so a revocation holds at once, on every ADMF
 * sharing the store; the found hash is compared again in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import type { ApiRole, ApiTokenStore } from '../store/admf-tokens.js';

/** The name audit rows give the startup (`--api-token`, lab) token's holder. */
export const STARTUP_OPERATOR = 'admin';

/** Bytes of randomness in a new token (256 bits). */
export const TOKEN_BYTES = 32;

/**
 * How often a credential's last use is written at most (one write per token per minute, not per request);
 * a failed write is retried on the next request and never refuses it.
 */
export const TOUCH_EVERY_MS = 60_000;

/** The caller of a request. */
export interface Principal {
  readonly name: string;
  readonly role: ApiRole;
}

/** Why a request is refused (401): `code` is the RFC 6750 error code, or token_missing for none sent. */
export interface AuthRefusal {
  readonly code: 'token_missing' | 'invalid_request' | 'invalid_token';
  readonly message: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** Lower-case hex SHA-256 of a token: what the store keeps. */
export function hashToken(token: string): string {
  return sha256(token).toString('hex');
}

/** A new random token: `lix_` and 256 random bits in base64url. */
export function newToken(): string {
  return `lix_${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

/** Authenticates bearer tokens against the startup token and the store's named credentials. */
export class ApiAuth {
  private readonly startup: Buffer | undefined;
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly o: {
      /** The startup token (administrator {@link STARTUP_OPERATOR}); none: only named tokens work. */
      readonly token?: string;
      readonly store: ApiTokenStore;
      readonly clock: Clock;
    },
  ) {
    this.startup = o.token === undefined || o.token === '' ? undefined : sha256(o.token);
  }

  /** The caller named by an `Authorization` header, or why it is refused. */
  async authenticate(header: string | undefined): Promise<Principal | AuthRefusal> {
    if (header === undefined || header === '')
      return { code: 'token_missing', message: 'no API token: send Authorization: Bearer <token>' };
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (m === null)
      return {
        code: 'invalid_request',
        message: 'the Authorization header is not "Bearer <token>" (one token, no spaces)',
      };
    const digest = sha256(m[1]!);
    if (this.startup && timingSafeEqual(digest, this.startup))
      return { name: STARTUP_OPERATOR, role: 'administrator' };
    const rec = await this.o.store.getApiTokenByHash(digest.toString('hex'));
    if (rec === undefined || !timingSafeEqual(Buffer.from(rec.hash, 'hex'), digest))
      return {
        code: 'invalid_token',
        message: "invalid API token: it is neither this ADMF's startup token nor a named one",
      };
    if (rec.revokedAt !== undefined)
      return { code: 'invalid_token', message: `invalid API token: it was revoked (${rec.name})` };
    await this.touch(rec.name);
    return { name: rec.name, role: rec.role };
  }

  private async touch(name: string): Promise<void> {
    const now = this.o.clock.now();
    const last = this.touched.get(name);
    if (last !== undefined && now - last < TOUCH_EVERY_MS) return;
    this.touched.set(name, now);
    // Best effort: a store that cannot be written (a full or read-only disk) must not refuse a caller.
    await this.o.store.touchApiToken(name, now).catch(() => this.touched.delete(name));
  }
}

/** True for a refusal rather than a caller. */
export function isRefusal(r: Principal | AuthRefusal): r is AuthRefusal {
  return 'code' in r;
}
