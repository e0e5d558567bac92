#!/usr/bin/python3
"""recording.md end to end: files written by recording/ (through
tests/tools/rec_write, which records the scenario generator's frames, the
analysis' events as the publisher makes them, marks and gaps) checked with
h5py, h5dump and the C reader:

- every group, dataset and attribute of the layout, with its dtype and shape;
- frames, seq, t, time bit-exact against what the generator produced
  (rec_write --raw writes each frame as generated, before recording it);
- the /events tables field for field against the published JSON;
- an SWMR reader (h5py, libver="latest", swmr=True) sees the frames grow
  while rec_write records in real time, never more than about a second old;
- kill -9 mid-recording, then recovery: the file opens normally with every
  flushed frame, at most about a second lost;
- a full disk (a 2 MiB tmpfs when we may mount one, and RLIMIT_FSIZE) and an
  I/O error inside HDF5: the write fails with a clear error and the file
  opens normally with everything up to the last flush.

Run with Debian's /usr/bin/python3 (python3-h5py, python3-numpy); REC_WRITE
is the rec_write binary (tests/tools/CMakeLists.txt sets it).
"""
import datetime
import json
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import unittest
import zlib

import h5py
import numpy as np

REC_WRITE = os.environ.get("REC_WRITE", "")

RECORDED = {"press": "presses", "hold": "holds", "pulses": "pulses", "stroke": "strokes", "roll": "rolls",
            "site": "sites", "mark": "marks", "setting": "settings"}
ANALYSIS_DEFAULTS = {"noise": "1%", "contact_on": "4%", "contact_off": "2%", "release_s": 0.1,
                     "min_separation_mm": 20, "contact_rate_hz": 10, "press_min_s": 0.25, "hold_min_s": 3,
                     "hold_radius_mm": 10, "hold_target_s": 30, "pulse_radius_mm": 15, "pulse_gap_s": 20,
                     "stroke_min_mm": 40, "site_radius_mm": 25, "bout_gap_s": 60,
                     "pulse_target_count": 3, "pulse_target_s": 10, "passes_min": 3, "passes_max": 5,
                     "hold_max_s": 90, "tare_at_start": "false"}
DEVICE_ATTRS = {"kind": str, "model": str, "serial": str, "firmware": str, "protocol": str, "uri": str,
                "rows": np.uint16, "cols": np.uint16, "pitch_x_mm": np.float32, "pitch_y_mm": np.float32,
                "rate_hz": np.float32, "cell_bits": np.uint8, "full_scale": np.uint32}
ROLLER_ATTRS = {"radius_mm": np.float32, "counts_per_rev": np.uint32}


def raw_dtype(rows, cols, bits):
    cell = "<u2" if bits == 16 else "u1"
    return np.dtype([("seq", "<u4"), ("t", "<f8"), ("time", "<f8"), ("enc", "<i4"), ("cells", cell, (rows, cols))])


def read_raw(path, rows, cols, bits):
    dt = raw_dtype(rows, cols, bits)
    with open(path, "rb") as fp:
        data = fp.read()
    n = len(data) // dt.itemsize
    return np.frombuffer(data[:n * dt.itemsize], dtype=dt)


def utf8_cut(s, n):
    """The first n bytes of s's UTF-8, never half a character."""
    b = s.encode()
    if len(b) <= n:
        return b
    while n > 0 and (b[n] & 0xC0) == 0x80:
        n -= 1
    return b[:n]


def run(args, **kw):
    return subprocess.run([REC_WRITE] + args, capture_output=True, text=True, timeout=240, **kw)


class Lines:
    """A process's stdout lines, collected on a thread."""

    def __init__(self, proc):
        self.lines = []
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc):
        for line in proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def flushed(self):
        counts = [int(l.split()[1]) for l in list(self.lines) if l.startswith("flushed ")]
        return counts[-1] if counts else 0

    def path(self, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for l in list(self.lines):
                if l.startswith("path "):
                    return l[5:]
            time.sleep(0.02)
        raise AssertionError("rec_write printed no path: %r" % self.lines)


def last_flushed(stdout):
    counts = [int(l.split()[1]) for l in stdout.splitlines() if l.startswith("flushed ")]
    return counts[-1] if counts else 0


@unittest.skipUnless(REC_WRITE and os.path.exists(REC_WRITE), "REC_WRITE (tests/tools/rec_write) not set")
class RecordingFiles(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="test_recording_files.")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path_of(self, stdout):
        m = re.search(r"^path (.*)$", stdout, re.M)
        self.assertIsNotNone(m, stdout)
        return m.group(1)

    def check_frames(self, f, raw, n=None):
        n = f["frames"].shape[0] if n is None else n
        self.assertLessEqual(n, len(raw))
        np.testing.assert_array_equal(f["frames"][:n], raw["cells"][:n])
        np.testing.assert_array_equal(f["frame_seq"][:n], raw["seq"][:n])
        np.testing.assert_array_equal(f["t"][:n], raw["t"][:n])
        np.testing.assert_array_equal(f["time"][:n], raw["time"][:n])
        return n

    def check_lengths_equal(self, f):
        n = f["frames"].shape[0]
        for name in ("frame_seq", "t", "time") + (("encoder",) if "encoder" in f else ()):
            self.assertEqual(f[name].shape, (n,), name)
        return n

    # ---- the layout, the content ---------------------------------------

    def test_layout_and_content(self):
        raw_path = os.path.join(self.dir, "raw.bin")
        ev_path = os.path.join(self.dir, "events.jsonl")
        out_dir = os.path.join(self.dir, "rec")
        os.mkdir(out_dir)
        old = os.umask(0o077)  # the file's mode must not depend on it
        try:
            p = run(["--events", "--tare", "--tare-at", "3000", "--set-at", "4000:hold_min_s=2.5",
                     "--meta", "subject=S01", "--meta", "notes=left calf, Übung",
                     "--drop-every", "500", "--raw", raw_path, "--events-out", ev_path, "--flush-frames", "100",
                     out_dir])
        finally:
            os.umask(old)
        self.assertEqual(p.returncode, 0, p.stderr)
        path = self.path_of(p.stdout)
        self.assertRegex(os.path.basename(path), r"^mat0-\d{8}T\d{6}Z\.h5$")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o640)
        raw = read_raw(raw_path, 32, 32, 16)
        with open(ev_path, encoding="utf-8") as fp:
            events = [json.loads(l) for l in fp]

        with h5py.File(path, "r") as f:
            # root
            a = f.attrs
            self.assertEqual(a["format"], "pressd-recording")
            self.assertEqual(a["format_version"], 2)
            self.assertTrue(np.issubdtype(type(a["format_version"]), np.integer))
            self.assertRegex(a["software"], r"^pressd \d+\.\d+\.\d+$")
            self.assertEqual(a["device_id"], "mat0")
            start = datetime.datetime.fromisoformat(a["session_start_time"])
            self.assertEqual(start.utcoffset(), datetime.timedelta(0))
            self.assertEqual(a["subject"], "S01")
            self.assertEqual(a["notes"], "left calf, Übung")
            # /device
            d = f["device"].attrs
            for name, typ in DEVICE_ATTRS.items():
                self.assertIn(name, d)
                if typ is str:
                    self.assertIsInstance(d[name], str, name)
                else:
                    self.assertEqual(np.asarray(d[name]).dtype, np.dtype(typ), name)
            for name in ROLLER_ATTRS:
                self.assertNotIn(name, d)
            self.assertEqual(d["kind"], "mat")
            self.assertEqual((d["rows"], d["cols"], d["cell_bits"]), (32, 32, 16))
            self.assertEqual(d["protocol"], "sim")
            # /frames and the per-frame datasets
            fr = f["frames"]
            self.assertEqual(fr.dtype, np.dtype("<u2"))
            self.assertEqual(fr.shape[1:], (32, 32))
            self.assertEqual(fr.maxshape, (None, 32, 32))
            self.assertEqual(fr.chunks[1:], (32, 32))
            self.assertEqual(fr.compression, "gzip")
            self.assertTrue(fr.shuffle)
            self.assertEqual(fr.attrs["unit"], "counts")
            self.assertEqual(fr.attrs["conversion"], 1.0)
            self.assertEqual(f["frame_seq"].dtype, np.dtype("<u4"))
            self.assertEqual(f["t"].dtype, np.dtype("<f8"))
            self.assertEqual(f["time"].dtype, np.dtype("<f8"))
            self.assertNotIn("encoder", f)
            n = self.check_lengths_equal(f)
            self.assertEqual(n, len(raw))
            self.assertEqual(self.check_frames(f, raw), n)
            # /analysis: the parameters in force at the start, as in the config
            an = dict(f["analysis"].attrs)
            self.assertEqual(an.pop("units"), "counts")
            self.assertEqual(an, ANALYSIS_DEFAULTS)
            # /tare: the baseline given at the start, then the one taken from frame 3000
            self.assertEqual(f["tare"].dtype, np.dtype("<f4"))
            self.assertEqual(f["tare"].shape, (2, 32, 32))
            np.testing.assert_array_equal(f["tare"][0].ravel(), (np.arange(32 * 32) % 7) * 0.5)
            tares = [e for e in events if e["type"] == "tare"]
            self.assertEqual(len(tares), 1)
            self.assertEqual(list(f["tare_t"][:]), [0.0, tares[0]["t"]])
            # the analysis' baseline: the mean of the 16 frames from frame 3000 on
            first = int(np.nonzero(raw["t"] >= raw["t"][3000])[0][0])
            self.assertAlmostEqual(float(f["tare"][1].mean()) * 1, float(raw["cells"][first:first + 16].mean()),
                                   delta=0.01 * max(1.0, float(raw["cells"][first:first + 16].mean())))
            for name, unit in (("t", "seconds"), ("time", "seconds"), ("tare", "counts"), ("tare_t", "seconds")):
                self.assertEqual(f[name].attrs["unit"], unit, name)
            for name in ("frames", "frame_seq", "t", "time", "gaps", "tare", "tare_t", "events/pulse_durations") + \
                    tuple("events/" + t for t in RECORDED.values()):
                self.assertGreater(len(f[name].attrs["description"]), 20, name)
            # /events/settings: the set at frame 4000
            st = f["events/settings"][:]
            self.assertEqual(len(st), 1)
            self.assertEqual((st["key"][0], st["value"][0]), (b"hold_min_s", b"2.5"))
            self.assertEqual((st["t"][0], st["frame"][0]), (raw["t"][4000], raw["seq"][4000]))
            # no array fields anywhere: pandas takes every table as it is
            for table in RECORDED.values():
                dt = f["events"][table].dtype
                self.assertTrue(all(dt[n].shape == () for n in dt.names), table)
            # /events/pulse_durations: each set's durations, a row each
            pdur = f["events/pulse_durations"][:]
            want = [(e["id"], i, d) for e in events if e["type"] == "pulses" for i, d in enumerate(e["durations"])]
            self.assertEqual([(int(r["pulse_id"]), int(r["index"]), float(r["duration"])) for r in pdur], want)
            # /gaps: 3 frames lost after every 500
            g = f["gaps"]
            self.assertEqual(g.dtype, np.dtype([("after_seq", "<u4"), ("missing", "<u4")]))
            seq = raw["seq"].astype(np.int64)
            jumps = np.nonzero(np.diff(seq) != 1)[0]
            self.assertEqual(len(g), len(jumps))
            np.testing.assert_array_equal(g["after_seq"], seq[jumps])
            np.testing.assert_array_equal(g["missing"], seq[jumps + 1] - seq[jumps] - 1)
            # /events, field for field
            self.assertEqual(set(f["events"].keys()), set(RECORDED.values()) | {"pulse_durations"})
            for typ, table in RECORDED.items():
                want = [e for e in events if e["type"] == typ and (typ not in ("hold", "site") or e.get("phase") == "end")]
                self.check_table(f["events"][table], want, typ)
            self.assertGreater(len(f["events/holds"]), 0)
            self.assertGreater(len(f["events/pulses"]), 0)
            self.assertGreater(len(f["events/marks"]), 0)

        # The C reader sees the same.
        p = run(["--read", path])
        self.assertEqual(p.returncode, 0, p.stderr)
        back = json.loads(p.stdout)
        self.assertEqual(back["frames"], len(raw))
        self.assertEqual(back["cells_crc32"], zlib.crc32(raw["cells"].tobytes()))
        self.assertEqual(back["seq_crc32"], zlib.crc32(raw["seq"].astype("<u4").tobytes()))
        self.assertEqual(back["meta"], {"subject": "S01", "notes": "left calf, Übung"})
        self.assertEqual(back["analysis"], {**{k: v if isinstance(v, str) else "%g" % v
                                                for k, v in ANALYSIS_DEFAULTS.items()}, "units": "counts"})
        with h5py.File(path, "r") as f:
            self.assertEqual(back["tares"], [{"t": float(t), "sum": float(b.astype(np.float64).sum())}
                                             for t, b in zip(f["tare_t"][:], f["tare"][:])])
        for typ in RECORDED:
            want = [e for e in events if e["type"] == typ and (typ not in ("hold", "site") or e.get("phase") == "end")]
            if typ == "mark":  # the label column keeps 128 bytes
                for e in want:
                    e["label"] = utf8_cut(e["label"], 128).decode()
            self.assertEqual(back["events"][typ], want, typ)

    def check_table(self, table, want, typ):
        self.assertEqual(len(table), len(want), typ)
        names = table.dtype.names
        for row, ev in zip(table[:], want):
            # every published field has a column (v, type, device, phase: the file's and the table's)
            self.assertLessEqual(set(ev) - {"v", "type", "device", "phase", "durations"}, set(names), typ)
            for name in names:
                value = row[name]
                if name not in ev:
                    self.assertTrue(np.isnan(value), (typ, name))
                elif isinstance(ev[name], str):
                    width = table.dtype[name].itemsize
                    self.assertEqual(value, utf8_cut(ev[name], width), (typ, name))
                elif isinstance(ev[name], bool):
                    self.assertEqual(table.dtype[name], np.dtype(bool))
                    self.assertEqual(bool(value), ev[name], (typ, name))
                else:
                    self.assertEqual(value, ev[name], (typ, name))

    def test_roller(self):
        raw_path = os.path.join(self.dir, "raw.bin")
        p = run(["--kind", "roller", "--cell-bits", "8", "--events", "--raw", raw_path, "--flush-frames", "250",
                 self.dir])
        self.assertEqual(p.returncode, 0, p.stderr)
        path = self.path_of(p.stdout)
        self.assertRegex(os.path.basename(path), r"^roller0-\d{8}T\d{6}Z\.h5$")
        with h5py.File(path, "r") as f:
            d = f["device"].attrs
            self.assertEqual(d["kind"], "roller")
            for name, typ in {**DEVICE_ATTRS, **ROLLER_ATTRS}.items():
                self.assertIn(name, d)
            self.assertGreater(d["counts_per_rev"], 0)
            self.assertEqual(f["frames"].dtype, np.dtype("u1"))
            self.assertEqual(f["encoder"].dtype, np.dtype("<i4"))
            raw = read_raw(raw_path, int(d["rows"]), int(d["cols"]), 8)
            n = self.check_lengths_equal(f)
            self.assertEqual(n, len(raw))
            self.check_frames(f, raw)
            np.testing.assert_array_equal(f["encoder"][:], raw["enc"])
            self.assertGreater(len(f["events/rolls"]), 0)
            self.assertEqual(f["tare"].shape, (0, 1, int(d["cols"])))  # no baseline
            self.assertEqual(f["tare_t"].shape, (0,))

    def test_frames_other_writers_chunked(self):
        """The C reader decodes pressd's own chunks itself (shuffle + deflate)
        and leaves every other /frames to HDF5: other filters, other chunk
        shapes, a chunk never written. Each copy must read back the same."""
        p = run(["--frames", "777", "--rows", "12", "--cols", "16", self.dir])
        self.assertEqual(p.returncode, 0, p.stderr)
        path = self.path_of(p.stdout)
        want = json.loads(run(["--read", path]).stdout)
        with h5py.File(path, "r") as f:
            cells = f["frames"][:]
        layouts = {
            "gzip, no shuffle": dict(chunks=(7, 12, 16), compression="gzip"),
            "no filter": dict(chunks=(16, 12, 16)),
            "shuffle + gzip + fletcher32": dict(chunks=(5, 12, 16), shuffle=True, compression="gzip",
                                                fletcher32=True),
            "half a frame a chunk": dict(chunks=(9, 6, 16), shuffle=True, compression="gzip"),
            "shuffle alone": dict(chunks=(4, 12, 16), shuffle=True),
        }
        for name, opts in layouts.items():
            copy = os.path.join(self.dir, name.replace(" ", "_").replace(",", "") + ".h5")
            shutil.copy(path, copy)
            with h5py.File(copy, "r+") as f:
                attrs = dict(f["frames"].attrs)
                del f["frames"]
                ds = f.create_dataset("frames", data=cells, maxshape=(None, 12, 16), **opts)
                for k, v in attrs.items():
                    ds.attrs[k] = v
            back = json.loads(run(["--read", copy]).stdout)
            self.assertEqual(back["cells_crc32"], want["cells_crc32"], name)
        # chunks never written: the fill value (0), not an error
        copy = os.path.join(self.dir, "unwritten.h5")
        shutil.copy(path, copy)
        with h5py.File(copy, "r+") as f:
            attrs = dict(f["frames"].attrs)
            del f["frames"]
            ds = f.create_dataset("frames", shape=cells.shape, dtype=cells.dtype, maxshape=(None, 12, 16),
                                  chunks=(5, 12, 16), shuffle=True, compression="gzip")
            ds[:100] = cells[:100]
            for k, v in attrs.items():
                ds.attrs[k] = v
        back = json.loads(run(["--read", copy]).stdout)
        blank = np.concatenate([cells[:100], np.zeros_like(cells[100:])])
        self.assertEqual(back["cells_crc32"], zlib.crc32(blank.tobytes()))

    def test_h5dump_and_h5ls(self):
        p = run(["--events", "--frames", "700", "--tare", "--drop-every", "300", "--meta", "notes=x", self.dir])
        self.assertEqual(p.returncode, 0, p.stderr)
        path = self.path_of(p.stdout)
        for tool in (["h5dump", path], ["h5ls", "-r", "-v", path]):
            q = subprocess.run(tool, capture_output=True, text=True, timeout=120)
            self.assertEqual(q.returncode, 0, q.stderr)
            self.assertNotRegex(q.stderr, "(?i)error")
        self.assertIn('DATASET "frames"', subprocess.run(["h5dump", "-H", path], capture_output=True,
                                                          text=True).stdout)

    # ---- live reading ---------------------------------------------------

    def test_swmr_reader_sees_frames_grow(self):
        raw_path = os.path.join(self.dir, "raw.bin")
        rate = 200
        # --no-sync: visibility is under test here, not fdatasync's speed
        proc = subprocess.Popen([REC_WRITE, "--slow", "--no-sync", "--rows", "64", "--cols", "64", "--rate", str(rate),
                                 "--frames", str(rate * 6), "--raw", raw_path, self.dir], stdout=subprocess.PIPE,
                                text=True)
        self.addCleanup(proc.stdout.close)
        self.addCleanup(proc.kill)
        lines = Lines(proc)
        path = lines.path()
        seen, lags = [], []
        with h5py.File(path, "r", libver="latest", swmr=True) as f:
            frames = f["frames"]
            others = [f["frame_seq"], f["t"], f["time"]]
            while proc.poll() is None:
                time.sleep(0.2)
                raw = read_raw(raw_path, 64, 64, 16)  # what was made so far, before it was recorded
                frames.refresh()
                n = frames.shape[0]
                for ds in others:
                    ds.refresh()
                    self.assertGreaterEqual(ds.shape[0], n)  # never behind /frames
                seen.append(n)
                if n:
                    np.testing.assert_array_equal(frames[max(n - 20, 0):n], raw["cells"][max(n - 20, 0):n])
                    # how old the newest frame a reader sees is, in the writer's clock
                    lags.append(raw["time"][-1] - others[2][n - 1])
        self.assertEqual(proc.wait(), 0)
        self.assertEqual(seen, sorted(seen))
        self.assertGreaterEqual(len(set(seen)), 6, seen)  # grew while being written
        # "at most about one second old": flushed every 0.5 s; the slack
        # is for a loaded machine (the writer and this reader share 2 cores)
        self.assertLessEqual(max(lags), 1.5, lags)
        self.assertLessEqual(sorted(lags)[len(lags) * 3 // 4], 1.0, lags)
        with h5py.File(path, "r") as f:
            self.assertEqual(self.check_lengths_equal(f), rate * 6)

    # ---- crashes --------------------------------------------------------

    def test_kill_9_then_recover(self):
        raw_path = os.path.join(self.dir, "raw.bin")
        rate = 200
        proc = subprocess.Popen([REC_WRITE, "--slow", "--events", "--rows", "64", "--cols", "64", "--rate", str(rate),
                                 "--frames", "1000000", "--raw", raw_path, self.dir], stdout=subprocess.PIPE, text=True)
        self.addCleanup(proc.stdout.close)
        self.addCleanup(proc.kill)
        lines = Lines(proc)
        path = lines.path()
        end = time.monotonic() + 60
        while sum(l.startswith("flushed ") for l in list(lines.lines)) < 5 and time.monotonic() < end:
            time.sleep(0.05)
        time.sleep(0.3)  # somewhere between two flushes
        proc.send_signal(signal.SIGKILL)
        killed_at = time.time()
        proc.wait()
        lines.thread.join(5)
        flushed = lines.flushed()
        self.assertGreater(flushed, 0)
        raw = read_raw(raw_path, 64, 64, 16)

        with self.assertRaises(OSError):  # marked open by a writer that is gone
            h5py.File(path, "r")
        self.assertEqual(run(["--state", path]).stdout.strip(), "1")
        p = run(["--recover", path])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(run(["--state", path]).stdout.strip(), "0")
        with h5py.File(path, "r") as f:
            n = self.check_lengths_equal(f)
            self.assertGreaterEqual(n, flushed)
            self.check_frames(f, raw)
            # at most about the last second lost: every frame made earlier
            # is in the file (slack for a loaded machine)
            if n < len(raw):
                self.assertGreater(raw["time"][n], killed_at - 1.5)
            for table in RECORDED.values():
                f["events"][table][:]
        q = subprocess.run(["h5dump", "-H", path], capture_output=True, text=True, timeout=60)
        self.assertEqual(q.returncode, 0, q.stderr)

    # ---- failures -------------------------------------------------------

    def run_with_raw_pipe(self, args, preexec_fn=None):
        """rec_write with --raw into a pipe (which no file size limit
        touches); returns (CompletedProcess-like, raw frames array)."""
        r, w = os.pipe()
        chunks = []

        def drain():
            while True:
                b = os.read(r, 1 << 20)
                if not b:
                    break
                chunks.append(b)

        t = threading.Thread(target=drain, daemon=True)
        t.start()
        proc = subprocess.Popen([REC_WRITE] + args + ["--raw", "/dev/fd/%d" % w, self.dir], pass_fds=(w,),
                                preexec_fn=preexec_fn, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        os.close(w)
        out, err = proc.communicate(timeout=240)
        t.join(30)
        os.close(r)
        data = b"".join(chunks)
        dt = raw_dtype(64, 64, 16)
        raw = np.frombuffer(data[:len(data) // dt.itemsize * dt.itemsize], dtype=dt)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), raw

    def check_failed_run(self, p, raw, why):
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertRegex(p.stdout, "(?m)^failed .*" + why)
        self.assertIn(why, p.stderr)
        path = self.path_of(p.stdout)
        flushed = last_flushed(p.stdout)
        self.assertGreater(flushed, 0)
        self.assertEqual(run(["--state", path]).stdout.strip(), "0")
        with h5py.File(path, "r") as f:  # opens normally: closed properly, or repaired
            n = self.check_lengths_equal(f)
            self.assertEqual(n, flushed)
            self.check_frames(f, raw)
        return path

    FAST = ["--rows", "64", "--cols", "64", "--rate", "1000", "--frames", "30000", "--flush-frames", "200", "--events"]

    def test_disk_full_tmpfs(self):
        if os.geteuid() != 0:
            self.skipTest("mounting a tmpfs needs root")
        mnt = os.path.join(self.dir, "small")
        os.mkdir(mnt)
        m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", mnt], capture_output=True,
                           text=True)
        if m.returncode != 0:
            self.skipTest("cannot mount a tmpfs here: " + m.stderr.strip())
        self.addCleanup(subprocess.run, ["umount", "-l", mnt])
        raw_path = os.path.join(self.dir, "raw.bin")
        p = run(self.FAST + ["--raw", raw_path, mnt])
        self.check_failed_run(p, read_raw(raw_path, 64, 64, 16), "No space left on device")

    def test_file_size_limit(self):
        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (3 << 20, 3 << 20))

        p, raw = self.run_with_raw_pipe(self.FAST, preexec_fn=limit)
        self.check_failed_run(p, raw, "File too large")

    def test_io_error_inside_hdf5(self):
        # every write HDF5 makes fails from frame 1300 on (/dev/full in
        # place of its descriptor), while space reservation still works
        p, raw = self.run_with_raw_pipe(self.FAST + ["--break-io-after", "1300"])
        path = self.check_failed_run(p, raw, "No space left on device")
        self.assertIn("holds what was flushed", p.stdout)
        with h5py.File(path, "r") as f:
            self.assertEqual(f["frames"].shape[0], 1200)


if __name__ == "__main__":
    unittest.main()
