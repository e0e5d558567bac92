#!/usr/bin/python3
"""The review page within its limits (pressd-web(1), LIMITS;
docs/robustness.md): recordings crafted with h5py to declare a billion
frames, tables of hundreds of megabytes, frames of 16 M cells or chunks of
400 MB (a few kilobytes on disk: fill values) are refused with a message
naming the limit, at once, in the list and on every request, with
pressd-web's memory bounded; reports run a few at a time while the others
wait; a report that is killed leaves no temporary files."""
import os
import json
import shutil
import threading
import time
import urllib.parse

import h5py
import numpy as np
import subprocess

import harness
from test_import import PRESSCTL
from test_review import ReviewCase
from webtools import Web

RSS_BOUND_MB = 120  # pressd-web after every crafted file was asked for, many times over
PRESSCTL_RSS_BOUND_MB = 400  # pressctl info/export of a 4096 × 4096 mat (32 MiB a frame)


def q(name):
    return urllib.parse.quote(name)


def grow(f, path, n):
    f[path].resize(n, axis=0)


# name: (what it does to a copy of a good recording, what the refusal says)
CRAFTED = {
    "billion-frames.h5": (lambda f: [grow(f, p, 10**9) for p in ("frames", "t", "time", "frame_seq")],
                          "declares 8000000000 bytes (1000000000 rows)"),  # /t or /time
    "huge-gaps.h5": (lambda f: grow(f, "gaps", 10**8), "/gaps declares 800000000 bytes"),
    "huge-tare.h5": (lambda f: [grow(f, "tare", 10**5), grow(f, "tare_t", 10**5)], "/tare declares 409600000 bytes"),
    "many-events.h5": (lambda f: grow(f, "events/presses", 10**6), "events: over web.max_events (200000)"),
}


def huge_cells(f):
    del f["frames"]
    f.create_dataset("frames", shape=(3, 4096, 4096), maxshape=(None, 4096, 4096), chunks=(1, 4096, 4096),
                     dtype="u2")
    f["device"].attrs["rows"] = 4096
    f["device"].attrs["cols"] = 4096


def huge_chunks(f):
    n = f["frames"].shape[0]
    del f["frames"]
    f.create_dataset("frames", shape=(n, 32, 32), maxshape=(None, 32, 32), chunks=(200000, 32, 32), dtype="u2")


CRAFTED["huge-cells.h5"] = (huge_cells, "/frames declares frames of 4096 × 4096 cells: over the limit of 262144")
CRAFTED["huge-chunks.h5"] = (huge_chunks, "/frames declares chunks of 409600000 bytes")


class LimitsCase(ReviewCase):
    """A recordings directory with one good recording, self.good."""

    def setUp(self):
        super().setUp()
        self.good = self.put("--events")


class ReviewLimits(LimitsCase):
    def test_crafted_recordings_are_refused_at_once(self):
        for name, (craft, _) in CRAFTED.items():
            path = os.path.join(self.dir, name)
            shutil.copy(os.path.join(self.dir, self.good), path)
            with h5py.File(path, "r+") as f:
                craft(f)
            # fill values: no bigger on disk than the recording it came from
            self.assertLess(os.path.getsize(path), os.path.getsize(os.path.join(self.dir, self.good)) + (1 << 20))
        w = Web("tcp://127.0.0.1:1", None, "--recordings", self.dir, tmpdir=self.tmp.name)
        self.procs.append(w)
        t0 = time.monotonic()
        code, body = w.get("/api/review/list")
        self.assertEqual(code, 200)
        self.assertLess(time.monotonic() - t0, 2.0)
        listed = {r["name"]: r for r in json.loads(body)["recordings"]}
        for name, (_, why) in CRAFTED.items():
            if name != "many-events.h5":  # its tables are within bounds; its description is not
                self.assertIn(why, listed[name].get("error", ""), name)
        for rnd in range(3):  # again and again: nothing piles up
            for name, (_, why) in CRAFTED.items():
                for api in ("info", "frames", "maps", "report"):
                    t0 = time.monotonic()
                    code, body = w.get("/api/review/%s?name=%s" % (api, q(name)))
                    secs = time.monotonic() - t0
                    self.assertEqual(code, 422, (name, api, body))
                    self.assertLess(secs, 2.0, (name, api))
                    err = json.loads(body)["error"]
                    if api != "report":
                        self.assertIn(why, err, (name, api))
                        self.assertIn("refused (pressd-web(1), LIMITS)", err)
        # The good one is still served.
        self.assertEqual(w.get("/api/review/info?name=" + q(self.good))[0], 200)
        self.assertEqual(w.get("/api/review/maps?name=" + q(self.good))[0], 200)
        rss = harness.proc_counts(w.proc.pid)["rss_kib"] / 1024
        if not os.environ.get("PRESSD_SANITIZE"):
            self.assertLess(rss, RSS_BOUND_MB, "pressd-web at %.0f MB" % rss)
        stats = json.loads(w.get("/api/stats")[1])["review"]
        self.assertGreaterEqual(stats["refused_files"], 3 * 3 * len(CRAFTED))
        self.assertLessEqual(stats["cache_bytes"], stats["cache_limit"])

    def test_eight_reports_at_once_queue(self):
        tmpdir = os.path.join(self.tmp.name, "tmp")
        os.mkdir(tmpdir)
        w = Web("tcp://127.0.0.1:1", None, "--recordings", self.dir, "-s", "web.report_jobs=2",
                tmpdir=self.tmp.name, env=dict(os.environ, TMPDIR=tmpdir))
        self.procs.append(w)
        codes = []
        path = "/api/review/report?name=" + q(self.good)

        def one():
            code, body = w.get(path, timeout=120)
            codes.append((code, body[:4] if code == 200 else body))
        ts = [threading.Thread(target=one) for _ in range(8)]
        for t in ts:
            t.start()
        seen = 0
        while any(t.is_alive() for t in ts):
            r = json.loads(w.get("/api/stats")[1])["review"]["reports"]
            seen = max(seen, r["running"] + r["waiting"])
            time.sleep(0.05)
        for t in ts:
            t.join()
        self.assertEqual(codes, [(200, b"%PDF")] * 8, w.text()[-2000:])
        r = json.loads(w.get("/api/stats")[1])["review"]["reports"]
        self.assertEqual(r["most_running"], 2, r)
        self.assertEqual(r["made"], 8)
        self.assertGreater(seen, 2, "no report ever waited")
        self.assertEqual(os.listdir(tmpdir), [])
        w.stop()
        # Past the queue: 503 at once. And a child that dies (here: out
        # of its address space) leaves nothing behind.
        w = Web("tcp://127.0.0.1:1", None, "--recordings", self.dir, "-s", "web.report_jobs=1", "-s",
                "web.report_queue=0", "-s", "web.report_memory_mb=64", tmpdir=self.tmp.name,
                env=dict(os.environ, TMPDIR=tmpdir))
        self.procs.append(w)
        codes = []
        ts = [threading.Thread(target=one) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if not os.environ.get("PRESSD_SANITIZE"):  # no address-space limit under ASan
            self.assertNotIn(200, [c for c, _ in codes])
        self.assertIn(503, [c for c, _ in codes])
        self.assertEqual(os.listdir(tmpdir), [])

    def test_directories_of_a_killed_pressd_web_are_removed(self):
        tmpdir = os.path.join(self.tmp.name, "tmp")
        os.makedirs(os.path.join(tmpdir, "pressd-web-report-999999999-abcdef"))
        with open(os.path.join(tmpdir, "pressd-web-report-999999999-abcdef", "report.pdf.partial"), "w") as f:
            f.write("x")
        os.makedirs(os.path.join(tmpdir, "pressd-web-report-1-keepme"))  # pid 1 lives
        w = Web("tcp://127.0.0.1:1", None, "--recordings", self.dir, tmpdir=self.tmp.name,
                env=dict(os.environ, TMPDIR=tmpdir))
        self.procs.append(w)
        self.assertEqual(os.listdir(tmpdir), ["pressd-web-report-1-keepme"])


def big_mat(src, dst, rows, cols, frames):
    """A legitimate recording of a rows × cols mat (pressd takes such a
    device): src's layout, frames of a moving blob."""
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        n = frames
        for name in ("t", "time", "frame_seq"):
            f[name].resize(n, axis=0)
        del f["frames"], f["tare"]
        ds = f.create_dataset("frames", shape=(n, rows, cols), maxshape=(None, rows, cols), chunks=(1, rows, cols),
                              dtype="u2", compression="gzip")
        f.create_dataset("tare", shape=(0, rows, cols), maxshape=(None, rows, cols), chunks=(1, rows, cols),
                         dtype="f4")
        ds.attrs["unit"] = "counts"
        ds.attrs["conversion"] = 1.0
        for i in range(n):
            a = np.zeros((rows, cols), dtype="u2")
            a[i * 10:i * 10 + 100, i * 10:i * 10 + 100] = 3000
            ds[i] = a
        f["device"].attrs["rows"] = rows
        f["device"].attrs["cols"] = cols


def run_measured(argv):
    """(exit status, stderr, peak RSS in MB, seconds) of a command."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, err, ru.ru_maxrss / 1024, time.monotonic() - t0


class PressctlLimits(LimitsCase):
    """pressctl report, info and export on files past what they read:
    a clear refusal, never a crash, memory bounded."""

    def test_huge_mats_and_crafted_files(self):
        good = os.path.join(self.dir, self.good)
        for rows, cols, frames in ((4096, 4096, 3), (2047, 1024, 5)):
            path = os.path.join(self.tmp.name, "mat-%dx%d.h5" % (rows, cols))
            big_mat(good, path, rows, cols, frames)
            rc, err, rss, secs = run_measured([PRESSCTL, "report", path, "-o", path + ".pdf"])
            self.assertEqual(rc, 1, err)
            self.assertIn("/frames declares frames of %d × %d cells: over the limit of 262144" % (rows, cols), err)
            self.assertLess(secs, 2.0)
            self.assertFalse(os.path.exists(path + ".pdf"))
            for argv in ([PRESSCTL, "info", path], [PRESSCTL, "export", path, "--mat", path + ".mat"]):
                rc, err, rss, secs = run_measured(argv)
                print("%s %dx%d: exit %d, %.0f MB, %.1f s" % (argv[1], rows, cols, rc, rss, secs))
                self.assertIn(rc, (0, 1), err)  # done, or refused: never a crash
                if not os.environ.get("PRESSD_SANITIZE"):
                    self.assertLess(rss, PRESSCTL_RSS_BOUND_MB, (argv[1], rows, cols))
        for name, (craft, why) in CRAFTED.items():
            if name == "many-events.h5":
                continue  # within pressctl's bounds: a million rows to export, legitimately
            path = os.path.join(self.tmp.name, name)
            shutil.copy(good, path)
            with h5py.File(path, "r+") as f:
                craft(f)
            for argv in ([PRESSCTL, "info", path], [PRESSCTL, "export", path, "--csv", path + ".csv"],
                         [PRESSCTL, "report", path, "-o", path + ".pdf"]):
                rc, err, rss, secs = run_measured(argv)
                self.assertEqual(rc, 1, (name, argv[1], err))
                self.assertLess(secs, 2.0, (name, argv[1]))
                if name != "huge-cells.h5" or argv[1] == "report":  # 4096 × 4096: info and export read it
                    self.assertIn(why, err)
                    self.assertIn("refused", err)
                if not os.environ.get("PRESSD_SANITIZE"):
                    self.assertLess(rss, PRESSCTL_RSS_BOUND_MB, (name, argv[1]))


if __name__ == "__main__":
    import unittest
    unittest.main()
