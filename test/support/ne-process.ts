/** Runs `lix ne` as its own process (crash tests, benches): spawned from source, waits for its URL. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { NE_ON_LOOPBACK } from './cli.js';
import { REPO_ROOT } from './shared.js';
import { CLI_ENTRY } from './cli-entry.js';

export interface NeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Its log lines (standard error) when started with `logLines`. */
  readonly logs: Interface | undefined;
}

export interface NeProcessOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly dataDir: string;
  readonly extraArgs?: readonly string[];
  /** Logs at info, read by the caller from {@link NeProcess.logs} instead of passed through. */
  readonly logLines?: boolean;
  /**
   * Each log line from the first (implies `logLines`): a listener added to {@link NeProcess.logs} after the start
   * misses what the NE logged before its URL, such as the capture starting.
   */
  readonly onLog?: (line: string) => void;
}

export async function startNeProcess(o: NeProcessOptions): Promise<NeProcess> {
  const logged = o.logLines === true || o.onLog !== undefined;
  const args = [
    ...CLI_ENTRY,
    ...NE_ON_LOOPBACK,
    '--cert',
    o.certFile,
    '--key',
    o.keyFile,
    '--ca',
    o.caFile,
    '--data',
    o.dataDir,
    '--log-level',
    logged ? 'info' : 'warn',
    ...(o.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', logged ? 'pipe' : 'inherit'],
  });
  const logs = logged ? createInterface({ input: child.stderr! }) : undefined;
  if (o.onLog) logs!.on('line', o.onLog);
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (l) => {
      const m = /listening on (\S+)/.exec(l);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`lix ne exited with ${code} before listening`)));
  });
  return { child, url, logs };
}

/** SIGKILL (or the given signal) and wait for the exit. */
export function stopNeProcess(p: NeProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill(signal);
  });
}
