#!/usr/bin/python3
"""pressctl import (docs/import.md): vendor fixtures become recordings whose
geometry, frame count, timing, unit and per-frame max and sum equal an
independent parse of the text (Tekscan, XSENSOR, novel emed, pliance and
pedar, stappone); truncated and corrupted copies are refused with exit 65,
the file and line named, and no output; the imported F-Scan walk replays
through pressd and its foot strikes come out as contacts, and every other
format replays with contacts.

Run with Debian's /usr/bin/python3 (python3-h5py, numpy, pandas)."""

import os
import re
import subprocess
import tempfile
import unittest

import h5py
import numpy as np
import pandas as pd

from harness import BIN, TestCase
from test_replay import log_events
from zmqtools import tail

FIXTURES = os.path.join(os.path.dirname(__file__), "../../../shared/fixtures/vendors")
if not os.path.isdir(FIXTURES):
    FIXTURES = "/work/shared/fixtures/vendors"
PRESSCTL = os.path.join(BIN, "pressctl")
FSCAN = os.path.join(FIXTURES, "fscan_testL.asf")


def parse_tekscan(path):
    """The independent parse: header dict and an [N, rows, cols] float array."""
    text = open(path, encoding="latin-1").read().replace("\r", "")
    head, data = text.split("ASCII_DATA @@", 1)
    hdr = dict(l.split(" ", 1) for l in head.splitlines() if re.match(r"^[A-Z_0-9]+ ", l))
    rows, cols = int(hdr["ROWS"]), int(hdr["COLS"])
    frames = []
    for block in re.split(r"\nFrame \d+\n", "\n" + data.split("@@")[0])[1:]:
        lines = [l for l in block.splitlines() if l.strip()]
        frames.append([[0.0 if v.strip() == "B" else float(v) for v in l.split(",")] for l in lines])
    return hdr, np.array(frames).reshape(-1, rows, cols)


def parse_xsensor(path):
    """XSENSOR CSV: per FRAME, each SENSOR's SENSELS matrix, side by side."""
    text = open(path, encoding="utf-8-sig").read().replace("\r", "")
    lines = [l for l in text.split("\n") if l.strip(", ")]
    unit = next(l.split(",")[1] for l in lines if l.startswith("Units:,"))
    frames, clock, rows, cols, width, height = [], [], 0, 0, 0, 0
    for i, l in enumerate(lines):
        f = l.split(",")
        if f[0] == "FRAME":
            frames.append([])
        elif f[0] == "Time" and len(frames) and len(clock) < len(frames):
            h, m, sec = f[1].strip().split(":")
            clock.append(int(h) * 3600 + int(m) * 60 + float(sec))
        elif f[0] == "Rows":
            rows = int(f[1])
        elif f[0] == "Columns":
            cols = int(f[1])
        elif f[0] == "Sensel Width (cm)":
            width = float(f[1])
        elif f[0] == "Sensel Height (cm)":
            height = float(f[1])
        elif f[0] == "SENSELS" and lines[i - 1].split(",")[0] not in ("SENSELS",) and sensor_block(lines, i):
            frames[-1].append([[float(v) for v in lines[i + 1 + r].split(",")[:cols]] for r in range(rows)])
    arr = np.array([np.concatenate(fr, axis=1) for fr in frames])
    t = np.array(clock) - clock[0]
    return dict(frames=arr, t=t, rate=(len(t) - 1) / t[-1], unit=unit, pitch=(width * 10, height * 10))


def sensor_block(lines, i):
    """Whether the SENSELS at line i closes a SENSOR block (not a GROUP's)."""
    for l in reversed(lines[:i]):
        k = l.split(",")[0]
        if k in ("SENSOR", "GROUP"):
            return k == "SENSOR"
    return False


def parse_emed(path):
    """emed .lst: a page per picture, the labelled window without its Force row and column."""
    text = open(path, encoding="latin-1").read()
    frames, forces = [], []
    for page in text.split("\f"):
        rows = [l.split("\t") for l in page.split("\n") if re.match(r"^\d+\t", l)]
        if not rows:
            continue
        force = [l.split("\t") for l in page.split("\n") if l.startswith("Force\t")][0]
        frames.append([[float(v) for v in r[1:-1]] for r in rows])
        forces.append([float(v) for v in force[1:-1]])
    hdr = text.split("Pict-No.")[0]
    ms = float(re.search(r"Time/picture:\s*([\d.]+) ms", hdr).group(1))
    size = float(re.search(r"Sensor size: ([\d.]+)x", hdr).group(1)) * 10
    area = float(re.search(r"Sensor area: ([\d.]+)", hdr).group(1))
    arr = np.array(frames)
    # the unit: kPa, as the Force sums (N = sum × cm² / 10) say
    np.testing.assert_allclose(arr.sum(axis=1) * area / 10, np.array(forces), atol=0.006)
    return dict(frames=arr, t=np.arange(len(arr)) * ms / 1000, rate=1000 / ms, unit="kPa", pitch=(size, size))


def parse_novel_asc(path):
    """pliance/pedar .asc: the time[secs] table; pliance's sensors placed by their corners."""
    lines = open(path, encoding="latin-1").read().replace("\r", "").split("\n")
    head = next(i for i, l in enumerate(lines) if l.split()[:1] == ["time[secs]"])
    labels = lines[head].split()[1:]
    table = []
    for l in lines[head + 1:]:
        f = l.split()
        if not f or not re.match(r"^[\d.]+$", f[0]):
            break
        table.append([float(v) for v in f])
    table = np.array(table)
    t, values = table[:, 0], table[:, 1:]
    rate = float(re.search(r"scanning rate \[Hz\]:\s*([\d.]+)", "\n".join(lines[:head])).group(1))
    corner = [i for i, l in enumerate(lines) if l.strip() == "corner[cm]"]
    if not corner:
        return dict(frames=values[:, None, :], t=t - t[0], rate=rate, unit="kPa", pitch=None,
                    labels=labels)
    k = corner[0]
    block = {l.split()[0]: np.array([float(v) for v in l.split()[1:]]) for l in lines[k + 1:] if l.split()}
    assert lines[k - 1].split()[1:] == labels
    xc, yc = block["x[c]"], block["y[c]"]
    px = np.diff(np.unique(np.round(xc, 3)))[0]
    py = np.diff(np.unique(np.round(yc, 3)))[0]
    col = np.round((xc - xc.min()) / px).astype(int)
    row = np.round((yc.max() - yc) / py).astype(int)  # row 0: the largest y
    grid = np.zeros((len(values), row.max() + 1, col.max() + 1))
    grid[:, row, col] = values
    return dict(frames=grid, t=t - t[0], rate=rate, unit="kPa", pitch=(px * 10, py * 10))


def parse_stappone(path):
    """stappone CSV: pandas; the pressure_NN columns are the strip."""
    d = pd.read_csv(path)
    p = d.filter(regex=r"^pressure_\d+$").to_numpy(dtype=float)
    ts = d["timestamp"].to_numpy()
    t = (ts - ts[0]) / 1000
    return dict(frames=p[:, None, :], t=t, rate=(len(t) - 1) / t[-1], unit="counts", pitch=None)


def decimals_of(values):
    """The fewest decimals that write every value exactly."""
    for d in range(7):
        if np.all(np.abs(values * 10 ** d - np.round(values * 10 ** d)) < 1e-6 * 10 ** d):
            return d
    return 6


VENDORS = {  # fixture: (source_format, the parse)
    "xsensor_data.csv": ("xsensor-csv", parse_xsensor),
    "emed_test.lst": ("novel-emed-lst", parse_emed),
    "pliance_test.asc": ("novel-asc", parse_novel_asc),
    "pedar_example.asc": ("novel-asc", parse_novel_asc),
    "stappone_example.csv": ("stappone-csv", parse_stappone),
}


class Import(TestCase):
    def run_import(self, *args):
        return subprocess.run([PRESSCTL, "import", *args], capture_output=True, text=True, timeout=120)

    def test_fscan_imports_as_the_text_says(self):
        out = os.path.join(self.tmp.name, "walk.h5")
        r = self.run_import(FSCAN, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        hdr, want = parse_tekscan(FSCAN)
        with h5py.File(out, "r") as f:
            fr = f["frames"]
            self.assertEqual(fr.shape, want.shape)
            self.assertEqual(fr.attrs["unit"], "kPa")
            got = fr[:] * float(fr.attrs["conversion"])
            np.testing.assert_allclose(got.max(axis=(1, 2)), want.max(axis=(1, 2)))
            np.testing.assert_allclose(got.sum(axis=(1, 2)), want.sum(axis=(1, 2)))
            spf = float(hdr["SECONDS_PER_FRAME"])
            np.testing.assert_allclose(f["t"][:], np.arange(len(want)) * spf, atol=1e-6)
            self.assertAlmostEqual(float(f["device"].attrs["rate_hz"]), 1 / spf, places=3)
            self.assertAlmostEqual(float(f["device"].attrs["pitch_x_mm"]), 5.08, places=5)
            self.assertEqual(f.attrs["source_format"], "tekscan-ascii")
            self.assertEqual(f.attrs["source_file"], FSCAN)
            for k, v in hdr.items():
                self.assertEqual(f.attrs[k], v.strip(), k)
            self.assertEqual(f.attrs["COMMENTS"], "overground walk p10")
        self.assertEqual(os.listdir(self.tmp.name), ["walk.h5"])

    def assert_refused(self, text, line_re):
        bad = os.path.join(self.tmp.name, "bad.asf")
        with open(bad, "wb") as f:
            f.write(text)
        out = os.path.join(self.tmp.name, "out")
        os.mkdir(out)
        r = self.run_import(bad, "-d", out)
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertRegex(r.stderr, re.escape(bad) + r": line \d+.*" + line_re)
        self.assertEqual(os.listdir(out), [])
        os.rmdir(out)

    def test_truncated_and_corrupted_copies_are_refused(self):
        with open(FSCAN, "rb") as f:
            raw = f.read()
        self.assert_refused(raw[: len(raw) // 2], r"frame 103 row 45")
        self.assert_refused(raw[: raw.index(b"\r\n", len(raw) // 2) + 2], r"end of file.*ends inside frame 103")
        self.assert_refused(raw[: raw.rindex(b"@@")], r"end of file.*without its closing @@")
        self.assert_refused(raw[:600], "ends in its header")
        lines = raw.split(b"\r\n")
        row = lines.index(b"Frame 7") + 3
        corrupt = list(lines)
        corrupt[row] = corrupt[row].replace(b",", b",x", 1)
        self.assert_refused(b"\r\n".join(corrupt), r"frame 7 row 3 column 2")
        short = list(lines)
        short[row] = short[row].rsplit(b",", 1)[0]
        self.assert_refused(b"\r\n".join(short), r"has 20 values, COLS is 21")
        skipped = [l for l in lines if l != b"Frame 9"]
        self.assert_refused(b"\r\n".join(skipped), r'expected "Frame N" or "@@"')
        self.assert_refused(b"not a recording\n", "not a recording of a known vendor format")

    def test_other_vendors_import_as_the_text_says(self):
        """Each vendor fixture, under a name that says nothing (the format
        comes from the content), imports with the geometry, frames, timing,
        unit and per-frame max and sum of an independent parse."""
        for name, (fmt, parse) in VENDORS.items():
            with self.subTest(name):
                src = os.path.join(FIXTURES, name)
                renamed = os.path.join(self.tmp.name, "export.dat")
                for left in os.listdir(self.tmp.name):  # what a failed subtest left
                    os.unlink(os.path.join(self.tmp.name, left))
                with open(src, "rb") as a, open(renamed, "wb") as b:
                    b.write(a.read())
                out = os.path.join(self.tmp.name, "out.h5")
                r = self.run_import(renamed, "-o", out)
                self.assertEqual(r.returncode, 0, r.stderr)
                want = parse(src)
                with h5py.File(out, "r") as f:
                    fr = f["frames"]
                    self.assertEqual(fr.shape, want["frames"].shape)
                    self.assertEqual(fr.attrs["unit"], want["unit"])
                    conv = float(fr.attrs["conversion"])
                    got = fr[:] * conv
                    # exact, unless the file's decimals need more than 16 bits:
                    # then rounded to the kept ones (import_rounding says so)
                    rounded = conv > 1.5 * 10.0 ** -decimals_of(want["frames"]) and want["unit"] != "counts"
                    self.assertEqual("import_rounding" in f.attrs, rounded, dict(f.attrs))
                    tol = 0.5 * conv * 1.001 if rounded else 1e-6 * max(1, want["frames"].max())
                    np.testing.assert_allclose(got.max(axis=(1, 2)), want["frames"].max(axis=(1, 2)), atol=tol)
                    ncells = want["frames"][0].size
                    np.testing.assert_allclose(got.sum(axis=(1, 2)), want["frames"].sum(axis=(1, 2)),
                                               atol=tol * ncells, rtol=1e-6)
                    np.testing.assert_allclose(f["t"][:], want["t"], atol=1e-6)
                    self.assertAlmostEqual(float(f["device"].attrs["rate_hz"]), want["rate"], places=2)
                    if want["pitch"]:
                        self.assertAlmostEqual(float(f["device"].attrs["pitch_x_mm"]), want["pitch"][0], places=4)
                        self.assertAlmostEqual(float(f["device"].attrs["pitch_y_mm"]), want["pitch"][1], places=4)
                    self.assertEqual(f.attrs["source_format"], fmt)
                    self.assertEqual(f.attrs["source_file"], renamed)
                    self.assertEqual(f["device"].attrs["model"], fmt)
                    if "labels" in want:  # a strip keeps its sensor numbers
                        self.assertEqual(f.attrs["sensors"], " ".join(want["labels"]))
                os.unlink(out)
                self.assertEqual(sorted(os.listdir(self.tmp.name)), ["export.dat"])
                os.unlink(renamed)

    def test_vendor_header_fields_are_kept(self):
        """A sample of each format's header fields, as root attributes."""
        expect = {
            "xsensor_data.csv": {"Units": "mmHg", "Threshold": "51.72", "Rows": "31", "Columns": "11",
                                 "Date": "2022 Aug 16", "Time": "08:21:17.982",
                                 "SENSOR": "HX210.11.31.M11-DFM-LF S0073", "SENSOR 2": "HX210.11.31.M11-DFM-RF S0073"},
            "emed_test.lst": {"Matrix": "64x95", "Time/picture": "10.0 ms", "Sensor size": "0.500x0.500 cm",
                              "Sensor area": "0.25 cm\u00b2", "row labels": "30-83", "column labels": "26-47"},
            "pliance_test.asc": {"file name": "2112170R_1.mat", "date/time": "17.06.23 15.21", "mat type": "s2160_001",
                                 "scanning rate [Hz]": "24", "time per frame [secs]": "0.04167",
                                 "pressure values in": "kPa"},
            "pedar_example.asc": {"file name": "3DI_S001_V2_FE_2.sol", "sensor type": "y-1865l-1870r-pxf306-11mar2021",
                                  "total time [secs]": "15.050", "scanning rate [Hz]": "100"},
            "stappone_example.csv": {"sole_id": "1", "corrupt samples": "0"},
        }
        for name, attrs in expect.items():
            with self.subTest(name):
                out = os.path.join(self.tmp.name, name + ".h5")
                r = self.run_import(os.path.join(FIXTURES, name), "-o", out)
                self.assertEqual(r.returncode, 0, r.stderr)
                with h5py.File(out, "r") as f:
                    for k, v in attrs.items():
                        self.assertEqual(f.attrs[k], v, k)
                    if name == "pedar_example.asc":
                        self.assertTrue(f.attrs["left insole"].startswith("1,2,3,"))
                    if name == "pliance_test.asc":
                        self.assertEqual(len(f.attrs["x[0]"].split()), 812)
                    if name == "stappone_example.csv":
                        self.assertIn("accel_x", f.attrs["columns"])
                        # the sole's clock is UTC: it dates the recording
                        self.assertTrue(f.attrs["session_start_time"].startswith("2026-01-15T16:36:19.568"))

    def assert_refused_copy(self, data, line_re):
        bad = os.path.join(self.tmp.name, "bad.txt")
        with open(bad, "wb") as f:
            f.write(data)
        out = tempfile.mkdtemp(dir=self.tmp.name)
        r = self.run_import(bad, "-d", out)
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertRegex(r.stderr, re.escape(bad) + r": (?=line \d+).*" + line_re)
        self.assertEqual(os.listdir(out), [])  # no output, no temporary file

    def test_other_vendors_bad_copies_are_refused(self):
        """Truncated (mid-line and at a line's end) and corrupted copies of
        each fixture: exit 65, the file and the line named, nothing left."""
        # fixture: (line to corrupt (1-based), what to replace in it, by what, the message; cuts at a line end)
        cases = {
            "xsensor_data.csv": (67, b"107.87", b"1o7.87", r"line 67: frame 1464 sensor 1 row 2 column 6",
                                 [(-12, r"end of file.*frame 1564 ends inside its GROUP block")]),
            "emed_test.lst": (14, b"\t0.00", b"\t0,00", r"line 14: picture 1 row 31 column 26",
                              [(-30, r"end of file.*ends inside picture 106")]),
            "pliance_test.asc": (9, b"0.000", b"0.0x0", r"line 9: the frame at 5.79167 s, sensor 1",
                                 [(-6, r"line 8: the sensor block at line 1365 lacks corners"),
                                  (-20, r"line 8: a pliance export ends with its sensors' corners")]),
            "pedar_example.asc": (11, b"32.500", b"-32.5", r"line 11: the frame at 0.01 s, sensor 1",
                                  [(-100, r"end of file.*the table stops at 14.05 s.*total time is 15.05")]),
            "stappone_example.csv": (3, b",366,", b",3 66,", r"line 3: sample 2 column 12: \"3 66\" is not a count",
                                     []),
        }
        for name, (lineno, old, new, msg, cuts) in cases.items():
            with self.subTest(name):
                with open(os.path.join(FIXTURES, name), "rb") as f:
                    raw = f.read()
                # a cut inside a line
                half = len(raw) // 2
                while raw[half - 1:half + 1].strip(b"\r\n\t ,") != raw[half - 1:half + 1]:
                    half += 1
                self.assert_refused_copy(raw[:half], "")
                # cuts at a line's end, where the format lets one be seen
                lines = raw.split(b"\n")
                for keep, why in cuts:
                    self.assert_refused_copy(b"\n".join(lines[:keep]) + b"\n", why)
                corrupt = list(lines)
                self.assertIn(old, corrupt[lineno - 1])
                corrupt[lineno - 1] = corrupt[lineno - 1].replace(old, new, 1)
                self.assert_refused_copy(b"\n".join(corrupt), msg)
        # inconsistent: a second sole in a stappone file, a pedar frame out of time order
        with open(os.path.join(FIXTURES, "stappone_example.csv"), "rb") as f:
            lines = f.read().split(b"\n")
        lines[100] = b"2" + lines[100][1:]
        self.assert_refused_copy(b"\n".join(lines), r"line 101: sole_id 2 after sole_id 1")
        with open(os.path.join(FIXTURES, "pedar_example.asc"), "rb") as f:
            lines = f.read().split(b"\n")
        lines[20], lines[21] = lines[21], lines[20]
        self.assert_refused_copy(b"\n".join(lines), r"line 22: time 0.11000 is not after")

    def test_other_vendors_replay_with_contacts(self):
        """Every imported format runs through the live analysis (replay:)
        to its end, and the loads on it come out as contacts."""
        for name in VENDORS:
            with self.subTest(name):
                out = os.path.join(self.tmp.name, name + ".h5")
                self.assertEqual(self.run_import(os.path.join(FIXTURES, name), "-o", out).returncode, 0)
                d = self.pressd("-d", "replay:%s?speed=max" % out, "-s", "daemon.ring_s=2", trace=False)
                self.assertTrue(d.wait_for(lambda: "end of recording" in d.text(), 120), tail(d.text()))
                self.assertEqual(d.stop(), 0, tail(d.text()))
                starts = [e for _, e in log_events(d.text()) if e.startswith("contact start")]
                self.assertGreater(len(starts), 0, tail(d.text()))

    def test_imported_files_report(self):
        """pressctl report renders an imported file (no events of its own:
        the maps, the force curve, the data) with the numbers of the text."""
        out = os.path.join(self.tmp.name, "walk.h5")
        self.assertEqual(self.run_import(FSCAN, "-o", out).returncode, 0)
        _, want = parse_tekscan(FSCAN)
        pdf = os.path.join(self.tmp.name, "walk.pdf")
        p = subprocess.run([PRESSCTL, "report", out, "-o", pdf], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True,
                              timeout=60).stdout
        self.assertIn("frames %d" % len(want), text)
        self.assertIn("Highest peak %g kPa" % want.max(), text)

    def test_imported_walk_replays_as_foot_strikes(self):
        """Each foot strike (pressure on the sensor, then off) is a contact
        whose duration matches the frames with load on them."""
        out = os.path.join(self.tmp.name, "walk.h5")
        self.assertEqual(self.run_import(FSCAN, "-o", out).returncode, 0)
        _, want = parse_tekscan(FSCAN)
        loaded = want.sum(axis=(1, 2)) > 0
        d = self.pressd("-d", "replay:%s?speed=max" % out, "-s", "daemon.ring_s=2", trace=False)
        self.assertTrue(d.wait_for(lambda: "end of recording" in d.text(), 120), tail(d.text()))
        self.assertEqual(d.stop(), 0, tail(d.text()))
        events = [e for _, e in log_events(d.text()) if e.startswith("contact")]
        self.assertGreater(len(events), 0, tail(d.text()))
        # strikes: runs of loaded frames
        edges = np.flatnonzero(np.diff(np.r_[0, loaded.astype(int), 0]))
        strikes = []
        for a, b in zip(edges[::2], edges[1::2]):  # [a, b): a dropout of a frame or two is the same strike
            if strikes and a - strikes[-1][1] <= 2:
                strikes[-1] = (strikes[-1][0], b)
            else:
                strikes.append((a, b))
        self.assertGreater(len(strikes), 0)
        ends = [dict(kv.split("=") for kv in e.split()[2:]) for e in events if e.startswith("contact end")]
        self.assertGreater(len(ends), 0, events)
        spf = 0.032
        for e in ends:
            last = round(float(e["t"]) / spf)  # the end: the first frame without the contact
            first = last - round(float(e["duration"]) / spf)
            inside = [s for s in strikes if s[0] - 1 <= first and last <= s[1] + 3]  # the end is debounced
            self.assertEqual(len(inside), 1, (e, strikes))
        for a, b in strikes:
            if b - a < 10:
                continue  # a brush of the sensor
            longest = max((float(e["duration"]) for e in ends
                           if a - 1 <= round((float(e["t"]) - float(e["duration"])) / spf) and round(float(e["t"]) / spf) <= b + 3),
                          default=0)
            self.assertGreater(longest, 0.6 * (b - a) * spf, (a, b, ends))
            self.assertLessEqual(longest, (b - a + 3) * spf + 1e-6, (a, b, ends))


if __name__ == "__main__":
    unittest.main()
