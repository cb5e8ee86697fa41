/**
 * Server-Sent Events of new messages of an XID: each open stream polls the XID's index every `pollMs` (the
 * collector writes its files every 200 ms) and sends every message after the last one it sent as an event
 * `message` whose id is the message id (a client that reconnects with Last-Event-ID resumes there). A new
 * stream starts after the last message captured so far. Comment lines keep idle connections open.
 */
import type { FastifyReply } from 'fastify';
import { parseMessageId, type CaptureCatalog, type Position } from '../../collector/capture-catalog.js';
import { pageOf, PAGE_LIMITS } from './pages.js';

export interface StreamOptions {
  readonly pollMs: number;
  readonly maxStreams: number;
  readonly keepAliveMs: number;
}

export class EventStreams {
  readonly #open = new Set<() => void>();

  constructor(
    private readonly catalog: CaptureCatalog,
    private readonly o: StreamOptions,
  ) {}

  /** True while another stream may open. */
  room(): boolean {
    return this.#open.size < this.o.maxStreams;
  }

  /** Takes over the reply and streams the XID's new messages until the client goes. */
  async open(xid: string, reply: FastifyReply, lastEventId?: string): Promise<void> {
    let pos: Position = (lastEventId !== undefined && parseMessageId(lastEventId)) || (await this.#end(xid));
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(': lix collector stream\n\n');
    let busy = false;
    let quiet = 0;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        const files = await this.catalog.files(xid);
        const page = await pageOf(files, { limit: PAGE_LIMITS.maxLimit, after: pos });
        for (const m of page.messages)
          res.write(`event: message\nid: ${m.id}\ndata: ${JSON.stringify(m)}\n\n`);
        const last = page.messages[page.messages.length - 1];
        if (last) pos = parseMessageId(last.id)!;
        quiet = last ? 0 : quiet + this.o.pollMs;
        if (quiet >= this.o.keepAliveMs) {
          res.write(': keep-alive\n\n');
          quiet = 0;
        }
      } catch {
        res.write(': capture read failed; retrying\n\n');
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void tick(), this.o.pollMs);
    const stop = () => {
      clearInterval(timer);
      this.#open.delete(stop);
      res.end();
    };
    this.#open.add(stop);
    res.on('close', stop);
  }

  /** Closes every stream (the server is closing). */
  close(): void {
    for (const stop of [...this.#open]) stop();
  }

  /** The position after the last message captured so far (from the start when there is none). */
  async #end(xid: string): Promise<Position> {
    const files = await this.catalog.files(xid);
    for (let i = files.length - 1; i >= 0; i--) {
      const f = files[i]!;
      if (f.index.count > 0) return { n: f.n, offset: f.index.entry(f.index.count - 1).offset };
    }
    return { n: 0, offset: -1 };
  }
}
