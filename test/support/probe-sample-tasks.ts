/**
 * The tasks of the sample acceptance test (test/integration/probe-samples.test.ts), per capture of
 * ../shared/samples: X1 target identifiers of identities that occur in the capture (and some that do not, or
 * never together), each with the display filter that selects the messages carrying it, written by hand
 * from tshark's view of the capture. Test data only.
 */
import type { TargetIdentifier } from '../../src/x1/model.js';

export interface TaskCase {
  readonly what: string;
  readonly targets: TargetIdentifier[];
  /** Display filter selecting the messages that carry the identity (ANDed targets: all of them). */
  readonly identity: string;
  /** Messages tshark finds for it (a check on the judge itself). */
  readonly count: number;
}

/** Display filter: a SIP URI `sip:USER@HOST` in the Request-URI, From, To, first PAI or a Contact. */
function sipUri(userAtHost: string, params = '([:;>]|$)'): string {
  const re = `^sips?:${userAtHost.replace(/\./g, '[.]')}${params}`;
  const fields = ['sip.r-uri', 'sip.from.addr', 'sip.to.addr', 'sip.pai.addr', 'sip.contact.uri'];
  return fields.map((f) => `${f} matches "${re}"`).join(' || ');
}
/** A SIP URI with `user=phone`: its user part is the E.164 number (RFC 3261 §19.1.1). */
const sipPhone = (userAtHost: string) => sipUri(userAtHost, '[^>]*;user=phone');
const and = (...filters: string[]) => filters.map((f) => `(${f})`).join(' && ');

export const CAPTURES: Record<string, readonly TaskCase[]> = {
  'sip-call-tcp-rtp.pcap': [
    {
      what: 'callee SIP URI',
      targets: [{ kind: 'sipUri', value: 'sip:201@10.33.6.101' }],
      identity: sipUri('201@10.33.6.101'),
      count: 7,
    },
    {
      what: 'callee number (user=phone)',
      targets: [{ kind: 'e164Number', value: '201' }],
      identity: sipPhone('201@[^;>]*'),
      count: 7,
    },
    {
      what: 'a URI not in the capture',
      targets: [{ kind: 'sipUri', value: 'sip:999@10.33.6.100' }],
      identity: sipUri('999@10.33.6.100'),
      count: 0,
    },
  ],
  'sip-call-ipv6-udp.pcap': [
    // tshark's host field cuts an unbracketed IPv6 host at its first colon: match the whole URI text.
    {
      what: 'caller IMPU, IPv6 host compressed',
      targets: [{ kind: 'impu', value: 'sip:9876@[fe80::21a:a0ff:fe07:32e0]' }],
      identity: sipUri('9876@fe80:0:0:0:21a:a0ff:fe07:32e0'),
      count: 6,
    },
    {
      what: 'callee sips URI with port, upper case host',
      targets: [{ kind: 'sipUri', value: 'sips:4321@[FEC0::216:D3FF:FE0D:22C]:5061' }],
      identity: sipUri('4321@fec0:0:0:0:216:d3ff:fe0d:22c'),
      count: 6,
    },
  ],
  'sip-over-sctp.pcap': [
    {
      what: 'caller number (SIP-I, user=phone)',
      targets: [{ kind: 'e164Number', value: '+9171969136' }],
      identity: sipPhone('9171969136@[^;>]*'),
      count: 4,
    },
    // Only the INVITE carries the tel URI: the 100, the 403 and the ACK of the failed INVITE follow by
    // Call-ID (the ACK is part of the INVITE transaction, RFC 3261 §17.1.1.3).
    {
      what: 'caller tel URI in P-Asserted-Identity',
      targets: [{ kind: 'telUri', value: 'tel:917-196-9136;phone-context=+7' }],
      identity: 'sip.P-Asserted-Identity contains "<tel:9171969136;"',
      count: 4,
    },
  ],
  'diameter-cx-tcp.pcap': [
    {
      what: 'IMPI alice',
      targets: [{ kind: 'impi', value: 'alice@OPEN-IMS.test' }],
      identity: 'diameter.User-Name == "alice@open-ims.test"',
      count: 4,
    },
    {
      what: 'IMPU alice',
      targets: [{ kind: 'impu', value: 'sip:alice@open-ims.test' }],
      identity: 'diameter.Public-Identity == "sip:alice@open-ims.test"',
      count: 8,
    },
    {
      what: 'IMPI alice AND IMPU alice',
      targets: [
        { kind: 'impi', value: 'alice@open-ims.test' },
        { kind: 'impu', value: 'sip:alice@open-ims.test' },
      ],
      identity: and(
        'diameter.User-Name == "alice@open-ims.test"',
        'diameter.Public-Identity == "sip:alice@open-ims.test"',
      ),
      count: 4,
    },
    {
      what: 'IMPI bob AND IMPU alice (never together)',
      targets: [
        { kind: 'impi', value: 'bob@open-ims.test' },
        { kind: 'impu', value: 'sip:alice@open-ims.test' },
      ],
      identity: and(
        'diameter.User-Name == "bob@open-ims.test"',
        'diameter.Public-Identity == "sip:alice@open-ims.test"',
      ),
      count: 0,
    },
  ],
  'diameter-s6a-sctp.pcap': [
    {
      what: 'IMSI in User-Name',
      targets: [{ kind: 'imsi', value: '312420000021337' }],
      identity: 'e212.imsi == "312420000021337"',
      count: 2,
    },
  ],
  'lte-roaming-diameter-gtpv2-s1ap.pcapng': [
    {
      what: 'IMSI (S6a and the S5/S8 tunnel)',
      targets: [{ kind: 'imsi', value: '001020000000064' }],
      identity: 'e212.imsi == "001020000000064"',
      count: 10,
    },
    // The MEI IE holds a 16-digit IMEISV; the target is the 14-digit IMEI (TS 23.003 §6.2).
    {
      what: 'IMEI of the MEI (an IMEISV)',
      targets: [{ kind: 'imei', value: '40941753377600' }],
      identity: 'gtpv2.mei == "4094175337760000"',
      count: 4,
    },
    {
      what: 'IMSI AND MSISDN of the Create Session Request',
      targets: [
        { kind: 'imsi', value: '001020000000064' },
        { kind: 'e164Number', value: '0012000' },
      ],
      identity: and('e212.imsi == "001020000000064"', 'e164.msisdn == "0012000"'),
      count: 4,
    },
    // The ULA carries the MSISDN but not the IMSI (User-Name is in the ULR only): never in one message.
    {
      what: 'IMSI AND MSISDN of the ULA (never together)',
      targets: [
        { kind: 'imsi', value: '001020000000064' },
        { kind: 'gpsiMsisdn', value: '0015102000064' },
      ],
      identity: and('e212.imsi == "001020000000064"', 'e164.msisdn == "0015102000064"'),
      count: 0,
    },
    // Only the ULA carries it: its ULR went by before anything matched.
    {
      what: 'MSISDN of the ULA',
      targets: [{ kind: 'e164Number', value: '0015102000064' }],
      identity: 'e164.msisdn == "0015102000064"',
      count: 1,
    },
  ],
  'lte-nsa-attach-gtpv2-diameter.pcap': [
    {
      what: 'IMSI (S6a over TCP and the S11 tunnel)',
      targets: [{ kind: 'supiimsi', value: '222010100001140' }],
      identity: 'e212.imsi == "222010100001140"',
      count: 14,
    },
    {
      what: 'an IMSI not in the capture',
      targets: [{ kind: 'imsi', value: '222010100009999' }],
      identity: 'e212.imsi == "222010100009999"',
      count: 0,
    },
  ],
};
