/**
 * What happens at the ADMF, as it happens, for live views (the console's `GET /api/events` stream): an NE's
 * link or keepalive answered or failed, a task moved state, an NE report arrived, an audit row committed.
 * Listeners are called synchronously and must not throw (a throwing listener is dropped).
 */

/** One thing that happened; each names what to re-read (the REST API has the full records). */
export type AdmfEvent =
  | { readonly type: 'ne'; readonly neId: string; readonly reachable: boolean | undefined }
  | { readonly type: 'task'; readonly xid: string; readonly neId: string; readonly state: string }
  | { readonly type: 'report'; readonly neId: string; readonly xid?: string; readonly reportType: string }
  | { readonly type: 'audit'; readonly neId?: string; readonly action: string; readonly outcome: string };

export type AdmfEventListener = (e: AdmfEvent) => void;

/** A small fan-out of {@link AdmfEvent}s. */
export class AdmfEvents {
  private readonly listeners = new Set<AdmfEventListener>();

  /** Adds a listener; returns the function that removes it. */
  subscribe(fn: AdmfEventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get size(): number {
    return this.listeners.size;
  }

  emit(e: AdmfEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        this.listeners.delete(fn);
      }
    }
  }
}
