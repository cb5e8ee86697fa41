/**
 * SIP messages (RFC 3261) of the synthetic traffic: a registration (REGISTER / 200) and a call dialog
 * (INVITE / 100 / 180 / 200 / ACK / BYE / 200) between the lab's P-CSCF and S-CSCF, carrying the
 * subscribers in the Request-URI, From, To, P-Asserted-Identity (RFC 3325 §9.1) and Contact. Pure.
 */
import { encodeUtf8 } from '../../stm/bin.js';
import { LAB_NODES, LAB_PORTS, ueAddress } from './lab-nodes.js';
import { POPULATION, type LabSubscriber } from './population.js';

/** One SIP message and its direction (true: P-CSCF → S-CSCF). */
export interface SipMessage {
  readonly outbound: boolean;
  readonly text: string;
}

/** Per-dialog random tokens, from the generator's seeded random numbers. */
export interface DialogTokens {
  readonly callId: string;
  readonly fromTag: string;
  readonly toTag: string;
  /** Via branch suffixes, one per client transaction. */
  readonly branch: string;
}

const VIA_MAGIC = 'z9hG4bK';
const { pcscf, scscf } = LAB_NODES;
const REGISTER_EXPIRES = 600;
const MAX_FORWARDS = 70;

function message(startLine: string, headers: readonly string[], body = ''): string {
  return [startLine, ...headers, `Content-Length: ${encodeUtf8(body).length}`, '', body].join('\r\n');
}

const via = (branch: string) =>
  `Via: SIP/2.0/UDP ${pcscf.address}:${LAB_PORTS.sip};branch=${VIA_MAGIC}${branch}`;

/** The IMS AKA challenge of a registration: the 401's WWW-Authenticate and the second REGISTER's Authorization. */
export interface RegistrationChallenge {
  readonly challenge: string;
  readonly credentials: string;
}

/**
 * REGISTER and its 200 OK (RFC 3261 §10; TS 24.229 §5.2.2 for the IMS headers); with `aka`, the S-CSCF's
 * 401 and the REGISTER with credentials come between them (TS 24.229 §5.4.1.2, TS 33.203 §6.1).
 */
export function registration(sub: LabSubscriber, t: DialogTokens, aka?: RegistrationChallenge): SipMessage[] {
  const domain = POPULATION.imsDomain;
  const contact = `Contact: <sip:+${sub.msisdn}@${ueAddress(sub.index)}:${LAB_PORTS.sip}>;expires=${REGISTER_EXPIRES}`;
  const from = `From: <${sub.sipUri}>;tag=${t.fromTag}`;
  const callId = `Call-ID: ${t.callId}`;
  const request = (branch: string, cseq: number, authorization: string) =>
    message(`REGISTER sip:${domain} SIP/2.0`, [
      via(branch),
      `Max-Forwards: ${MAX_FORWARDS}`,
      from,
      `To: <${sub.sipUri}>`,
      callId,
      `CSeq: ${cseq} REGISTER`,
      contact,
      authorization,
      `Expires: ${REGISTER_EXPIRES}`,
    ]);
  const response = (status: string, branch: string, cseq: number, extra: readonly string[]) =>
    message(`SIP/2.0 ${status}`, [
      via(branch),
      from,
      `To: <${sub.sipUri}>;tag=${t.toTag}`,
      callId,
      `CSeq: ${cseq} REGISTER`,
      ...extra,
    ]);
  const first = request(
    t.branch,
    1,
    `Authorization: Digest username="${sub.impi}", realm="${domain}", uri="sip:${domain}", nonce="", response=""`,
  );
  const ok = (branch: string, cseq: number) =>
    response('200 OK', branch, cseq, [contact, `P-Associated-URI: <${sub.sipUri}>, <${sub.telUri}>`]);
  if (!aka)
    return [
      { outbound: true, text: first },
      { outbound: false, text: ok(t.branch, 1) },
    ];
  const second = `${t.branch}2`;
  return [
    { outbound: true, text: first },
    { outbound: false, text: response('401 Unauthorized', t.branch, 1, [aka.challenge]) },
    { outbound: true, text: request(second, 2, aka.credentials) },
    { outbound: false, text: ok(second, 2) },
  ];
}

function sdp(i: number, sessionId: string): string {
  const ip = ueAddress(i);
  return [
    'v=0',
    `o=- ${sessionId} 1 IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    'm=audio 49170 RTP/AVP 0',
    'a=rtpmap:0 PCMU/8000',
    '',
  ].join('\r\n');
}

/**
 * A whole call from `a` to `b` (RFC 3261 §13-15): INVITE, 100, 180, 200, ACK, BYE, 200, addressed to `b`'s
 * tel URI (Request-URI and To) or to its SIP URI.
 */
export function callDialog(
  a: LabSubscriber,
  b: LabSubscriber,
  t: DialogTokens,
  addressedAs: 'tel' | 'sip' = 'tel',
): SipMessage[] {
  const calleeUri = addressedAs === 'tel' ? b.telUri : b.sipUri;
  const from = `From: <${a.sipUri}>;tag=${t.fromTag}`;
  const toBare = `To: <${calleeUri}>`;
  const to = `${toBare};tag=${t.toTag}`;
  const callId = `Call-ID: ${t.callId}`;
  const contactA = `Contact: <sip:+${a.msisdn}@${ueAddress(a.index)}:${LAB_PORTS.sip}>`;
  const contactB = `Contact: <sip:+${b.msisdn}@${ueAddress(b.index)}:${LAB_PORTS.sip}>`;
  const pai = `P-Asserted-Identity: <${a.sipUri}>, <${a.telUri}>`;
  const ruri = calleeUri;
  const inviteVia = via(`${t.branch}1`);
  const sdpType = 'Content-Type: application/sdp';
  const resp = (status: string, toLine: string, cseq: string, extra: string[] = [], body = '') =>
    message(
      `SIP/2.0 ${status}`,
      [
        cseq.endsWith('BYE') ? via(`${t.branch}3`) : inviteVia,
        from,
        toLine,
        callId,
        `CSeq: ${cseq}`,
        ...extra,
      ],
      body,
    );
  const sessionId = String(1000 + a.index);
  return [
    {
      outbound: true,
      text: message(
        `INVITE ${ruri} SIP/2.0`,
        [
          inviteVia,
          `Max-Forwards: ${MAX_FORWARDS}`,
          from,
          toBare,
          callId,
          'CSeq: 1 INVITE',
          contactA,
          pai,
          sdpType,
        ],
        sdp(a.index, sessionId),
      ),
    },
    { outbound: false, text: resp('100 Trying', toBare, '1 INVITE') },
    { outbound: false, text: resp('180 Ringing', to, '1 INVITE', [contactB]) },
    {
      outbound: false,
      text: resp('200 OK', to, '1 INVITE', [contactB, sdpType], sdp(b.index, String(1000 + b.index))),
    },
    {
      outbound: true,
      text: message(`ACK sip:+${b.msisdn}@${ueAddress(b.index)}:${LAB_PORTS.sip} SIP/2.0`, [
        via(`${t.branch}2`),
        `Max-Forwards: ${MAX_FORWARDS}`,
        from,
        to,
        callId,
        'CSeq: 1 ACK',
      ]),
    },
    {
      outbound: true,
      text: message(`BYE sip:+${b.msisdn}@${ueAddress(b.index)}:${LAB_PORTS.sip} SIP/2.0`, [
        via(`${t.branch}3`),
        `Max-Forwards: ${MAX_FORWARDS}`,
        from,
        to,
        callId,
        'CSeq: 2 BYE',
        pai,
      ]),
    },
    { outbound: false, text: resp('200 OK', to, '2 BYE') },
  ];
}

/** Endpoints of the SIP messages (UDP/5060 both ways). */
export const SIP_ENDS = {
  outbound: { src: pcscf.address, dst: scscf.address },
  inbound: { src: scscf.address, dst: pcscf.address },
} as const;
