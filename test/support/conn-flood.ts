/**
 * Drivers for the connection-limit tests: idle TCP sockets (Node), TLS ClientHellos followed by silence
 * (Python's ssl module, an independent TLS stack), and a mutual-TLS client bound to a chosen loopback address.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { pino, type Logger } from 'pino';
import type { TlsConfig } from '../../src/transport/tls-options.js';

/** Opens a TCP connection from `localAddress` and sends nothing. */
export async function idleTcp(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  const s = connect({ port, host: '127.0.0.1', localAddress });
  s.on('error', () => undefined);
  await once(s, 'connect');
  return s;
}

/** Resolves when the socket is closed (by either side). */
export function closed(s: Socket): Promise<void> {
  return s.destroyed ? Promise.resolve() : once(s, 'close').then(() => undefined);
}

/** Python: opens n connections, sends a real ClientHello on each, then silence; answers `check`/`wait`. */
const HELLOS = String.raw`
import json, select, socket, ssl, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
socks = []
for i in range(n):
    s = socket.create_connection(('127.0.0.1', port))
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_side=False)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    try:
        s.sendall(out.read())
    except OSError:
        pass
    socks.append(s)
print('ready', flush=True)
def gone(s, timeout):
    try:
        r, _, _ = select.select([s], [], [], timeout)
        if not r:
            return False
        # The server's first flight (a refusal closes instead) is read and ignored until EOF.
        while True:
            d = s.recv(65536)
            if not d:
                return True
            r, _, _ = select.select([s], [], [], timeout)
            if not r:
                return False
    except OSError:
        return True
for line in sys.stdin:
    cmd = line.strip()
    if cmd == 'exit':
        break
    timeout = 0.05 if cmd == 'check' else 30
    print(json.dumps({'closed': sum(1 for s in socks if gone(s, timeout)), 'of': n}), flush=True)
`;

export interface PythonHellos {
  /** How many of the connections the server has closed so far (`check`) or within 30 s (`wait`). */
  ask(cmd: 'check' | 'wait'): Promise<{ closed: number; of: number }>;
  stop(): Promise<void>;
}

export async function pythonHellos(port: number, n: number): Promise<PythonHellos> {
  const p = spawn('python3', ['-c', HELLOS, String(port), String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: p.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error('python hello driver ended early');
    return r.value;
  };
  if ((await next()) !== 'ready') throw new Error('python hello driver did not start');
  return {
    async ask(cmd) {
      p.stdin.write(`${cmd}\n`);
      return JSON.parse(await next()) as { closed: number; of: number };
    },
    async stop() {
      p.stdin.end('exit\n');
      if (p.exitCode === null) await once(p, 'exit');
    },
  };
}

/** Options of a mutual-TLS client with the given identity, from `localAddress`. */
export function clientTls(
  t: TlsConfig,
  localAddress: string,
): { cert: Buffer; key: Buffer; ca: Buffer; localAddress: string; checkServerIdentity: () => undefined } {
  return {
    cert: readFileSync(t.certFile),
    key: readFileSync(t.keyFile),
    ca: readFileSync(t.caFile),
    localAddress,
    checkServerIdentity: () => undefined,
  };
}

/** POSTs one X1-like body; resolves the status and the socket it went over. */
export function post(
  port: number,
  path: string,
  opts: https.RequestOptions,
): Promise<{ status: number; socket: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'Content-Type': 'application/xml' },
        ...opts,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, socket: req.socket }));
      },
    );
    req.on('error', reject);
    req.end('<ping/>');
  });
}

/** A logger that keeps every line as an object. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

/** Polls `cond` (event-driven state, not time) with a generous bound so a bug fails instead of hanging. */
export async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
