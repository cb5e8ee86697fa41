/**
 * ADMF configuration: defaults from DESIGN.md ("Behaviour that the seed fixes", "Transport and security"),
 * validated at start with a clear message per problem. Timers in milliseconds.
 */
import { z } from 'zod';
import { DEFAULT_X1_VERSION } from '../x1/model.js';

export const ADMF_DEFAULTS = {
  listenHost: '0.0.0.0',
  listenPort: 443,
  path: '/X1/ADMF',
  /** The REST API is bound to loopback unless told otherwise. */
  apiHost: '127.0.0.1',
  apiPort: 8480,
  profile: 'etsi',
  version: DEFAULT_X1_VERSION,
  time2Ms: 15_000,
  maxResends: 2,
  /** TIME_P1: a keepalive at least every 10 min; TIME_P2: never more often than every minute. */
  timeP1Ms: 10 * 60 * 1000,
  timeP2Ms: 60 * 1000,
  identityAttribute: 'uid',
  maxBodyBytes: 1 << 20,
  /** GetAllDetails answers with 100,000 tasks run to tens of MB. */
  maxResponseBytes: 256 * 2 ** 20,
  /** An API token shorter than this is refused (it guards tasking). */
  minTokenLength: 16,
  reconcileOnStart: true,
  /** An unreachable NE is pinged this often, to notice its return. */
  probeIntervalMs: 30_000,
} as const;

const required = { error: (iss: { input: unknown }) => (iss.input === undefined ? 'required' : undefined) };

export const x1Identifier = z
  .string(required)
  .min(1)
  .max(255)
  .regex(/^\S+$/, 'an X1 identifier is a token without white space');

export const admfConfigSchema = z
  .object({
    id: x1Identifier,
    listenHost: z.string().min(1).default(ADMF_DEFAULTS.listenHost),
    listenPort: z.number().int().min(0).max(65535).default(ADMF_DEFAULTS.listenPort),
    path: z.string().startsWith('/').default(ADMF_DEFAULTS.path),
    tlsDir: z.string().min(1).optional(),
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    caFile: z.string().min(1).optional(),
    crlFile: z.string().min(1).optional(),
    dataDir: z.string(required).min(1),
    schemaDir: z.string().min(1).optional(),
    profile: z.enum(['etsi', 'draft']).default(ADMF_DEFAULTS.profile),
    version: z
      .string()
      .regex(/^v1\.\d+\.\d+$/, 'version must look like v1.x.y')
      .default(ADMF_DEFAULTS.version),
    time2Ms: z.number().int().positive().default(ADMF_DEFAULTS.time2Ms),
    maxResends: z.number().int().min(0).max(10).default(ADMF_DEFAULTS.maxResends),
    timeP1Ms: z.number().int().positive().default(ADMF_DEFAULTS.timeP1Ms),
    timeP2Ms: z.number().int().positive().default(ADMF_DEFAULTS.timeP2Ms),
    identityAttribute: z.enum(['uid', 'cn']).default(ADMF_DEFAULTS.identityAttribute),
    maxBodyBytes: z.number().int().min(1024).default(ADMF_DEFAULTS.maxBodyBytes),
    reconcileOnStart: z.boolean().default(ADMF_DEFAULTS.reconcileOnStart),
    /** Ping an unreachable NE this often to notice its return (0: never). */
    probeIntervalMs: z.number().int().min(0).default(ADMF_DEFAULTS.probeIntervalMs),
    apiHost: z.string().min(1).default(ADMF_DEFAULTS.apiHost),
    apiPort: z.number().int().min(0).max(65535).default(ADMF_DEFAULTS.apiPort),
    /** Bearer token every REST call must carry. */
    apiToken: z
      .string(required)
      .min(
        ADMF_DEFAULTS.minTokenLength,
        `the API token must be at least ${ADMF_DEFAULTS.minTokenLength} characters`,
      ),
    /** Plain HTTP on X1 for tests only; logged loudly. */
    insecurePlainHttp: z.boolean().default(false),
  })
  .refine((c) => c.timeP1Ms >= c.timeP2Ms, {
    message: 'TIME_P1 (at least this often) must not be shorter than TIME_P2 (never more often)',
    path: ['timeP1Ms'],
  })
  .refine((c) => c.insecurePlainHttp || c.tlsDir !== undefined || (c.certFile && c.keyFile && c.caFile), {
    message:
      'TLS material is required: give --tls-dir, or --cert, --key and --ca (or the insecure test flag)',
    path: ['tlsDir'],
  });

export type AdmfConfig = z.output<typeof admfConfigSchema>;
export type AdmfConfigInput = z.input<typeof admfConfigSchema>;

/** Parses and checks a configuration; throws an Error listing every problem, one per line. */
export function parseAdmfConfig(input: unknown): AdmfConfig {
  const r = admfConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
  throw new Error(`invalid ADMF configuration:\n${lines.join('\n')}`);
}
