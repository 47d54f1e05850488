// SPDX-License-Identifier: EUPL-1.2
// The web page in Debian's headless Chromium, driven by playwright-core, against real daemons
// (tests/web/browser.sh starts them): a caseworker at the municipality takes a handover over and
// the school's page shows it taken over; the privacy officer sees the audit chain verified; a
// caseworker sees the refusal of the audit; the take-over works by keyboard alone; the English
// switch changes the labels. Saves a screenshot of each page in SHOTS.
// Environment: GEM, SCHOOL (the pages' URLs), H1, H2 (two handovers in the municipality's inbox),
// TOK_CW, TOK_PO, SHOTS, JS_DIR (tests/js, where node_modules is).
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.JS_DIR, 'package.json'));
const { chromium } = require('playwright-core');

const { GEM, SCHOOL, H1, H2, TOK_CW, TOK_PO, SHOTS } = process.env;
let passed = 0;
let failed = 0;

function ok(cond, what, seen) {
  if (cond) {
    passed++;
    console.log(`ok - ${what}`);
  } else {
    failed++;
    console.log(`FAIL - ${what}${seen !== undefined ? `\n      seen: ${String(seen).slice(0, 400)}` : ''}`);
  }
}

async function text(page, sel) {
  const l = page.locator(sel);
  return (await l.count()) ? (await l.first().innerText()).trim() : '';
}

// A long page (a whole form) is shown as far as the window goes.
async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

async function login(page, url, token) {
  await page.goto(url);
  await page.locator('#token').fill(token);
  await page.locator('#login-submit').click();
  await page.locator('#nav').waitFor({ state: 'visible' });
}

// Presses Tab until the element matching sel has the focus; false after limit presses.
async function tabTo(page, sel, limit = 60) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), sel)) return true;
    await page.keyboard.press('Tab');
  }
  return false;
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});
try {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'nl-NL' });
  const errors = [];

  // (1) The municipality's caseworker takes the handover over.
  const gem = await ctx.newPage();
  // The refusals the test provokes (401, 403) are logged by the browser as failed loads; anything
  // else (a script error, a Content-Security-Policy violation) is a defect.
  const watch = (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
  };
  watch(gem);
  await gem.goto(GEM);
  await gem.locator('#token').waitFor();
  ok((await gem.locator('label[for="token"]').innerText()).trim() === 'Token', 'the login form labels its input');
  await shot(gem, 'login');
  await gem.locator('#token').fill('not-a-token');
  await gem.locator('#login-submit').click();
  await gem.locator('#login-message.notice').waitFor();
  ok((await text(gem, '#login-message')).includes('onbekend'), 'a wrong token is refused at login', await text(gem, '#login-message'));
  await login(gem, GEM, TOK_CW);
  await gem.locator(`a[href="#/inbox/${H1}"]`).waitFor();
  ok((await text(gem, 'h1')) === 'Ontvangen overdrachten', 'the caseworker lands on the inbox, in Dutch', await text(gem, 'h1'));
  ok((await text(gem, 'main table')).includes('Overdracht schoolverlater'), 'the inbox names the form by its Dutch title', await text(gem, 'main table'));
  await shot(gem, 'inbox');
  await gem.locator(`a[href="#/inbox/${H1}"]`).click();
  await gem.locator('#accept').waitFor();
  const doc = await text(gem, '.document');
  ok((await text(gem, 'h1')) === 'Overdracht schoolverlater', 'the handover opens as a document with its title', await text(gem, 'h1'));
  ok(doc.includes('Jongere') && doc.includes('Haan'), 'the document shows the form with its Dutch labels', doc.slice(0, 300));
  await shot(gem, 'handover', false);
  await gem.emulateMedia({ media: 'print' });
  ok(!(await gem.locator('#accept').isVisible()) && (await gem.locator('.document').isVisible()),
    'printed, the page shows the document without the forms and menus');
  await gem.emulateMedia({ media: 'screen' });
  await gem.locator('#accept-by').fill('Jan de Vries, jobcoach gemeente');
  await gem.locator('#accept-submit').click();
  await gem.locator('#decision-notice').waitFor();
  ok((await text(gem, '#item-state')).includes('overgenomen'), 'after accepting, the item is taken over', await text(gem, '#item-state'));
  ok((await text(gem, 'main')).includes('Jan de Vries'), 'the page names who took it over');

  // ... and the school's caseworker sees it taken over (once the signed notice has arrived).
  const school = await ctx.newPage();
  watch(school);
  await login(school, SCHOOL, TOK_CW);
  let state = '';
  for (let i = 0; i < 40 && !state.includes('overgenomen'); i++) {
    await school.goto(`${SCHOOL}#/outbox/${H1}`);
    await school.reload();
    await school.locator('#item-state').waitFor();
    state = await text(school, '#item-state');
    if (!state.includes('overgenomen')) await school.waitForTimeout(500);
  }
  ok(state.includes('overgenomen'), "the school's page shows the handover taken over", state);
  const tl = await text(school, '#timeline');
  ok(tl.includes('Overgenomen door Jan de Vries') && tl.includes('Afgeleverd, ontvangstbewijs'),
    'the timeline shows delivery with its receipt and who took it over', tl);
  await shot(school, 'outbox');
  await school.goto(`${SCHOOL}#/outbox`);
  await school.locator('main table').waitFor();
  await shot(school, 'outbox-list');
  await school.goto(`${SCHOOL}#/consents`);
  await school.locator('main table').waitFor();
  ok((await text(school, 'main table')).includes('warme-overdracht'), 'the school sees its consent register');
  await shot(school, 'consents');

  // (3) A caseworker may not open the audit: the daemon's refusal is shown.
  await gem.goto(`${GEM}#/audit`);
  await gem.locator('#entries .error').waitFor();
  const refusal = await text(gem, '#entries .error');
  ok(refusal.includes('Geweigerd') && refusal.includes('may not read the audit trail'),
    "a caseworker opening the audit sees the daemon's refusal", refusal);
  await shot(gem, 'audit-refused');

  // (4) The keyboard alone: open the second handover and take it over.
  await gem.goto(`${GEM}#/inbox`);
  await gem.locator(`a[href="#/inbox/${H2}"]`).waitFor();
  await gem.locator('body').focus();
  ok(await tabTo(gem, `a[href="#/inbox/${H2}"]`), 'Tab reaches the second handover\'s link');
  ok(await gem.evaluate(() => getComputedStyle(document.activeElement).outlineStyle !== 'none'),
    'the focused link shows its focus');
  await gem.keyboard.press('Enter');
  await gem.locator('#accept-by').waitFor();
  ok(await tabTo(gem, '#accept-by'), 'Tab reaches the name field of the take-over form');
  await gem.keyboard.type('Sara Yilmaz, casemanager');
  await gem.keyboard.press('Enter');
  await gem.locator('#decision-notice').waitFor();
  ok((await text(gem, '#item-state')).includes('overgenomen') && (await text(gem, 'main')).includes('Sara Yilmaz'),
    'the take-over by keyboard alone is recorded', await text(gem, '#item-state'));

  // (5) The English switch.
  await gem.goto(`${GEM}#/inbox`);
  await gem.locator('main table').waitFor();
  await gem.locator('#lang').click();
  await gem.locator('main table').waitFor();
  ok((await text(gem, 'h1')) === 'Received handovers' && (await text(gem, '#nav')).includes('Sent') &&
    (await text(gem, '#logout')) === 'Log out' && (await text(gem, 'main table')).includes('School-leaver handover'),
  'the English switch changes the labels', `${await text(gem, 'h1')} | ${await text(gem, '#nav')}`);
  ok(await gem.evaluate(() => document.documentElement.lang) === 'en', 'the page says it is in English');
  await shot(gem, 'inbox-en');
  await gem.locator(`a[href="#/inbox/${H1}"]`).click();
  await gem.locator('.document').waitFor();
  ok((await text(gem, '.document')).includes('Young person'), 'the document shows its English labels');
  await gem.locator('#lang').click();
  await gem.locator('main h1').waitFor();

  // A narrow window still shows the whole item.
  await gem.setViewportSize({ width: 380, height: 800 });
  await gem.goto(`${GEM}#/inbox/${H1}`);
  await gem.locator('.document').waitFor();
  ok(await gem.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1),
    'the item fits a narrow window without sideways scrolling');
  await shot(gem, 'narrow', false);

  // (2) The privacy officer: the audit with its chain verified, and the reports.
  const po = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  watch(po);
  await login(po, GEM, TOK_PO);
  await po.locator('#verify-result').waitFor();
  const verified = await text(po, '#verify-result');
  ok(verified.includes('De keten is intact') && (await po.locator('#verify-result.ok').count()) === 1,
    'the privacy officer sees the audit chain verified', verified);
  await po.locator('#entries table').waitFor();
  const trail = await text(po, '#entries');
  ok(trail.includes('accepted') && trail.includes('token anna.caseworker (web), caseworker'),
    'the audit names the person whose token accepted', trail.slice(0, 400));
  await po.locator('#checkpoints h3').first().waitFor();
  await po.waitForTimeout(300);
  await shot(po, 'audit');
  await po.locator('#f-event').fill('accepted');
  await po.locator('#audit-filters button[type="submit"]').click();
  await po.waitForFunction(() => location.hash.includes('event=accepted'));
  await po.locator('#entries table').waitFor();
  const rows = await po.locator('#entries tbody tr').count();
  ok(rows === 2, 'the event filter leaves the two take-overs', rows);
  await po.goto(`${GEM}#/inbox/${H1}`);
  await po.locator('.error').waitFor();
  ok((await text(po, '.error')).includes("may not read a form's content"), "the privacy officer is refused a form's content",
    await text(po, '.error'));
  await po.goto(`${GEM}#/reports`);
  await po.locator('#show-figures').click();
  await po.locator('#figures svg.bars').first().waitFor();
  const figs = await text(po, '#figures');
  ok(figs.includes('<5'), 'the steering figures keep small counts as "<5"', figs.slice(0, 300));
  await po.locator('#s-last').fill('Haan');
  await po.locator('#s-dob').fill('2007-03-14');
  await po.locator('#subject button[type="submit"]').click();
  await po.locator('#subject-report:not([hidden])').waitFor();
  const report = await text(po, '#subject-report');
  ok(/ontvangen \(2\)/.test(report) && report.includes('Praktijkschool De Brug'),
    'the access report lists the two handovers received about the young person, and from whom', report);
  await po.locator('#show-register').click();
  await po.locator('#register:not([hidden])').waitFor();
  ok((await text(po, '#register')).length > 100, 'the processing register is shown');
  await shot(po, 'reports');

  // (3) A long verification: the school's trail holds three million entries more; the privacy
  // officer sees how many batond has walked, then the verdict.
  const po2 = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  watch(po2);
  await login(po2, SCHOOL, TOK_PO);
  await po2.locator('#verify-progress').waitFor({ timeout: 60000 });
  const walking = await text(po2, '#verify-progress');
  const m = /Bezig met controleren: (\d+) van (\d+) regels/.exec(walking);
  ok(m !== null && Number(m[1]) < Number(m[2]) && Number(m[2]) > 3000000,
    'a long verification shows the entries walked so far, of all', walking);
  await po2.locator('#verify-result').waitFor({ timeout: 120000 });
  const done = await text(po2, '#verify-result');
  ok(m !== null && done.includes(`De keten is intact: ${m[2]} regels`), 'then the verdict, over all of them', done);

  ok(errors.length === 0, 'no script errors or CSP violations in the console', errors.join(' | '));
} catch (e) {
  failed++;
  console.log(`FAIL - the browser run stopped: ${e && e.stack ? e.stack : e}`);
} finally {
  await browser.close();
}
console.log(`# ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
