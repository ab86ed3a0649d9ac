// Signing up with an email and password in a real browser: the address is proven before the
// account exists. Lee, a new teacher, fills in the sign-up form and is told to check her email;
// the demo keeps its mail in the outbox page (/dev/outbox), where she opens the link; the page it
// opens says what will happen and nothing happens until she presses its button; then she is
// signed in to her new account. The same link used again creates nothing, and her password
// works at the login page. Every page must pass the app's Content-Security-Policy in Chromium,
// which enforces it: any violation or script error fails the story.
// Screenshots go to e2e/screenshots/email/ (gitignored). No sleeps: every step waits for a URL,
// a heading or a text (e2e/support.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoForFile, watchedPage, screenshots, heading } from './support.mjs';

const LEE = { first: 'Lee', last: 'Park-Žukauskas', email: 'lee.park@school.test', password: 'quiet-river-47' };

const shot = screenshots('email');
const run = demoForFile();
/** Everything Chromium blocked or that threw, on every page of the story. */
const problems = [];

const newPage = () => watchedPage(run.browser, problems);

test('Lee signs up with her email, confirms it from the outbox, and logs in with her password', async () => {
  const page = await newPage();
  await page.goto(`${run.appUrl}/signup`);
  await heading(page, 'Create your Rollcall account').waitFor();
  await page.getByLabel('First name').fill(LEE.first);
  await page.getByLabel('Last name').fill(LEE.last);
  await page.getByLabel('Email').fill(LEE.email);
  await page.getByLabel('Password').fill(LEE.password);
  await page.getByLabel('Teacher').check();
  await shot(page, 'signup-form');
  await page.getByRole('button', { name: 'Create account' }).click();

  // Nothing exists yet: she is asked to open the link Rollcall mailed.
  await heading(page, 'Check your email').waitFor();
  assert.match(await page.locator('#email-sent').innerText(), new RegExp(`sent an email to ${LEE.email.replace('.', '\\.')}`));
  await shot(page, 'check-your-email');
  const early = await newPage();
  await early.goto(`${run.appUrl}/login`);
  await early.getByLabel('Email').fill(LEE.email);
  await early.getByLabel('Password').fill(LEE.password);
  await early.getByRole('button', { name: 'Log in' }).click();
  await early.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();

  // The demo's outbox holds the mail; its link opens a page that only describes what it does.
  await page.goto(`${run.appUrl}/dev/outbox`);
  await heading(page, 'Outbox').waitFor();
  const mail = page.locator('article.mail').filter({ hasText: `To ${LEE.email}` });
  await mail.waitFor();
  await shot(page, 'outbox');
  const link = await mail.getByRole('link', { name: 'Open the link in this email' }).getAttribute('href');
  await mail.getByRole('link', { name: 'Open the link in this email' }).click();
  await heading(page, 'Finish creating your account').waitFor();
  await page.getByText(`Create the teacher account for ${LEE.first} ${LEE.last}, who logs in as ${LEE.email}.`).waitFor();
  await shot(page, 'finish-creating');
  await page.getByRole('button', { name: 'Create my account' }).click();

  // Her account exists now and she is signed in; with no Clever yet, the page says how to link it.
  await page.waitForURL(/\/dashboard$/);
  await heading(page, 'Your classes').waitFor();
  await page.getByRole('alert').filter({ hasText: 'Clever is not linked to this account' }).waitFor();
  await shot(page, 'dashboard');

  // The same link again (a second click in the mail, a forwarded mail) creates nothing.
  const again = await newPage();
  await again.goto(new URL(link, run.appUrl).href);
  await again.getByRole('button', { name: 'Create my account' }).click();
  await heading(again, 'This account already exists').waitFor();
  await shot(again, 'link-used-again');
  await again.getByRole('link', { name: 'Try again' }).click();

  // Her password works at the login page.
  await again.waitForURL(/\/login/);
  await again.getByLabel('Email').fill(LEE.email);
  await again.getByLabel('Password').fill(LEE.password);
  await again.getByRole('button', { name: 'Log in' }).click();
  await again.waitForURL(/\/dashboard$/);
  await heading(again, 'Your classes').waitFor();

  assert.deepEqual(problems, [], 'no page broke the Content-Security-Policy or threw');
});
