// Errors in the user's terms, and the exit statuses of docs/cli.md: REST refusals name the field as the
// client wrote it and list an enum's allowed values (no `body/…` paths, no regular expressions); the CLI
// exits 2 for a usage error, 1 when the peer (ADMF API or X1 peer) refused or did not answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { TEST_API_TOKEN } from '../support/admf-harness.js';
import { memoryAdmf, neWithDestination } from '../support/admf-memory.js';
import { runCli, runCliAsync } from '../support/cli.js';
import { x1Refusal } from '../../src/cli/admf-views.js';

type J = { error: string; message: string };

test('REST refusals name the field, list allowed values and say what a pattern means', async () => {
  const m = await memoryAdmf();
  try {
    const did = await neWithDestination(m);
    const cases: [string, string, unknown, RegExp][] = [
      [
        'POST',
        '/api/nes/ne-1/destinations',
        { deliveryType: 'X4', uri: 'eep+udp://127.0.0.1:9' },
        /^deliveryType must be one of X2Only, X3Only, X2andX3$/,
      ],
      [
        'POST',
        '/api/tasks',
        { ne: 'ne-1', targets: [{ kind: 'sipUri', value: 'sip:a@b', x: 1 }], dids: ['nope'] },
        /targets\[0\]\.x is not a known field; dids\[0\] must be a UUID/,
      ],
      ['GET', '/api/tasks?state=bogus', undefined, /^query parameter state must be one of .*active/],
      ['GET', '/api/tasks/not-a-uuid', undefined, /^path parameter xid must be a UUID/],
      [
        'POST',
        '/api/nes',
        { id: 'ne 2', url: 'ftp://x' },
        /^id must be 1 to 255 characters without spaces; url must be an http:\/\/ or https:\/\/ URL$/,
      ],
      ['PUT', '/api/nes/ne-1', { heal: 'auto' }, /^url is required$/],
      [
        'POST',
        '/api/tasks',
        { ne: 'ne-1', targets: [{ kind: 'bogusKind', value: 'x' }], dids: [did] },
        /"bogusKind" is not accepted by this API; it takes .*sipUri.*imsi|"bogusKind" .*imsi.*sipUri/,
      ],
    ];
    for (const [method, url, body, pattern] of cases) {
      const r = await m.call(method as 'POST', url, body);
      assert.equal(r.status, 400, `${method} ${url}`);
      const j = r.json as J;
      assert.match(j.message, pattern, `${method} ${url}`);
      assert.doesNotMatch(j.message, /body\/|querystring\/|params\/|\^|\$/, 'no internal paths or patterns');
    }
  } finally {
    await m.close();
  }
});

test('exit status 2 for a usage error, with the allowed values of an option', () => {
  const r = runCli(['admf', 'destination', 'create', '--ne', 'ne-1', '--delivery-type', 'X4']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--delivery-type.*Allowed choices are X2Only, X3Only, X2andX3/);
  const unknown = runCli(['admf', 'task', 'list', '--colour']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option '--colour'/);
});

test('exit status 1 when the ADMF API refuses; its message in one line', async () => {
  const m = await memoryAdmf();
  await m.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = m.app.server.address();
  const api = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  try {
    const env = { LIX_ADMF_API: api, LIX_ADMF_TOKEN: TEST_API_TOKEN };
    const r = await runCliAsync(['admf', 'task', 'show', '00000000-0000-4000-8000-000000000000'], { env });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^lix admf: 404 not-found: no task 00000000-0000-4000-8000-000000000000\n$/);
  } finally {
    await m.close();
  }
});

test('lix x1 ping: exit status 1 with one line when nothing answers', async () => {
  // A port that was free a moment ago: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const url = `http://127.0.0.1:${port}/X1/NE`;
  const r = runCli(['x1', 'ping', '--url', url, '--admf-id', 'a', '--ne-id', 'n', '--insecure-plain-http']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`^lix x1 ping: no answer from ${url}: .*ECONNREFUSED.*\\n$`));
});

test('lix admf ne ping|heal: an X1 refusal inside a 200 answer is an error (exit 1)', () => {
  assert.equal(x1Refusal('ping', { response: 'PingResponse', latencyMs: 1 }), undefined);
  assert.match(
    x1Refusal('ping', { response: 'ErrorResponse' }) ?? '',
    /answered the Ping with ErrorResponse/,
  );
  const heal = { neId: 'ne-1', actions: [{ action: 'ActivateTask', id: 'x', outcome: 'error' }] };
  assert.match(x1Refusal('heal', heal) ?? '', /1 heal action\(s\) failed: ActivateTask x/);
  assert.equal(x1Refusal('heal', { neId: 'ne-1', actions: [] }), undefined);
  assert.equal(x1Refusal('show', { response: 'whatever' }), undefined);
});
