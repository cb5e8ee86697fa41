/** CPU time of other processes, for the benches that start them. */
import { readFileSync } from 'node:fs';

/**
 * CPU seconds (user + system, all threads) a process has used so far, from /proc; undefined where there is no
 * /proc or the process is gone.
 */
export function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}
