#!/usr/bin/python3
"""The replay: device (daemon.md "Device URIs", recording.md "Behaviour"):
a recording fed back through pressd finds the same analysis events as the
live run, keeps the recording's device id, paces at the recorded rate with
speed=1 (or goes as fast as the pipeline takes frames with speed=max),
ends as a disconnected device, and a missing file is refused at start-up
with exit 64.

Run with Debian's /usr/bin/python3 (python3-zmq, python3-h5py)."""

import os
import re
import subprocess
import time
import unittest

import h5py
import numpy as np
import zmq

from harness import PRESSD, TestCase
from rectools import EVENT_TOPICS, analysis_events, record_sim, recordings
from zmqtools import Collector, bodies, tail


EVENT_LINE = re.compile(r"^\S+ debug: (\S+): ((?:contact|press|hold|pulses|stroke|roll) .*)$", re.M)


def log_events(text):
    """The events the analysis made, as the debug log lists them (device
    time and frame, no host time)."""
    return EVENT_LINE.findall(text)


def log_time(line):
    h, m, s = re.match(r"(\d\d):(\d\d):(\d\d\.\d+)", line).groups()
    return int(h) * 3600 + int(m) * 60 + float(s)


class Replay(TestCase):
    def record(self, sim_args, device_id="mat7"):
        rec = os.path.join(self.tmp.name, "rec")
        os.mkdir(rec)
        sim, d, msgs = record_sim(self, sim_args, rec, device_id=device_id)
        files = recordings(rec)
        self.assertEqual(len(files), 1, files)
        return files[0], sim, msgs

    def replay(self, uri, until_end=True, timeout=120):
        """pressd -d uri with a subscriber; waits for the end of the recording."""
        d = self.pressd("-d", uri, "-s", "daemon.ring_s=2", trace=False)
        col = Collector(zmq.Context.instance(), d.pub, topics=("",))
        try:
            if until_end:
                self.assertTrue(d.wait_for(lambda: "end of recording" in d.text(), timeout), tail(d.text()))
                time.sleep(0.5)  # the analysis and publisher drain the ring
            self.assertEqual(d.stop(), 0, tail(d.text()))
        finally:
            msgs = col.stop()
        return d, msgs

    def test_replay_at_max_speed_finds_the_same_events(self):
        """Every scenario live, then replayed as fast as possible and
        recorded again: the analysis finds the same events (every phase, as
        the debug log lists them), the replay's /events tables equal the
        live file's (host time apart) and its frames are the same frames."""
        path, sim, live = self.record(["--scenario", "all", "--speed", "max"])
        live_log = next(p for p in self.procs if hasattr(p, "text")).text()
        types = {b["type"] for b in bodies(live)}
        self.assertGreaterEqual(types, {"contact", "press", "hold", "pulses", "stroke"}, types)

        rec2 = os.path.join(self.tmp.name, "rec2")
        os.mkdir(rec2)
        d = self.pressd("-d", "replay:%s?speed=max" % path, "-r", rec2, "-s", "daemon.ring_s=2", trace=False)
        self.assertTrue(d.wait_for(lambda: "end of recording" in d.text(), 120), tail(d.text()))
        self.assertEqual(d.stop(), 0, tail(d.text()))
        n = len(sim.truth())
        self.assertIn("analysis: frames=%d " % n, d.text(), tail(d.text()))
        self.assertNotIn("fell behind", d.text())
        self.assertEqual(log_events(d.text()), log_events(live_log))
        self.assertGreater(len(log_events(live_log)), 100)

        files = recordings(rec2)
        self.assertEqual(len(files), 1, files)
        with h5py.File(path, "r") as a, h5py.File(files[0], "r") as b:
            self.assertEqual(b.attrs["device_id"], a.attrs["device_id"])
            self.assertEqual(a["frames"].shape, b["frames"].shape)
            self.assertTrue((a["frames"][:] == b["frames"][:]).all())
            for name in ("frame_seq", "t"):
                self.assertTrue((a[name][:] == b[name][:]).all(), name)
            for table in ("presses", "holds", "pulses", "strokes"):
                ta, tb = a["events"][table][:], b["events"][table][:]
                self.assertEqual(len(ta), len(tb), table)
                self.assertGreater(len(ta), 0, table)
                for col in ta.dtype.names:
                    if col in ("time", "seq") or col not in ta.dtype.names:  # site: newer than the file
                        continue
                    np.testing.assert_array_equal(ta[col], tb[col], "%s.%s" % (table, col))

    def test_version_1_file_replays_to_its_events(self):
        """A recording the previous release wrote (format_version 1: the
        durations an array field) replays to the events it holds, and the
        new file (version 2) holds them as plain tables."""
        v1 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "recording-v1",
                          "mat0-20260921T141320Z.h5")
        rec2 = os.path.join(self.tmp.name, "rec2")
        os.mkdir(rec2)
        d = self.pressd("-d", "replay:%s?speed=max" % v1, "-r", rec2, "-s", "daemon.ring_s=2", trace=False)
        self.assertTrue(d.wait_for(lambda: "end of recording" in d.text(), 120), tail(d.text()))
        self.assertEqual(d.stop(), 0, tail(d.text()))
        files = recordings(rec2)
        self.assertEqual(len(files), 1, files)
        with h5py.File(v1, "r") as a, h5py.File(files[0], "r") as b:
            self.assertEqual((a.attrs["format_version"], b.attrs["format_version"]), (1, 2))
            self.assertTrue((a["frames"][:] == b["frames"][:]).all())
            for table in ("presses", "holds", "pulses"):
                ta, tb = a["events"][table][:], b["events"][table][:]
                self.assertEqual(len(ta), len(tb), table)
                self.assertGreater(len(ta), 0, table)
                for col in tb.dtype.names:
                    if col in ("time", "seq") or col not in ta.dtype.names:  # site: newer than the file
                        continue
                    if tb.dtype[col].kind == "f":  # written by rec_write's own analysis run: to the last bits
                        np.testing.assert_allclose(ta[col], tb[col], rtol=1e-12, err_msg="%s.%s" % (table, col))
                    else:
                        np.testing.assert_array_equal(ta[col], tb[col], "%s.%s" % (table, col))
            v1_durations = [(int(p["id"]), i, float(p["durations"][i]))
                            for p in a["events/pulses"][:] for i in range(int(p["count"]))]
            v2_durations = [(int(r["pulse_id"]), int(r["index"]), float(r["duration"]))
                            for r in b["events/pulse_durations"][:]]
            self.assertEqual(v2_durations, v1_durations)

    def test_replay_publishes_the_same_events(self):
        """Published events, field for field (host time and per-run
        counters apart), live and replayed at speed=1: the subscriber
        connects during the recording's first second of nothing."""
        path, sim, live = self.record(["--scenario", "pump", "--speed", "max"])
        live_events = analysis_events(live)
        types = {e["type"] for e in live_events}
        self.assertGreaterEqual(types, {"contact", "press", "pulses"}, types)
        d = self.pressd("-d", "replay:%s" % path, trace=False)
        col = Collector(zmq.Context.instance(), d.pub, topics=EVENT_TOPICS)
        try:
            self.assertTrue(col.wait_for(lambda ms: bodies(ms, "status"), 5))
            self.assertTrue(d.wait_for(lambda: "end of recording" in d.text(), 60), tail(d.text()))
            time.sleep(0.5)
            self.assertEqual(d.stop(), 0, tail(d.text()))
        finally:
            msgs = col.stop()
        replayed = analysis_events(msgs)
        self.assertEqual(len(replayed), len(live_events))
        for a, b in zip(live_events, replayed):
            self.assertEqual(a, b)

    def replay_after_subscribe(self, path, query, timeout=120):
        """Replays path with a subscriber that connected before pressd
        started (ZeroMQ connects to an ipc path that appears later by
        itself), so it sees every event from the first frame on."""
        pub = "ipc://%s/replay-pub" % self.tmp.name
        col = Collector(zmq.Context.instance(), pub, topics=EVENT_TOPICS)
        try:
            time.sleep(0.3)
            p = self.pressd("-d", "replay:%s?%s" % (path, query), "-p", pub, "-s", "daemon.ring_s=2", trace=False)
            self.assertTrue(p.wait_for(lambda: "end of recording" in p.text(), timeout), tail(p.text()))
            # the state is published again every second: wait for it
            col.wait_for(lambda ms: [b for b in bodies(ms, "status") if b.get("state") == "disconnected"], 3)
            self.assertEqual(p.stop(), 0, tail(p.text()))
        finally:
            msgs = col.stop()
        return p, msgs

    def test_replay_keeps_the_recording_id_and_ends_disconnected(self):
        path, sim, live = self.record(["--scenario", "hold", "--speed", "max", "--duration", "3"], device_id="matQ")
        d, msgs = self.replay_after_subscribe(path, "speed=max")
        self.assertTrue(bodies(msgs, "status"), msgs[:5])
        self.assertEqual({b["device"] for b in bodies(msgs)}, {"matQ"})
        self.assertIn("disconnected", [b.get("state") for b in bodies(msgs, "status")])
        # it does not start over by itself
        self.assertIn("replay finished", d.text())
        self.assertEqual(d.text().count("opened replay:"), 1, tail(d.text()))

    def test_speed_1_paces_at_the_recorded_rate(self):
        path, sim, live = self.record(["--scenario", "idle", "--speed", "max", "--duration", "3"])
        with h5py.File(path, "r") as f:
            span = f["t"][-1] - f["t"][0]
        d, msgs = self.replay("replay:%s" % path)
        lines = d.text().splitlines()
        opened = log_time(next(x for x in lines if "opened replay:" in x))
        ended = log_time(next(x for x in lines if "end of recording" in x))
        self.assertAlmostEqual(ended - opened, span, delta=0.3, msg=tail(d.text()))

    def test_speed_max_is_fast(self):
        path, sim, live = self.record(["--scenario", "idle", "--speed", "max", "--duration", "10"])
        d, msgs = self.replay("replay:%s?speed=max" % path)
        lines = d.text().splitlines()
        opened = log_time(next(x for x in lines if "opened replay:" in x))
        ended = log_time(next(x for x in lines if "end of recording" in x))
        self.assertLess(ended - opened, 5.0)
        self.assertIn("analysis: frames=1000 ", d.text(), tail(d.text()))

    def test_loop_starts_over(self):
        path, sim, live = self.record(["--scenario", "idle", "--speed", "max", "--duration", "1"])
        d = self.pressd("-d", "replay:%s?speed=max&loop=1" % path, trace=False)
        time.sleep(1.5)
        self.assertEqual(d.stop(), 0, tail(d.text()))
        self.assertNotIn("end of recording", d.text())
        m = re.search(r"analysis: frames=(\d+) ", d.text())
        self.assertTrue(m and int(m[1]) > 300, tail(d.text()))

    def test_missing_file_exits_64(self):
        missing = os.path.join(self.tmp.name, "missing.h5")
        p = subprocess.run([PRESSD, "-f", "-d", "replay:" + missing, "-p", "ipc://%s/p" % self.tmp.name,
                            "-C", "ipc://%s/c" % self.tmp.name], capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 64, p.stderr)
        self.assertIn(missing, p.stderr)

    def test_not_a_recording_exits_64(self):
        bad = os.path.join(self.tmp.name, "bad.h5")
        with open(bad, "w") as fp:
            fp.write("not hdf5\n")
        p = subprocess.run([PRESSD, "-f", "-d", "replay:" + bad, "-p", "ipc://%s/p" % self.tmp.name,
                            "-C", "ipc://%s/c" % self.tmp.name], capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 64, p.stderr)


if __name__ == "__main__":
    unittest.main()
