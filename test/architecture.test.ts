// Architecture rules from STYLE.md: the protocol codecs (src/x1, src/stm) do no I/O and src/transport holds
// nothing but I/O, imports go one way between layers, there are no import cycles, and task state has one
// writer on each side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../src');
const IO_MODULES = ['net', 'tls', 'dgram', 'fs', 'fs/promises', 'http', 'https', 'http2', 'child_process'];
/** Layer rank: a file may import only from layers of lower or equal rank (same layer allowed). */
const RANK: Record<string, number> = {
  lib: 0,
  x1: 1,
  stm: 1,
  transport: 2,
  store: 2,
  ne: 3,
  admf: 3,
  probe: 3,
  collector: 3,
  api: 4,
  metrics: 4,
  cli: 5,
  'main.ts': 5,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2])!);
  return out;
}

const files = sourceFiles(SRC);
const layerOf = (file: string) => relative(SRC, file).split('/')[0]!;

test('src/x1 and src/stm import no I/O modules', () => {
  const offenders: string[] = [];
  for (const f of files.filter((f) => ['x1', 'stm'].includes(layerOf(f)))) {
    for (const spec of importsOf(f)) {
      const bare = spec.replace(/^node:/, '');
      if (IO_MODULES.includes(bare)) offenders.push(`${relative(SRC, f)} imports ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('imports go one way between layers', () => {
  const offenders: string[] = [];
  for (const f of files) {
    const from = layerOf(f);
    for (const spec of importsOf(f).filter((s) => s.startsWith('.'))) {
      const to = layerOf(resolve(dirname(f), spec));
      const a = RANK[from];
      const b = RANK[to];
      if (a === undefined || b === undefined)
        offenders.push(`${relative(SRC, f)}: unknown layer ${from} or ${to}`);
      else if (b > a || (b === a && from !== to && a !== 1 && a !== 2)) {
        offenders.push(`${relative(SRC, f)} (${from}) imports ${spec} (${to})`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('no import cycles in src', () => {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    graph.set(
      f,
      importsOf(f)
        .filter((s) => s.startsWith('.'))
        .map((s) => resolve(dirname(f), s).replace(/\.js$/, '.ts')),
    );
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (node: string, stack: string[]) => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'visiting') {
      cycles.push([...stack.slice(stack.indexOf(node)), node].map((p) => relative(SRC, p)).join(' -> '));
      return;
    }
    state.set(node, 'visiting');
    for (const next of graph.get(node) ?? []) visit(next, [...stack, node]);
    state.set(node, 'done');
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, []);
});

/**
 * Node modules that make a transport module one that does I/O: sockets, files, processes, and the machinery
 * those run on (event emitters, streams, timers, native addons loaded through `module`); crypto for TLS
 * identities and certificates.
 */
const TRANSPORT_IO = new Set([...IO_MODULES, 'crypto', 'events', 'stream', 'timers', 'module']);
/** Native packages that do I/O (the userland SCTP stack and its raw sockets, certificate building). */
const IO_PACKAGES = new Set(['sctp', 'raw-socket', '@peculiar/x509']);

/** Value (not type-only) imports of a file, including require() of packages. */
function valueImportsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\s+(?!type\s)[^'"]*?from\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2])!);
  return out;
}

test('src/transport holds only modules that do I/O (directly or through the transport modules they use)', () => {
  const transport = files.filter((f) => layerOf(f) === 'transport');
  const doesIo = new Map<string, boolean>();
  const visit = (f: string, seen: Set<string>): boolean => {
    const known = doesIo.get(f);
    if (known !== undefined) return known;
    if (seen.has(f)) return false;
    seen.add(f);
    const result = valueImportsOf(f).some((spec) => {
      if (!spec.startsWith('.')) return TRANSPORT_IO.has(spec.replace(/^node:/, '')) || IO_PACKAGES.has(spec);
      const target = resolve(dirname(f), spec).replace(/\.js$/, '.ts');
      return layerOf(target) === 'transport' && visit(target, seen);
    });
    doesIo.set(f, result);
    return result;
  };
  const pure = transport.filter((f) => !visit(f, new Set())).map((f) => relative(SRC, f));
  assert.deepEqual(pure, [], 'pure code belongs in src/stm, src/x1 or src/lib');
});

/** Lines outside `owner` (and src/store) that call one of the store's task-state writers. */
function writersOutside(owner: string, writes: RegExp): string[] {
  return files
    .filter((f) => layerOf(f) !== 'store' && relative(SRC, f) !== owner)
    .flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => [line, i] as const)
        .filter(([line]) => writes.test(line) && !/^\s*(\/\/|\*)/.test(line))
        .map(([line, i]) => `${relative(SRC, f)}:${i + 1}: ${line.trim()}`),
    );
}

test('NE task state is written only by its owner, src/ne/task-state.ts (and the store that keeps it)', () => {
  const writes = /\.(insertTask|replaceTask|setProvisioningStatus|deleteTask|deleteAllTasks)\(/;
  assert.deepEqual(writersOutside('ne/task-state.ts', writes), []);
});

test('ADMF task state is written only by its owner, src/admf/task-state.ts (and the stores)', () => {
  assert.deepEqual(writersOutside('admf/task-state.ts', /\.(setTaskState|putTask|putTasks|addTask)\(/), []);
});
