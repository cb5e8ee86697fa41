// `lix lab` keeps ports chosen with 0 across restarts (issue: the operator's day): destinations stored at the
// ADMF and the NE name the collector's URI, so a restart on another port would send captures nowhere. A
// remembered port that something else holds is refused with a line naming the component and the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_FREE_PORTS } from '../support/cli.js';
import { startLix } from '../support/daemon.js';

async function lab(dir: string) {
  const d = startLix(['lab', '--data', dir, ...LAB_FREE_PORTS, '--traffic', 'none']);
  const ready = await Promise.race([d.waitFor(/Stop with Ctrl-C/), d.exited.then((c) => `exited ${c}`)]);
  const text = d.lines.join('\n');
  assert.match(ready, /Stop with Ctrl-C/, text);
  const find = (re: RegExp) => re.exec(text)?.[1];
  return {
    collector: find(/collector\s+(eep\+udp:\/\/\S+)/),
    ne: find(/NE X1 endpoint\s+(\S+)/),
    admf: find(/ADMF X1 endpoint\s+(\S+)/),
    api: find(/ADMF REST API\s+(\S+)/),
    async stop() {
      d.child.kill('SIGTERM');
      await d.exited;
    },
  };
}

test('ports chosen with 0 come back after a restart; a remembered port in use is named with its flag', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-lab-ports-'));
  const first = await lab(dir);
  await first.stop();
  const second = await lab(dir);
  await second.stop();
  for (const k of ['collector', 'ne', 'admf', 'api'] as const) {
    assert.ok(first[k], `${k} printed`);
    assert.equal(second[k], first[k], `${k} kept its port`);
  }

  // Something else now holds the collector's port.
  const port = Number(new URL(first.collector!).port);
  const holder = createSocket('udp4');
  await new Promise<void>((r) => holder.bind(port, '127.0.0.1', () => r()));
  try {
    const d = startLix(['lab', '--data', dir, ...LAB_FREE_PORTS, '--traffic', 'none']);
    const code = await d.exited;
    assert.notEqual(code, 0);
    const text = d.lines.join('\n');
    assert.match(
      text,
      new RegExp(
        `collector cannot listen on 127\\.0\\.0\\.1:${port} \\(remembered .*lab-ports\\.json\\).*--collector-port`,
      ),
    );
  } finally {
    holder.close();
  }
});
