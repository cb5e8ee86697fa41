import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { X1Error } from '../x1/errors.js';
import { describeError, LixError } from './errors.js';

test('a LixError keeps its kind, its class name and the cause it wraps', () => {
  const low = new Error('disk full');
  const e = new X1Error('ActivateFailed', 'the change could not be committed', { cause: low });
  assert.ok(e instanceof LixError);
  assert.equal(e.kind, 'ActivateFailed');
  assert.equal(e.name, 'X1Error');
  assert.equal(e.cause, low);
  assert.equal(describeError(e), 'the change could not be committed: disk full');
  assert.equal(describeError(new LixError('x', 'a: b', { cause: new Error('b') })), 'a: b');
});

test('every error class of src extends LixError', () => {
  const src = resolve(import.meta.dirname, '..');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : [],
    );
  const plain = walk(src).flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(/class (\w+) extends Error\b/g)].map((m) => `${f}: ${m[1]}`),
  );
  assert.deepEqual(plain, []);
});
