// The X1 TLS profile on real mutual TLS over loopback: who gets through the handshake, what the server
// refuses (and says why in its log), renegotiation, session tickets, CRLs and reload without restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import tls from 'node:tls';
import { pino } from 'pino';
import { createX1Server, type X1Server, type X1ServerRequest } from '../../src/transport/https-server.js';
import type { TlsConfig } from '../../src/transport/tls-options.js';
import { getTestPki, type TestPki } from '../support/pki.js';

interface Harness {
  server: X1Server;
  seen: X1ServerRequest[];
  /** Server log records (JSON). */
  log: { msg: string; code?: string; remoteAddress?: string }[];
}

async function start(tlsConfig: TlsConfig, extra: { watchTlsFiles?: number } = {}): Promise<Harness> {
  const log: Harness['log'] = [];
  const seen: X1ServerRequest[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void log.push(JSON.parse(s)) });
  const server = await createX1Server({
    tls: tlsConfig,
    listen: { host: '127.0.0.1', port: 0 },
    logger,
    handler: async (req) => {
      seen.push(req);
      return { body: '<ok/>' };
    },
    ...extra,
  });
  return { server, seen, log };
}

type Outcome =
  | { ok: true; status: string; socket: tls.TLSSocket }
  | { ok: false; code: string | undefined; message: string };

/** Connects, sends one POST, and reports whether an HTTP answer came back. */
function exchange(server: X1Server, opts: tls.ConnectionOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: server.address().port,
      servername: 'localhost',
      ...opts,
    });
    let answer = '';
    socket.on('error', (e: Error & { code?: string }) =>
      resolve({ ok: false, code: e.code, message: e.message }),
    );
    socket.on('close', () => resolve({ ok: false, code: 'CLOSED', message: 'closed without an answer' }));
    socket.on('data', (d: Buffer) => {
      answer += d.toString();
      if (answer.includes('\r\n\r\n')) resolve({ ok: true, status: answer.split('\r\n')[0]!, socket });
    });
    socket.once('secureConnect', () =>
      socket.write(
        'POST /X1/NE HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: 4\r\n\r\n<x/>',
      ),
    );
  });
}

function credentials(pki: TestPki, name: string): tls.ConnectionOptions {
  const t = pki.tls(name);
  return { cert: readFileSync(t.certFile), key: readFileSync(t.keyFile), ca: readFileSync(t.caFile) };
}

const refusals = (h: Harness) => h.log.filter((r) => r.msg === 'TLS handshake refused');
const refusedCodes = (h: Harness) => refusals(h).map((r) => r.code);

test('a valid client gets through and the handler sees its UID', async () => {
  const pki = await getTestPki();
  const h = await start(pki.tls('ne-1'));
  try {
    const r = await exchange(h.server, credentials(pki, 'admf-1'));
    assert.equal(r.ok && r.status, 'HTTP/1.1 200 OK');
    assert.equal(h.seen[0]!.peerIdentity, 'admf-1');
    if (r.ok) r.socket.destroy();
  } finally {
    await h.server.close();
  }
});

test('refused in the handshake: no certificate, untrusted CA, expired, not yet valid', async () => {
  const pki = await getTestPki();
  const h = await start(pki.tls('ne-1'));
  const ca = readFileSync(pki.caFile);
  try {
    const cases: [string, tls.ConnectionOptions, string][] = [
      ['no certificate', { ca }, 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE'],
      ['untrusted', credentials(pki, 'untrusted'), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
      ['expired', credentials(pki, 'expired'), 'CERT_HAS_EXPIRED'],
      ['not yet valid', credentials(pki, 'notYetValid'), 'CERT_NOT_YET_VALID'],
    ];
    for (const [name, opts, serverCode] of cases) {
      const r = await exchange(h.server, opts);
      assert.equal(r.ok, false, `${name} got through`);
      assert.equal(refusedCodes(h).at(-1), serverCode, name);
    }
    assert.equal(h.seen.length, 0);
    assert.equal(h.server.stats().tlsRejections, cases.length);
    assert.deepEqual(new Set(refusals(h).map((r) => r.remoteAddress)), new Set(['127.0.0.1']));
  } finally {
    await h.server.close();
  }
});

test('identity attribute: cn reads the CN; a CN-only certificate has no UID; two UIDs are no identity', async () => {
  const pki = await getTestPki();
  const byCn = await start(pki.tls('ne-1', { identityAttribute: 'cn' }));
  const byUid = await start(pki.tls('ne-1'));
  try {
    const seen = async (h: Harness, name: string) => {
      const r = await exchange(h.server, credentials(pki, name));
      assert.ok(r.ok, name);
      r.socket.destroy();
      return h.seen.at(-1)!.peerIdentity;
    };
    assert.equal(await seen(byCn, 'cnOnly'), 'admf-cn');
    assert.equal(await seen(byCn, 'admf-1'), 'admf-1');
    assert.equal(await seen(byUid, 'cnOnly'), undefined);
    assert.equal(await seen(byUid, 'twoUids'), undefined);
  } finally {
    await byCn.server.close();
    await byUid.server.close();
  }
});

test('TLS 1.1 and a non-AEAD (CBC) suite are refused by the server', async () => {
  const pki = await getTestPki();
  const h = await start(pki.tls('ne-1'));
  try {
    // The client is made willing (security level 0) so that the refusal can only come from the server.
    const old = await exchange(h.server, {
      ...credentials(pki, 'admf-1'),
      minVersion: 'TLSv1.1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    assert.equal(old.ok, false);
    assert.equal(!old.ok && old.code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    const cbc = await exchange(h.server, {
      ...credentials(pki, 'admf-1'),
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA',
    });
    assert.equal(cbc.ok, false);
    // A handshake_failure alert (OpenSSL 3.0 names it SSLV3_ALERT_..., 3.5 in Node 24 SSL/TLS_ALERT_...).
    assert.match(!cbc.ok ? String(cbc.code) : '', /^ERR_SSL_(SSLV3|SSL\/TLS)_ALERT_HANDSHAKE_FAILURE$/);
    // The same client with an AEAD suite is fine: the suite was the reason.
    const gcm = await exchange(h.server, {
      ...credentials(pki, 'admf-1'),
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    });
    assert.ok(gcm.ok);
    assert.equal(gcm.socket.getProtocol(), 'TLSv1.2');
    gcm.socket.destroy();
  } finally {
    await h.server.close();
  }
});

test('client-initiated renegotiation is refused', async () => {
  const pki = await getTestPki();
  const h = await start(pki.tls('ne-1'));
  try {
    const r = await exchange(h.server, { ...credentials(pki, 'admf-1'), maxVersion: 'TLSv1.2' });
    assert.ok(r.ok);
    const err = await new Promise<(Error & { code?: string }) | null>((resolve) => {
      r.socket.once('error', resolve);
      r.socket.renegotiate({}, (e) => resolve(e));
    });
    assert.ok(err, 'renegotiation succeeded');
    assert.match(String(err.code ?? err.message), /RENEGOTIATION|ALERT/i);
    r.socket.destroy();
  } finally {
    await h.server.close();
  }
});

test('no session ticket is issued and no session is resumed (TLS 1.2 and 1.3)', async () => {
  const pki = await getTestPki();
  const h = await start(pki.tls('ne-1'));
  try {
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      let session: Buffer | undefined;
      const sessions: Buffer[] = [];
      for (let i = 0; i < 2; i++) {
        const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
          const s = tls.connect(
            {
              host: '127.0.0.1',
              port: h.server.address().port,
              servername: 'localhost',
              maxVersion,
              ...credentials(pki, 'admf-1'),
              ...(session && { session }),
            },
            () => resolve(s),
          );
          s.on('session', (b: Buffer) => sessions.push(b));
          s.on('error', reject);
        });
        // Let post-handshake messages (TLS 1.3 NewSessionTicket) arrive.
        socket.write('POST /nope HTTP/1.1\r\nHost: x\r\n\r\n');
        await new Promise((r) => socket.once('data', r));
        assert.equal(socket.isSessionReused(), false, `${maxVersion} resumed a session`);
        // RFC 5077 tickets carry the encrypted session (hundreds of bytes). OpenSSL with SSL_OP_NO_TICKET
        // sends TLS 1.3 NewSessionTickets that hold only a 32-byte session ID of a session nobody caches.
        const ticket = socket.getTLSTicket();
        if (maxVersion === 'TLSv1.2') assert.equal(ticket, undefined);
        else assert.ok(ticket === undefined || ticket.length <= 32, `ticket of ${ticket?.length} bytes`);
        session = sessions.at(-1);
        socket.destroy();
      }
    }
  } finally {
    await h.server.close();
  }
});

test('with a CRL, a revoked client certificate is refused and a valid one accepted', async () => {
  const pki = await getTestPki();
  const h = await start(pki.tls('ne-1', { crl: true }));
  try {
    const revoked = await exchange(h.server, credentials(pki, 'revoked'));
    assert.equal(revoked.ok, false);
    assert.equal(refusedCodes(h).at(-1), 'CERT_REVOKED');
    const valid = await exchange(h.server, credentials(pki, 'admf-1'));
    assert.ok(valid.ok);
    valid.socket.destroy();
  } finally {
    await h.server.close();
  }
  const noCrl = await start(pki.tls('ne-1'));
  try {
    const r = await exchange(noCrl.server, credentials(pki, 'revoked'));
    assert.ok(r.ok, 'without the CRL the same certificate is accepted');
    r.socket.destroy();
  } finally {
    await noCrl.server.close();
  }
});

test('reload without restart: new connections get the new certificate, open ones keep working', async () => {
  const pki = await getTestPki();
  const first = await pki.issue('server-reload', { identity: 'ne-1' });
  const cfg: TlsConfig = { certFile: first.certFile, keyFile: first.keyFile, caFile: pki.caFile };
  const h = await start(cfg, { watchTlsFiles: 50 });
  const serialOf = (o: Outcome) =>
    o.ok ? o.socket.getPeerCertificate().serialNumber.toLowerCase() : 'refused';
  try {
    const before = await exchange(h.server, credentials(pki, 'admf-1'));
    assert.equal(serialOf(before), first.serial.toLowerCase());

    const second = await pki.issue('server-reload', { identity: 'ne-1' });
    h.server.reload();
    const after = await exchange(h.server, credentials(pki, 'admf-1'));
    assert.equal(serialOf(after), second.serial.toLowerCase());
    assert.ok(before.ok);
    before.socket.write(
      'POST /X1/NE HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 4\r\n\r\n<x/>',
    );
    const again = await new Promise<string>((r) =>
      before.socket.once('data', (d: Buffer) => r(d.toString())),
    );
    assert.match(again, /^HTTP\/1\.1 200 /);

    // The file watcher picks up a third certificate by itself.
    const third = await pki.issue('server-reload', { identity: 'ne-1' });
    let seen = '';
    for (let i = 0; i < 60 && seen !== third.serial.toLowerCase(); i++) {
      await new Promise((r) => setTimeout(r, 50));
      const o = await exchange(h.server, credentials(pki, 'admf-1'));
      seen = serialOf(o);
      if (o.ok) o.socket.destroy();
    }
    assert.equal(seen, third.serial.toLowerCase());
    for (const o of [before, after]) if (o.ok) o.socket.destroy();
  } finally {
    await h.server.close();
  }
});

test('a broken reload keeps the old material and says why', async () => {
  const pki = await getTestPki();
  const files = await pki.issue('server-broken', { identity: 'ne-1' });
  const h = await start({
    certFile: files.certFile,
    keyFile: pki.tls('ne-2').keyFile,
    caFile: pki.caFile,
  }).catch((e: Error) => e);
  assert.ok(h instanceof Error && h.name === 'TlsConfigError', 'mismatched key accepted at start');
  const ok = await start({ certFile: files.certFile, keyFile: files.keyFile, caFile: pki.caFile });
  try {
    // Replace only the certificate: it no longer matches the key.
    await pki.issue('server-broken-other', { identity: 'ne-1' });
    writeFileSync(files.certFile, readFileSync(`${pki.dir}/server-broken-other.pem`));
    assert.throws(() => ok.server.reload(), { name: 'TlsConfigError' });
    const r = await exchange(ok.server, credentials(pki, 'admf-1'));
    assert.ok(r.ok, 'the server stopped serving after a failed reload');
    r.socket.destroy();
  } finally {
    await ok.server.close();
  }
});
