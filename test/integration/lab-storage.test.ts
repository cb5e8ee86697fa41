// The case inside `lix lab`: the captures disk fills up while the lab runs. The lab stays
// up (the ADMF and the NE answer), the collector's /healthz says the storage fails, the NE reports the
// destination fault to the ADMF; when the directory is writable again the fault clears and capture resumes.
// On a real tmpfs mount (root), skipped with a reason only outside CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../support/admf-helpers.js';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';
import { uuid } from '../support/x1-builders.js';
import { CLI_ENTRY } from '../support/cli-entry.js';
import { mountTmpfs, tmpfsSkip, unmount } from '../support/tmpfs.js';

const skip = tmpfsSkip();

/** Fills the file system of `path` to the last page (a remount read-only is refused while files are open). */
function fill(path: string): void {
  for (let s = 8 << 20; s > 0; s -= 4096) {
    try {
      writeFileSync(path, Buffer.alloc(s));
      break;
    } catch {
      // Too large: a little less.
    }
  }
  for (;;) {
    try {
      appendFileSync(path, Buffer.alloc(256));
    } catch {
      return;
    }
  }
}

test(
  'lix lab: a full captures disk is a destination fault reported to the ADMF; the lab stays up and recovers',
  { skip, timeout: 180_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lix-lab-storage-'));
    const captures = join(dir, 'captures');
    assert.ok(mountTmpfs(captures, 'size=8m'));
    const child = spawn(
      process.execPath,
      [
        ...CLI_ENTRY,
        'lab',
        '--data',
        dir,
        '--traffic',
        'synthetic:100?subscribers=1',
        ...['--ne-port', '0', '--collector-port', '0', '--admf-port', '0', '--api-port', '0'],
        ...['--collector-api-port', '0'],
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LIX_LOG_LEVEL: 'warn' } },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Stop with Ctrl-C')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`lix lab exited with ${code}: ${out}${err}`)));
      });
      const api = /export LIX_ADMF_API=(\S+) LIX_ADMF_TOKEN_FILE=(\S+)/.exec(out)!;
      const env = { LIX_ADMF_API: api[1]!, LIX_ADMF_TOKEN_FILE: api[2]! };
      const token = readFileSync(api[2]!, 'utf8').trim();
      const collectorUri = /collector\s+(eep\+udp:\/\/\S+)/.exec(out)![1]!;
      const metrics = /NE (\S+)\/metrics\s+ADMF (\S+)\/metrics\s+collector (\S+)\/metrics/.exec(out)!;
      const health = async (base: string) => (await fetch(`${base}/healthz`)).status;
      const did = uuid();
      const xid = uuid();
      const imsi = /IMSI (\d+)/.exec(out)![1]!;
      for (const args of [
        ['admf', 'destination', 'create', '--ne', 'ne-1', '--did', did, '--uri', collectorUri],
        ['admf', 'task', 'activate', '--ne', 'ne-1', '--xid', xid, '--target', `imsi=${imsi}`, '--did', did],
      ]) {
        const r = runCli(args, { env });
        assert.equal(r.status, 0, r.stderr);
      }
      const captured = () =>
        readdirSync(captures)
          .filter((f) => f.startsWith(xid))
          .reduce((n, f) => n + statSync(join(captures, f)).size, 0);
      await until('capture starts', () => captured() > 1000, 60_000);
      const reports = async (type: string) => {
        const res = await fetch(`${api[1]}/api/reports`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as unknown;
        const rows = (Array.isArray(body) ? body : ((body as { items?: unknown[] }).items ?? [])) as {
          did?: string;
          kind?: string;
          reportType?: string;
        }[];
        return rows.filter(
          (r) => r.did === did && r.kind === 'ReportDestinationIssue' && r.reportType === type,
        );
      };

      const filler = join(captures, 'filler');
      fill(filler);
      await until('the collector is unhealthy', async () => (await health(metrics[3]!)) === 503, 60_000);
      await until(
        'the ADMF has the fault',
        async () => (await reports('NonTerminatingFault')).length === 1,
        30_000,
      );
      assert.equal(await health(metrics[1]!), 200, 'the NE is up');
      assert.equal(await health(metrics[2]!), 200, 'the ADMF is up');
      assert.equal(exited, undefined, 'the lab runs');

      rmSync(filler);
      await until('the collector is healthy', async () => (await health(metrics[3]!)) === 200, 60_000);
      await until('the ADMF has the clearing', async () => (await reports('AllClear')).length === 1, 60_000);
      const before = captured();
      await until('capture resumes', () => captured() > before, 60_000);
      assert.match(err, /capture storage works again/);
    } finally {
      if (exited === undefined) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      unmount(captures);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
