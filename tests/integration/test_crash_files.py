"""No broken files (issue 16): a recording appears under its name only
once its layout is on disk, so kill -9 at any moment around record_start
and rotations leaves files that open (after pressd's own start-up
recovery) or none; what an older pressd left (an empty or truncated .h5)
is moved aside at start-up, with a log line."""

import os
import random
import signal
import time
import unittest

import h5py
import zmq

from harness import SANITIZED, TestCase
from zmqtools import Control, tail

RUNS = 25 if SANITIZED else 50  # the issue asks for 50 kills


class CrashFiles(TestCase):
    def start(self, rec, *extra):
        d = self.pressd("-d", "sim:mat?scenario=hold&id=m0&rows=16&cols=16", *extra, trace=False)
        ctl = Control(zmq.Context.instance(), d.control)
        deadline = time.monotonic() + 10
        while ctl.raw(b'{"cmd":"version"}', timeout=0.5) is None:
            self.assertLess(time.monotonic(), deadline, tail(d.text()))
        return d, ctl

    def test_kill_9_around_record_start_and_rotation(self):
        rec = os.path.join(self.tmp.name, "rec")
        os.makedirs(rec)
        rng = random.Random(11)
        for k in range(RUNS):
            # -r: every device records from the start; at 1 kHz and a new
            # file every 5 ms, the kill mostly lands while one is created
            d = self.pressd("-d", "sim:mat?scenario=hold&id=m0&rows=16&cols=16&rate=1000", "-r", rec,
                            "-s", "daemon.record_max_s=0.005", trace=False)
            time.sleep(rng.uniform(0.02, 0.3))
            d.proc.send_signal(signal.SIGKILL)
            d.proc.wait()
            d.log.close()
        # A start on the directory recovers what is unfinished and cleans up.
        d = self.pressd("-d", "sim:mat?scenario=hold&id=m0&rows=16&cols=16", "-r", os.path.join(self.tmp.name, "rec"),
                        trace=False)
        self.assertTrue(d.wait_for(lambda: "recording to" in d.text(), 10), tail(d.text()))
        self.assertEqual(d.stop(), 0, tail(d.text()))
        names = os.listdir(rec)
        self.assertFalse([n for n in names if n.endswith(".partial")], names)
        self.assertFalse([n for n in names if n.endswith(".broken")], "nothing to move aside: %s" % names)
        files = [n for n in names if n.endswith(".h5")]
        self.assertGreater(len(files), RUNS)
        for n in files:
            with h5py.File(os.path.join(rec, n), "r") as f:  # every one opens
                self.assertEqual(f["frames"].shape[0], f["t"].shape[0], n)

    def test_leftovers_of_an_older_pressd_are_moved_aside(self):
        rec = os.path.join(self.tmp.name, "rec")
        os.makedirs(rec)
        for name, size in (("m0-old-empty.h5", 0), ("m0-old-2048.h5", 2048)):
            with open(os.path.join(rec, name), "wb") as f:
                f.write(b"\0" * size)
        with open(os.path.join(rec, ".m0-20261201T000000Z.h5.partial"), "wb") as f:
            f.write(b"\0" * 100)
        d = self.pressd("-d", "sim:mat?scenario=hold&id=m0&rows=16&cols=16", "-r", rec, trace=False)
        self.assertTrue(d.wait_for(lambda: "recording to" in d.text(), 10), tail(d.text()))
        self.assertEqual(d.stop(), 0)
        names = sorted(os.listdir(rec))
        self.assertIn("m0-old-empty.h5.broken", names)
        self.assertIn("m0-old-2048.h5.broken", names)
        self.assertNotIn(".m0-20261201T000000Z.h5.partial", names)
        text = d.text()
        self.assertIn("moved aside to", text)
        self.assertIn("a crash interrupted its creation", text)
        for n in names:
            if n.endswith(".h5"):
                h5py.File(os.path.join(rec, n), "r").close()


if __name__ == "__main__":
    unittest.main()
