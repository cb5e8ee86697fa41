/**
 * The create-task form: one target of a chosen kind, checked with the project's own target forms
 * (src/x1/target-forms.ts) before anything is sent; NE, destination(s) and delivery type.
 */
import { useState } from 'react';
import { checkTargetValue, TARGET_FORMS } from '../../../src/x1/target-forms';
import { call, type Body, type Destination, type Ne, type Task } from '../api';
import { ErrorBox, errorText } from '../ui';

const KINDS = Object.keys(TARGET_FORMS);

export function TaskForm({
  nes,
  dests,
  onDone,
}: {
  nes: readonly Ne[];
  dests: readonly Destination[];
  onDone: (t: Task) => void;
}) {
  const [ne, setNe] = useState('');
  const [kind, setKind] = useState('imsi');
  const [value, setValue] = useState('');
  const [dids, setDids] = useState<string[]>([]);
  const [type, setType] = useState<'X2Only' | 'X3Only' | 'X2andX3'>('X2Only');
  const [msg, setMsg] = useState<{ ok?: string; error?: string }>({});
  const neId = ne || nes[0]?.id || '';
  const mine = dests.filter((d) => d.neId === neId);
  const submit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    const why = checkTargetValue(kind, value);
    if (why !== undefined) return setMsg({ error: `Not sent: ${why}.` });
    if (dids.length === 0) return setMsg({ error: 'Not sent: choose at least one destination of this NE.' });
    const body: Body<'/api/tasks', 'post'> = {
      ne: neId,
      targets: [{ kind, value: value.trim() }],
      dids,
      deliveryType: type,
    };
    try {
      const t = (await call<Task>('POST', '/api/tasks', body)).data;
      setMsg({ ok: t.message ?? `Task ${t.xid} sent to ${t.neId}: ${t.state}.` });
      onDone(t);
    } catch (e) {
      setMsg({ error: `The task was not created: ${errorText(e)}` });
    }
  };
  return (
    <section className="panel" aria-labelledby="new-task">
      <h2 id="new-task">New task</h2>
      {nes.length === 0 && <p className="empty">Add an NE first (NEs page).</p>}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label>
          NE
          <select value={neId} onChange={(e) => setNe(e.target.value)}>
            {nes.map((n) => (
              <option key={n.id}>{n.id}</option>
            ))}
          </select>
        </label>
        <label>
          Target kind
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            {KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <label>
          Target value
          <input
            value={value}
            onChange={(e) => setValue(e.target.value)}
            aria-describedby="kind-form"
            required
          />
        </label>
        <fieldset>
          <legend>Destinations on {neId || 'the NE'}</legend>
          {mine.length === 0 && <span className="empty">none: create one on the Destinations page</span>}
          {mine.map((d) => (
            <label key={d.did} className="check">
              <input
                type="checkbox"
                checked={dids.includes(d.did)}
                onChange={(e) =>
                  setDids(e.target.checked ? [...dids, d.did] : dids.filter((x) => x !== d.did))
                }
              />
              {d.details.friendlyName ?? d.did}
            </label>
          ))}
        </fieldset>
        <label>
          Delivery
          <select value={type} onChange={(e) => setType(e.target.value as typeof type)}>
            <option>X2Only</option>
            <option>X3Only</option>
            <option>X2andX3</option>
          </select>
        </label>
        <button type="submit">Activate task</button>
      </form>
      <p id="kind-form" className="hint">
        {TARGET_FORMS[kind]?.form}
      </p>
      {msg.ok !== undefined && (
        <p role="status" className="ok">
          {msg.ok}
        </p>
      )}
      <ErrorBox error={msg.error} />
    </section>
  );
}
