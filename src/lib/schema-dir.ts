import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * Reads every `.xsd` file below a directory into memory (relative path with `/` → bytes), for a schema
 * compiler that must not do I/O itself. Throws a clear Error when the directory is missing or holds no schema.
 */
export function readSchemaDir(dir: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const walk = (d: string, depth: number) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory() && depth < 4) walk(p, depth + 1);
      else if (e.isFile() && e.name.endsWith('.xsd'))
        out.set(relative(dir, p).split(sep).join('/'), new Uint8Array(readFileSync(p)));
    }
  };
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    walk(dir, 0);
  } catch (err) {
    throw new Error(`schema directory ${dir}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  if (out.size === 0) throw new Error(`schema directory ${dir} holds no .xsd file`);
  return out;
}
