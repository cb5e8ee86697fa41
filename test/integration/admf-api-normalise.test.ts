// REST input in the user's terms (issue: the operator's day): a value is normalised once, as the NE will read
// it, and stored that way, so the ADMF and the NE never hold two spellings of one target; a bad target is
// refused naming it (`targets[1]`) and saying what its kind looks like, not where it sat in an X1 document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryAdmf, neWithDestination } from '../support/admf-memory.js';

test('an E.164 number written with + and spaces is stored as the NE holds it; bad targets are named', async () => {
  const m = await memoryAdmf();
  try {
    const did = await neWithDestination(m);
    const r = await m.call('POST', '/api/tasks', {
      ne: 'ne-1',
      targets: [
        { kind: 'e164Number', value: '+44 20 7946 0000' },
        { kind: 'ipv6Address', value: '2001:DB8::1' },
      ],
      dids: [did],
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const xid = (r.json as { xid: string }).xid;
    const atAdmf = (await m.admf.store.getTask(xid))!.details.targetIdentifiers;
    const atNe = m.ne.store.getTask(xid)!.details.targetIdentifiers;
    assert.deepEqual(atAdmf, atNe, 'one spelling at both ends');
    assert.deepEqual(
      atAdmf.map((t) => t.value),
      ['442079460000', '2001:0db8:0000:0000:0000:0000:0000:0001'],
    );

    const cases: [object[], RegExp][] = [
      [[{ kind: 'imsi', value: '12' }], /^targets\[0\]: invalid IMSI "12": an IMSI is 6 to 15 digits$/],
      [
        [
          { kind: 'sipUri', value: 'sip:alice@example.com' },
          { kind: 'ipv4Address', value: '300.1.1.1' },
        ],
        /^targets\[1\]: .*"300\.1\.1\.1".*: an IPv4 address looks like 192\.0\.2\.1$/,
      ],
    ];
    for (const [targets, message] of cases) {
      const bad = await m.call('POST', '/api/tasks', { ne: 'ne-1', targets, dids: [did] });
      assert.equal(bad.status, 400);
      const text = (bad.json as { message: string }).message;
      assert.match(text, message);
      assert.doesNotMatch(text, /line \d|message \d|ActivateTaskRequest/);
    }
  } finally {
    await m.close();
  }
});

test('text holding U+0000 is refused with where it was, before anything is stored or sent', async () => {
  const m = await memoryAdmf();
  try {
    const did = await neWithDestination(m);
    const tasksBefore = (await m.admf.store.listTasks({})).length;
    const sentBefore = m.ne.store.listXids().length;
    const cases: ['GET' | 'POST', string, unknown, RegExp][] = [
      [
        'POST',
        '/api/tasks',
        { ne: 'ne-1', targets: [{ kind: 'sipUri', value: 'sip:a\u0000@example.com' }], dids: [did] },
        /^body\.targets\[0\]\.value holds a NUL character \(U\+0000\)/,
      ],
      [
        'POST',
        '/api/nes/ne-1/destinations',
        { uri: 'eep+udp://127.0.0.1:9', friendlyName: 'x\u0000' },
        /^body\.friendlyName holds a NUL/,
      ],
      ['GET', '/api/tasks?ne=ne%001', undefined, /^query\.ne holds a NUL/],
      ['GET', '/api/nes/ne%00-1', undefined, /^path\.id holds a NUL/],
    ];
    for (const [method, path, body, message] of cases) {
      const r = await m.call(method, path, body);
      assert.equal(r.status, 400, `${method} ${path}: ${JSON.stringify(r.json)}`);
      assert.match((r.json as { message: string }).message, message);
    }
    assert.equal((await m.admf.store.listTasks({})).length, tasksBefore, 'nothing stored');
    assert.equal(m.ne.store.listXids().length, sentBefore, 'nothing sent');
    assert.equal((await m.admf.store.listDestinations('ne-1')).length, 1);
  } finally {
    await m.close();
  }
});
