// The lab wires the collector's HTTP API into the ADMF: after the printed example tasks the lab subscriber,
// its intercepted signalling shows up within seconds through the ADMF (`GET /api/collectors/lab/...`), with
// the lab token, as the console's Captures page reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasTool, REPO_ROOT, skipUnless } from '../support/shared.js';
import { CLI_ENTRY } from '../support/cli-entry.js';
import { LAB_FREE_PORTS } from '../support/cli.js';
import { until } from '../support/admf-helpers.js';

test(
  'the lab subscriber’s captures appear through the ADMF within seconds',
  { timeout: 120_000 },
  async (t) => {
    const skip = skipUnless(hasTool('curl'), 'curl');
    if (skip) return t.skip(skip);
    const dir = mkdtempSync(join(tmpdir(), 'lix-lab-captures-'));
    const child = spawn(process.execPath, [...CLI_ENTRY, 'lab', '--data', dir, ...LAB_FREE_PORTS], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Stop with Ctrl-C')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`lix lab exited with ${code}: ${out}`)));
      });
      assert.match(out, /collector API\s+http:\/\/127\.0\.0\.1:\d+\/api\/xids/);
      const api = /ADMF REST API\s+(\S+)\s+\(OpenAPI \S+; token in (\S+)\)/.exec(out);
      assert.ok(api, out);
      const [, base, tokenFile] = api;
      const token = readFileSync(tokenFile!, 'utf8').trim();
      const call = async (path: string) => {
        const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(r.status, 200, `${path}: ${await r.clone().text()}`);
        return r.json() as Promise<Record<string, unknown>>;
      };
      const { collectors } = (await call('/api/collectors')) as {
        collectors: { name: string; reachable: boolean }[];
      };
      assert.deepEqual(
        collectors.map((c) => [c.name, c.reachable]),
        [['lab', true]],
      );
      // The printed X1 examples: a destination to the lab collector and the lab subscriber's tasks.
      const curls = out.split('\n').filter((l) => l.trim().startsWith('curl '));
      for (const c of curls.slice(0, 2)) execSync(c, { encoding: 'utf8' });
      let xids: { xid: string; messages: number }[] = [];
      await until(
        'captures of the lab subscriber through the ADMF',
        async () => {
          xids = ((await call('/api/collectors/lab/xids')) as { xids: typeof xids }).xids;
          return xids.some((x) => x.messages > 0);
        },
        30_000,
      );
      const x = xids.find((v) => v.messages > 0)!;
      const page = (await call(`/api/collectors/lab/xids/${x.xid}/messages?limit=5`)) as {
        messages: { id: string; protocol: string; summary: string }[];
      };
      assert.ok(page.messages.length > 0);
      for (const m of page.messages) {
        assert.ok(['sip', 'diameter', 'gtpv2'].includes(m.protocol));
        assert.ok(m.summary.length > 0);
      }
      const one = (await call(`/api/collectors/lab/xids/${x.xid}/messages/${page.messages[0]!.id}`)) as {
        detail: unknown;
        bytes: string;
      };
      assert.ok(one.detail && one.bytes.length > 0);
    } finally {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
  },
);
