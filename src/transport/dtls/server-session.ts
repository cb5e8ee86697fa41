/**
 * The server side of the DTLS 1.2 handshake, started by a ClientHello that carried a valid cookie (the cookie
 * exchange is server.ts's, stateless): ServerHello, Certificate, ServerKeyExchange, CertificateRequest,
 * ServerHelloDone; then the client's Certificate (required, chain to the CA, `check` on the leaf: the
 * allow-list), ClientKeyExchange, CertificateVerify (verified), ChangeCipherSpec and Finished.
 */
import { randomBytes, type X509Certificate } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { ecdhe, ecdsaSign, ecdsaVerify, verifyChain } from './crypto.js';
import { DtlsSession, type DtlsCredentials, type SessionEvents } from './session.js';
import {
  ALERT,
  decodeCertificate,
  decodeSigned,
  DtlsError,
  ecParams,
  ECDSA_SHA256,
  encodeCertificate,
  encodeCertificateRequest,
  encodeServerHello,
  encodeSigned,
  EXT,
  handshakeMessage,
  HS,
  listHas,
  Reader,
  SECP256R1,
  SUITES,
  type ClientHello,
  type SuiteId,
} from './wire.js';

/** A check of the client's verified leaf certificate (the producer allow-list); throws DtlsError to refuse. */
export type ClientCheck = (leaf: X509Certificate) => void;

/** Suites in our order of preference. */
const PREFERENCE: readonly SuiteId[] = [0xc02b, 0xc02c];

export class DtlsServerSession extends DtlsSession {
  readonly #random = randomBytes(32);
  readonly #kx = ecdhe();
  #clientRandom: Buffer | undefined;

  constructor(
    creds: DtlsCredentials,
    clock: Clock,
    send: (d: Buffer | readonly Buffer[]) => void,
    events: SessionEvents,
    private readonly check?: ClientCheck,
  ) {
    super('server', creds, clock, send, events);
  }

  /** Answers a ClientHello (message `seq`, body `raw`) whose cookie server.ts has verified. */
  start(hello: ClientHello, seq: number, raw: Buffer): void {
    try {
      this.sendMsgSeq = seq;
      this.recvMsgSeq = seq + 1;
      this.transcript.push(handshakeMessage(HS.clientHello, seq, raw));
      const suite = PREFERENCE.find((s) => hello.suites.includes(s));
      if (suite === undefined) throw new DtlsError('no common cipher suite', ALERT.handshakeFailure);
      const groups = hello.extensions.get(EXT.supportedGroups);
      if (groups && !listHas(groups, SECP256R1))
        throw new DtlsError('client lacks P-256', ALERT.handshakeFailure);
      if (!listHas(hello.extensions.get(EXT.signatureAlgorithms), ECDSA_SHA256))
        throw new DtlsError('client lacks ecdsa_secp256r1_sha256', ALERT.handshakeFailure);
      if (!hello.extensions.has(EXT.ems))
        throw new DtlsError('client does not offer the extended master secret', ALERT.handshakeFailure);
      this.suite = suite;
      this.#clientRandom = hello.random;
      const params = ecParams(this.#kx.publicKey);
      const signed = ecdsaSign(Buffer.concat([hello.random, this.#random, params]), this.creds.key);
      this.sendFlight([
        this.message(HS.serverHello, encodeServerHello(this.#random, suite)),
        this.message(HS.certificate, encodeCertificate(this.creds.chain)),
        this.message(HS.serverKeyExchange, Buffer.concat([params, encodeSigned(ECDSA_SHA256, signed)])),
        this.message(HS.certificateRequest, encodeCertificateRequest()),
        this.message(HS.serverHelloDone, Buffer.alloc(0)),
      ]);
    } catch (e) {
      this.fail(e);
    }
  }

  protected override onHandshake(type: number, seq: number, body: Buffer): void {
    switch (type) {
      case HS.certificate: {
        this.stopRetransmission();
        const chain = decodeCertificate(body);
        if (chain.length === 0)
          throw new DtlsError('client sent no certificate', ALERT.handshakeFailure, true);
        this.peerCert = verifyChain(chain, this.creds.ca, new Date(this.clock.now()));
        this.check?.(this.peerCert);
        break;
      }
      case HS.clientKeyExchange: {
        if (!this.peerCert) throw new DtlsError('client sent no certificate', ALERT.handshakeFailure, true);
        this.transcript.push(handshakeMessage(type, seq, body));
        const premaster = this.#kx.agree(new Reader(body).vec8());
        return this.deriveKeys(premaster, this.#clientRandom!, this.#random);
      }
      case HS.certificateVerify: {
        const { scheme, signature } = decodeSigned(body);
        const ok =
          scheme === ECDSA_SHA256 && ecdsaVerify(Buffer.concat(this.transcript), signature, this.peerCert!);
        if (!ok || !this.keys)
          throw new DtlsError('CertificateVerify does not verify', ALERT.decryptError, true);
        break;
      }
      case HS.clientHello:
        return; // a retransmitted ClientHello while we wait: our flight is resent by the timer
      default:
        throw new DtlsError(`unexpected handshake message ${type}`, ALERT.handshakeFailure);
    }
    this.transcript.push(handshakeMessage(type, seq, body));
  }

  protected override onPeerFinished(): void {
    if (!this.peerCert || !SUITES[this.suite])
      throw new DtlsError('Finished before authentication', ALERT.handshakeFailure, true);
    this.sendFlight([this.changeCipherSpec(), this.finishedMessage()], false);
    this.established();
  }
}
