#!/usr/bin/python3
"""Recording through the daemon (recording.md, events.md `record_start`,
`record_stop`, `recording`): pressd-sim through pressd -r DIR, checked
with h5py against pressd-sim's --truth and the events pressd published;
control-started recordings with meta; an SWMR reader while it records;
kill -9 and recovery (pressctl recover, and pressd by itself at start);
a full disk; rotation.

Run with Debian's /usr/bin/python3 (python3-zmq, python3-h5py)."""

import os
import shutil
import signal
import subprocess
import time
import unittest

import h5py
import numpy as np
import zmq

from harness import BIN, TestCase
from rectools import EVENT_TOPICS, frame_crcs, mount_tmpfs, record_sim, recordings, wait_status
from zmqtools import Collector, Control, bodies, tail

PRESSCTL = os.path.join(BIN, "pressctl")
RECORDED = {"press": "presses", "hold": "holds", "pulses": "pulses", "stroke": "strokes", "roll": "rolls",
            "mark": "marks"}
ROOT_ATTRS = ("format", "format_version", "software", "device_id", "session_start_time")
DEVICE_ATTRS = ("kind", "model", "serial", "firmware", "protocol", "uri", "rows", "cols", "pitch_x_mm",
                "pitch_y_mm", "rate_hz", "cell_bits", "full_scale")


def check_against_truth(tc, f, truth, prefix=False):
    """/frames, /frame_seq, /t of f are truth's frames (or its first N)."""
    n = f["frames"].shape[0]
    if prefix:
        tc.assertLessEqual(n, len(truth))
        truth = truth[:n]
    tc.assertEqual(n, len(truth))
    tc.assertEqual([s for s, _, _ in truth], f["frame_seq"][:].tolist())
    np.testing.assert_array_equal(f["t"][:], np.array([t for _, t, _ in truth], dtype=np.float64) / 1e6)
    tc.assertEqual(frame_crcs(f), [c for _, _, c in truth])
    for name in ("t", "time", "frame_seq"):
        tc.assertEqual(f[name].shape, (n,), name)


def event_rows(f, table):
    t = f["events"][table][:]
    return [{k: t[k][i] for k in t.dtype.names} for i in range(len(t))]


def same_value(stored, published):
    if isinstance(published, str):
        return stored.rstrip(b"\0").decode() == published if isinstance(stored, bytes) else stored == published
    if isinstance(published, bool):
        return bool(stored) == published
    if isinstance(published, list):
        return list(stored[:len(published)]) == published
    return stored == published


class RecordingLive(TestCase):
    def recdir(self, name="rec"):
        d = os.path.join(self.tmp.name, name)
        os.makedirs(d, exist_ok=True)
        return d

    def test_frames_and_events_match_truth_and_stream(self):
        rec = self.recdir()
        sim, d, msgs = record_sim(self, ["--scenario", "all", "--speed", "max"], rec,
                                  marks=("start of trial", "ünïcode ✓"))
        files = recordings(rec)
        self.assertEqual(len(files), 1, files)
        truth = sim.truth()
        with h5py.File(files[0], "r") as f:
            check_against_truth(self, f, truth)
            for a in ROOT_ATTRS:
                self.assertIn(a, f.attrs, a)
            self.assertEqual(f.attrs["format"], "pressd-recording")
            self.assertEqual(f.attrs["device_id"], "mat7")
            for a in DEVICE_ATTRS:
                self.assertIn(a, f["device"].attrs, a)
            self.assertEqual(f["frames"].attrs["unit"], "counts")
            self.assertIn("conversion", f["frames"].attrs)
            self.assertIn("gaps", f)
            self.assertEqual(f["gaps"].shape, (0,))
            for table in RECORDED.values():
                self.assertIn(table, f["events"], table)
            # every published finished event is a row, field for field
            for typ, table in RECORDED.items():
                pub = bodies(msgs, typ)
                if typ == "hold":
                    pub = [b for b in pub if b.get("phase") == "end"]
                rows = event_rows(f, table)
                self.assertEqual(len(rows), len(pub), typ)
                for row, ev in zip(rows, pub):
                    for k, v in ev.items():
                        if k in ("v", "type", "device", "phase", "durations"):
                            continue
                        self.assertIn(k, row, (typ, k))
                        self.assertTrue(same_value(row[k], v), (typ, k, row[k], v))
            # a pulse set's durations: rows of their own table, in order
            want = [(b["id"], i, d) for b in bodies(msgs, "pulses") for i, d in enumerate(b["durations"])]
            got = [(int(r["pulse_id"]), int(r["index"]), float(r["duration"]))
                   for r in f["events/pulse_durations"][:]]
            self.assertEqual(got, want)
            self.assertGreater(len(got), 0)
            kinds = {t: len(f["events"][t]) for t in RECORDED.values()}
            for t in ("presses", "holds", "pulses", "strokes"):
                self.assertGreater(kinds[t], 0, kinds)
            self.assertEqual(kinds["marks"], 2)
        h = subprocess.run(["h5dump", "-H", files[0]], capture_output=True, text=True, timeout=60)
        self.assertEqual(h.returncode, 0, h.stderr)
        self.assertNotIn("error", h.stderr.lower())
        rec_msgs = bodies(msgs, "recording")
        self.assertEqual([b["phase"] for b in rec_msgs], ["start", "stop"], rec_msgs)
        self.assertEqual(rec_msgs[-1]["frames"], len(truth))

    def test_roller_rolls_recorded(self):
        rec = self.recdir()
        sim, d, msgs = record_sim(self, ["--kind", "roller", "--speed", "max"], rec, device_id="roller3")
        files = recordings(rec)
        with h5py.File(files[0], "r") as f:
            check_against_truth(self, f, sim.truth())
            self.assertIn("encoder", f)
            pub = bodies(msgs, "roll")
            rows = event_rows(f, "rolls")
            self.assertGreater(len(pub), 0)
            self.assertEqual(len(rows), len(pub))
            for row, ev in zip(rows, pub):
                for k, v in ev.items():
                    if k not in ("v", "type", "device", "phase"):
                        self.assertTrue(same_value(row[k], v), (k, row[k], v))

    def test_control_record_start_stop_with_meta(self):
        rec = self.recdir("ctl")
        d = self.pressd("-d", "sim:mat?scenario=hold", "-s", "daemon.record_roots=" + rec, trace=False)
        ctl = Control(zmq.Context.instance(), d.control)
        self.assertTrue(d.wait_for(lambda: "opened sim:mat" in d.text(), 10), tail(d.text()))
        rep = ctl.call({"cmd": "record_start", "dir": rec, "meta": {"subject": "S01", "session": "3"}})
        self.assertTrue(rep["ok"], rep)
        self.assertEqual(len(rep["recordings"]), 1, rep)
        path = rep["recordings"][0]["path"]
        self.assertTrue(path.startswith(rec), path)
        time.sleep(1.5)
        st = ctl.call({"cmd": "status"})["devices"][0]
        self.assertEqual(st["recording"], path)
        # the file's size as of its last flush (dashboards show it growing)
        self.assertGreater(st["stats"]["archive_bytes"], 1000)
        self.assertLessEqual(st["stats"]["archive_bytes"], os.path.getsize(path) + 4 << 20)
        rep = ctl.call({"cmd": "record_stop"})
        self.assertTrue(rep["ok"], rep)
        self.assertEqual(rep["recordings"][0]["path"], path)
        frames = rep["recordings"][0]["frames"]
        self.assertGreater(frames, 100)
        with h5py.File(path, "r") as f:
            self.assertEqual(f.attrs["subject"], "S01")
            self.assertEqual(f.attrs["session"], "3")
            self.assertEqual(f["frames"].shape[0], frames)
        self.assertEqual(d.stop(), 0, tail(d.text()))

    def test_tare_in_force_is_stored(self):
        """/tare starts with the baseline in force when the recording
        started; a tare and a `set` during the recording add a baseline
        (with its /tare_t) and a row of /events/settings; /analysis holds
        the parameters the file started with."""
        rec = self.recdir("tare")
        d = self.pressd("-d", "sim:mat?scenario=idle&id=flat", "-s", "analysis.tare_at_start=true",
                        "-d", "sim:mat?scenario=idle&id=raw", "-s", "daemon.record_roots=" + rec, trace=False)
        ctl = Control(zmq.Context.instance(), d.control)
        self.assertTrue(d.wait_for(lambda: "opened sim:mat" in d.text(), 10), tail(d.text()))
        time.sleep(1.0)  # the tare averages the first frames
        rep = ctl.call({"cmd": "record_start", "dir": rec})
        self.assertTrue(rep["ok"], rep)
        time.sleep(0.5)
        tared = ctl.call({"cmd": "tare", "device": "flat"})
        self.assertTrue(tared["ok"], tared)
        rep = ctl.call({"cmd": "set", "key": "hold_min_s", "value": 2.5, "device": "flat"})
        self.assertTrue(rep["ok"], rep)
        time.sleep(0.5)
        rep = ctl.call({"cmd": "record_stop"})
        self.assertTrue(rep["ok"], rep)
        paths = {r["device"]: r["path"] for r in rep["recordings"]}
        self.assertEqual(d.stop(), 0, tail(d.text()))
        with h5py.File(paths["flat"], "r") as f:
            tare = f["tare"][:]
            self.assertEqual(tare.dtype, np.float32)
            self.assertEqual(tare.shape, (2,) + f["frames"].shape[1:])
            t = f["t"][:]
            tare_t = f["tare_t"][:]
            self.assertLess(tare_t[0], t[0])  # in force before the file began
            self.assertEqual(tare_t[1], tared["t"])  # from where the control reply said
            self.assertTrue(t[0] < tare_t[1] < t[-1])
            # the idle mat is noise only: each baseline is that noise's level
            frames = f["frames"][:].astype(np.float64)
            for b in tare:
                self.assertLess(abs(b.mean() - frames.mean()), 0.01 * 4095)
            self.assertEqual(f["analysis"].attrs["tare_at_start"], "true")
            self.assertEqual(f["analysis"].attrs["hold_min_s"], 3.0)
            self.assertEqual(f["analysis"].attrs["contact_on"], "4%")
            st = f["events/settings"][:]
            self.assertEqual(len(st), 1, st)
            self.assertEqual((st["key"][0], st["value"][0]), (b"hold_min_s", b"2.5"))
            # from a frame of the file, after the tare's
            seq = list(f["frame_seq"][:])
            self.assertIn(int(st["frame"][0]), seq)
            self.assertEqual(st["t"][0], t[seq.index(int(st["frame"][0]))])
            self.assertGreaterEqual(st["t"][0], tare_t[1])
        # tare_at_start applies to every device (it is an analysis parameter); set was for flat only
        with h5py.File(paths["raw"], "r") as f:
            self.assertEqual(f["tare"].shape[0], 1)
            self.assertEqual(len(f["events/settings"]), 0)

    def test_no_tare_no_dataset(self):
        rec = self.recdir("notare")
        d = self.pressd("-d", "sim:mat?scenario=idle", "-r", rec, trace=False)
        self.assertTrue(d.wait_for(lambda: "recording to" in d.text(), 10), tail(d.text()))
        time.sleep(0.5)
        self.assertEqual(d.stop(), 0, tail(d.text()))
        path = [os.path.join(rec, n) for n in os.listdir(rec) if n.endswith(".h5")][0]
        with h5py.File(path, "r") as f:
            self.assertEqual(f["tare"].shape, (0,) + f["frames"].shape[1:])
            self.assertEqual(f["tare_t"].shape, (0,))

    def test_swmr_reader_sees_frames_grow(self):
        rec = self.recdir()
        d = self.pressd("-d", "sim:mat?scenario=hold", "-r", rec, trace=False)
        self.assertTrue(d.wait_for(lambda: recordings(rec), 10), tail(d.text()))
        time.sleep(0.5)
        path = recordings(rec)[0]
        seen = []
        with h5py.File(path, "r", libver="latest", swmr=True) as f:
            for _ in range(12):
                time.sleep(0.25)
                for name in ("frames", "time"):
                    f[name].refresh()
                n = f["frames"].shape[0]
                if n:
                    age = time.time() - f["time"][n - 1]
                    seen.append((n, age))
        ns = [n for n, _ in seen]
        self.assertGreater(len(set(ns)), 3, seen)
        self.assertEqual(ns, sorted(ns), seen)
        self.assertLess(max(a for _, a in seen), 1.5, seen)
        self.assertEqual(d.stop(), 0, tail(d.text()))

    def test_kill_9_then_recover(self):
        rec = self.recdir()
        sim = self.sim("--scenario", "hold")  # realtime: 100 frames/s
        d = self.pressd("-d", sim.path + "?id=mat5", "-r", rec, trace=False)
        self.assertTrue(d.wait_for(lambda: recordings(rec), 10), tail(d.text()))
        time.sleep(3)
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        t_kill = time.monotonic()
        sim.kill()
        truth = sim.truth()
        path = recordings(rec)[0]
        spare = path + ".copy"
        shutil.copy(path, spare)
        del t_kill

        p = subprocess.run([PRESSCTL, "recover", path], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("recovered", p.stdout)
        with h5py.File(path, "r") as f:
            n = f["frames"].shape[0]
            self.assertGreater(n, 100)
            check_against_truth(self, f, truth, prefix=True)
            # at most about a second lost (the sim may have queued a bit more in the pty)
            self.assertLessEqual(len(truth) - n, 150, (len(truth), n))
        p = subprocess.run([PRESSCTL, "recover", path], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

        # the same, but pressd recovers it at its next start
        os.unlink(path)
        os.rename(spare, path)
        d2 = self.pressd("-d", "sim:mat?scenario=idle", "-r", rec, trace=False)
        self.assertTrue(d2.wait_for(lambda: "recovered %s" % path in d2.text(), 10), tail(d2.text()))
        with h5py.File(path, "r") as f:
            check_against_truth(self, f, truth, prefix=True)
        self.assertEqual(d2.stop(), 0, tail(d2.text()))

    def test_disk_full_stops_recording_not_daemon(self):
        rec = mount_tmpfs(self, "2m", "pressd-full-")
        # realtime at 1 kHz: the 2 MiB fill in a few seconds, after the subscriber is in
        d = self.pressd("-d", "sim:mat?scenario=all&rate=1000", "-r", rec, trace=False)
        col = Collector(zmq.Context.instance(), d.pub, topics=EVENT_TOPICS + ("frame/",))
        try:
            self.assertTrue(wait_status(col))
            stopped = col.wait_for(lambda ms: [b for b in bodies(ms, "recording") if b.get("phase") == "stop"], 30)
            self.assertTrue(stopped, tail(d.text()))
            n_at_stop = len(col.snapshot())
            time.sleep(1.5)
            after = col.snapshot()[n_at_stop:]
            self.assertTrue(bodies(after, "frame"), "no frames published after the recording failed")
            self.assertTrue(bodies(after, "contact") or bodies(after, "hold") or bodies(after, "press"),
                            "no events after the recording failed")
            errs = [b for b in bodies(col.snapshot(), "status") if b.get("error")]
            self.assertTrue(errs, "no status with an error")
            ctl = Control(zmq.Context.instance(), d.control)
            st = ctl.call({"cmd": "status"})
            self.assertTrue(st["ok"], st)
        finally:
            col.stop()
        self.assertEqual(d.stop(), 0, tail(d.text()))
        files = recordings(rec)
        self.assertEqual(len(files), 1, files)
        with h5py.File(files[0], "r") as f:
            n = f["frames"].shape[0]
            self.assertGreater(n, 0)
            self.assertEqual(f["frame_seq"].shape[0], n)
            f["frames"][n - 1]

    def test_rotation_loses_and_duplicates_nothing(self):
        rec = self.recdir()
        sim, d, msgs = record_sim(self, ["--scenario", "all", "--speed", "max", "--duration", "60"], rec,
                                  extra=("-s", "daemon.record_max_s=2"))
        files = recordings(rec)
        self.assertGreater(len(files), 3, files)
        parts = []
        for p in files:
            with h5py.File(p, "r") as f:
                parts.append(f["frame_seq"][:].tolist())
        seqs = [s for part in sorted(parts, key=lambda x: x[0] if x else -1) for s in part]
        self.assertEqual(seqs, [s for s, _, _ in sim.truth()])
        rot = [b for b in bodies(msgs, "recording") if b.get("phase") == "rotate"]
        self.assertEqual(len(rot), len(files) - 1, [b for b in bodies(msgs, "recording")])
        # every finished event is in the file of its frame, once
        for typ, table in RECORDED.items():
            if typ == "mark":
                continue
            pub = [b for b in bodies(msgs, typ) if typ != "hold" or b.get("phase") == "end"]
            for p in files:
                with h5py.File(p, "r") as f:
                    s0, s1 = int(f["frame_seq"][0]), int(f["frame_seq"][-1])
                    got = [int(x) for x in f["events"][table]["seq"]]
                want = [b["seq"] for b in pub if s0 <= b["frame"] <= s1]
                self.assertEqual(got, want, (typ, p, s0, s1, [(b["seq"], b["frame"]) for b in pub
                                                              if s0 - 300 <= b["frame"] <= s1 + 300]))


class PressctlOffline(TestCase):
    def recording(self):
        rec = os.path.join(self.tmp.name, "rec")
        os.mkdir(rec)
        sim, d, msgs = record_sim(self, ["--scenario", "pump", "--speed", "max"], rec, marks=("a, \"quoted\" mark",))
        return recordings(rec)[0], sim, msgs

    def test_info_export_recover(self):
        path, sim, msgs = self.recording()
        n = len(sim.truth())
        p = subprocess.run([PRESSCTL, "info", path], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout
        self.assertRegex(out, r"frames\s+%d\n" % n)
        self.assertRegex(out, r"duration\s+%.3f s" % (n / 100.0))
        self.assertRegex(out, r"device\s+mat7 \(mat\)")
        presses = len(bodies(msgs, "press"))
        self.assertGreater(presses, 0)
        self.assertIn("press %d," % presses, out)
        self.assertIn("pulses %d," % len(bodies(msgs, "pulses")), out)
        self.assertIn("mark 1,", out)
        self.assertIn("setting 0", out)
        self.assertRegex(out, r"tare\s+0 baselines")
        self.assertIn("analysis  bout_gap_s=60 contact_off=2% contact_on=4%", out)
        self.assertRegex(out, r"gaps\s+0 \(0 frames missing\)")

        # export: test_export.py
        p = subprocess.run([PRESSCTL, "recover", path], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("nothing to recover", p.stdout)

    def test_bad_files(self):
        missing = os.path.join(self.tmp.name, "missing.h5")
        for cmd in (["info", missing], ["recover", missing], ["export", missing, "--csv", self.tmp.name]):
            p = subprocess.run([PRESSCTL, *cmd], capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 1, (cmd, p.stderr))
            self.assertIn(missing, p.stderr)
        p = subprocess.run([PRESSCTL, "export", missing], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 64, p.stderr)


if __name__ == "__main__":
    unittest.main()
