/**
 * The one base of lix's errors: a typed `kind` that callers switch on (never the message text), and the
 * `cause` kept when an error is wrapped, so that logs show the whole chain.
 */
export class LixError<K extends string = string> extends Error {
  constructor(
    readonly kind: K,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** The message of an error and of each cause it wraps (`a: b: c`), repeats left out; for one-line reports. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && depth < 8; depth++) {
    const text = e instanceof Error ? e.message : String(e);
    if (!parts.some((p) => p.includes(text))) parts.push(text);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(': ');
}
