// Lighthouse's accessibility audit of the officer console and the citizen's tracking page, each
// page in the state a person sees it. The console is a single page app whose routes are hashes
// and whose token lives in the tab's sessionStorage: Lighthouse's navigation mode would load a
// signed-out page (and clear the storage), so puppeteer drives Debian's Chromium, signs the tab
// in as the console does (the token in sessionStorage), opens each route, waits for what it
// shows, and hands that page to Lighthouse's snapshot mode (the accessibility audits are axe's,
// run on the DOM as it is). The tracking page is audited empty and with a dossier found; the
// dossier comes from the server's GET /api/track, or, while the server has none, from an answer
// of the contract's shape given in the browser.
// Usage: node a11y.mjs URL TOKEN DOSSIER CODE SUBJECT MIN  (tools/check-a11y.sh starts the server)
// Prints TAP: "ok N - accessibility of PAGE: SCORE", "not ok" under MIN with the failing audits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { snapshot } from 'lighthouse';

const [base, token, dossier, code, subject, minText] = process.argv.slice(2);
const min = Number(minText || 95);
// What the console keeps after a sign-in (console/console.js).
const TOKEN_KEY = 'motcua-token';
// The pages audited (1280 px wide unless said): where, what shows that the page is ready, and how it gets there. A page of
// the console that is not there yet (its ready element never shows) is reported as skipped.
const PAGES = [
  { name: 'the sign-in page', url: '/', ready: '#login:not([hidden]) input', signedIn: false },
  { name: 'the queue', url: '/#/', ready: '#queue:not([hidden]) tbody tr', signedIn: true },
  { name: 'the dossier page', url: `/#/dossiers/${dossier}`, ready: '#dossier:not([hidden]) #d-checklist tbody tr', signedIn: true },
  { name: 'the intake form', url: '/#/tiep-nhan/birth-registration', ready: '#i-form:not([hidden]) #i-fields input', signedIn: true },
  { name: 'the tracking page', url: '/tra-cuu', ready: '#tra-cuu', signedIn: false },
  { name: 'the tracking page with a dossier found', url: '/tra-cuu', ready: '#tra-cuu', signedIn: false, search: true },
  { name: 'the tracking page with a dossier found, 390 px wide', url: '/tra-cuu', ready: '#tra-cuu', signedIn: false,
    search: true, width: 390 },
];
// A dossier as GET /api/track answers it (contract 4 of issue 21), for a server without it.
const FOUND = {
  code: Number(code), procedure: 'birth-registration',
  procedure_title: { en: 'Birth registration', vi: 'Đăng ký khai sinh' },
  state: 'submitted', state_title: { en: 'Submitted', vi: 'Đã tiếp nhận' }, final: false,
  submitted: '2025-07-14T09:00', due: '2025-07-18T17:00', apology_new_date: '2025-07-25',
  asked: [{ document: 'marriage-certificate', title: { en: 'Marriage certificate', vi: 'Giấy chứng nhận kết hôn' },
    reason: 'Không cơ sở dữ liệu nào giữ giấy này.', code: 'asked-no-registry', args: ['marriage-certificate'] }],
};

let n = 0;
let failed = 0;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'a11y-'));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  userDataDir: profile,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const probe = await fetch(`${base}/api/track?code=${code}&subject=${subject}`);
  const liveTrack = probe.status === 200;
  for (const p of PAGES) {
    n += 1;
    const page = await browser.newPage();
    await page.setViewport(p.width ? { width: p.width, height: 844, isMobile: true, hasTouch: true }
      : { width: 1280, height: 900 });
    if (p.search && !liveTrack) {
      await page.setRequestInterception(true);
      page.on('request', (rq) => {
        if (new URL(rq.url()).pathname === '/api/track') {
          rq.respond({ status: 200, contentType: 'application/json', body: JSON.stringify(FOUND) });
        } else {
          rq.continue();
        }
      });
    }
    try {
      if (p.signedIn) {
        await page.goto(`${base}/`);
        await page.evaluate((k, v) => sessionStorage.setItem(k, v), TOKEN_KEY, token);
      }
      await page.goto(base + p.url);
      try {
        await page.waitForSelector(p.ready, { timeout: 5000 });
      } catch (e) {
        if (p.optional) {
          console.log(`ok ${n} - accessibility of ${p.name} # SKIP the console has no ${p.url} (${p.ready}) yet`);
          continue;
        }
        throw new Error(`${p.url} never showed ${p.ready}`);
      }
      if (p.search) {
        await page.type('#code', code);
        await page.type('#subject', subject);
        await page.click('#submit');
        await page.waitForSelector('#result:not([hidden])', { timeout: 5000 });
      }
      const result = await snapshot(page, {
        flags: { onlyCategories: ['accessibility'], logLevel: 'silent' },
      });
      const lhr = result.lhr;
      const score = Math.round(lhr.categories.accessibility.score * 100);
      const ok = score >= min;
      const how = p.search ? (liveTrack ? ' (server)' : ' (contract)') : '';
      console.log(`${ok ? 'ok' : 'not ok'} ${n} - accessibility of ${p.name}${how}: ${score}`);
      // Every audit that failed, passing or not: what a person would still trip on.
      for (const ref of lhr.categories.accessibility.auditRefs) {
        const a = lhr.audits[ref.id];
        if (ref.weight > 0 && a.score !== null && a.score < 1) {
          const items = (a.details && a.details.items) || [];
          const where = items.slice(0, 3).map((i) => (i.node && (i.node.snippet || i.node.selector)) || '').join(' ');
          console.log(`# ${p.name}: ${a.id}: ${a.title}${where ? ' — ' + where.replace(/\s+/g, ' ') : ''}`);
        }
      }
      if (!ok) failed += 1;
    } catch (e) {
      failed += 1;
      console.log(`not ok ${n} - accessibility of ${p.name}: not audited`);
      console.log(`# ${e.message.split('\n')[0]}`);
    } finally {
      await page.close();
    }
  }
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
