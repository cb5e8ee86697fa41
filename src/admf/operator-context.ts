/**
 * Which operator (named API credential) the ADMF is acting for. The REST API runs each request's handler
 * inside {@link actingAs}; {@link Admf.audit} names that operator on every row the request writes, whatever
 * the actor (the operator's own action, and the X1 exchanges and state changes it causes). The context closes
 * when the handler ends, so a timer the request happened to start (a keepalive, a retry) later writes rows
 * that name nobody.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface Acting {
  readonly name: string;
  open: boolean;
}

const current = new AsyncLocalStorage<Acting>();

/** Runs `fn` on behalf of operator `name`; rows audited while it runs name the operator. */
export async function actingAs<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const acting: Acting = { name, open: true };
  try {
    return await current.run(acting, fn);
  } finally {
    acting.open = false;
  }
}

/** The operator the current request acts for, or undefined outside a request. */
export function currentOperator(): string | undefined {
  const a = current.getStore();
  return a?.open ? a.name : undefined;
}
