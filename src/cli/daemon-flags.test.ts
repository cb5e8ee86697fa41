import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../lib/config.js';
import { ADMF_FLAGS } from './admf.js';
import { attributeOf, configFromFlags } from './daemon-flags.js';
import { NE_FLAGS } from './ne.js';

test('commander attribute names of flags', () => {
  assert.equal(attributeOf('--time-p3 <seconds>'), 'timeP3');
  assert.equal(attributeOf('--no-reconcile'), 'reconcile');
  assert.equal(attributeOf('--x1-version <v>'), 'x1Version');
});

test('flags set their keys: listen splits, seconds become ms, an absent --no-flag sets nothing', () => {
  const { input } = configFromFlags(ADMF_FLAGS, {
    listen: '[::1]:8444',
    apiListen: ':9000',
    time2: '1.5',
    reconcile: true,
  });
  assert.deepEqual(input, {
    listenHost: '::1',
    listenPort: 8444,
    apiHost: '127.0.0.1',
    apiPort: 9000,
    time2Ms: 1500,
  });
  assert.equal(configFromFlags(ADMF_FLAGS, { reconcile: false }).input.reconcileOnStart, false);
});

test('the daemon flags set the keys of their configuration', () => {
  for (const [flags, keys] of [
    [NE_FLAGS, ['id', 'admfId', 'time1Ms', 'source', 'tlsDir', 'identityAttribute']],
    [ADMF_FLAGS, ['id', 'apiToken', 'timeP1Ms', 'reconcileOnStart', 'tlsDir']],
  ] as const) {
    const set = flags.flatMap((f) => [f.key, ...(f.keys ? Object.keys(f.keys('h:1')) : [])]);
    for (const k of keys) assert.ok(set.includes(k), k);
  }
});

test('problems are named by flag, by key and file, or by key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-flags-'));
  try {
    const file = join(dir, 'admf.json');
    writeFileSync(file, JSON.stringify({ timeP1Ms: 1 }));
    const named = configFromFlags(ADMF_FLAGS, { config: file, timeP2: '60' });
    assert.equal(named.nameOf('timeP2Ms'), '--time-p2');
    assert.equal(named.nameOf('timeP1Ms'), `timeP1Ms (in ${file})`);
    assert.equal(named.nameOf('apiPort'), '--api-listen', 'a key from neither names the flag that sets it');
    assert.equal(named.nameOf('maxResends'), 'maxResends', 'a key no flag sets keeps its name');
    const err = new ConfigError('ADMF', [{ key: 'timeP1Ms', message: 'too short' }], named.nameOf);
    assert.match(err.message, /timeP1Ms \(in .*admf\.json\): too short/);
    assert.equal(err.kind, 'invalid-config');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
