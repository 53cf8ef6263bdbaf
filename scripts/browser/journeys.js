// Browser journeys a first-time user takes (issue 14, items 1-5), in headless
// Chromium with JavaScript turned off: every page must work without it.
// Usage: node journeys.js BASE_URL   (accounts made by scripts/browser-tests)
const { chromium } = require('playwright-core');
const base = process.argv[2];
const PASSWORD = 'correct horse battery staple';
let failures = 0, checks = 0;

function check(ok, what) {
  checks++;
  if (ok) { console.log(`  ok   ${what}`); } else { failures++; console.log(`  FAIL ${what}`); }
}

async function signIn(browser, email) {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(base + '/login');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  return page;
}

const text = (page, sel) => page.locator(sel).first().innerText();

async function focusIsVisible(browser) {
  console.log('1. Keyboard focus is visible on text areas of the return form');
  const page = await signIn(browser, 'rep@example.nhs.uk');
  await page.goto(base + '/returns/2020-21-q4/RAL');
  for (const id of ['rating_justification', 'narrative', 'risk_1_description']) {
    const el = page.locator('#' + id);
    const before = await el.evaluate(e => getComputedStyle(e).outlineStyle);
    await el.focus();
    const s = await el.evaluate(e => { const c = getComputedStyle(e); return [c.outlineStyle, c.outlineColor, c.outlineWidth]; });
    check(before === 'none' && s[0] === 'solid' && s[1] === 'rgb(255, 235, 59)' && parseFloat(s[2]) >= 3,
      `#${id} gets a yellow focus outline (${s.join(' ')})`);
  }
  await page.context().close();
}

async function releaseGoesThroughConfirmation(browser) {
  console.log('2. Releasing money: offered only when it can work, and confirmed first');
  const page = await signIn(browser, 'office@example.nhs.uk');
  const releaseLinks = 'a[href^="/tranches/"][href$="/release"]';
  // The seed's Newcastle (RTD) has one tranche left, waiting on milestone M05.
  await page.goto(base + '/participants/RTD');
  check(await page.locator(releaseLinks).count() === 0,
    'no Release button on a tranche whose milestone is not signed off');
  // Its release page, reached directly (the seed's RAL instalment 4), says why not.
  await page.goto(base + '/tranches/32/release');
  check((await text(page, 'h1')).includes('cannot be released'), 'the release page says why it cannot be released');
  check(await page.locator('main button[type=submit]').count() === 0, '... and offers no Confirm button');
  // Sign M05 off, then release its tranche.
  await page.goto(base + '/participants/RTD');
  await Promise.all([page.waitForNavigation(), page.locator('#milestones a', { hasText: 'M05' }).first().click()]);
  await Promise.all([page.waitForNavigation(), page.click('text=Sign off as complete')]);
  await page.goto(base + '/participants/RTD');
  const release = page.locator(releaseLinks);
  check(await release.count() === 1, 'Release is offered once the milestone is signed off');
  const releaseHref = await release.getAttribute('href');
  await Promise.all([page.waitForNavigation(), release.click()]);
  const confirm = page.locator('main button[type=submit]');
  check((await confirm.innerText()).includes('£2,000,000'), 'the confirmation states the amount');
  check((await page.locator('main').innerText()).includes('The Newcastle upon Tyne Hospitals NHS Foundation Trust'), '... and the recipient');
  await Promise.all([page.waitForNavigation(), page.click('main >> text=Go back')]);
  check(page.url().endsWith('/participants/RTD'), 'Go back returns to the participant');
  check(await page.locator(releaseLinks).count() === 1, '... and nothing was released');
  await page.goto(base + releaseHref);
  await Promise.all([page.waitForNavigation(), page.locator('main button[type=submit]').click()]);
  check((await page.locator('main').innerText()).match(/released/i) !== null, 'Confirm releases it and says so');
  await page.goto(base + '/participants/RTD');
  check(await page.locator(releaseLinks).count() === 0, '... and Release is no longer offered');
  await page.context().close();
}

async function returnFormErrorsAreTied(browser) {
  console.log('3. Return form: errors tied to their fields; risk blocks work without JavaScript');
  const page = await signIn(browser, 'rep@example.nhs.uk');
  await page.goto(base + '/returns/2020-21-q4/RAL');
  const blocks = await page.locator('fieldset.risk').count();
  const forecast = page.locator('input[name$="_forecast"]').first();
  await forecast.fill('next spring');
  await page.fill('#spend_to_date', '-5');
  await Promise.all([page.waitForNavigation(), page.click('text=Submit to the programme office')]);
  const summaryLinks = await page.locator('.nhsuk-error-summary a').evaluateAll(as => as.map(a => a.getAttribute('href')));
  check(summaryLinks.length >= 2, `the error summary lists the problems (${summaryLinks.length})`);
  for (const href of summaryLinks) {
    const field = page.locator(href);
    const ok = await field.count() === 1;
    const described = ok ? (await field.getAttribute('aria-describedby') || '') : '';
    const invalid = ok ? await field.getAttribute('aria-invalid') : null;
    let messages = '';
    for (const id of described.split(' ').filter(Boolean)) {
      if (await page.locator('#' + id).count()) messages += await page.locator('#' + id).innerText();
    }
    check(ok && invalid === 'true' && messages.includes('Error:'),
      `${href}: linked from the summary, aria-invalid, described by its message`);
  }
  check(await forecast.inputValue() === 'next spring', 'what was typed is kept');
  await Promise.all([page.waitForNavigation(), page.click('text=Add another risk')]);
  check(await page.locator('fieldset.risk').count() === blocks + 1, 'Add another risk adds a block without JavaScript');
  await page.context().close();
}

async function reporterSeesTheirReturn(browser) {
  console.log('4. A trust reporter is told about their return on the overview');
  const page = await signIn(browser, 'rep@example.nhs.uk');
  await page.goto(base + '/');
  const banner = await text(page, '#returns-due-title');
  check(banner.includes('Your returns'), 'the overview starts with their returns');
  const link = page.locator('a[href="/returns/2020-21-q4/RAL"]').first();
  check(await link.count() === 1, 'with a link to the return in draft');
  await Promise.all([page.waitForNavigation(), link.click()]);
  check((await text(page, 'h1')).includes('return for 2020/21 Q4'), 'which opens the return');
  await page.context().close();
}

async function requesterIsNotOfferedTheDecision(browser) {
  console.log('5. The requester of a change is not offered the decision');
  const requester = await signIn(browser, 'office@example.nhs.uk');
  await requester.goto(base + '/participants/RAL');
  const milestone = requester.locator('#milestones a[href^="/milestones/"]').first();
  const href = await milestone.getAttribute('href');
  await requester.goto(base + href);
  await requester.fill('#proposed_baseline_on', '31/03/2030');
  await requester.fill('#reason', 'Supplier delay agreed at the programme board');
  await Promise.all([requester.waitForNavigation(), requester.click('text=Request baseline change')]);
  await requester.goto(base + '/change-requests');
  const mine = requester.locator('tr', { hasText: 'Supplier delay agreed' });
  check(await mine.count() === 1, 'the request is listed');
  check(await mine.locator('text=Approve').count() === 0 && await mine.locator('text=Reject').count() === 0,
    'its requester is offered neither Approve nor Reject');
  check((await mine.innerText()).includes('another programme-office user'), '... and is told who decides');
  const other = await signIn(browser, 'office2@example.nhs.uk');
  await other.goto(base + '/change-requests');
  const theirs = other.locator('tr', { hasText: 'Supplier delay agreed' });
  check(await theirs.locator('text=Approve').count() === 1, 'another programme-office user is offered the decision');
  await requester.context().close();
  await other.context().close();
}

(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'] });
  try {
    await focusIsVisible(browser);
    await releaseGoesThroughConfirmation(browser);
    await returnFormErrorsAreTied(browser);
    await reporterSeesTheirReturn(browser);
    await requesterIsNotOfferedTheDecision(browser);
  } catch (e) {
    failures++;
    console.log('  FAIL ' + e.message.split('\n')[0]);
  }
  await browser.close();
  console.log(`browser journeys: ${checks} checks, ${failures} failed`);
  process.exit(failures ? 1 : 0);
})();
