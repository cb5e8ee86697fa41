/** Reports: the NEs' issue reports and the audit log, filterable, live. */
import { useState } from 'react';
import { newest, type Audit, type Report } from '../api';
import { Empty, ErrorBox, Time, useLive } from '../ui';

const load = () => Promise.all([newest<Report>('/api/reports'), newest<Audit>('/api/audit')]);

const hit = (filter: string, o: object) =>
  filter === '' || JSON.stringify(o).toLowerCase().includes(filter.toLowerCase());

export function Reports() {
  const { data, error } = useLive(load, (e) => e.type === 'report' || e.type === 'audit');
  const [filter, setFilter] = useState('');
  const reports = (data?.[0] ?? []).filter((r) => hit(filter, r)).reverse();
  const audit = (data?.[1] ?? [])
    .filter((a) => hit(filter, a))
    .reverse()
    .slice(0, 500);
  return (
    <>
      <ErrorBox error={error} />
      <label>
        Filter (NE, XID, action, text)
        <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </label>
      <h2>Issue reports from the NEs</h2>
      {data !== undefined && reports.length === 0 && (
        <Empty>{filter ? 'No report matches the filter.' : 'No NE has reported an issue.'}</Empty>
      )}
      {reports.length > 0 && (
        <div className="scroll">
          <table aria-label="Reports">
            <thead>
              <tr>
                <th>Received</th>
                <th>NE</th>
                <th>Kind</th>
                <th>Type</th>
                <th>XID / DID</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {reports.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Time iso={r.receivedAt} />
                  </td>
                  <td>{r.neId}</td>
                  <td>{r.kind}</td>
                  <td>{r.reportType}</td>
                  <td>
                    <code>{r.xid ?? r.did ?? '—'}</code>
                  </td>
                  <td>{r.details ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Audit log (newest first, at most 500 shown)</h2>
      {data !== undefined && audit.length === 0 && <Empty>No audit row matches.</Empty>}
      {audit.length > 0 && (
        <div className="scroll">
          <table aria-label="Audit log">
            <thead>
              <tr>
                <th>At</th>
                <th>Operator</th>
                <th>Action</th>
                <th>Outcome</th>
                <th>NE</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {audit.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Time iso={a.at} />
                  </td>
                  <td>{(a as { operator?: string }).operator ?? a.actor}</td>
                  <td>{a.action}</td>
                  <td>{a.outcome}</td>
                  <td>{a.neId ?? ''}</td>
                  <td>{a.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
