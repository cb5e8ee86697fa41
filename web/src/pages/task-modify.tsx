/**
 * Modify a task (PUT /api/tasks/{xid}: targets, destinations and delivery type replaced as a whole), its
 * first target checked with the project's target forms before sending.
 */
import { useState } from 'react';
import { checkTargetValue } from '../../../src/x1/target-forms';
import { call, type Body, type Task } from '../api';
import { ErrorBox, errorText } from '../ui';

type Delivery = 'X2Only' | 'X3Only' | 'X2andX3';

interface Details {
  targetIdentifiers?: { kind: string; value: unknown }[];
  listOfDIDs?: { dIds: string[] };
  deliveryType?: Delivery;
}

export function TaskModify({ task, onDone }: { task: Task; onDone: (t: Task) => void }) {
  const d = task.details as Details;
  const first = d.targetIdentifiers?.[0];
  const [value, setValue] = useState(typeof first?.value === 'string' ? first.value : '');
  const [type, setType] = useState<Delivery>(d.deliveryType ?? 'X2Only');
  const [error, setError] = useState<string>();
  const kind = first?.kind ?? '';
  const submit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    const why = checkTargetValue(kind, value);
    if (why !== undefined) return setError(`Not sent: ${why}.`);
    const body: Body<'/api/tasks/{xid}', 'put'> = {
      targets: [{ kind, value: value.trim() }, ...(d.targetIdentifiers ?? []).slice(1)],
      dids: d.listOfDIDs?.dIds ?? [],
      deliveryType: type,
    };
    try {
      const t = (await call<Task>('PUT', `/api/tasks/${task.xid}`, body)).data;
      setError(undefined);
      onDone(t);
    } catch (e) {
      setError(`The task was not modified: ${errorText(e)}`);
    }
  };
  if (typeof first?.value !== 'string') return null;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Modify task">
      <label>
        {kind} (modify)
        <input value={value} onChange={(e) => setValue(e.target.value)} />
      </label>
      <label>
        Delivery (modify)
        <select value={type} onChange={(e) => setType(e.target.value as Delivery)}>
          <option>X2Only</option>
          <option>X3Only</option>
          <option>X2andX3</option>
        </select>
      </label>
      <button type="submit">Modify task</button>
      <ErrorBox error={error} />
    </form>
  );
}
