// Added to the page before its own scripts (playwright addInitScript) by
// page_probe.mjs: it wraps the real Web Audio and WebSocket objects, which
// keep working, so the page's own logic runs and the test reads what it did.
//   window.probe.audio: AudioContexts made (and when the first was: when
//     sound went on), and every oscillator started with its frequency
//     (sound.js gives each cue its own pitch);
//   window.probe.sent: every message the page sent on its WebSocket;
//   window.probe.events: every event (text message) it received, in order.
(() => {
  const probe = window.probe = { audio: { contexts: 0, starts: [] }, sent: [], events: [] };
  const RealContext = window.AudioContext;
  window.AudioContext = class extends RealContext {
    constructor(...a) {
      super(...a);
      probe.audio.contexts++;
      if (!probe.audio.created) probe.audio.created = Date.now() / 1000; // when sound went on
    }
    createOscillator() {
      const o = super.createOscillator();
      const start = o.start.bind(o);
      o.start = (...a) => { probe.audio.starts.push({ at: Date.now() / 1000, freq: o.frequency.value }); start(...a); };
      return o;
    }
  };
  const RealSocket = window.WebSocket;
  window.WebSocket = class extends RealSocket {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', e => {
        if (typeof e.data !== 'string') return;
        const m = JSON.parse(e.data);
        probe.events.push({ at: Date.now() / 1000, type: m.type, device: m.device, id: m.id, reached: m.reached,
                            duration: m.duration, durations: m.durations, count: m.count, pass: m.pass });
      });
    }
    send(data) { probe.sent.push(String(data)); super.send(data); }
  };
})();
