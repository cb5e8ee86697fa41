// Two ADMF instances on one PostgreSQL database change one subscriber at the same moment: the subscriber
// lock holds across them, so each new identity gets exactly one task on the NE, never one per instance. Only
// the NE's owner (a) speaks X1 to it: b's new tasks are stored pending and sent by a (docs/admf.md "Several
// instances").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSubscriber, modifySubscriber, type SubscriberResult } from '../../src/admf/subscribers.js';
import { createDestination } from '../../src/admf/tasking.js';
import { admfHarness, admfWithNe, type AdmfHarness, type AdmfWithNe } from '../support/admf-harness.js';
import { postgresSkip, startPostgres } from '../support/postgres.js';
import { destination, uuid } from '../support/x1-builders.js';
import { until } from '../support/admf-helpers.js';

const skip = postgresSkip();

test(
  'two ADMFs on one database: concurrent changes of one subscriber make one task per identity',
  { skip, timeout: 120_000 },
  async () => {
    const pg = await startPostgres();
    let a: AdmfWithNe | undefined;
    let b: AdmfHarness | undefined;
    try {
      const store = await pg.createDatabase();
      a = await admfWithNe({}, {}, { store });
      b = await admfHarness({ store });
      const did = uuid();
      await createDestination(a.running.admf, 'ne-1', destination(did));
      await createSubscriber(a.running.admf, {
        id: 'sub-1',
        identities: [{ kind: 'imsi', value: '001010000000001' }],
        placements: [{ neId: 'ne-1', dids: [did] }],
      });
      const rounds = 6;
      for (let i = 0; i < rounds; i++) {
        const add = {
          addIdentities: [{ kind: 'msisdn' as const, value: `4479000000${String(i).padStart(2, '0')}` }],
        };
        const results: SubscriberResult[] = await Promise.all([
          modifySubscriber(a.running.admf, 'sub-1', add),
          modifySubscriber(b.running.admf, 'sub-1', add),
        ]);
        for (const r of results)
          assert.ok(
            r.subscriber.inSync || r.results.every((x) => x.outcome === 'ok' || x.outcome === 'pending'),
            JSON.stringify(r.results),
          );
      }
      await until('the owner sent what b stored', () => a!.ne.store.listXids().length >= 1 + rounds, 10_000);
      const links = await a.running.admf.store.listSubscriberTasks('sub-1');
      const keys = links.map((l) => l.targetKey);
      assert.equal(keys.length, 1 + rounds, `one task per identity: ${keys.join(', ')}`);
      assert.equal(new Set(keys).size, keys.length, 'no identity tasked twice');
      assert.equal(a.ne.store.listXids().length, 1 + rounds, 'and the NE holds exactly those');
    } finally {
      await b?.close();
      await a?.close();
      await pg.stop();
    }
  },
);
