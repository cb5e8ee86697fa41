// GET /api/tasks in pages (issue: bounded answers). A list answer is bounded by `limit` (default 1,000, at
// most 10,000); the `Link: <…>; rel="next"` header (RFC 8288) leads to the next page, and following it yields
// every task once, in order. Bad paging parameters are refused with 400 and a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryAdmf, neWithDestination } from '../support/admf-memory.js';

test('tasks come in pages linked by rel="next"; following the links lists each task once, in order', async () => {
  const m = await memoryAdmf();
  try {
    const did = await neWithDestination(m);
    const made: string[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await m.call('POST', '/api/tasks', {
        ne: 'ne-1',
        targets: [{ kind: 'imsi', value: `0010100000000${String(i).padStart(2, '0')}` }],
        dids: [did],
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      made.push((r.json as { xid: string }).xid);
    }
    const whole = await m.call('GET', '/api/tasks');
    assert.equal((whole.json as unknown[]).length, 25);
    // Times are ISO 8601 in UTC, here and in every answer (the audit's `at`, an NE's health).
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    const first = (whole.json as { createdAt: unknown; updatedAt: unknown }[])[0]!;
    assert.match(String(first.createdAt), iso);
    assert.match(String(first.updatedAt), iso);
    const audit = (await m.call('GET', '/api/audit?limit=1')).json as { at: unknown }[];
    assert.match(String(audit[0]!.at), iso);
    const nes = (await m.call('GET', '/api/nes')).json as {
      createdAt: unknown;
      health: { lastAnswerAt?: unknown };
    }[];
    assert.match(String(nes[0]!.createdAt), iso);
    assert.match(String(nes[0]!.health.lastAnswerAt), iso);
    assert.equal(whole.headers.link, undefined, 'one page: no next link');

    const seen: string[] = [];
    let url: string | undefined = '/api/tasks?ne=ne-1&limit=10';
    let pages = 0;
    while (url !== undefined) {
      const r = await m.call('GET', url);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const page = r.json as { xid: string }[];
      assert.ok(page.length <= 10);
      seen.push(...page.map((t) => t.xid));
      pages++;
      url = /<([^>]+)>;\s*rel="next"/.exec(String(r.headers.link ?? ''))?.[1];
    }
    assert.equal(pages, 3);
    const all = (whole.json as { xid: string }[]).map((t) => t.xid);
    assert.deepEqual(seen, all, 'the pages are the whole list, in order, each task once');
    assert.deepEqual([...seen].sort(), [...made].sort());

    for (const bad of ['limit=0', 'limit=10001', 'limit=x', 'cursor=nonsense', 'cursor=1~../../etc']) {
      const r = await m.call('GET', `/api/tasks?${bad}`);
      assert.equal(r.status, 400, `${bad} → ${r.status}`);
      assert.ok(((r.json as { message?: string }).message ?? '').length > 0);
    }
  } finally {
    await m.close();
  }
});
