/**
 * The collector API's parameters, checked with zod: a bad one is refused with one line that names it
 * (`query parameter limit must be an integer from 1 to 1000`).
 */
import { z } from 'zod';
import { parseMessageId, type Position } from '../../collector/capture-catalog.js';
import { PAGE_LIMITS, type PageQuery } from './pages.js';
import { PROTOCOL_CODE, PROTOCOLS } from './message.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID_TEXT = 'must be a message id from this API (<file>-<offset>)';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

const time = z
  .string()
  .regex(ISO, 'must be an ISO 8601 time with a zone, e.g. 2026-12-04T10:00:00Z')
  .refine((s) => Number.isFinite(Date.parse(s)), 'must be a real date and time')
  .transform((s) => Date.parse(s) * 1000);

const position = z.string().transform((s, ctx): Position => {
  const p = parseMessageId(s);
  if (!p) {
    ctx.addIssue({ code: 'custom', message: ID_TEXT });
    return z.NEVER;
  }
  return p;
});

const pageSchema = z
  .object({
    limit: z
      .string()
      .regex(/^\d{1,4}$/, `must be an integer from 1 to ${PAGE_LIMITS.maxLimit}`)
      .transform(Number)
      .refine(
        (n) => n >= 1 && n <= PAGE_LIMITS.maxLimit,
        `must be an integer from 1 to ${PAGE_LIMITS.maxLimit}`,
      )
      .optional(),
    after: position.optional(),
    from: time.optional(),
    to: time.optional(),
    protocol: z.enum(PROTOCOLS, { message: `must be one of ${PROTOCOLS.join(', ')}` }).optional(),
    callId: z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters').optional(),
  })
  .strict();

/** Why a parameter set is refused, as one line. */
function problem(err: z.ZodError, where: string): string {
  return err.issues
    .map((i) => {
      if (i.code === 'unrecognized_keys') return `${where} ${i.keys.join(', ')} is not known`;
      const field = i.path.join('.');
      if (i.code === 'invalid_type') return `${where} ${field} must be given once, as text`;
      return `${where} ${field} ${i.message}`;
    })
    .join('; ');
}

/** The page query of a request, or the reason it is refused. */
export function pageQuery(query: unknown): { ok: PageQuery } | { error: string } {
  const r = pageSchema.safeParse(query);
  if (!r.success) return { error: problem(r.error, 'query parameter') };
  const q = r.data;
  if (q.from !== undefined && q.to !== undefined && q.from > q.to)
    return { error: 'query parameter from must not be later than to' };
  return {
    ok: {
      limit: q.limit ?? PAGE_LIMITS.defaultLimit,
      ...(q.after && { after: q.after }),
      ...(q.from !== undefined && { from: q.from }),
      ...(q.to !== undefined && { to: q.to }),
      ...(q.protocol && { protocol: PROTOCOL_CODE[q.protocol] }),
      ...(q.callId !== undefined && { callId: q.callId }),
    },
  };
}

/** Why an XID path parameter is refused, or undefined. */
export function xidProblem(xid: string): string | undefined {
  return UUID.test(xid) ? undefined : 'path parameter xid must be a UUID (8-4-4-4-12 hexadecimal digits)';
}

/** Why a message id path parameter is refused, or undefined. */
export function idProblem(id: string): string | undefined {
  return parseMessageId(id) ? undefined : `path parameter id ${ID_TEXT}`;
}

/**
 * Why a raw request path is refused before routing: dot segments, encoded slashes or backslashes, NUL, or
 * bad percent-encoding (a path-traversal attempt never reaches a route, let alone the file system).
 */
export function pathProblem(url: string): string | undefined {
  const path = url.split('?', 1)[0]!;
  if (/%2f|%5c|%00/i.test(path)) return 'the path must not hold encoded slashes, backslashes or NUL';
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return 'the path is not valid percent-encoding';
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return 'the path must not hold NUL or backslashes';
  if (decoded.split('/').some((s) => s === '..' || s === '.'))
    return 'the path must not hold . or .. segments';
  return undefined;
}
