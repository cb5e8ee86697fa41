// The ADMF's table of legal task moves, as properties: the warrant's `scheduled` state is entered only when a
// task is created (never by a move), and leaves only for `activating` or `ended`; terminal states have no exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TASK_STATES } from '../store/admf-store.js';
import { isLegalMove, TERMINAL_STATES } from './task-state.js';

const state = fc.constantFrom(...TASK_STATES);

test('no move leads into scheduled; scheduled leads only to activating or ended (or stays)', () => {
  fc.assert(
    fc.property(state, state, (from, to) => {
      if (to === 'scheduled') assert.equal(isLegalMove(from, to), from === 'scheduled');
      if (from === 'scheduled')
        assert.equal(isLegalMove(from, to), ['scheduled', 'activating', 'ended'].includes(to));
    }),
  );
});

test('terminal states have no exits, not even staying put', () => {
  fc.assert(
    fc.property(state, state, (from, to) => {
      if (TERMINAL_STATES.includes(from)) assert.equal(isLegalMove(from, to), false);
    }),
  );
});
