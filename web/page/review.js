// pressd's review page: the recordings of pressd-web's directory; one
// opened shows its map at any moment (scrub, play, pause, faster), the
// session maps, and its events in a list that jumps to their moment.
// Frames come from /api/review/frames in ranges (a moment is one small
// request; playing fetches a second ahead), so an hour opens at once.
// Plain ES module, no build.
import { drawScale } from './colour.js';
import { fmt, fmtBytes } from './format.js';
import { HeatMap, LUT, cellValues } from './heatmap.js';
import { describe, loadSchema } from './schema.js';

const $ = id => document.getElementById(id);
const heat = new HeatMap($('map'));
const CACHE_FRAMES = 4000;

let rec = null;        // /api/review/info's answer for the open recording
let maps = null;       // /api/review/maps's, when computed
let tares = [];        // {from, cells: Float32Array}, by from
const cache = new Map(); // frame index -> {t, cells}
let index = 0;         // the frame shown (or being fetched)
let shown = -1;
let playing = false, playPos = 0, lastTs = null, aheadTo = 0;
let scrubBusy = false, generation = 0;

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function duration(s) {
  if (!(s >= 0)) return '—';
  const m = Math.floor(s / 60), r = s - 60 * m;
  return m ? `${m} min ${Math.round(r)} s` : `${r.toFixed(1)} s`;
}

// ---- the list -------------------------------------------------------------

async function loadList() {
  const j = await (await fetch('/api/review/list')).json();
  $('where').textContent = j.dir ? `recordings in ${j.dir}` : j.error;
  if (j.error && j.dir) $('where').textContent += ` (${j.error})`;
  const body = $('recordings').tBodies[0];
  body.replaceChildren();
  for (const r of j.recordings) {
    const tr = el('tr', { 'data-name': r.name });
    const a = el('a', { href: '#' + encodeURIComponent(r.name) }, r.name);
    const what = r.device ? `${r.device.id} ${r.device.rows}×${r.device.cols}` + (r.subject ? ` · ${r.subject}` : '')
      : r.state;
    const len = r.state === 'recording' ? 'recording…' : r.duration_s !== undefined ? duration(r.duration_s) : r.state;
    const name = el('td');
    name.append(a);
    if (r.error) name.append(el('div', { class: 'note' }, r.error));
    tr.append(name, el('td', {}, what), el('td', {}, len), el('td', {}, fmtBytes(r.bytes)));
    body.append(tr);
  }
  if (!j.recordings.length) body.append(el('tr', {}, j.dir ? 'no recordings yet' : ''));
  markCurrent();
}

function markCurrent() {
  for (const tr of $('recordings').tBodies[0].rows)
    tr.setAttribute('aria-current', rec && tr.dataset.name === rec.name ? 'true' : 'false');
}

// ---- opening one ----------------------------------------------------------

function fromHash() {
  const h = decodeURIComponent(location.hash.slice(1));
  const at = h.lastIndexOf('@');
  return at > 0 ? { name: h.slice(0, at), frame: +h.slice(at + 1) } : { name: h, frame: 0 };
}

async function open(name, frame) {
  pause();
  const gen = ++generation;
  cache.clear();
  rec = null; maps = null; shown = -1; aheadTo = 0;
  const section = $('session');
  section.hidden = false;
  section.setAttribute('aria-label', `recording ${name}`);
  $('title').textContent = name;
  $('about').textContent = 'opening…';
  $('maps').replaceChildren();
  $('events').tBodies[0].replaceChildren();
  const [r] = await Promise.all([fetch('/api/review/info?name=' + encodeURIComponent(name)), loadSchema()]);
  const j = await r.json();
  if (gen !== generation) return;
  if (!r.ok) { $('about').textContent = j.error; $('about').className = 'note'; return; }
  rec = j;
  markCurrent();
  const d = rec.device, n = d.rows * d.cols;
  tares = rec.tares.map(t => ({ from: t.from, cells: Float32Array.from(t.cells) })).sort((a, b) => a.from - b.from);
  const roller = d.kind === 'roller';
  heat.size(d.rows, d.cols, d.pitch_x_mm, roller ? d.cols * (d.pitch_x_mm || 1) / 12 : d.pitch_y_mm, 480);
  $('overlay').width = heat.cssW; $('overlay').height = heat.cssH;
  $('overlay').style.width = heat.cssW + 'px'; $('overlay').style.height = heat.cssH + 'px';
  $('scale').style.height = Math.max(60, heat.cssH) + 'px';
  drawScale($('scale'), LUT);
  about();
  $('timeline').max = Math.max(0, rec.frames - 1);
  $('pdf').href = '/api/review/report?name=' + encodeURIComponent(name);
  $('pdf').hidden = rec.state !== 'complete';
  fillEvents();
  drawCurve();
  if (!n || !rec.frames) { $('moment').textContent = 'no frames'; return; }
  seek(Math.min(frame || 0, rec.frames - 1));
  loadMaps(name, gen);
}

function about() {
  const d = rec.device, m = rec.meta || {};
  const parts = [`${d.id}: ${d.kind} ${d.rows}×${d.cols}, ${d.pitch_x_mm}×${d.pitch_y_mm} mm, ${d.rate_hz} Hz`,
    rec.calibrated ? `calibrated, ${rec.unit}` : 'raw counts (not calibrated)',
    `${rec.frames} frames, ${duration(rec.t1 - rec.t0 + 1 / (d.rate_hz || 1))}`,
    `frames lost ${rec.frames_lost}`, `started ${rec.start}`];
  if (m.subject) parts.unshift(`subject ${m.subject}`);
  if (tares.length) parts.push(`${tares.length} baseline${tares.length > 1 ? 's' : ''}`);
  if (rec.state === 'recording') parts.push('being recorded: the frames so far; maps and report when it stops');
  $('about').className = 'state';
  $('about').textContent = parts.join(' · ');
}

async function loadMaps(name, gen) {
  const box = $('maps');
  if (rec.state !== 'complete') { box.append(el('p', { class: 'note' }, 'session maps come when the recording stops')); return; }
  const wait = el('p', { class: 'state' }, 'computing the session maps…');
  box.append(wait);
  const r = await fetch('/api/review/maps?name=' + encodeURIComponent(name));
  const j = await r.json();
  if (gen !== generation) return;
  wait.remove();
  if (!r.ok) { box.append(el('p', { class: 'note' }, j.error)); return; }
  maps = j;
  const unit = maps.unit;
  const pitchY = maps.roller ? maps.bin_mm : rec.device.pitch_y_mm;
  for (const [key, label, u] of [['peak', 'peak pressure map', unit], ['pti', 'pressure-time map', `${unit}·s`],
                                 ['tup', 'time under pressure map', 's']]) {
    const fig = el('figure');
    const c = el('canvas', { role: 'img', 'aria-label': label });
    const hm = new HeatMap(c);
    hm.size(maps.rows, maps.cols, rec.device.pitch_x_mm, pitchY, 240, 300);
    const max = maps[key + '_max'];
    hm.paint(Float32Array.from(maps[key]), max);
    fig.append(c, el('figcaption', {}, `${label.replace(' map', '')}: max ${fmt(max)} ${u}` +
      (maps.roller ? ' (rows: position along the body)' : '')));
    box.append(fig);
  }
  box.append(el('p', { class: 'state' }, `saturated cells ${maps.saturated_cells} · time under pressure counts ` +
    `values ≥ ${fmt(maps.noise)} ${unit}`));
  drawCurve();
  if (shown >= 0) paint(shown, cache.get(shown)); // the scale is the session's peak now
}

// ---- frames ---------------------------------------------------------------

async function fetchFrames(from, count, step) {
  const gen = generation;
  const r = await fetch(`/api/review/frames?name=${encodeURIComponent(rec.name)}&from=${from}&count=${count}&step=${step}`);
  if (!r.ok) throw new Error((await r.json()).error);
  const buf = await r.arrayBuffer();
  if (gen !== generation) return;
  const len = new DataView(buf).getUint32(0, true);
  const h = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, len)));
  const fb = h.rows * h.cols * (h.cell_bits === 16 ? 2 : 1);
  for (let k = 0; k < h.count; k++)
    cache.set(h.index[k], { t: h.t[k], cells: new Uint8Array(buf, 4 + len + k * fb, fb) });
  while (cache.size > CACHE_FRAMES) cache.delete(cache.keys().next().value);
}

function tareAt(i) {
  let t = null;
  for (const b of tares) if (b.from <= i) t = b.cells;
  return t;
}

function scaleMax() {
  if (maps && maps.peak_max > 0) return maps.peak_max;
  const d = rec.device;
  return (d.full_scale || (d.cell_bits === 16 ? 65535 : 255)) * rec.conversion;
}

function paint(i, f) {
  if (!f) return;
  const d = rec.device, n = d.rows * d.cols;
  const vals = cellValues(f.cells, n, d.cell_bits, rec.conversion, tareAt(i));
  const max = scaleMax();
  heat.paint(vals, max);
  $('map').dataset.frame = i;
  shown = i;
  $('scalelabels').replaceChildren(el('span', {}, `${fmt(max)} ${rec.unit}`), el('span', {}, fmt(max / 2)),
                                   el('span', {}, '0'));
  $('moment').textContent = `${(f.t - rec.t0).toFixed(2)} s · frame ${i + 1} of ${rec.frames}` +
    ` · peak ${fmt(+$('map').dataset.peak)} ${rec.unit}`;
  $('timeline').value = i;
  drawOverlay(i);
  markEvents(i);
  drawCursor(i);
}

// A moment: one frame, fetched alone so a scrub shows at once; while one
// is on its way the latest wanted moment waits for it.
async function showMoment() {
  if (scrubBusy) return;
  const want = index;
  if (cache.has(want)) { paint(want, cache.get(want)); return; }
  scrubBusy = true;
  try { await fetchFrames(want, 1, 1); } catch (e) { $('moment').textContent = e.message; }
  scrubBusy = false;
  if (cache.has(want)) paint(want, cache.get(want));
  if (index !== want && !playing) showMoment();
}

function seek(i) {
  if (!rec) return;
  index = Math.max(0, Math.min(rec.frames - 1, Math.round(i)));
  playPos = index;
  aheadTo = index;
  const h = '#' + encodeURIComponent(rec.name) + (index ? '@' + index : '');
  history.replaceState(null, '', h);
  showMoment();
}

// ---- playing --------------------------------------------------------------

function play() {
  if (!rec || !rec.frames) return;
  if (index >= rec.frames - 1) seek(0);
  playing = true; lastTs = null; playPos = index; aheadTo = index;
  $('play').textContent = 'Pause';
  requestAnimationFrame(step);
}

function pause() {
  playing = false;
  $('play').textContent = 'Play';
}

// Frames a screen can show: at most ~60 a second, so at 10× of 100 Hz
// every 17th frame is fetched and shown.
function stride() {
  return Math.max(1, Math.floor(rec.device.rate_hz * +$('speed').value / 60));
}

let fetching = false;
function prefetch() {
  const st = stride(), rate = rec.device.rate_hz * +$('speed').value;
  if (fetching || aheadTo >= rec.frames || aheadTo > index + rate * 1.0) return;
  const from = Math.max(aheadTo, index), count = Math.max(1, Math.min(1000, Math.ceil(rate * 1.0 / st)));
  fetching = true;
  aheadTo = from + count * st;
  fetchFrames(from, count, st).catch(e => { $('moment').textContent = e.message; pause(); })
    .finally(() => { fetching = false; });
}

function step(ts) {
  if (!playing || !rec) return;
  if (lastTs !== null) playPos += (ts - lastTs) / 1000 * rec.device.rate_hz * +$('speed').value;
  lastTs = ts;
  if (playPos >= rec.frames - 1) { playPos = rec.frames - 1; pause(); }
  index = Math.floor(playPos);
  prefetch();
  // The latest fetched frame at or before this moment.
  const st = stride();
  for (let i = index; i >= Math.max(0, index - 2 * st); i--)
    if (cache.has(i)) { if (i !== shown) paint(i, cache.get(i)); break; }
  if (playing) requestAnimationFrame(step);
}

// ---- overlay, events, curve -------------------------------------------------

const ACTIVE = { press: 1, hold: 1, pulses: 1, stroke: 1 };

function drawOverlay(i) {
  const c = $('overlay'), ctx = c.getContext('2d');
  ctx.clearRect(0, 0, c.width, c.height);
  const d = rec.device;
  if (d.kind === 'roller') return;
  const sx = c.width / (d.cols * (d.pitch_x_mm || 1)), sy = c.height / (d.rows * (d.pitch_y_mm || 1));
  ctx.font = '12px sans-serif'; ctx.strokeStyle = '#fff'; ctx.fillStyle = '#fff';
  // One ring per spot, naming what is going on there (a hold is a press too).
  const spots = new Map();
  for (const e of rec.events) {
    if (!ACTIVE[e.type] || e.from > i || e.to < i || e.x === undefined) continue;
    const key = `${Math.round(e.x)},${Math.round(e.y)}`;
    if (!spots.has(key)) spots.set(key, { x: e.x * sx, y: e.y * sy, types: [] });
    spots.get(key).types.push(e.type);
  }
  for (const s of spots.values()) {
    ctx.beginPath(); ctx.arc(s.x, s.y, 10, 0, 2 * Math.PI); ctx.stroke();
    ctx.fillText(s.types.join(', '), s.x + 12, s.y - 8);
  }
}

function when(e) {
  const i = e.from, t = timeOf(i);
  return `${(t - rec.t0).toFixed(1)} s`;
}

function details(e) {
  const u = e.units || rec.unit;
  switch (e.type) {
    case 'press': return `${fmt(e.duration)} s, peak ${fmt(e.peak)} ${u} at (${fmt(e.x)}, ${fmt(e.y)}) mm`;
    case 'hold': return `${fmt(e.duration)} s of ${fmt(e.target_s)} s ${e.reached ? 'reached' : 'not reached'}, ` +
      `peak ${fmt(e.peak)} ${u}, mean ${fmt(e.mean)} ${u}, drift ${fmt(e.drift_mm)} mm at (${fmt(e.x)}, ${fmt(e.y)}) mm`;
    case 'pulses': return `${e.count} × (${(e.durations || []).map(x => x.toFixed(1)).join(', ')} s), ` +
      `mean peak ${fmt(e.mean_peak)} ${u}`;
    case 'stroke': return `pass ${e.pass}, ${fmt(e.length_mm)} mm at ${fmt(e.speed_mm_s)} mm/s, ${fmt(e.direction_deg)}°`;
    case 'roll': return `${e.direction > 0 ? '→' : '←'} ${fmt(e.from_mm)} to ${fmt(e.to_mm)} mm at ${fmt(e.speed_mm_s)} mm/s`;
    case 'mark': return e.label || '';
    case 'setting': return `${e.key} = ${e.value}`;
    default: return describe(e, rec.unit);
  }
}

function fillEvents() {
  const body = $('events').tBodies[0];
  body.replaceChildren();
  currentRows = new Set();
  rec.events.forEach((e, k) => {
    const tr = el('tr', { 'data-k': k });
    const b = el('button', {}, `${e.type} at ${when(e)}`);
    b.addEventListener('click', () => { pause(); seek(e.from); });
    const at = el('td');
    at.append(b);
    tr.append(at, el('td', {}, e.type), el('td', { title: describe(e, rec.unit) }, details(e)));
    body.append(tr);
  });
  if (!rec.events.length) body.append(el('tr', {}, 'no events recorded'));
}

// Only the rows whose state changes are touched: an hour has thousands of
// events, and restyling every row on every painted frame costs the paint.
let currentRows = new Set();
function markEvents(i) {
  const now = new Set();
  rec.events.forEach((e, k) => { if (e.from <= i && i <= e.to) now.add(k); });
  const rows = $('events').tBodies[0].rows;
  for (const k of currentRows) if (!now.has(k) && rows[k]) rows[k].classList.remove('current');
  for (const k of now) if (!currentRows.has(k) && rows[k]) rows[k].classList.add('current');
  currentRows = now;
}

// The time of frame i, from the coarse time line (exact at its points).
function timeOf(i) {
  const tl = rec.timeline, k = i / tl.stride, k0 = Math.floor(k);
  if (k0 >= tl.t.length - 1) return tl.t[tl.t.length - 1] + (i - (tl.t.length - 1) * tl.stride) / (rec.device.rate_hz || 1);
  return tl.t[k0] + (tl.t[k0 + 1] - tl.t[k0]) * (k - k0);
}

function indexOf(t) {
  const tl = rec.timeline.t;
  let lo = 0, hi = tl.length - 1;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (tl[mid] <= t) lo = mid; else hi = mid - 1; }
  const base = lo * rec.timeline.stride, next = lo + 1 < tl.length ? tl[lo + 1] : tl[lo] + rec.timeline.stride / (rec.device.rate_hz || 1);
  return Math.min(rec.frames - 1, base + Math.round((t - tl[lo]) / (next - tl[lo] || 1) * rec.timeline.stride));
}

let curveImage = null;
function drawCurve() {
  const c = $('curve'), ctx = c.getContext('2d');
  c.width = c.clientWidth || 720;
  const W = c.width, H = c.height, N = Math.max(1, rec.frames - 1);
  ctx.fillStyle = '#000'; ctx.fillRect(0, 0, W, H);
  const x = i => i / N * W;
  const bands = { hold: 'rgba(80,200,120,.35)', pulses: 'rgba(250,150,40,.3)', press: 'rgba(250,150,40,.15)',
                  stroke: 'rgba(100,160,255,.35)', roll: 'rgba(100,160,255,.2)' };
  for (const e of rec.events) {
    if (bands[e.type]) { ctx.fillStyle = bands[e.type]; ctx.fillRect(x(e.from), 0, Math.max(1, x(e.to) - x(e.from)), H); }
    if (e.type === 'mark') { ctx.fillStyle = '#fff'; ctx.fillRect(x(e.from), 0, 1, H); }
  }
  if (maps && maps.curve.t.length) {
    const ys = maps.curve.max, top = Math.max(...ys) || 1;
    ctx.strokeStyle = '#f93'; ctx.beginPath();
    maps.curve.t.forEach((t, k) => { const px = x(indexOf(t)), py = H - 4 - ys[k] / top * (H - 8); k ? ctx.lineTo(px, py) : ctx.moveTo(px, py); });
    ctx.stroke();
    ctx.fillStyle = '#aaa'; ctx.font = '11px sans-serif';
    ctx.fillText(`${maps.curve.is_peak ? 'peak' : 'force'} (max ${fmt(top)} ${maps.curve.unit})`, 4, 12);
  }
  curveImage = ctx.getImageData(0, 0, W, H);
  if (shown >= 0) drawCursor(shown);
}

function drawCursor(i) {
  const c = $('curve'), ctx = c.getContext('2d');
  if (!curveImage) return;
  ctx.putImageData(curveImage, 0, 0);
  ctx.fillStyle = '#fff';
  ctx.fillRect(i / Math.max(1, rec.frames - 1) * c.width - 1, 0, 2, c.height);
}

// ---- wiring ---------------------------------------------------------------

$('timeline').addEventListener('input', e => { pause(); seek(+e.target.value); });
$('curve').addEventListener('click', e => {
  const r = e.target.getBoundingClientRect();
  pause(); seek((e.clientX - r.left) / r.width * (rec.frames - 1));
});
$('play').addEventListener('click', () => (playing ? pause() : play()));
document.addEventListener('keydown', e => {
  if (!rec || e.target.tagName === 'SELECT' || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === ' ' && e.target.tagName !== 'BUTTON') { e.preventDefault(); playing ? pause() : play(); }
  if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
    if (e.target.tagName === 'INPUT') return; // the slider steps itself
    pause(); seek(index + (e.key === 'ArrowRight' ? 1 : -1) * (e.shiftKey ? rec.device.rate_hz : 1));
  }
});
window.addEventListener('hashchange', () => {
  const { name, frame } = fromHash();
  if (name && (!rec || name !== rec.name)) open(name, frame);
  else if (rec && frame !== index) seek(frame);
});

loadList().then(() => { const { name, frame } = fromHash(); if (name) open(name, frame); })
  .catch(e => { $('where').textContent = `cannot list the recordings: ${e.message}`; });
