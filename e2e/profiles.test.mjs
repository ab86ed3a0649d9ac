// The product in a real browser against a Clever-compatible server that leaves things out: the
// demo's emulator answers with every data-shape profile at once (sections without member lists,
// no `/sections/{id}/users`, no `links`, readable non-Clever ids, `/me` type "teacher", loose
// subjects and grades, extra keys). What people read must stay true:
//   1. Ngozi, who teaches one class, signs up with Clever: her class's students come from her
//      student list, so the class page lists them.
//   2. Sam, who teaches three, signs up: Clever said nothing about who is in his classes, and
//      Rollcall says so on the dashboard and the class page ("students not known"), never
//      "0 students" or "no students yet".
//   3. María, in Sam's classes, logs in: Rollcall says it was not told which classes she is in,
//      rather than that her teacher has not set Rollcall up.
// Screenshots go to e2e/screenshots/profiles/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoForFile, watchedPage, screenshots, cleverLogin, heading } from './support.mjs';

const PROFILES = 'no-member-lists,no-section-users,no-links,foreign-ids,legacy-me,loose-enums,extra-fields';

const shot = screenshots('profiles');
const run = demoForFile(['--profile', PROFILES]);
// Every page's CSP violations and script errors, checked by the last test.
const problems = [];

/** Signs a new teacher up with Clever and answers "no" to the first-login question. */
async function newTeacher(who, whose) {
  const page = await watchedPage(run.browser, problems);
  await page.goto(`${run.appUrl}/signup`);
  await page.getByRole('link', { name: 'Sign up with Clever' }).click();
  await cleverLogin(page, shot, who, whose);
  await page.waitForURL(/\/auth\/clever\/welcome$/);
  await page.getByRole('button', { name: 'Create my Rollcall account' }).click();
  await page.waitForURL(/\/dashboard$/);
  await heading(page, 'Your classes').waitFor();
  return page;
}

test('1. A teacher with one class sees its students, found through her student list', async () => {
  const page = await newTeacher(/Ngozi Okafor/, 'ngozi');
  const card = page.locator('.card').filter({ has: heading(page, 'Life Science 7') });
  await card.waitFor();
  assert.match(await card.innerText(), /2 students/);
  assert.equal(await page.getByText('Clever did not say who is in this class').count(), 0);
  await shot(page, 'one-class-teacher-dashboard');

  await heading(page, 'Life Science 7').click();
  await page.waitForURL(/\/sections\/\d+$/);
  await heading(page, 'Students (2)').waitFor();
  for (const name of ['Sofía', 'Ethan']) {
    await page.getByRole('cell', { name: new RegExp(`^${name} `) }).waitFor();
  }
  assert.equal(await page.locator('#roster-unknown').count(), 0, 'the roster is known');
  await shot(page, 'one-class-teacher-section');
  await page.context().close();
});

test('2. A teacher with three classes is told Clever did not say who is in them', async () => {
  const page = await newTeacher(/Sam Kelly/, 'sam');
  for (const name of ['Grade 4 Math', 'Grade 4 Reading', 'Homeroom 4B']) {
    const card = page.locator('.card').filter({ has: heading(page, name) });
    await card.getByText('Clever did not say who is in this class').waitFor();
    const text = await card.innerText();
    assert.match(text, /students not known/);
    assert.doesNotMatch(text, /\b0 students\b/);
  }
  await shot(page, 'unknown-rosters-dashboard');

  await heading(page, 'Grade 4 Math').click();
  await page.waitForURL(/\/sections\/\d+$/);
  const notice = page.locator('#roster-unknown');
  await notice.waitFor();
  assert.match(await notice.innerText(), /Clever did not say who is in this class/);
  await heading(page, 'Students (not known)').waitFor();
  assert.equal(await page.getByText('No students in this class yet').count(), 0);
  await shot(page, 'unknown-roster-section');
  await page.context().close();
});

test('3. A student in those classes is told Rollcall was not told her classes', async () => {
  const page = await watchedPage(run.browser, problems);
  await page.goto(`${run.appUrl}/login`);
  await page.getByRole('link', { name: 'Log in with Clever' }).click();
  await cleverLogin(page, shot, /María Núñez/, 'maria', { consent: false });
  await page.waitForURL(/\/dashboard$/);
  const unknown = page.locator('#classes-unknown');
  await unknown.waitFor();
  assert.match(await unknown.innerText(), /Clever has not told Rollcall which classes you are in/);
  assert.equal(await page.getByText('as soon as your teacher has set up Rollcall').count(), 0);
  await shot(page, 'student-classes-unknown');
  await page.context().close();
});

test('No page broke the Content-Security-Policy or threw', () => {
  assert.deepEqual(problems, []);
});
