/**
 * Schema refusals in the user's terms: the field as a client writes it (`targets[0].kind`, the query
 * parameter `state`), the allowed values of an enum, and what a pattern means instead of the pattern.
 */
import { UUID_PATTERN } from './schemas.js';

/** One ajv error as fastify passes it (`err.validation`). */
export interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

/** What each pattern of schemas.ts asks for, in words. */
const PATTERNS: Readonly<Record<string, string>> = {
  [UUID_PATTERN]: 'must be a UUID (8-4-4-4-12 hexadecimal digits)',
  '^\\S{1,255}$': 'must be 1 to 255 characters without spaces',
  '^https?://': 'must be an http:// or https:// URL',
};

/** `/targets/0/kind` → `targets[0].kind`. */
function fieldOf(instancePath: string, child?: unknown): string {
  const parts = instancePath.split('/').slice(1);
  if (typeof child === 'string') parts.push(child);
  return parts.reduce(
    (out, p) =>
      /^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p.replace(/~1/g, '/').replace(/~0/g, '~')}` : p,
    '',
  );
}

function problem(e: SchemaError): { field: string; text: string } {
  const p = e.params;
  switch (e.keyword) {
    case 'enum':
      return {
        field: fieldOf(e.instancePath),
        text: `must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}`,
      };
    case 'additionalProperties':
      return { field: fieldOf(e.instancePath, p.additionalProperty), text: 'is not a known field' };
    case 'required':
      return { field: fieldOf(e.instancePath, p.missingProperty), text: 'is required' };
    case 'pattern':
      return {
        field: fieldOf(e.instancePath),
        text: PATTERNS[String(p.pattern)] ?? `must match ${String(p.pattern)}`,
      };
    default:
      return { field: fieldOf(e.instancePath), text: e.message ?? e.keyword };
  }
}

/**
 * One line for a refused request: `deliveryType must be one of X2Only, X3Only, X2andX3; dids[0] must be a
 * UUID (...)`. `context` is fastify's validationContext (body, querystring, params).
 */
export function validationMessage(errors: readonly SchemaError[], context: string | undefined): string {
  const where =
    context === 'querystring' ? 'query parameter ' : context === 'params' ? 'path parameter ' : '';
  const lines = errors.map((e) => {
    const { field, text } = problem(e);
    return field ? `${where}${field} ${text}` : `${context === 'body' ? 'the body' : 'the request'} ${text}`;
  });
  return [...new Set(lines)].join('; ');
}
