// An interconnected dossier in the officer console (tools/check-parts.sh starts the server):
// each agency sees its own part, the whole lists its parts, a part links back to the whole, the
// police approve their part. Prints TAP.
// Usage: node parts.mjs URL OUTDIR
import { chromium } from 'playwright-core';

const [url, outdir] = process.argv.slice(2);
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
    if (detail !== undefined) console.log(`# ${String(detail).replace(/\n/g, ' ')}`);
  }
}
async function until(page, fn, arg) {
  for (let i = 0; i < 200; i++) {
    if (await page.evaluate(fn, arg)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${String(fn).slice(0, 160)}`);
}
async function settled(page) {
  await until(page, () => !document.querySelector('#main').hasAttribute('aria-busy'));
}
async function signIn(page, token) {
  if (await page.isVisible('#sign-out')) {
    await page.click('#sign-out');
    await page.waitForSelector('#login:not([hidden])');
  }
  await page.fill('#token', token);
  await page.click('#login-submit');
  await page.waitForSelector('#queue:not([hidden])');
  await settled(page);
}
async function queueIds(page) {
  await until(page, () => document.querySelectorAll('#queue-table tbody tr').length > 0);
  return page.$$eval('#queue-table tbody tr a', (as) => as.map((a) => a.textContent.trim()));
}
async function openDossier(page, id) {
  await page.evaluate(() => { document.querySelector('#d-title').textContent = ''; });
  await page.goto(`${url}#/ho-so/${id}`);
  await settled(page);
  await until(page, (i) => document.querySelector('#d-title').textContent.includes(`số ${i}:`), id);
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  // The commune (the receiving unit) sees the whole and its own part, not the others'.
  await signIn(page, 'commune-secret');
  let ids = await queueIds(page);
  check('the commune\'s queue: the whole dossier (its birth part is closed), not the police\'s or insurance\'s',
    ids.includes('1') && !ids.includes('3') && !ids.includes('4'), ids.join(','));
  await openDossier(page, 1);
  const rows = await page.$$eval('#d-parts tbody tr', (trs) => trs.map((tr) =>
    Array.from(tr.querySelectorAll('td')).map((td) => td.textContent.trim())));
  check('the whole dossier lists its three parts in Vietnamese, each with its agency',
    rows.length === 3 && rows[0][0] === 'Đăng ký khai sinh' && rows[0][1] === 'Ủy ban nhân dân cấp xã' &&
    rows[1][0] === 'Đăng ký thường trú' && rows[1][1] === 'Công an cấp xã' &&
    rows[2][0] === 'Cấp thẻ bảo hiểm y tế' && rows[2][1] === 'Cơ quan bảo hiểm xã hội', JSON.stringify(rows));
  check('each part says how it stands: the birth registered, the others in progress',
    rows[0][2].includes('Đã giải quyết xong') && rows[1][2].includes('Đang xử lý') && rows[2][2].includes('Đang xử lý'),
    JSON.stringify(rows));
  const links = await page.$$eval('#d-parts tbody a', (as) => as.map((a) => a.getAttribute('href')));
  check('each started part links to its own dossier', links.join(',') === '#/ho-so/2,#/ho-so/3,#/ho-so/4', links.join(','));
  check('the whole dossier offers no action of the engine (parts-done is motcua\'s)',
    !(await page.$$eval('#d-event-list input', (is) => is.map((i) => i.dataset.event))).some((e) => e.startsWith('parts-')));
  const hist = await page.$eval('#d-history', (ol) => ol.textContent);
  check('the history says which part went to which dossier, in Vietnamese',
    hist.includes('Chuyển phần Đăng ký khai sinh đến cơ quan giải quyết: hồ sơ số 2') &&
    hist.includes('Chuyển phần Cấp thẻ bảo hiểm y tế đến cơ quan giải quyết: hồ sơ số 4'), hist);
  await page.screenshot({ path: `${outdir}/console-parts.png`, fullPage: true });
  // The police officer: their part only.
  await signIn(page, 'police-secret');
  ids = await queueIds(page);
  check('the police\'s queue holds their part alone', ids.length === 1 && ids[0] === '3', ids.join(','));
  await openDossier(page, 3);
  const parent = await page.$eval('#d-facts', (dl) => {
    const a = dl.querySelector('a[href="#/ho-so/1"]');
    return a ? a.textContent : null;
  });
  check('the part links back to the whole dossier, named by its part\'s title',
    parent === 'Hồ sơ số 1, phần: Đăng ký thường trú', parent);
  await page.check('#d-event-list input[data-event="approve"]');
  await page.click('#d-fire');
  await until(page, () => document.querySelector('#d-done').textContent.length > 0 ||
    document.querySelector('#d-message').textContent.length > 0);
  const state = await page.$eval('#d-facts', (dl) => dl.textContent);
  check('the police approve their part in the console', state.includes('Đã giải quyết xong'),
    await page.textContent('#d-message'));
  // The insurance officer approves theirs: the whole is ready to return.
  await signIn(page, 'insurance-secret');
  await openDossier(page, 4);
  await page.check('#d-event-list input[data-event="approve"]');
  await page.click('#d-fire');
  await until(page, () => document.querySelector('#d-done').textContent.length > 0 ||
    document.querySelector('#d-message').textContent.length > 0);
  await signIn(page, 'commune-secret');
  await openDossier(page, 1);
  const facts = await page.$eval('#d-facts', (dl) => dl.textContent);
  check('every part done: the whole waits for its results to be returned',
    facts.includes('Đã xử lý xong, chờ trả kết quả'), facts);
  // The citizen's tracking page: which agency does which part, in Vietnamese.
  const citizen = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await citizen.goto(`${url}tra-cuu`);
  await citizen.fill('#code', '1');
  await citizen.fill('#subject', '001092013131');
  await citizen.click('#submit');
  await until(citizen, () => !document.querySelector('#result').hidden);
  const tracked = await citizen.$$eval('#r-parts li', (lis) => lis.map((li) => li.textContent));
  check('the citizen\'s tracking page lists each agency\'s part and its state',
    tracked.length === 3 && tracked[0] === 'Đăng ký khai sinh — Ủy ban nhân dân cấp xã: Đã giải quyết xong' &&
    tracked[1] === 'Đăng ký thường trú — Công an cấp xã: Đã giải quyết xong' &&
    tracked[2] === 'Cấp thẻ bảo hiểm y tế — Cơ quan bảo hiểm xã hội: Đã giải quyết xong', JSON.stringify(tracked));
  await citizen.screenshot({ path: `${outdir}/tra-cuu-parts.png`, fullPage: true });
  const small = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await small.goto(url);
  await signIn(small, 'commune-secret');
  await openDossier(small, 1);
  const wide = await small.evaluate(() => document.documentElement.scrollWidth);
  check('at 390 px the parts do not scroll the page sideways', wide <= 390, String(wide));
} catch (err) {
  check('the interconnected dossier in the console', false, err.stack || String(err));
}
await browser.close();
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
