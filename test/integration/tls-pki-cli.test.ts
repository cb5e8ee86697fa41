// `lix pki init` as a user runs it: files, modes, subjects, and keeping existing files on a second run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

test('lix pki init writes a lab PKI, prints it, keeps it on a second run, replaces it with --force', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-pki-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const args = ['pki', 'init', '--dir', dir, '--admf', 'admf-1', '--ne', 'ne-1,ne-2', '--days', '30'];
  const first = runCli(args);
  assert.equal(first.status, 0, first.stderr);
  for (const f of ['ca.pem', 'admf-1.pem', 'ne-1.pem', 'ne-2.pem', 'untrusted.pem'])
    assert.match(first.stdout, new RegExp(`written +${join(dir, f).replaceAll('.', '\\.')}`));
  assert.match(first.stdout, /subject UID=ne-2, CN=ne-2; issuer CN=lix lab CA; expires \d{4}-/);
  assert.doesNotMatch(first.stdout, /PRIVATE KEY/);
  for (const f of ['ca.key', 'admf-1.key', 'ne-1.key', 'ne-2.key', 'untrusted.key'])
    assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
  const cert = new X509Certificate(readFileSync(join(dir, 'ne-1.pem')));
  const days = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
  assert.ok(days > 29 && days <= 30.01, `valid for ${days} days`);

  const again = runCli(args);
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /written/);
  assert.equal(readFileSync(join(dir, 'ne-1.pem'), 'utf8'), cert.toString());

  const forced = runCli([...args, '--force', '--json']);
  assert.equal(forced.status, 0, forced.stderr);
  const json = JSON.parse(forced.stdout) as { identities: { status: string }[] };
  assert.deepEqual(
    json.identities.map((e) => e.status),
    ['written', 'written', 'written'],
  );

  const bad = runCli(['pki', 'init', '--dir', dir, '--admf', 'a b', '--ne', 'ne-1']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /identity "a b"/);
});
