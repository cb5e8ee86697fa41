import type { Command } from 'commander';

/** `lix x1 ...`: commands that work on X1 messages. */
export function registerX1Commands(program: Command): void {
  program.command('x1').description('X1 message tools (check, ping, send)');
}
