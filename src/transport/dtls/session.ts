/**
 * One DTLS 1.2 association (RFC 6347), transport-free: datagrams in through {@link DtlsSession.receive}, out
 * through `send`. This base class holds what both roles share: record sequence numbers per epoch, handshake
 * reassembly in message_seq order (§4.2.3), flights and their retransmission with a doubling timer (§4.2.4),
 * the transcript, the AES-GCM keys, the replay window for application data (§4.1.2.6) and alerts.
 * The handshake itself is in client-session.ts and server-session.ts.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import {
  digest,
  finishedData,
  keyBlock,
  masterSecret,
  openRecord,
  ReplayWindow,
  sealRecord,
  sealRecordParts,
  type SessionKeys,
} from './crypto.js';
import {
  ALERT,
  AUTH_ALERTS,
  CONTENT,
  DtlsError,
  handshakeMessage,
  parseHandshakes,
  parseRecords,
  recordHeader,
  SUITES,
  type DtlsRecord,
  type SuiteId,
} from './wire.js';

/** Our side's credentials and trust: our chain (leaf first, DER), its key, the CA. */
export interface DtlsCredentials {
  readonly chain: readonly Buffer[];
  readonly key: KeyObject;
  readonly ca: X509Certificate;
}

/** Why an association failed: the peer did not authenticate, or the handshake failed otherwise. */
export type DtlsFailure = 'auth' | 'handshake';

export interface SessionEvents {
  connected(peer: X509Certificate): void;
  data(payload: Buffer): void;
  /** A record that repeated one already received (replay window). */
  replay(): void;
  /** The association ended: `failure` set when the handshake failed. */
  closed(reason: string, failure?: DtlsFailure): void;
  /**
   * Test-only: the NSS key log line (`CLIENT_RANDOM <random> <master secret>`) so that tshark can decrypt a
   * capture. Never set in the product: it hands out the session keys.
   */
  keylog?(line: string): void;
}

export const DTLS_TIMERS = {
  /** RFC 6347 §4.2.4.1: initial retransmission timer 1 s, doubled up to 60 s. */
  retransmitInitialMs: 1000,
  retransmitMaxMs: 60_000,
  /** Transmissions of one flight before the handshake is given up. */
  maxTransmissions: 6,
} as const;

/** Path MTU assumed for handshake flights (IPv6 minimum MTU minus IP/UDP headers, RFC 6347 §4.1.1.1). */
const FLIGHT_MTU = 1232;

interface Outgoing {
  readonly content: number;
  readonly body: Buffer;
  readonly epoch: number;
}

interface Partial {
  readonly type: number;
  readonly buf: Buffer;
  readonly have: Uint8Array;
  got: number;
}

export abstract class DtlsSession {
  protected suite: SuiteId = 0xc02b;
  protected keys: SessionKeys | undefined;
  protected master: Buffer | undefined;
  protected readonly transcript: Buffer[] = [];
  protected peerCert: X509Certificate | undefined;
  protected sendMsgSeq = 0;
  protected recvMsgSeq = 0;
  #sendEpoch = 0;
  #sendSeq = 0;
  #recvEpoch = 0;
  #window = new ReplayWindow();
  #partials = new Map<number, Partial>();
  #flight: Outgoing[] = [];
  #timer: TimerHandle | undefined;
  #timeoutMs: number = DTLS_TIMERS.retransmitInitialMs;
  #transmissions = 0;
  #state: 'handshake' | 'open' | 'closed' = 'handshake';

  constructor(
    protected readonly role: 'client' | 'server',
    protected readonly creds: DtlsCredentials,
    protected readonly clock: Clock,
    private readonly sendDatagram: (d: Buffer | readonly Buffer[]) => void,
    protected readonly events: SessionEvents,
  ) {}

  get open(): boolean {
    return this.#state === 'open';
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** The peer's verified leaf certificate once the handshake has completed. */
  get peer(): X509Certificate | undefined {
    return this.#state === 'open' ? this.peerCert : undefined;
  }

  /** Handles one datagram from the peer. */
  receive(d: Buffer): void {
    if (this.#state === 'closed') return;
    try {
      for (const r of parseRecords(d)) this.#record(r);
    } catch (e) {
      this.fail(e);
    }
  }

  /** Sends application data in one record of its own datagram; false when the association is not open. */
  sendData(payload: Buffer): boolean {
    const record = this.sealData(payload);
    if (!record) return false;
    this.sendDatagram(record);
    return true;
  }

  /**
   * Application data protected as one record, in the pieces a gather write takes, for a caller that packs
   * several records into one datagram (RFC 6347 §4.1.1 allows it); undefined when the association is not open.
   */
  sealData(payload: Buffer): readonly Buffer[] | undefined {
    if (this.#state !== 'open') return undefined;
    const mine = this.role === 'client' ? this.keys!.client : this.keys!.server;
    return sealRecordParts(this.suite, mine, CONTENT.applicationData, 1, this.#sendSeq++, payload);
  }

  /** Sends close_notify and ends the association. */
  close(reason = 'closed'): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'open') this.#sendAlert(1, ALERT.closeNotify);
    this.#end(reason);
  }

  protected abstract onHandshake(type: number, seq: number, body: Buffer): void;
  /** The peer's Finished arrived and checked out (after its ChangeCipherSpec). */
  protected abstract onPeerFinished(): void;

  #record(r: DtlsRecord): void {
    if (r.epoch === 0) {
      if (r.type === CONTENT.handshake) return this.#handshakeRecord(r.body);
      if (r.type === CONTENT.changeCipherSpec && this.keys) return void (this.#recvEpoch = 1);
      if (r.type === CONTENT.alert && r.body.length >= 2) return this.#alert(r.body);
      return;
    }
    if (r.epoch !== 1 || this.#recvEpoch !== 1 || !this.keys) return;
    if (!this.#window.fresh(r.seq)) {
      if (r.type === CONTENT.applicationData) this.events.replay();
      return;
    }
    const peerKeys = this.role === 'client' ? this.keys.server : this.keys.client;
    const plain = openRecord(this.suite, peerKeys, r.type, r.epoch, r.seq, r.body);
    if (!plain) return; // RFC 6347 §4.1.2.7: records that fail to authenticate are discarded silently.
    this.#window.mark(r.seq);
    if (r.type === CONTENT.applicationData) {
      if (this.#state === 'open') this.events.data(plain);
    } else if (r.type === CONTENT.handshake) this.#finished(plain);
    else if (r.type === CONTENT.alert && plain.length >= 2) this.#alert(plain);
  }

  #handshakeRecord(body: Buffer): void {
    for (const f of parseHandshakes(body)) {
      if (f.seq < this.recvMsgSeq) {
        this.onRetransmission();
        continue;
      }
      if (f.seq > this.recvMsgSeq + 8) continue;
      let p = this.#partials.get(f.seq);
      if (!p) {
        p = { type: f.type, buf: Buffer.alloc(f.length), have: new Uint8Array(f.length), got: 0 };
        this.#partials.set(f.seq, p);
      }
      if (p.type !== f.type || p.buf.length !== f.length)
        throw new DtlsError('inconsistent handshake fragments');
      f.body.copy(p.buf, f.offset);
      for (let i = f.offset; i < f.offset + f.body.length; i++) {
        if (p.have[i]) continue;
        p.have[i] = 1;
        p.got++;
      }
    }
    for (let p = this.#partials.get(this.recvMsgSeq); p && p.got === p.buf.length;) {
      this.#partials.delete(this.recvMsgSeq);
      const seq = this.recvMsgSeq++;
      this.onHandshake(p.type, seq, p.buf);
      if (this.#state === 'closed') return;
      p = this.#partials.get(this.recvMsgSeq);
    }
  }

  /** The peer repeated a flight we already answered: resend our last flight (§4.2.4). */
  protected onRetransmission(): void {
    if (this.#flight.length > 0 && this.#transmissions < DTLS_TIMERS.maxTransmissions) this.#transmit();
  }

  #finished(plain: Buffer): void {
    const [f] = parseHandshakes(plain);
    if (!f || f.type !== 20 || f.body.length !== f.length || !this.master)
      throw new DtlsError('expected Finished');
    if (this.#state === 'open') return this.onRetransmission();
    const who = this.role === 'client' ? 'server' : 'client';
    const expected = finishedData(this.suite, this.master, who, this.transcriptHash());
    if (!expected.equals(f.body)) throw new DtlsError('Finished does not verify', ALERT.decryptError);
    this.transcript.push(handshakeMessage(20, f.seq, f.body));
    this.recvMsgSeq = f.seq + 1;
    this.onPeerFinished();
  }

  #alert(b: Buffer): void {
    const level = b[0]!;
    const desc = b[1]!;
    if (desc === ALERT.closeNotify) return this.#end('closed by peer');
    if (level !== 2) return;
    const auth = AUTH_ALERTS.get(desc);
    const failure = this.#state === 'open' ? undefined : auth ? 'auth' : 'handshake';
    this.#end(`peer sent fatal alert ${auth ? `${auth} (${desc})` : desc}`, failure);
  }

  protected transcriptHash(): Buffer {
    return digest(SUITES[this.suite].hash, this.transcript);
  }

  /** A handshake message to send next (added to the transcript unless `hashed` is false). */
  protected message(type: number, body: Buffer, hashed = true): Outgoing {
    const m = handshakeMessage(type, this.sendMsgSeq++, body);
    if (hashed) this.transcript.push(m);
    return { content: CONTENT.handshake, body: m, epoch: 0 };
  }

  protected changeCipherSpec(): Outgoing {
    return { content: CONTENT.changeCipherSpec, body: Buffer.from([1]), epoch: 0 };
  }

  /** Our Finished (epoch 1); added to the transcript. */
  protected finishedMessage(): Outgoing {
    const verify = finishedData(this.suite, this.master!, this.role, this.transcriptHash());
    const m = handshakeMessage(20, this.sendMsgSeq++, verify);
    this.transcript.push(m);
    return { content: CONTENT.handshake, body: m, epoch: 1 };
  }

  /** Derives the keys (extended master secret over the transcript so far, RFC 7627). */
  protected deriveKeys(premaster: Buffer, clientRandom: Buffer, serverRandom: Buffer): void {
    this.master = masterSecret(this.suite, premaster, this.transcriptHash());
    this.keys = keyBlock(this.suite, this.master, clientRandom, serverRandom);
    this.events.keylog?.(`CLIENT_RANDOM ${clientRandom.toString('hex')} ${this.master.toString('hex')}`);
  }

  /** Sends a flight; `retransmit` false for the last flight (resent only when the peer repeats its own). */
  protected sendFlight(flight: Outgoing[], retransmit = true): void {
    this.#flight = flight;
    this.#transmissions = 0;
    this.#timeoutMs = DTLS_TIMERS.retransmitInitialMs;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#transmit();
    if (retransmit) this.#arm();
  }

  protected stopRetransmission(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #arm(): void {
    this.#timer = this.clock.setTimer(this.#timeoutMs, () => {
      if (this.#state !== 'handshake') return;
      if (this.#transmissions >= DTLS_TIMERS.maxTransmissions)
        return this.#end('handshake timed out', 'handshake');
      this.#timeoutMs = Math.min(this.#timeoutMs * 2, DTLS_TIMERS.retransmitMaxMs);
      this.#transmit();
      this.#arm();
    });
  }

  /** Packs the flight's records into datagrams of at most FLIGHT_MTU bytes, with fresh record numbers. */
  #transmit(): void {
    this.#transmissions++;
    let dgram: Buffer[] = [];
    let size = 0;
    for (const o of this.#flight) {
      if (o.epoch === 1 && this.#sendEpoch === 0) {
        this.#sendEpoch = 1;
        this.#sendSeq = 0;
      }
      const rec =
        o.epoch === 1
          ? this.#seal(o.content, o.body)
          : Buffer.concat([recordHeader(o.content, 0, this.#epoch0Seq(), o.body.length), o.body]);
      if (size + rec.length > FLIGHT_MTU && dgram.length > 0) {
        this.sendDatagram(Buffer.concat(dgram));
        dgram = [];
        size = 0;
      }
      dgram.push(rec);
      size += rec.length;
    }
    if (dgram.length > 0) this.sendDatagram(Buffer.concat(dgram));
  }

  #epoch0Seq = (() => {
    let seq = 0;
    return () => seq++;
  })();

  #seal(type: number, plain: Buffer): Buffer {
    const mine = this.role === 'client' ? this.keys!.client : this.keys!.server;
    return sealRecord(this.suite, mine, type, 1, this.#sendSeq++, plain);
  }

  #sendAlert(epoch: number, desc: number): void {
    const body = Buffer.from([desc === ALERT.closeNotify ? 1 : 2, desc]);
    if (epoch === 1 && this.keys && this.#sendEpoch === 1) this.sendDatagram(this.#seal(CONTENT.alert, body));
    else this.sendDatagram(Buffer.concat([recordHeader(CONTENT.alert, 0, this.#epoch0Seq(), 2), body]));
  }

  /** The handshake completed. */
  protected established(): void {
    this.stopRetransmission();
    this.#state = 'open';
    this.events.connected(this.peerCert!);
  }

  /** Ends the association after an error: a fatal alert to the peer, the failure to the owner. */
  protected fail(e: unknown): void {
    if (this.#state === 'closed') return;
    const err = e instanceof DtlsError ? e : new DtlsError(e instanceof Error ? e.message : String(e));
    this.#sendAlert(this.#sendEpoch, err.alert);
    this.#end(err.message, this.#state === 'open' ? undefined : err.auth ? 'auth' : 'handshake');
  }

  #end(reason: string, failure?: DtlsFailure): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.stopRetransmission();
    this.events.closed(reason, failure);
  }
}

/** Bytes a record adds to application data (header, explicit nonce, GCM tag). */
export { RECORD_OVERHEAD } from './crypto.js';
