/**
 * The client side of the DTLS 1.2 handshake (RFC 6347 §4.2, RFC 5246 §7.3): ClientHello (again with the
 * server's cookie after a HelloVerifyRequest), then the server's flight is checked (suite, extended master
 * secret, certificate chain to the CA, `check` on the leaf, the ServerKeyExchange signature) before our
 * Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec and Finished go out; the server's
 * Finished completes it.
 */
import { randomBytes, type X509Certificate } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { ecdhe, ecdsaSign, ecdsaVerify, verifyChain } from './crypto.js';
import { DtlsSession, type DtlsCredentials, type SessionEvents } from './session.js';
import {
  ALERT,
  decodeCertificate,
  decodeServerHello,
  decodeServerKeyExchange,
  DtlsError,
  ECDSA_SHA256,
  encodeCertificate,
  encodeClientHello,
  encodeSigned,
  EXT,
  handshakeMessage,
  HS,
  Reader,
  SUITES,
  vec8,
  type SuiteId,
} from './wire.js';

/** A check of the server's verified leaf certificate (consumer identity); throws DtlsError to refuse. */
export type PeerCheck = (leaf: X509Certificate) => void;

export class DtlsClientSession extends DtlsSession {
  readonly #random = randomBytes(32);
  #serverRandom: Buffer | undefined;
  #skeKey: Buffer | undefined;
  #certRequested = false;

  constructor(
    creds: DtlsCredentials,
    clock: Clock,
    send: (d: Buffer | readonly Buffer[]) => void,
    events: SessionEvents,
    private readonly check?: PeerCheck,
  ) {
    super('client', creds, clock, send, events);
  }

  /** Sends the first ClientHello. */
  start(): void {
    this.#hello(Buffer.alloc(0));
  }

  #hello(cookie: Buffer): void {
    this.transcript.length = 0;
    const suites = Object.keys(SUITES).map(Number);
    this.sendFlight([this.message(HS.clientHello, encodeClientHello(this.#random, cookie, suites))]);
  }

  protected override onHandshake(type: number, seq: number, body: Buffer): void {
    if (type === HS.helloVerifyRequest) {
      const r = new Reader(body);
      r.u16();
      return this.#hello(r.vec8());
    }
    this.stopRetransmission();
    this.transcript.push(handshakeMessage(type, seq, body));
    switch (type) {
      case HS.serverHello:
        return this.#serverHello(body);
      case HS.certificate: {
        this.peerCert = verifyChain(decodeCertificate(body), this.creds.ca, new Date(this.clock.now()));
        return this.check?.(this.peerCert);
      }
      case HS.serverKeyExchange:
        return this.#serverKeyExchange(body);
      case HS.certificateRequest:
        this.#certRequested = true;
        return;
      case HS.serverHelloDone:
        return this.#flight5();
      default:
        throw new DtlsError(`unexpected handshake message ${type}`, ALERT.handshakeFailure);
    }
  }

  #serverHello(body: Buffer): void {
    const sh = decodeServerHello(body);
    if (!Object.hasOwn(SUITES, sh.suite))
      throw new DtlsError(`server chose suite ${sh.suite.toString(16)}`, ALERT.handshakeFailure);
    if (!sh.extensions.has(EXT.ems))
      throw new DtlsError('server does not support the extended master secret', ALERT.handshakeFailure);
    this.suite = sh.suite as SuiteId;
    this.#serverRandom = sh.random;
  }

  #serverKeyExchange(body: Buffer): void {
    const ske = decodeServerKeyExchange(body);
    if (!this.peerCert || !this.#serverRandom) throw new DtlsError('ServerKeyExchange out of order');
    const signed = Buffer.concat([this.#random, this.#serverRandom, ske.params]);
    if (ske.scheme !== ECDSA_SHA256 || !ecdsaVerify(signed, ske.signature, this.peerCert))
      throw new DtlsError('ServerKeyExchange signature does not verify', ALERT.decryptError, true);
    this.#skeKey = ske.publicKey;
  }

  #flight5(): void {
    if (!this.#skeKey || !this.#serverRandom || !this.peerCert)
      throw new DtlsError('server flight incomplete');
    if (!this.#certRequested)
      throw new DtlsError(
        'server did not ask for our certificate (mutual authentication)',
        ALERT.handshakeFailure,
      );
    const kx = ecdhe();
    const cert = this.message(HS.certificate, encodeCertificate(this.creds.chain));
    const cke = this.message(HS.clientKeyExchange, vec8(kx.publicKey));
    this.deriveKeys(kx.agree(this.#skeKey), this.#random, this.#serverRandom);
    const signature = ecdsaSign(Buffer.concat(this.transcript), this.creds.key);
    const cv = this.message(HS.certificateVerify, encodeSigned(ECDSA_SHA256, signature));
    this.sendFlight([cert, cke, cv, this.changeCipherSpec(), this.finishedMessage()]);
  }

  protected override onPeerFinished(): void {
    this.established();
  }
}
