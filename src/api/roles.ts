/**
 * Which role each REST route needs (docs/security.md "Operators and roles"). Roles nest: an administrator
 * may do what an operator may, an operator what an auditor may. The table is by route class, first match
 * wins, and a route no rule names needs an administrator (a new route is closed until it is classed here).
 */
import type { ApiRole } from '../store/admf-tokens.js';
import type { HttpMethod } from './routes.js';

/** A class of routes and the least role that may call it. */
export interface RouteRule {
  /** Shown in a 403 and in the docs. */
  readonly name: string;
  readonly role: ApiRole;
  /** Methods it covers; all when absent. */
  readonly methods?: readonly HttpMethod[];
  /** Matches the route's path pattern (fastify form, `:param`). */
  readonly url: RegExp;
}

/** The route classes, first match wins. */
export const ROUTE_RULES: readonly RouteRule[] = [
  { name: 'records', role: 'auditor', methods: ['GET'], url: /^\/api\/(?:audit|reports)$/ },
  { name: 'identity', role: 'auditor', methods: ['GET'], url: /^\/api\/whoami$/ },
  // The collectors' captures (issue #15): every operator of the console reads them.
  { name: 'captures', role: 'auditor', methods: ['GET'], url: /^\/api\/collectors(?:\/|$)/ },
  { name: 'credentials', role: 'administrator', url: /^\/api\/tokens(?:\/|$)/ },
  { name: 'reading', role: 'operator', methods: ['GET'], url: /^\/api\// },
  // Subscribers (several X1 tasks changed together, issue #19) are tasking too.
  { name: 'tasking', role: 'operator', url: /^\/api\/(?:tasks|subscribers)(?:\/|$)/ },
  {
    name: 'destinations',
    role: 'operator',
    url: /^\/api\/(?:destinations|nes\/:id\/destinations)(?:\/|$)/,
  },
  {
    name: 'NE tasking',
    role: 'operator',
    methods: ['POST'],
    url: /^\/api\/nes\/:id\/(?:ping|reconcile|heal|deactivate-all-tasks)$/,
  },
];

/** The class of routes not named by any rule: NE registration and whatever is new. */
export const ADMIN_RULE: RouteRule = { name: 'administration', role: 'administrator', url: /^/ };

const RANK: Readonly<Record<ApiRole, number>> = { auditor: 0, operator: 1, administrator: 2 };

/** The rule that governs `method url` (url: the route's pattern, e.g. `/api/nes/:id`). */
export function ruleFor(method: string, url: string): RouteRule {
  return (
    ROUTE_RULES.find(
      (r) => (r.methods === undefined || r.methods.includes(method as HttpMethod)) && r.url.test(url),
    ) ?? ADMIN_RULE
  );
}

/** True when `role` may do what `needed` may. */
export function roleAllows(role: ApiRole, needed: ApiRole): boolean {
  return RANK[role] >= RANK[needed];
}
