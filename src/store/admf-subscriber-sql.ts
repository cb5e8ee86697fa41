/**
 * {@link SubscriberStore} on the ADMF's SQLite file: the tables (added by the schema upgrade to version 2)
 * and the statements, used by SqliteAdmfStore.
 */
import type { Sqlite } from './sqlite.js';
import type { SubscriberRecord, SubscriberStore, SubscriberTaskLink } from './admf-subscriber-store.js';

/** The subscriber tables (ADMF schema version 2). */
export const SUBSCRIBER_SCHEMA = `
CREATE TABLE subscribers (
  id TEXT PRIMARY KEY, name TEXT, identities TEXT NOT NULL, placements TEXT NOT NULL, delivery_type TEXT NOT NULL,
  state TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE subscriber_tasks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, subscriber_id TEXT NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
  xid TEXT NOT NULL UNIQUE, ne_id TEXT NOT NULL, target_key TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE INDEX subscriber_tasks_by_subscriber ON subscriber_tasks(subscriber_id, seq);
`;

type Row = Record<string, string | number | null>;

function toSubscriber(r: Row): SubscriberRecord {
  return {
    id: r.id as string,
    ...(r.name !== null && { name: r.name as string }),
    identities: JSON.parse(r.identities as string) as SubscriberRecord['identities'],
    placements: JSON.parse(r.placements as string) as SubscriberRecord['placements'],
    deliveryType: r.delivery_type as SubscriberRecord['deliveryType'],
    state: r.state as SubscriberRecord['state'],
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

function toLink(r: Row): SubscriberTaskLink {
  return {
    subscriberId: r.subscriber_id as string,
    xid: r.xid as string,
    neId: r.ne_id as string,
    targetKey: r.target_key as string,
    createdAt: r.created_at as number,
  };
}

/** The subscriber statements on an open ADMF database (schema version 2 or later). */
export class SqliteSubscribers implements SubscriberStore {
  private readonly s;

  constructor(db: Sqlite) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      put: p(
        'INSERT INTO subscribers (id, name, identities, placements, delivery_type, state, created_at, updated_at) ' +
          'VALUES (@id, @name, @identities, @placements, @deliveryType, @state, @createdAt, @updatedAt) ' +
          'ON CONFLICT(id) DO UPDATE SET name = excluded.name, identities = excluded.identities, ' +
          'placements = excluded.placements, delivery_type = excluded.delivery_type, state = excluded.state, ' +
          'updated_at = excluded.updated_at',
      ),
      get: p('SELECT * FROM subscribers WHERE id = ?'),
      list: p('SELECT * FROM subscribers ORDER BY id'),
      addTask: p(
        'INSERT INTO subscriber_tasks (subscriber_id, xid, ne_id, target_key, created_at) ' +
          'VALUES (@subscriberId, @xid, @neId, @targetKey, @createdAt)',
      ),
      tasks: p('SELECT * FROM subscriber_tasks WHERE subscriber_id = ? ORDER BY seq'),
      ofTask: p('SELECT subscriber_id FROM subscriber_tasks WHERE xid = ? LIMIT 1').pluck(),
    };
  }

  async putSubscriber(s: SubscriberRecord): Promise<void> {
    this.s.put.run({
      ...s,
      name: s.name ?? null,
      identities: JSON.stringify(s.identities),
      placements: JSON.stringify(s.placements),
    });
  }

  async getSubscriber(id: string): Promise<SubscriberRecord | undefined> {
    const r = this.s.get.get(id) as Row | undefined;
    return r && toSubscriber(r);
  }

  async listSubscribers(): Promise<SubscriberRecord[]> {
    return (this.s.list.all() as Row[]).map(toSubscriber);
  }

  async addSubscriberTask(link: SubscriberTaskLink): Promise<void> {
    this.s.addTask.run({ ...link });
  }

  async listSubscriberTasks(subscriberId: string): Promise<SubscriberTaskLink[]> {
    return (this.s.tasks.all(subscriberId) as Row[]).map(toLink);
  }

  async subscriberOfTask(xid: string): Promise<string | undefined> {
    return (this.s.ofTask.get(xid) as string | undefined) ?? undefined;
  }
}
