// A daemon that cannot listen says so in the user's terms (issue: the operator's day): the address, why, and
// the flag that changes it, on one line, exit 1. Each daemon is started on a port this test holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

const TOKEN = '0123456789abcdef0123456789';

test('lix ne, lix admf (X1 and REST) and lix collector name the busy address and the flag to change', async () => {
  const tcp = createServer();
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  const port = (tcp.address() as { port: number }).port;
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const udpPort = udp.address().port;
  const dir = mkdtempSync(join(tmpdir(), 'lix-in-use-'));
  const plain = ['--insecure-plain-http'];
  try {
    const cases: [string, string[], string][] = [
      [
        'ne',
        [
          'ne',
          '--id',
          'ne-1',
          '--admf-id',
          'admf-1',
          '--listen',
          `127.0.0.1:${port}`,
          ...plain,
          '--data',
          join(dir, 'ne'),
        ],
        '--listen',
      ],
      [
        'admf',
        [
          'admf',
          '--id',
          'admf-1',
          '--listen',
          `127.0.0.1:${port}`,
          ...plain,
          '--data',
          join(dir, 'a1'),
          '--api-token',
          TOKEN,
        ],
        '--listen',
      ],
      [
        'admf',
        [
          'admf',
          '--id',
          'admf-1',
          '--listen',
          '127.0.0.1:0',
          '--api-listen',
          `127.0.0.1:${port}`,
          ...plain,
          '--data',
          join(dir, 'a2'),
          '--api-token',
          TOKEN,
        ],
        '--api-listen',
      ],
      [
        'collector',
        ['collector', '--listen', `eep+udp://127.0.0.1:${udpPort}`, '--out', join(dir, 'c')],
        '--listen',
      ],
    ];
    for (const [name, args, flag] of cases) {
      const r = runCli(args);
      assert.equal(r.status, 1, `${args.join(' ')}\n${r.stderr}`);
      const p = name === 'collector' ? udpPort : port;
      const line = r.stderr.split('\n').find((l) => l.startsWith(`lix ${name}:`));
      assert.equal(
        line,
        `lix ${name}: cannot listen on 127.0.0.1:${p}: the address is in use by another process; choose another with ${flag}`,
        r.stderr,
      );
    }
  } finally {
    tcp.close();
    udp.close();
  }
});
