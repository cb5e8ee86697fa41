import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { FakeClock } from '../../test/support/fake-clock.js';
import { addressKey, ConnGuard, type Admission, type ConnLimits } from './conn-guard.js';

test('addresses are grouped as IPv4 /32 and IPv6 /64', () => {
  assert.equal(addressKey('192.0.2.7'), '192.0.2.7');
  assert.equal(addressKey('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8:1:2::9'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:0db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey(undefined), '?');
});

/** A loopback server whose connections go through a guard; `admitted` holds the admissions in order. */
async function guarded(limits: ConnLimits, clock = new FakeClock()) {
  const refusals: string[] = [];
  const guard = new ConnGuard(limits, (reason, addr) => refusals.push(`${reason} ${addr}`), clock);
  const admitted: { sock: Socket; a: Admission }[] = [];
  const server = createServer((sock) => {
    const a = guard.admit(sock);
    if (a) admitted.push({ sock, a });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const open = async (localAddress = '127.0.0.1') => {
    const c = connect({ port, host: '127.0.0.1', localAddress });
    c.on('error', () => undefined);
    await once(c, 'connect');
    return c;
  };
  /** Resolves when the server has seen `n` connections (admitted or refused). */
  const settle = async (n: number) => {
    while (admitted.length + refusals.filter((r) => !r.startsWith('evicted')).length < n)
      await new Promise((r) => setImmediate(r));
  };
  const closed = (c: Socket) => (c.destroyed ? Promise.resolve() : once(c, 'close'));
  return { guard, server, open, settle, closed, refusals, admitted, clock };
}

test('one address beyond its cap is refused at once; another address still gets in', async () => {
  const g = await guarded({ maxPerAddress: 3, maxTotal: 100 });
  const flood = [];
  for (let i = 0; i < 5; i++) flood.push(await g.open('127.0.0.1'));
  const other = await g.open('127.0.0.2');
  await g.settle(6);
  await Promise.all(flood.slice(3).map(g.closed));
  assert.equal(g.guard.refused.per_address, 2);
  assert.equal(g.guard.openFrom('127.0.0.1'), 3);
  assert.equal(g.guard.openFrom('127.0.0.2'), 1);
  // A closed connection frees its place.
  flood[0]!.destroy();
  while (g.guard.openFrom('127.0.0.1') > 2) await new Promise((r) => setImmediate(r));
  const again = await g.open('127.0.0.1');
  await g.settle(7);
  assert.equal(g.guard.openFrom('127.0.0.1'), 3);
  for (const c of [...flood, other, again]) c.destroy();
  g.server.close();
});

test('at the total cap the longest silent pending connection is evicted, an established one never', async () => {
  const g = await guarded({ maxPerAddress: 10, maxTotal: 3 });
  const legit = await g.open('127.0.0.2');
  await g.settle(1);
  g.admitted[0]!.a.authenticated();
  const idle1 = await g.open('127.0.0.1');
  await g.settle(2);
  await g.clock.advance(10);
  const idle2 = await g.open('127.0.0.1');
  await g.settle(3);
  await g.clock.advance(10);
  g.admitted[1]!.a.activity(); // idle1 spoke more recently than idle2 arrived
  const newcomer = await g.open('127.0.0.3');
  await g.settle(4);
  await g.closed(idle2);
  assert.equal(g.guard.refused.evicted, 1);
  assert.equal(g.refusals[0], 'evicted 127.0.0.1');
  assert.equal(g.guard.open, 3);
  // All established now: the next one is refused, nobody evicted.
  for (const x of g.admitted) x.a.authenticated();
  const late = await g.open('127.0.0.4');
  await g.closed(late);
  assert.equal(g.guard.refused.total, 1);
  assert.equal(legit.destroyed || idle1.destroyed || newcomer.destroyed, false);
  for (const c of [legit, idle1, newcomer]) c.destroy();
  g.server.close();
});

test('a connection still pending after pendingMs is closed; an authenticated one is not', async () => {
  const g = await guarded({ maxPerAddress: 10, maxTotal: 10, pendingMs: 5_000 });
  const silent = await g.open();
  const good = await g.open();
  await g.settle(2);
  const goodAdmission = g.admitted.find((x) => x.sock.remotePort === good.localPort)!;
  goodAdmission.a.authenticated();
  await g.clock.advance(5_000);
  await g.closed(silent);
  assert.equal(g.guard.refused.pending_timeout, 1);
  assert.equal(good.destroyed, false);
  assert.equal(g.guard.open, 1);
  good.destroy();
  g.server.close();
});
