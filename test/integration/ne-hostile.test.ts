// The hostile-XML corpus sent to a real NE over mutual TLS: each gets the right answer (top-level error,
// per-message error, or HTTP 413 for what exceeds the body limit), the NE keeps serving, nothing changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeFor } from '../../src/x1/errors.js';
import { X1HttpStatusError } from '../../src/transport/https-client.js';
import { hostileCases } from '../support/hostile-xml.js';
import { neHarness } from '../support/ne-harness.js';
import { destination, req, task, uuid } from '../support/x1-builders.js';

test(
  'hostile XML over HTTPS: right error each time, the NE keeps serving, the store is unchanged',
  { timeout: 120_000 },
  async () => {
    const h = await neHarness({}, { transport: 'https' });
    try {
      const did = uuid();
      const xid = uuid();
      await h.send([req('CreateDestinationRequest', { destinationDetails: destination(did) })]);
      await h.send([req('ActivateTaskRequest', { taskDetails: task(xid, [did]) })]);
      const before = JSON.stringify({ t: [...h.store.iterateTasks()], d: h.store.listDestinations() });
      for (const c of hostileCases()) {
        let text: string | undefined;
        try {
          text = await h.sendRaw(c.body);
        } catch (err) {
          assert.ok(err instanceof X1HttpStatusError, `${c.name}: ${String(err)}`);
          assert.equal(err.status, 413, `${c.name}: only an oversized body may fail at the HTTP level`);
          assert.ok(c.body.byteLength > 1 << 20, `${c.name}: 413 for a body within the limit`);
          continue;
        }
        if (c.containerLevel) {
          assert.match(text, /<x1:X1TopLevelErrorResponse /, c.name);
        } else {
          const code = /<x1:errorCode>(\d+)<\/x1:errorCode>/.exec(text)?.[1];
          assert.equal(code, String(codeFor('etsi', c.kind)), `${c.name}: ${text.slice(0, 400)}`);
        }
        const [pong] = await h.send([req('PingRequest', {})]);
        assert.equal(pong?.type, 'PingResponse', `${c.name}: the NE stopped serving`);
      }
      assert.equal(JSON.stringify({ t: [...h.store.iterateTasks()], d: h.store.listDestinations() }), before);
    } finally {
      await h.close();
    }
  },
);

test('clients without a certificate, or with one from another CA, are refused in the handshake; nothing changes', async () => {
  const { getTestPki } = await import('../support/pki.js');
  const { createX1Client, X1TlsError } = await import('../../src/transport/https-client.js');
  const { xml } = await import('../support/x1-builders.js');
  const https = await import('node:https');
  const { readFileSync } = await import('node:fs');
  const pki = await getTestPki();
  const h = await neHarness({}, { transport: 'https' });
  try {
    const body = xml(req('CreateDestinationRequest', { destinationDetails: destination(uuid()) }));
    const untrusted = createX1Client({ tls: pki.tls('untrusted'), url: h.url! });
    await assert.rejects(untrusted.post(body), (e: unknown) => e instanceof X1TlsError);
    await untrusted.close();
    const noCert = await new Promise<string>((resolve) => {
      const r = https.request(
        h.url!,
        { method: 'POST', ca: readFileSync(pki.caFile), headers: { 'Content-Type': 'application/xml' } },
        (res) => resolve(`HTTP ${res.statusCode}`),
      );
      r.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      r.end(body);
    });
    assert.doesNotMatch(noCert, /^HTTP/, `a client without a certificate got ${noCert}`);
    assert.equal(h.store.listDestinations().length, 0);
  } finally {
    await h.close();
  }
});
