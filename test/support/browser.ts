// Debian's Chromium driven by playwright-core (never a downloaded browser), axe-core run inside the page,
// and the lab started on free ports for the console tests.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CLI_ENTRY } from './cli-entry.js';
import { REPO_ROOT } from './shared.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'console');

/** Why the browser tests cannot run here, or undefined (in CI nothing may skip). */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing in CI (.ci/run installs chromium)`);
  return `${CHROMIUM} not installed (apt-get install chromium)`;
}

/** A fresh headless Chromium with its own profile directory. */
export async function launchChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'lix-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now (id: what, where). */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const r = await (
      globalThis as unknown as {
        axe: {
          run(): Promise<{
            violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
          }>;
        };
      }
    ).axe.run();
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
}

let cleared = false;

/** Saves a full-page screenshot under test-artifacts/console (emptied at the first one of a run). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!cleared) rmSync(ARTIFACTS, { recursive: true, force: true });
  cleared = true;
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Builds dist/ and the console when a source changed, as `npm start` does. */
export function buildConsole(): void {
  const r = spawnSync(process.execPath, ['scripts/build-if-changed.mjs'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('the build failed');
}

export interface Lab {
  readonly out: string;
  readonly consoleUrl: string;
  readonly token: string;
  readonly collectorUri: string;
  stop(): Promise<void>;
}

/** `lix lab` on a fresh directory with every port chosen by the system. */
export async function startLab(): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'lix-console-lab-'));
  const ports = ['--ne-port', '--collector-port', '--admf-port', '--api-port'].flatMap((p) => [p, '0']);
  const child = spawn(process.execPath, [...CLI_ENTRY, 'lab', '--data', dir, ...ports], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Stop with Ctrl-C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lix lab exited with ${code}: ${out}`)));
  });
  const consoleUrl = /^console\s+(http\S+)$/m.exec(out)?.[1];
  const tokenFile = /log in with the token in (\S+)\)/.exec(out)?.[1];
  const collectorUri = /collector\s+(eep\+udp:\/\/\S+)/.exec(out)?.[1];
  if (!consoleUrl || !tokenFile || !collectorUri) throw new Error(`lab output not understood:\n${out}`);
  return {
    out,
    consoleUrl,
    token: readFileSync(tokenFile, 'utf8').trim(),
    collectorUri,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
