#!/usr/bin/env node
// The installed command: runs the compiled CLI (npm run build / npm ci build dist/).
import('../dist/cli/main.js').catch((err) => {
  process.stderr.write(`lix: cannot load dist/cli/main.js (run "npm run build"): ${err.message}\n`);
  process.exit(2);
});
