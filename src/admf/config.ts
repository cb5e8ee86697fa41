/**
 * ADMF configuration: defaults from DESIGN.md ("Behaviour that the seed fixes", "Transport and security"),
 * validated at start with a clear message per problem. Timers in milliseconds.
 */
import { z } from 'zod';
import {
  hasTlsMaterial,
  parseConfig,
  required,
  TLS_REQUIRED,
  tlsFields,
  x1EndpointFields,
  x1Identifier,
} from '../lib/config.js';
import { DEFAULT_X1_VERSION } from '../x1/model.js';
import { DEFAULT_EXPIRY_WARNING_MS } from './warrant.js';
import { LEASE_DEFAULTS } from './lease-ownership.js';
import { isPgLocator, pgSettings } from '../store/pg/connection.js';

/**
 * Where the ADMF keeps its state: `sqlite` (the default: `admf.sqlite` in the data directory, one instance) or
 * a `postgres://USER@HOST:PORT/DB` URL (several instances on one database; docs/admf.md "PostgreSQL store").
 * A URL is checked here (parameters, TLS mode) but not connected to.
 */
const storeLocator = z
  .string()
  .min(1)
  .superRefine((v, ctx) => {
    if (v === 'sqlite') return;
    if (!isPgLocator(v)) {
      ctx.addIssue({ code: 'custom', message: 'sqlite, or a postgres://USER@HOST:PORT/DB URL' });
      return;
    }
    try {
      pgSettings(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

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
  /** Warn this long before a task's warrant ends. */
  warrantExpiryWarning: '24h',
} as const;

const DURATION_UNITS_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration: `90s`, `30m`, `24h`, `2d`, or a number of seconds; in milliseconds once parsed. */
const duration = z
  .union([
    z.number().nonnegative(),
    z.string().regex(/^\d+(\.\d+)?[smhd]$/, 'a duration such as 30m, 24h or 2d'),
  ])
  .transform((v) =>
    typeof v === 'number'
      ? Math.round(v * 1000)
      : Math.round(parseFloat(v) * DURATION_UNITS_MS[v.slice(-1) as keyof typeof DURATION_UNITS_MS]),
  );

/** A collector whose read-only HTTP API the ADMF forwards to (docs/admf.md "Collectors"). */
const collectorEntry = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1 to 64 letters, digits, dots, dashes or underscores'),
    url: z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'an http:// or https:// URL'),
    /** The collector's API token (mode 0600, as the ADMF's own). */
    tokenFile: z.string(required).min(1),
  })
  .strict();

export const admfConfigSchema = z
  .object({
    id: x1Identifier,
    ...x1EndpointFields(ADMF_DEFAULTS),
    ...tlsFields,
    time2Ms: z.number().int().positive().default(ADMF_DEFAULTS.time2Ms),
    maxResends: z.number().int().min(0).max(10).default(ADMF_DEFAULTS.maxResends),
    timeP1Ms: z.number().int().positive().default(ADMF_DEFAULTS.timeP1Ms),
    timeP2Ms: z.number().int().positive().default(ADMF_DEFAULTS.timeP2Ms),
    reconcileOnStart: z.boolean().default(ADMF_DEFAULTS.reconcileOnStart),
    store: storeLocator.default('sqlite'),
    /** The data directory: required for the embedded SQLite store, unused on PostgreSQL. */
    dataDir: z.string().min(1).optional(),
    /** Ping an unreachable NE this often to notice its return (0: never). */
    probeIntervalMs: z.number().int().min(0).default(ADMF_DEFAULTS.probeIntervalMs),
    /**
     * This instance's name among several sharing one PostgreSQL store (the X1 `id` is the same for all); by
     * default `<id>@<host>:<pid>`, so that a restarted instance is a new one.
     */
    instanceId: z.string().min(1).max(200).optional(),
    /** NE lease time to live and renewal period on a shared store (docs/admf.md "Several instances"). */
    leaseTtlMs: z.number().int().min(200).default(LEASE_DEFAULTS.ttlMs),
    leaseRenewMs: z.number().int().min(50).default(LEASE_DEFAULTS.renewMs),
    /** Lead time of the warning before a warrant ends (docs/admf.md "Warrant validity"); ms once parsed. */
    warrantExpiryWarning: duration.default(DEFAULT_EXPIRY_WARNING_MS),
    apiHost: z.string().min(1).default(ADMF_DEFAULTS.apiHost),
    apiPort: z.number().int().min(0).max(65535).default(ADMF_DEFAULTS.apiPort),
    /** REST API over TLS: `<apiTlsDir>/<id>.pem` and `.key`, or the two files (server certificate only). */
    apiTlsDir: z.string().min(1).optional(),
    apiCertFile: z.string().min(1).optional(),
    apiKeyFile: z.string().min(1).optional(),
    collectors: z
      .array(collectorEntry)
      .max(64)
      .refine((l) => new Set(l.map((c) => c.name)).size === l.length, 'collector names must differ')
      .default([]),
    /** Bearer token every REST call must carry. */
    apiToken: z
      .string(required)
      .min(
        ADMF_DEFAULTS.minTokenLength,
        `the API token must be at least ${ADMF_DEFAULTS.minTokenLength} characters`,
      ),
  })
  .refine((c) => c.timeP1Ms >= c.timeP2Ms, {
    message: 'TIME_P1 (at least this often) must not be shorter than TIME_P2 (never more often)',
    path: ['timeP1Ms'],
  })
  .refine((c) => c.dataDir !== undefined || isPgLocator(c.store), {
    message:
      'a data directory (--data) is required for the embedded SQLite store (or give a postgres:// store)',
    path: ['dataDir'],
  })
  .refine((c) => c.leaseRenewMs * 2 <= c.leaseTtlMs, {
    message: 'the lease must be renewed at least twice per time to live (leaseRenewMs ≤ leaseTtlMs / 2)',
    path: ['leaseRenewMs'],
  })
  .refine(hasTlsMaterial, TLS_REQUIRED)
  .refine((c) => (c.apiCertFile === undefined) === (c.apiKeyFile === undefined), {
    message: 'the REST API certificate and key go together (--api-cert and --api-key)',
    path: ['apiCertFile'],
  })
  .refine((c) => c.apiTlsDir === undefined || c.apiCertFile === undefined, {
    message: 'give the REST API either a TLS directory or a certificate and key, not both',
    path: ['apiTlsDir'],
  });

export type AdmfConfig = z.output<typeof admfConfigSchema>;
export type AdmfConfigInput = z.input<typeof admfConfigSchema>;

/** Parses and checks a configuration; throws a ConfigError (lib/config.ts) listing every problem. */
export function parseAdmfConfig(input: unknown): AdmfConfig {
  return parseConfig(admfConfigSchema, input, 'ADMF');
}
