/** Runs the `lix` CLI from source (tsx), as a user would, and captures its output. */
import { spawn, spawnSync } from 'node:child_process';
import { REPO_ROOT } from './shared.js';
import { CLI_ENTRY } from './cli-entry.js';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  opts: { input?: string | Uint8Array; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const r = spawnSync(process.execPath, [...CLI_ENTRY, ...args], {
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
  '--collector-api-port',
  '0',
] as const;

/**
 * `runCli` without blocking this process: for commands that talk to a server running in the test itself
 * (an in-memory ADMF listening on loopback).
 */
export function runCliAsync(
  args: readonly string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [...CLI_ENTRY, ...args], {
    cwd: REPO_ROOT,
    timeout: opts.timeoutMs ?? 60_000,
    env: { ...process.env, LIX_LOG_LEVEL: process.env.LIX_LOG_LEVEL ?? 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
