"""The analysis running live in pressd: each behaviour-table scenario played
by pressd-sim through a pseudo-terminal, and the events pressd logs
checked against analysis.md's expectations."""

import re
import unittest

from harness import TestCase

EVENT_RE = re.compile(r"debug: (\S+): (contact|press|hold|pulses|stroke|roll)(?: (start|move|progress|end))? (.*)")


def events(pressd, etype=None, phase=None):
    """[{'type', 'phase', field: value...}] in the order pressd logged them."""
    out = []
    for m in EVENT_RE.finditer(pressd.text()):
        ev = {"device": m[1], "type": m[2], "phase": m[3]}
        for kv in m[4].split():
            k, _, v = kv.partition("=")
            try:
                ev[k] = float(v) if "." in v or "e" in v else int(v)
            except ValueError:
                ev[k] = v
        if (etype is None or ev["type"] == etype) and (phase is None or ev["phase"] == phase):
            out.append(ev)
    return out


class LiveAnalysis(TestCase):
    def play(self, *sim_args):
        sim = self.sim("--speed", "max", *sim_args)
        d = self.pressd("-d", sim.path + "?protocol=pmf", "-s", "daemon.ring_s=120", trace=False)
        self.assertEqual(sim.wait(120), 0)
        self.assertTrue(d.wait_for(lambda: ": disconnected:" in d.text(), timeout=20))
        # stopping finishes the analysis of every frame read, ending what is open
        self.assertEqual(d.stop(), 0)
        return d

    def test_hold_30s(self):
        d = self.play("--scenario", "hold")
        holds = events(d, "hold", "end")
        self.assertEqual(len(holds), 1, holds)
        self.assertAlmostEqual(holds[0]["duration"], 30.0, delta=0.05)
        self.assertEqual(holds[0]["reached"], 1)
        self.assertEqual(len(events(d, "press")), 1)
        self.assertEqual(len(events(d, "contact", "start")), 1)
        self.assertGreaterEqual(len(events(d, "hold", "progress")), 25)  # the dashboard's timer

    def test_pumping_is_presses_and_a_pulse_set(self):
        d = self.play("--scenario", "pump")
        self.assertEqual(len(events(d, "contact", "start")), 1)
        self.assertEqual(len(events(d, "press")), 12)
        sets = events(d, "pulses")
        self.assertEqual(len(sets), 1)
        self.assertEqual(sets[0]["count"], 12)

    def test_three_pulses(self):
        d = self.play("--scenario", "pulses")
        holds = events(d, "hold", "end")
        self.assertEqual(len(holds), 3)
        for h in holds:
            self.assertAlmostEqual(h["duration"], 10.0, delta=0.05)
            self.assertEqual(h["reached"], 0)
        sets = events(d, "pulses")
        self.assertEqual([s["count"] for s in sets], [3])

    def test_glide_strokes(self):
        d = self.play("--scenario", "glide")
        strokes = events(d, "stroke")
        self.assertEqual(len(strokes), 4, strokes)
        self.assertEqual([s["pass"] for s in strokes], [1, 2, 3, 4])
        for s, direction in zip(strokes, (0, 180, 0, 180)):
            self.assertAlmostEqual(s["length_mm"], 80, delta=4)
            diff = (s["direction_deg"] - direction + 180) % 360 - 180
            self.assertLess(abs(diff), 5)
        self.assertEqual(events(d, "hold"), [])

    def test_two_contacts_keep_ids(self):
        d = self.play("--scenario", "two")
        starts = events(d, "contact", "start")
        self.assertEqual(len(starts), 2)
        ids = {s["id"] for s in starts}
        self.assertEqual(len(ids), 2)
        for e in events(d, "contact"):
            self.assertIn(e["id"], ids)

    def test_roller(self):
        d = self.play("--kind", "roller", "--scenario", "roller")
        rolls = events(d, "roll")
        self.assertEqual(len(rolls), 5, rolls)
        for r in rolls:
            self.assertAlmostEqual(r["length_mm"], 200, delta=10)
        self.assertEqual([r["direction"] for r in rolls], [1, -1, 1, -1, 1])
        holds = events(d, "hold", "end")
        self.assertEqual(len(holds), 1)
        self.assertAlmostEqual(holds[0]["duration"], 20.0, delta=0.05)

    def test_builtin_sim_device_analyses_too(self):
        d = self.pressd("-d", "sim:mat?scenario=hold&speed=max", "-s", "daemon.ring_s=120", trace=False)
        self.assertTrue(d.wait_for(lambda: events(d, "hold", "end"), timeout=30), d.text()[-2000:])
        self.assertEqual(d.stop(), 0)
        self.assertAlmostEqual(events(d, "hold", "end")[0]["duration"], 30.0, delta=0.05)


if __name__ == "__main__":
    unittest.main(verbosity=2)
