// The officer console in a real browser: sign in with a token, open the overdue dossier from
// the queue, ask the applicant for a document a registry holds, and see the once-only refusal.
// Usage: node test.mjs URL TOKEN SCREENSHOT.png  (tools/check-console.sh starts the server)
import { chromium } from 'playwright-core';

const [url, token, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
let n = 0;
function check(name, ok, detail) {
  n += 1;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${name}`);
  if (!ok) {
    failed += 1;
    if (detail) console.log(`# ${detail}`);
  }
}
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Answers such as 401 and 409 are logged by the browser as failed loads: expected here.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  await page.goto(url);
  check('the console asks for a token', await page.isVisible('#login'));
  await page.fill('#token', 'wrong-token');
  await page.click('#login-form button');
  await page.waitForSelector('#login-error:not(:empty)');
  check('a wrong token is refused', (await page.textContent('#login-error')).includes('not known'));
  await page.fill('#token', token);
  await page.click('#login-form button');
  await page.waitForSelector('#queue-table tbody tr');
  const first = await page.$eval('#queue-table tbody tr', (tr) => ({
    cls: tr.className, text: tr.textContent,
  }));
  check('the queue shows the overdue dossier first', first.cls === 'overdue' && first.text.includes('overdue'),
    JSON.stringify(first));
  const counts = await page.textContent('#queue-counts');
  check('the first page says how many in all, by state', counts === '2 dossiers (1 overdue): processing 1, submitted 1',
    counts);
  check('no next page when the queue fits in one', await page.isHidden('#queue-next'));
  await page.fill('#search', '079000000002');
  await page.click('#filter button');
  await page.waitForSelector('#queue-table tbody tr:only-child');
  const found = await page.textContent('#queue-table tbody');
  const searched = await page.textContent('#queue-counts');
  check('the search box lists the dossier of that subject', found.startsWith('2') && searched.startsWith('1 dossiers'),
    `${found} | ${searched}`);
  await page.fill('#search', '');
  await page.click('#filter button');
  await page.waitForSelector('#queue-table tbody tr:nth-child(2)');
  await page.click('#queue-table tbody tr:first-child a');
  await page.waitForSelector('#d-checklist tbody tr');
  const checklist = await page.textContent('#d-checklist');
  check('the dossier page shows a document fetched from its registry',
    checklist.includes('fetched from civil-status') && checklist.includes('never asked of the applicant'),
    checklist);
  const options = await page.$$eval('#d-event option', (os) => os.map((o) => o.textContent));
  check('the actions are those of the token\'s roles', options.some((o) => o.startsWith('request-supplement (as clerk)')),
    JSON.stringify(options));
  const value = await page.$$eval('#d-event option', (os) => os.find((o) => o.textContent.startsWith('request-supplement')).value);
  await page.selectOption('#d-event', value);
  await page.fill('#d-documents', 'marriage-certificate');
  await page.click('#d-fire');
  await page.waitForSelector('#d-message:not(:empty)');
  const message = await page.textContent('#d-message');
  check('a blocked request shows the once-only message',
    message.startsWith('Refused (once-only): marriage-certificate is held by civil-status'),
    message);
  const history = await page.textContent('#d-history');
  check('the refusal is in the history, with the user', history.includes('refused (once-only)') && history.includes('(lan)'),
    history);
  await page.screenshot({ path: shot, fullPage: true });
  check('no script error', errors.length === 0, errors.join(' | '));
} catch (e) {
  check('the console test ran to its end', false, e.message.split('\n')[0]);
} finally {
  await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
