/**
 * `GET /api/events`: the ADMF's live events (src/admf/events.ts) as Server-Sent Events, one `data:` line of
 * JSON per event with the event type as its `event:` name, and a comment line every 15 s so that proxies
 * and the reader notice a dead stream. The console reads it with fetch (EventSource cannot send a bearer
 * token).
 */
import type { ServerResponse } from 'node:http';
import type { AdmfEvent, AdmfEvents } from '../admf/events.js';
import type { ApiContext, RouteDef } from './routes.js';

/** How often a comment line keeps the stream alive (ms). */
export const EVENT_HEARTBEAT_MS = 15_000;

/** A handler's answer that asks the app to hold the response open as an event stream. */
export class EventStream {
  constructor(readonly events: AdmfEvents) {}
}

/** One event in the text/event-stream format (WHATWG HTML §9.2). */
export function sseFrame(e: AdmfEvent): string {
  return `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/**
 * Streams events to `res` until the client goes or `stop` is called; returns `stop`. The first line is a
 * comment so that the client sees the stream open at once.
 */
export function pipeEvents(events: AdmfEvents, res: ServerResponse): () => void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  res.write(': lix admf events\n\n');
  const unsubscribe = events.subscribe((e) => {
    res.write(sseFrame(e));
  });
  const beat = setInterval(() => res.write(': keepalive\n\n'), EVENT_HEARTBEAT_MS);
  let done = false;
  const stop = () => {
    if (done) return;
    done = true;
    clearInterval(beat);
    unsubscribe();
    res.end();
  };
  res.once('close', stop);
  return stop;
}

export function eventRoutes(ctx: ApiContext): RouteDef[] {
  return [
    {
      method: 'GET',
      url: '/api/events',
      operationId: 'streamEvents',
      tag: 'Records',
      responseType: 'text/event-stream',
      response: {
        type: 'string',
        description:
          'Server-Sent Events: `event:` ne | task | report | audit, `data:` the event as JSON ' +
          '(ne: neId, reachable; task: xid, neId, state; report: neId, xid, reportType; audit: neId, action, outcome)',
      },
      summary: 'live events: NE exchanges, task state moves, NE reports and audit rows, as they happen',
      handler: async () => new EventStream(ctx.admf.events),
    },
  ];
}
