// `lix x1 send` in scripts: it prints the answer as it came, and its exit status says whether the peer
// refused anything (a top-level error, or any ErrorResponse), so that `lix x1 send ... || alert` works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRequest } from '../../src/x1/encode.js';
import { NE_ON_LOOPBACK, runCli } from '../support/cli.js';
import { startLix } from '../support/daemon.js';
import { req } from '../support/x1-builders.js';

test('lix x1 send: exit 0 when every message is answered OK, 1 for an ErrorResponse or a top-level error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-x1-send-'));
  const ne = startLix([...NE_ON_LOOPBACK, '--data', join(dir, 'ne'), '--insecure-plain-http']);
  try {
    const url = /listening on (\S+)/.exec(await ne.waitFor(/listening on http:/))![1]!;
    const send = (name: string, body: string) => {
      const file = join(dir, name);
      writeFileSync(file, body);
      return runCli(['x1', 'send', '--url', url, '--insecure-plain-http', '--as', 'admf-1', file]);
    };
    const ok = send('ping.xml', encodeRequest([req('PingRequest', {})]));
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /PingResponse/);
    const other = send(
      'other.xml',
      encodeRequest([req('PingRequest', {}), req('PingRequest', {}, { neIdentifier: 'ne-9' })]),
    );
    assert.equal(other.status, 1);
    assert.match(other.stdout, /ErrorResponse/, 'the answer is still printed');
    assert.match(
      other.stderr,
      /the peer answered 1 of 2 message\(s\) with an error \(first: \d+ message for NE "ne-9"/,
    );
    const garbage = send('garbage.xml', '<x1:X1Request');
    assert.equal(garbage.status, 1);
    assert.match(garbage.stderr, /top-level error/);
  } finally {
    ne.child.kill('SIGTERM');
    await ne.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
