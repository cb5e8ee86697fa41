/** An NE data directory with many tasks, written straight into the store (benches at scale). */
import { openNeStore } from '../../src/store/sqlite-ne-store.js';

/** The one destination every task delivers to. */
export const BENCH_DID = '19867c20-8c94-473e-b9cd-8b72b7b05fd4';

/** The XID of task `i`. */
export function benchXid(i: number): string {
  return `29f28e1c-f230-486a-a860-${i.toString(16).padStart(12, '0')}`;
}

/** Fills `dir`'s NE store with `n` complete sipUri tasks on {@link BENCH_DID}, in one transaction. */
export function fillNeStore(dir: string, n: number): void {
  const store = openNeStore(dir);
  try {
    store.transaction(() => {
      store.insertDestination({
        dId: BENCH_DID,
        deliveryType: 'X2Only',
        deliveryAddress: { kind: 'uri', value: 'eep+udp://127.0.0.1:9060' },
        destinationDetailsExtensions: [],
      });
      for (let i = 0; i < n; i++) {
        store.insertTask({
          details: {
            xId: benchXid(i),
            targetIdentifiers: [{ kind: 'sipUri', value: `sip:user${i}@ims.example.net` }],
            deliveryType: 'X2Only',
            listOfDIDs: { dIds: [BENCH_DID], dSIds: [] },
            taskDetailsExtensions: [],
          },
          origin: 'x1',
          provisioningStatus: 'complete',
          at: '2026-11-22T10:00:00.000000Z',
        });
      }
    });
  } finally {
    store.close();
  }
}
