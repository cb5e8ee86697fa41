/**
 * The PostgreSQL schema of the ADMF store, as numbered migrations kept in TypeScript (so they ship in dist/).
 * A database records what it has in `schema_migrations`; {@link migratePg} applies the missing ones at start,
 * each in its own transaction, under a session advisory lock so that ADMF instances starting together apply
 * each migration once. To change the schema, append a migration with the next version: never edit one that
 * has shipped.
 */

/** One schema step. */
export interface PgMigration {
  /** 1, 2, 3 ... in order, no gaps. */
  readonly version: number;
  /** What it does, in a few words (kept in `schema_migrations.name`). */
  readonly name: string;
  readonly sql: string;
}

/** Text keys compare byte by byte (as in SQLite), whatever the database's locale. */
const KEY = 'text COLLATE "C"';

const V1 = `
CREATE TABLE nes (
  id ${KEY} PRIMARY KEY, url text NOT NULL, options jsonb NOT NULL,
  created_at bigint NOT NULL, updated_at bigint NOT NULL
);
CREATE TABLE destinations (
  ne_id ${KEY} NOT NULL REFERENCES nes(id) ON DELETE CASCADE, did ${KEY} NOT NULL, details jsonb NOT NULL,
  created_at bigint NOT NULL, updated_at bigint NOT NULL, PRIMARY KEY (ne_id, did)
);
CREATE TABLE tasks (
  xid ${KEY} PRIMARY KEY, ne_id ${KEY} NOT NULL REFERENCES nes(id) ON DELETE CASCADE, details jsonb NOT NULL,
  state text NOT NULL, provisioning text, reason text, valid_from bigint, valid_until bigint, warrant_ref text,
  created_at bigint NOT NULL, updated_at bigint NOT NULL
);
CREATE INDEX tasks_by_ne ON tasks (ne_id, state);
CREATE INDEX tasks_by_creation ON tasks (created_at, xid);
CREATE INDEX tasks_windowed ON tasks (state) WHERE valid_from IS NOT NULL OR valid_until IS NOT NULL;
CREATE TABLE reports (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, received_at bigint NOT NULL, ne_id ${KEY} NOT NULL,
  kind text NOT NULL, transaction_id text NOT NULL, xid ${KEY}, did ${KEY}, report_type text NOT NULL,
  code integer, details text, unknown boolean NOT NULL
);
CREATE INDEX reports_by_xid ON reports (xid);
CREATE INDEX reports_by_ne ON reports (ne_id, id);
CREATE TABLE audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at bigint NOT NULL, actor text NOT NULL, operator text,
  action text NOT NULL, outcome text NOT NULL, ne_id ${KEY}, xid ${KEY}, did ${KEY}, transaction_id text, detail text
);
CREATE INDEX audit_by_ne ON audit (ne_id, id);
CREATE INDEX audit_by_xid ON audit (xid, id);
CREATE INDEX audit_by_operator ON audit (operator, id);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_no_update_or_delete BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TABLE meta (key ${KEY} PRIMARY KEY, value text NOT NULL);
CREATE TABLE subscribers (
  id ${KEY} PRIMARY KEY, name text, identities jsonb NOT NULL, placements jsonb NOT NULL,
  delivery_type text NOT NULL, state text NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL
);
CREATE TABLE subscriber_tasks (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscriber_id ${KEY} NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
  xid ${KEY} NOT NULL UNIQUE, ne_id ${KEY} NOT NULL, target_key text NOT NULL, created_at bigint NOT NULL
);
CREATE INDEX subscriber_tasks_by_subscriber ON subscriber_tasks (subscriber_id, seq);
CREATE TABLE api_tokens (
  name ${KEY} PRIMARY KEY, role text NOT NULL, hash text NOT NULL UNIQUE, created_at bigint NOT NULL,
  last_used_at bigint, revoked_at bigint
);
`;

/**
 * Version 2, NE ownership among several ADMF instances (docs/admf.md "Several instances"): one lease per NE
 * (owner instance, fencing token from a sequence so that tokens only grow, even across a removed and re-added
 * NE; expiry by the database clock; the last keepalive the owner sent), the live instances, and a NOTIFY on
 * channel `lix_admf` in the transaction that stores a task `activating`, so that its NE's owner sends it.
 */
const V2 = `
CREATE SEQUENCE ne_lease_token;
CREATE TABLE ne_lease (
  ne_id ${KEY} PRIMARY KEY REFERENCES nes(id) ON DELETE CASCADE, owner text NOT NULL, token bigint NOT NULL,
  expires_at timestamptz NOT NULL, keepalive_at bigint
);
CREATE TABLE admf_instances (id ${KEY} PRIMARY KEY, seen_at timestamptz NOT NULL);
CREATE FUNCTION task_pending_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('lix_admf', json_build_object('ne', NEW.ne_id, 's', NEW.xid)::text);
  RETURN NULL;
END $$;
CREATE TRIGGER tasks_pending_notify AFTER INSERT OR UPDATE OF state ON tasks
  FOR EACH ROW WHEN (NEW.state = 'activating') EXECUTE FUNCTION task_pending_notify();
`;

/**
 * Version 3, operator changes handed to an NE's owner (docs/admf.md "Several instances"): a change another
 * instance took on its REST API (modify or deactivate a task, create, modify or remove a destination) waits here
 * for the NE's owner, which claims it under its fence, runs it, and stores the outcome for the instance that
 * asked. The insert notifies the owner in the same transaction; the outcome notifies the asker.
 */
const V3 = `
CREATE TABLE admf_ops (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ne_id ${KEY} NOT NULL, op jsonb NOT NULL, operator text,
  asked_by text NOT NULL, state text NOT NULL DEFAULT 'queued', ran_by text, result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(), done_at timestamptz
);
CREATE INDEX admf_ops_queued ON admf_ops (ne_id, id) WHERE state = 'queued';
`;

/**
 * Every migration, oldest first. Version 1 is the whole store as the SQLite schema version 4 has it: NEs,
 * destinations, tasks (with warrant windows), reports, the append-only audit log (a trigger refuses UPDATE,
 * DELETE and TRUNCATE), meta (per-NE drift and other follow-ups), subscribers and their tasks, API tokens.
 */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  { version: 1, name: 'ADMF store', sql: V1 },
  { version: 2, name: 'NE leases', sql: V2 },
  { version: 3, name: 'operator changes handed to the owner', sql: V3 },
];

/** The newest schema this lix knows. */
export const PG_SCHEMA_VERSION = PG_MIGRATIONS.at(-1)!.version;
