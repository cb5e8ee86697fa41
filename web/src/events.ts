/**
 * Reads the ADMF's `GET /api/events` stream with fetch (EventSource cannot send the bearer token) and calls
 * `on` for each event; reconnects after a pause when the stream ends. Returns the function that stops it.
 */
export interface LiveEvent {
  readonly type: 'ne' | 'task' | 'report' | 'audit';
  readonly neId?: string;
  readonly xid?: string;
}

export function subscribeEvents(token: string, on: (e: LiveEvent) => void): () => void {
  return subscribeStream<LiveEvent>('/api/events', token, on);
}

/** Any of the ADMF's event streams (`path`), each `data:` line parsed as JSON. */
export function subscribeStream<T>(path: string, token: string, on: (e: T) => void): () => void {
  const ctl = new AbortController();
  const run = async () => {
    while (!ctl.signal.aborted) {
      try {
        const res = await fetch(path, {
          headers: { authorization: `Bearer ${token}` },
          signal: ctl.signal,
        });
        if (!res.ok || !res.body) throw new Error(String(res.status));
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let end: number;
          while ((end = buf.indexOf('\n\n')) !== -1) {
            const frame = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const data = frame
              .split('\n')
              .filter((l) => l.startsWith('data: '))
              .map((l) => l.slice(6))
              .join('\n');
            if (data !== '') on(JSON.parse(data) as T);
          }
        }
      } catch {
        // aborted, or the ADMF went away: try again shortly
      }
      if (!ctl.signal.aborted) await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void run();
  return () => ctl.abort();
}
