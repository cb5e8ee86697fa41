/**
 * `npm run bench -- console`: time to first render of the console's task list with 10,000 tasks, measured in
 * Debian's Chromium (navigation start → the first task row in the DOM), against the same browser rendering a
 * plain server-made 10,000-row HTML table in the same run. Also: the page still answers a click at once.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenApi } from '../src/api/app.js';
import { buildConsole, launchChromium } from '../test/support/browser.js';
import { MEMORY_NE_URL, memoryAdmf } from '../test/support/admf-memory.js';
import { TEST_API_TOKEN } from '../test/support/admf-harness.js';
import type { Bench } from './harness.js';

const TASKS = 10_000;
const ROUNDS = 3;

function plainTable(): string {
  const rows = Array.from(
    { length: TASKS },
    (_, i) =>
      `<tr><td>${i}</td><td>ne-1</td><td>active</td><td>imsi=00101${String(i).padStart(10, '0')}</td></tr>`,
  ).join('');
  return `<!doctype html><html lang="en"><title>t</title><table><tbody>${rows}</tbody></table></html>`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bench: Bench = {
  name: 'console',
  async run() {
    buildConsole();
    const m = await memoryAdmf();
    await m.admf.putNe({ id: 'ne-1', url: MEMORY_NE_URL });
    const now = Date.now();
    for (let i = 0; i < TASKS; i++) {
      const xid = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
      await m.admf.store.putTask({
        xid,
        neId: 'ne-1',
        state: 'active',
        details: {
          xId: xid,
          targetIdentifiers: [{ kind: 'imsi', value: `00101${String(i).padStart(10, '0')}` }],
          deliveryType: 'X2Only',
          listOfDIDs: { dIds: [], dSIds: [] },
          taskDetailsExtensions: [],
        },
        createdAt: now + i,
        updatedAt: now + i,
      } as Parameters<typeof m.admf.store.putTask>[0]);
    }
    const url = await listenApi(m.app, '127.0.0.1', 0);
    const html = plainTable();
    const plain = createServer((_q, s) => s.writeHead(200, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/`;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.addInitScript((t) => sessionStorage.setItem('lix-console-token', t), TEST_API_TOKEN);
      const consoleMs: number[] = [];
      const plainMs: number[] = [];
      let clickMs = 0;
      for (let r = 0; r < ROUNDS; r++) {
        await page.goto(plainUrl);
        await page.locator('tbody tr').last().waitFor({ state: 'attached' });
        plainMs.push(await page.evaluate(() => performance.now()));
        await page.goto(`${url}/tasks`);
        await page.locator('table[aria-label="Tasks"] tbody tr').first().waitFor();
        consoleMs.push(await page.evaluate(() => performance.now()));
        const t0 = Date.now();
        await page.getByRole('button', { name: 'Next' }).click();
        await page.getByText(`Page 2 of ${TASKS / 50}`).waitFor();
        clickMs = Date.now() - t0;
      }
      const value = median(consoleMs);
      const base = median(plainMs);
      return [
        {
          bench: 'console.tasks.first-render',
          value,
          unit: 'ms',
          baseline: 'plain 10,000-row HTML table',
          baselineValue: base,
          ratio: value / base,
          target: '<=5',
          extra: { tasks: TASKS, nextPageClickMs: clickMs },
        },
      ];
    } finally {
      await browser.close();
      plain.close();
      await m.close();
    }
  },
};

export default [bench];
