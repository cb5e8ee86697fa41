// The restore after a start runs in the background (issue: one NE with a million tasks). While the stored
// tasks go back into the data plane, X1 is answered: a Ping at once, a change to a task once the slice in
// progress is done; a task deactivated during the restore does not come back into the data plane, and one
// modified during it keeps its new details.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/lib/logger.js';
import { parseNeConfig } from '../../src/ne/config.js';
import { InMemoryDataPlane } from '../../src/ne/data-plane.js';
import { NetworkElement } from '../../src/ne/ne.js';
import { RESTORE_SLICE } from '../../src/ne/restore.js';
import { openNeStore } from '../../src/store/sqlite-ne-store.js';
import { X1Codec } from '../../src/x1/codec.js';
import type { TaskDetails } from '../../src/x1/model.js';
import { decodeX1 } from '../../src/x1/decode.js';
import { FakeClock } from '../support/fake-clock.js';
import { ADMF, NE, destination, req, task, xml } from '../support/x1-builders.js';

const DID = '19867c20-8c94-473e-b9cd-8b72b7b05fd4';
const xidOf = (i: number) => `29f28e1c-f230-486a-a860-${i.toString(16).padStart(12, '0')}`;
const TASKS = RESTORE_SLICE * 2 + 10;

/** A data plane whose first restore blocks until the test lets it go. */
class GatedDataPlane extends InMemoryDataPlane {
  gate: Promise<void> | undefined;
  override async applyTask(t: TaskDetails): Promise<void> {
    if (this.gate) await this.gate;
    return super.applyTask(t);
  }
}

test('X1 is answered while the restore runs; changes made meanwhile stand after it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lix-ne-restore-'));
  const store = openNeStore(dataDir);
  store.transaction(() => {
    store.insertDestination(destination(DID));
    for (let i = 0; i < TASKS; i++)
      store.insertTask({
        details: task(xidOf(i), [DID], {
          targetIdentifiers: [{ kind: 'imsi', value: `00101${String(i).padStart(10, '0')}` }],
        }),
        origin: 'x1',
        provisioningStatus: 'complete',
        at: '2026-12-04T10:00:00.000000Z',
      });
  });
  let open!: () => void;
  const dataPlane = new GatedDataPlane();
  dataPlane.gate = new Promise((r) => (open = r));
  const ne = new NetworkElement({
    config: parseNeConfig({ id: NE, admfId: ADMF, dataDir, tlsDir: '/unused' }),
    store,
    dataPlane,
    codec: new X1Codec(),
    clock: new FakeClock(),
    logger: silentLogger,
  });
  const types = async (body: Buffer) => {
    const doc = decodeX1(await ne.handle(body, ADMF));
    return doc.root === 'X1Response' ? doc.results.map((r) => (r.ok ? r.message.type : 'undecodable')) : [];
  };
  try {
    await ne.start();
    assert.equal(ne.restoreProgress().running, true, 'the restore is under way, blocked on its first slice');
    assert.deepEqual(
      await types(xml(req('PingRequest', {}))),
      ['PingResponse'],
      'a Ping is answered meanwhile',
    );

    const gone = xidOf(TASKS - 1); // in the last slice: not restored yet
    const changed = xidOf(TASKS - 2);
    const changes = Promise.all([
      types(xml(req('DeactivateTaskRequest', { xId: gone }))),
      types(
        xml(
          req('ModifyTaskRequest', {
            taskDetails: task(changed, [DID], {
              targetIdentifiers: [{ kind: 'imsi', value: '001019999999999' }],
            }),
          }),
        ),
      ),
    ]);
    open();
    assert.deepEqual(await changes, [['DeactivateTaskResponse'], ['ModifyTaskResponse']]);
    const done = await ne.whenRestored();
    assert.equal(done.running, false);
    assert.ok(!dataPlane.tasks.has(gone), 'the task deactivated during the restore is not intercepted');
    assert.equal(dataPlane.tasks.get(changed)?.targetIdentifiers[0]?.value, '001019999999999');
    assert.equal(dataPlane.tasks.size, TASKS - 1, 'every other stored task is back');
  } finally {
    await ne.stop();
    store.close();
  }
});
