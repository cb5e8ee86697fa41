/** The console's shell: login, navigation between pages, the live event stream. */
import { StrictMode, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { call, session, setUnauthorizedHandler } from './api';
import { errorText as errorTextOf } from './ui';
import { subscribeEvents, type LiveEvent } from './events';
import { ErrorBox, LiveContext } from './ui';
import { Overview } from './pages/overview';
import { Tasks } from './pages/tasks';
import { Destinations } from './pages/destinations';
import { Nes } from './pages/nes';
import { Reports } from './pages/reports';
import { Captures } from './pages/captures';
import './style.css';

const PAGES = [
  { path: '/', name: 'Overview', view: Overview },
  { path: '/tasks', name: 'Tasks', view: Tasks },
  { path: '/destinations', name: 'Destinations', view: Destinations },
  { path: '/nes', name: 'NEs', view: Nes },
  { path: '/reports', name: 'Reports', view: Reports },
  { path: '/captures', name: 'Captures', view: Captures },
] as const;

function usePath(): [string, (p: string) => void] {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const back = () => setPath(location.pathname);
    addEventListener('popstate', back);
    return () => removeEventListener('popstate', back);
  }, []);
  return [
    path,
    (p) => {
      history.pushState(null, '', p);
      setPath(p);
    },
  ];
}

function Login({ onIn, notice }: { onIn: (who: string) => void; notice: string | undefined }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    try {
      const who = (await call<{ name: string; role: string }>('GET', '/api/whoami', undefined, token.trim()))
        .data;
      session.set(token.trim());
      onIn(`${who.name} (${who.role})`);
    } catch (e) {
      setError(
        `The ADMF refused this token: ${errorTextOf(e)}. Check the token file (lix lab prints where it is).`,
      );
    }
  };
  return (
    <main className="login">
      <h1>lix console</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          required
        />
        <button type="submit">Log in</button>
        <p className="hint">The token is kept for this tab only (session storage).</p>
        <ErrorBox error={error ?? notice} />
      </form>
    </main>
  );
}

function App() {
  const [who, setWho] = useState<string>();
  const [checked, setChecked] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [path, go] = usePath();
  useEffect(() => {
    setUnauthorizedHandler((m) => {
      session.clear();
      setWho(undefined);
      setNotice(`Logged out: ${m}`);
    });
    const t = session.token();
    if (t === null) return setChecked(true);
    call<{ name: string; role: string }>('GET', '/api/whoami')
      .then(({ data }) => setWho(`${data.name} (${data.role})`))
      .catch(() => session.clear())
      .finally(() => setChecked(true));
  }, []);
  const listeners = useMemo(() => new Set<(e: LiveEvent) => void>(), []);
  useEffect(() => {
    const t = session.token();
    if (who === undefined || t === null) return;
    return subscribeEvents(t, (e) => listeners.forEach((fn) => fn(e)));
  }, [who, listeners]);
  const subscribe = useMemo(
    () => (fn: (e: LiveEvent) => void) => {
      listeners.add(fn);
      return () => void listeners.delete(fn);
    },
    [listeners],
  );
  if (!checked) return null;
  if (who === undefined) return <Login onIn={setWho} notice={notice} />;
  const page = PAGES.find((p) => p.path === path) ?? PAGES[0];
  const View = page.view;
  return (
    <LiveContext.Provider value={subscribe}>
      <header className="top">
        <span className="brand">lix</span>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a
              key={p.path}
              href={p.path}
              aria-current={p === page ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                go(p.path);
              }}
            >
              {p.name}
            </a>
          ))}
        </nav>
        <span className="who">
          {who}{' '}
          <button
            type="button"
            onClick={() => {
              session.clear();
              setNotice(undefined);
              setWho(undefined);
            }}
          >
            Log out
          </button>
        </span>
      </header>
      <main>
        <h1>{page.name}</h1>
        <View />
      </main>
    </LiveContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
