/**
 * Captures: a task's intercepted messages as a collector stored them (through the ADMF's collector routes):
 * time, source → destination, protocol, summary; SIP dialogs as ladder diagrams per Call-ID; the full message
 * on click (SIP text, Diameter/GTPv2-C fields); the XID's PCAPng download. New messages arrive live.
 */
import { useEffect, useMemo, useState } from 'react';
import {
  ApiError,
  call,
  get,
  getAll,
  session,
  type Captured,
  type CapturedXid,
  type Collector,
  type Summary,
  type Task,
} from '../api';
import { subscribeStream } from '../events';
import { Empty, ErrorBox, Time, errorText } from '../ui';
import { Ladder } from './ladder';
import { targetsOf } from './tasks';

const enc = encodeURIComponent;

function MessageView({ base, id }: { base: string; id: string }) {
  const [m, setM] = useState<Captured>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    get<Captured>(`${base}/messages/${enc(id)}`).then(setM, (e: unknown) => setError(errorText(e)));
  }, [base, id]);
  const detail = m?.detail as
    | { kind: 'text'; text: string }
    | { kind: 'fields'; fields: { name: string; value: string }[] }
    | undefined;
  return (
    <section className="panel" aria-labelledby="msg-title">
      <h2 id="msg-title">Message {m ? `${m.src} → ${m.dst}` : id}</h2>
      <ErrorBox error={error} />
      {m && (
        <p>
          <Time iso={m.time} /> · {m.protocol} · {m.summary}
        </p>
      )}
      {detail?.kind === 'text' && <pre data-testid="message-text">{detail.text}</pre>}
      {detail?.kind === 'fields' && (
        <table aria-label="Message fields">
          <tbody>
            {detail.fields.map((f, i) => (
              <tr key={i}>
                <th scope="row">{f.name}</th>
                <td>{f.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

async function download(base: string, xid: string): Promise<void> {
  const res = await fetch(`${base}/pcapng`, {
    headers: { authorization: `Bearer ${session.token() ?? ''}` },
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    throw new ApiError(res.status, body.message ?? `${res.status}`);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `${xid}.pcapng`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function Captures() {
  const [collectors, setCollectors] = useState<Collector[]>();
  const [tasks, setTasks] = useState<Task[]>([]);
  const [collector, setCollector] = useState('');
  const [xid, setXid] = useState('');
  const [messages, setMessages] = useState<Summary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [state, setState] = useState<string>();
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<string>();
  useEffect(() => {
    get<{ collectors: Collector[] }>('/api/collectors').then(
      (c) => {
        setCollectors(c.collectors);
        setCollector((x) => x || c.collectors[0]?.name || '');
      },
      (e: unknown) => setError(errorText(e)),
    );
    getAll<Task>('/api/tasks?limit=10000').then(setTasks, (e: unknown) => setError(errorText(e)));
  }, []);
  const base = `/api/collectors/${enc(collector)}/xids/${enc(xid)}`;
  useEffect(() => {
    if (collector === '' || xid === '') return;
    setMessages([]);
    setOpen(undefined);
    setState('Loading…');
    let stop = () => undefined as void;
    const none = 'No captures for this XID yet: they appear here as the collector receives them.';
    // Asking the XID list first spares a 404 (and the browser's console error) for an XID not captured yet.
    get<{ xids: CapturedXid[] }>(`/api/collectors/${enc(collector)}/xids`)
      .then(async ({ xids }) => {
        if (!xids.some((x) => x.xid === xid)) return setState(none);
        const { data } = await call<{ messages: Summary[]; next: string | null }>(
          'GET',
          `${base}/messages?limit=1000`,
        );
        setMessages(data.messages);
        setNext(data.next);
        setState(undefined);
      })
      .catch((e: unknown) =>
        setState(
          e instanceof ApiError && e.status === 404
            ? none
            : `The messages could not be read: ${errorText(e)}`,
        ),
      )
      .finally(() => {
        stop = subscribeStream<Summary>(`${base}/stream`, session.token() ?? '', (m) => {
          setState(undefined);
          setMessages((ms) => (ms.some((x) => x.id === m.id) ? ms : [...ms, m]));
        });
      });
    return () => stop();
  }, [base, collector, xid]);
  const more = async () => {
    if (next === null) return;
    const { data } = await call<{ messages: Summary[]; next: string | null }>(
      'GET',
      `${base}/messages?limit=1000&after=${enc(next)}`,
    );
    setMessages((ms) => [...ms, ...data.messages]);
    setNext(data.next);
  };
  const calls = useMemo(() => {
    const by = new Map<string, Summary[]>();
    for (const m of messages)
      if (m.protocol === 'sip' && m.callId !== undefined) by.set(m.callId, [...(by.get(m.callId) ?? []), m]);
    return [...by];
  }, [messages]);
  return (
    <>
      <ErrorBox error={error} />
      {collectors?.length === 0 && (
        <Empty>No collector is configured: start the ADMF with --collector NAME=URL (docs/console.md).</Empty>
      )}
      <form onSubmit={(e) => e.preventDefault()}>
        <label>
          Collector
          <select value={collector} onChange={(e) => setCollector(e.target.value)}>
            {collectors?.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
                {c.reachable ? '' : ` (unreachable: ${c.error ?? ''})`}
              </option>
            ))}
          </select>
        </label>
        <label>
          Task
          <select value={xid} onChange={(e) => setXid(e.target.value)}>
            <option value="">choose a task…</option>
            {tasks.map((t) => (
              <option key={t.xid} value={t.xid}>
                {t.xid} {targetsOf(t)} ({t.state})
              </option>
            ))}
          </select>
        </label>
        {xid !== '' && (
          <button
            type="button"
            onClick={() => download(base, xid).catch((e: unknown) => setError(errorText(e)))}
          >
            Download PCAPng
          </button>
        )}
      </form>
      {xid === '' && <Empty>Choose a task to see what the collector received for it.</Empty>}
      {state !== undefined && <p role="status">{state}</p>}
      {calls.length > 0 && <h2>SIP calls</h2>}
      {calls.map(([callId, ms]) => (
        <Ladder key={callId} callId={callId} messages={ms} onOpen={(m) => setOpen(m.id)} />
      ))}
      {open !== undefined && <MessageView key={open} base={base} id={open} />}
      {messages.length > 0 && (
        <>
          <h2>All messages ({messages.length})</h2>
          <div className="scroll">
            <table aria-label="Captured messages">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Source → destination</th>
                  <th>Protocol</th>
                  <th>Summary</th>
                </tr>
              </thead>
              <tbody>
                {messages.slice(0, 500).map((m) => (
                  <tr key={m.id}>
                    <td>
                      <Time iso={m.time} />
                    </td>
                    <td>
                      {m.src} → {m.dst}
                    </td>
                    <td>{m.protocol}</td>
                    <td>
                      <button type="button" className="link" onClick={() => setOpen(m.id)}>
                        {m.summary}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {next !== null && (
            <button type="button" onClick={() => void more().catch((e: unknown) => setError(errorText(e)))}>
              Load more
            </button>
          )}
        </>
      )}
    </>
  );
}
