// How tests start the `lix` command: the compiled bin/lix.js when dist/ is as new as the sources (a start
// takes about 0.6 s instead of 1.5 s through tsx, and the suite starts the CLI hundreds of times), else the
// sources through tsx, so that a test never runs a stale build. scripts/test.mjs builds dist/ when needed.
import { join } from 'node:path';
// @ts-expect-error: a plain ES module script without type declarations
import { buildReason } from '../../scripts/build-if-changed.mjs';
import { REPO_ROOT } from './shared.js';

/** Node arguments that run the CLI; the command's own arguments follow. */
export const CLI_ENTRY: readonly string[] =
  (buildReason as (dir: string) => string | undefined)(REPO_ROOT) === undefined
    ? [join(REPO_ROOT, 'bin', 'lix.js')]
    : ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts')];
