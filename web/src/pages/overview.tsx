/** Overview: every NE with reachability, keepalives, last seen, tasks by state, drift and faults (live). */
import { get, getAll, type Drift, type Ne, type Task } from '../api';
import { Empty, ErrorBox, Time, useLive } from '../ui';

interface Row {
  readonly ne: Ne;
  readonly active: number;
  readonly other: number;
  readonly drift: Drift | string;
}

async function load(): Promise<Row[]> {
  const [nes, tasks] = await Promise.all([get<Ne[]>('/api/nes'), getAll<Task>('/api/tasks')]);
  return Promise.all(
    nes.map(async (ne) => {
      const mine = tasks.filter((t) => t.neId === ne.id && t.state !== 'ended');
      const drift = await get<Drift>(`/api/nes/${encodeURIComponent(ne.id)}/drift`).catch(
        (e: unknown) => `not checked: ${e instanceof Error ? e.message : String(e)}`,
      );
      return { ne, active: mine.filter((t) => t.state === 'active').length, other: mine.length, drift };
    }),
  );
}

function driftText(d: Drift | string): string {
  if (typeof d === 'string') return d;
  if (d.inSync) return 'in sync';
  const n = (x: Drift['tasks']) => x.unknownOnNe.length + x.missingFromNe.length + x.different.length;
  return `drift: ${n(d.tasks)} task(s), ${n(d.destinations)} destination(s) differ`;
}

export function Overview() {
  const { data, error } = useLive(load, (e) => e.type === 'ne' || e.type === 'task' || e.type === 'report');
  return (
    <>
      <ErrorBox error={error} />
      {data === undefined && error === undefined && <p>Loading…</p>}
      {data?.length === 0 && <Empty>No NEs yet: add one on the NEs page.</Empty>}
      {data !== undefined && data.length > 0 && (
        <div className="scroll">
          <table aria-label="NEs">
            <thead>
              <tr>
                <th>NE</th>
                <th>Reachable</th>
                <th>Keepalive</th>
                <th>Last seen</th>
                <th>Tasks (active / live)</th>
                <th>Sync</th>
                <th>Open faults</th>
              </tr>
            </thead>
            <tbody>
              {data.map(({ ne, active, other, drift }) => (
                <tr key={ne.id} data-ne={ne.id}>
                  <th scope="row">{ne.id}</th>
                  <td className={ne.health.reachable === false ? 'state-failed' : 'state-active'}>
                    {ne.health.reachable === undefined ? 'not yet known' : ne.health.reachable ? 'yes' : 'no'}
                    {ne.health.lastError !== undefined && ` (${ne.health.lastError})`}
                  </td>
                  <td>
                    {ne.options.keepalive ? `on, ${ne.health.keepalivesSent} sent, last ` : 'off'}
                    {ne.options.keepalive && <Time iso={ne.health.lastKeepaliveAt} />}
                  </td>
                  <td>
                    <Time iso={ne.health.lastAnswerAt} />
                  </td>
                  <td>
                    {active} / {other}
                  </td>
                  <td>{driftText(drift)}</td>
                  <td>
                    {ne.health.faults.length === 0
                      ? 'none'
                      : ne.health.faults.map((f) => `${f.errorCode} ${f.errorDescription}`).join('; ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
