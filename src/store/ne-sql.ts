/**
 * Every statement the NE store runs, prepared once per connection. Statements listed in
 * {@link NE_PLUCKED} return their single column's value instead of a row object; {@link NE_RAW} return arrays.
 */
const TASK_COUNTERS = 'provisioning, last_intercept, x2_bytes, x3_bytes, last_modification, modifications';
const TASK_COLUMNS = `details, origin, created_at, pending, ${TASK_COUNTERS}`;

export const NE_SQL = {
  getTask: `SELECT ${TASK_COLUMNS} FROM tasks WHERE xid = ?`,
  allTasks: `SELECT ${TASK_COLUMNS} FROM tasks ORDER BY rowid`,
  tasksAfter: `SELECT rowid, ${TASK_COLUMNS} FROM tasks WHERE rowid > ? ORDER BY rowid LIMIT ?`,
  maxTaskRowid: 'SELECT coalesce(max(rowid), 0) FROM tasks',
  allFragments: `SELECT xid, details_xml, ${TASK_COUNTERS} FROM tasks ORDER BY rowid`,
  xids: 'SELECT xid FROM tasks ORDER BY rowid',
  countTasks: 'SELECT count(*) FROM tasks',
  countOutbox: 'SELECT count(*) AS n FROM outbox',
  tasksByStatus: 'SELECT provisioning AS status, count(*) AS n FROM tasks GROUP BY provisioning',
  destinationsByStatus:
    'SELECT delivery_status AS status, count(*) AS n FROM destinations GROUP BY delivery_status',
  insertTask: `INSERT INTO tasks (xid, details, details_xml, delivery_type, origin, provisioning, pending, created_at)
    VALUES (@xid, @details, @xml, @deliveryType, @origin, @provisioning, @pending, @at)`,
  replaceTask: `UPDATE tasks SET details = @details, details_xml = @xml, delivery_type = @deliveryType,
    last_modification = @at, modifications = modifications + 1 WHERE xid = @xid`,
  setProvisioning: 'UPDATE tasks SET provisioning = ?, pending = ? WHERE xid = ?',
  deleteTask: 'DELETE FROM tasks WHERE xid = ?',
  deleteAllTasks: 'DELETE FROM tasks',
  insertDid: 'INSERT OR IGNORE INTO task_dids (xid, did) VALUES (?, ?)',
  deleteDids: 'DELETE FROM task_dids WHERE xid = ?',
  counters: `UPDATE tasks SET x2_bytes = x2_bytes + @x2, x3_bytes = x3_bytes + @x3, last_intercept = @at
    WHERE xid = @xid`,
  users: 'SELECT xid FROM task_dids WHERE did = ? ORDER BY xid',

  getDest: 'SELECT details, delivery_status FROM destinations WHERE did = ?',
  allDests: 'SELECT details, delivery_status FROM destinations ORDER BY did',
  insertDest: "INSERT INTO destinations (did, details, delivery_status) VALUES (?, ?, 'activeAndWorking')",
  replaceDest: 'UPDATE destinations SET details = ? WHERE did = ?',
  deleteDest: 'DELETE FROM destinations WHERE did = ?',
  deleteAllDests: 'DELETE FROM destinations',
  destStatus: 'UPDATE destinations SET delivery_status = ? WHERE did = ?',

  addFault: `INSERT INTO faults (scope_kind, scope_id, code, description) VALUES (?, ?, ?, ?)
    ON CONFLICT (scope_kind, scope_id, code) DO UPDATE SET description = excluded.description`,
  clearFault: 'DELETE FROM faults WHERE scope_kind = ? AND scope_id = ? AND code = ?',
  deleteScopeFaults: 'DELETE FROM faults WHERE scope_kind = ? AND scope_id = ?',
  deleteKindFaults: 'DELETE FROM faults WHERE scope_kind = ?',
  faults: 'SELECT code, description FROM faults WHERE scope_kind = ? AND scope_id = ? ORDER BY code',
  faultsOfKind: 'SELECT scope_id, code, description FROM faults WHERE scope_kind = ? ORDER BY scope_id, code',

  enqueue: 'INSERT INTO outbox (kind, body, enqueued_at) VALUES (?, ?, ?)',
  pending: 'SELECT * FROM outbox ORDER BY id LIMIT ?',
  sent: 'DELETE FROM outbox WHERE id = ?',
  attempt: `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`,

  audit: `INSERT INTO audit (at, actor, action, outcome, xid, did, transaction_id, detail, task_origin)
    VALUES (@at, @actor, @action, @outcome, @xid, @did, @transactionId, @detail, @taskOrigin)`,
  readAudit: 'SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?',
  lastAudit: 'SELECT coalesce(max(id), 0) FROM audit',

  getMeta: 'SELECT value FROM meta WHERE key = ?',
  setMeta:
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
} as const;

export type NeStatementName = keyof typeof NE_SQL;

export const NE_PLUCKED: ReadonlySet<NeStatementName> = new Set([
  'xids',
  'countTasks',
  'users',
  'lastAudit',
  'maxTaskRowid',
  'getMeta',
]);

export const NE_RAW: ReadonlySet<NeStatementName> = new Set(['allFragments']);
