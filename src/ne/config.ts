/**
 * NE configuration: defaults from DESIGN.md ("Behaviour that the seed fixes", "Transport and security"), and
 * validation that fails at start with a clear message. Timers in milliseconds.
 */
import { z } from 'zod';
import { DEFAULT_X1_VERSION } from '../x1/model.js';

export const NE_DEFAULTS = {
  listenHost: '0.0.0.0',
  listenPort: 443,
  path: '/X1/NE',
  admfPath: '/X1/ADMF',
  profile: 'etsi',
  version: DEFAULT_X1_VERSION,
  time1Ms: 5_000,
  time2Ms: 15_000,
  keepalive: false,
  timeP3Ms: 2 * 60 * 60 * 1000,
  deactivateAllEnabled: false,
  removeAllDestinationsEnabled: false,
  identityAttribute: 'uid',
  certWarningDays: 30,
  maxBodyBytes: 1 << 20,
} as const;

const required = { error: (iss: { input: unknown }) => (iss.input === undefined ? 'required' : undefined) };

const identifier = z
  .string(required)
  .min(1)
  .max(255)
  .regex(/^\S+$/, 'an X1 identifier is a token without white space');

export const neConfigSchema = z
  .object({
    id: identifier,
    admfId: identifier,
    listenHost: z.string().min(1).default(NE_DEFAULTS.listenHost),
    listenPort: z.number().int().min(0).max(65535).default(NE_DEFAULTS.listenPort),
    path: z.string().startsWith('/').default(NE_DEFAULTS.path),
    /** ADMF URL for reports (`https://host:port/X1/ADMF`); without it reports wait in the outbox. */
    admfUrl: z.url({ protocol: /^https?$/ }).optional(),
    tlsDir: z.string().min(1).optional(),
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    caFile: z.string().min(1).optional(),
    crlFile: z.string().min(1).optional(),
    dataDir: z.string(required).min(1),
    schemaDir: z.string().min(1).optional(),
    profile: z.enum(['etsi', 'draft']).default(NE_DEFAULTS.profile),
    version: z
      .string()
      .regex(/^v1\.\d+\.\d+$/, 'version must look like v1.x.y')
      .default(NE_DEFAULTS.version),
    time1Ms: z.number().int().positive().default(NE_DEFAULTS.time1Ms),
    time2Ms: z.number().int().positive().default(NE_DEFAULTS.time2Ms),
    keepalive: z.boolean().default(NE_DEFAULTS.keepalive),
    timeP3Ms: z.number().int().positive().default(NE_DEFAULTS.timeP3Ms),
    deactivateAllEnabled: z.boolean().default(NE_DEFAULTS.deactivateAllEnabled),
    removeAllDestinationsEnabled: z.boolean().default(NE_DEFAULTS.removeAllDestinationsEnabled),
    identityAttribute: z.enum(['uid', 'cn']).default(NE_DEFAULTS.identityAttribute),
    certWarningDays: z.number().int().min(0).default(NE_DEFAULTS.certWarningDays),
    maxBodyBytes: z.number().int().min(1024).default(NE_DEFAULTS.maxBodyBytes),
    /**
     * The probe's packet source (`pcap:FILE[?loop][&pace=original|fast]`, `iface:NAME`, `synthetic[:RATE]`);
     * without it the NE answers X1 but intercepts nothing.
     */
    source: z.string().min(1).optional(),
    /** Plain HTTP for tests only; logged loudly. */
    insecurePlainHttp: z.boolean().default(false),
  })
  .refine((c) => c.time2Ms >= 2 * c.time1Ms, {
    message: 'TIME2 must be at least twice TIME1',
    path: ['time2Ms'],
  })
  .refine((c) => c.insecurePlainHttp || c.tlsDir !== undefined || (c.certFile && c.keyFile && c.caFile), {
    message:
      'TLS material is required: give --tls-dir, or --cert, --key and --ca (or the insecure test flag)',
    path: ['tlsDir'],
  });

export type NeConfig = z.output<typeof neConfigSchema>;
export type NeConfigInput = z.input<typeof neConfigSchema>;

/** Parses and checks a configuration; throws an Error listing every problem, one per line. */
export function parseNeConfig(input: unknown): NeConfig {
  const r = neConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
  throw new Error(`invalid NE configuration:\n${lines.join('\n')}`);
}
