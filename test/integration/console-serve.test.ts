// How the ADMF serves the console and its event stream, without a browser: content types and cache headers,
// client routes answered with index.html, /api kept apart, paths outside the folder refused, a page that says
// to build when nothing is built; GET /api/events needs the token, carries audit events as they are
// recorded, and ends when the app closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { listenApi } from '../../src/api/app.js';
import { registerConsole } from '../../src/api/console-static.js';
import { memoryAdmf } from '../support/admf-memory.js';
import { TEST_API_TOKEN } from '../support/admf-harness.js';

function builtConsole(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lix-console-dist-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'export {}');
  writeFileSync(join(dirname(dir), 'secret.txt'), 'outside');
  return dir;
}
const dirname = (p: string) => join(p, '..');

test('the console files: types, caching, client routes, /api apart, nothing outside the folder', async () => {
  const app = Fastify();
  registerConsole(app, builtConsole());
  await app.ready();
  const get = (url: string) => app.inject({ method: 'GET', url });
  const index = await get('/');
  assert.equal(index.statusCode, 200);
  assert.match(index.headers['content-type'] as string, /^text\/html/);
  assert.equal(index.headers['cache-control'], 'no-cache');
  const js = await get('/assets/index-abc123.js');
  assert.match(js.headers['content-type'] as string, /^text\/javascript/);
  assert.match(js.headers['cache-control'] as string, /immutable/);
  const route = await get('/tasks?page=2');
  assert.equal(route.statusCode, 200);
  assert.equal(route.body, index.body, 'a client route is the index');
  assert.equal((await get('/nope.png')).statusCode, 404);
  for (const bad of [
    '/..%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/%E0%A4%A.js',
  ]) {
    const r = await get(bad);
    assert.ok(!r.body.includes('outside'), `${bad} stays inside`);
  }
  const api = await get('/api/nope');
  assert.equal(api.statusCode, 404);
  assert.equal((api.json() as { error: string }).error, 'not-found');
  await app.close();

  const empty = Fastify();
  registerConsole(empty, mkdtempSync(join(tmpdir(), 'lix-console-none-')));
  const none = await empty.inject({ method: 'GET', url: '/overview' });
  assert.equal(none.statusCode, 503);
  assert.match(none.body, /npm run build/);
  await empty.close();
});

test('GET /api/events: token needed, audit events as they are recorded, ended by close', async () => {
  const m = await memoryAdmf();
  const url = await listenApi(m.app, '127.0.0.1', 0);
  try {
    assert.equal((await fetch(`${url}/api/events`)).status, 401);
    const res = await fetch(`${url}/api/events`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (re: RegExp) => {
      while (!re.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      return re.test(text);
    };
    assert.ok(await until(/^: lix admf events/m), 'the stream opens at once');
    assert.equal(
      (await m.call('POST', '/api/nes', { id: 'ne-9', url: 'https://127.0.0.1:1/X1/NE' })).status,
      201,
    );
    assert.ok(await until(/event: audit\ndata: \{[^\n]*"action":"AddNe"/), text);
    const closing = m.app.close();
    assert.equal(await until(/$^/), false, 'the stream ends when the app closes');
    await closing;
  } finally {
    await m.close().catch(() => undefined);
  }
});
