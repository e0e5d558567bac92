// bench/web_paint.py's browser side: N pages of the dashboard, each in its
// own browser context (so its own renderer process), in Debian's headless
// chromium. Per page, a requestAnimationFrame loop (added by an init
// script, not the page) notes each rendering in which the pressure map
// shows a new frame (its data-frame changed) and how long after the frame's
// `time` that was; a WebSocket wrapper counts the bytes received. CPU of
// this browser's processes comes from /proc, the browser being a child of
// this node process.
// usage: node web_paint.mjs URL PAGES SECONDS   (prints one JSON line)
import { chromium } from 'playwright-core';
import { readFileSync, readdirSync } from 'node:fs';

const [url, pages, secs] = process.argv.slice(2);
const instrument = () => {
  const s = window.paintStats = { painted: 0, lat: [], bytes: 0 };
  let last = null;
  const tick = () => {
    const m = document.querySelector('canvas[aria-label^="pressure map"]');
    if (m && m.dataset.frame !== last) {
      last = m.dataset.frame;
      s.painted++;
      // the rendering that follows this callback shows the frame
      s.lat.push((performance.timeOrigin + performance.now()) - 1000 * Number(m.dataset.time));
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const Real = window.WebSocket;
  window.WebSocket = class extends Real {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', e => { s.bytes += typeof e.data === 'string' ? e.data.length : e.data.byteLength; });
    }
  };
};

// utime + stime (s) of each descendant of this process, by chromium --type
function cpu() {
  const tck = 100, procs = new Map();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      const type = (cmd.match(/--type=([a-z-]+)/) || [, 'browser'])[1];
      procs.set(+p, { ppid: +f[1], cpu: (+f[11] + +f[12]) / tck, type });
    } catch { /* gone */ }
  }
  const mine = pid => { for (let q = pid; q > 1; q = procs.get(q)?.ppid) if (q === process.pid) return true; return false; };
  const out = {};
  for (const [pid, p] of procs) if (pid !== process.pid && mine(pid)) out[p.type] = (out[p.type] || 0) + p.cpu;
  return out;
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const open = [];
for (let i = 0; i < Number(pages); i++) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await ctx.addInitScript(instrument);
  const page = await ctx.newPage();
  await page.goto(url);
  open.push(page);
}
await open[0].waitForTimeout(2000); // the late-joiner burst, uPlot's first draw
const reset = () => Promise.all(open.map(p => p.evaluate(() => Object.assign(window.paintStats, { painted: 0, lat: [], bytes: 0 }))));
await reset();
const c0 = cpu(), t0 = performance.now();
console.log('measuring'); // bench/web_paint.py samples pressd-web's CPU from here
await open[0].waitForTimeout(1000 * Number(secs));
const stats = await Promise.all(open.map(p => p.evaluate(() => window.paintStats)));
const c1 = cpu(), wall = (performance.now() - t0) / 1000;
const share = {};
for (const k of Object.keys(c1)) share[k] = 100 * (c1[k] - (c0[k] || 0)) / wall;
console.log(JSON.stringify({ wall, cpu: share, pages: stats.map(s => ({ fps: s.painted / wall, bps: s.bytes / wall, lat: s.lat })) }));
await browser.close();
