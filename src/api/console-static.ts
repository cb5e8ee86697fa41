/**
 * The operator console's static files (built by `npm run build` from web/ into dist/console) served under
 * `/` of the REST address: hashed assets cached for a year, `index.html` never cached, and any other path
 * without a file extension answered with `index.html` (the console's own client-side routes). Paths under
 * `/api` are never the console's: an unknown one stays a JSON 404.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where the build puts the console, from src/api (tsx) and from dist/api alike. */
export const CONSOLE_DIR = resolve(import.meta.dirname, '..', '..', 'dist', 'console');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

const NOT_BUILT =
  '<!doctype html><html lang="en"><title>lix console</title><body><main><h1>The console is not built</h1>' +
  '<p>Run <code>npm run build</code> in the lix checkout, then reload this page.</p></main></body></html>';

async function fileIn(dir: string, urlPath: string): Promise<string | undefined> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (rel.includes('\0')) return undefined;
  const full = normalize(join(dir, rel));
  if (full !== dir && !full.startsWith(dir + sep)) return undefined;
  const s = await stat(full).catch(() => undefined);
  return s?.isFile() ? full : undefined;
}

async function sendFile(reply: FastifyReply, file: string, cache: string) {
  const body = await readFile(file);
  return reply
    .header('content-type', TYPES[extname(file)] ?? 'application/octet-stream')
    .header('cache-control', cache)
    .header('x-content-type-options', 'nosniff')
    .send(body);
}

/** Adds the console's routes (`GET /` and `GET /*`) to the app; `dir` is the built console. */
export function registerConsole(app: FastifyInstance, dir: string = CONSOLE_DIR): void {
  const index = join(dir, 'index.html');
  const handler = async (req: { url: string }, reply: FastifyReply) => {
    const path = req.url.split('?')[0] ?? '/';
    if (path === '/api' || path.startsWith('/api/'))
      return reply.code(404).send({ error: 'not-found', message: `no route GET ${path}` });
    const file = path === '/' ? undefined : await fileIn(dir, path);
    if (file !== undefined) {
      const immutable = path.startsWith('/assets/');
      return sendFile(reply, file, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    if (extname(path) !== '') return reply.code(404).send({ error: 'not-found', message: `no file ${path}` });
    if (!(await fileIn(dir, '/index.html')))
      return reply.code(503).header('content-type', 'text/html; charset=utf-8').send(NOT_BUILT);
    return sendFile(reply, index, 'no-cache');
  };
  app.get('/', handler);
  app.get('/*', handler);
}
