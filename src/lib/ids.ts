import { randomUUID } from 'node:crypto';

/** A new random UUID in the lower-case form X1 requires (TS 103 280 UUID pattern). */
export function newUuid(): string {
  return randomUUID();
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a UUID in canonical lower-case form; upper-case is rejected, as the schema does. */
export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}
