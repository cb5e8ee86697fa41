/**
 * fast-check arbitraries of valid X1 model values (ETSI TS 103 221-1 schema v1.23.1, TS 103 280 v2.17.1):
 * every request and response type of `src/x1/model.ts`, every target identifier kind and delivery address.
 *
 * Simple types follow the XSD patterns, written here from the schema (not imported from the codec, which is
 * what is under test). Text is XML-representable; `xs:token` values have no leading, trailing or doubled
 * white space (the decoder collapses them); canonical forms are what the encoder writes (lower-case UUIDs and
 * hex, expanded IPv6, E.164 digits only), so that `decode(encode(m))` is `m` itself.
 *
 * Two modes: `schema` values validate against the ETSI schema set (extensions carry an `Owner` only: the
 * schema's `xs:any namespace="##other"` is strict and no foreign element is declared globally; generic objects
 * use the concrete `HashContext` and `DestinationSetDetails` types); `rich` values carry arbitrary foreign XML
 * in extensions and generic-object bodies, for the round-trip property only.
 */
import fc from 'fast-check';
import {
  CALL_PARTY_ROLES,
  DELIVERY_TYPES,
  DESTINATION_DELIVERY_STATUSES,
  ETSI280_NAMESPACE,
  HASHED_ID_NAMESPACE,
  MEDIATION_DELIVERY_TYPES,
  NE_ISSUE_TYPES,
  NE_STATUSES,
  NON_LOCAL_IDENTIFIERS,
  OK_RESPONSE_TYPES,
  OK_VALUES,
  PROVISIONING_STATUSES,
  REQUEST_MESSAGE_TYPES,
  SERVICE_TYPES,
  TASK_REPORT_TYPES,
  X1_NAMESPACE,
  XSI_NAMESPACE,
  type DeliveryAddress,
  type ErrorResponse,
  type GetAllDestinationDetailsResponse,
  type GetAllDetailsResponse,
  type GetAllTaskDetailsResponse,
  type ListAllDetailsResponse,
  type ReportDestinationIssueRequest,
  type ReportNEIssueRequest,
  type ReportTaskIssueRequest,
  type DestinationDetails,
  type DestinationResponseDetails,
  type DestinationStatus,
  type ErrorInformation,
  type Extension,
  type GenericObjectRequestType,
  type GenericObjectResponseType,
  type ListOfDids,
  type LocationType,
  type LocationTypeOptions,
  type MediationDetails,
  type MessageHeader,
  type NeStatusDetails,
  type ServiceScopingOptions,
  type TargetIdentifier,
  type TargetKind,
  type TaskDetails,
  type TaskResponseDetails,
  type TaskStatus,
  type X1Request,
  type X1RequestType,
  type X1Response,
  type X1ResponseType,
  type XmlAttr,
  type XmlTree,
} from '../../src/x1/model.js';

export type GenMode = 'schema' | 'rich';

const rec = <T extends object>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> =>
  fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
type Arbs<T> = { [K in keyof T]-?: fc.Arbitrary<Exclude<T[K], undefined>> };
type Body<M> = Omit<M, 'type' | 'header'>;

/** A record of `T`: every required key from `req`, each optional key from `opt` or absent (never undefined). */
export function recOpt<T extends object>(
  req: Omit<Arbs<T>, OptionalKeys<T>>,
  opt: Pick<Arbs<T>, OptionalKeys<T>>,
): fc.Arbitrary<T> {
  type Model = Record<string, fc.Arbitrary<unknown>>;
  return fc
    .tuple(
      fc.record(req as Model, { noNullPrototype: true }),
      fc.record(opt as Model, { requiredKeys: [], noNullPrototype: true }),
    )
    .map(([a, b]) => ({ ...a, ...b }) as T);
}
const list = <T>(a: fc.Arbitrary<T>, max = 2) => fc.array(a, { maxLength: max });

const cp = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCodePoint(c));
/** One XML 1.0 character (or a markup-sensitive sequence): ASCII, markup, white space, BMP, astral. */
const xmlUnit = fc.oneof(
  { weight: 8, arbitrary: cp(0x20, 0x7e) },
  { weight: 2, arbitrary: fc.constantFrom('<', '>', '&', '"', "'", ']]>', '&amp;', '\u00a0', '\u0085') },
  { weight: 1, arbitrary: fc.constantFrom('\t', '\n', '\r', '\r\n') },
  { weight: 1, arbitrary: cp(0x80, 0xd7ff) },
  { weight: 1, arbitrary: cp(0xe000, 0xfffd) },
  { weight: 1, arbitrary: cp(0x10000, 0x10ffff) },
);
const NOT_SPACE = /^[^\t\n\r ]+$/;
const XSD_DOT = /^[^\n\r]+$/;

/** `xs:string` content (any XML character, `\r` included: the encoder writes it as a reference). */
export const xmlString = (maxLength = 16, minLength = 0) =>
  fc.string({ unit: xmlUnit, minLength, maxLength });
/** `ShortString` (maxLength 255 characters): short, or exactly 255 single-unit characters (the bound). */
export const shortString = () =>
  fc.oneof(
    { weight: 4, arbitrary: xmlString(20) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: xmlUnit.filter((u) => u.length === 1), minLength: 255, maxLength: 255 }),
    },
  );
/** `xs:token` content: words of non-space characters joined by single spaces (possibly empty). */
export const xmlToken = (maxWords = 3) =>
  fc
    .array(fc.string({ unit: xmlUnit.filter((u) => NOT_SPACE.test(u)), minLength: 1, maxLength: 6 }), {
      maxLength: maxWords,
    })
    .map((w) => w.join(' '));

const chars = (set: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...set), minLength: min, maxLength: max });
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';
export const digits = (min: number, max: number) => chars(DIGITS, min, max);
export const hexLower = (n: number) => chars(HEX, n, n);
/** `xs:hexBinary` in the decoder's canonical lower case: whole octets. */
export const hexBinary = (maxOctets: number) =>
  fc.array(hexLower(2), { maxLength: maxOctets }).map((o) => o.join(''));

/** TS 103 280 `UUID`: `[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}`. */
export const uuidArb = fc
  .tuple(hexLower(8), hexLower(4), hexLower(4), hexLower(4), hexLower(12))
  .map((p) => p.join('-'));

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const leap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** `QualifiedMicrosecondDateTime`: years 0001–9999, 6 fraction digits, `Z` or an offset within ±14:00. */
export const timestampArb = fc
  .record(
    {
      y: fc.integer({ min: 1, max: 9999 }),
      mo: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 31 }),
      h: fc.integer({ min: 0, max: 23 }),
      mi: fc.integer({ min: 0, max: 59 }),
      s: fc.integer({ min: 0, max: 59 }),
      us: fc.integer({ min: 0, max: 999_999 }),
      tz: fc.oneof(
        fc.constant('Z'),
        fc
          .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 59 }))
          .map(([sg, oh, om]) => `${sg}${pad(oh, 2)}:${pad(oh === 14 ? 0 : om, 2)}`),
      ),
    },
    { noNullPrototype: true },
  )
  .map(({ y, mo, d, h, mi, s, us, tz }) => {
    const dim = mo === 2 && leap(y) ? 29 : DAYS[mo - 1]!;
    const day = Math.min(d, dim);
    return `${pad(y, 4)}-${pad(mo, 2)}-${pad(day, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(us, 6)}${tz}`;
  });

// TS 103 280 patterns, as the XSD writes them (anchored here; XSD patterns are anchored implicitly).
const OCTET = '(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])';
const XSD = {
  IPv4Address: `(${OCTET}\\.){3}${OCTET}`,
  IPv4CIDR: `(${OCTET}\\.){3}${OCTET}/([1-2]?[0-9]|3[0-2])`,
  IPv6Address: '([0-9a-f]{4}:){7}([0-9a-f]{4})',
  IPv6CIDR: '([0-9a-f]{4}:){7}([0-9a-f]{4})/(([1-9][0-9]?)|(1[0-1][0-9])|(12[0-8]))',
  MACAddress: '([a-f0-9]{2}:){5}[a-f0-9]{2}',
  EUI64: '([a-f0-9]{2}:){7}[a-f0-9]{2}',
  /** The SIPURI/TELURI/H323URI/IMPU character class. */
  UriChar: '[a-zA-Z0-9!#$&-;=?-\\[\\]_~%]',
  EmailLocal: "[a-zA-Z0-9.!#$%&'*+\\\\/=?^_`{|}~-]",
  EmailLabel: '[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?',
  LIID: '([!-~]{1,25})|([0-9a-f]{26,50})',
} as const;
const matching = (p: string, quantified = p) => fc.stringMatching(new RegExp(`^(${quantified})$`));

export const ipv4Arb = matching(XSD.IPv4Address);
export const ipv6Arb = matching(XSD.IPv6Address);
/**
 * `xs:anyURI`-safe URI characters for anyURI values without a pattern (libxml2 parses those as RFC 3986
 * references, which refuse `[`, `]` outside an authority, `#` twice and a bare `%`): `%XX` escapes and one
 * optional fragment.
 */
const anyUriBody = fc.stringMatching(
  /^([a-zA-Z0-9!$&'()*+,\-./:;=?@_~]|%[0-9a-fA-F]{2}){1,24}(#([a-zA-Z0-9!$&'()*+,\-./:;=?@_~]|%[0-9a-fA-F]{2}){0,8})?$/,
);
/** IPv6 literals as SIP puts them in a host part: expanded, compressed, with an IPv4 tail. */
const ipv6Literal = fc.oneof(
  ipv6Arb,
  fc.constantFrom(
    '::1',
    '2001:db8::1',
    'fe80::21a:a0ff:fe07:32e0',
    '::ffff:192.0.2.7',
    '2001:DB8:0:0:8:800:200C:417A',
  ),
);
/** SIP/TEL URI bodies: the schema's full class (`[`, `]`, `#`, bare `%` included), and IPv6-literal hosts. */
const sipTelBody = fc.oneof(
  matching(XSD.UriChar, `${XSD.UriChar}{1,40}`),
  fc
    .tuple(
      fc.stringMatching(/^[a-zA-Z0-9+._-]{1,12}$/),
      ipv6Literal,
      fc.option(fc.integer({ min: 1, max: 65535 })),
    )
    .map(([user, host, port]) => `${user}@[${host}]${port === null ? '' : `:${port}`}`),
  fc
    .tuple(ipv6Literal, fc.constantFrom('', ';transport=tcp', ';transport=tls;lr'))
    .map(([host, params]) => `[${host}]${params}`),
);
/** The full IMPU / H323URI class (ShortString-based: no anyURI parsing applies), up to `max` characters. */
const uriClassString = (max: number) =>
  fc.oneof(matching(XSD.UriChar, `${XSD.UriChar}{1,40}`), matching(XSD.UriChar, `${XSD.UriChar}{${max}}`));
export const emailArb = fc
  .tuple(
    matching(XSD.EmailLocal, `${XSD.EmailLocal}{1,20}`),
    fc.array(matching(XSD.EmailLabel, '[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?'), {
      minLength: 1,
      maxLength: 3,
    }),
  )
  .map(([l, d]) => `${l}@${d.join('.')}`);
const tcpPort = fc.integer({ min: 2, max: 65535 });
const udpPort = fc.integer({ min: 0, max: 65535 });
const gtpTunnelId = fc.integer({ min: 0, max: 4294967296 });
/** Integers within the decoder's documented bound (safe JavaScript integers). */
export const anyInteger = fc.oneof(
  fc.integer({ min: -1000, max: 100_000 }),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
);

/** `Extension`: an Owner (`xs:string`) and, in rich mode, foreign-namespace content. */
export function extensionArb(mode: GenMode): fc.Arbitrary<Extension> {
  return rec<Extension>({
    owner: xmlString(12),
    content: mode === 'schema' ? fc.constant([]) : fc.array(xmlTree(2, 'foreign'), { maxLength: 2 }),
  });
}
const extensions = (mode: GenMode, max = 2) => fc.array(extensionArb(mode), { maxLength: max });

/** Value arbitraries for every target identifier kind (the Record makes the table exhaustive). */
const TARGET_VALUES: Record<TargetKind, (mode: GenMode) => fc.Arbitrary<unknown>> = {
  e164Number: () => digits(1, 15),
  imsi: () => digits(6, 15),
  imei: () => digits(14, 14),
  macAddress: () => matching(XSD.MACAddress),
  ipv4Address: () => ipv4Arb,
  ipv6Address: () => ipv6Arb,
  ipv4Cidr: () =>
    fc.oneof(
      matching(XSD.IPv4CIDR).map((value) => ({ family: 'IPv4CIDR', value })),
      matching(XSD.IPv6CIDR).map((value) => ({ family: 'IPv6CIDR', value })),
    ),
  ipv6Cidr: () => matching(XSD.IPv6CIDR),
  tcpPort: () => tcpPort,
  tcpPortRange: () => rec({ start: tcpPort, end: tcpPort }),
  tcpPortList: () => fc.array(tcpPort, { minLength: 1, maxLength: 3 }),
  udpPort: () => udpPort,
  udpPortRange: () => rec({ start: udpPort, end: udpPort }),
  udpPortList: () => fc.array(udpPort, { minLength: 1, maxLength: 3 }),
  emailAddress: () => emailArb,
  internationalizedEmailAddress: () =>
    fc
      .tuple(xmlString(10, 1), xmlString(10, 1))
      .filter(([a, b]) => XSD_DOT.test(a) && XSD_DOT.test(b))
      .map(([a, b]) => `${a}@${b}`),
  sipUri: () => fc.tuple(fc.constantFrom('sip:', 'sips:'), sipTelBody).map(([s, b]) => s + b),
  telUri: () => sipTelBody.map((b) => `tel:${b}`),
  h323Uri: () => uriClassString(250).map((b) => `h323:${b}`),
  impu: () => uriClassString(255),
  impi: () => xmlString(),
  nai: () => xmlString(),
  radiusAttribute: () => hexBinary(6),
  gtpuTunnelId: () => gtpTunnelId,
  gtpcTunnelId: () => gtpTunnelId,
  callPartyRole: () => fc.constantFrom(...CALL_PARTY_ROLES),
  nonLocalIdentifier: () => fc.constantFrom(...NON_LOCAL_IDENTIFIERS),
  supiimsi: () => digits(6, 15),
  supinai: () => xmlString(),
  suci: () => hexBinary(8),
  peiImei: () => digits(14, 14),
  peiImeiCheckDigit: () => digits(15, 15),
  peiImeisv: () => digits(16, 16),
  gpsiMsisdn: () => digits(1, 15),
  gpsiNai: () => xmlString(),
  eui64: () => matching(XSD.EUI64),
  serviceAccessIdentifier: () => xmlString(),
  hashedIdentifier: () =>
    rec({ hashContextID: uuidArb, targetIdentityType: shortString(), hashDigest: hexBinary(32) }),
  targetIdentifierExtension: (mode) => extensionArb(mode),
  vrf: () => shortString(),
};

/** Every target identifier kind (schema order is not implied). */
export const ALL_TARGET_KINDS = Object.keys(TARGET_VALUES) as TargetKind[];

/** Builds an arbitrary once per key (building `stringMatching` arbitraries is costly). */
function memo<K extends string, A>(build: (key: K, mode: GenMode) => A): (key: K, mode: GenMode) => A {
  const cache = new Map<string, A>();
  return (key, mode) => {
    const id = `${key} ${mode}`;
    let a = cache.get(id);
    if (a === undefined) cache.set(id, (a = build(key, mode)));
    return a;
  };
}

export const targetOfKind = memo((kind: TargetKind, mode): fc.Arbitrary<TargetIdentifier> =>
  TARGET_VALUES[kind](mode).map((value) => ({ kind, value }) as TargetIdentifier),
);
export const targetArb = memo((_all: 'all', mode) =>
  fc.oneof(...ALL_TARGET_KINDS.map((k) => targetOfKind(k, mode))),
);

const DELIVERY_ADDRESSES: Record<DeliveryAddress['kind'], fc.Arbitrary<DeliveryAddress>> = {
  ipAddressAndPort: fc
    .tuple(
      fc.oneof(
        ipv4Arb.map((value) => ({ family: 'IPv4Address' as const, value })),
        ipv6Arb.map((value) => ({ family: 'IPv6Address' as const, value })),
      ),
      fc.oneof(
        tcpPort.map((port) => ({ protocol: 'TCPPort' as const, port })),
        udpPort.map((port) => ({ protocol: 'UDPPort' as const, port })),
      ),
    )
    .map(([address, port]) => ({ kind: 'ipAddressAndPort', address, port })),
  e164Number: digits(1, 15).map((value) => ({ kind: 'e164Number', value })),
  uri: fc
    .oneof(
      fc
        .tuple(fc.constantFrom('eep+udp', 'eep+tcp', 'eep+tls', 'gre-pcapng+udp'), ipv4Arb, udpPort)
        .map(([s, h, p]) => `${s}://${h}:${p}`),
      fc.tuple(fc.constantFrom('https:', 'urn:', 'x-a.b+c:'), anyUriBody).map(([s, b]) => s + b),
    )
    .map((value) => ({ kind: 'uri', value })),
  emailAddress: emailArb.map((value) => ({ kind: 'emailAddress', value })),
};
export const ALL_DELIVERY_ADDRESS_KINDS = Object.keys(DELIVERY_ADDRESSES) as DeliveryAddress['kind'][];
export const deliveryAddressOfKind = (k: DeliveryAddress['kind']) => DELIVERY_ADDRESSES[k];
export const deliveryAddressArb = fc.oneof(...Object.values(DELIVERY_ADDRESSES));

export const headerArb: fc.Arbitrary<MessageHeader> = rec<MessageHeader>({
  admfIdentifier: xmlToken(),
  neIdentifier: xmlToken(),
  messageTimestamp: timestampArb,
  version: fc.tuple(fc.nat(40), fc.nat(99)).map(([a, b]) => `v1.${a}.${b}`),
  x1TransactionId: uuidArb,
});

// ---------------------------------------------------------------------------------------------------------
// Task and destination details (clauses 6.2.1.2, 6.3.1.2), statuses and faults (6.4).

const bool = fc.boolean();
const serviceTypes = fc.array(fc.constantFrom(...SERVICE_TYPES), { minLength: 1, maxLength: 3 });
export const didsArb = rec<ListOfDids>({ dIds: list(uuidArb, 3), dSIds: list(uuidArb, 2) });

const locationTypeOptions: fc.Arbitrary<LocationTypeOptions> = fc.oneof(
  fc.constant({ kind: 'doNotReport' as const }),
  list(recOpt<LocationType>({}, { beginningAndEnd: bool, uponChange: bool, LALS: bool }), 3).map(
    (locationTypes) => ({ kind: 'listOfLocationTypes' as const, locationTypes }),
  ),
);
const serviceScopingArb = recOpt<ServiceScopingOptions>(
  {},
  {
    serviceType: serviceTypes,
    locationType: locationTypeOptions,
    suspendOnOutboundInternationalRoaming: bool,
    reportPostDialledDigits: bool,
  },
);

export function mediationDetailsArb(mode: GenMode): fc.Arbitrary<MediationDetails> {
  return recOpt<MediationDetails>(
    {
      LIID: matching(XSD.LIID),
      deliveryType: fc.constantFrom(...MEDIATION_DELIVERY_TYPES),
      mediationDetailsExtensions: extensions(mode, 1),
    },
    {
      StartTime: timestampArb,
      EndTime: timestampArb,
      listOfDIDs: didsArb,
      serviceScopingOptions: list(serviceScopingArb),
      listOfTrafficPolicyReferences: list(uuidArb),
      listOfIRIPolicyReferences: list(uuidArb),
    },
  );
}

export function taskDetailsArb(mode: GenMode): fc.Arbitrary<TaskDetails> {
  return recOpt<TaskDetails>(
    {
      xId: uuidArb,
      targetIdentifiers: fc.array(targetArb('all', mode), { minLength: 1, maxLength: 3 }),
      deliveryType: fc.constantFrom(...DELIVERY_TYPES),
      listOfDIDs: didsArb,
      taskDetailsExtensions: extensions(mode),
    },
    {
      listOfMediationDetails: list(mediationDetailsArb(mode)),
      correlationID: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      implicitDeactivationAllowed: bool,
      productID: uuidArb,
      listOfServiceTypes: serviceTypes,
      listOfTrafficPolicyReferences: list(uuidArb),
      listOfIRIPolicyReferences: list(uuidArb),
    },
  );
}

export function destinationDetailsArb(mode: GenMode): fc.Arbitrary<DestinationDetails> {
  return recOpt<DestinationDetails>(
    {
      dId: uuidArb,
      deliveryType: fc.constantFrom(...DELIVERY_TYPES),
      deliveryAddress: deliveryAddressArb,
      destinationDetailsExtensions: extensions(mode, 1),
    },
    { friendlyName: xmlString(20) },
  );
}

export const faultArb = rec<ErrorInformation>({ errorCode: anyInteger, errorDescription: xmlString(24) });

export function taskStatusArb(mode: GenMode): fc.Arbitrary<TaskStatus> {
  return recOpt<TaskStatus>(
    {
      provisioningStatus: fc.constantFrom(...PROVISIONING_STATUSES),
      listOfFaults: list(faultArb),
      taskStatusExtensions: extensions(mode, 1),
    },
    {
      timeOfLastIntercept: timestampArb,
      amountOfX2Data: anyInteger,
      amountOfX3Data: anyInteger,
      timeOfLastModification: timestampArb,
      numberOfModifications: anyInteger,
    },
  );
}

export const taskResponseDetailsArb = (mode: GenMode) =>
  rec<TaskResponseDetails>({ taskDetails: taskDetailsArb(mode), taskStatus: taskStatusArb(mode) });
export const destinationResponseDetailsArb = (mode: GenMode) =>
  rec<DestinationResponseDetails>({
    destinationDetails: destinationDetailsArb(mode),
    destinationStatus: rec<DestinationStatus>({
      destinationDeliveryStatus: fc.constantFrom(...DESTINATION_DELIVERY_STATUSES),
      listOfFaults: list(faultArb),
    }),
  });
export const neStatusDetailsArb = rec<NeStatusDetails>({
  neStatus: fc.constantFrom(...NE_STATUSES),
  listOfFaults: list(faultArb),
});

// ---------------------------------------------------------------------------------------------------------
// Opaque XML: extension content and generic-object bodies.

/** Foreign namespaces for extension content (one needs escaping in its declaration). */
export const FOREIGN_NAMESPACES = [
  'urn:example:lix',
  'http://example.com/ext?a=1&b="2"',
  'tag:example.org,2026:\u00e9',
] as const;
const DS_NS = 'http://uri.etsi.org/03221/X1/2017/10/DestinationSet';
/** XML 1.0 names without a colon, not starting with `xml` (reserved). */
const ncName = fc
  .stringMatching(/^[A-Za-z_\u00c0-\u00d6\u00d8-\u00f6][A-Za-z0-9._\-\u00b7\u00c0-\u00d6\u00d8-\u00f6]{0,8}$/)
  .filter((n) => !/^xml/i.test(n));
/** Attribute values without tab or newline (see the attribute-normalisation test for those). */
const attrValue = xmlString(10).filter((s) => !/[\t\n]/.test(s));
const attrsArb: fc.Arbitrary<XmlAttr[]> = fc
  .tuple(
    fc.uniqueArray(
      rec<XmlAttr>({ ns: fc.constantFrom('', ...FOREIGN_NAMESPACES), name: ncName, value: attrValue }),
      { maxLength: 2, selector: (a) => `${a.ns} ${a.name}` },
    ),
    fc.option(fc.tuple(fc.constantFrom(X1_NAMESPACE, ...FOREIGN_NAMESPACES), ncName), { nil: undefined }),
  )
  .map(([plain, t]) => (t === undefined ? plain : [...plain, xsiTypeAttr(t[0], t[1])]));
const anyNs = fc.constantFrom('', X1_NAMESPACE, ETSI280_NAMESPACE, ...FOREIGN_NAMESPACES);

/**
 * An element subtree as the decoder keeps it: a leaf holds no or one non-empty text; an element with child
 * elements may start with one text that is not all white space (the decoder keeps direct text first).
 * `foreign` roots are in a foreign namespace (extension content); `any` roots in any namespace or none.
 */
export function xmlTree(depth: number, root: 'foreign' | 'any'): fc.Arbitrary<XmlTree> {
  const ns = root === 'foreign' ? fc.constantFrom(...FOREIGN_NAMESPACES) : anyNs;
  const leaf = rec<XmlTree>({
    ns,
    name: ncName,
    attrs: attrsArb,
    children: fc.oneof(
      fc.constant([]),
      xmlString(12, 1).map((s) => [s]),
    ),
  });
  if (depth <= 0) return leaf;
  const lead = xmlString(8, 1).filter((s) => !/^[\t\n\r ]*$/.test(s));
  const inner = fc
    .tuple(
      ns,
      ncName,
      attrsArb,
      fc.option(lead, { nil: undefined }),
      fc.array(xmlTree(depth - 1, 'any'), { minLength: 1, maxLength: 2 }),
    )
    .map(([n, name, attrs, l, kids]): XmlTree => ({
      ns: n,
      name,
      attrs,
      children: l === undefined ? kids : [l, ...kids],
    }));
  return fc.oneof({ weight: 2, arbitrary: leaf }, { weight: 1, arbitrary: inner });
}

function el(
  ns: string,
  name: string,
  children: readonly (XmlTree | string)[] = [],
  attrs: readonly XmlAttr[] = [],
): XmlTree {
  return { ns, name, attrs, children };
}
const leafEl = (ns: string, name: string, v: string) => el(ns, name, v === '' ? [] : [v]);
function xsiTypeAttr(ns: string, local: string): XmlAttr {
  return { ns: XSI_NAMESPACE, name: 'type', value: local, qname: { ns, local } };
}

/** A concrete `GenericObject` from the vendored schemas: HashedID `HashContext` or `DestinationSetDetails`. */
function genericObject(name: string): fc.Arbitrary<XmlTree> {
  const id = (u: string) => leafEl(X1_NAMESPACE, 'objectId', u);
  const hashContext = fc
    .tuple(
      uuidArb,
      fc.constantFrom('sha-256', 'sha-512', 'sha3-512'),
      hexBinary(16).filter((h) => h.length >= 16),
    )
    .map(([u, alg, salt]) =>
      el(
        X1_NAMESPACE,
        name,
        [id(u), leafEl(HASHED_ID_NAMESPACE, 'hashAlgorithm', alg), leafEl(HASHED_ID_NAMESPACE, 'salt', salt)],
        [xsiTypeAttr(HASHED_ID_NAMESPACE, 'HashContext')],
      ),
    );
  const destinationSet = fc
    .tuple(
      uuidArb,
      fc.option(xmlString(12), { nil: undefined }),
      list(fc.tuple(uuidArb, anyInteger)),
      list(xmlString(8), 1),
      fc.constantFrom('Redundant', 'Duplicate'),
    )
    .map(([u, friendly, dids, owners, type]) =>
      el(
        X1_NAMESPACE,
        name,
        [
          id(u),
          ...(friendly === undefined ? [] : [leafEl(DS_NS, 'friendlyName', friendly)]),
          el(
            DS_NS,
            'listOfAssociatedDIDs',
            dids.map(([d, p]) =>
              el(DS_NS, 'AssociatedDID', [leafEl(DS_NS, 'dId', d), leafEl(DS_NS, 'preference', String(p))]),
            ),
          ),
          ...owners.map((o) =>
            el(DS_NS, 'destinationSetDetailsExtension', [leafEl(X1_NAMESPACE, 'Owner', o)]),
          ),
          leafEl(DS_NS, 'destinationSetType', type),
        ],
        [xsiTypeAttr(DS_NS, 'DestinationSetDetails')],
      ),
    );
  return fc.oneof(hashContext, destinationSet);
}

const objectDetails = (mode: GenMode): fc.Arbitrary<XmlTree> =>
  mode === 'rich'
    ? xmlTree(2, 'any').map((t) => ({ ...t, ns: X1_NAMESPACE, name: 'genericObjectResponseDetails' }))
    : fc
        .tuple(genericObject('object'), bool)
        .map(([o, status]) =>
          el(X1_NAMESPACE, 'genericObjectResponseDetails', status ? [o, el(X1_NAMESPACE, 'status')] : [o]),
        );
/** `GenericObjectType`: `Q\{[^{}]*\}.+`. */
const objectType = fc
  .tuple(anyUriBody, ncName)
  .map(([u, n]) => leafEl(X1_NAMESPACE, 'objectType', `Q{${u.replace(/[{}]/g, '')}}${n}`));
const objectId = uuidArb.map((u) => leafEl(X1_NAMESPACE, 'objectId', u));
const okLeaf = fc.constantFrom(...OK_VALUES).map((v) => [leafEl(X1_NAMESPACE, 'oK', v)]);

/** `listOfGenericObjectResponseDetails` items of a GetAllDetailsResponse. */
export const genericObjectDetailsList = (mode: GenMode) => list(objectDetails(mode));

const GENERIC_BODIES: Record<
  GenericObjectRequestType | GenericObjectResponseType,
  (m: GenMode) => fc.Arbitrary<XmlTree[]>
> = {
  GetAllGenericObjectDetailsRequest: () => list(objectType, 1),
  CreateObjectRequest: () => genericObject('createObject').map((o) => [o]),
  ModifyObjectRequest: () => genericObject('modifyObject').map((o) => [o]),
  GetObjectRequest: () => objectId.map((o) => [o]),
  DeleteObjectRequest: () => objectId.map((o) => [o]),
  ListObjectsOfTypeRequest: () => objectType.map((o) => [o]),
  DeleteAllObjectsRequest: () => fc.constant([]),
  GetAllGenericObjectDetailsResponse: (m) =>
    list(
      genericObjectDetailsList(m).map((l) => el(X1_NAMESPACE, 'listOfGenericObjectResponseDetails', l)),
      1,
    ),
  CreateObjectResponse: () => okLeaf,
  ModifyObjectResponse: () => okLeaf,
  GetObjectResponse: (m) => objectDetails(m).map((d) => [d]),
  DeleteObjectResponse: () => okLeaf,
  ListObjectsOfTypeResponse: () => list(objectId, 3).map((ids) => [el(X1_NAMESPACE, 'listOfObjects', ids)]),
  DeleteAllObjectsResponse: () => okLeaf,
};

/** The opaque body of a generic-object message: schema-valid, or (rich) that or arbitrary elements. */
export function genericBody(type: GenericObjectRequestType | GenericObjectResponseType, mode: GenMode) {
  const valid = GENERIC_BODIES[type](mode);
  const body = mode === 'schema' ? valid : fc.oneof(valid, fc.array(xmlTree(2, 'any'), { maxLength: 3 }));
  return body.map((b) => ({ body: b }));
}

const none = () => fc.constant({});
const xid = () => uuidArb.map((xId) => ({ xId }));
const did = () => uuidArb.map((dId) => ({ dId }));
const task = (mode: GenMode) => taskDetailsArb(mode).map((taskDetails) => ({ taskDetails }));
const dest = (mode: GenMode) =>
  destinationDetailsArb(mode).map((destinationDetails) => ({ destinationDetails }));
const code = () => anyInteger;

/** Body arbitraries for every request type (the Record makes the table exhaustive). */
const REQUEST_BODIES: Record<X1RequestType, (mode: GenMode) => fc.Arbitrary<object>> = {
  ActivateTaskRequest: task,
  ModifyTaskRequest: task,
  DeactivateTaskRequest: xid,
  DeactivateAllTasksRequest: none,
  CreateDestinationRequest: dest,
  ModifyDestinationRequest: dest,
  RemoveDestinationRequest: did,
  RemoveAllDestinationsRequest: none,
  GetTaskDetailsRequest: xid,
  GetDestinationDetailsRequest: did,
  GetNEStatusRequest: none,
  GetAllDetailsRequest: none,
  GetAllTaskDetailsRequest: none,
  GetAllDestinationDetailsRequest: none,
  ListAllDetailsRequest: none,
  ReportTaskIssueRequest: (mode) =>
    recOpt<Body<ReportTaskIssueRequest>>(
      {
        xId: uuidArb,
        taskReportType: fc.constantFrom(...TASK_REPORT_TYPES),
        taskIssueExtensions: extensions(mode),
      },
      { taskIssueErrorCode: code(), taskIssueDetails: xmlString(24) },
    ),
  ReportDestinationIssueRequest: () =>
    recOpt<Body<ReportDestinationIssueRequest>>(
      { dId: uuidArb, destinationReportType: fc.constantFrom(...TASK_REPORT_TYPES) },
      { destinationIssueErrorCode: code(), destinationIssueDetails: xmlString(24) },
    ),
  ReportNEIssueRequest: (mode) =>
    recOpt<Body<ReportNEIssueRequest>>(
      {
        typeOfNeIssueMessage: fc.constantFrom(...NE_ISSUE_TYPES),
        description: xmlString(24),
        nEIssueExtensions: extensions(mode),
      },
      { issueCode: code() },
    ),
  PingRequest: none,
  KeepaliveRequest: none,
  GetAllGenericObjectDetailsRequest: (mode) => genericBody('GetAllGenericObjectDetailsRequest', mode),
  CreateObjectRequest: (mode) => genericBody('CreateObjectRequest', mode),
  ModifyObjectRequest: (mode) => genericBody('ModifyObjectRequest', mode),
  GetObjectRequest: (mode) => genericBody('GetObjectRequest', mode),
  DeleteObjectRequest: (mode) => genericBody('DeleteObjectRequest', mode),
  ListObjectsOfTypeRequest: (mode) => genericBody('ListObjectsOfTypeRequest', mode),
  DeleteAllObjectsRequest: (mode) => genericBody('DeleteAllObjectsRequest', mode),
};

const okBody = (type: X1ResponseType) => () =>
  fc
    .constantFrom(...(type === 'ReportNEIssueResponse' ? (['AcknowledgedAndCompleted'] as const) : OK_VALUES))
    .map((oK) => ({ oK }));
const okBodies = Object.fromEntries(OK_RESPONSE_TYPES.map((t) => [t, okBody(t)])) as unknown as Record<
  (typeof OK_RESPONSE_TYPES)[number],
  (mode: GenMode) => fc.Arbitrary<object>
>;
/** Body arbitraries for every response type. */
const RESPONSE_BODIES: Record<X1ResponseType, (mode: GenMode) => fc.Arbitrary<object>> = {
  ...okBodies,
  GetTaskDetailsResponse: (mode) =>
    taskResponseDetailsArb(mode).map((taskResponseDetails) => ({ taskResponseDetails })),
  GetDestinationDetailsResponse: (mode) =>
    destinationResponseDetailsArb(mode).map((destinationResponseDetails) => ({ destinationResponseDetails })),
  GetNEStatusResponse: () => neStatusDetailsArb.map((neStatusDetails) => ({ neStatusDetails })),
  GetAllDetailsResponse: (mode) =>
    recOpt<Body<GetAllDetailsResponse>>(
      {
        neStatusDetails: neStatusDetailsArb,
        listOfTaskResponseDetails: list(taskResponseDetailsArb(mode)),
        listOfDestinationResponseDetails: list(destinationResponseDetailsArb(mode)),
      },
      { listOfGenericObjectResponseDetails: genericObjectDetailsList(mode) },
    ),
  GetAllTaskDetailsResponse: (mode) =>
    recOpt<Body<GetAllTaskDetailsResponse>>(
      {},
      { listOfTaskResponseDetails: list(taskResponseDetailsArb(mode)) },
    ),
  GetAllDestinationDetailsResponse: (mode) =>
    recOpt<Body<GetAllDestinationDetailsResponse>>(
      {},
      { listOfDestinationResponseDetails: list(destinationResponseDetailsArb(mode)) },
    ),
  ListAllDetailsResponse: () =>
    recOpt<Body<ListAllDetailsResponse>>(
      { ListOfXIDs: list(uuidArb, 3), ListOfDIDs: didsArb },
      { ListOfGenericObjectIDs: list(uuidArb, 3) },
    ),
  ErrorResponse: () =>
    recOpt<Body<ErrorResponse>>(
      { requestMessageType: fc.constantFrom(...REQUEST_MESSAGE_TYPES), errorInformation: faultArb },
      {
        extensionInformation: rec({
          extensionSpecification: fc.constant('TS133128'),
          extendedRequestMessageType: xmlString(),
        }),
      },
    ),
  GetAllGenericObjectDetailsResponse: (mode) => genericBody('GetAllGenericObjectDetailsResponse', mode),
  CreateObjectResponse: (mode) => genericBody('CreateObjectResponse', mode),
  ModifyObjectResponse: (mode) => genericBody('ModifyObjectResponse', mode),
  GetObjectResponse: (mode) => genericBody('GetObjectResponse', mode),
  DeleteObjectResponse: (mode) => genericBody('DeleteObjectResponse', mode),
  ListObjectsOfTypeResponse: (mode) => genericBody('ListObjectsOfTypeResponse', mode),
  DeleteAllObjectsResponse: (mode) => genericBody('DeleteAllObjectsResponse', mode),
};

export const ALL_REQUEST_TYPES = Object.keys(REQUEST_BODIES) as X1RequestType[];
export const ALL_RESPONSE_TYPES = Object.keys(RESPONSE_BODIES) as X1ResponseType[];

export const requestOfType = memo((type: X1RequestType, mode): fc.Arbitrary<X1Request> =>
  fc.tuple(headerArb, REQUEST_BODIES[type](mode)).map(([header, b]) => ({ type, header, ...b }) as X1Request),
);
export const responseOfType = memo((type: X1ResponseType, mode): fc.Arbitrary<X1Response> =>
  fc
    .tuple(headerArb, RESPONSE_BODIES[type](mode))
    .map(([header, b]) => ({ type, header, ...b }) as X1Response),
);
/** Any request type, evenly. */
export const requestArb = (mode: GenMode) =>
  fc.oneof(...ALL_REQUEST_TYPES.map((t) => requestOfType(t, mode)));
/** Any response type, evenly. */
export const responseArb = (mode: GenMode) =>
  fc.oneof(...ALL_RESPONSE_TYPES.map((t) => responseOfType(t, mode)));

// ---------------------------------------------------------------------------------------------------------
// Encoded documents as editable trees: for equivalent re-spellings (here) and for mutants (agreement test).

/** An element of an encoder-written document; `text` is its direct character data, still escaped. */
export interface EditNode {
  qname: string;
  /** Attributes in order, values still escaped (namespace declarations included). */
  attrs: [string, string][];
  kids: EditNode[];
  text: string;
}

export interface EditDoc {
  prolog: string;
  root: EditNode;
}

const TOKEN = /<(\/?)([^\s/>]+)((?:\s+[^\s=]+="[^"]*")*)\s*(\/?)>|([^<]+)/y;

/** Parses what the encoder writes (double-quoted attributes, no comments, text before child elements). */
export function parseEncoded(xml: string): EditDoc {
  const start = xml.indexOf('<', xml.startsWith('<?xml') ? xml.indexOf('?>') : 0);
  const prolog = xml.slice(0, start);
  const stack: EditNode[] = [{ qname: '', attrs: [], kids: [], text: '' }];
  TOKEN.lastIndex = start;
  for (let m = TOKEN.exec(xml); m !== null; m = TOKEN.exec(xml)) {
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) top.text += m[5];
    else if (m[1] === '/') stack.pop();
    else {
      const attrs = [...m[3]!.matchAll(/\s+([^\s=]+)="([^"]*)"/g)].map((a): [string, string] => [
        a[1]!,
        a[2]!,
      ]);
      const node: EditNode = { qname: m[2]!, attrs, kids: [], text: '' };
      top.kids.push(node);
      if (m[4] !== '/') stack.push(node);
    }
  }
  if (stack.length !== 1 || stack[0]!.kids.length !== 1) throw new Error('not an encoder-written document');
  return { prolog, root: stack[0]!.kids[0]! };
}

export interface Spelling {
  /** Separator between child elements of element-only content (white space, comments, PIs). */
  readonly gap: () => string;
  /** Writes a text: as is, as CDATA or with character references. */
  readonly text: (escaped: string) => string;
  readonly quote: '"' | "'";
  /** `<a/>` or `<a></a>` for an empty element. */
  readonly emptyTag: (qname: string, attrs: string) => string;
  readonly endTagSpace: string;
}

const attrText = (attrs: [string, string][], q: string) =>
  attrs.map(([n, v]) => ` ${n}=${q === "'" && !v.includes("'") ? `'${v}'` : `"${v}"`}`).join('');

/** Serializes an edited tree; `spell` re-spells it without changing its meaning. */
export function serializeEdited(doc: EditDoc, spell?: Spelling): string {
  const out = (n: EditNode): string => {
    const attrs = attrText(n.attrs, spell?.quote ?? '"');
    if (n.kids.length === 0 && n.text === '')
      return spell ? spell.emptyTag(n.qname, attrs) : `<${n.qname}${attrs}/>`;
    const text = n.text === '' ? '' : spell ? spell.text(n.text) : n.text;
    const sep = spell && n.text === '' ? spell.gap : () => '';
    const kids = n.kids.map((k) => sep() + out(k)).join('') + (n.kids.length > 0 ? sep() : '');
    return `<${n.qname}${attrs}>${text}${kids}</${n.qname}${spell?.endTagSpace ?? ''}>`;
  };
  return doc.prolog + out(doc.root);
}

const unescapeText = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|#13);/g, (_m, e: string) =>
    e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'amp' ? '&' : e === 'quot' ? '"' : '\r',
  );

/** Re-spells a text: CDATA (when it can carry it), or ASCII letters and digits as character references. */
function spellText(escaped: string, how: number, pick: () => number): string {
  const raw = unescapeText(escaped);
  if (how === 1 && !raw.includes('\r') && !raw.includes(']]>')) return `<![CDATA[${raw}]]>`;
  if (how === 2)
    return escaped.replace(/&[^;]*;|[A-Za-z0-9]/g, (c) =>
      c.length > 1 ? c : pick() < 0.3 ? `&#x${c.charCodeAt(0).toString(16)};` : c,
    );
  if (how === 3) return escaped.replace(/^([^&]?)/u, '$1<!--split-->');
  return escaped;
}

const PREFIX_CHOICES = ['a', 'X1', 'p_', 'q.r', 'z9'] as const;

/** Renames the root's prefixes (elements, declarations and `xsi:type` values) or makes X1 the default namespace. */
function renamePrefixes(doc: EditDoc, choice: number, useDefault: boolean): void {
  const declared = doc.root.attrs.filter(([n]) => n.startsWith('xmlns:')).map(([n]) => n.slice(6));
  const map = new Map(declared.map((p, i) => [p, PREFIX_CHOICES[(choice + i) % PREFIX_CHOICES.length]!]));
  const all: EditNode[] = [];
  const walk = (n: EditNode) => (all.push(n), n.kids.forEach(walk));
  walk(doc.root);
  const x1Default = useDefault && all.every((n) => n.qname.includes(':'));
  const rename = (q: string) => {
    const c = q.indexOf(':');
    const p = c === -1 ? undefined : map.get(q.slice(0, c));
    if (p === undefined) return q;
    return x1Default && q.startsWith('x1:') ? q.slice(3) : `${p}:${q.slice(c + 1)}`;
  };
  for (const n of all) {
    n.qname = rename(n.qname);
    n.attrs = n.attrs.map(([a, v]) => {
      if (a.startsWith('xmlns:') && map.has(a.slice(6)) && n === doc.root)
        return [`xmlns:${map.get(a.slice(6))}`, v];
      const name = a.startsWith('xmlns') ? a : rename(a);
      return [name, a === 'xsi:type' ? rename(v) : v];
    });
  }
  if (x1Default) doc.root.attrs.push(['xmlns', 'http://uri.etsi.org/03221/X1/2017/10']);
}

/**
 * Equivalent spellings of an encoder-written document (same infoset for X1 purposes): other prefixes or
 * X1 as the default namespace, white space, comments and processing instructions between elements, CDATA
 * and character references in text, comments inside text, single-quoted attributes, `<a></a>` for `<a/>`,
 * another XML declaration or none.
 */
export function equivalentSpellingArb(xml: string): fc.Arbitrary<string> {
  return fc
    .record(
      {
        prefixes: fc.nat(PREFIX_CHOICES.length - 1),
        rename: fc.boolean(),
        useDefault: fc.boolean(),
        gaps: fc.array(fc.constantFrom('', ' ', '\n  ', '\t', '\r\n', '<!-- c -->', '<?lix pi?>'), {
          minLength: 1,
          maxLength: 4,
        }),
        text: fc.nat(3),
        quote: fc.constantFrom('"' as const, "'" as const),
        longEmpty: fc.boolean(),
        endTagSpace: fc.constantFrom('', ' ', '\n'),
        prolog: fc.constantFrom(
          '',
          '<?xml version="1.0" encoding="UTF-8"?>\n',
          "<?xml version='1.0' standalone='yes'?>",
          '\uFEFF',
        ),
        seed: fc.integer(),
      },
      { noNullPrototype: true },
    )
    .map((o) => {
      let state = o.seed >>> 0 || 1;
      const pick = () => ((state = (state * 1103515245 + 12345) >>> 0) % 1000) / 1000;
      const doc = parseEncoded(xml);
      doc.prolog = o.prolog;
      if (o.rename) renamePrefixes(doc, o.prefixes, o.useDefault);
      return serializeEdited(doc, {
        gap: () => o.gaps[Math.floor(pick() * o.gaps.length)]!,
        text: (t) => spellText(t, o.text, pick),
        quote: o.quote,
        emptyTag: (q, a) => (o.longEmpty ? `<${q}${a}></${q}>` : `<${q}${a} />`),
        endTagSpace: o.endTagSpace,
      });
    });
}
