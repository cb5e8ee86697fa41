import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../lib/logger.js';
import { parseNeConfig } from '../ne/config.js';
import { createProbeFor } from './probe-source.js';

const config = (over: Record<string, unknown>) =>
  parseNeConfig({ id: 'ne-1', admfId: 'admf-1', dataDir: '/unused', insecurePlainHttp: true, ...over });

test('capturePorts of the NE configuration reach a live source; the spec parameters win', async () => {
  const described = async (over: Record<string, unknown>) => {
    const probe = createProbeFor(config(over), { logger: silentLogger });
    try {
      return probe.sourceDescription;
    } finally {
      await probe.close();
    }
  };
  assert.equal(await described({ source: 'iface:lo' }), 'iface:lo sip=5060 diameter=3868 gtpc=2123');
  assert.equal(
    await described({ source: 'iface:lo', capturePorts: { sip: '5060,5070-5079', gtpc: 'none' } }),
    'iface:lo sip=5060,5070-5079 diameter=3868 gtpc=none',
  );
  assert.equal(
    await described({ source: 'iface:lo?sip=6000', capturePorts: { sip: '5070', diameter: '3869' } }),
    'iface:lo sip=6000 diameter=3869 gtpc=2123',
  );
  assert.equal(
    await described({ source: 'iface:lo?all', capturePorts: { sip: '5070' } }),
    'iface:lo all packets',
  );
});

test('capturePorts that are not port lists are refused: by shape in the configuration, by range at start', () => {
  assert.throws(() => config({ capturePorts: { sip: 'port 5060' } }), /capturePorts\.sip.*5060,5070-5079/s);
  assert.throws(() => config({ capturePorts: { rtp: '5004' } }), /rtp|unrecognized/i);
  assert.throws(
    () =>
      createProbeFor(config({ source: 'iface:lo', capturePorts: { sip: '70000' } }), {
        logger: silentLogger,
      }),
    /capturePorts\.sip: .*70000.*not a port/,
  );
  assert.throws(
    () =>
      createProbeFor(
        config({ source: 'iface:lo', capturePorts: { sip: 'none', diameter: 'none', gtpc: 'none' } }),
        {
          logger: silentLogger,
        },
      ),
    /no SIP, Diameter or GTP-C port/,
  );
});
