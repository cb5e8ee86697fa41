// STYLE.md / COMMON.md: the probe's inspectors and matcher are pure; they import no I/O module.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const IO =
  /from\s+['"](node:)?(net|tls|dgram|fs|fs\/promises|http|https|http2|child_process|worker_threads)['"]/;

test('src/probe/proto and src/probe/match import no I/O modules', () => {
  const offenders: string[] = [];
  for (const dir of ['proto', 'match']) {
    const abs = resolve(import.meta.dirname, '..', dir);
    for (const f of readdirSync(abs).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
      if (IO.test(readFileSync(join(abs, f), 'utf8'))) offenders.push(`${dir}/${f}`);
    }
  }
  assert.deepEqual(offenders, []);
  assert.ok(IO.test("import { x } from 'node:dgram'"), 'the check itself catches an I/O import');
});
