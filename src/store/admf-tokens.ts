/**
 * Named REST API credentials of the ADMF (docs/security.md "Operators and roles"): each has a name, a role
 * and the SHA-256 of its secret; the secret itself is shown once when it is made and never stored.
 */

/** The roles an API credential may have, from the most to the least able. */
export const API_ROLES = ['administrator', 'operator', 'auditor'] as const;
export type ApiRole = (typeof API_ROLES)[number];

/** A named API credential as the store keeps it (never its secret). */
export interface ApiTokenRecord {
  /** Unique; audit rows name it. */
  readonly name: string;
  readonly role: ApiRole;
  /** Lower-case hex SHA-256 of the token. */
  readonly hash: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** When the token last authenticated a request (updated at most once a minute). */
  readonly lastUsedAt?: number;
  /** When it was revoked; a revoked token is refused from then on. */
  readonly revokedAt?: number;
}

/** The part of {@link AdmfStore} that keeps the named API credentials. */
export interface ApiTokenStore {
  /** Stores a new credential; false when the name is taken (revoked names stay taken). */
  addApiToken(t: ApiTokenRecord): Promise<boolean>;
  /** The credential whose token hashes to `hash` (revoked ones included), or undefined. */
  getApiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined>;
  /** Every credential, by name. */
  listApiTokens(): Promise<ApiTokenRecord[]>;
  /** Revokes (keeping the first revocation time); the record after, or undefined when there is none. */
  revokeApiToken(name: string, at: number): Promise<ApiTokenRecord | undefined>;
  /** Records that the credential authenticated a request at `at`. */
  touchApiToken(name: string, at: number): Promise<void>;
}
