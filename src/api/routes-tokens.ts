/**
 * Named API credentials over REST (administrators only, src/api/roles.ts): create (the secret is in that
 * answer and nowhere else), list, revoke; and `/api/whoami`, the caller's own name and role.
 */
import { AdmfError } from '../admf/errors.js';
import type { ApiTokenRecord } from '../store/admf-tokens.js';
import { hashToken, newToken, STARTUP_OPERATOR } from './auth.js';
import type { ApiContext, RouteDef } from './routes.js';
import { tokenCreate, tokenCreated, tokenList, tokenParams, tokenView, whoami } from './schemas-tokens.js';

/** What the API shows of a credential: never its hash. */
export function tokenViewOf(t: ApiTokenRecord) {
  return {
    name: t.name,
    role: t.role,
    createdAt: t.createdAt,
    ...(t.lastUsedAt !== undefined && { lastUsedAt: t.lastUsedAt }),
    ...(t.revokedAt !== undefined && { revokedAt: t.revokedAt }),
    revoked: t.revokedAt !== undefined,
  };
}

export function tokenRoutes(ctx: ApiContext): RouteDef[] {
  const { admf } = ctx;
  const audit = (action: string, ok: boolean, detail: string) =>
    admf.audit({ actor: 'operator', action, outcome: ok ? 'ok' : 'error', detail });
  return [
    {
      method: 'GET',
      url: '/api/whoami',
      tag: 'Operators',
      operationId: 'whoami',
      summary: "the caller's name and role",
      response: whoami,
      handler: async ({ caller }) => caller,
    },
    {
      method: 'GET',
      url: '/api/tokens',
      tag: 'Operators',
      operationId: 'listTokens',
      summary: 'named API credentials (never their secrets)',
      response: tokenList,
      handler: async () => (await admf.store.listApiTokens()).map(tokenViewOf),
    },
    {
      method: 'POST',
      url: '/api/tokens',
      tag: 'Operators',
      operationId: 'createToken',
      summary: 'make a named credential; its secret is in this answer only',
      body: tokenCreate,
      status: 201,
      response: tokenCreated,
      handler: async ({ body }) => {
        const b = body as { name: string; role: ApiTokenRecord['role'] };
        const label = `${b.name} (${b.role})`;
        if (b.name === STARTUP_OPERATOR) {
          await audit('AddApiToken', false, `${label}: reserved name`);
          throw new AdmfError('conflict', `the name ${STARTUP_OPERATOR} is the startup token's`);
        }
        const token = newToken();
        const rec: ApiTokenRecord = {
          name: b.name,
          role: b.role,
          hash: hashToken(token),
          createdAt: admf.clock.now(),
        };
        if (!(await admf.store.addApiToken(rec))) {
          await audit('AddApiToken', false, `${label}: name taken`);
          throw new AdmfError('conflict', `a credential named ${b.name} exists (revoked names stay taken)`);
        }
        await audit('AddApiToken', true, label);
        return { ...tokenViewOf(rec), token };
      },
    },
    {
      method: 'DELETE',
      url: '/api/tokens/:name',
      tag: 'Operators',
      operationId: 'revokeToken',
      summary: 'revoke a named credential: refused from the next request on',
      params: tokenParams,
      response: tokenView,
      handler: async ({ params }) => {
        const rec = await admf.store.revokeApiToken(params.name!, admf.clock.now());
        await audit('RevokeApiToken', rec !== undefined, params.name!);
        if (!rec) throw new AdmfError('not-found', `no credential named ${params.name!}`);
        return tokenViewOf(rec);
      },
    },
  ];
}
