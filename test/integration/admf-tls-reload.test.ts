// A renewed ADMF certificate reaches the per-NE clients without a restart: after the files change, new
// connections present the new certificate (here one for another identity, which the NE then refuses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admfHarness } from '../support/admf-harness.js';
import { until } from '../support/admf-helpers.js';
import { neHarness } from '../support/ne-harness.js';
import { getTestPki } from '../support/pki.js';

test('the ADMF reloads its TLS files for its NE clients without a restart', { timeout: 60_000 }, async () => {
  const pki = await getTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'lix-admf-tls-'));
  const certFile = join(dir, 'admf.pem');
  const keyFile = join(dir, 'admf.key');
  const original = pki.identities['admf-1']!;
  copyFileSync(original.certFile, certFile);
  copyFileSync(original.keyFile, keyFile);
  const h = await admfHarness({ certFile, keyFile });
  const ne = await neHarness({ admfUrl: h.running.x1Url }, { transport: 'https' });
  try {
    const { admf } = h.running;
    await admf.putNe({ id: 'ne-1', url: ne.url! });
    const code = async () => {
      const r = (await admf.send('ne-1', { type: 'PingRequest' })).response;
      return r.type === 'ErrorResponse' ? r.errorInformation.errorCode : r.type;
    };
    assert.equal(await code(), 'PingResponse');
    const other = await pki.issue('admf-renewed-as-other', { identity: 'admf-other' });
    copyFileSync(other.keyFile, keyFile);
    copyFileSync(other.certFile, certFile);
    await until('the renewed certificate in use', async () => (await code()) === 1030, 15_000);
    copyFileSync(original.keyFile, keyFile);
    copyFileSync(original.certFile, certFile);
    await until('the original certificate back', async () => (await code()) === 'PingResponse', 15_000);
  } finally {
    await ne.close();
    await h.close();
  }
});
