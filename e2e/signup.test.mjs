// The product in a real browser, as four short stories that share one `rollcall demo` (free
// ports, throwaway SQLite database) and run in order:
//   1. Sam, a teacher, signs up with Clever (emulator login page, consent), answers "yes" to
//      "Do you already have a Rollcall account?" and links his older password account (after one
//      mistyped password), sees his three classes and the sync report, tells Rollcall his school,
//      and posts an assignment to Grade 4 Math ("0 of 5 done"). Also his dashboard on a phone.
//   2. María, a student, logs in with Clever in a fresh browser (no consent screen: Sam's
//      authorization covers his students), sees Sam's classes and the
//      assignment, marks it done, then merges her older password account from her profile; her
//      classes and finished work are still there.
//   3. Back in Sam's browser: the assignment shows María done; his profile shows Clever linked and
//      his classes synced.
//   4. The admin logs in with an email and password, lands on the audit log and filters it.
// Each page is saved as a numbered screenshot in e2e/screenshots/signup/ (gitignored). Set
// E2E_PHONE_SHOTS=1 to also save every page at phone size (`*-phone.png`). No sleeps: every step
// waits for a URL, a heading or a text (e2e/support.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SAM, MARIA, ADMIN, demoForFile, watchedPage, screenshots, cleverLogin as login, heading,
} from './support.mjs';

const ASSIGNMENT = {
  title: 'Fractions worksheet',
  instructions: 'Pages 12–13, problems 1 to 10.\nShow your work.',
  due: '2031-03-14',
  dueShown: 'Fri, Mar 14, 2031', // as the pages write it
};

const shot = screenshots('signup');
const run = demoForFile();
// Shared by the stories, in order: Sam's browser stays open for story 3.
let sam, assignmentUrl;

// Every page's CSP violations and script errors, checked by the last test.
const problems = [];
const newPage = () => watchedPage(run.browser, problems);
const cleverLogin = (page, who, whose, options) => login(page, shot, who, whose, options);

test('1. Sam signs up with Clever, links his older account, and posts an assignment', async () => {
  const page = sam = await newPage();
  await page.goto(`${run.appUrl}/signup`);
  await heading(page, 'Create your Rollcall account').waitFor();
  await shot(page, 'signup');
  await page.getByRole('link', { name: 'Sign up with Clever' }).click();
  await cleverLogin(page, /Sam Kelly/, 'sam');

  // Rollcall has password accounts, so a teacher's first Clever login asks first.
  await page.waitForURL(/\/auth\/clever\/welcome$/);
  await heading(page, 'Welcome, Sam').waitFor();
  await page.getByText('Do you already have a Rollcall account?').waitFor();
  await shot(page, 'welcome-question');

  // Yes: he logs in to his older account, mistyping the password the first time.
  await page.getByLabel('Email').fill(SAM.email);
  await page.getByLabel('Password').fill('sam-passwrod');
  await page.getByRole('button', { name: 'Link my existing account' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  assert.equal(await page.getByLabel('Email').inputValue(), SAM.email, 'the email is kept');
  await shot(page, 'welcome-wrong-password');
  await page.getByLabel('Password').fill(SAM.password);
  await page.getByRole('button', { name: 'Link my existing account' }).click();

  // His classes came in from Clever, into his older account.
  await page.waitForURL(/\/dashboard$/);
  await heading(page, 'Your classes').waitFor();
  for (const name of ['Grade 4 Math', 'Grade 4 Reading', 'Homeroom 4B']) {
    await heading(page, name).waitFor();
  }
  assert.match(await page.locator('#sync-report').innerText(), /Last synced .+ — 3 classes added, [1-9]\d* students added\./);
  assert.equal(await page.getByRole('link', { name: 'Sam Kelly' }).count(), 1, 'his name in the header');

  // Clever does not say which school: the dashboard asks.
  const schoolCard = page.locator('#school-question');
  await schoolCard.getByRole('heading', { name: 'Which school do you teach at?' }).waitFor();
  await shot(page, 'teacher-dashboard-school-question');
  await schoolCard.getByLabel('School').fill('Lincoln Elementary');
  await schoolCard.getByRole('button', { name: 'Save school' }).click();
  await page.waitForURL(/\/dashboard$/);
  await heading(page, 'Grade 4 Math').waitFor();
  await schoolCard.waitFor({ state: 'detached' });
  await shot(page, 'teacher-dashboard', { phone: true });

  // The class page: roster, and an assignment to post.
  await heading(page, 'Grade 4 Math').click();
  await page.waitForURL(/\/sections\/\d+$/);
  await heading(page, 'Grade 4 Math').waitFor();
  // Clever shares students' last initials only.
  await page.getByRole('cell', { name: 'María N.', exact: true }).waitFor();
  await heading(page, 'Students (5)').waitFor();
  await page.getByText('No assignments yet.').waitFor();
  await shot(page, 'section');

  await page.getByText('Post an assignment').click();
  await page.getByLabel('Title').fill(ASSIGNMENT.title);
  await page.getByLabel('Instructions').fill(ASSIGNMENT.instructions);
  await page.getByLabel('Due date (optional)').fill(ASSIGNMENT.due);
  await page.getByLabel('Due date (optional)').blur();
  await shot(page, 'section-post-assignment');
  await page.getByRole('button', { name: 'Post assignment' }).click();

  await page.waitForURL(/\/sections\/\d+#assignments$/);
  const posted = page.getByRole('listitem').filter({ hasText: ASSIGNMENT.title });
  await posted.waitFor();
  assert.match(await posted.innerText(), new RegExp(`Due ${ASSIGNMENT.dueShown} · 0 of 5 done`));
  await shot(page, 'section-with-assignment');

  await page.getByRole('link', { name: ASSIGNMENT.title }).click();
  await page.waitForURL(/\/assignments\/\d+$/);
  assignmentUrl = page.url();
  await heading(page, ASSIGNMENT.title).waitFor();
  await page.getByText('Posted by Sam Kelly · 0 of 5 done').waitFor();
  assert.equal(await page.getByRole('cell', { name: 'Not yet' }).count(), 5);
  await shot(page, 'assignment-nobody-done');
});

test('2. María logs in with Clever, finishes the assignment, and merges her older account', async () => {
  assert.ok(assignmentUrl, 'story 1 posted the assignment');
  const page = await newPage();
  await page.goto(run.appUrl);
  await heading(page, 'Your classes, ready when you are.').waitFor();
  await shot(page, 'home');
  await page.getByRole('link', { name: 'Log in', exact: true }).click();
  await page.waitForURL(/\/login$/);
  await heading(page, 'Log in to Rollcall').waitFor();
  await shot(page, 'login');
  await page.getByRole('link', { name: 'Log in with Clever' }).click();
  await cleverLogin(page, /María Núñez/, 'maria', { consent: false });

  // Students are not asked the first-login question: straight to her classes and her work.
  await page.waitForURL(/\/dashboard$/);
  await heading(page, 'Grade 4 Math').waitFor();
  await heading(page, 'Grade 4 Reading').waitFor();
  assert.equal(await heading(page, 'Homeroom 4B').count(), 0, 'not in her classes');
  await page.getByText('Math · Sam Kelly', { exact: true }).waitFor();
  await heading(page, 'To do').waitFor();
  const todo = page.locator('#todo + ul');
  await todo.getByText(ASSIGNMENT.title, { exact: true }).waitFor();
  assert.match(await todo.innerText(), new RegExp(`Grade 4 Math · Due ${ASSIGNMENT.dueShown}`));
  assert.match(await todo.innerText(), /Show your work\./);
  await shot(page, 'student-dashboard-to-do', { phone: true });

  await page.getByRole('button', { name: `Mark “${ASSIGNMENT.title}” done` }).click();
  await heading(page, 'Done').waitFor();
  await page.getByText('Nothing to do right now.').waitFor();
  await page.getByRole('button', { name: `Mark “${ASSIGNMENT.title}” not done` }).waitFor();
  await shot(page, 'student-dashboard-done');

  // Her profile: linked to Clever, and she can merge the account she had before Clever.
  await page.getByRole('link', { name: 'María Núñez' }).click();
  await page.waitForURL(/\/profile$/);
  await heading(page, 'Your account').waitFor();
  await page.getByText('Linked to your Clever account').waitFor();
  const merge = page.locator('#merge');
  await merge.getByRole('heading', { name: 'Merge my accounts' }).waitFor();
  await shot(page, 'student-profile');
  await merge.getByLabel('Older account\'s email').fill(MARIA.email);
  await merge.getByLabel('Its password').fill(MARIA.password);
  await merge.getByRole('button', { name: 'Merge my accounts' }).click();

  await heading(page, 'Your accounts are now one').waitFor();
  const report = await page.locator('#merge-report').innerText();
  assert.match(report, /Your Clever login now opens this account/);
  // Her older account had no classes and no finished work: nothing is "added" from it.
  assert.doesNotMatch(report, /added from your other account/);
  await shot(page, 'merge-report');

  // Nothing lost: the same classes, the assignment still done, and both ways to log in.
  await page.getByRole('link', { name: 'Go to your classes' }).click();
  await page.waitForURL(/\/dashboard$/);
  await heading(page, 'Grade 4 Math').waitFor();
  await heading(page, 'Grade 4 Reading').waitFor();
  await page.locator('#done + ul').getByText(ASSIGNMENT.title, { exact: true }).waitFor();
  await page.getByText('Nothing to do right now.').waitFor();
  await shot(page, 'student-dashboard-after-merge');

  await page.getByRole('link', { name: 'María Núñez' }).click();
  await page.waitForURL(/\/profile$/);
  await page.getByText('Linked to your Clever account').waitFor();
  await page.getByText(`You can log in with ${MARIA.email} and your password.`).waitFor();
  await page.getByRole('cell', { name: 'Accounts merged' }).waitFor();
  await shot(page, 'student-profile-after-merge');
  await page.context().close();
});

test('3. Sam sees María done, and his account activity', async () => {
  assert.ok(sam && assignmentUrl, 'story 1 left Sam signed in');
  const page = sam;
  await page.goto(assignmentUrl);
  await heading(page, ASSIGNMENT.title).waitFor();
  await page.getByText('Posted by Sam Kelly · 1 of 5 done').waitFor();
  const maria = page.getByRole('row').filter({ hasText: 'María N' });
  await maria.getByText('Done', { exact: true }).waitFor();
  assert.equal(await page.getByRole('cell', { name: 'Not yet' }).count(), 4);
  await shot(page, 'assignment-maria-done');

  await page.getByRole('link', { name: 'Sam Kelly' }).click();
  await page.waitForURL(/\/profile$/);
  await heading(page, 'Your account').waitFor();
  await page.getByText('Linked to your Clever account').waitFor();
  await page.getByText(`You can log in with ${SAM.email} and your password.`).waitFor();
  assert.equal(await page.getByLabel('School').inputValue(), 'Lincoln Elementary');
  const activity = page.locator('#activity');
  for (const what of ['Clever linked', 'Classes synced', 'School changed']) {
    await activity.getByRole('cell', { name: what, exact: true }).first().waitFor();
  }
  await shot(page, 'teacher-profile');
  await page.context().close();
});

test('4. The admin logs in with a password and filters the audit log', async () => {
  const page = await newPage();
  await page.goto(`${run.appUrl}/login`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  // An admin lands on the admin pages, not on a teacher's dashboard asking for a school.
  await page.waitForURL(/\/admin\/audit$/);
  await heading(page, 'Audit log').waitFor();
  for (const what of ['Account created', 'Clever linked', 'Classes synced', 'Accounts merged']) {
    await page.getByRole('cell', { name: what, exact: true }).first().waitFor();
  }
  await shot(page, 'admin-audit', { phone: true });

  await page.getByLabel('Action').selectOption('clever_linked');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/\/admin\/audit\?.*action=clever_linked/);
  const rows = page.locator('table.audit tbody tr');
  await rows.first().waitFor();
  const whats = await rows.locator('td:nth-child(3)').allInnerTexts();
  assert.ok(whats.length > 0 && whats.every((w) => w === 'Clever linked'), `filtered: ${whats}`);
  await rows.filter({ hasText: 'Sam Kelly' }).first().waitFor();
  await shot(page, 'admin-audit-clever-linked');
  await page.context().close();
});

test('No page broke the Content-Security-Policy or threw', () => {
  assert.deepEqual(problems, []);
});
