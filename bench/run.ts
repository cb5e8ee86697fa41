/**
 * `npm run bench [-- [--json] [NAME...]]`: runs every bench in bench/*.bench.ts, or those whose name starts
 * with one of the NAMEs. Prints a table, or with --json one JSON object per result line.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Bench, BenchResult } from './harness.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const names = args.filter((a) => !a.startsWith('--'));
const dir = import.meta.dirname;

const benches: Bench[] = [];
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort()) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: Bench[] };
  benches.push(...mod.default);
}
const selected = benches.filter(
  (b) => names.length === 0 || names.some((n) => b.name.startsWith(n) || n.startsWith(b.name)),
);
if (selected.length === 0) {
  console.error(`no bench matches ${names.join(' ')}; known: ${benches.map((b) => b.name).join(', ')}`);
  process.exit(1);
}

const fmt = (n: number | undefined) =>
  n === undefined
    ? ''
    : Math.abs(n) >= 100
      ? n.toFixed(0)
      : Math.abs(n) >= 1
        ? n.toFixed(2)
        : n.toPrecision(3);

let failed = false;
for (const b of selected) {
  let results: readonly BenchResult[];
  try {
    results = await b.run();
  } catch (err) {
    failed = true;
    console.error(`bench ${b.name} failed: ${err instanceof Error ? err.stack : String(err)}`);
    continue;
  }
  for (const r of results) {
    // A group is run when NAME names it or something in it; only results whose name starts with NAME print.
    if (names.length > 0 && !names.some((n) => r.bench.startsWith(n) || b.name.startsWith(n))) continue;
    if (json) {
      console.log(JSON.stringify(r));
    } else {
      const base = r.baseline ? `  vs ${r.baseline} ${fmt(r.baselineValue)}` : '';
      const ratio = r.ratio !== undefined ? `  ratio ${fmt(r.ratio)}` : '';
      const target = r.target ? `  target ${r.target}` : '';
      const extra = r.extra
        ? '  ' +
          Object.entries(r.extra)
            .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v) : v}`)
            .join(' ')
        : '';
      console.log(
        `${r.bench.padEnd(34)} ${fmt(r.value).padStart(10)} ${r.unit}${base}${ratio}${target}${extra}`,
      );
    }
  }
}
process.exit(failed ? 1 : 0);
