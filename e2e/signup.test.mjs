// The one browser story: a teacher clicks "Sign up with Clever", picks themself on the Clever
// emulator's login page, allows access, and sees their classes. Screenshots of every page go to
// e2e/screenshots/. Runs `rollcall demo` on free ports with a throwaway database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.env.ROLLCALL_BIN ?? join(here, '..', 'target', 'debug', 'rollcall');
const shots = join(here, 'screenshots');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let demo, appUrl, browser, tmp;

before(async () => {
  mkdirSync(shots, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'rollcall-e2e-'));
  demo = spawn(binary, ['demo', '--listen', '127.0.0.1:0', '--emulator-listen', '127.0.0.1:0',
    '--database-url', `sqlite://${join(tmp, 'demo.db')}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  // The first stdout line names the app URL once both servers listen: no sleeping, no polling.
  const first = await new Promise((resolve, reject) => {
    demo.once('exit', (code) => reject(new Error(`rollcall demo exited with ${code}`)));
    readline.createInterface({ input: demo.stdout }).once('line', resolve);
  });
  appUrl = first.match(/open (http:\/\/\S+)/)?.[1];
  assert.ok(appUrl, `unexpected banner: ${first}`);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  demo?.kill();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

test('a teacher signs up with Clever and sees their classes', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  await page.goto(`${appUrl}/signup`);
  await shot(page, '01-signup');
  await page.getByRole('link', { name: 'Sign up with Clever' }).click();

  await page.waitForURL(/\/oauth\/authorize/);
  await shot(page, '02-clever-login');
  await page.getByRole('button', { name: /Sam Kelly/ }).click();

  await page.waitForURL(/\/oauth\/consent/);
  await shot(page, '03-clever-consent');
  await page.getByRole('button', { name: 'Allow' }).click();

  await page.waitForURL(/\/dashboard$/);
  for (const name of ['Grade 4 Math', 'Grade 4 Reading', 'Homeroom 4B']) {
    await page.getByRole('heading', { name }).waitFor();
  }
  assert.match(await page.locator('#sync-report').innerText(), /added/);
  await shot(page, '04-dashboard');

  await page.getByRole('heading', { name: 'Grade 4 Math' }).click();
  await page.getByRole('cell', { name: /María N/ }).waitFor();
  await shot(page, '05-section');

  // The same dashboard on a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${appUrl}/dashboard`);
  await shot(page, '06-dashboard-phone');
  await page.close();
});
