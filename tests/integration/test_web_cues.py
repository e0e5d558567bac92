"""The dashboard's pulse counter, keyboard shortcuts, Tare and sound cues in
Debian's headless chromium against pressd on pressd-sim: what the page
shows, sends and plays is compared with what pressd published on its
ZeroMQ stream. The real Web Audio API is wrapped, not replaced
(tests/web/page_instrument.js), so the page's own cue logic runs."""

import json
import math
import time
import unittest

from webtools import BrowserTestCase, Web, needs_browser
from zmqtools import bodies

# sound.js gives each cue its own pitch
CUE_OF_FREQ = {880: "hold", 660: "pulse", 440: "pass"}


def cues_expected(events, since):
    """The cues app.js owes for the events it received after `since`: one
    per press (a finished pulse), one per stroke (a pass), one per hold the
    first time it says reached."""
    out, reached = [], {}
    for e in events:
        if e["type"] == "hold" and e.get("reached"):
            if reached.get(e["device"]) != e["id"] and e["at"] >= since:
                out.append("hold")
            reached[e["device"]] = e["id"]
        elif e["at"] >= since and e["type"] in ("press", "stroke"):
            out.append("pulse" if e["type"] == "press" else "pass")
    return out


def set_text(durations, current):
    """The pulses status for these durations (app.js: JavaScript's
    Math.round and toFixed)."""
    mean = math.floor(sum(durations) / len(durations) + 0.5)
    text = "%d × %d s (%s s)" % (len(durations), mean, ", ".join("%.1f" % d for d in durations))
    return "current set: " + text if current else text


@needs_browser
class WebCues(BrowserTestCase):
    def test_pulse_set_and_sound_cues_follow_the_stream(self):
        # One pressd loops a hold and a glide; a second one, started once
        # the page listens, gets pressd-sim's 3 × 10 s pulses played once:
        # the set ends when the emulator hangs up.
        d1 = self.pressd("-d", "sim:mat?scenario=hold&id=mat1", "-d", "sim:mat?scenario=glide&id=mat2",
                         trace=False, cwd=self.tmp.name)
        sub1 = self.collector(d1.pub)
        box = {}

        def start_pulses():
            time.sleep(12)
            sim = self.sim("--scenario", "pulses")
            box["d2"] = self.pressd("-d", sim.path + "?protocol=pmf&id=pulse0", "-p", pub2, "-C", ctl2,
                                    trace=False, cwd=self.tmp.name)

        # pressd-web and the subscriber learn the second daemon's endpoints
        # now; ZeroMQ connects when it appears.
        pub2, ctl2 = "ipc://%s/pub-second" % self.tmp.name, "ipc://%s/ctl-second" % self.tmp.name
        box["sub2"] = self.collector(pub2)
        web = Web(d1.pub, d1.control, "-p", pub2, "-C", ctl2, tmpdir=self.tmp.name)
        self.procs.append(web)
        out = self.probe(web, 64, "cues.png", actions=[{"at": 8, "check": "sound cues"}], during=start_pulses)
        # When the page turned sound on (made its AudioContext), by the
        # page's clock: playwright's check() returns a little later, and a
        # cue may come in between. Not before the box was being ticked.
        sound_on = out["probe"]["audio"]["created"]
        self.assertGreaterEqual(sound_on, out["acted"][0]["begun"])
        events, starts = out["probe"]["events"], out["probe"]["audio"]["starts"]

        # Off until switched on: passes went by unheard, no AudioContext.
        before = [e for e in events if e["at"] < sound_on and e["type"] == "stroke"]
        self.assertTrue(before, "no pass before the sound was switched on: the check proves nothing")
        self.assertTrue(all(s["at"] >= sound_on for s in starts), starts)
        self.assertEqual(out["probe"]["audio"]["contexts"], 1)

        # On: one cue per hold reached, finished pulse and pass, in order.
        heard = [CUE_OF_FREQ[round(s["freq"])] for s in starts]
        self.assertEqual(heard, cues_expected(events, sound_on))
        for kind in ("hold", "pulse", "pass"):
            self.assertIn(kind, heard)

        # What the page heard of is what pressd published, none missed.
        stream = bodies(sub1.snapshot()) + bodies(box["sub2"].snapshot())
        page_end = max(e["at"] for e in events)
        for etype in ("press", "stroke", "pulses"):
            on_page = sorted((e["device"], e["id"]) for e in events if e["type"] == etype and e["at"] >= sound_on)
            published = sorted((m["device"], m["id"]) for m in stream if m["type"] == etype
                               and sound_on + 0.5 <= m["time"] <= page_end - 1)
            self.assertTrue(set(published) <= set(on_page), (etype, published, on_page))
        reached = {(m["device"], m["id"]) for m in stream if m["type"] == "hold" and m.get("reached")}
        self.assertIn(("mat1", 0), reached)

        # The pulses status: each press of the set as it ended, then the set.
        sets = [m for m in stream if m["type"] == "pulses" and m["device"] == "pulse0"]
        self.assertEqual([s["count"] for s in sets], [3], sets)
        presses = [m["duration"] for m in stream if m["type"] == "press" and m["device"] == "pulse0"]
        self.assertEqual(len(presses), 3)
        for dur in presses:
            self.assertAlmostEqual(dur, 10.0, delta=0.1)
        want = [set_text(presses[:k], True) for k in (1, 2, 3)] + [set_text(sets[0]["durations"], False)]
        log = out["pulsesLog"]["pulse0"]
        self.assertEqual([t for t in log if t != "no pulses yet"], want, log)
        panel = {p["id"]: p for p in out["devices"]}["pulse0"]
        self.assertEqual((panel["pulses"]["text"], panel["pulses"]["count"]), (want[-1], "3"))

    def test_keys_act_like_the_buttons_and_not_with_controls_off(self):
        d = self.pressd("-d", "sim:mat?scenario=hold", "-r", self.tmp.name + "/rec", trace=False,
                        cwd=self.tmp.name)
        sub = self.collector(d.pub, topics=("mark/", "tare/", "recording/"))
        web = Web(d.pub, d.control, "--controls", tmpdir=self.tmp.name)
        self.procs.append(web)
        keys = [{"at": 3, "key": "m"}, {"at": 4, "key": "t"}, {"at": 6, "key": "x"}, {"at": 8, "key": "s"},
                {"at": 10, "click": "Tare"}]
        out = self.probe(web, 12, "keys.png", actions=keys)
        sent = [json.loads(s) for s in out["probe"]["sent"]]
        self.assertEqual([(m["cmd"], m["device"]) for m in sent],
                         [("mark", "mat0"), ("tare", "mat0"), ("record_stop", "mat0"), ("record_start", "mat0"),
                          ("tare", "mat0")])
        self.assertTrue(sub.wait_for(lambda ms: len(bodies(ms, "tare")) >= 2, 8), bodies(sub.snapshot()))
        msgs = sub.snapshot()
        acted = {a.get("key") or a["click"]: a["time"] for a in out["acted"]}
        marks = bodies(msgs, "mark", "mat0")
        self.assertEqual([m["label"] for m in marks], ["dashboard mark"])
        self.assertGreaterEqual(marks[0]["time"], acted["m"] - 0.5)
        tares = bodies(msgs, "tare", "mat0")
        self.assertEqual(len(tares), 2, tares)
        # the key's baseline, then the button's, each after its press
        self.assertGreater(tares[0]["time"], acted["t"] - 0.5)
        self.assertGreater(tares[1]["time"], acted["Tare"] - 0.5)
        for t in tares:
            self.assertGreater(t["frames"], 0)
        phases = [(r["phase"], r["time"] > acted["x"] - 0.5) for r in bodies(msgs, "recording", "mat0")]
        self.assertEqual(phases[-2:], [("stop", True), ("start", True)], phases)

        # Controls off: no buttons, and the same keys send and change nothing.
        web2 = Web(d.pub, d.control, tmpdir=self.tmp.name)
        self.procs.append(web2)
        n = len(sub.snapshot())
        off = self.probe(web2, 6, "keys-off.png", actions=[dict(k, at=k["at"] - 2) for k in keys[:4]])
        self.assertEqual(off["devices"][0]["buttons"], [])
        self.assertEqual(off["probe"]["sent"], [])
        time.sleep(1)
        self.assertEqual(bodies(sub.snapshot()[n:]), [])


if __name__ == "__main__":
    unittest.main()
