/** Runs `lix ARGS` from source as its own process; its stdout and stderr lines are kept and can be awaited. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './shared.js';
import { CLI_ENTRY } from './cli-entry.js';

export interface Daemon {
  readonly child: ChildProcess;
  /** Every line so far, standard output and standard error interleaved. */
  readonly lines: string[];
  /** The first line (seen or to come) that matches; rejects when the process exits first. */
  waitFor(re: RegExp): Promise<string>;
  readonly exited: Promise<number | null>;
}

/** The test runner's LIX_LOG_LEVEL is for in-process daemons; a spawned one logs at its own default. */
function withoutLogLevel(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { LIX_LOG_LEVEL: _dropped, ...rest } = env;
  return rest;
}

/** `lix ARGS` from source (tsx), in the repository. */
export function startLix(args: readonly string[], env: NodeJS.ProcessEnv = {}): Daemon {
  return watch(
    spawn(process.execPath, [...CLI_ENTRY, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...withoutLogLevel(process.env), ...env },
    }),
    args,
  );
}

/** An installed `lix` command (a path), with exactly the given environment. */
export function startLixBinary(
  lix: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Daemon {
  return watch(spawn(lix, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: withoutLogLevel(env) }), args);
}

function watch(child: ChildProcess, args: readonly string[]): Daemon {
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const feed = (line: string) => {
    lines.push(line);
    for (const w of waiters.filter((x) => x.re.test(line))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  };
  createInterface({ input: child.stderr! }).on('line', feed);
  createInterface({ input: child.stdout! }).on('line', feed);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const waitFor = (re: RegExp) => {
    const seen = lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return Promise.race([
      new Promise<string>((resolve) => waiters.push({ resolve, re })),
      exited.then((code) => {
        throw new Error(`lix ${args[0]} exited (${code}) before ${re}:\n${lines.join('\n')}`);
      }),
    ]);
  };
  return { child, lines, waitFor, exited };
}
