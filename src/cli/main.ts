/**
 * The `lix` command: the composition root for every sub-command. Each command lives in its own file under
 * src/cli/ and registers itself on the program here.
 */
import { readFileSync } from 'node:fs';
import { Command, type CommanderError } from 'commander';
import { registerAdmfCommands } from './admf.js';
import { registerCollectorCommands } from './collector.js';
import { registerLabCommands } from './lab.js';
import { registerNeCommands } from './ne.js';
import { registerPkiCommands } from './pki.js';
import { registerStmCommands } from './stm.js';
import { registerX1Commands } from './x1.js';

/** The package's version (package.json sits two levels up from src/cli and from dist/cli). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Commander's exits: help and --version 0, a usage error (unknown option, missing argument...) 2. */
function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? 0 : 2);
}

export function buildProgram(): Command {
  const program = new Command('lix')
    .description('lix: ETSI TS 103 221-1 X1 (ADMF and NE) and STM reports (EEP/HEP3, GRE-PCAPng)')
    .version(packageVersion())
    .enablePositionalOptions()
    // Set before the sub-commands are added, so that they inherit it: a usage error exits 2 (docs/cli.md).
    .exitOverride(usageExit);
  registerX1Commands(program);
  registerNeCommands(program);
  registerAdmfCommands(program);
  registerLabCommands(program);
  registerPkiCommands(program);
  registerCollectorCommands(program);
  registerStmCommands(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(`lix: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  });
