/**
 * `lix ne task|destination|audit`: manual administration of an NE through its data directory. Works while
 * the NE runs (SQLite WAL allows a second writer; the NE follows the audit trail and applies the change).
 */
import { Option, type Command } from 'commander';
import {
  addDestinationByHand,
  addManualTask,
  removeDestinationByHand,
  removeTaskByHand,
} from '../ne/manual.js';
import { openNeStore } from '../store/sqlite-ne-store.js';
import { decodeX1 } from '../x1/decode.js';
import { encodeRequest } from '../x1/encode.js';
import { X1Error } from '../x1/errors.js';
import { DELIVERY_TYPES, TARGET_KINDS, type DeliveryType, type TargetIdentifier } from '../x1/model.js';
import { jsonOption, printRecord, printRecords } from './output.js';
import { AUDIT_COLUMNS, DESTINATION_COLUMNS, TASK_COLUMNS } from './ne-views.js';

/** Parses `KIND=VALUE` (e.g. `sipUri=sip:alice@example.net`) and checks it as the X1 decoder would. */
export function parseTarget(spec: string): TargetIdentifier {
  const eq = spec.indexOf('=');
  const kind = spec.slice(0, eq);
  const value = spec.slice(eq + 1);
  if (eq < 1 || !(TARGET_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`target "${spec}": use KIND=VALUE with KIND one of ${TARGET_KINDS.join(', ')}`);
  }
  const numeric = ['tcpPort', 'udpPort', 'gtpuTunnelId', 'gtpcTunnelId'].includes(kind);
  const t = { kind, value: numeric ? Number(value) : value } as TargetIdentifier;
  // Round-trip through the codec: the decoder applies every TS 103 280 rule to the value.
  const probe = encodeRequest([
    {
      type: 'ActivateTaskRequest',
      header: {
        admfIdentifier: 'cli',
        neIdentifier: 'cli',
        messageTimestamp: '2026-01-01T00:00:00.000000Z',
        version: 'v1.23.1',
        x1TransactionId: '00000000-0000-0000-0000-000000000000',
      },
      taskDetails: {
        xId: '00000000-0000-0000-0000-000000000000',
        targetIdentifiers: [t],
        deliveryType: 'X2Only',
        listOfDIDs: { dIds: [], dSIds: [] },
        taskDetailsExtensions: [],
      },
    },
  ]);
  const doc = decodeX1(probe);
  const r = doc.root === 'X1Request' ? doc.results[0] : undefined;
  if (!r || !r.ok) throw new Error(`target "${spec}": ${r && !r.ok ? r.error.message : 'invalid'}`);
  return t;
}

function withStore<T>(dataDir: string, fn: (store: ReturnType<typeof openNeStore>) => T): T {
  let store;
  try {
    store = openNeStore(dataDir, { mustExist: true });
  } catch (err) {
    fail(err);
  }
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function fail(err: unknown): never {
  const msg =
    err instanceof X1Error ? `${err.kind}: ${err.message}` : err instanceof Error ? err.message : String(err);
  console.error(`lix ne: ${msg}`);
  process.exit(1);
}

export function registerNeAdminCommands(ne: Command): void {
  const dataOpt = () => new Option('--data <dir>', 'the NE data directory').makeOptionMandatory();
  const task = ne.command('task').description('manual tasking on this NE (audited, visible to the ADMF)');
  task
    .command('add')
    .description('add a manual task with a fresh XID; prints the XID')
    .addOption(dataOpt())
    .requiredOption(
      '--target <KIND=VALUE...>',
      'target identifier(s), all must match (e.g. sipUri=sip:alice@example.net)',
    )
    .requiredOption('--did <uuid...>', 'destination(s) of the task')
    .addOption(new Option('--delivery-type <type>').choices(DELIVERY_TYPES).default('X2Only'))
    .requiredOption('--reason <text>', 'why (goes to the audit log)')
    .addOption(jsonOption())
    .action(
      (o: {
        data: string;
        target: string[];
        did: string[];
        deliveryType: DeliveryType;
        reason: string;
        json?: boolean;
      }) => {
        try {
          const targets = o.target.map(parseTarget);
          const xid = withStore(o.data, (s) =>
            addManualTask(s, { targets, dids: o.did, deliveryType: o.deliveryType, reason: o.reason }),
          );
          if (o.json) printRecord({ xid }, true);
          else console.log(xid);
        } catch (err) {
          fail(err);
        }
      },
    );
  task
    .command('remove')
    .description(
      'remove a task by hand (an X1 task removed this way is reported to the ADMF as a terminating fault)',
    )
    .addOption(dataOpt())
    .argument('<xid>')
    .requiredOption('--reason <text>', 'why (goes to the audit log)')
    .addOption(jsonOption())
    .action((xid: string, o: { data: string; reason: string; json?: boolean }) => {
      try {
        withStore(o.data, (s) => removeTaskByHand(s, xid, o.reason));
        if (o.json) printRecord({ removed: xid }, true);
        else console.log(`removed ${xid}`);
      } catch (err) {
        fail(err);
      }
    });
  task
    .command('list')
    .description('list tasks: XID, origin, provisioning status, targets, DIDs, X2 bytes')
    .addOption(dataOpt())
    .addOption(jsonOption())
    .action((o: { data: string; json?: boolean }) => {
      withStore(o.data, (s) => printRecords([...s.iterateTasks()], TASK_COLUMNS, o.json));
    });

  const dest = ne.command('destination').description('destinations on this NE, by hand');
  dest
    .command('add')
    .description('add a destination with a fresh DID; prints the DID')
    .addOption(dataOpt())
    .requiredOption('--uri <uri>', 'delivery URI, e.g. eep+udp://127.0.0.1:9060')
    .addOption(new Option('--delivery-type <type>').choices(DELIVERY_TYPES).default('X2Only'))
    .option('--name <friendly name>')
    .requiredOption('--reason <text>', 'why (goes to the audit log)')
    .addOption(jsonOption())
    .action(
      (o: {
        data: string;
        uri: string;
        deliveryType: DeliveryType;
        name?: string;
        reason: string;
        json?: boolean;
      }) => {
        try {
          const did = withStore(o.data, (s) =>
            addDestinationByHand(
              s,
              {
                deliveryType: o.deliveryType,
                deliveryAddress: { kind: 'uri', value: o.uri },
                ...(o.name !== undefined && { friendlyName: o.name }),
              },
              o.reason,
            ),
          );
          if (o.json) printRecord({ did }, true);
          else console.log(did);
        } catch (err) {
          fail(err);
        }
      },
    );
  dest
    .command('remove')
    .addOption(dataOpt())
    .argument('<did>')
    .requiredOption('--reason <text>', 'why (goes to the audit log)')
    .addOption(jsonOption())
    .action((did: string, o: { data: string; reason: string; json?: boolean }) => {
      try {
        withStore(o.data, (s) => removeDestinationByHand(s, did, o.reason));
        if (o.json) printRecord({ removed: did }, true);
        else console.log(`removed ${did}`);
      } catch (err) {
        fail(err);
      }
    });
  dest
    .command('list')
    .description('list destinations: DID, delivery status, delivery type, address, name')
    .addOption(dataOpt())
    .addOption(jsonOption())
    .action((o: { data: string; json?: boolean }) => {
      withStore(o.data, (s) => printRecords(s.listDestinations(), DESTINATION_COLUMNS, o.json));
    });

  ne.command('audit')
    .description('print the append-only audit log')
    .addOption(dataOpt())
    .option('--since <id>', 'only entries after this id', '0')
    .option('--limit <n>', 'at most this many entries', '1000')
    .addOption(jsonOption())
    .action((o: { data: string; since: string; limit: string; json?: boolean }) => {
      withStore(o.data, (s) =>
        printRecords(
          s.readAudit({ sinceId: Number(o.since), limit: Number(o.limit) }),
          AUDIT_COLUMNS,
          o.json,
        ),
      );
    });
}
