/**
 * Child process of the lab isolation test: `node --import tsx lab-isolation-child.ts`. Runs an ADMF and a lix
 * NE (registered with it) and a collector as `lix lab` does, under {@link LabIsolation}; the collector's
 * report hook throws, so the first report is an uncaught exception inside the collector. Prints JSON lines:
 * `{"ready":…}` once up, then the failure, then whether the ADMF and the NE still work (an X1
 * CreateDestination from the ADMF to the NE), then `{"done":true}` and exits 0.
 */
import { createDestination } from '../../src/admf/tasking.js';
import { LabIsolation } from '../../src/cli/lab-isolation.js';
import { startCollector } from '../../src/collector/collector.js';
import { createLogger, silentLogger } from '../../src/lib/logger.js';
import { createStmSender } from '../../src/transport/stm-sender.js';
import { admfWithNe } from './admf-harness.js';
import { sipReport } from './stm-reports.js';
import { destination, uuid } from './x1-builders.js';

const say = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const logger = createLogger({ name: 'lab', level: 'info', format: 'json' });
let failed: (v: { part: string; why: string }) => void = () => undefined;
const failure = new Promise<{ part: string; why: string }>((r) => (failed = r));
const isolation = new LabIsolation(
  logger,
  (part, why) => failed({ part, why }),
  (err) => {
    say({ unowned: err instanceof Error ? err.message : String(err) });
    process.exit(3);
  },
);
const h = await isolation.run('admf', () => admfWithNe());
const collector = await isolation.run('collector', () =>
  startCollector({
    listen: ['eep+udp://127.0.0.1:0'],
    logger: silentLogger,
    onReport: () => {
      throw new Error('boom inside the collector');
    },
  }),
);
isolation.add('admf', () => h.close());
isolation.add('collector', () => collector.stop());
isolation.install();
say({ ready: collector.listeners[0]!.text });

const sender = createStmSender(collector.listeners[0]!.text, { logger: silentLogger });
sender.send(sipReport(uuid(), 0, 'MESSAGE sip:a@b SIP/2.0\r\nCSeq: 1 MESSAGE\r\n\r\n'));
say(await failure);
await sender.close();
// The others keep running: an X1 exchange from the ADMF to the NE succeeds.
const did = uuid();
const created = await createDestination(h.running.admf, 'ne-1', destination(did));
say({
  admfAndNe: created.did === did,
  collectorFailure: isolation.failure('collector') ?? null,
  admfFailure: isolation.failure('admf') ?? null,
});
isolation.uninstall();
await isolation.stopAll(['collector', 'admf']);
say({ done: true });
