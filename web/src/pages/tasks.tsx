/**
 * Tasks: every task (all pages of GET /api/tasks), searched, sorted and shown 50 rows a page; a task's live
 * status from its NE; deactivate with a confirmation.
 */
import { useMemo, useState } from 'react';
import { call, get, getAll, type Destination, type Ne, type Task, type TaskStatus } from '../api';
import { Empty, ErrorBox, Time, errorText, useLive } from '../ui';
import { TaskForm } from './task-form';
import { TaskModify } from './task-modify';

const PAGE = 50;
type Key = 'xid' | 'neId' | 'state' | 'targets' | 'updatedAt';

/** A task's targets as one line (kind=value, …). */
export function targetsOf(t: Task): string {
  const ids =
    (t.details as { targetIdentifiers?: { kind: string; value: unknown }[] }).targetIdentifiers ?? [];
  return ids
    .map((i) => `${i.kind}=${typeof i.value === 'object' ? JSON.stringify(i.value) : String(i.value)}`)
    .join(', ');
}

const load = () =>
  Promise.all([
    getAll<Task>('/api/tasks?limit=10000'),
    get<Ne[]>('/api/nes'),
    get<Destination[]>('/api/destinations'),
  ]);

/** The NE's GetTaskDetails answer: provisioning status, faults and counters, then the whole answer. */
function NeStatus({ live }: { live: object }) {
  const st = (live as { taskStatus?: Record<string, unknown> }).taskStatus ?? {};
  const faults = (st.listOfFaults as { errorCode: number; errorDescription: string }[] | undefined) ?? [];
  return (
    <div data-testid="ne-status">
      <p>
        Provisioning: <strong>{String(st.provisioningStatus ?? 'unknown')}</strong>; faults:{' '}
        {faults.length === 0 ? 'none' : faults.map((f) => `${f.errorCode} ${f.errorDescription}`).join('; ')};
        X2 data: {String(st.amountOfX2Data ?? 0)}; X3 data: {String(st.amountOfX3Data ?? 0)}; modifications:{' '}
        {String(st.numberOfModifications ?? 0)}
      </p>
      <details>
        <summary>Full answer from the NE</summary>
        <pre>{JSON.stringify(live, null, 2)}</pre>
      </details>
    </div>
  );
}

function Detail({ xid, onChanged }: { xid: string; onChanged: () => void }) {
  const { data, error, reload } = useLive(
    () => get<TaskStatus>(`/api/tasks/${xid}/status`),
    (e) => e.type === 'task' && e.xid === xid,
  );
  const [confirm, setConfirm] = useState(false);
  const [msg, setMsg] = useState<string>();
  const deactivate = async () => {
    setConfirm(false);
    try {
      const t = (await call<Task>('DELETE', `/api/tasks/${xid}`)).data;
      setMsg(`Task ${xid} is now ${t.state}.`);
      reload();
      onChanged();
    } catch (e) {
      setMsg(`Deactivation failed: ${errorText(e)}`);
    }
  };
  return (
    <section className="panel" aria-labelledby="task-detail">
      <h2 id="task-detail">Task {xid}</h2>
      <ErrorBox error={error} />
      {data && (
        <>
          <p>
            State at the ADMF: <strong data-testid="task-state">{data.task.state}</strong>
            {data.task.reason !== undefined && ` (${data.task.reason})`}; NE {data.task.neId}; updated{' '}
            <Time iso={data.task.updatedAt} />
          </p>
          <h3>Status from the NE</h3>
          {data.live === undefined ? (
            <p data-testid="ne-status">The NE does not have this task.</p>
          ) : (
            <NeStatus live={data.live} />
          )}
        </>
      )}
      {data !== undefined && data.task.state === 'active' && (
        <TaskModify
          key={data.task.updatedAt}
          task={data.task}
          onDone={(t) => {
            setMsg(`Task ${t.xid} modified: ${t.state}.`);
            reload();
            onChanged();
          }}
        />
      )}
      {data?.task.state !== 'ended' &&
        (confirm ? (
          <p role="alertdialog" aria-label="Confirm deactivation">
            Deactivate task {xid} on {data?.task.neId}? Interception stops at once.{' '}
            <button type="button" className="danger" onClick={() => void deactivate()}>
              Yes, deactivate
            </button>{' '}
            <button type="button" onClick={() => setConfirm(false)}>
              Cancel
            </button>
          </p>
        ) : (
          <button type="button" className="danger" onClick={() => setConfirm(true)}>
            Deactivate…
          </button>
        ))}
      {msg !== undefined && <p role="status">{msg}</p>}
    </section>
  );
}

export function Tasks() {
  const { data, error, reload } = useLive(load, (e) => e.type === 'task');
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<{ key: Key; up: boolean }>({ key: 'updatedAt', up: false });
  const [page, setPage] = useState(0);
  const [open, setOpen] = useState<string>();
  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    const all = (data?.[0] ?? []).map((t) => ({ t, targets: targetsOf(t) }));
    const hits =
      q === ''
        ? all
        : all.filter((r) => `${r.t.xid} ${r.t.neId} ${r.t.state} ${r.targets}`.toLowerCase().includes(q));
    const val = (r: (typeof all)[number]) => (sort.key === 'targets' ? r.targets : r.t[sort.key]);
    return hits.sort((a, b) => (val(a) < val(b) ? -1 : val(a) > val(b) ? 1 : 0) * (sort.up ? 1 : -1));
  }, [data, query, sort]);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  const shown = rows.slice(page * PAGE, page * PAGE + PAGE);
  const head = (key: Key, label: string) => (
    <th aria-sort={sort.key === key ? (sort.up ? 'ascending' : 'descending') : 'none'}>
      <button type="button" onClick={() => setSort({ key, up: sort.key === key ? !sort.up : true })}>
        {label}
      </button>
    </th>
  );
  return (
    <>
      <ErrorBox error={error} />
      {data && (
        <TaskForm
          nes={data[1]}
          dests={data[2]}
          onDone={(t) => {
            setOpen(t.xid);
            reload();
          }}
        />
      )}
      {open !== undefined && <Detail key={open} xid={open} onChanged={reload} />}
      <label>
        Search (XID, NE, state, target)
        <input
          type="search"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setPage(0);
          }}
        />
      </label>
      {data === undefined && error === undefined && <p>Loading…</p>}
      {data !== undefined && rows.length === 0 && (
        <Empty>
          {query ? 'No task matches the search.' : 'No tasks yet: create one with the form above.'}
        </Empty>
      )}
      {shown.length > 0 && (
        <div className="scroll">
          <table aria-label="Tasks">
            <thead>
              <tr>
                {head('xid', 'XID')}
                {head('neId', 'NE')}
                {head('state', 'State')}
                {head('targets', 'Targets')}
                {head('updatedAt', 'Updated')}
              </tr>
            </thead>
            <tbody>
              {shown.map(({ t, targets }) => (
                <tr key={t.xid}>
                  <td>
                    <button type="button" onClick={() => setOpen(t.xid)} aria-label={`Open task ${t.xid}`}>
                      <code>{t.xid.slice(0, 8)}</code>
                    </button>
                  </td>
                  <td>{t.neId}</td>
                  <td className={`state-${t.state}`}>{t.state}</td>
                  <td>{targets}</td>
                  <td>
                    <Time iso={t.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav aria-label="Task pages" className="pager">
        <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
          Previous
        </button>{' '}
        <span>
          Page {page + 1} of {pages} ({rows.length} tasks)
        </span>{' '}
        <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
          Next
        </button>
      </nav>
    </>
  );
}
