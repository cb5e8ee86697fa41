/**
 * `lix lab` (what `npm start` runs): a lab PKI, an NE and a collector on loopback with their data under one
 * directory, and ready-to-paste X1 examples. A second start reuses the directory and comes back with the same
 * state (the PKI is kept, the NE store and the captures stay).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { startCollector } from '../collector/collector.js';
import { newUuid } from '../lib/ids.js';
import { createLogger } from '../lib/logger.js';
import { parseNeConfig } from '../ne/config.js';
import { startNeServer } from '../ne/server.js';
import { initPki } from '../transport/pki.js';
import { encodeRequest } from '../x1/encode.js';
import { formatTimestamp } from '../x1/simple-types.js';

/** Fixed loopback ports, so that the printed examples can be pasted as they are. */
export const LAB_PORTS = { ne: 8443, collector: 9060 } as const;
const ADMF = 'admf-1';
const NE = 'ne-1';

function header() {
  return {
    admfIdentifier: ADMF,
    neIdentifier: NE,
    messageTimestamp: formatTimestamp(BigInt(Date.now()) * 1000n),
    version: 'v1.23.1',
    x1TransactionId: newUuid(),
  };
}

/** Writes example requests (destination to the lab collector, a task on a lab subscriber) and returns paths. */
function writeExamples(
  dir: string,
  collectorUri: string,
): { destination: string; activate: string; status: string } {
  mkdirSync(dir, { recursive: true });
  const did = newUuid();
  const xid = newUuid();
  const files = {
    destination: join(dir, 'create-destination.xml'),
    activate: join(dir, 'activate-task.xml'),
    status: join(dir, 'get-all-details.xml'),
  };
  writeFileSync(
    files.destination,
    encodeRequest([
      {
        type: 'CreateDestinationRequest',
        header: header(),
        destinationDetails: {
          dId: did,
          friendlyName: 'lab collector',
          deliveryType: 'X2Only',
          deliveryAddress: { kind: 'uri', value: collectorUri },
          destinationDetailsExtensions: [],
        },
      },
    ]),
  );
  writeFileSync(
    files.activate,
    encodeRequest([
      {
        type: 'ActivateTaskRequest',
        header: header(),
        taskDetails: {
          xId: xid,
          targetIdentifiers: [{ kind: 'sipUri', value: 'sip:alice@lab.example.net' }],
          deliveryType: 'X2Only',
          listOfDIDs: { dIds: [did], dSIds: [] },
          taskDetailsExtensions: [],
        },
      },
    ]),
  );
  writeFileSync(files.status, encodeRequest([{ type: 'GetAllDetailsRequest', header: header() }]));
  return files;
}

export function registerLabCommands(program: Command): void {
  program
    .command('lab')
    .description('run the lab on loopback: lab PKI, an NE and a collector, with ready-to-paste X1 examples')
    .option('--data <dir>', 'lab directory (PKI, NE store, captures)', './lab-data')
    .option('--ne-port <port>', 'NE X1 port on 127.0.0.1 (0: any free port)', String(LAB_PORTS.ne))
    .option(
      '--collector-port <port>',
      'collector UDP port on 127.0.0.1 (0: any free port)',
      String(LAB_PORTS.collector),
    )
    .action(async (o: { data: string; nePort: string; collectorPort: string }) => {
      const dir = resolve(o.data);
      const logger = createLogger({ name: 'lab', level: process.env.LIX_LOG_LEVEL ?? 'warn' });
      const pki = await initPki({ dir: join(dir, 'pki'), admf: ADMF, nes: [NE] });
      const ne = await startNeServer(
        parseNeConfig({
          id: NE,
          admfId: ADMF,
          listenHost: '127.0.0.1',
          listenPort: Number(o.nePort),
          tlsDir: pki.dir,
          dataDir: join(dir, 'ne'),
        }),
        { logger },
      );
      const collector = await startCollector({
        listen: [`eep+udp://127.0.0.1:${o.collectorPort}`],
        outDir: join(dir, 'captures'),
        logger,
      });
      const collectorUri = collector.listeners[0]!.text;
      const ex = writeExamples(join(dir, 'examples'), collectorUri);
      const curl = (file: string) =>
        `curl -sS --cert ${pki.dir}/${ADMF}.pem --key ${pki.dir}/${ADMF}.key --cacert ${pki.dir}/ca.pem ` +
        `-H 'Content-Type: application/xml' --data-binary @${file} ${ne.url}`;
      console.log(`lix lab is up (data in ${dir})
  NE X1 endpoint   ${ne.url}   (identity ${NE}, tasks in store: ${ne.ne.ctx.store.countTasks()})
  collector        ${collectorUri} -> ${join(dir, 'captures')}
  PKI              ${pki.dir} (CA ca.pem; ${ADMF}.pem/.key for the ADMF side; ${NE}.pem/.key)
  NE store         ${join(dir, 'ne', 'ne.sqlite')}   (lix ne audit --data ${join(dir, 'ne')})

Task the NE as the ADMF would (paste):
  ${curl(ex.destination)}
  ${curl(ex.activate)}
  ${curl(ex.status)}

Stop with Ctrl-C; a second start comes back with the same state.`);
      const stop = async () => {
        await collector.stop();
        await ne.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
