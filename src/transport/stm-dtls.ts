/**
 * `eep+dtls`: EEP over DTLS 1.2 (TS 33.501 §5.9.4.2: DTLS when the STM transport is UDP), EEP messages packed
 * into records and records into datagrams up to the path MTU (`?mtu=`, dtls/client.ts); `gre-pcapng+dtls`:
 * one GRE packet per record, records packed into datagrams. The association is driven like a stream connection (stm-stream.ts): reports queue while the
 * handshake runs or the collector is away, and the sender reconnects with back-off when the association ends
 * (the collector restarted and answered with an alert, ICMP unreachable, a failed handshake). A consumer
 * whose certificate does not name the destination's `?identity=` is a destination fault with nothing sent.
 */
import type { IdentityAttribute, TlsMaterial } from './tls-options.js';
import { dtlsConnect } from './dtls/client.js';
import { consumerCheck, dtlsCredentials } from './dtls/credentials.js';
import { RECORD_OVERHEAD } from './dtls/crypto.js';
import type { StreamConnector } from './stm-stream.js';
import type { StmUri } from '../stm/uri.js';

/** Largest EEP message in one record: 2^14 bytes of plaintext (RFC 6347 §4.1), within one UDP datagram. */
export function dtlsMaxMessage(udpMax: number): number {
  return Math.min(16_384, udpMax - RECORD_OVERHEAD);
}

export function dtlsConnector(
  u: StmUri,
  material: TlsMaterial,
  expected?: { readonly identity: string; readonly attribute?: IdentityAttribute },
): StreamConnector {
  const creds = dtlsCredentials(material);
  const check = expected && consumerCheck(expected.identity, expected.attribute);
  // EEP messages carry their length, so several share a record; a GRE packet does not, so it has its own.
  const coalesce = u.encoding === 'eep';
  let overMtu = 0;
  return {
    overMtu: () => overMtu,
    connect(h) {
      const c = dtlsConnect({
        host: u.host,
        port: u.port,
        creds,
        coalesce,
        ...(u.mtu !== undefined && { mtu: u.mtu }),
        ...(check && { check }),
      });
      c.once('connect', () => h.connected());
      c.on('overMtu', () => overMtu++);
      c.once('close', (reason, failure) => h.closed(reason, failure === 'auth'));
      return {
        write: (b) => c.send(Buffer.from(b.buffer, b.byteOffset, b.byteLength)) || true,
        end: () => c.close(),
        destroy: () => c.close(),
      };
    },
  };
}
