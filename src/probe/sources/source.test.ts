import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSource, parseSourceSpec, SourceError, SPEC_DEFAULTS } from './source.js';
import { FileSource } from './file-source.js';
import { LiveSource, tcpdumpArgs } from './live-source.js';
import { SyntheticSource } from './synthetic-source.js';

test('pcap specs: file, loop, pace', () => {
  assert.deepEqual(parseSourceSpec('pcap:/x.pcap'), {
    kind: 'pcap',
    path: '/x.pcap',
    loop: false,
    pace: 'original',
  });
  assert.deepEqual(parseSourceSpec('pcap:/x.pcap?loop'), {
    kind: 'pcap',
    path: '/x.pcap',
    loop: true,
    pace: 'original',
  });
  assert.deepEqual(parseSourceSpec('pcap:/x.pcap?loop&pace=fast'), {
    kind: 'pcap',
    path: '/x.pcap',
    loop: true,
    pace: 'fast',
  });
  assert.deepEqual(parseSourceSpec('pcap:rel/a b.pcapng?pace=fast&loop'), {
    kind: 'pcap',
    path: 'rel/a b.pcapng',
    loop: true,
    pace: 'fast',
  });
  assert.deepEqual(parseSourceSpec(' pcap:x?pace=original '), {
    kind: 'pcap',
    path: 'x',
    loop: false,
    pace: 'original',
  });
});

test('iface specs: name and BPF filter taken verbatim to the end', () => {
  assert.deepEqual(parseSourceSpec('iface:lo'), { kind: 'iface', name: 'lo' });
  assert.deepEqual(parseSourceSpec('iface:eth0.100?filter=udp port 5060 && host 10.0.0.1'), {
    kind: 'iface',
    name: 'eth0.100',
    filter: 'udp port 5060 && host 10.0.0.1',
  });
  assert.deepEqual(parseSourceSpec('iface:lo?buffer=65536'), { kind: 'iface', name: 'lo', bufferKiB: 65536 });
  assert.deepEqual(parseSourceSpec('iface:lo?buffer=1&filter=udp port 5060 & tcp'), {
    kind: 'iface',
    name: 'lo',
    bufferKiB: 1,
    filter: 'udp port 5060 & tcp',
  });
  assert.deepEqual(parseSourceSpec('iface:lo?sip=5060,5070-5079&gtpc=none&filter=host 10.0.0.1'), {
    kind: 'iface',
    name: 'lo',
    ports: { sip: [5060, [5070, 5079]], gtpc: [] },
    filter: 'host 10.0.0.1',
  });
  assert.deepEqual(parseSourceSpec('iface:lo?all'), { kind: 'iface', name: 'lo', all: true });
  assert.deepEqual(parseSourceSpec('iface:lo?immediate&all'), {
    kind: 'iface',
    name: 'lo',
    all: true,
    immediate: true,
  });
});

test('synthetic specs: defaults, rate, subscribers, seed', () => {
  const d = {
    kind: 'synthetic',
    rate: SPEC_DEFAULTS.rate,
    subscribers: SPEC_DEFAULTS.subscribers,
    seed: SPEC_DEFAULTS.seed,
  };
  assert.deepEqual(parseSourceSpec('synthetic'), d);
  assert.deepEqual(parseSourceSpec('synthetic:200'), { ...d, rate: 200 });
  assert.deepEqual(parseSourceSpec('synthetic:0.5?subscribers=10&seed=7'), {
    ...d,
    rate: 0.5,
    subscribers: 10,
    seed: 7,
  });
  assert.deepEqual(parseSourceSpec('synthetic?seed=3'), { ...d, seed: 3 });
});

test('bad specs give a SourceError of kind bad-spec naming the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /expected pcap:FILE, iface:NAME or synthetic/],
    ['file:/x.pcap', /expected pcap:FILE/],
    ['pcap:', /no file name/],
    ['pcap:x?pace=slow', /pace must be original or fast/],
    ['pcap:x?loop=no', /"loop" takes no value/],
    ['pcap:x?loop&loop', /given twice/],
    ['pcap:x?speed=2', /unknown parameter "speed"/],
    ['pcap:x?', /empty parameter/],
    ['iface:', /no interface name/],
    ['iface:eth0;rm -rf', /not an interface name/],
    ['iface:averyveryverylongname', /not an interface name/],
    ['iface:lo?bpf=udp', /unknown parameter "bpf" \(allowed: buffer, sip, diameter, gtpc, all, immediate\)/],
    ['iface:lo?immediate=1', /"immediate" takes no value/],
    ['iface:lo?sip=banana', /sip: .*not a port/],
    ['iface:lo?gtpc=', /gtpc: empty port list/],
    ['iface:lo?all=yes', /"all" takes no value/],
    ['iface:lo?all&sip=5060', /"all" captures every port/],
    ['iface:lo?buffer=0', /buffer must be at least 1/],
    ['iface:lo?buffer=2.5', /whole number/],
    ['iface:lo?buffer=x&filter=udp', /buffer must be a number/],
    ['iface:lo?buffer=99999999', /buffer must be at most/],
    ['iface:lo?buffer=8&buffer=9', /given twice/],
    ['iface:lo?filter=', /empty filter/],
    ['iface:lo?filter=-w /etc/passwd', /cannot start with "-"/],
    ['synthetic:', /rate must be a number/],
    ['synthetic:fast', /rate must be a number/],
    ['synthetic:0', /rate must be above 0/],
    ['synthetic:-5', /rate must be a number/],
    ['synthetic:2000000', /rate must be at most/],
    ['synthetic:10?subscribers=0', /subscribers must be at least 1/],
    ['synthetic:10?subscribers=2.5', /whole number/],
    ['synthetic:10?subscribers=100000001', /at most/],
    ['synthetic:10?seed=x', /seed must be a number/],
    ['synthetic:10?users=3', /unknown parameter "users"/],
    ['syntheticx', /expected pcap:FILE/],
  ];
  for (const [text, why] of cases) {
    assert.throws(
      () => parseSourceSpec(text),
      (e: unknown) => e instanceof SourceError && e.kind === 'bad-spec' && why.test(e.message),
      text,
    );
  }
});

test('createSource builds the source a spec names, described for logs', () => {
  const file = createSource(parseSourceSpec('pcap:/x.pcap?loop&pace=fast'));
  assert.ok(file instanceof FileSource);
  assert.equal(file.description, 'pcap:/x.pcap (loop, fast)');
  const live = createSource(parseSourceSpec('iface:lo?filter=udp'));
  assert.ok(live instanceof LiveSource);
  assert.equal(live.description, 'iface:lo sip=5060 diameter=3868 gtpc=2123 (filter udp)');
  assert.equal(
    createSource(parseSourceSpec('iface:lo?all&filter=udp')).description,
    'iface:lo all packets (filter udp)',
  );
  const syn = createSource(parseSourceSpec('synthetic:20?subscribers=5'));
  assert.ok(syn instanceof SyntheticSource);
  assert.equal(syn.description, 'synthetic:20 (5 subscribers, seed 1)');
});

test('tcpdump gets the filter as one argument, after the options', () => {
  assert.deepEqual(tcpdumpArgs({ name: 'lo', all: true, filter: 'udp port 5060' }).slice(-3), [
    '-w',
    '-',
    'udp port 5060',
  ]);
  assert.equal(tcpdumpArgs({ name: 'lo', all: true }).at(-1), '-');
  assert.ok(!tcpdumpArgs({ name: 'lo' }).includes('--immediate-mode'), 'off by default: its ring is small');
  assert.ok(tcpdumpArgs({ name: 'lo', immediate: true }).includes('--immediate-mode'));
  const compiled = tcpdumpArgs({ name: 'lo', ports: { sip: [5070] }, filter: 'host 10.0.0.1' }).at(-1)!;
  assert.match(compiled, /udp port 5070/);
  assert.match(compiled, /tcp port 3868/, 'the defaults for the protocols not named');
  assert.match(compiled, /\) and \(host 10\.0\.0\.1\)$/);
});

test('a live source with no port to capture is refused when it is built', () => {
  assert.throws(
    () => createSource(parseSourceSpec('iface:lo?sip=none&diameter=none&gtpc=none')),
    (e: unknown) => e instanceof SourceError && e.kind === 'bad-spec' && /no SIP/.test(e.message),
  );
});
