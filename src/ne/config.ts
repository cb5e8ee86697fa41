/**
 * NE configuration: defaults from DESIGN.md ("Behaviour that the seed fixes", "Transport and security"), and
 * validation that fails at start with a clear message. Timers in milliseconds.
 */
import { z } from 'zod';
import {
  hasTlsMaterial,
  parseConfig,
  TLS_REQUIRED,
  tlsFields,
  x1EndpointFields,
  x1Identifier,
} from '../lib/config.js';
import { DEFAULT_X1_VERSION } from '../x1/model.js';

/**
 * A port list in the text form of `--source iface:NAME?sip=...`: `5060,5070-5079` or `none` (its shape;
 * the probe checks the ranges when it builds the source).
 */
const portList = z
  .string()
  .regex(/^(none|\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*)$/, 'ports like 5060,5070-5079, or none');

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
  /** GetAllDetails, GetAllTaskDetails and ListAllDetails answered per container; more get an error each. */
  maxBulkPerContainer: 2,
  maskKeys: true,
} as const;

/** The most probe worker threads a configuration may ask for. */
export const PROBE_WORKERS_MAX = 64;

export const neConfigSchema = z
  .object({
    id: x1Identifier,
    admfId: x1Identifier,
    ...x1EndpointFields(NE_DEFAULTS),
    ...tlsFields,
    /** ADMF URL for reports (`https://host:port/X1/ADMF`); without it reports wait in the outbox. */
    admfUrl: z.url({ protocol: /^https?$/ }).optional(),
    time1Ms: z.number().int().positive().default(NE_DEFAULTS.time1Ms),
    time2Ms: z.number().int().positive().default(NE_DEFAULTS.time2Ms),
    keepalive: z.boolean().default(NE_DEFAULTS.keepalive),
    timeP3Ms: z.number().int().positive().default(NE_DEFAULTS.timeP3Ms),
    deactivateAllEnabled: z.boolean().default(NE_DEFAULTS.deactivateAllEnabled),
    removeAllDestinationsEnabled: z.boolean().default(NE_DEFAULTS.removeAllDestinationsEnabled),
    certWarningDays: z.number().int().min(0).default(NE_DEFAULTS.certWarningDays),
    maxBulkPerContainer: z.number().int().min(1).default(NE_DEFAULTS.maxBulkPerContainer),
    /**
     * The probe's packet source (`pcap:FILE[?loop][&pace=original|fast]`, `iface:NAME`, `synthetic[:RATE]`);
     * without it the NE answers X1 but intercepts nothing.
     */
    source: z.string().min(1).optional(),
    /**
     * Ports whose SIP, Diameter and GTP-C traffic a live source (`iface:`) captures, e.g.
     * `{ "sip": "5060,5070-5079" }`; the registered ports for those not given. Parameters of the source spec
     * (`iface:eth1?sip=...`) win over these.
     */
    capturePorts: z
      .object({ sip: portList, diameter: portList, gtpc: portList })
      .partial()
      .strict()
      .optional(),
    /**
     * Mask keys and authentication vectors in intercepted signalling before delivery (TS 33.501);
     * only an explicit false switches it off (logged as a warning, shown on the health endpoint).
     */
    maskKeys: z.boolean().default(NE_DEFAULTS.maskKeys),
    /**
     * Worker threads of the probe's message stage (inspect, match, mask, deliver), sharded by session; 1 keeps
     * the data plane in the NE's thread. Absent: the cores available (`os.availableParallelism()`).
     */
    probeWorkers: z.number().int().min(1).max(PROBE_WORKERS_MAX).optional(),
  })
  .refine((c) => c.time2Ms >= 2 * c.time1Ms, {
    message: 'TIME2 must be at least twice TIME1',
    path: ['time2Ms'],
  })
  .refine(hasTlsMaterial, TLS_REQUIRED);

export type NeConfig = z.output<typeof neConfigSchema>;
export type NeConfigInput = z.input<typeof neConfigSchema>;

/** Parses and checks a configuration; throws a ConfigError (lib/config.ts) listing every problem. */
export function parseNeConfig(input: unknown): NeConfig {
  return parseConfig(neConfigSchema, input, 'NE');
}
