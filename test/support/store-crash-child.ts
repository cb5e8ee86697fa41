/**
 * Child process of the NE store crash test: `node --import tsx store-crash-child.ts DIR ROUND`. Opens the store,
 * prints `ready`, then commits task after task — each with its audit row and an outbox report in one
 * transaction, every third also with intercept counters — and prints `ok XID` only after each commit has
 * returned. The parent SIGKILLs it at a random moment; every printed XID must survive.
 */
import { openNeStore } from '../../src/store/sqlite-ne-store.js';
import { indexedUuid, smallTask, T0 } from './store-ne-fixtures.js';

const [dir, roundArg] = process.argv.slice(2);
if (dir === undefined || roundArg === undefined) throw new Error('usage: store-crash-child.ts DIR ROUND');
const round = Number(roundArg);
const did = indexedUuid('d0000000', 0);
const store = openNeStore(dir);
process.stdout.write('ready\n');

for (let i = 0; ; i++) {
  const xid = indexedUuid((0xa0000000 + round).toString(16), i);
  store.transaction(() => {
    store.insertTask({
      details: smallTask(xid, [did]),
      origin: 'x1',
      provisioningStatus: 'complete',
      at: T0,
    });
    store.appendAudit({ at: i, actor: 'x1', action: 'ActivateTaskRequest', outcome: 'ok', xid });
    store.enqueueReport({ kind: 'ReportTaskIssue', body: { xId: xid }, at: i });
    if (i % 3 === 0) store.addInterceptCounters([{ xid, x2Bytes: i + 1, at: T0 }]);
  });
  // stdout to a pipe is synchronous on Linux: the line is out before the next commit starts.
  process.stdout.write(`ok ${xid}\n`);
}
