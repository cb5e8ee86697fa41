/**
 * A subscriber's identities → the X1 target identifiers that cover it on every protocol the probe matches
 * (docs/admf.md "Subscribers"). Pure. Each target becomes one X1 task (targets of one task are ANDed, so the
 * identities cannot share a task); two identities the probe sees as one (an MSISDN and the IMPU
 * `tel:+MSISDN`) give one target, so that no message is delivered twice for one subscriber.
 *
 * What the probe extracts (src/probe/proto): every SIP or tel URI in SIP (Request-URI, From, To,
 * P-Asserted-Identity, Contact) and Diameter (Public-Identity, Subscription-Id) that carries a global number
 * (`+digits`, or `user=phone`) also stands for that `e164Number`; GTPv2-C and Diameter carry the MSISDN as
 * `e164Number`, the IMSI as `imsi`, the IMEI as `imei` (14 digits), the IMPI as Diameter User-Name (`impi`).
 * Hence:
 *
 * | identity | target |
 * |---|---|
 * | `imsi` | `imsi` |
 * | `msisdn` | `e164Number` (catches `tel:+MSISDN` and `sip:+MSISDN@any-host` as well as Diameter/GTP) |
 * | `impu` with a global number (`tel:+N`, `sip:+N@host`, `sip:N@host;user=phone`) | `e164Number` N |
 * | `impu` other SIP URI (`sip:alice@example.net`) | `sipUri` |
 * | `impu` other tel URI (a local number) | `telUri` |
 * | `impi` | `impi` |
 * | `imei` (14, 15 or 16 digits) | `imei` (the 14-digit TAC + SNR) |
 */
import { LixError } from '../lib/errors.js';
import type { TargetIdentifier } from '../x1/model.js';

/** The kinds of identity a subscriber has. */
export const SUBSCRIBER_IDENTITY_KINDS = ['imsi', 'msisdn', 'impu', 'impi', 'imei'] as const;
export type SubscriberIdentityKind = (typeof SUBSCRIBER_IDENTITY_KINDS)[number];

export interface SubscriberIdentity {
  readonly kind: SubscriberIdentityKind;
  readonly value: string;
}

/** One X1 target identifier of a subscriber, with the identities it covers. */
export interface SubscriberTarget {
  /** `kind:value` of the target, unique within a subscriber (e.g. `e164Number:447900000000`). */
  readonly key: string;
  readonly target: TargetIdentifier & { readonly value: string };
  /** The identities (normalised) this target covers. */
  readonly covers: readonly SubscriberIdentity[];
}

/** A refused identity: `identities[i]: …` in the user's terms, with the form the kind takes. */
export class SubscriberIdentityError extends LixError<'invalid-identity'> {
  constructor(message: string) {
    super('invalid-identity', message);
  }
}

/** What each kind of identity must look like, for refusals. */
export const IDENTITY_FORMS: Readonly<Record<SubscriberIdentityKind, string>> = {
  imsi: 'an IMSI is 6 to 15 digits',
  msisdn: 'an MSISDN is an E.164 number of 1 to 15 digits, optionally written with + and spaces',
  impu: 'an IMPU is a sip: or tel: URI, e.g. sip:+447900000000@ims.example.net or tel:+447900000000',
  impi: 'an IMPI is a user@realm NAI, e.g. 001010000000000@ims.mnc001.mcc001.3gppnetwork.org',
  imei: 'an IMEI is 14 digits, or 15 with its check digit, or an IMEISV of 16',
};

/** Limits of one subscriber. */
export const SUBSCRIBER_LIMITS = { maxIdentities: 16, maxValueLength: 255 } as const;

const VISUAL = /[\s\-.()]/g;

type Target = SubscriberTarget['target'];

/** The E.164 digits of a global number (`+digits`, or digits with `user=phone`), else undefined. */
function globalNumber(user: string, userPhone: boolean): string | undefined {
  const n = user.replace(VISUAL, '');
  const digits = n.startsWith('+') ? n.slice(1) : userPhone ? n : undefined;
  return digits !== undefined && /^[0-9]{1,15}$/.test(digits) ? digits : undefined;
}

function impuTarget(raw: string): { value: string; target: Target } | undefined {
  const lower = raw.toLowerCase();
  if (lower.startsWith('tel:')) {
    const number = raw.slice(4).split(';')[0]!;
    const e164 = globalNumber(number, false);
    if (e164 !== undefined) return { value: `tel:+${e164}`, target: { kind: 'e164Number', value: e164 } };
    const local = number.replace(VISUAL, '');
    if (!/^[0-9*#A-Fa-f]+$/.test(local)) return undefined;
    return { value: raw, target: { kind: 'telUri', value: raw } };
  }
  const m = /^(sips?):([^@;?]+)@([^;?>\s]+)(.*)$/i.exec(raw);
  if (!m) return undefined;
  const [, , user, host, rest] = m as unknown as [string, string, string, string, string];
  const userPhone = /;user=phone(?:;|$)/i.test(rest);
  const e164 = globalNumber(user.split(';')[0]!, userPhone);
  const hostPart = host.replace(/:[0-9]+$/, '').toLowerCase();
  if (hostPart === '') return undefined;
  const uri = `sip:${user}@${hostPart}${userPhone ? ';user=phone' : ''}`;
  if (e164 !== undefined) return { value: uri, target: { kind: 'e164Number', value: e164 } };
  return { value: uri, target: { kind: 'sipUri', value: uri } };
}

/** The normalised identity and its target, or undefined when the value is not one of its kind. */
function targetOf(id: SubscriberIdentity): { value: string; target: Target } | undefined {
  const v = id.value.trim();
  if (v === '' || v.length > SUBSCRIBER_LIMITS.maxValueLength) return undefined;
  switch (id.kind) {
    case 'imsi':
      return /^[0-9]{6,15}$/.test(v) ? { value: v, target: { kind: 'imsi', value: v } } : undefined;
    case 'msisdn': {
      const e164 = globalNumber(v.startsWith('+') ? v : `+${v}`, false);
      return e164 === undefined ? undefined : { value: e164, target: { kind: 'e164Number', value: e164 } };
    }
    case 'impu':
      return impuTarget(v);
    case 'impi': {
      const at = v.lastIndexOf('@');
      if (at < 1 || at === v.length - 1 || /\s/.test(v)) return undefined;
      const nai = v.slice(0, at) + v.slice(at).toLowerCase();
      return { value: nai, target: { kind: 'impi', value: nai } };
    }
    case 'imei':
      return /^[0-9]{14,16}$/.test(v)
        ? { value: v, target: { kind: 'imei', value: v.slice(0, 14) } }
        : undefined;
  }
}

/** Normalises one identity; throws SubscriberIdentityError naming it (`where`) and its form. */
export function normaliseSubscriberIdentity(id: SubscriberIdentity, where: string): SubscriberIdentity {
  if (!(SUBSCRIBER_IDENTITY_KINDS as readonly string[]).includes(id.kind))
    throw new SubscriberIdentityError(
      `${where}: unknown identity kind "${id.kind}" (one of ${SUBSCRIBER_IDENTITY_KINDS.join(', ')})`,
    );
  const t = targetOf(id);
  if (!t)
    throw new SubscriberIdentityError(
      `${where}: invalid ${id.kind.toUpperCase()} "${id.value}": ${IDENTITY_FORMS[id.kind]}`,
    );
  return { kind: id.kind, value: t.value };
}

/** `kind:value`, the identity of an identity. */
export const identityKey = (id: SubscriberIdentity): string => `${id.kind}:${id.value}`;

/**
 * The identities, normalised and without repeats (first kept), and the targets that cover them, in the
 * order of the identities. Throws SubscriberIdentityError for a bad identity, none, or too many.
 */
export function expandSubscriber(identities: readonly SubscriberIdentity[]): {
  identities: SubscriberIdentity[];
  targets: SubscriberTarget[];
} {
  if (identities.length === 0)
    throw new SubscriberIdentityError('identities: a subscriber needs at least one identity');
  if (identities.length > SUBSCRIBER_LIMITS.maxIdentities)
    throw new SubscriberIdentityError(
      `identities: at most ${SUBSCRIBER_LIMITS.maxIdentities} identities per subscriber`,
    );
  const seen = new Set<string>();
  const normalised: SubscriberIdentity[] = [];
  const byTarget = new Map<string, { target: Target; covers: SubscriberIdentity[] }>();
  identities.forEach((raw, i) => {
    const id = normaliseSubscriberIdentity(raw, `identities[${i}]`);
    if (seen.has(identityKey(id))) return;
    seen.add(identityKey(id));
    normalised.push(id);
    const { target } = targetOf(id)!;
    const key = `${target.kind}:${target.value}`;
    const slot = byTarget.get(key);
    if (slot) slot.covers.push(id);
    else byTarget.set(key, { target, covers: [id] });
  });
  return {
    identities: normalised,
    targets: [...byTarget].map(([key, s]) => ({ key, target: s.target, covers: s.covers })),
  };
}
