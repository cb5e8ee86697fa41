// Key masking of the NE's probe (docs/probe.md "Key masking") is switched off only by an explicit false.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNeConfig } from '../ne/config.js';
import { configFromFlags } from './daemon-flags.js';
import { NE_FLAGS } from './ne.js';

test('configuration: maskKeys is on unless false is given; --no-mask-keys gives false', () => {
  const base = { id: 'ne-1', admfId: 'admf-1', tlsDir: '/tmp/x', dataDir: '/tmp/y' };
  assert.equal(parseNeConfig(base).maskKeys, true);
  assert.equal(parseNeConfig({ ...base, maskKeys: false }).maskKeys, false);
  // Commander: the attribute of --no-mask-keys is maskKeys, true when absent, false when typed.
  assert.equal(configFromFlags(NE_FLAGS, { maskKeys: true }).input.maskKeys, undefined);
  assert.equal(configFromFlags(NE_FLAGS, { maskKeys: false }).input.maskKeys, false);
});
