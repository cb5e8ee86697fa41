// Metrics as an operator's monitoring sees them: a real Prometheus (Debian) scrapes the lab's NE, ADMF and
// collector endpoints; through its query API the series move when a task is activated and traffic flows, and
// `promtool check metrics` accepts every scrape. Also: a metrics address in use stops a daemon with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_FREE_PORTS, NE_ON_LOOPBACK, runCli } from '../support/cli.js';
import { startLix } from '../support/daemon.js';
import { freePort } from '../support/nginx.js';
import { hasTool, skipUnless } from '../support/shared.js';

const skip = skipUnless(
  hasTool('prometheus', ['--version']) && hasTool('promtool', ['--version']),
  'prometheus',
);

async function query(
  prom: string,
  q: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`${prom}/api/v1/query?query=${encodeURIComponent(q)}`);
  // 503 "Service Unavailable" while its TSDB opens (before /-/ready): not an answer yet.
  if (r.status === 503) throw new NotReady(await r.text());
  const body = (await r.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  assert.equal(body.status, 'success', q);
  return body.data.result;
}

class NotReady extends Error {}

/** Waits until Prometheus says it is ready to serve queries (GET /-/ready answers 200), or fails after 60 s. */
async function ready(prom: string): Promise<void> {
  let last = 'no answer';
  for (let i = 0; i < 120; i++) {
    try {
      const r = await fetch(`${prom}/-/ready`);
      last = `${r.status} ${(await r.text()).trim()}`;
      if (r.ok) return;
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`Prometheus not ready after 60 s: ${last}`);
}

/** Polls a PromQL query until every sample satisfies `ok` (at least one sample), or fails after 40 s. */
async function until(prom: string, q: string, ok: (v: number) => boolean): Promise<number[]> {
  let last: number[] = [];
  for (let i = 0; i < 80; i++) {
    try {
      last = (await query(prom, q)).map((s) => Number(s.value[1]));
    } catch (err) {
      // Prometheus still starting (connection refused) or not ready yet (503).
      if (!(err instanceof TypeError) && !(err instanceof NotReady)) throw err;
    }
    if (last.length > 0 && last.every(ok)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`${q}: ${JSON.stringify(last)}`);
}

test(
  'Prometheus scrapes NE, ADMF and collector; the series move with traffic; promtool accepts them',
  { skip, timeout: 180_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lix-prom-'));
    const lab = startLix(['lab', '--data', join(dir, 'lab'), ...LAB_FREE_PORTS]);
    let prometheus: ReturnType<typeof spawn> | undefined;
    try {
      const line = await lab.waitFor(/^\s+metrics\s+NE http/);
      const [ne, admf, collector] = [...line.matchAll(/http:\/\/([\d.:]+)\/metrics/g)].map((m) => m[1]!);
      assert.ok(ne && admf && collector, line);
      await lab.waitFor(/^Stop with Ctrl-C/);
      const port = await freePort();
      const prom = `http://127.0.0.1:${port}`;
      const config = join(dir, 'prometheus.yml');
      writeFileSync(
        config,
        ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', 'scrape_configs:']
          .concat(
            Object.entries({ ne, admf, collector }).flatMap(([job, target]) => [
              `  - job_name: ${job}`,
              '    static_configs:',
              `      - targets: ['${target}']`,
            ]),
          )
          .join('\n') + '\n',
      );
      prometheus = spawn(
        'prometheus',
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${join(dir, 'tsdb')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { stdio: 'ignore' },
      );
      await ready(prom);
      await until(prom, 'count(up == 1)', (v) => v === 3);
      await until(prom, 'sum(lix_probe_events_total{event="frame"})', (v) => v > 0);
      // The lab's GTP-C tunnels are routed to the probe's workers (one per core; none on one core).
      if (availableParallelism() > 1)
        await until(prom, 'lix_probe_gtp_routes_total{counter="learned"}', (v) => v > 0);
      else assert.equal((await query(prom, 'lix_probe_gtp_routes_total')).length, 0);
      // Before tasking, nothing matched.
      assert.equal((await query(prom, 'lix_probe_events_total{event="matched"}')).length, 0);

      // Task subscriber 0 through the ADMF (destination, subscriber), exactly as the lab's banner says.
      const section = lab.lines
        .join('\n')
        .split('Task the NE through the ADMF (paste):\n')[1]!
        .split('\n\n')[0]!;
      const lines = section.split('\n').map((l) => l.trim());
      const env = Object.fromEntries(
        lines
          .find((l) => l.startsWith('export '))!
          .slice(7)
          .split(' ')
          .map((kv) => kv.split('=') as [string, string]),
      );
      for (const c of lines.filter((l) => l.startsWith('node ')).slice(0, 2)) {
        const r = runCli(c.replace(/^node \S+bin\/lix\.js /, '').split(/\s+/), { env });
        assert.equal(r.status, 0, `${c}\n${r.stderr}`);
      }
      await until(
        prom,
        'lix_x1_requests_total{job="ne",type="ActivateTaskRequest",outcome="ok"}',
        (v) => v >= 1,
      );
      await until(prom, 'lix_admf_x1_requests_total{type="ActivateTaskRequest",outcome="ok"}', (v) => v >= 1);
      // The subscriber's three tasks: its IMSI, its number (MSISDN and both IMPUs), its IMEI.
      await until(prom, 'lix_ne_tasks{status="complete"}', (v) => v === 3);
      await until(prom, 'lix_admf_tasks{state="active"}', (v) => v === 3);
      await until(prom, 'lix_probe_events_total{event="matched"}', (v) => v > 0);
      await until(prom, 'lix_delivery_sent_total', (v) => v > 0);
      await until(prom, 'sum(lix_collector_reports_total{counter="decoded"})', (v) => v > 0);
      await until(prom, 'sum(lix_collector_reports_total{counter="written"})', (v) => v > 0);
      await until(prom, 'lix_collector_total{counter="written"}', (v) => v > 0);
      await until(
        prom,
        'lix_x1_request_duration_seconds_count{job="ne",type="ActivateTaskRequest"}',
        (v) => v >= 1,
      );
      await until(
        prom,
        'lix_admf_x1_request_duration_seconds_count{type="ActivateTaskRequest"}',
        (v) => v >= 1,
      );

      for (const target of [ne, admf, collector]) {
        const body = await (await fetch(`http://${target}/metrics`)).text();
        const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
        assert.equal(check.status, 0, `promtool on ${target}:\n${check.stdout}${check.stderr}`);
        const health = await fetch(`http://${target}/healthz`);
        assert.equal(health.status, 200);
      }
    } finally {
      prometheus?.kill('SIGTERM');
      lab.child.kill('SIGTERM');
      await lab.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('a metrics address already in use stops the daemon with one line, before it starts', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'lix-prom-busy-'));
  try {
    const r = runCli([
      'collector',
      '--listen',
      'eep+udp://127.0.0.1:0',
      '--out',
      dir,
      '--metrics-listen',
      `127.0.0.1:${port}`,
    ]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), `lix collector: --metrics-listen: 127.0.0.1:${port} is already in use`);
    assert.doesNotMatch(r.stdout, /listening on/, 'nothing started');
    const ne = runCli([
      ...NE_ON_LOOPBACK,
      '--data',
      join(dir, 'ne'),
      '--insecure-plain-http',
      '--metrics-listen',
      `127.0.0.1:${port}`,
    ]);
    assert.equal(ne.status, 1);
    assert.match(ne.stderr, /^lix ne: --metrics-listen: 127\.0\.0\.1:\d+ is already in use\n$/);
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
