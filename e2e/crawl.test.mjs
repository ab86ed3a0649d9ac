// The crawler: for each kind of user (a Clever teacher, a co-teacher, a teacher with only a
// password, a student, the admin, school staff) it signs in as that person would, then visits
// every page reachable from there by its links, and on each page fails on:
// - a 5xx, a CSP violation or a script error (watchedPage);
// - a signed-in page without the navigation (who is signed in, "Log out");
// - any axe-core accessibility violation (run in the page through DevTools, so the page's own
//   Content-Security-Policy stays in force for everything else);
// - a form that goes nowhere: each same-site form's action, posted without its token, must be
//   a route that answers the refusal (403 or a redirect), never 404, 405 or 5xx.
// Screenshots of every page at laptop and phone size in e2e/screenshots/crawl/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SAM, ADMIN, demoForFile, newPage, watchedPage, screenshots, cleverLogin } from './support.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const shot = screenshots('crawl');
const MAX_PAGES = 40;
const run = demoForFile();

/** Waits while the page reloads itself (the dashboard while a sync runs, which reloads to
 * `?wait=1` and is sent back to `/dashboard` when the sync ends). */
async function settle(page) {
  for (let i = 0; i < 20; i++) {
    await page.waitForLoadState('load');
    const url = new URL(page.url());
    const reloading = await page.locator('meta[http-equiv="refresh"]').count().catch(() => 1);
    if (reloading === 0 && url.searchParams.get('wait') === null) return;
    await page.waitForURL((u) => u.pathname === url.pathname && u.searchParams.get('wait') === null
      && u.toString() !== url.toString(), { waitUntil: 'load' }).catch(() => {});
  }
}

/** Opens `url` and waits until it has stopped reloading itself; a reload under way when the
 * navigation starts is waited out and the page opened again. */
async function visit(page, url) {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const response = await page.goto(url);
      await settle(page);
      return response;
    } catch (error) {
      if (!/interrupted by another navigation/.test(error.message)) throw error;
      await settle(page);
    }
  }
  throw new Error(`${url} kept reloading itself`);
}

/** Links worth following from the current page: same site, not a login, a log-out or a file. */
async function links(page) {
  const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.href));
  return hrefs
    .map((h) => new URL(h))
    .filter((u) => u.origin === new URL(run.appUrl).origin)
    .filter((u) => !u.pathname.startsWith('/auth/clever/') && !u.pathname.startsWith('/static/'))
    .map((u) => { u.hash = ''; return u.toString(); });
}

/** Problems with the page now shown (see the file's comment). */
async function check(page, role, signedIn) {
  const problems = [];
  const where = `${role} ${new URL(page.url()).pathname}${new URL(page.url()).search}`;
  if (signedIn) {
    const nav = page.locator('header nav');
    if ((await nav.count()) === 0 || (await nav.getByRole('button', { name: 'Log out' }).count()) === 0) {
      problems.push(`${where}: signed in, but no navigation with "Log out"`);
    }
  }
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  problems.push(...violations.map((v) => `${where}: axe ${v}`));
  // `getAttribute`: a form's `.action` is its field named "action", if it has one.
  const forms = await page.locator('form').evaluateAll((fs) => fs.map((f) => ({
    action: new URL(f.getAttribute('action') ?? '', document.baseURI).href,
    method: (f.getAttribute('method') ?? 'get').toLowerCase(),
  })));
  for (const form of forms) {
    const action = new URL(form.action);
    if (action.origin !== new URL(run.appUrl).origin) continue;
    const answer = form.method === 'get'
      ? await page.request.get(action.toString(), { maxRedirects: 0 })
      : await page.request.post(action.toString(), { form: {}, maxRedirects: 0 });
    if ([404, 405].includes(answer.status()) || answer.status() >= 500) {
      problems.push(`${where}: the form to ${action.pathname} answers ${answer.status()}`);
    }
  }
  return problems;
}

/** Visits every page reachable from where `page` is, checking each; returns the problems. */
async function crawl(page, role, { signedIn = true } = {}) {
  const problems = [];
  const seen = new Set();
  const queue = [page.url()];
  while (queue.length > 0 && seen.size < MAX_PAGES) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    seen.add(url);
    const response = await visit(page, url);
    const status = response?.status() ?? 0;
    if (status >= 500) problems.push(`${role} ${url}: ${status}`);
    await shot(page, `${role}-${new URL(page.url()).pathname.replaceAll('/', '_') || 'home'}`, { phone: true });
    problems.push(...(await check(page, role, signedIn)));
    for (const next of await links(page)) if (!seen.has(next)) queue.push(next);
  }
  assert.ok(seen.size > 1 || !signedIn, `${role}: the crawl found only ${[...seen]}`);
  console.log(`${role}: ${seen.size} pages crawled`);
  return problems;
}

async function cleverUser(role, who, { consent = true, question = false } = {}) {
  const problems = [];
  const page = await watchedPage(run.browser, problems);
  await page.goto(`${run.appUrl}/login`);
  await page.getByRole('link', { name: 'Log in with Clever' }).first().click();
  await cleverLogin(page, shot, who, role, { consent });
  if (question) {
    await page.getByRole('button', { name: 'Create my Rollcall account' }).click();
  }
  await page.waitForLoadState('load');
  await settle(page);
  return { page, problems };
}

async function passwordUser(role, account) {
  const problems = [];
  const page = await watchedPage(run.browser, problems);
  await page.goto(`${run.appUrl}/login`);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForLoadState('load');
  await settle(page);
  return { page, problems };
}

async function crawled({ page, problems }, role, options) {
  const found = await crawl(page, role, options);
  await page.context().close();
  assert.deepEqual([...found, ...problems], [], `${role}: every page works and is accessible`);
}

test('The checks find what they look for', async () => {
  // A page with an image without words, a form to nowhere, signed in without navigation.
  const page = await newPage(run.browser);
  await page.goto(`${run.appUrl}/login`);
  await page.evaluate(() => {
    document.querySelector('header nav')?.remove();
    document.body.insertAdjacentHTML('beforeend',
      '<img src="/static/favicon.svg"><form method="post" action="/no-such-form"></form>');
  });
  const found = await check(page, 'self-check', true);
  await page.context().close();
  assert.ok(found.some((p) => p.includes('axe image-alt')), found.join('\n'));
  assert.ok(found.some((p) => p.includes('the form to /no-such-form answers 404')), found.join('\n'));
  assert.ok(found.some((p) => p.includes('no navigation')), found.join('\n'));
});

test('Signed out: the public pages', async () => {
  const problems = [];
  const page = await watchedPage(run.browser, problems);
  await page.goto(run.appUrl);
  await crawled({ page, problems }, 'visitor', { signedIn: false });
});

test('A Clever teacher', async () => {
  await crawled(await cleverUser('teacher', /Sam Kelly/, { question: true }), 'teacher');
});

test('A co-teacher', async () => {
  await crawled(await cleverUser('co-teacher', /Ortega-Muñoz/, { question: true }), 'co-teacher');
});

test('A teacher with only a password', async () => {
  await crawled(await passwordUser('password-teacher', SAM), 'password-teacher');
});

test('A student', async () => {
  await crawled(await cleverUser('student', /María Núñez/, { consent: false }), 'student');
});

test('The admin', async () => {
  await crawled(await passwordUser('admin', ADMIN), 'admin');
});

test('School staff', async () => {
  const user = await cleverUser('staff', /Pat White/);
  await user.page.getByText('Rollcall is built for teachers and their students').waitFor();
  await crawled(user, 'staff', { signedIn: false });
});
