#!/usr/bin/python3
"""The recorder on a full disk (issue 26): two devices record into a
5 MB tmpfs until it is full. Every frame the devices delivered while
recording is either in the file or counted in `archive_lost`; the
`recording` stop event says how many frames the file holds (read back
with h5py); and the frames a failure lost are listed in the next file's
/gaps (a second recording, on a disk with room).

Needs root (mount). Run with Debian's /usr/bin/python3 (python3-zmq,
python3-h5py)."""

import os
import time
import unittest

import h5py
import zmq

from harness import TestCase
from rectools import mount_tmpfs, recordings, wait_status
from zmqtools import Collector, Control, bodies, tail

DEVICES = ("a", "b")


def by_device(files):
    out = {}
    for path in files:
        with h5py.File(path, "r") as f:
            out[f.attrs["device_id"].decode() if isinstance(f.attrs["device_id"], bytes)
                else str(f.attrs["device_id"])] = path
    return out


class RecordingFullDisk(TestCase):
    def test_every_frame_in_the_file_or_counted_and_listed(self):
        full = mount_tmpfs(self, "5m", "pressd-full5m-")
        roomy = os.path.join(self.tmp.name, "roomy")
        os.makedirs(roomy)
        args = []
        for dev in DEVICES:
            args += ["-d", "sim:mat?scenario=all&rate=1000&id=%s" % dev]
        # trace: every frame pressd took from each device, in its log
        d = self.pressd(*args, "-s", "daemon.record_roots=%s,%s" % (full, roomy))
        ctx = zmq.Context.instance()
        col = Collector(ctx, d.pub, topics=("recording/", "status/"))
        try:
            self.assertTrue(wait_status(col), tail(d.text()))
            ctl = Control(ctx, d.control)
            rep = ctl.call({"cmd": "record_start", "dir": full})
            self.assertTrue(rep["ok"], rep)

            def stops(ms):
                return {b["device"]: b for b in bodies(ms, "recording") if b.get("phase") == "stop"}
            self.assertTrue(col.wait_for(lambda ms: len(stops(ms)) == len(DEVICES), 90),
                            "the disk never filled: " + tail(d.text()))
            stopped = stops(col.snapshot())
            # The next recording, where there is room: it lists what the
            # full disk lost.
            rep = ctl.call({"cmd": "record_start", "dir": roomy})
            self.assertTrue(rep["ok"], rep)
            time.sleep(1.0)
            rep = ctl.call({"cmd": "record_stop"})
            self.assertTrue(rep["ok"], rep)
        finally:
            col.stop()
        self.assertEqual(d.stop(), 0, tail(d.text()))
        stats = d.stats()
        first, second = by_device(recordings(full)), by_device(recordings(roomy))
        for dev in DEVICES:
            with self.subTest(device=dev):
                self.assertIn(dev, first, recordings(full))
                self.assertIn(dev, second, recordings(roomy))
                with h5py.File(first[dev], "r") as f:
                    seqs = f["frame_seq"][:].tolist()
                    self.assertEqual(f["frames"].shape[0], len(seqs))
                with h5py.File(second[dev], "r") as f:
                    gaps = [(int(g["after_seq"]), int(g["missing"])) for g in f["gaps"][:]]
                    next_first = int(f["frame_seq"][0])
                stop = stopped[dev]
                self.assertEqual(stop["path"], first[dev])
                self.assertEqual(stop["frames"], len(seqs), "the stop event vs what the file holds")
                lost = stats[dev]["archive_lost"]
                self.assertGreater(lost, 0, "a full disk cost no frame? " + tail(d.text()))
                # listed in the next file's /gaps, after the last frame kept
                self.assertTrue(gaps, "no /gaps in the next file")
                after, missing = gaps[0]
                self.assertEqual(missing, lost, gaps)
                if seqs:
                    self.assertEqual(after, seqs[-1], gaps)
                self.assertLess(after + missing, next_first)
                # every frame pressd took while recording: in the file, or lost
                start = seqs[0] if seqs else after + 1
                taken = [s for s, _, _ in d.frames(dev) if start <= s <= after + missing]
                self.assertEqual(len(taken), len(seqs) + lost,
                                 "%d frames taken, %d in the file, %d lost" % (len(taken), len(seqs), lost))
                self.assertEqual(taken[:len(seqs)], seqs)
                # archive_frames: what the files hold, both together
                with h5py.File(second[dev], "r") as f:
                    self.assertEqual(stats[dev]["archive_frames"], len(seqs) + f["frames"].shape[0])


if __name__ == "__main__":
    unittest.main()
