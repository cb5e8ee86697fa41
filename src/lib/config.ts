/**
 * The pieces both daemons' configurations share (DESIGN.md "Transport and security"): the X1 identifier, the
 * TLS files, the X1 endpoint settings, and the one way a configuration is checked. A failure is a
 * {@link ConfigError} listing every problem by configuration key; the CLI names them by the flag the user typed.
 */
import { z } from 'zod';
import { LixError } from './errors.js';

/** "required" for a missing value, zod's own message otherwise. */
export const required = {
  error: (iss: { input: unknown }) => (iss.input === undefined ? 'required' : undefined),
};

/** An X1 identifier (neIdentifier, admfIdentifier): a token of 1 to 255 characters without white space. */
export const x1Identifier = z
  .string(required)
  .min(1)
  .max(255)
  .regex(/^\S+$/, 'an X1 identifier is a token without white space');

/** TLS files: a directory as `lix pki init` writes it, or each file; a CRL; where the identity is. */
export const tlsFields = {
  tlsDir: z.string().min(1).optional(),
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  caFile: z.string().min(1).optional(),
  crlFile: z.string().min(1).optional(),
  identityAttribute: z.enum(['uid', 'cn']).default('uid'),
};

/** The X1 servers' connection caps (src/transport/https-server.ts takes its defaults from here). */
export const X1_CONNECTION_DEFAULTS = { maxConnections: 256, maxConnectionsPerAddress: 16 } as const;

/** Settings of an X1 endpoint (listen address, path, store, schemas, error profile, version, body limit). */
export function x1EndpointFields(d: {
  readonly listenHost: string;
  readonly listenPort: number;
  readonly path: string;
  readonly version: string;
  readonly maxBodyBytes: number;
}) {
  return {
    listenHost: z.string().min(1).default(d.listenHost),
    listenPort: z.number().int().min(0).max(65535).default(d.listenPort),
    path: z.string().startsWith('/').default(d.path),
    dataDir: z.string(required).min(1),
    schemaDir: z.string().min(1).optional(),
    profile: z.enum(['etsi', 'draft']).default('etsi'),
    version: z
      .string()
      .regex(/^v1\.\d+\.\d+$/, 'version must look like v1.x.y')
      .default(d.version),
    maxBodyBytes: z.number().int().min(1024).default(d.maxBodyBytes),
    /** X1 connections in all and from one address (docs/security.md "Connection limits"). */
    maxConnections: z.number().int().min(1).default(X1_CONNECTION_DEFAULTS.maxConnections),
    maxConnectionsPerAddress: z
      .number()
      .int()
      .min(1)
      .default(X1_CONNECTION_DEFAULTS.maxConnectionsPerAddress),
    /** Plain HTTP for tests only; logged loudly. */
    insecurePlainHttp: z.boolean().default(false),
  };
}

/** TLS material must be given unless plain HTTP was asked for (tests only). */
export function hasTlsMaterial(c: {
  insecurePlainHttp: boolean;
  tlsDir?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
  caFile?: string | undefined;
}): boolean {
  return c.insecurePlainHttp || c.tlsDir !== undefined || Boolean(c.certFile && c.keyFile && c.caFile);
}

export const TLS_REQUIRED = {
  message: 'TLS material is required: give --tls-dir, or --cert, --key and --ca (or the insecure test flag)',
  path: ['tlsDir'],
};

/** One problem of a configuration: the key it concerns ('' for the whole) and what is wrong. */
export interface ConfigIssue {
  readonly key: string;
  readonly message: string;
}

/** A configuration that cannot run; `issues` lists every problem. */
export class ConfigError extends LixError<'invalid-config'> {
  constructor(
    readonly what: string,
    readonly issues: readonly ConfigIssue[],
    /** How a key is shown to the user (the CLI passes its flag names). */
    nameOf: (key: string) => string = (key) => key || '(config)',
  ) {
    super(
      'invalid-config',
      `invalid ${what} configuration:\n${issues.map((i) => `  ${nameOf(i.key)}: ${i.message}`).join('\n')}`,
    );
  }
}

/** Parses `input` with `schema`; throws {@link ConfigError} naming every problem. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new ConfigError(
    what,
    r.error.issues.map((i) => ({ key: i.path.map(String).join('.'), message: i.message })),
  );
}
