/**
 * DTLS 1.2 wire format (RFC 6347 §4.1, §4.2; RFC 5246 §7.4): record and handshake headers and the handshake
 * messages lix's DTLS profile uses (ECDHE-ECDSA with AES-GCM, RFC 5289; named curve P-256, RFC 8422; the
 * extended master secret, RFC 7627). Decoders bound every length and throw {@link DtlsError} on bad input.
 */
import { randomBytes } from 'node:crypto';
import { LixError } from '../../lib/errors.js';

export const CONTENT = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;
export const HS = {
  clientHello: 1,
  serverHello: 2,
  helloVerifyRequest: 3,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
} as const;
export const VERSION = { dtls12: 0xfefd, dtls10: 0xfeff } as const;
/** TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 and _AES_256_GCM_SHA384 (RFC 5289), the RFC 9325 §4.2 suites. */
export const SUITES = {
  0xc02b: { name: 'ECDHE-ECDSA-AES128-GCM-SHA256', cipher: 'aes-128-gcm', keyLen: 16, hash: 'sha256' },
  0xc02c: { name: 'ECDHE-ECDSA-AES256-GCM-SHA384', cipher: 'aes-256-gcm', keyLen: 32, hash: 'sha384' },
} as const;
export type SuiteId = keyof typeof SUITES;
export const EXT = {
  supportedGroups: 10,
  pointFormats: 11,
  signatureAlgorithms: 13,
  ems: 23,
  reneg: 0xff01,
} as const;
export const SECP256R1 = 23;
export const ECDSA_SHA256 = 0x0403;
export const ECDSA_SIGN = 64;
export const ALERT = {
  closeNotify: 0,
  unexpectedMessage: 10,
  handshakeFailure: 40,
  badCertificate: 42,
  unknownCa: 48,
  accessDenied: 49,
  decodeError: 50,
  decryptError: 51,
} as const;
/**
 * Alerts by which a peer refuses our certificate (RFC 5246 §7.2.2): bad_certificate … certificate_unknown,
 * unknown_ca, access_denied. A handshake ended by one of them is an authentication failure, not a protocol one.
 */
export const AUTH_ALERTS: ReadonlyMap<number, string> = new Map([
  [42, 'bad_certificate'],
  [43, 'unsupported_certificate'],
  [44, 'certificate_revoked'],
  [45, 'certificate_expired'],
  [46, 'certificate_unknown'],
  [48, 'unknown_ca'],
  [49, 'access_denied'],
]);
export const RECORD_HEADER = 13;
export const HS_HEADER = 12;
/** Largest record payload (RFC 6347 §4.1: 2^14 plaintext, plus expansion). */
const MAX_RECORD = 16_384 + 2048;
/** Largest handshake message accepted (certificate chains included). */
export const MAX_HANDSHAKE = 64 * 1024;

/**
 * A DTLS protocol or input error; `alert` is the fatal alert to send. `auth` marks a failure to authenticate
 * the peer (no certificate, another CA, a bad signature, an identity not allowed) apart from other failures.
 */
export class DtlsError extends LixError<'dtls'> {
  constructor(
    message: string,
    readonly alert: number = ALERT.decodeError,
    readonly auth = false,
  ) {
    super('dtls', message);
  }
}

export interface DtlsRecord {
  readonly type: number;
  readonly version: number;
  readonly epoch: number;
  readonly seq: number;
  readonly body: Buffer;
  /** The 13-byte header (for AEAD additional data). */
  readonly header: Buffer;
}

/** The records of one datagram; a malformed tail is dropped (RFC 6347 §4.1.2.7: invalid records are discarded). */
export function parseRecords(d: Buffer): DtlsRecord[] {
  const out: DtlsRecord[] = [];
  let o = 0;
  while (o + RECORD_HEADER <= d.length) {
    const len = d.readUInt16BE(o + 11);
    if (len > MAX_RECORD || o + RECORD_HEADER + len > d.length) break;
    out.push({
      type: d[o]!,
      version: d.readUInt16BE(o + 1),
      epoch: d.readUInt16BE(o + 3),
      seq: d.readUIntBE(o + 5, 6),
      header: d.subarray(o, o + RECORD_HEADER),
      body: d.subarray(o + RECORD_HEADER, o + RECORD_HEADER + len),
    });
    o += RECORD_HEADER + len;
  }
  return out;
}

export function recordHeader(type: number, epoch: number, seq: number, len: number): Buffer {
  const h = Buffer.alloc(RECORD_HEADER);
  h[0] = type;
  h.writeUInt16BE(VERSION.dtls12, 1);
  h.writeUInt16BE(epoch, 3);
  h.writeUIntBE(seq, 5, 6);
  h.writeUInt16BE(len, 11);
  return h;
}

export interface HandshakeFragment {
  readonly type: number;
  readonly length: number;
  readonly seq: number;
  readonly offset: number;
  readonly body: Buffer;
}

/** The handshake fragments of a record body. */
export function parseHandshakes(b: Buffer): HandshakeFragment[] {
  const out: HandshakeFragment[] = [];
  let o = 0;
  while (o < b.length) {
    if (o + HS_HEADER > b.length) throw new DtlsError('truncated handshake header');
    const length = b.readUIntBE(o + 1, 3);
    const offset = b.readUIntBE(o + 6, 3);
    const fragLen = b.readUIntBE(o + 9, 3);
    if (length > MAX_HANDSHAKE || offset + fragLen > length || o + HS_HEADER + fragLen > b.length)
      throw new DtlsError('bad handshake fragment lengths');
    out.push({
      type: b[o]!,
      length,
      seq: b.readUInt16BE(o + 4),
      offset,
      body: b.subarray(o + HS_HEADER, o + HS_HEADER + fragLen),
    });
    o += HS_HEADER + fragLen;
  }
  return out;
}

/** A whole handshake message with its header (fragment offset 0, fragment length = length), as hashed. */
export function handshakeMessage(type: number, seq: number, body: Buffer): Buffer {
  const h = Buffer.alloc(HS_HEADER);
  h[0] = type;
  h.writeUIntBE(body.length, 1, 3);
  h.writeUInt16BE(seq, 4);
  h.writeUIntBE(0, 6, 3);
  h.writeUIntBE(body.length, 9, 3);
  return Buffer.concat([h, body]);
}

/** A reader over a message body with bounds checks. */
export class Reader {
  #o = 0;
  constructor(private readonly b: Buffer) {}
  get done(): boolean {
    return this.#o === this.b.length;
  }
  #need(n: number): void {
    if (this.#o + n > this.b.length) throw new DtlsError('truncated handshake message');
  }
  u8(): number {
    this.#need(1);
    return this.b[this.#o++]!;
  }
  u16(): number {
    this.#need(2);
    const v = this.b.readUInt16BE(this.#o);
    this.#o += 2;
    return v;
  }
  u24(): number {
    this.#need(3);
    const v = this.b.readUIntBE(this.#o, 3);
    this.#o += 3;
    return v;
  }
  bytes(n: number): Buffer {
    this.#need(n);
    const v = this.b.subarray(this.#o, this.#o + n);
    this.#o += n;
    return v;
  }
  vec8(): Buffer {
    return this.bytes(this.u8());
  }
  vec16(): Buffer {
    return this.bytes(this.u16());
  }
  vec24(): Buffer {
    return this.bytes(this.u24());
  }
}

export function u8(n: number): Buffer {
  return Buffer.from([n]);
}
export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
export function u24(n: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(n, 0, 3);
  return b;
}
export const vec8 = (b: Buffer): Buffer => Buffer.concat([u8(b.length), b]);
export const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
export const vec24 = (b: Buffer): Buffer => Buffer.concat([u24(b.length), b]);

/** Extensions as a map from type to data. */
export function parseExtensions(r: Reader): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  if (r.done) return m;
  const all = new Reader(r.vec16());
  while (!all.done) m.set(all.u16(), all.vec16());
  return m;
}

function ext(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(data)]);
}

export interface ClientHello {
  readonly random: Buffer;
  readonly sessionId: Buffer;
  readonly cookie: Buffer;
  readonly suites: readonly number[];
  readonly extensions: Map<number, Buffer>;
}

export function encodeClientHello(random: Buffer, cookie: Buffer, suites: readonly number[]): Buffer {
  return Buffer.concat([
    u16(VERSION.dtls12),
    random,
    vec8(Buffer.alloc(0)),
    vec8(cookie),
    vec16(Buffer.concat(suites.map(u16))),
    vec8(Buffer.from([0])),
    vec16(
      Buffer.concat([
        ext(EXT.supportedGroups, vec16(u16(SECP256R1))),
        ext(EXT.pointFormats, vec8(Buffer.from([0]))),
        ext(EXT.signatureAlgorithms, vec16(u16(ECDSA_SHA256))),
        ext(EXT.ems, Buffer.alloc(0)),
        ext(EXT.reneg, vec8(Buffer.alloc(0))),
      ]),
    ),
  ]);
}

export function decodeClientHello(b: Buffer): ClientHello {
  const r = new Reader(b);
  const version = r.u16();
  if (version !== VERSION.dtls12)
    throw new DtlsError(`client offers ${version.toString(16)}, not DTLS 1.2`, ALERT.handshakeFailure);
  const random = r.bytes(32);
  const sessionId = r.vec8();
  const cookie = r.vec8();
  const s = new Reader(r.vec16());
  const suites: number[] = [];
  while (!s.done) suites.push(s.u16());
  r.vec8();
  return { random, sessionId, cookie, suites, extensions: parseExtensions(r) };
}

/** True when a supported_groups / signature_algorithms list (16-bit entries) contains `v`. */
export function listHas(data: Buffer | undefined, v: number): boolean {
  if (!data) return false;
  const r = new Reader(new Reader(data).vec16());
  while (!r.done) if (r.u16() === v) return true;
  return false;
}

export function encodeHelloVerifyRequest(cookie: Buffer): Buffer {
  return Buffer.concat([u16(VERSION.dtls10), vec8(cookie)]);
}

export function encodeServerHello(random: Buffer, suite: number): Buffer {
  return Buffer.concat([
    u16(VERSION.dtls12),
    random,
    vec8(randomBytes(32)),
    u16(suite),
    u8(0),
    vec16(Buffer.concat([ext(EXT.ems, Buffer.alloc(0)), ext(EXT.reneg, vec8(Buffer.alloc(0)))])),
  ]);
}

export interface ServerHello {
  readonly random: Buffer;
  readonly suite: number;
  readonly extensions: Map<number, Buffer>;
}

export function decodeServerHello(b: Buffer): ServerHello {
  const r = new Reader(b);
  if (r.u16() !== VERSION.dtls12)
    throw new DtlsError('server did not choose DTLS 1.2', ALERT.handshakeFailure);
  const random = r.bytes(32);
  r.vec8();
  const suite = r.u16();
  r.u8();
  return { random, suite, extensions: parseExtensions(r) };
}

export function encodeCertificate(chain: readonly Buffer[]): Buffer {
  return vec24(Buffer.concat(chain.map(vec24)));
}

export function decodeCertificate(b: Buffer): Buffer[] {
  const r = new Reader(new Reader(b).vec24());
  const out: Buffer[] = [];
  while (!r.done) out.push(r.vec24());
  return out;
}

/** ECParameters (named curve P-256) and the public point: the signed part of ServerKeyExchange. */
export function ecParams(publicKey: Buffer): Buffer {
  return Buffer.concat([u8(3), u16(SECP256R1), vec8(publicKey)]);
}

export function encodeSigned(scheme: number, signature: Buffer): Buffer {
  return Buffer.concat([u16(scheme), vec16(signature)]);
}

export interface ServerKeyExchange {
  readonly params: Buffer;
  readonly publicKey: Buffer;
  readonly scheme: number;
  readonly signature: Buffer;
}

export function decodeServerKeyExchange(b: Buffer): ServerKeyExchange {
  const r = new Reader(b);
  if (r.u8() !== 3 || r.u16() !== SECP256R1)
    throw new DtlsError('server chose a curve other than P-256', ALERT.handshakeFailure);
  const publicKey = r.vec8();
  const params = b.subarray(0, 4 + publicKey.length);
  return { params, publicKey, scheme: r.u16(), signature: r.vec16() };
}

export function encodeCertificateRequest(): Buffer {
  return Buffer.concat([vec8(u8(ECDSA_SIGN)), vec16(u16(ECDSA_SHA256)), vec16(Buffer.alloc(0))]);
}

export function decodeSigned(b: Buffer): { scheme: number; signature: Buffer } {
  const r = new Reader(b);
  return { scheme: r.u16(), signature: r.vec16() };
}
