/**
 * What each kind of target identifier the REST API takes must look like (TS 103 280 patterns, simple-types.ts),
 * as one pure table: the REST refusals (src/api/convert.ts) name the form, and the operator console (web/)
 * checks a value with {@link checkTargetValue} before it sends anything. The XSD stays the final judge.
 */
import { canonicalE164, expandIpv6, PATTERNS } from './simple-types.js';

interface TargetForm {
  /** What a valid value looks like, in words (ends a refusal). */
  readonly form: string;
  /** True when the value, as typed, is one the schema takes. */
  readonly ok: (value: string) => boolean;
}

const cidr6 = (v: string) => {
  const [addr, len, more] = v.split('/');
  const full = addr === undefined ? undefined : expandIpv6(addr);
  return more === undefined && full !== undefined && PATTERNS.IPv6CIDR.test(`${full}/${len ?? ''}`);
};
const port = (p: string) => /^\d{1,5}$/.test(p) && Number(p) >= 0 && Number(p) <= 65535;

/** The target kinds with a form, by TargetIdentifier element name. */
export const TARGET_FORMS: Readonly<Record<string, TargetForm>> = {
  imsi: { form: 'an IMSI is 6 to 15 digits', ok: (v) => PATTERNS.IMSI.test(v) },
  imei: { form: 'an IMEI is 14 digits (without the check digit)', ok: (v) => PATTERNS.IMEI.test(v) },
  imeiCheckDigit: {
    form: 'an IMEI with its check digit is 15 digits',
    ok: (v) => PATTERNS.IMEICheckDigit.test(v),
  },
  imeisv: { form: 'an IMEISV is 16 digits', ok: (v) => PATTERNS.IMEISV.test(v) },
  e164Number: {
    form: 'an E.164 number is 1 to 15 digits, optionally written with a leading + and spaces',
    ok: (v) => PATTERNS.InternationalE164.test(canonicalE164(v)),
  },
  sipUri: { form: 'a SIP URI looks like sip:user@host', ok: (v) => PATTERNS.SIPURI.test(v) },
  telUri: { form: 'a TEL URI looks like tel:+4420794600', ok: (v) => PATTERNS.TELURI.test(v) },
  ipv4Address: { form: 'an IPv4 address looks like 192.0.2.1', ok: (v) => PATTERNS.IPv4Address.test(v) },
  ipv6Address: {
    form: 'an IPv6 address looks like 2001:db8::1',
    ok: (v) => expandIpv6(v) !== undefined,
  },
  ipv4Cidr: { form: 'an IPv4 range looks like 192.0.2.0/24', ok: (v) => PATTERNS.IPv4CIDR.test(v) },
  ipv6Cidr: { form: 'an IPv6 range looks like 2001:db8::/32', ok: cidr6 },
  tcpPortRange: {
    form: 'a port range looks like 5060-5061',
    ok: (v) => /^\d+-\d+$/.test(v) && v.split('-').every(port),
  },
  udpPortRange: {
    form: 'a port range looks like 5060-5061',
    ok: (v) => /^\d+-\d+$/.test(v) && v.split('-').every(port),
  },
};

/** Undefined when `value` has the form of `kind` (or the kind has no form here); else why not. */
export function checkTargetValue(kind: string, value: string): string | undefined {
  const f = TARGET_FORMS[kind];
  if (f === undefined || f.ok(value.trim())) return undefined;
  return `${kind} "${value}" is not valid: ${f.form}`;
}
