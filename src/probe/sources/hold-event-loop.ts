/**
 * Holds the event loop open while a source runs (nothing to do with TCP or X1 keepalives). The injected clock's timers do not hold the event loop
 * (`systemClock` unrefs them, so that a forgotten timer never blocks exit), and a replay waiting for its
 * next frame has nothing else pending: without this, `lix` replaying a file alone would exit mid-replay.
 */
const KEEP_ALIVE_PERIOD_MS = 60 * 60 * 1000;

/** Holds the event loop open until the returned function is called. */
export function holdEventLoop(): () => void {
  const handle = setInterval(() => undefined, KEEP_ALIVE_PERIOD_MS);
  return () => clearInterval(handle);
}
