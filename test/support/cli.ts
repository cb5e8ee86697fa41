/** Runs the `lix` CLI from source (tsx), as a user would, and captures its output. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './shared.js';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  opts: { input?: string | Uint8Array; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), ...args], {
    cwd: REPO_ROOT,
    input: opts.input,
    timeout: opts.timeoutMs ?? 60_000,
    encoding: 'utf8',
    env: { ...process.env, LIX_LOG_LEVEL: process.env.LIX_LOG_LEVEL ?? 'warn', ...opts.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `lix ne` as ne-1 of admf-1 on a free loopback port; TLS or plain HTTP arguments follow. */
export const NE_ON_LOOPBACK = [
  'ne',
  '--id',
  'ne-1',
  '--admf-id',
  'admf-1',
  '--listen',
  '127.0.0.1:0',
] as const;

/** `lix lab` on free ports (the tests run several at once). */
export const LAB_FREE_PORTS = [
  '--ne-port',
  '0',
  '--admf-port',
  '0',
  '--api-port',
  '0',
  '--collector-port',
  '0',
] as const;
