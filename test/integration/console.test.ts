// The operator console in Debian's Chromium against `lix lab`: log in (a wrong token refused with a clear
// message), every page free of serious axe-core violations and console errors, a destination and a task for
// lab subscriber 0 made through the forms (a bad target refused before sending), the task active with the NE's
// status, deactivated after a confirmation, and the NE's status changing. The ADMF's event stream and static
// serving are checked with plain fetch alongside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  axeViolations,
  browserMissing,
  buildConsole,
  launchChromium,
  screenshot,
  startLab,
} from '../support/browser.js';

async function checkPage(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  assert.deepEqual(await axeViolations(page), [], `axe on ${name}`);
}

async function go(page: Page, link: string, heading: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: link }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** Reads the ADMF's event stream until `until` matches what has come, or `ms` pass. */
async function readEvents(url: string, token: string, until: RegExp, ms: number): Promise<string> {
  const ctl = new AbortController();
  const res = await fetch(`${url}api/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: ctl.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  let text = '';
  const timer = setTimeout(() => ctl.abort(), ms);
  try {
    for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      if (until.test(text)) break;
    }
  } catch {
    // timed out: the caller's assertion says what was missing
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
  return text;
}

test(
  'the console: log in, task lab subscriber 0 through the forms, deactivate it',
  { timeout: 240_000 },
  async (t) => {
    const skip = browserMissing();
    if (skip) return t.skip(skip);
    buildConsole();
    const lab = await startLab();
    const browser = await launchChromium();
    try {
      const url = lab.consoleUrl;
      // Static serving: the console's index for client routes, no clash with /api, no way out of the folder.
      const index = await fetch(`${url}tasks`);
      assert.equal(index.status, 200);
      assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(index.headers.get('cache-control'), 'no-cache');
      const asset = /src="(\/assets\/[^"]+\.js)"/.exec(await index.text())?.[1];
      assert.ok(asset, 'index.html names its script');
      const js = await fetch(new URL(asset, url));
      assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.match(js.headers.get('cache-control') ?? '', /immutable/);
      assert.equal((await fetch(`${url}api/nope`)).status, 401, '/api stays the API');
      assert.equal((await fetch(`${url}..%2f..%2fpackage.json`)).status, 404);
      assert.equal(
        (await fetch(`${url}openapi.json`)).headers.get('content-type')?.startsWith('application/json'),
        true,
      );

      const page = await browser.newPage();
      const errors: string[] = [];
      // The browser logs every 4xx answer; only the refusals a step provokes on purpose are allowed.
      let expected: string | undefined;
      page.on('console', (m) => {
        if (m.type() !== 'error') return;
        if (expected !== undefined && m.text().includes(`status of ${expected}`)) return;
        errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));

      // A wrong token: a clear message, still on the login page.
      await page.goto(url);
      await checkPage(page, '01-login');
      expected = '401';
      await page.getByLabel('API token').fill('not-the-token');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').filter({ hasText: 'The ADMF refused this token' }).waitFor();
      await screenshot(page, '02-login-refused');
      expected = undefined;

      await page.getByLabel('API token').fill(lab.token);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
      await page.locator('tr[data-ne="ne-1"]').waitFor();
      assert.equal(await page.evaluate(() => localStorage.length), 0, 'the token is not kept beyond the tab');
      await checkPage(page, '03-overview');

      await go(page, 'Destinations', 'Destinations');
      await page.getByLabel('Name').fill('console-test');
      await page.getByLabel('Delivery URI').fill(lab.collectorUri);
      await page.getByRole('button', { name: 'Create destination' }).click();
      await page.getByRole('status').filter({ hasText: 'created on ne-1' }).waitFor();
      await page.getByRole('cell', { name: 'console-test', exact: true }).waitFor();
      // Edit it: the same form, filled in; the ADMF then has the new name.
      await page.getByRole('button', { name: 'Edit console-test' }).click();
      await page.getByRole('heading', { name: /^Edit destination / }).waitFor();
      assert.equal(await page.getByLabel('Delivery URI').inputValue(), lab.collectorUri);
      await page.getByLabel('Name').fill('console-test edited');
      await page.getByRole('button', { name: 'Save destination' }).click();
      await page.getByRole('status').filter({ hasText: 'saved on ne-1' }).waitFor();
      await page.getByRole('cell', { name: 'console-test edited', exact: true }).waitFor();
      const stored = (await (
        await fetch(new URL('api/destinations', url), { headers: { authorization: `Bearer ${lab.token}` } })
      ).json()) as { details: { friendlyName?: string } }[];
      const names = stored.map((d) => d.details.friendlyName);
      assert.ok(
        names.includes('console-test edited') && !names.includes('console-test'),
        `the edit reached the ADMF: ${names.join()}`,
      );
      await checkPage(page, '04-destinations');

      await go(page, 'Tasks', 'Tasks');
      await page.getByLabel('Target kind').selectOption('imsi');
      await page.getByLabel('Target value').fill('00101x');
      await page.getByRole('checkbox', { name: 'console-test' }).check();
      await page.getByRole('button', { name: 'Activate task' }).click();
      await page.getByRole('alert').filter({ hasText: 'an IMSI is 6 to 15 digits' }).waitFor();
      const none = await fetch(`${url}api/tasks`, { headers: { authorization: `Bearer ${lab.token}` } });
      const before = (await none.json()) as { details: { targetIdentifiers: { value: unknown }[] } }[];
      assert.ok(
        !before.some((x) => x.details.targetIdentifiers.some((i) => i.value === '00101x')),
        'the bad target was never sent',
      );

      const events = readEvents(url, lab.token, /event: task[^\n]*\ndata: [^\n]*"state":"active"/, 20_000);
      // Lab subscriber 0's SIP URI: its generated calls are what the Captures page must show.
      const sipUri = /\(subscriber 0: .*, (sips?:\S+)\)/.exec(lab.out)?.[1];
      assert.ok(sipUri, 'the lab names subscriber 0');
      await page.getByLabel('Target kind').selectOption('sipUri');
      await page.getByLabel('Target value').fill(sipUri);
      await page.getByRole('button', { name: 'Activate task' }).click();
      await page
        .getByTestId('task-state')
        .filter({ hasText: /^active$/ })
        .waitFor({ timeout: 20_000 });
      const neStatus = await page.getByTestId('ne-status').textContent();
      assert.match(neStatus ?? '', /Provisioning: complete/, 'the NE reports the task provisioned');
      assert.match(await events, /"state":"active"/, 'the event stream told of the move');
      await page
        .getByRole('cell', { name: `sipUri=${sipUri}` })
        .first()
        .waitFor();
      await checkPage(page, '05-tasks-active');
      const xid = /Task (\S+)/.exec((await page.locator('#task-detail').textContent()) ?? '')?.[1];
      assert.ok(xid);

      // Its calls as ladder diagrams, one message opened, the PCAPng downloaded and read by tshark.
      await go(page, 'Captures', 'Captures');
      await page.getByLabel('Task').selectOption(xid);
      const ladder = page.getByRole('group', { name: /^Ladder diagram of call / }).first();
      await ladder.waitFor({ timeout: 60_000 });
      await ladder.getByRole('button').first().click();
      await page.getByTestId('message-text').filter({ hasText: 'SIP/2.0' }).waitFor();
      await checkPage(page, '06-captures');
      const downloading = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download PCAPng' }).click();
      const file = join(mkdtempSync(join(tmpdir(), 'lix-console-dl-')), `${xid}.pcapng`);
      await (await downloading).saveAs(file);
      const callIds = execFileSync('tshark', ['-r', file, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID'], {
        encoding: 'utf8',
      });
      assert.ok(callIds.trim().length > 0, 'tshark finds SIP in the downloaded PCAPng');

      await go(page, 'Tasks', 'Tasks');
      await page.getByRole('button', { name: `Open task ${xid}` }).click();
      await page
        .getByTestId('task-state')
        .filter({ hasText: /^active$/ })
        .waitFor();
      // Modify: X2andX3 is refused by the NE (the destination takes no X3), in its words; then the task is
      // sent again as it is, and the NE counts one modification.
      expected = '422';
      await page.getByLabel('Delivery (modify)').selectOption('X2andX3');
      await page.getByRole('button', { name: 'Modify task' }).click();
      await page.getByRole('alert').filter({ hasText: 'The task was not modified' }).waitFor();
      expected = undefined;
      await page.getByLabel('Delivery (modify)').selectOption('X2Only');
      await page.getByRole('button', { name: 'Modify task' }).click();
      await page.getByRole('status').filter({ hasText: 'modified' }).waitFor();
      await page
        .getByTestId('ne-status')
        .filter({ hasText: 'modifications: 1' })
        .waitFor({ timeout: 20_000 });

      await page.getByRole('button', { name: 'Deactivate…' }).click();
      await page.getByRole('alertdialog', { name: 'Confirm deactivation' }).waitFor();
      await page.getByRole('button', { name: 'Yes, deactivate' }).click();
      await page
        .getByTestId('task-state')
        .filter({ hasText: /^ended$/ })
        .waitFor({ timeout: 20_000 });
      await page.getByTestId('ne-status').filter({ hasText: 'The NE does not have this task.' }).waitFor();
      await checkPage(page, '07-tasks-ended');

      await go(page, 'NEs', 'NEs');
      await page.getByRole('button', { name: 'Ping ne-1' }).click();
      await page.getByRole('status').filter({ hasText: 'ne-1 answered' }).waitFor();
      await checkPage(page, '08-nes');

      await go(page, 'Reports', 'Reports');
      await page.getByRole('cell', { name: 'DeactivateTask' }).first().waitFor();
      await page.getByLabel('Filter (NE, XID, action, text)').fill('ActivateTask');
      await checkPage(page, '09-reports');

      await page.setViewportSize({ width: 420, height: 800 });
      await go(page, 'Tasks', 'Tasks');
      await screenshot(page, '10-tasks-narrow');
      assert.deepEqual(errors, [], 'no console errors');
    } finally {
      await browser.close();
      await lab.stop();
    }
  },
);
