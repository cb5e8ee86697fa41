/**
 * The `lix` command: the composition root for every sub-command. Each command lives in its own file under
 * src/cli/ and registers itself on the program here.
 */
import { Command } from 'commander';
import { registerAdmfCommands } from './admf.js';
import { registerCollectorCommands } from './collector.js';
import { registerLabCommands } from './lab.js';
import { registerNeCommands } from './ne.js';
import { registerPkiCommands } from './pki.js';
import { registerStmCommands } from './stm.js';
import { registerX1Commands } from './x1.js';

export function buildProgram(): Command {
  const program = new Command('lix')
    .description('lix: ETSI TS 103 221-1 X1 (ADMF and NE) and STM reports (EEP/HEP3, GRE-PCAPng)')
    .version('0.1.0')
    .enablePositionalOptions();
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
