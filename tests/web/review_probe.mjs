// Drives the review page in Debian's headless chromium (playwright-core)
// as a person would (opens a recording from the list, scrubs the timeline,
// clicks events, plays) and prints, as one JSON line, what the page showed
// after each step, for the test (or the benchmark) to check.
// usage: node review_probe.mjs URL STEPS_JSON [SHOT_DIR]
//   steps: {"open": NAME} | {"scrub": FRAME} | {"event": TEXT} (the first
//   event button whose name starts with TEXT) | {"play": SECONDS, "speed": X}
//   | {"shot": FILE} | {"download": true} (the PDF link)
import { chromium } from 'playwright-core';
import path from 'node:path';

const [url, stepsJson, shotDir] = process.argv.slice(2);
const steps = JSON.parse(stepsJson);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
const external = [];
await ctx.route('**/*', route => {
  const u = new URL(route.request().url());
  if (u.host !== new URL(url).host) { external.push(u.href); return route.abort(); }
  return route.continue();
});
const page = await ctx.newPage();
const errors = [];
page.on('pageerror', e => errors.push(String(e)));
await page.goto(url);
await page.waitForSelector('#recordings tbody tr');

const map = () => page.getByRole('img', { name: 'pressure map', exact: true });
async function state() {
  return page.evaluate(() => {
    const m = document.getElementById('map');
    const maps = [...document.querySelectorAll('#maps canvas')].map(c => ({
      name: c.getAttribute('aria-label'), hot: [+c.dataset.hotRow, +c.dataset.hotCol], peak: +c.dataset.peak }));
    return {
      frame: m.dataset.frame === undefined ? null : +m.dataset.frame,
      hot: m.dataset.hotRow === undefined ? null : [+m.dataset.hotRow, +m.dataset.hotCol],
      peak: m.dataset.peak === undefined ? null : +m.dataset.peak,
      timeline: +document.getElementById('timeline').value,
      moment: document.getElementById('moment').textContent,
      about: document.getElementById('about').textContent,
      current: [...document.querySelectorAll('#events tr.current td:nth-child(2)')].map(t => t.textContent),
      events: [...document.querySelectorAll('#events tbody button')].map(b => b.textContent),
      list: [...document.querySelectorAll('#recordings tbody a')].map(a => a.textContent),
      pdf: document.getElementById('pdf').hidden ? null : document.getElementById('pdf').getAttribute('href'),
      maps,
    };
  });
}

// Waits until the map shows frame `want` (or any new frame), returning ms.
async function until(want, timeoutMs = 10000) {
  const t0 = Date.now();
  await page.waitForFunction(w => document.getElementById('map').dataset.frame === String(w), want,
                             { timeout: timeoutMs, polling: 'raf' });
  return Date.now() - t0;
}

const out = [];
for (const s of steps) {
  const r = { step: s };
  if (s.open) {
    await page.getByRole('link', { name: s.open, exact: true }).click();
    r.ms = await until(s.frame || 0);
    if (s.maps !== false)
      await page.waitForFunction(() => document.querySelectorAll('#maps canvas').length === 3 ||
                                       document.querySelector('#maps .note'), null, { timeout: 120000 });
  } else if (s.scrub !== undefined) {
    // As a drag of the slider does: set the value, fire 'input'; timed in
    // the page, from the event to the paint that shows the frame.
    r.ms = await page.evaluate(async f => {
      const t0 = performance.now();
      const el = document.getElementById('timeline');
      el.value = f;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((resolve, reject) => {
        const deadline = t0 + 10000;
        (function check() {
          if (document.getElementById('map').dataset.frame === String(f)) return resolve();
          if (performance.now() > deadline) return reject(new Error('frame ' + f + ' not shown'));
          requestAnimationFrame(check);
        })();
      });
      return performance.now() - t0;
    }, s.scrub);
  } else if (s.event) {
    const b = page.locator('#events tbody button', { hasText: s.event }).first();
    const want = await b.evaluate(el => {
      const k = +el.closest('tr').dataset.k;
      return k;
    });
    await b.click();
    await page.waitForTimeout(300);
    r.k = want;
  } else if (s.play) {
    if (s.speed) await page.getByRole('combobox', { name: 'speed' }).selectOption(String(s.speed));
    const before = await state();
    await page.getByRole('button', { name: 'Play' }).click();
    const painted = await page.evaluate(async secs => {
      let n = 0, last = document.getElementById('map').dataset.frame;
      const t0 = performance.now();
      while (performance.now() - t0 < secs * 1000) {
        await new Promise(r => requestAnimationFrame(r));
        const f = document.getElementById('map').dataset.frame;
        if (f !== last) { n++; last = f; }
      }
      return n;
    }, s.play);
    await page.getByRole('button', { name: 'Pause' }).click();
    r.before = before.frame;
    r.painted = painted;
  } else if (s.download) {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'PDF report' }).click()]);
    r.filename = dl.suggestedFilename();
    r.path = path.join(shotDir || '/tmp', r.filename);
    await dl.saveAs(r.path);
  }
  if (s.shot && shotDir) await page.screenshot({ path: path.join(shotDir, s.shot), fullPage: true });
  r.state = await state();
  out.push(r);
}
console.log(JSON.stringify({ steps: out, errors, external }));
await browser.close();
