// Sound cues for someone lying on the mat: off until switched on (browsers
// allow audio only after a gesture anyway). Distinct pitches per cue.
let ctx = null;
export function setSound(on) {
  if (on && !ctx) ctx = new AudioContext();
  else if (!on && ctx) { ctx.close(); ctx = null; }
}
export function cue(kind) {
  if (!ctx) return;
  const f = { hold: 880, pulse: 660, pass: 440 }[kind] || 500;
  const o = ctx.createOscillator(), g = ctx.createGain();
  o.frequency.value = f;
  g.gain.setValueAtTime(0.2, ctx.currentTime);
  g.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + (kind === 'hold' ? 0.8 : 0.25));
  o.connect(g).connect(ctx.destination);
  o.start(); o.stop(ctx.currentTime + 1);
}
