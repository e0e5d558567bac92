// pressd's live dashboard: one panel per device, fed by pressd-web's
// WebSocket (events as JSON text, frames as binary: u32 LE header length,
// the frame's JSON header, then the raw cells). Plain ES module, no build.
import { drawScale } from './colour.js';
import { fmt, fmtBytes } from './format.js';
import { HeatMap, LUT } from './heatmap.js';
import { cue, setSound } from './sound.js';

const devicesEl = document.getElementById('devices');
const connEl = document.getElementById('conn');
const smoothEl = document.getElementById('smooth');
const soundEl = document.getElementById('sound');
const panels = new Map();
let config = { controls: false };
let ws = null;
let lastMessage = 0;
let uPlotMod = null;
import('/vendor/uPlot.esm.js').then(m => { uPlotMod = m.default; for (const p of panels.values()) p.makeChart(); })
  .catch(() => {});

soundEl.addEventListener('change', () => setSound(soundEl.checked));
smoothEl.addEventListener('change', () => { for (const p of panels.values()) p.setSmooth(); });

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

class Panel {
  constructor(id) {
    this.id = id;
    this.info = null;
    this.tareMean = 0;
    this.frameTimes = [];
    this.lastFrameTime = 0;
    this.lastFrameSeq = null;
    this.seenLost = 0;
    this.pressdLost = 0;
    this.saturated = 0;
    this.contacts = new Map();
    this.trail = [];
    this.presses = [];
    this.chartData = [[], []];
    this.rollerCols = [];
    this.root = el('section', { class: 'device', role: 'region', 'aria-label': id });
    const h = el('h2', {}, id);
    this.badge = el('span', { class: 'badge' }, '…');
    h.append(this.badge);
    this.root.append(h);
    const wrap = el('div', { class: 'mapwrap' });
    const mapBox = el('div', { style: 'position:relative' });
    this.map = el('canvas', { class: 'map', role: 'img', 'aria-label': `pressure map ${id}` });
    this.heat = new HeatMap(this.map);
    this.setSmooth();
    this.overlay = el('canvas', { class: 'overlay' });
    // Drawn through its OffscreenCanvas, as the map (heatmap.js): a redrawn
    // overlay then costs the page no rendering of its own either.
    this.overlayTarget = this.overlay.transferControlToOffscreen ? this.overlay.transferControlToOffscreen() : this.overlay;
    mapBox.append(this.map, this.overlay);
    this.scale = el('canvas', { class: 'scale', width: 1, height: 256 });
    // The scale's three labels are made once and their text written (in
    // tick) only when it changes: rebuilding them each frame cost a style +
    // layout pass of the page 25 times a second.
    this.scaleLabels = el('div', { class: 'scalelabels' });
    this.scaleText = [el('span', {}, ''), el('span', {}, ''), el('span', {}, '0')];
    this.scaleLabels.append(...this.scaleText);
    wrap.append(mapBox, this.scale, this.scaleLabels);
    this.root.append(wrap);
    this.trust = el('div', { class: 'trust', 'aria-label': `data trust ${id}` });
    this.state = el('div', { class: 'state', role: 'status', 'aria-label': `state ${id}` }, 'waiting for status');
    this.hold = el('div', { class: 'hold', role: 'timer', 'aria-label': `hold timer ${id}`, 'data-state': 'idle' });
    this.holdText = el('span', {}, '0 s / 30 s');
    this.holdBar = el('div', { class: 'bar' });
    this.holdFill = el('div', { class: 'fill' });
    this.holdBar.append(this.holdFill);
    this.hold.append(this.holdText, this.holdBar);
    const counters = el('div', { class: 'counters' });
    this.pulses = el('div', { role: 'status', 'aria-label': `pulses ${id}` }, 'no pulses yet');
    this.passes = el('div', { role: 'status', 'aria-label': `passes ${id}` }, 'no passes yet');
    counters.append(this.pulses, this.passes);
    this.root.append(this.trust, this.state, this.hold, counters);
    this.chartBox = el('div', { class: 'chart' });
    this.root.append(this.chartBox);
    if (config.controls) this.root.append(this.makeControls());
    devicesEl.append(this.root);
    drawScale(this.scale, LUT);
    this.makeChart();
  }

  makeControls() {
    const box = el('div', { class: 'controls' });
    const add = (name, cmd, key) => {
      const b = el('button', { 'aria-keyshortcuts': key, title: `${name} (${key})` }, name);
      b.addEventListener('click', () => this.control(cmd));
      box.append(b);
    };
    add('Mark', 'mark', 'm');
    add('Tare', 'tare', 't');
    add('Start recording', 'record_start', 's');
    add('Stop recording', 'record_stop', 'x');
    this.controlMsg = el('span', { class: 'state' });
    box.append(this.controlMsg);
    return box;
  }

  control(cmd) {
    if (!ws || ws.readyState !== 1) return;
    ws.send(JSON.stringify({ cmd, device: this.id, token: config.token, label: 'dashboard mark' }));
    this.controlMsg.textContent = `${cmd}…`;
  }

  makeChart() {
    if (!uPlotMod || this.chart) return;
    this.chart = new uPlotMod({
      width: 400, height: 120, title: 'peak, last 30 s',
      scales: { x: { time: false } },
      series: [{ label: 's' }, { label: 'peak', stroke: '#f93' }],
      axes: [{ stroke: '#aaa' }, { stroke: '#aaa' }],
      legend: { show: false },
    }, this.chartData, this.chartBox);
  }

  get calibrated() { return this.info && this.info.units && this.info.units !== 'counts'; }
  get unit() { return this.calibrated ? this.info.units : 'counts'; }

  onStatus(m) {
    if (m.info) {
      const geomChanged = !this.info || this.info.rows !== m.info.rows || this.info.cols !== m.info.cols;
      this.info = m.info;
      if (geomChanged) this.sizeCanvas();
    }
    if (m.stats) this.pressdLost = m.stats.frames_lost || 0;
    this.badge.textContent = this.calibrated ? `calibrated, ${this.unit}` : 'raw counts';
    this.badge.className = 'badge ' + (this.calibrated ? 'cal' : 'raw');
    this.devState = m.state;
    this.stats = m.stats || this.stats;
    this.recording = m.recording || null; /* every status says, so a late page knows */
    this.renderState();
  }

  renderState() {
    const parts = [this.devState || '?'];
    if (this.info) parts.push(`${this.info.kind || ''} ${this.info.rows}×${this.info.cols} @ ${this.info.rate_hz} Hz`);
    parts.push(this.calibrated ? 'calibrated' : 'raw counts');
    if (this.recording) {
      const frames = this.stats ? this.stats.archive_frames : undefined;
      const bytes = this.stats ? this.stats.archive_bytes : undefined;
      const size = bytes === undefined ? '' : fmtBytes(bytes);
      const what = [frames !== undefined ? `${frames} frames` : '', size].filter(Boolean).join(', ');
      parts.push(`recording ${this.recording}` + (what ? ` (${what})` : ''));
    }
    if (this.devState === 'error' && this.errorText) parts.push(this.errorText);
    this.state.textContent = parts.join(' · ');
  }

  sizeCanvas() {
    const { rows, cols } = this.info;
    this.heat.size(rows, cols, this.info.pitch_x_mm, this.info.pitch_y_mm, 360);
    const cssW = this.heat.cssW, cssH = this.heat.cssH;
    this.overlayTarget.width = cssW; this.overlayTarget.height = cssH;
    this.overlay.style.width = cssW + 'px'; this.overlay.style.height = cssH + 'px';
    this.scale.style.height = cssH + 'px';
    this.overlayDirty = true; // resizing cleared it
  }

  // The map's filter is the checkbox's, set when it changes (not restyled
  // each frame).
  setSmooth() { this.map.style.imageRendering = smoothEl.checked ? 'auto' : 'pixelated'; }

  onFrame(h, cells) {
    if (!this.info || this.info.rows !== h.rows || this.info.cols !== h.cols) {
      this.info = Object.assign({}, this.info || {}, { rows: h.rows, cols: h.cols, units: h.units });
      this.sizeCanvas();
    }
    const n = h.rows * h.cols;
    // The cells and their values go into arrays kept from frame to frame
    // (resized only with the geometry): no garbage 25 times a second. u16
    // cells start at an odd offset after the header, so they are copied.
    if (!this.vals || this.vals.length !== n) { this.vals = new Float32Array(n); this.raw16 = new Uint16Array(n); }
    let raw = cells.subarray(0, n);
    if (h.dtype === 'uint16') {
      new Uint8Array(this.raw16.buffer).set(cells.subarray(0, 2 * n));
      raw = this.raw16;
    }
    const upc = this.calibrated && h.units_per_count ? h.units_per_count : 1;
    const tare = this.calibrated ? this.tareMean : 0;
    const full = this.info.full_scale;
    const satCount = full && this.calibrated ? full / upc : (h.dtype === 'uint16' ? 65535 : 255);
    let max = 0, sat = 0;
    const vals = this.vals;
    for (let i = 0; i < n; i++) {
      const v = Math.max(0, raw[i] * upc - tare);
      vals[i] = v;
      if (v > max) max = v;
      if (raw[i] >= satCount) sat++;
    }
    // Colour scale: the device's full scale when known, else the running peak.
    this.scaleMax = full && this.calibrated ? full : Math.max(this.scaleMax ? this.scaleMax * 0.995 : 1, max, 1);
    this.heat.paint(vals, this.scaleMax);
    this.map.dataset.frame = h.frame;
    this.map.dataset.time = h.time; // which frame is shown, and its time: tests and bench/web_paint.py read both
    this.saturated = sat;
    if (this.lastFrameSeq !== null && h.seq > this.lastFrameSeq + 1) this.seenLost += h.seq - this.lastFrameSeq - 1;
    this.lastFrameSeq = h.seq;
    this.lastFrameTime = h.time;
    const now = performance.now();
    this.frameTimes.push(now);
    while (this.frameTimes.length && this.frameTimes[0] < now - 1000) this.frameTimes.shift();
    this.chartData[0].push(h.t); this.chartData[1].push(max);
    while (this.chartData[0].length && this.chartData[0][0] < h.t - 30) { this.chartData[0].shift(); this.chartData[1].shift(); }
    if (this.info.kind === 'roller') this.addRollerColumn(vals, h);
    if (this.overlayDirty) this.drawOverlay();
    // The 4 Hz strip and chart are written here, with a frame's own
    // changes, so that they share its rendering instead of costing the page
    // renderings of their own; the timer below does it only when frames stop.
    if (now - this.lastTick >= 250) this.tick();
  }

  addRollerColumn(vals) {
    if (!this.roller) {
      this.roller = el('canvas', { class: 'roller', role: 'img', 'aria-label': `roller map ${this.id}`, width: 300, height: vals.length });
      this.root.insertBefore(this.roller, this.trust);
    }
    // Load along the axis (rows of the canvas) × time as it rolls (columns),
    // scrolling; the newest column is at the right edge.
    const ctx = this.roller.getContext('2d');
    ctx.drawImage(this.roller, -1, 0);
    const col = ctx.createImageData(1, this.roller.height);
    const k = 255 / this.scaleMax;
    for (let i = 0, d = col.data; i < this.roller.height; i++) { // no array per cell
      const c = Math.min(255, Math.round((vals[i] || 0) * k)) * 4;
      d[4 * i] = LUT[c]; d[4 * i + 1] = LUT[c + 1]; d[4 * i + 2] = LUT[c + 2]; d[4 * i + 3] = 255;
    }
    ctx.putImageData(col, this.roller.width - 1, 0);
    this.roller.dataset.columns = (+this.roller.dataset.columns || 0) + 1;
  }

  // Redrawn only when a contact or the trail changed (onContact) or the
  // canvas was resized: an unchanged overlay redrawn each frame was a second
  // canvas to rasterise and hand to the compositor 25 times a second.
  drawOverlay() {
    this.overlayDirty = false;
    const ctx = this.overlayTarget.getContext('2d');
    const W = this.overlayTarget.width, H = this.overlayTarget.height;
    ctx.clearRect(0, 0, W, H);
    if (!this.info) return;
    const sx = W / (this.info.cols * (this.info.pitch_x_mm || 1)), sy = H / (this.info.rows * (this.info.pitch_y_mm || 1));
    ctx.strokeStyle = 'rgba(255,255,255,.7)'; ctx.beginPath();
    this.trail.forEach(([x, y], i) => i ? ctx.lineTo(x * sx, y * sy) : ctx.moveTo(x * sx, y * sy));
    ctx.stroke();
    ctx.font = '12px sans-serif'; ctx.fillStyle = '#fff'; ctx.strokeStyle = '#fff';
    for (const c of this.contacts.values()) {
      const x = (c.col + 0.5) * W / this.info.cols, y = (c.row + 0.5) * H / this.info.rows;
      ctx.beginPath(); ctx.arc(x, y, 8, 0, 2 * Math.PI); ctx.stroke();
      ctx.fillText(`#${c.id} ${fmt(c.peak)}`, x + 10, y - 6);
    }
  }

  onContact(m) {
    if (m.phase === 'end') this.contacts.delete(m.id); else this.contacts.set(m.id, m);
    if (m.cop_x !== undefined) { this.trail.push([m.cop_x, m.cop_y]); if (this.trail.length > 90) this.trail.shift(); }
    this.overlayDirty = true;
  }

  onHold(m) {
    const target = m.target_s || 30;
    const state = m.reached ? 'reached' : (m.phase === 'end' ? 'ended' : 'holding');
    this.hold.dataset.state = state;
    if (m.reached && this.holdReachedId !== m.id) { this.holdReachedId = m.id; cue('hold'); }
    this.holdText.textContent = `${Math.floor(m.duration)} s / ${target} s` +
      (state === 'reached' ? ' reached' : state === 'ended' ? ' ended' : '') + ` · peak ${fmt(m.peak)} ${this.unit}`;
    this.holdFill.style.width = Math.min(100, 100 * m.duration / target) + '%';
  }

  onPress(m) {
    this.presses.push(m.duration);
    this.pulses.textContent = `current set: ${this.presses.length} × ${Math.round(avg(this.presses))} s (${this.presses.map(d => d.toFixed(1)).join(', ')} s)`;
    this.pulses.dataset.count = this.presses.length;
    cue('pulse');
  }

  onPulses(m) {
    this.presses = [];
    this.pulses.dataset.count = m.count;
    this.pulses.dataset.sets = (+this.pulses.dataset.sets || 0) + 1;
    this.pulses.textContent = `${m.count} × ${Math.round(avg(m.durations))} s (${m.durations.map(d => d.toFixed(1)).join(', ')} s)`;
  }

  onStroke(m) {
    const arrows = ['→', '↘', '↓', '↙', '←', '↖', '↑', '↗'];
    const a = arrows[Math.round((((m.direction_deg % 360) + 360) % 360) / 45) % 8];
    this.passes.dataset.pass = m.pass;
    this.passes.textContent = `pass ${m.pass} ${a} ${fmt(m.speed_mm_s)} mm/s`;
    cue('pass');
  }

  onRoll(m) {
    this.passes.textContent = `roll ${m.direction > 0 ? '→' : '←'} ${fmt(m.length_mm)} mm at ${fmt(m.speed_mm_s)} mm/s`;
  }

  tick() {
    this.lastTick = performance.now();
    // The scale's labels follow the running peak, so their text changes
    // with most frames; read at 4 Hz with the strip, they cost the page one
    // layout pass per tick instead of one per frame. The colours themselves
    // follow the scale frame by frame.
    if (this.scaleMax !== undefined) {
      setText(this.scaleText[0], `${fmt(this.scaleMax)} ${this.unit}`);
      setText(this.scaleText[1], fmt(this.scaleMax / 2));
    }
    const age = this.lastFrameTime ? Date.now() / 1000 - this.lastFrameTime : NaN;
    setText(this.trust, `${this.frameTimes.filter(t => t > performance.now() - 1000).length} frames/s shown · ` +
      `frames lost ${this.pressdLost} at device, ${this.seenLost} on the way · ` +
      `saturated cells ${this.saturated} · latest frame ${isNaN(age) ? '—' : (age * 1000).toFixed(0) + ' ms'} old`);
    if (this.chart && this.chartData[0].length) this.chart.setData(this.chartData);
  }
}

// Text written only when it differs (an unchanged string still costs a
// style and layout pass once written), and into the element's one text
// node: textContent= would replace the node, and its layout object with it.
function setText(e, text) {
  const t = e.firstChild;
  if (t && t.nodeType === Node.TEXT_NODE && !t.nextSibling) { if (t.data !== text) t.data = text; }
  else e.textContent = text;
}

function avg(a) { return a.length ? a.reduce((s, x) => s + x, 0) / a.length : 0; }

function panel(id) {
  let p = panels.get(id);
  if (!p) { p = new Panel(id); panels.set(id, p); }
  return p;
}

function onText(m) {
  if (m.type === 'reply') {
    for (const p of panels.values()) if (p.controlMsg) p.controlMsg.textContent = `${m.cmd}: ${m.reply.ok ? 'ok' : m.reply.error}`;
    return;
  }
  if (!m.device) return;
  const p = panel(m.device);
  switch (m.type) {
    case 'status': p.errorText = m.error; p.onStatus(m); break;
    case 'contact': p.onContact(m); break;
    case 'hold': p.onHold(m); break;
    case 'press': p.onPress(m); break;
    case 'pulses': p.onPulses(m); break;
    case 'stroke': p.onStroke(m); break;
    case 'roll': p.onRoll(m); break;
    case 'tare': p.tareMean = m.mean || 0; break;
    case 'recording': p.recording = m.phase === 'stop' ? null : m.path; p.renderState(); break;
  }
}

const decoder = new TextDecoder(); // one for every frame's header
function onBinary(buf) {
  const dv = new DataView(buf);
  const len = dv.getUint32(0, true);
  const h = JSON.parse(decoder.decode(new Uint8Array(buf, 4, len)));
  panel(h.device).onFrame(h, new Uint8Array(buf, 4 + len));
}

let retry = 0;
function connect() {
  ws = new WebSocket(`ws://${location.host}/ws`);
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => { retry = 0; setConn('live', 'connected, waiting for pressd…'); };
  ws.onmessage = e => {
    lastMessage = performance.now();
    if (connEl.dataset.state !== 'live' || connEl.textContent !== 'live') setConn('live', 'live');
    if (typeof e.data === 'string') onText(JSON.parse(e.data)); else onBinary(e.data);
  };
  ws.onclose = () => {
    const wait = Math.min(5000, 500 * 2 ** retry++);
    setConn('waiting', `pressd-web unreachable: reconnecting in ${(wait / 1000).toFixed(1)} s…`);
    // A WebSocket refused tells the page nothing: ask whether it is the secret.
    fetch('/api/config').then(r => {
      if (r.status === 401)
        setConn('waiting', 'signed out (pressd-web’s token was changed?): open the address it printed, with ?token=…');
    }).catch(() => {});
    setTimeout(connect, wait);
  };
}

function setConn(state, text) { connEl.dataset.state = state; connEl.textContent = text; }

setInterval(() => {
  for (const p of panels.values()) if (!(performance.now() - p.lastTick < 300)) p.tick();
  // pressd sends status every second: silence means pressd itself is gone.
  if (ws && ws.readyState === 1 && lastMessage && performance.now() - lastMessage > 3000)
    setConn('waiting', 'no data from pressd: waiting for it to come back…');
}, 250);

document.addEventListener('keydown', e => {
  if (!config.controls || e.target.tagName === 'INPUT' || e.ctrlKey || e.metaKey || e.altKey) return;
  const cmd = { m: 'mark', t: 'tare', s: 'record_start', x: 'record_stop' }[e.key];
  if (cmd) for (const p of panels.values()) p.control(cmd);
});

fetch('/api/config').then(r => r.json()).then(c => { config = c; }).catch(() => {}).finally(connect);
