"""The same bytes, in any timing, give the same events and a complete
recording (events.md: "The analysis and the archive are lossless";
analysis.md's behaviour table). One captured pmf byte stream per scenario
(the behaviour-table scenarios from pressd-sim, a finger pumping at 10 Hz
in 8-bit cells with troughs at 35 to 60 % of its peaks, and a one-frame
tap next to a just-pulsed spot), fed five ways: paced at the device rate,
all at once, in seeded random bursts with random pauses, over TCP, and
as a replay: at speed=max. Each way PRESSD_DETERMINISM_RUNS times (5).
Every scenario is a device of its own in one pressd per run, so the
paced runs take as long as the longest scenario, not their sum.

Every run must give the identical list of frame-produced events (every
field but `time`), published and recorded, and a recording whose /frames
is the capture's frames bit for bit, with nothing lost."""

import json
import os
import random
import tempfile
import threading
import time
import unittest
import zlib

import h5py
import numpy as np
import zmq

from feeds import PtyFeed, TcpFeed, capture_sim, frame_crcs, synth_capture
from harness import SANITIZED, TestCase
from rectools import frame_crcs as recorded_crcs, recordings, wait_status
from zmqtools import Collector, Control, tail

RUNS = int(os.environ.get("PRESSD_DETERMINISM_RUNS", "5"))
WAYS = tuple(os.environ.get("PRESSD_DETERMINISM_WAYS", "paced,at_once,bursts,tcp,replay").split(","))
# Published by a frame, so identical in every run; status, recording and
# frame messages are about the run itself.
EVENT_TOPICS = ("contact/", "press/", "hold/", "pulses/", "stroke/", "roll/", "tare/")
SIM_SCENARIOS = {
    "hold": ("-s", "hold"),
    "pump": ("-s", "pump"),
    "pulses": ("-s", "pulses"),
    "glide": ("-s", "glide"),
    "two": ("-s", "two"),
    "roller": ("--kind", "roller", "-s", "roller"),
}


def pump_at_10hz():
    """12 pumps, about 1.4 s each, at 10 Hz in 8-bit cells; the troughs
    between them sit at 35 to 60 % of the peaks (a real finger's)."""
    rng = random.Random(7)
    troughs = [rng.uniform(0.35, 0.60) for _ in range(11)]
    levels = []  # per frame, 0..1 of the peak
    levels += [0.0] * 10
    for k in range(12):
        lo_in = 0.0 if k == 0 else troughs[k - 1]
        lo_out = 0.0 if k == 11 else troughs[k]
        n_up, n_down = 6 + (k % 3), 7 + (k % 2)
        levels += [lo_in + (1 - lo_in) * (i + 1) / n_up for i in range(n_up)]
        levels += [1 - (1 - lo_out) * (i + 1) / n_down for i in range(n_down)]
    levels += [0.0] * 15
    peaks = [0.55 + 0.1 * rng.random() for _ in levels]
    return synth_capture(28, 28, 10, 8, lambda i: levels[i] * peaks[i], len(levels))


def tap_after_pulses():
    """3 presses of 1.5 s at one spot, 1 s off between (a pulse set), then
    one frame pressed 10 mm away (a tap), then quiet: at 100 Hz."""
    rate, frames = 100, []
    for k in range(3):
        frames += [0.0] * 100 + [0.6] * 150
    frames += [0.0] * 50 + ["tap"] + [0.0] * 300
    n = len(frames)
    spot = (16.0 - 0.3, 16.0 + 0.2)
    return synth_capture(32, 32, rate, 16, lambda i: 0.6 if frames[i] == "tap" else frames[i], n,
                         lambda i: (spot[0], spot[1] + 1.0) if frames[i] == "tap" else spot)


def normalised(bodies):
    """Every field but `time`, in publishing order, per device."""
    out = {}
    for b in bodies:
        b = dict(b)
        b.pop("time", None)
        out.setdefault(b["device"], []).append(json.dumps(b, sort_keys=True))
    return out


def device_of(f):
    dev = f.attrs["device_id"]
    return dev.decode() if isinstance(dev, bytes) else str(dev)


def table_without_time(ds):
    """A recorded event table's rows, less the host-clock column."""
    names = ds.dtype.names or ()
    rows = ds[:]
    return [tuple(str(row[n]) for n in names if n != "time") for row in rows]


class Determinism(TestCase):
    captures = None

    @classmethod
    def setUpClass(cls):
        caps, cls.truth = {}, {}
        with tempfile.TemporaryDirectory() as tmp:
            for name, args in SIM_SCENARIOS.items():
                caps[name], cls.truth[name] = capture_sim(*args, truth_path=os.path.join(tmp, name))
        for name, data in (("pump10", pump_at_10hz()), ("tap", tap_after_pulses())):
            caps[name], cls.truth[name] = data, frame_crcs(data)
        cls.captures = caps

    def start_run(self, way, rep):
        """One pressd, every scenario a device, its subscriber connected and
        the bytes on their way."""
        rec = os.path.join(self.tmp.name, "rec-%s-%d" % (way, rep))
        feeds, uris = [], []
        gate = threading.Event()  # the subscriber is there: the bytes may come
        for i, (name, data) in enumerate(sorted(self.captures.items())):
            if way == "tcp":
                f = TcpFeed(data, gate)
                uris.append("%s?protocol=pmf&id=%s" % (f.uri, name))
            elif way == "replay":
                f = None
                uris.append("replay:%s?speed=max&id=%s" % (self.replay_files[name], name))
            else:
                f = PtyFeed(data, way.replace("at_once", "all"), seed=1000 * rep + i, gate=gate)
                uris.append("%s?protocol=pmf&id=%s" % (f.path, name))
            if f:
                feeds.append(f)
        args = []
        for u in uris:
            args += ["-d", u]
        d = self.pressd(*args, "-r", rec, "-s", "daemon.frame_rate_hz=1", trace=False)
        col = Collector(zmq.Context.instance(), d.pub, topics=EVENT_TOPICS + ("status/",))
        self.assertTrue(wait_status(col), "no status from pressd: " + tail(d.text()))
        gate.set()
        return (way, rep, rec, feeds, d, col)

    def finish_run(self, run):
        """Waits until every frame is recorded, stops pressd; returns the
        events published per device, the recorded frames' crcs and gaps,
        the recorded event tables and the files."""
        way, rep, rec, feeds, d, col = run
        ctl = Control(zmq.Context.instance(), d.control)
        try:
            want = {name: len(crcs) for name, crcs in self.truth.items()}
            deadline = time.monotonic() + (300 if SANITIZED else 150)
            while True:
                got = {}
                try:
                    rep_ = ctl.call({"cmd": "status"}, timeout=2)
                    got = {x["id"]: x.get("stats", {}).get("archive_frames", 0) for x in rep_["devices"]}
                except AssertionError:
                    pass
                if all(got.get(n, 0) >= w for n, w in want.items()):
                    break
                self.assertIsNone(d.proc.poll(), "pressd exited: " + tail(d.text()))
                self.assertLess(time.monotonic(), deadline, "%s run %d: recorded %s of %s; log:\n%s"
                                % (way, rep, got, want, tail(d.text())))
                time.sleep(0.1)
            for f in feeds:
                self.assertIsNone(f.error, "%s feed failed: %s" % (way, f.error))
            stats = {x["id"]: x["stats"] for x in ctl.call({"cmd": "status"})["devices"]}
            self.assertEqual(d.stop(), 0, tail(d.text()))
            time.sleep(0.3)
        finally:
            msgs = col.stop()
            for f in feeds:
                f.close()
        text = d.text()
        for name, s in stats.items():
            for k in ("frames_lost", "analysis_lost", "archive_lost"):
                self.assertEqual(s.get(k), 0, "%s run %d, %s: %s = %s" % (way, rep, name, k, s.get(k)))
        self.assertNotIn("not analysed", text)
        events = normalised(m.body for m in msgs if m.type not in ("status", None))
        recorded, rec_events = {}, {}
        for p in recordings(rec):
            with h5py.File(p, "r") as f:
                dev = device_of(f)
                self.assertNotIn(dev, recorded, "%s run %d: one file per device: %s\n%s" % (
                    way, rep, recordings(rec), "\n".join(l for l in text.splitlines() if dev in l and "frame seq" not in l)[-3000:]))
                recorded[dev] = (recorded_crcs(f), f["gaps"].shape[0])
                rec_events[dev] = {k: table_without_time(f["events"][k]) for k in f["events"].keys()
                                   if isinstance(f["events"][k], h5py.Dataset)}
        return events, recorded, rec_events, recordings(rec)

    def test_every_pacing_gives_the_same_events_and_frames(self):
        reference = None
        self.replay_files = {}
        summary = {}
        for way in WAYS:
            # Paced runs side by side: they take the device's time, not the CPU's.
            pending = [self.start_run(way, rep) for rep in range(RUNS)] if way == "paced" else []
            for rep in range(RUNS):
                run = pending[rep] if pending else self.start_run(way, rep)
                events, recorded, rec_events, files = self.finish_run(run)
                for name, crcs in self.truth.items():
                    self.assertIn(name, recorded, "%s run %d: no recording of %s" % (way, rep, name))
                    got, ngaps = recorded[name]
                    self.assertEqual(ngaps, 0, "%s run %d, %s: gaps in the recording" % (way, rep, name))
                    self.assertEqual(len(got), len(crcs), "%s run %d, %s: frames recorded" % (way, rep, name))
                    self.assertTrue(got == crcs, "%s run %d, %s: /frames differ from the capture" % (way, rep, name))
                if reference is None:
                    reference = (events, rec_events)
                    for name in self.truth:
                        self.assertTrue(events.get(name), "no events at all for %s" % name)
                    # what the synthetic scenarios are for (analysis.md's behaviour table)
                    def of(name, type_):
                        return [json.loads(e) for e in events[name] if json.loads(e)["type"] == type_]
                    self.assertEqual(len(of("pump10", "press")), 12, "12 pumps at 10 Hz are 12 presses")
                    self.assertEqual([p["count"] for p in of("pump10", "pulses")], [12])
                    self.assertEqual(len(of("tap", "press")), 3, "the one-frame tap is no press")
                    self.assertEqual([p["count"] for p in of("tap", "pulses")], [3], "the tap leaves the set at 3")
                    self.assertEqual(len([c for c in of("tap", "contact") if c["phase"] == "start"]), 4,
                                     "the tap is still a contact")
                    # the replays play the first recording made
                    for p in files:
                        with h5py.File(p, "r") as f:
                            self.replay_files[device_of(f)] = p
                    keep = os.path.join(self.tmp.name, "replay-src")
                    os.makedirs(keep, exist_ok=True)
                    for dev, p in list(self.replay_files.items()):
                        q = os.path.join(keep, dev + ".h5")
                        os.rename(p, q)
                        self.replay_files[dev] = q
                    continue
                for name in self.truth:
                    want, got = reference[0].get(name, []), events.get(name, [])
                    if way == "replay":
                        # A replay at speed=max starts before a subscriber
                        # can connect: what it did receive must be the same
                        # messages, by type and seq, and /events all of it.
                        by_key = {(json.loads(e)["type"], json.loads(e)["seq"]): e for e in want}
                        for e in got:
                            b = json.loads(e)
                            self.assertEqual(e, by_key.get((b["type"], b["seq"])),
                                             "%s run %d, %s: a published event differs" % (way, rep, name))
                        got_tail = got
                        want = want[len(want) - len(got_tail):] if got_tail else []
                        got = got_tail
                    if want != got:
                        first = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
                        self.fail("%s run %d, %s: events differ from the first run (%d vs %d), first at #%d:\n"
                                  "  first run: %s\n  this run:  %s" % (
                                      way, rep, name, len(want), len(got), first,
                                      want[first] if first < len(want) else "-",
                                      got[first] if first < len(got) else "-"))
                    self.maxDiff = None
                    self.assertEqual(rec_events.get(name), reference[1].get(name),
                                     "%s run %d, %s: recorded /events differ" % (way, rep, name))
                summary.setdefault(way, 0)
                summary[way] += 1
        counts = {name: len(v) for name, v in reference[0].items()}
        print("\nnote: identical events over %d runs (%s); events per scenario: %s"
              % (1 + sum(summary.values()), ", ".join("%s x%d" % (w, RUNS) for w in WAYS), counts))


if __name__ == "__main__":
    unittest.main()
