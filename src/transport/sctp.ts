/**
 * SCTP (RFC 9260) for `eep+sctp`, through the userland npm `sctp` stack over raw IPv4 sockets (`raw-socket`):
 * this kernel has no SCTP module (DESIGN.md "STM reports"). Raw sockets need root (or CAP_NET_RAW); where
 * they are refused, {@link loadSctp} throws {@link SctpUnavailableError} saying why. A kernel SCTP module, when
 * loaded, answers our packets with ABORTs: we refuse to run next to it.
 *
 * The `sctp` package keeps one raw socket per process for ever; we stop its receive watcher when no lix
 * endpoint uses it, so that a process that is done with SCTP can exit.
 */
import { LixError } from '../lib/errors.js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIPv4 } from 'node:net';
import type { Duplex } from 'node:stream';
import type { StreamConnection, StreamConnector } from './stm-stream.js';

const require = createRequire(import.meta.url);

/** IANA protocol number of SCTP, and where Linux shows a loaded SCTP module. */
const SCTP_PROTO = 132;
const KERNEL_SCTP = '/proc/net/sctp';
/** The `sctp` package's discard service (RFC 9260 "discard" port 9) which it starts with its transport. */
const DISCARD_PORT = 9;

export class SctpUnavailableError extends LixError<'sctp-unavailable'> {
  constructor(why: string, options?: { readonly cause?: unknown }) {
    super('sctp-unavailable', `SCTP unavailable: ${why}`, options);
  }
}

/** The parts of the `sctp` package we use (it ships no types). */
export interface SctpSocket extends Duplex {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly endpoint?: SctpEndpoint;
}
interface SctpEndpoint {
  readonly localPort: number;
  _cookieInterval?: { unref(): void };
  transport?: { pool: Record<number, SctpEndpoint> };
  close(): void;
}
export interface SctpServer {
  readonly localPort?: number;
  readonly endpoint?: SctpEndpoint;
  on(ev: 'connection', fn: (s: SctpSocket) => void): this;
  on(ev: 'error', fn: (e: Error) => void): this;
  listen(opts: { port: number; host?: string; MIS?: number; OS?: number }, cb: () => void): void;
  close(): void;
}
interface SctpModule {
  connect(opts: { host: string; port: number; ppid?: number }): SctpSocket;
  createServer(opts?: { ppid?: number }): SctpServer;
}
interface RawSocket {
  close(): void;
  pauseRecv(): void;
  resumeRecv(): void;
  on(ev: 'error', fn: (e: Error) => void): void;
}
interface RawModule {
  createSocket(opts: { protocol: number; addressFamily?: number }): RawSocket;
  AddressFamily: { IPv4: number };
}

let loaded: SctpModule | undefined;
const rawSockets: RawSocket[] = [];
let users = 0;

function probeRaw(raw: RawModule): void {
  let s: RawSocket;
  try {
    s = raw.createSocket({ protocol: SCTP_PROTO, addressFamily: raw.AddressFamily.IPv4 });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new SctpUnavailableError(
      `raw IP sockets refused (${msg}); the userland SCTP stack needs root or CAP_NET_RAW`,
    );
  }
  s.on('error', () => undefined);
  s.close();
}

/**
 * Loads the userland SCTP stack after checking that it can run here: the optional addon built, raw sockets
 * allowed, no kernel SCTP, not turned off with `LIX_NO_SCTP=1`. Throws {@link SctpUnavailableError} otherwise.
 */
export function loadSctp(): SctpModule {
  if (process.env.LIX_NO_SCTP === '1') throw new SctpUnavailableError('turned off (LIX_NO_SCTP=1)');
  if (loaded) return loaded;
  if (existsSync(KERNEL_SCTP))
    throw new SctpUnavailableError(
      'the kernel SCTP module is loaded and would abort the userland stack; unload it (modprobe -r sctp)',
    );
  let raw: RawModule;
  try {
    raw = require('raw-socket') as RawModule;
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new SctpUnavailableError(
      `the optional addon raw-socket is not installed or not built for Node ${process.version} (${first}); ` +
        'reinstall lix with a C++ toolchain to use eep+sctp',
      { cause: e },
    );
  }
  probeRaw(raw);
  const create = raw.createSocket.bind(raw);
  raw.createSocket = (opts) => {
    const s = create(opts);
    rawSockets.push(s);
    if (users === 0) s.pauseRecv();
    return s;
  };
  loaded = require('sctp') as SctpModule;
  return loaded;
}

/** Counts an SCTP user: the raw sockets receive while there is at least one. */
function acquire(): void {
  if (users++ === 0) for (const s of rawSockets) s.resumeRecv();
}

function release(): void {
  if (users > 0 && --users === 0) for (const s of rawSockets) s.pauseRecv();
}

/** Lets the package's own timers (cookie key rotation, the discard endpoint) not hold the process open. */
function unrefTimers(ep: SctpEndpoint | undefined): void {
  ep?._cookieInterval?.unref();
  ep?.transport?.pool[DISCARD_PORT]?._cookieInterval?.unref();
}

/** A connector for the stream sender: one SCTP association per connection, one EEP message per DATA. */
export function sctpConnector(host: string, port: number): StreamConnector {
  if (!isIPv4(host)) throw new SctpUnavailableError(`the userland stack speaks IPv4 only, not "${host}"`);
  const sctp = loadSctp();
  return {
    connect(h): StreamConnection {
      acquire();
      const sock = sctp.connect({ host, port });
      let reason = 'association ended';
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        release();
        h.closed(reason);
      };
      sock.on('connect', () => {
        unrefTimers(sock.endpoint);
        h.connected();
      });
      sock.on('drain', () => h.drain());
      sock.on('error', (e?: Error) => (reason = e?.message ?? 'association error'));
      sock.on('data', () => undefined);
      sock.on('end', finish);
      sock.on('close', finish);
      return {
        write: (b) => sock.write(b),
        end: () => (sock.endpoint ? sock.end() : sock.destroy()),
        destroy: () => {
          if (sock.endpoint) sock.destroy();
          finish();
        },
      };
    },
  };
}

/** Starts an SCTP listener; resolves with the bound port. `close()` drops every association. */
export function listenSctp(
  host: string,
  port: number,
  onConnection: (s: SctpSocket) => void,
): Promise<{ port: number; close(): void }> {
  if (!isIPv4(host)) throw new SctpUnavailableError(`the userland stack speaks IPv4 only, not "${host}"`);
  const sctp = loadSctp();
  acquire();
  const server = sctp.createServer();
  server.on('connection', onConnection);
  return new Promise((resolve, reject) => {
    server.on('error', (e) => {
      release();
      reject(e);
    });
    server.listen({ port, host, MIS: 16, OS: 16 }, () => {
      unrefTimers(server.endpoint);
      let open = true;
      resolve({
        port: server.localPort ?? port,
        close() {
          if (!open) return;
          open = false;
          server.close();
          server.endpoint?.close();
          release();
        },
      });
    });
  });
}
