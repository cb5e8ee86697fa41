// Without the optional SCTP addon (raw-socket not built for this Node), eep+sctp is refused clearly: the NE
// answers CreateDestination with DeliveryAddressUnusable and changes nothing, and the collector stops with
// one line. Nothing crashes.
import { test } from 'node:test';
import { NE_ON_LOOPBACK } from '../support/cli.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeX1 } from '../../src/x1/decode.js';
import { codeFor } from '../../src/x1/errors.js';
import { startLix } from '../support/daemon.js';
import { destination, req, uuid, xml } from '../support/x1-builders.js';

const NO_ADDON = { NODE_OPTIONS: `--import=${join(import.meta.dirname, '../support/no-raw-socket.mjs')}` };

async function post(url: string, body: Buffer) {
  const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/xml' } });
  const doc = decodeX1(await r.text());
  assert.equal(doc.root, 'X1Response');
  return doc.root === 'X1Response' ? doc.results.map((m) => (m.ok ? m.message : undefined)) : [];
}

test('the NE refuses an eep+sctp destination without the addon, and keeps answering', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-nosctp-'));
  const ne = startLix([...NE_ON_LOOPBACK, '--data', dir, '--insecure-plain-http'], NO_ADDON);
  try {
    const url = /listening on (\S+)/.exec(await ne.waitFor(/listening on http:/))![1]!;
    const did = uuid();
    const sctp = destination(did, { deliveryAddress: { kind: 'uri', value: 'eep+sctp://127.0.0.1:9' } });
    const [refused] = await post(url, xml(req('CreateDestinationRequest', { destinationDetails: sctp })));
    assert.ok(refused?.type === 'ErrorResponse', JSON.stringify(refused));
    assert.equal(refused.errorInformation.errorCode, codeFor('etsi', 'DeliveryAddressUnusable'));
    assert.match(
      refused.errorInformation.errorDescription,
      /SCTP .*raw-socket is not installed or not built/,
    );
    const [ping, details] = await post(
      url,
      xml(req('PingRequest', {}), req('GetDestinationDetailsRequest', { dId: did })),
    );
    assert.equal(ping?.type, 'PingResponse');
    assert.ok(details?.type === 'ErrorResponse', 'no destination was stored');
    assert.equal(details.errorInformation.errorCode, codeFor('etsi', 'DidDoesNotExist'));
  } finally {
    ne.child.kill('SIGTERM');
    await ne.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the collector stops with one line for an eep+sctp listener without the addon', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-nosctp-'));
  try {
    const c = startLix(['collector', '--listen', 'eep+sctp://127.0.0.1:0', '--out', dir], NO_ADDON);
    assert.equal(await c.exited, 1);
    const errors = c.lines.filter((l) => l.startsWith('lix collector:'));
    assert.equal(errors.length, 1, c.lines.join('\n'));
    assert.match(errors[0]!, /SCTP unavailable: the optional addon raw-socket is not installed or not built/);
    assert.ok(!c.lines.some((l) => /^\s+at /.test(l)), 'no stack trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
