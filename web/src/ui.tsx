/** Small shared pieces of the console: times, states, the live-reload hook. */
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { LiveEvent } from './events';

/** A time in the browser's zone, with the UTC form on hover. */
export function Time({ iso }: { iso: string | undefined }) {
  if (iso === undefined) return <span>—</span>;
  const d = new Date(iso);
  return (
    <time dateTime={iso} title={`${d.toISOString().replace('T', ' ').replace('Z', ' UTC')}`}>
      {d.toLocaleString()}
    </time>
  );
}

export function ErrorBox({ error }: { error: string | undefined }) {
  return error === undefined ? null : (
    <p role="alert" className="error">
      {error}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** Live events of the ADMF, shared by the pages (main.tsx provides them). */
export const LiveContext = createContext<(fn: (e: LiveEvent) => void) => () => void>(() => () => undefined);

/**
 * Loads with `load` now and again (debounced) whenever a live event `matches`; returns the data, the error
 * message, and a reload function.
 */
export function useLive<T>(load: () => Promise<T>, matches: (e: LiveEvent) => boolean) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => {
    loadRef.current().then(
      (d) => {
        setData(d);
        setError(undefined);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);
  const subscribe = useContext(LiveContext);
  const matchRef = useRef(matches);
  matchRef.current = matches;
  useEffect(() => {
    reload();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = subscribe((e) => {
      if (!matchRef.current(e)) return;
      clearTimeout(timer);
      timer = setTimeout(reload, 250);
    });
    return () => {
      clearTimeout(timer);
      off();
    };
  }, [reload, subscribe]);
  return { data, error, reload };
}

export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
