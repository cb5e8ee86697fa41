import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads every `.xsd` file of a directory into memory (name → bytes), for a schema compiler that must not do
 * I/O itself. Throws a clear Error when the directory is missing or holds no schema.
 */
export function readSchemaDir(dir: string): Map<string, Uint8Array> {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir).filter((n) => n.endsWith('.xsd'));
  } catch (err) {
    throw new Error(`schema directory ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (names.length === 0) throw new Error(`schema directory ${dir} holds no .xsd file`);
  return new Map(names.map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]));
}
