// "Link Clever" in a real browser: the admin, whose account has a password and no Clever
// identity, presses the profile's "Link Clever" button. The form posts to Rollcall, which
// redirects to Clever; browsers hold a form's redirects to the page's CSP `form-action`, so
// this story fails if Rollcall's policy does not name Clever's origin (the button would then do
// nothing). The admin picks a Clever teacher on the emulator's login page, allows Rollcall, and
// the profile says the account is linked. Screenshots in e2e/screenshots/link/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, demoForFile, watchedPage, screenshots, cleverLogin, heading } from './support.mjs';

const shot = screenshots('link');
const problems = [];
const run = demoForFile();

test('A password account links Clever from its profile', async () => {
  const page = await watchedPage(run.browser, problems);
  await page.goto(`${run.appUrl}/login`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForURL(/\/admin\/audit$/);

  await page.goto(`${run.appUrl}/profile`);
  await heading(page, 'Your account').waitFor();
  await page.getByText('Not linked.').waitFor();
  await shot(page, 'profile-not-linked');
  await page.getByRole('button', { name: 'Link Clever' }).click();
  await cleverLogin(page, shot, /Dan Brooks/, 'dan');

  await page.getByText('Linked to your Clever account').waitFor();
  await shot(page, 'profile-linked');
  assert.deepEqual(problems, [], 'no page broke the Content-Security-Policy or threw');
  await page.context().close();
});
