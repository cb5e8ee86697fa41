/**
 * Synthetic lab traffic (DESIGN.md "Probe", "Lab"): an interleaved mix of IMS registrations (SIP REGISTER,
 * Cx UAR/UAA and MAR/MAA, a 401 with the IMS AKA challenge, REGISTER with credentials, 200), calls (SIP INVITE dialogs) and EPC attaches (S6a AIR/AIA with authentication vectors,
 * ULR/ULA, GTPv2-C Create and Delete Session, then a move to another MME: S10 Context Request, Response with
 * the MM Context and its keys, Acknowledge) for subscribers of the {@link labSubscriber} population, as raw IPv4 frames
 * (LINKTYPE_RAW) between the fixed {@link LAB_NODES}. Deterministic for a seed.
 *
 * {@link SyntheticGenerator} makes frames on demand (no timers: benchmarks, tests); `SyntheticSource`
 * (synthetic-source.ts) feeds them at a rate on the injected clock, batched per tick of {@link SYNTHETIC}.tickMs.
 */
import { encodeUtf8 } from '../../stm/bin.js';
import { buildIpPacket, PACKET } from '../../stm/packet.js';
import { LINKTYPE } from '../../stm/pcapng-tables.js';
import type { Frame } from '../messages.js';
import {
  cxUserAuthorization,
  DIAMETER,
  diameterMessage,
  s6aUpdateLocation,
  type Peer,
} from './gen-diameter.js';
import { createSession, deleteSession, type GtpSession } from './gen-gtpv2.js';
import { contextTransfer } from './gen-gtpv2-context.js';
import { akaChallenge, akaCredentials, akaVector, CX_AUTH, cxMultimediaAuth } from './gen-ims-aka.js';
import { S6A_AUTH, s6aAuthenticationInformation } from './gen-s6a-auth.js';
import { callDialog, registration, SIP_ENDS, type DialogTokens, type SipMessage } from './gen-sip.js';
import { TcpConnection } from './gen-tcp.js';
import { LAB_NODES, LAB_PORTS, LAB_REALMS, ueAddress } from './lab-nodes.js';
import { labSubscriber, POPULATION, type LabSubscriber } from './population.js';

export const SYNTHETIC = {
  /** Procedures in progress at once (their messages interleave). */
  concurrent: 8,
  /** Relative weights of the procedures. */
  weights: { registration: 3, call: 2, attach: 2 },
  tickMs: 20,
  /** After a stall, at most this many seconds of traffic are caught up at once. */
  maxCatchUpSeconds: 1,
  apn: 'internet',
  /** Serving / visited PLMN 001/01 in TS 24.008 §10.5.1.13 order. */
  plmn: [0x00, 0xf1, 0x10],
  firstTeid: 0x1000,
  /** Start of the generation clock of {@link SyntheticGenerator.generate} (2026-01-01). */
  epochMicros: 1_767_225_600_000_000n,
} as const;

/** Messages generated so far, per protocol, and TCP segments without payload (handshakes). */
export interface SyntheticStats {
  sip: number;
  diameter: number;
  gtpv2: number;
  tcpControl: number;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
}

const udp = (src: string, dst: string, port: number, payload: Uint8Array) =>
  buildIpPacket({
    ipProtocol: PACKET.udp,
    srcAddress: src,
    dstAddress: dst,
    srcPort: port,
    dstPort: port,
    payload,
  });

const peer = (n: { host: string }, realm: string): Peer => ({ host: n.host, realm });

export class SyntheticGenerator {
  readonly stats: SyntheticStats = { sip: 0, diameter: 0, gtpv2: 0, tcpControl: 0 };
  private readonly random: () => number;
  private readonly active: Iterator<Uint8Array[]>[] = [];
  private readonly queue: Uint8Array[] = [];
  private readonly cx: TcpConnection;
  private readonly s6a: TcpConnection;
  /** The S-CSCF's Cx connection to the HSS (MAR/MAA). */
  private readonly scscfCx: TcpConnection;
  private seq = 0;
  /** Calls made so far: even ones are addressed to the callee's tel: URI, odd ones to its sip: URI. */
  private calls = 0;
  private teid: number = SYNTHETIC.firstTeid;

  constructor(private readonly opts: { readonly subscribers: number; readonly seed: number }) {
    if (
      !Number.isInteger(opts.subscribers) ||
      opts.subscribers < 1 ||
      opts.subscribers > POPULATION.maxSubscribers
    )
      throw new RangeError(`subscribers must be 1 .. ${POPULATION.maxSubscribers}`);
    this.random = prng(opts.seed);
    const hss = LAB_NODES.hss.address;
    this.cx = new TcpConnection(
      {
        client: LAB_NODES.icscf.address,
        clientPort: LAB_PORTS.cxClient,
        server: hss,
        serverPort: LAB_PORTS.diameter,
      },
      this.u32(),
      this.u32(),
    );
    this.s6a = new TcpConnection(
      {
        client: LAB_NODES.mme.address,
        clientPort: LAB_PORTS.s6aClient,
        server: hss,
        serverPort: LAB_PORTS.diameter,
      },
      this.u32(),
      this.u32(),
    );
    this.scscfCx = new TcpConnection(
      {
        client: LAB_NODES.scscf.address,
        clientPort: LAB_PORTS.scscfCxClient,
        server: hss,
        serverPort: LAB_PORTS.diameter,
      },
      this.u32(),
      this.u32(),
    );
  }

  /** The next raw IPv4 packet. */
  nextPacket(): Uint8Array {
    while (this.queue.length === 0) this.advance();
    return this.queue.shift()!;
  }

  /**
   * `count` frames stamped `startMicros`, then every `intervalMicros` (defaults: 2026-01-01, 1 ms apart).
   */
  generate(count: number, startMicros: bigint = SYNTHETIC.epochMicros, intervalMicros = 1000n): Frame[] {
    const out: Frame[] = [];
    for (let i = 0; i < count; i++)
      out.push({
        linkType: LINKTYPE.raw,
        timestampMicros: startMicros + BigInt(i) * intervalMicros,
        data: this.nextPacket(),
      });
    return out;
  }

  /** Takes the next message of a random procedure in progress, starting new procedures as others end. */
  private advance(): void {
    while (this.active.length < SYNTHETIC.concurrent) this.active.push(this.procedure());
    const k = Math.floor(this.random() * this.active.length);
    const step = this.active[k]!.next();
    if (step.done) this.active[k] = this.procedure();
    else this.queue.push(...step.value);
  }

  private procedure(): Iterator<Uint8Array[]> {
    const w = SYNTHETIC.weights;
    const r = this.random() * (w.registration + w.call + w.attach);
    const sub = this.subscriber();
    if (r < w.registration) return this.registration(sub);
    if (r < w.registration + w.call) return this.call(sub, this.subscriber());
    return this.attach(sub);
  }

  private subscriber(): LabSubscriber {
    return labSubscriber(Math.floor(this.random() * this.opts.subscribers));
  }

  private u32(): number {
    return Math.floor(this.random() * 0x100000000) >>> 0;
  }

  /** `n` octets of seeded random key material. */
  private bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => Math.floor(this.random() * 256));
  }

  private hex(): string {
    return this.u32().toString(16).padStart(8, '0');
  }

  private tokens(): DialogTokens {
    return {
      callId: `${this.hex()}${this.hex()}@${LAB_NODES.pcscf.address}`,
      fromTag: this.hex(),
      toTag: this.hex(),
      branch: this.hex(),
    };
  }

  private sip(m: SipMessage): Uint8Array[] {
    this.stats.sip++;
    const e = m.outbound ? SIP_ENDS.outbound : SIP_ENDS.inbound;
    return [udp(e.src, e.dst, LAB_PORTS.sip, encodeUtf8(m.text))];
  }

  private diameter(conn: TcpConnection, fromClient: boolean, msg: Uint8Array): Uint8Array[] {
    this.stats.diameter++;
    const packets = conn.send(fromClient, msg);
    this.stats.tcpControl += packets.length - 1;
    return packets;
  }

  private sessionId(host: string): string {
    return `${host};${this.u32()};${this.u32()}`;
  }

  /** REGISTER, Cx UAR/UAA, Cx MAR/MAA, 401 with the AKA challenge, REGISTER with credentials, 200. */
  private *registration(sub: LabSubscriber): Generator<Uint8Array[]> {
    const vector = akaVector((n) => this.bytes(n));
    const domain = LAB_REALMS.ims;
    const [register, challenge, answer, ok] = registration(sub, this.tokens(), {
      challenge: akaChallenge(domain, vector),
      credentials: akaCredentials(sub.impi, domain, vector, this.hex()),
    });
    yield this.sip(register!);
    const hss = peer(LAB_NODES.hss, LAB_REALMS.ims);
    const head = {
      command: DIAMETER.cmd.userAuthorization,
      application: DIAMETER.app.cx,
      ...this.diameterIds(),
    };
    const [uar, uaa] = cxUserAuthorization(
      {
        sessionId: this.sessionId(LAB_NODES.icscf.host),
        impi: sub.impi,
        impu: sub.sipUri,
        visitedNetwork: LAB_REALMS.ims,
        scscfName: `sip:${LAB_NODES.scscf.host}`,
      },
      peer(LAB_NODES.icscf, LAB_REALMS.ims),
      hss,
    );
    yield this.diameter(this.cx, true, diameterMessage({ ...head, request: true }, uar));
    yield this.diameter(this.cx, false, diameterMessage({ ...head, request: false }, uaa));
    const auth = { command: CX_AUTH.cmd, application: DIAMETER.app.cx, ...this.diameterIds() };
    const [mar, maa] = cxMultimediaAuth(
      {
        sessionId: this.sessionId(LAB_NODES.scscf.host),
        impi: sub.impi,
        impu: sub.sipUri,
        scscfName: `sip:${LAB_NODES.scscf.host}`,
      },
      vector,
      peer(LAB_NODES.scscf, LAB_REALMS.ims),
      hss,
    );
    yield this.diameter(this.scscfCx, true, diameterMessage({ ...auth, request: true }, mar));
    yield this.diameter(this.scscfCx, false, diameterMessage({ ...auth, request: false }, maa));
    for (const m of [challenge, answer, ok]) yield this.sip(m!);
  }

  private *call(a: LabSubscriber, b: LabSubscriber): Generator<Uint8Array[]> {
    // Calls alternate between the callee's tel: and sip: URI (no random number drawn: the seeded sequence stays).
    const addressedAs = this.calls++ % 2 === 0 ? 'tel' : 'sip';
    for (const m of callDialog(a, b, this.tokens(), addressedAs)) yield this.sip(m);
  }

  private *attach(sub: LabSubscriber): Generator<Uint8Array[]> {
    const plmn = Uint8Array.from(SYNTHETIC.plmn);
    const [mme, hss] = [peer(LAB_NODES.mme, LAB_REALMS.epc), peer(LAB_NODES.hss, LAB_REALMS.epc)];
    const auth = { command: S6A_AUTH.cmd, application: DIAMETER.app.s6a, ...this.diameterIds() };
    const [air, aia] = s6aAuthenticationInformation(
      { sessionId: this.sessionId(LAB_NODES.mme.host), imsi: sub.imsi, plmn },
      mme,
      hss,
      (n) => this.bytes(n),
    );
    yield this.diameter(this.s6a, true, diameterMessage({ ...auth, request: true }, air));
    yield this.diameter(this.s6a, false, diameterMessage({ ...auth, request: false }, aia));
    const head = {
      command: DIAMETER.cmd.updateLocation,
      application: DIAMETER.app.s6a,
      ...this.diameterIds(),
    };
    const [ulr, ula] = s6aUpdateLocation(
      {
        sessionId: this.sessionId(LAB_NODES.mme.host),
        imsi: sub.imsi,
        imei: sub.imei,
        msisdn: sub.msisdn,
        plmn,
      },
      mme,
      hss,
    );
    yield this.diameter(this.s6a, true, diameterMessage({ ...head, request: true }, ulr));
    yield this.diameter(this.s6a, false, diameterMessage({ ...head, request: false }, ula));
    const s: GtpSession = {
      imsi: sub.imsi,
      msisdn: sub.msisdn,
      imei: sub.imei,
      plmn,
      apn: SYNTHETIC.apn,
      mmeTeid: this.teid++,
      sgwTeid: this.teid++,
      sgwUserTeid: this.teid++,
      mmeAddress: LAB_NODES.mme.address,
      sgwAddress: LAB_NODES.sgw.address,
      ueAddress: ueAddress(sub.index),
    };
    for (const [request, response] of [createSession(s, this.seq++), deleteSession(s, this.seq++)]) {
      yield this.gtp(request, true);
      yield this.gtp(response, false);
    }
    yield* this.moveToOtherMme(sub);
  }

  /** S10 context transfer from the lab's MME to `mme2` (TS 23.401 §5.3.3.1 steps 4-7). */
  private *moveToOtherMme(sub: LabSubscriber): Generator<Uint8Array[]> {
    const [oldMme, newMme] = [LAB_NODES.mme.address, LAB_NODES.mme2.address];
    const [request, response, ack] = contextTransfer(
      {
        imsi: sub.imsi,
        imei: sub.imei,
        oldMmeAddress: oldMme,
        newMmeAddress: newMme,
        oldMmeTeid: this.teid++,
        newMmeTeid: this.teid++,
      },
      this.seq++,
      (n) => this.bytes(n),
    );
    for (const [msg, src, dst] of [
      [request, newMme, oldMme],
      [response, oldMme, newMme],
      [ack, newMme, oldMme],
    ] as const) {
      this.stats.gtpv2++;
      yield [udp(src, dst, LAB_PORTS.gtpc, msg)];
    }
  }

  private diameterIds(): { hopByHop: number; endToEnd: number } {
    return { hopByHop: this.u32(), endToEnd: this.u32() };
  }

  private gtp(msg: Uint8Array, toSgw: boolean): Uint8Array[] {
    this.stats.gtpv2++;
    const [mme, sgw] = [LAB_NODES.mme.address, LAB_NODES.sgw.address];
    return [toSgw ? udp(mme, sgw, LAB_PORTS.gtpc, msg) : udp(sgw, mme, LAB_PORTS.gtpc, msg)];
  }
}

/** `count` frames of the mix for `subscribers` and `seed`, without timers (see {@link SyntheticGenerator}). */
export function generate(count: number, opts: { subscribers?: number; seed?: number } = {}): Frame[] {
  return new SyntheticGenerator({ subscribers: opts.subscribers ?? 1000, seed: opts.seed ?? 1 }).generate(
    count,
  );
}
