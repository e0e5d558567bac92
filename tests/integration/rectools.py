"""Shared by test_recording_live and test_replay: record a pressd-sim
scenario through pressd -r DIR while a subscriber collects what pressd
publishes, and compare recordings with pressd-sim's --truth."""

import glob
import os
import subprocess
import tempfile
import time
import zlib

import numpy as np
import zmq

from zmqtools import Collector, bodies, tail

# The analysis event types (everything a frame produced but the frames).
EVENT_TOPICS = ("contact/", "press/", "hold/", "pulses/", "stroke/", "roll/", "mark/", "recording/", "status/")


def frame_crcs(f):
    """crc32 of every /frames row, as pressd-sim's --truth computes it (row-major, little-endian)."""
    frames = f["frames"]
    out = []
    step = 512
    for i in range(0, frames.shape[0], step):
        block = frames[i:i + step]
        le = block.astype(block.dtype.newbyteorder("<"), copy=False)
        for row in le:
            out.append(zlib.crc32(np.ascontiguousarray(row).tobytes()) & 0xFFFFFFFF)
    return out


def mount_tmpfs(tc, size, prefix):
    """A tmpfs of `size` ("5m") for tc's recordings, unmounted and removed
    at cleanup (outside tc.tmp, which tearDown removes before cleanups
    run); skips the test where it cannot be mounted (needs root)."""
    mnt = tempfile.mkdtemp(prefix=prefix)
    tc.addCleanup(os.rmdir, mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mnt], capture_output=True, text=True)
    if r.returncode != 0:
        tc.skipTest("cannot mount a tmpfs here (needs root): %s" % r.stderr.strip())
    tc.addCleanup(subprocess.run, ["umount", mnt])
    return mnt


def recordings(d):
    return sorted(glob.glob(os.path.join(d, "*.h5")))


def wait_status(col, timeout=10):
    """True once the subscriber has a status message: it is connected, so
    nothing published from now on is missed."""
    return col.wait_for(lambda ms: bodies(ms, "status"), timeout)


def record_sim(tc, sim_args, rec_dir, device_id="mat7", extra=(), marks=(), topics=EVENT_TOPICS):
    """Starts pressd on a --link that does not exist yet and a subscriber,
    then pressd-sim on that link (so the subscriber sees everything from
    the first frame), waits for the scenario to end and pressd to record
    it all, and stops pressd. marks: labels sent with the control mark
    once frames flow. Returns (sim, pressd, messages)."""
    link = os.path.join(tc.tmp.name, "mat-link")
    # The default ring: the reader waits for a slow recorder (a sanitizer
    # build on a loaded machine) rather than lapping it.
    d = tc.pressd("-d", "%s?id=%s" % (link, device_id), "-r", rec_dir, *extra, trace=False)
    ctx = zmq.Context.instance()
    col = Collector(ctx, d.pub, topics=topics)
    try:
        tc.assertTrue(wait_status(col), "no status from pressd: " + tail(d.text()))
        sim = tc.sim(*sim_args, "--link", link)
        if marks:
            from zmqtools import Control
            ctl = Control(ctx, d.control)
            tc.assertTrue(d.wait_for(lambda: "recording to" in d.text(), 20), tail(d.text()))
            for label in marks:
                rep = ctl.call({"cmd": "mark", "label": label})
                tc.assertTrue(rep["ok"], rep)
        tc.assertEqual(sim.wait(240), 0, getattr(sim, "stderr", ""))
        n = len(sim.truth())
        tc.assertTrue(d.wait_for(lambda: ": disconnected:" in d.text(), 20), tail(d.text()))
        tc.assertEqual(d.stop(), 0, tail(d.text()))
        time.sleep(0.2)
    finally:
        msgs = col.stop()
    tc.assertIn("analysis: frames=%d " % n, d.text(), tail(d.text(), 1500))
    return sim, d, msgs


# Fields that differ between two runs of the same frames: host time and
# each run's message counters.
RUN_FIELDS = ("time", "seq")


def analysis_events(msgs, types=("contact", "press", "hold", "pulses", "stroke", "roll")):
    return [{k: v for k, v in b.items() if k not in RUN_FIELDS} for b in bodies(msgs) if b.get("type") in types]
