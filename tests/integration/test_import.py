#!/usr/bin/python3
"""pressctl import (docs/import.md): vendor fixtures become recordings whose
geometry, frame count, timing, unit and per-frame max and sum equal an
independent parse of the text; truncated and corrupted copies are refused
with exit 65, the file and line named, and no output; the imported F-Scan
walk replays through pressd and its foot strikes come out as contacts.

Run with Debian's /usr/bin/python3 (python3-h5py, numpy)."""

import os
import re
import subprocess
import unittest

import h5py
import numpy as np

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

    def test_other_vendors_are_recognised_and_refused(self):
        """The formats without an importer yet (docs/import.md) are told
        apart by their content and refused cleanly, whatever their name."""
        for name, what in (("xsensor_data.csv", "XSENSOR CSV"), ("emed_test.lst", "novel emed .lst"),
                           ("pliance_test.asc", "novel pliance/pedar .asc"),
                           ("pedar_example.asc", "novel pliance/pedar .asc")):
            renamed = os.path.join(self.tmp.name, "x.asf")
            with open(os.path.join(FIXTURES, name), "rb") as a, open(renamed, "wb") as b:
                b.write(a.read())
            out = os.path.join(self.tmp.name, "out.h5")
            r = self.run_import(renamed, "-o", out)
            self.assertEqual(r.returncode, 65, (name, r.stderr))
            self.assertIn("no importer yet", r.stderr)
            self.assertIn("(looks like %s)" % what, r.stderr)
            self.assertFalse(os.path.exists(out))

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
