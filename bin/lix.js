#!/usr/bin/env node
// The installed command: runs the compiled CLI (npm run build / npm ci build dist/).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`lix: needs Node.js 24 or later (this is ${process.version}); see the README\n`);
  process.exit(2);
}
import('../dist/cli/main.js').catch((err) => {
  process.stderr.write(`lix: cannot load dist/cli/main.js (run "npm run build"): ${err.message}\n`);
  process.exit(2);
});
