// What the browser stories share: a `rollcall demo` on free ports with a throwaway SQLite
// database, Debian's chromium, fresh browser profiles, numbered screenshots, and the emulator's
// Clever login page. No sleeps anywhere: every step waits for a URL, a heading or a text.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { before, after } from 'node:test';

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.env.ROLLCALL_BIN ?? join(here, '..', 'target', 'debug', 'rollcall');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const phoneShots = process.env.E2E_PHONE_SHOTS === '1';
const laptop = { width: 1100, height: 800 };
const phone = { width: 390, height: 844 };

// The demo's password accounts (printed in its banner; see crates/rollcall/src/demo_cmd.rs).
export const SAM = { email: 'sam@rollcall.demo', password: 'sam-password' };
export const MARIA = { email: 'maria@rollcall.demo', password: 'maria-password' };
export const ADMIN = { email: 'admin@rollcall.demo', password: 'rollcall-admin' };

/**
 * Starts `rollcall demo` (plus `extraArgs`, e.g. `['--profile', 'no-links']`) and resolves once
 * its banner names the app URL, which it prints when both servers listen and the demo's password
 * accounts exist. `stop()` kills it and deletes its database.
 */
export async function startDemo(extraArgs = []) {
  const tmp = mkdtempSync(join(tmpdir(), 'rollcall-e2e-'));
  const demo = spawn(binary, ['demo', '--listen', '127.0.0.1:0', '--emulator-listen', '127.0.0.1:0',
    '--database-url', `sqlite://${join(tmp, 'demo.db')}`, ...extraArgs],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise((resolve, reject) => {
    demo.once('exit', (code) => reject(new Error(`rollcall demo exited with ${code}`)));
    readline.createInterface({ input: demo.stdout }).once('line', resolve);
  });
  const appUrl = first.match(/open (http:\/\/\S+)/)?.[1];
  assert.ok(appUrl, `unexpected banner: ${first}`);
  demo.stdout.resume(); // The rest of the banner: read and dropped, so the pipe never fills.
  return {
    appUrl,
    stop() {
      demo.kill();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * One `rollcall demo` (with `extraArgs`) and one chromium for a story file: started before its
 * tests, stopped after them. Its `appUrl` and `browser` are set once the tests run.
 */
export function demoForFile(extraArgs = []) {
  const run = { appUrl: undefined, browser: undefined };
  let demo;
  before(async () => {
    demo = await startDemo(extraArgs);
    run.appUrl = demo.appUrl;
    run.browser = await launchBrowser();
  });
  after(async () => {
    await run.browser?.close();
    demo?.stop();
  });
  return run;
}

/** Debian's chromium, headless, with the network chatter this machine refuses turned off. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser profile (own cookies), as a different person on a different computer. */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: laptop, locale: 'en-US' });
  context.setDefaultTimeout(15_000);
  return context.newPage();
}

/**
 * A fresh browser profile whose CSP violations and script errors are pushed onto `problems`
 * (as `url: message`), so a story can assert at its end that nothing broke.
 */
export async function watchedPage(browser, problems) {
  const page = await newPage(browser);
  await page.context().addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`);
    });
  });
  page.on('console', (m) => {
    // A refused form answers 4xx on purpose; Chromium reports each as a failed resource.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`${page.url()}: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
  return page;
}

/**
 * A screenshot taker for one story file: `shot(page, 'teacher-dashboard')` saves the whole page
 * as the next numbered file in e2e/screenshots/<folder>/ (emptied first), and at phone size too
 * (`…-phone.png`) when asked or with E2E_PHONE_SHOTS=1.
 */
export function screenshots(folder) {
  const dir = join(here, 'screenshots', folder);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let taken = 0;
  return async function shot(page, what, { phone: andPhone = phoneShots } = {}) {
    const name = `${String(++taken).padStart(2, '0')}-${what}`;
    await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
    if (andPhone) {
      const size = page.viewportSize();
      await page.setViewportSize(phone);
      await page.screenshot({ path: join(dir, `${name}-phone.png`), fullPage: true });
      await page.setViewportSize(size);
    }
  };
}

/**
 * On the emulator's Clever login page: pick a person, then (a teacher's first time) allow
 * Rollcall. As in Clever's Library, students never see a consent screen: their teacher's
 * authorization covers them.
 */
export async function cleverLogin(page, shot, who, whose, { consent = true } = {}) {
  await page.waitForURL(/\/oauth\/authorize/);
  await shot(page, `clever-login-${whose}`);
  await page.getByRole('button', { name: who }).click();
  if (!consent) return;
  await page.waitForURL(/\/oauth\/consent/);
  await page.getByRole('heading', { name: /Rollcall would like to connect/ }).waitFor();
  await shot(page, `clever-consent-${whose}`);
  await page.getByRole('button', { name: 'Allow' }).click();
}

export const heading = (page, name) => page.getByRole('heading', { name, exact: true });
