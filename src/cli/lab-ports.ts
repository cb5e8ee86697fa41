/**
 * The lab's ports across restarts. A port given as 0 ("any free port") is chosen by the system at the first
 * start and remembered in `DIR/lab-ports.json`; later starts with 0 take the remembered one again, so that the
 * destinations stored at the ADMF and the NE (the collector's URI) and the printed examples stay right. A port
 * given explicitly always wins and is remembered too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../transport/pki.js';

export const LAB_PORTS_FILE = 'lab-ports.json';

export type LabComponent = 'ne' | 'collector' | 'collectorApi' | 'admf' | 'api';
export type LabPorts = Record<LabComponent, number>;

/** The flag that sets each component's port. */
export const LAB_PORT_FLAGS: Readonly<Record<LabComponent, string>> = {
  ne: '--ne-port',
  collector: '--collector-port',
  collectorApi: '--collector-api-port',
  admf: '--admf-port',
  api: '--api-port',
};

function remembered(dir: string): Partial<LabPorts> {
  const file = join(dir, LAB_PORTS_FILE);
  if (!existsSync(file)) return {};
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const out: Partial<LabPorts> = {};
    for (const c of Object.keys(LAB_PORT_FLAGS) as LabComponent[]) {
      const p = v[c];
      if (typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536) out[c] = p;
    }
    return out;
  } catch {
    return {}; // A damaged file is replaced at the end of this start.
  }
}

/** The ports to bind: each flag's value, or for 0 the port remembered from the last start (0 if none). */
export function labPorts(dir: string, asked: LabPorts): LabPorts {
  const before = remembered(dir);
  const out = { ...asked };
  for (const c of Object.keys(asked) as LabComponent[]) if (asked[c] === 0) out[c] = before[c] ?? 0;
  return out;
}

/** Remembers the ports the components got. */
export function rememberLabPorts(dir: string, ports: LabPorts): void {
  writeFileAtomic(join(dir, LAB_PORTS_FILE), `${JSON.stringify(ports, null, 2)}\n`, 0o600);
}

/**
 * Turns a failure to listen into a line that names the component, the port, where it came from and the flag
 * that changes it; other failures pass unchanged.
 */
export function portInUse(err: unknown, c: LabComponent, port: number, fromFile: boolean): unknown {
  if ((err as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') return err;
  const from = fromFile ? ` (remembered from the last start in ${LAB_PORTS_FILE})` : '';
  return new Error(
    `the lab's ${c} cannot listen on 127.0.0.1:${port}${from}: the port is in use; ` +
      `stop what holds it or choose another with ${LAB_PORT_FLAGS[c]} PORT (0: any free port)`,
    { cause: err },
  );
}
