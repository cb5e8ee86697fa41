/** NEs: register or edit an NE, ping it, reconcile it now. */
import { useState } from 'react';
import { call, get, type Ne } from '../api';
import { Empty, ErrorBox, Time, errorText, useLive } from '../ui';

export function Nes() {
  const { data, error, reload } = useLive(
    () => get<Ne[]>('/api/nes'),
    (e) => e.type === 'ne',
  );
  const [id, setId] = useState('');
  const [url, setUrl] = useState('');
  const [msg, setMsg] = useState<{ ok?: string; error?: string }>({});
  const act = async (what: string, fn: () => Promise<string>) => {
    try {
      setMsg({ ok: await fn() });
      reload();
    } catch (e) {
      setMsg({ error: `${what} failed: ${errorText(e)}` });
    }
  };
  const save = (ev: React.FormEvent) => {
    ev.preventDefault();
    const exists = data?.some((n) => n.id === id);
    void act(exists ? 'Editing the NE' : 'Adding the NE', async () => {
      if (exists) await call('PUT', `/api/nes/${encodeURIComponent(id)}`, { url });
      else await call('POST', '/api/nes', { id, url });
      return `NE ${id} saved (${url}).`;
    });
  };
  return (
    <>
      <ErrorBox error={error} />
      <section className="panel" aria-labelledby="ne-form">
        <h2 id="ne-form">Add or edit an NE</h2>
        <form onSubmit={save}>
          <label>
            Identity
            <input value={id} onChange={(e) => setId(e.target.value)} required pattern="\S{1,255}" />
          </label>
          <label>
            X1 URL
            <input
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              required
              placeholder="https://ne.example:8443/X1/NE"
            />
          </label>
          <button type="submit">Save NE</button>
        </form>
        {msg.ok !== undefined && (
          <p role="status" className="ok">
            {msg.ok}
          </p>
        )}
        <ErrorBox error={msg.error} />
      </section>
      {data?.length === 0 && <Empty>No NEs yet: add one with its X1 URL above.</Empty>}
      {data !== undefined && data.length > 0 && (
        <div className="scroll">
          <table aria-label="NEs">
            <thead>
              <tr>
                <th>NE</th>
                <th>X1 URL</th>
                <th>Reachable</th>
                <th>Last answer</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.map((ne) => (
                <tr key={ne.id}>
                  <th scope="row">{ne.id}</th>
                  <td>
                    <code>{ne.url}</code>
                  </td>
                  <td>
                    {ne.health.reachable === undefined ? 'not yet known' : ne.health.reachable ? 'yes' : 'no'}
                  </td>
                  <td>
                    <Time iso={ne.health.lastAnswerAt} />
                  </td>
                  <td>
                    <button
                      type="button"
                      onClick={() => {
                        setId(ne.id);
                        setUrl(ne.url);
                      }}
                    >
                      Edit {ne.id}
                    </button>{' '}
                    <button
                      type="button"
                      onClick={() =>
                        void act('Ping', async () => {
                          const p = (
                            await call<{ response: string; latencyMs: number }>(
                              'POST',
                              `/api/nes/${encodeURIComponent(ne.id)}/ping`,
                            )
                          ).data;
                          return `${ne.id} answered ${p.response} in ${p.latencyMs} ms.`;
                        })
                      }
                    >
                      Ping {ne.id}
                    </button>{' '}
                    <button
                      type="button"
                      onClick={() =>
                        void act('Reconcile', async () => {
                          await call('POST', `/api/nes/${encodeURIComponent(ne.id)}/reconcile`);
                          return `${ne.id} reconciled.`;
                        })
                      }
                    >
                      Reconcile {ne.id} now
                    </button>
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
