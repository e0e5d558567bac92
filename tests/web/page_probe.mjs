// Opens the dashboard in Debian's headless chromium (playwright-core) and
// prints, as one JSON line, what the page shows for each device after a
// wait: the test compares it with what pressd published.
// usage: node page_probe.mjs URL SECONDS SCREENSHOT.png [offline]
// ACTIONS='[{"at":2,"key":"m"},{"at":3,"click":"Tare"},{"at":1,"check":"sound cues"}]'
// acts during the wait, seconds after the page loaded, as a person would.
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';

const [url, secs, shot, offline] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const external = [];
// Anything not served by pressd-web itself would be a network fetch.
await ctx.route('**/*', route => {
  const u = new URL(route.request().url());
  if (u.host !== new URL(url).host) { external.push(u.href); return route.abort(); }
  return route.continue();
});
await ctx.addInitScript({ path: fileURLToPath(new URL('page_instrument.js', import.meta.url)) });
const page = await ctx.newPage();
const errors = [];
page.on('pageerror', e => errors.push(String(e)));
await page.goto(url);
// Every change of the connection line, to see a reconnection happen.
await page.evaluate(() => {
  window.connLog = [];
  const c = document.getElementById('conn');
  new MutationObserver(() => window.connLog.push(c.dataset.state + ': ' + c.textContent))
    .observe(c, { childList: true, characterData: true, subtree: true, attributes: true });
});
// Every text the pulses status showed, per device, to see a set build up.
await page.evaluate(() => {
  window.pulsesLog = {};
  new MutationObserver(() => {
    for (const s of document.querySelectorAll('[aria-label^="pulses "]')) {
      const id = s.getAttribute('aria-label').slice(7), log = window.pulsesLog[id] ||= [];
      if (log[log.length - 1] !== s.textContent) log.push(s.textContent);
    }
  }).observe(document.getElementById('devices'), { childList: true, characterData: true, subtree: true });
});
const started = Date.now();
const acted = [];
for (const a of JSON.parse(process.env.ACTIONS || '[]').sort((x, y) => x.at - y.at)) {
  await page.waitForTimeout(Math.max(0, started + 1000 * a.at - Date.now()));
  // begun: when the action started; time: when it returned (a cue or an
  // event caused by it can come in between).
  const begun = Date.now() / 1000;
  if (a.key) await page.keyboard.press(a.key);
  else if (a.click) await page.getByRole('button', { name: a.click, exact: true }).first().click();
  else if (a.check) await page.getByLabel(a.check).check();
  acted.push({ ...a, begun, time: Date.now() / 1000 });
}
await page.waitForTimeout(Math.max(0, started + 1000 * Number(secs) - Date.now()));
// CLICK=Mark: press the first panel's Mark button, as a person would.
if (process.env.CLICK) {
  await page.getByRole('button', { name: process.env.CLICK, exact: true }).first().click();
  await page.waitForTimeout(500);
}
const devices = await page.evaluate(() => [...document.querySelectorAll('section[role=region]')].map(r => {
  const id = r.getAttribute('aria-label');
  const q = name => r.querySelector(`[aria-label="${name} ${id}"]`);
  const map = q('pressure map');
  const roller = q('roller map');
  return {
    id,
    hot: map && map.dataset.hotRow !== undefined ? [+map.dataset.hotRow, +map.dataset.hotCol] : null,
    frame: map ? +map.dataset.frame : null,
    hold: { text: q('hold timer').textContent, state: q('hold timer').dataset.state },
    pulses: { text: q('pulses').textContent, count: q('pulses').dataset.count },
    passes: { text: q('passes').textContent, pass: q('passes').dataset.pass },
    state: q('state').textContent,
    badge: r.querySelector('.badge').textContent,
    rollerColumns: roller ? +roller.dataset.columns : null,
    buttons: [...r.querySelectorAll('button')].map(b => b.textContent),
  };
}));
// How many events the page had received when its panels were read: what
// they show is its latest of those (later ones may arrive before the
// probe's own log is read below).
const seen = await page.evaluate(() => window.probe.events.length);
const conn = await page.textContent('#conn');
const connLog = await page.evaluate(() => window.connLog);
const { probe, pulsesLog } = await page.evaluate(() => ({ probe: window.probe, pulsesLog: window.pulsesLog }));
if (shot) await page.screenshot({ path: shot, fullPage: true });
console.log(JSON.stringify({ devices, seen, conn, connLog, errors, external, acted, probe, pulsesLog }));
await browser.close();
