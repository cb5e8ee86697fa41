/** Destinations: every NE's delivery destinations, and one form to create one or edit one. */
import { useState } from 'react';
import { call, get, type Destination, type Ne } from '../api';
import { Empty, ErrorBox, Time, errorText, useLive } from '../ui';

const load = () => Promise.all([get<Destination[]>('/api/destinations'), get<Ne[]>('/api/nes')]);

/** The destination being edited: where it is, and its address when that is an IP address and port. */
interface Editing {
  readonly neId: string;
  readonly did: string;
  readonly address?: { ip: string; port: number; transport: 'tcp' | 'udp' };
}

/** The form's fields from a destination: a URI as it is; an IP address and port kept apart (sent back unchanged). */
function fieldsOf(d: Destination): { uri: string; address?: Editing['address'] } {
  const a = d.details.deliveryAddress as {
    kind?: string;
    value?: string;
    address?: { value: string };
    port?: { protocol: string; port: number };
  };
  if (a.kind === 'uri' && a.value !== undefined) return { uri: a.value };
  if (a.address && a.port)
    return {
      uri: '',
      address: {
        ip: a.address.value,
        port: a.port.port,
        transport: a.port.protocol === 'TCPPort' ? 'tcp' : 'udp',
      },
    };
  return { uri: '' };
}

export function Destinations() {
  const { data, error, reload } = useLive(load, (e) => e.type === 'audit');
  const [ne, setNe] = useState('');
  const [name, setName] = useState('');
  const [uri, setUri] = useState('');
  const [type, setType] = useState('X2Only');
  const [msg, setMsg] = useState<{ ok?: string; error?: string }>({});
  const [editing, setEditing] = useState<Editing | undefined>(undefined);
  const [dests, nes] = data ?? [undefined, undefined];
  const neId = ne || nes?.[0]?.id || '';
  const edit = (d: Destination) => {
    const f = fieldsOf(d);
    setEditing({ neId: d.neId, did: d.did, ...(f.address && { address: f.address }) });
    setName(d.details.friendlyName ?? '');
    setUri(f.uri);
    setType(d.details.deliveryType);
    setMsg({});
  };
  const cancel = () => {
    setEditing(undefined);
    setName('');
    setUri('');
    setType('X2Only');
  };
  const submit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    const where = editing ?? { neId, did: undefined };
    // An IP-address destination keeps its address unless the operator gives a URI instead.
    const to = uri === '' && editing?.address ? { address: editing.address } : { uri };
    const body = { friendlyName: name, deliveryType: type, ...to };
    try {
      const base = `/api/nes/${encodeURIComponent(where.neId)}/destinations`;
      const d = editing
        ? (await call<Destination>('PUT', `${base}/${encodeURIComponent(editing.did)}`, body)).data
        : (await call<Destination>('POST', base, body)).data;
      setMsg({ ok: `Destination ${d.did} ${editing ? 'saved' : 'created'} on ${d.neId}.` });
      if (editing) cancel();
      reload();
    } catch (e) {
      setMsg({ error: `The destination was not ${editing ? 'saved' : 'created'}: ${errorText(e)}` });
    }
  };
  return (
    <>
      <ErrorBox error={error} />
      <section className="panel" aria-labelledby="new-dest">
        <h2 id="new-dest">{editing ? `Edit destination ${editing.did}` : 'New destination'}</h2>
        <form onSubmit={(e) => void submit(e)}>
          <label>
            NE
            <select
              value={editing?.neId ?? neId}
              onChange={(e) => setNe(e.target.value)}
              required
              disabled={editing !== undefined}
            >
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
              placeholder={
                editing?.address
                  ? `${editing.address.ip} port ${editing.address.port}/${editing.address.transport}: kept unless a URI is given`
                  : 'eep+udp://127.0.0.1:9060'
              }
              required={editing?.address === undefined}
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
          <button type="submit">{editing ? 'Save destination' : 'Create destination'}</button>
          {editing && (
            <button type="button" onClick={cancel}>
              Cancel
            </button>
          )}
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
                <th>
                  <span className="sr-only">Actions</span>
                </th>
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
                  <td>
                    <button
                      type="button"
                      onClick={() => edit(d)}
                      aria-label={`Edit ${d.details.friendlyName ?? d.did}`}
                    >
                      Edit
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
