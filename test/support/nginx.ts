/**
 * Debian's nginx as a third-party TLS front end for tests: mutual TLS (`ssl_verify_client on`) with its default
 * session handling (TLS 1.3 session tickets on), proxying plain HTTP to a server of the test's. Runs as a child
 * in the foreground with every path in a temp dir; ports on 127.0.0.1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((p) => existsSync(p));

/** Why nginx cannot run here, or undefined. */
export function nginxUnavailable(): string | undefined {
  if (!NGINX) return 'nginx is not installed (Debian package nginx-light)';
  const r = spawnSync(NGINX, ['-v'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `nginx -v failed: ${r.stderr}`;
}

export interface NginxSite {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA that issues the client certificates nginx accepts. */
  readonly caFile: string;
  /** Plain HTTP port on 127.0.0.1 that nginx proxies to. */
  readonly upstreamPort: number;
}

export interface RunningNginx {
  /** One https://127.0.0.1:PORT base URL per site, in order. */
  readonly urls: string[];
  /** nginx's error log so far. */
  errorLog(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/**
 * Starts nginx with one TLS server per site. `keepaliveTimeoutS` is how long nginx keeps an idle client
 * connection: after it a client must connect again, and a client that kept the session ticket resumes.
 */
export async function startNginx(sites: readonly NginxSite[], keepaliveTimeoutS = 1): Promise<RunningNginx> {
  if (!NGINX) throw new Error('nginx is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'lix-nginx-'));
  for (const d of ['client', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const ports: number[] = [];
  for (let i = 0; i < sites.length; i++) ports.push(await freePort());
  const servers = sites.map(
    (s, i) => `
    server {
      listen 127.0.0.1:${ports[i]} ssl;
      ssl_certificate ${s.certFile};
      ssl_certificate_key ${s.keyFile};
      ssl_client_certificate ${s.caFile};
      ssl_verify_client on;
      ssl_protocols TLSv1.2 TLSv1.3;
      keepalive_timeout ${keepaliveTimeoutS}s;
      location / {
        proxy_pass http://127.0.0.1:${s.upstreamPort};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
      }
    }`,
  );
  const root = process.getuid?.() === 0;
  const conf = `${root ? 'user root;\n' : ''}daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} info;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'client')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
${servers.join('\n')}
}
`;
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, conf);
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', confFile, '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}${errorLog()}`);
    const up = await Promise.all(ports.map(accepts));
    if (up.every(Boolean)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen within 10 s: ${stderr}${errorLog()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    urls: ports.map((p) => `https://127.0.0.1:${p}`),
    errorLog,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
