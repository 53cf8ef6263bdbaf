// Signs in as each account and runs axe-core (WCAG 2.x A and AA rules) on
// each page in headless Chromium; prints every violation, exits 1 if any.
const { chromium } = require('playwright-core');
const fs = require('fs');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const base = process.argv[2];
const accounts = JSON.parse(process.argv[3]);
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  let total = 0, pages = 0;
  for (const [email, paths] of Object.entries(accounts)) {
    const ctx = await browser.newContext({ bypassCSP: true });
    const page = await ctx.newPage();
    await page.goto(base + '/login');
    await page.fill('#email', email);
    await page.fill('#password', 'correct horse battery staple');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    for (const p of paths) {
      await page.goto(base + p);
      await page.addScriptTag({ content: axeSource });
      const r = await page.evaluate(async () => await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }));
      pages++;
      for (const v of r.violations) {
        total++;
        console.log(`${email} ${p}: ${v.id} (${v.impact}) ${v.nodes.length} nodes: ${v.nodes[0].target} ${v.nodes[0].failureSummary.split('\n')[1]}`);
      }
    }
    await ctx.close();
  }
  console.log(`axe: ${total} violations on ${pages} pages`);
  await browser.close();
  process.exit(total ? 1 : 0);
})();
