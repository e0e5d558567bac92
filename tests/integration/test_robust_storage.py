#!/usr/bin/python3
"""Robustness, storage side (issue 7): the recording directory removed or
made read-only under pressd, SIGTERM while the recorder is busy writing,
kill -9 again and again, and the host clock stepping. Each time the
daemon must go on (or stop cleanly when told), say what happened in
status, and leave files that open.

Already covered elsewhere, not repeated here: a full disk
(test_recording_live test_disk_full_stops_recording_not_daemon, a 2 MiB
tmpfs), one kill -9 then recovery by pressctl and by pressd
(test_recording_live test_kill_9_then_recover), rotation
(test_recording_live test_rotation_loses_and_duplicates_nothing)."""

import glob
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import h5py
import numpy as np
import zmq

from harness import BIN, SANITIZED, TestCase, binaries_for_user
from rectools import recordings
from zmqtools import Collector, Control, bodies, free_tcp_endpoint, tail

PRESSCTL = os.path.join(BIN, "pressctl")
# A sanitizer build is ~3x slower: give it a lighter load.
FAST_MAT = "sim:mat?scenario=all&rows=64&cols=64&rate=%d" % (500 if SANITIZED else 2000)


def closed_properly(path):
    p = subprocess.run([PRESSCTL, "recover", path], capture_output=True, text=True, timeout=60)
    return p.returncode == 0 and "nothing to recover" in p.stdout, p.stdout + p.stderr


def marked_open(path):
    """The superblock's 'open for writing' flags (v2/v3 superblock at 0, as
    pressd writes), read without HDF5 and without changing anything."""
    with open(path, "rb") as f:
        b = f.read(12)
    return len(b) == 12 and b[:8] == b"\x89HDF\r\n\x1a\n" and b[8] >= 2 and b[11] != 0


def check_file(tc, path):
    """The file opens without help, its datasets agree, its frames are a
    run of consecutive sequence numbers. Returns its frame count."""
    with h5py.File(path, "r") as f:
        n = f["frames"].shape[0]
        for name in ("frame_seq", "t", "time"):
            tc.assertEqual(f[name].shape[0], n, "%s /%s" % (path, name))
        seq = f["frame_seq"][:].astype(np.int64)
        if n > 1:
            tc.assertTrue(np.all(np.diff(seq) == 1), "%s: frame_seq not consecutive" % path)
        if n:
            f["frames"][n - 1]  # the last chunk reads
    return n


class Storage(TestCase):
    def control(self, d):
        ctx = zmq.Context()
        self.addCleanup(ctx.destroy, 0)
        return ctx, Control(ctx, d.control)

    def status(self, ctl):
        rep = ctl.call({"cmd": "status"})
        self.assertTrue(rep["ok"], rep)
        return rep["devices"][0]

    def test_recording_directory_removed(self):
        """rm -r of the directory while recording: the recording stops with
        the reason in status (not a silent recording into a deleted file),
        acquisition goes on, and record_start makes the directory anew."""
        rec = os.path.join(self.tmp.name, "rec")
        d = self.pressd("-d", "sim:mat?scenario=all&rate=500&id=m", "-r", rec, trace=False)
        ctx, ctl = self.control(d)
        col = Collector(ctx, d.pub, topics=("status/", "recording/"))
        self.addCleanup(col.stop)
        self.assertTrue(d.wait_for(lambda: recordings(rec), 10), tail(d.text()))
        time.sleep(1.0)
        shutil.rmtree(rec)
        stopped = col.wait_for(lambda ms: bodies(ms, "recording", phase="stop"), 5, d.proc)
        self.assertTrue(stopped, "no recording stop after its directory went; status %r; log:\n%s"
                        % (self.status(ctl), tail(d.text())))
        st = self.status(ctl)
        self.assertIn("deleted", st.get("error", ""), st)
        self.assertNotIn("recording", st, "status still names the deleted file")
        f0 = st["stats"]["frames"]
        time.sleep(1.0)
        self.assertGreater(self.status(ctl)["stats"]["frames"], f0 + 300, "acquisition stopped")
        rep = ctl.call({"cmd": "record_start", "dir": rec})
        self.assertTrue(rep["ok"], rep)
        time.sleep(1.5)
        rep = ctl.call({"cmd": "record_stop"})
        self.assertTrue(rep["ok"], rep)
        files = recordings(rec)
        self.assertEqual(len(files), 1, files)
        self.assertGreater(check_file(self, files[0]), 300)
        self.assertEqual(d.stop(), 0, tail(d.text()))

    def test_recording_directory_made_read_only(self):
        """pressd as an unprivileged user (root ignores modes): the directory
        turns read-only mid-recording. The open file goes on until the next
        rotation, which cannot create its file: the recording stops, the
        error is in status, what was written is closed properly, acquisition
        goes on. record_start into it is refused with the reason; once
        writable again it works."""
        base = tempfile.mkdtemp(prefix="pressd-ro-")
        self.addCleanup(shutil.rmtree, base, True)
        rec = os.path.join(base, "rec")
        os.mkdir(rec)
        kw = {}
        if os.geteuid() == 0:
            os.chmod(base, 0o755)
            os.chown(rec, 65534, 65534)
            kw["preexec_fn"] = lambda: (os.setgroups([]), os.setgid(65534), os.setuid(65534))
            # nobody may not be able to enter the checkout (a 0700 home): a copy it can run
            kw["binary"] = os.path.join(binaries_for_user(base, "pressd"), "pressd")
        pub, ctl_ep = free_tcp_endpoint(), free_tcp_endpoint()  # ipc in our 0700 tmp is not theirs
        d = self.pressd("-d", "sim:mat?scenario=all&rate=500&id=m", "-r", rec, "-p", pub, "-C", ctl_ep,
                        "-s", "daemon.record_max_s=1", trace=False, **kw)
        d.control = ctl_ep
        ctx, ctl = self.control(d)
        self.assertTrue(d.wait_for(lambda: recordings(rec), 10), tail(d.text()))
        time.sleep(0.5)
        os.chmod(rec, 0o555)
        self.addCleanup(os.chmod, rec, 0o755)
        self.assertTrue(d.wait_for(lambda: "recording stopped" in d.text(), 10), tail(d.text()))
        st = self.status(ctl)
        self.assertIn("Permission denied", st.get("error", ""), st)
        f0 = st["stats"]["frames"]
        time.sleep(1.0)
        self.assertGreater(self.status(ctl)["stats"]["frames"], f0 + 300, "acquisition stopped")
        rep = ctl.call({"cmd": "record_start", "dir": rec})
        self.assertIs(rep["ok"], False, rep)
        self.assertIn(rec, rep["error"])
        files = recordings(rec)
        self.assertGreaterEqual(len(files), 1)
        for p in files:
            self.assertTrue(closed_properly(p)[0], closed_properly(p)[1])
            self.assertGreater(check_file(self, p), 0)
        os.chmod(rec, 0o755)
        rep = ctl.call({"cmd": "record_start", "dir": rec})
        self.assertTrue(rep["ok"], rep)
        time.sleep(0.5)
        self.assertEqual(d.stop(), 0, tail(d.text()))
        self.assertGreater(len(recordings(rec)), len(files))

    def test_sigterm_while_the_recorder_is_busy(self):
        """SIGTERM at random moments of a 64x64 recording at full tilt (the
        recorder compressing, committing and flushing most of the time):
        exit 0 each time, every frame pressd read is in a file, and every
        file is closed properly."""
        rng = random.Random(7)
        rec = os.path.join(self.tmp.name, "rec")
        for i in range(6):
            with self.subTest(run=i):
                d = self.pressd("-d", FAST_MAT + "&id=b", "-r", rec, "-s", "daemon.record_max_s=0.7",
                                trace=False)
                self.assertTrue(d.wait_for(lambda: "b: recording to" in d.text(), 15), tail(d.text()))
                time.sleep(rng.uniform(0.2, 1.6))
                self.assertEqual(d.stop(timeout=30), 0, tail(d.text()))
                text = d.text()
                read = int(re.search(r"b: analysis: frames=(\d+)", text).group(1))
                closed = sum(int(x) for x in re.findall(r"b: (?:closed|rotated) \S+, (\d+) frames", text))
                self.assertEqual(closed, read, "frames read %d, frames in closed files %d" % (read, closed))
        total = 0
        for p in recordings(rec):
            ok, why = closed_properly(p)
            self.assertTrue(ok, why)
            total += check_file(self, p)
        self.assertGreater(total, 0)

    def test_kill_9_again_and_again_then_recover_at_start(self):
        """kill -9 four times at random moments of a fast recording: each
        next pressd recovers at its start the file the last one left open,
        and every file then opens with its datasets the same length and
        consecutive frames."""
        rng = random.Random(9)
        rec = os.path.join(self.tmp.name, "rec")
        left_open = []
        for i in range(5):
            was_open = [p for p in recordings(rec) if marked_open(p)]
            left_open += was_open
            last = i == 4
            d = self.pressd("-d", (FAST_MAT if not last else "sim:mat?scenario=idle") + "&id=k", "-r", rec,
                            trace=False)
            self.assertTrue(d.wait_for(lambda: "k: recording to" in d.text(), 15), tail(d.text()))
            for p in was_open:
                self.assertIn("recovered %s" % p, d.text())
            if last:
                self.assertEqual(d.stop(), 0, tail(d.text()))
                break
            time.sleep(rng.uniform(0.3, 1.5))
            d.proc.send_signal(signal.SIGKILL)
            d.proc.wait()
        self.assertTrue(left_open, "kill -9 left every file closed: the test did not test")
        files = recordings(rec)
        self.assertEqual(len(files), 5, files)
        for p in files:
            self.assertFalse(marked_open(p), p)
            self.assertTrue(closed_properly(p)[0], closed_properly(p)[1])
            check_file(self, p)


FAKETIME_LIBS = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")


@unittest.skipUnless(FAKETIME_LIBS, "libfaketime is not installed (Debian: libfaketime)")
class HostClock(TestCase):
    def test_host_clock_steps_back_and_forward(self):
        """The host's wall clock steps back an hour, then forward a day
        (libfaketime; CLOCK_MONOTONIC untouched, as in a real step). Pacing,
        the status cadence and the recording's rotation do not notice:
        frames keep coming at the same rate, the status comes every second,
        files rotate by device time and none is overwritten; `time` follows
        the wall clock."""
        stamp = os.path.join(self.tmp.name, "faketime")
        with open(stamp, "w") as f:
            f.write("+0\n")
        env = dict(os.environ, LD_PRELOAD=FAKETIME_LIBS[0], FAKETIME_TIMESTAMP_FILE=stamp,
                   FAKETIME_CACHE_DURATION="1", FAKETIME_DONT_FAKE_MONOTONIC="1",
                   FAKETIME_DONT_RESET="1",
                   ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0")
        rec = os.path.join(self.tmp.name, "rec")
        d = self.pressd("-d", "sim:mat?scenario=all&rate=200&id=c", "-r", rec, "-s", "daemon.record_max_s=1",
                        trace=False, env=env)
        ctx = zmq.Context()
        self.addCleanup(ctx.destroy, 0)
        col = Collector(ctx, d.pub, topics=("status/",))
        self.addCleanup(col.stop)
        ctl = Control(ctx, d.control)
        self.assertTrue(col.wait_for(lambda ms: any(b["state"] == "streaming" for b in bodies(ms, "status")), 15),
                        tail(d.text()))

        def frames():
            rep = ctl.call({"cmd": "status"})
            return time.monotonic(), rep["devices"][0]["stats"]["frames"]

        def rate(seconds=2.5):
            t0, f0 = frames()
            time.sleep(seconds)
            t1, f1 = frames()
            return (f1 - f0) / (t1 - t0)

        r0 = rate()
        phases = []
        for step in ("-3600", "+86400"):
            with open(stamp, "w") as f:
                f.write(step + "\n")
            time.sleep(1.5)  # libfaketime reads the file once a second
            n = len(col.snapshot())
            r = rate()
            msgs = col.snapshot()[n:]
            phases.append((step, r, msgs))
        self.assertEqual(d.stop(), 0, tail(d.text()))
        for step, r, msgs in phases:
            self.assertLess(abs(r - r0) / r0, 0.1, "frames/s %.0f before, %.0f after a %s s step" % (r0, r, step))
            st = bodies(msgs, "status")
            self.assertGreaterEqual(len(st), 2, "status cadence after a %s s step: %d in 2.5 s" % (step, len(st)))
            offset = float(step)
            self.assertLess(abs(st[-1]["time"] - (time.time() + offset)), 30, "time follows the wall clock")
        files = recordings(rec)
        self.assertGreaterEqual(len(files), 8, files)
        seqs = []
        for p in files:
            with h5py.File(p, "r") as f:
                seqs.append(f["frame_seq"][:].tolist())
        seqs.sort(key=lambda s: s[0] if s else -1)
        flat = [s for part in seqs for s in part]
        self.assertEqual(flat, list(range(flat[0], flat[0] + len(flat))), "no frame lost or overwritten in a rotation")


if __name__ == "__main__":
    unittest.main(verbosity=2)
