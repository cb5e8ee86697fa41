// The OpenAPI document a running ADMF serves: the default `@redocly/cli lint` finds no error in it; every
// operation has a unique operationId, tags and a JSON schema for each 2xx answer (routes added later without
// them fail here); and the answers the API really gives match the schemas it publishes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryAdmf, neWithDestination, type MemoryAdmf } from '../support/admf-memory.js';
import { REPO_ROOT } from '../support/shared.js';

type Schema = Record<string, unknown>;
interface Doc {
  servers?: { url: string }[];
  info: { license?: { name: string } };
  tags?: { name: string }[];
  components: { schemas: Record<string, Schema> };
  paths: Record<string, Record<string, Operation>>;
}
interface Operation {
  operationId?: string;
  tags?: string[];
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

const REDOCLY = join(REPO_ROOT, 'node_modules/@redocly/cli/bin/cli.js');

/** The document as served over HTTP by an ADMF API listening on loopback. */
async function servedDocument(m: MemoryAdmf): Promise<Doc> {
  await m.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = m.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const res = await fetch(`http://127.0.0.1:${port}/openapi.json`);
  assert.equal(res.status, 200);
  return (await res.json()) as Doc;
}

function operations(doc: Doc): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]),
  );
}

/** Problems of `value` against `schema` (types, required keys, enums, ISO times; $ref into components). */
function mismatches(doc: Doc, schema: Schema, value: unknown, at = '$'): string[] {
  const ref = schema.$ref as string | undefined;
  if (ref) return mismatches(doc, doc.components.schemas[ref.split('/').at(-1)!]!, value, at);
  const type = schema.type as string | undefined;
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  const fits =
    type === undefined ||
    (type === 'integer'
      ? Number.isInteger(value)
      : type === 'number'
        ? actual === 'number'
        : actual === type);
  if (!fits) return [`${at}: ${JSON.stringify(value)} is not ${type}`];
  const out: string[] = [];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    out.push(`${at}: ${JSON.stringify(value)} not in ${schema.enum.join(', ')}`);
  if (schema.format === 'date-time' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(String(value)))
    out.push(`${at}: ${JSON.stringify(value)} is not an ISO 8601 time`);
  if (type === 'array' && schema.items)
    (value as unknown[]).forEach((v, i) =>
      out.push(...mismatches(doc, schema.items as Schema, v, `${at}[${i}]`)),
    );
  if (type === 'object') {
    const o = value as Record<string, unknown>;
    for (const k of (schema.required as string[] | undefined) ?? [])
      if (!(k in o)) out.push(`${at}.${k}: required, absent`);
    for (const [k, s] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {}))
      if (o[k] !== undefined) out.push(...mismatches(doc, s, o[k], `${at}.${k}`));
  }
  return out;
}

test('OpenAPI: the served document passes the default redocly lint with no error', async () => {
  assert.ok(existsSync(REDOCLY), `${REDOCLY} is missing: run npm ci (@redocly/cli is a devDependency)`);
  const m = await memoryAdmf();
  const dir = mkdtempSync(join(tmpdir(), 'lix-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(await servedDocument(m)));
    const r = spawnSync(process.execPath, [REDOCLY, 'lint', '--format=json', file], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    const report = JSON.parse(r.stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; severity: string; message: string }[];
    };
    const errors = report.problems.filter((p) => p.severity === 'error');
    assert.equal(report.totals.errors, 0, errors.map((p) => `${p.ruleId}: ${p.message}`).join('\n'));
    assert.equal(r.status, 0, r.stderr);
  } finally {
    await m.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OpenAPI: every operation has a unique operationId, tags, and a schema for each 2xx', async () => {
  const m = await memoryAdmf();
  try {
    const doc = await servedDocument(m);
    assert.equal(doc.info.license?.name, 'MIT');
    assert.ok(doc.servers && doc.servers.length > 0, 'servers');
    const tags = new Set(doc.tags?.map((t) => t.name));
    const ids = new Map<string, string>();
    for (const [name, op] of operations(doc)) {
      assert.match(op.operationId ?? '', /^[a-z][A-Za-z0-9]+$/, `${name}: operationId (camelCase)`);
      assert.equal(ids.get(op.operationId!), undefined, `${name}: operationId ${op.operationId} used twice`);
      ids.set(op.operationId!, name);
      assert.ok(op.tags && op.tags.length > 0, `${name}: tags`);
      for (const t of op.tags) assert.ok(tags.has(t), `${name}: tag ${t} listed in the document's tags`);
      const ok = Object.entries(op.responses).filter(([code]) => /^2\d\d$/.test(code));
      assert.ok(ok.length > 0, `${name}: a 2xx answer`);
      for (const [code, res] of ok) {
        if (code === '204') continue;
        // JSON, or the media type of a streamed answer (a collector's events, a PCAPng download).
        const schema = Object.values(res.content ?? {})[0]?.schema;
        assert.ok(schema && Object.keys(schema).length > 0, `${name} ${code}: a response schema, not {}`);
      }
    }
  } finally {
    await m.close();
  }
});

test('OpenAPI: the answers of the API match the schemas it publishes', async () => {
  const m = await memoryAdmf();
  try {
    const doc = (await m.call('GET', '/openapi.json')).json as Doc;
    const did = await neWithDestination(m);
    const task = await m.call('POST', '/api/tasks', {
      ne: 'ne-1',
      targets: [{ kind: 'sipUri', value: 'sip:alice@example.net' }],
      dids: [did],
    });
    assert.equal(task.status, 201, JSON.stringify(task.json));
    const xid = (task.json as { xid: string }).xid;
    const calls: [string, string, string][] = [
      ['GET', '/api/nes', '/api/nes'],
      ['GET', '/api/nes/ne-1', '/api/nes/{id}'],
      ['GET', '/api/nes/ne-1/status', '/api/nes/{id}/status'],
      ['POST', '/api/nes/ne-1/ping', '/api/nes/{id}/ping'],
      ['POST', '/api/nes/ne-1/reconcile', '/api/nes/{id}/reconcile'],
      ['GET', '/api/nes/ne-1/drift', '/api/nes/{id}/drift'],
      ['POST', '/api/nes/ne-1/heal', '/api/nes/{id}/heal'],
      ['GET', '/api/destinations', '/api/destinations'],
      ['GET', '/api/nes/ne-1/destinations', '/api/nes/{id}/destinations'],
      ['GET', `/api/nes/ne-1/destinations/${did}`, '/api/nes/{id}/destinations/{did}'],
      ['GET', '/api/tasks', '/api/tasks'],
      ['GET', `/api/tasks/${xid}`, '/api/tasks/{xid}'],
      ['GET', `/api/tasks/${xid}/status`, '/api/tasks/{xid}/status'],
      ['GET', '/api/reports', '/api/reports'],
      ['GET', '/api/audit', '/api/audit'],
      ['GET', '/api/health', '/api/health'],
      ['DELETE', `/api/tasks/${xid}`, '/api/tasks/{xid}'],
    ];
    for (const [method, url, path] of calls) {
      const r = await m.call(method as 'GET', url);
      const op = doc.paths[path]![method.toLowerCase()]!;
      const schema = op.responses[String(r.status)]?.content?.['application/json']?.schema;
      assert.ok(schema, `${method} ${url}: answered ${r.status}, which the document does not list`);
      assert.deepEqual(mismatches(doc, schema, r.json), [], `${method} ${url}`);
    }
  } finally {
    await m.close();
  }
});
