// `lix admf subscriber add|list|show|modify|end` against a real REST API on loopback: tables by default,
// parseable JSON with --json, each task's outcome printed, and exit status 1 when a task of the change failed
// (an unreachable NE), 0 when tasks are only pending.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { listenApi } from '../../src/api/app.js';
import { labSubscriber } from '../../src/probe/sources/population.js';
import { TEST_API_TOKEN } from '../support/admf-harness.js';
import { memoryAdmf, neWithDestination } from '../support/admf-memory.js';
import { REPO_ROOT } from '../support/shared.js';
import { CLI_ENTRY } from '../support/cli-entry.js';

/** Runs the CLI from source without blocking this process (its API answers from here). */
function lix(
  api: string,
  args: readonly string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CLI_ENTRY, ...args, '--api', api, '--token', TEST_API_TOKEN],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, LIX_LOG_LEVEL: 'warn' } },
      (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const S = labSubscriber(0);

test(
  'lix admf subscriber: tables, --json, and exit status 1 when a task failed',
  { timeout: 300_000 },
  async () => {
    const m = await memoryAdmf();
    try {
      const api = await listenApi(m.app, '127.0.0.1', 0);
      const did = await neWithDestination(m);
      // ne-2 is registered with a destination stored earlier, and cannot be reached now.
      await m.call('POST', '/api/nes', { id: 'ne-2', url: 'https://ne-2.invalid/X1/NE' });
      const did2 = randomUUID();
      const now = m.clock.now();
      await m.admf.store.putDestination({
        neId: 'ne-2',
        did: did2,
        details: {
          dId: did2,
          deliveryType: 'X2Only',
          deliveryAddress: { kind: 'uri', value: 'eep+udp://127.0.0.1:9060' },
          destinationDetailsExtensions: [],
        },
        createdAt: now,
        updatedAt: now,
      });

      const sub = (...args: string[]) => lix(api, ['admf', 'subscriber', ...args]);
      const add = await sub(
        'add',
        '--id',
        's1',
        '--name',
        'Subscriber zero',
        '--ne',
        'ne-1',
        '--did',
        did,
        '--imsi',
        S.imsi,
        '--msisdn',
        S.msisdn,
        '--impu',
        S.telUri,
      );
      assert.equal(add.status, 0, add.stderr);
      assert.match(add.stdout, /^ACTION\s+NE\s+TARGET\s+XID\s+OUTCOME$/m);
      assert.match(
        add.stdout,
        new RegExp(`^activate\\s+ne-1\\s+e164Number:${S.msisdn}\\s+[0-9a-f-]{36}\\s+ok$`, 'm'),
      );
      assert.match(add.stdout, /^subscriber s1: active, 2 task\(s\), in sync$/m);

      const list = await sub('list');
      assert.equal(list.status, 0, list.stderr);
      assert.match(list.stdout, /^ID\s+NAME\s+STATE\s+TASKS\s+IN SYNC\s+IDENTITIES$/m);
      assert.match(list.stdout, /^s1\s+Subscriber zero\s+active\s+2\s+yes\s+imsi=001010000000000 /m);
      const listJson = (await sub('list', '--json')).stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; inSync: boolean });
      assert.deepEqual(
        listJson.map((s) => [s.id, s.inSync]),
        [['s1', true]],
      );
      const show = await sub('show', 's1');
      assert.match(show.stdout, /^subscriber s1 \(Subscriber zero\): active, X2Only$/m);
      assert.match(show.stdout, /^ {2}created \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/m);
      assert.match(
        show.stdout,
        new RegExp(`^ne-1\\s+imsi:${S.imsi}\\s+[0-9a-f-]{36}\\s+active\\s+yes$`, 'm'),
      );

      // Adding ne-2: its tasks are pending (stored, installed when it is healed): out of sync, exit 0.
      const widen = await sub('modify', 's1', '--ne', `ne-1=${did}`, '--ne', `ne-2=${did2}`, '--json');
      assert.equal(widen.status, 0, widen.stderr);
      const w = JSON.parse(widen.stdout) as { inSync: boolean; results: { neId: string; outcome: string }[] };
      assert.equal(w.inSync, false);
      assert.deepEqual(
        w.results.map((r) => `${r.neId} ${r.outcome}`),
        ['ne-2 pending', 'ne-2 pending'],
      );
      // Taking ne-2 away again: deactivating there cannot reach it: reported, exit 1.
      const narrow = await sub('modify', 's1', '--ne', `ne-1=${did}`, '--add', 'impu=sip:alice@example.net');
      assert.equal(narrow.status, 1, narrow.stdout);
      assert.match(narrow.stdout, /^activate\s+ne-1\s+sipUri:sip:alice@example\.net\s+[0-9a-f-]{36}\s+ok$/m);
      assert.match(narrow.stdout, /^deactivate\s+ne-2\s+imsi:\d+\s+[0-9a-f-]{36}\s+unreachable: /m);
      assert.match(narrow.stdout, /^subscriber s1: active, out of sync: 2 task\(s\)$/m);
      assert.match(narrow.stdout, /^retry with: lix admf subscriber modify s1/m);

      const bad = await sub('modify', 's1', '--add', 'nonsense');
      assert.equal(bad.status, 1);
      assert.match(
        bad.stderr,
        /--add nonsense: use KIND=VALUE with KIND one of imsi, msisdn, impu, impi, imei/,
      );
      const refused = await sub('add', '--ne', 'ne-1', '--did', did, '--imsi', '12');
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /400 invalid: identities\[0\]: invalid IMSI "12"/);

      const end = await sub('end', 's1');
      assert.equal(end.status, 1, 'ne-2 still cannot be reached');
      assert.match(end.stdout, /^deactivate\s+ne-1\s+e164Number:\d+\s+[0-9a-f-]{36}\s+ok$/m);
      assert.match(end.stdout, /^subscriber s1: ended, out of sync: 2 task\(s\)$/m);
      assert.match(end.stdout, /^retry with: lix admf subscriber end s1/m);
    } finally {
      await m.close();
    }
  },
);
