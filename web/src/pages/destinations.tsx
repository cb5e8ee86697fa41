/** Destinations: every NE's delivery destinations, and a form to create one. */
import { useState } from 'react';
import { call, get, type Destination, type Ne } from '../api';
import { Empty, ErrorBox, Time, errorText, useLive } from '../ui';

const load = () => Promise.all([get<Destination[]>('/api/destinations'), get<Ne[]>('/api/nes')]);

export function Destinations() {
  const { data, error, reload } = useLive(load, (e) => e.type === 'audit');
  const [ne, setNe] = useState('');
  const [name, setName] = useState('');
  const [uri, setUri] = useState('');
  const [type, setType] = useState('X2Only');
  const [msg, setMsg] = useState<{ ok?: string; error?: string }>({});
  const [dests, nes] = data ?? [undefined, undefined];
  const neId = ne || nes?.[0]?.id || '';
  const create = async (ev: React.FormEvent) => {
    ev.preventDefault();
    try {
      const d = (
        await call<Destination>('POST', `/api/nes/${encodeURIComponent(neId)}/destinations`, {
          friendlyName: name,
          uri,
          deliveryType: type,
        })
      ).data;
      setMsg({ ok: `Destination ${d.did} created on ${d.neId}.` });
      reload();
    } catch (e) {
      setMsg({ error: `The destination was not created: ${errorText(e)}` });
    }
  };
  return (
    <>
      <ErrorBox error={error} />
      <section className="panel" aria-labelledby="new-dest">
        <h2 id="new-dest">New destination</h2>
        <form onSubmit={(e) => void create(e)}>
          <label>
            NE
            <select value={neId} onChange={(e) => setNe(e.target.value)} required>
              {nes?.map((n) => (
                <option key={n.id}>{n.id}</option>
              ))}
            </select>
          </label>
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={255} />
          </label>
          <label>
            Delivery URI
            <input
              value={uri}
              onChange={(e) => setUri(e.target.value)}
              placeholder="eep+udp://127.0.0.1:9060"
              required
            />
          </label>
          <label>
            Delivery type
            <select value={type} onChange={(e) => setType(e.target.value)}>
              <option>X2Only</option>
              <option>X3Only</option>
              <option>X2andX3</option>
            </select>
          </label>
          <button type="submit">Create destination</button>
        </form>
        {msg.ok !== undefined && (
          <p role="status" className="ok">
            {msg.ok}
          </p>
        )}
        <ErrorBox error={msg.error} />
      </section>
      {dests?.length === 0 && <Empty>No destinations yet: create one above before tasking.</Empty>}
      {dests !== undefined && dests.length > 0 && (
        <div className="scroll">
          <table aria-label="Destinations">
            <thead>
              <tr>
                <th>NE</th>
                <th>Name</th>
                <th>DID</th>
                <th>Type</th>
                <th>Address</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {dests.map((d) => (
                <tr key={`${d.neId}/${d.did}`}>
                  <td>{d.neId}</td>
                  <td>{d.details.friendlyName ?? '—'}</td>
                  <td>
                    <code>{d.did}</code>
                  </td>
                  <td>{d.details.deliveryType}</td>
                  <td>
                    <code>{JSON.stringify(d.details.deliveryAddress)}</code>
                  </td>
                  <td>
                    <Time iso={d.createdAt} />
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
