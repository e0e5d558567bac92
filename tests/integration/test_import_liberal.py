#!/usr/bin/python3
"""Importers liberal in what they read, strict in what they write
(daemon.md, docs/import.md): every vendor fixture and variants of it as
other exporters write them (header keys in another case, unknown keys,
runs of spaces for tabs, CRLF for LF and back, a UTF-8 byte-order mark,
lengths in centimeters or inches, Tekscan frame lines with fields and
date-times) import to the same arrays as an independent numpy parse of
the original, with the header's start as session_start_time and per-frame
times in /t; the plain-matrix importer against numpy's loadtxt; pipes,
absurd rates and wrong geometries refused; pressctl import --help and an
unknown file's refusal list every format in import/formats/.

Run with Debian's /usr/bin/python3 (python3-h5py, numpy, pandas)."""

import glob
import os
import re
import subprocess
import unittest

import h5py
import numpy as np

from harness import TestCase
from test_import import (FIXTURES, PRESSCTL, parse_emed, parse_novel_asc, parse_stappone, parse_tekscan,
                         parse_xsensor)

FORMATS_DIR = os.path.join(os.path.dirname(__file__), "../../import/formats")


def tekscan(path):
    hdr, frames = parse_tekscan(path)
    spf = float(hdr["SECONDS_PER_FRAME"])
    return dict(frames=frames, t=np.arange(len(frames)) * spf, pitch=(5.08, 5.08), unit="kPa")


def crlf(b):
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def lf(b):
    return b.replace(b"\r\n", b"\n")


def bom(b):
    return b if b.startswith(b"\xef\xbb\xbf") else b"\xef\xbb\xbf" + b


def no_bom(b):
    return b[3:] if b.startswith(b"\xef\xbb\xbf") else b


def tk_keys_lower(b):
    """I-Scan style: mixed-case keys, an unknown key, lengths in centimeters."""
    out = []
    for line in b.split(b"\r\n"):
        m = re.match(rb"^([A-Z_0-9]+)( .*)$", line)
        if m and m.group(1) not in (b"ASCII_DATA", b"COMMENTS:"):
            line = m.group(1).lower().title() + m.group(2)
        out.append(line)
    text = b"\r\n".join(out)
    text = text.replace(b"Row_Spacing 5.08 mm", b"Row_Spacing 0.508 centimeters")
    text = text.replace(b"Col_Spacing 5.08 mm", b"Col_Spacing 0.2 inches")  # 5.08 mm
    return text.replace(b"Hw_Type 4\r\n", b"Hw_Type 4\r\nVersaPogoFsx 0\r\n")


def tk_stamped(b):
    """Frame lines as I-Scan 6.10I writes them, a date and time each, 40 ms apart."""
    def stamp(m):
        n = int(m.group(1))
        cs = 34 + 4 * (n - 1)  # centiseconds past 6:21:52 PM
        s = 52 + cs // 100
        return b"Frame %d, 0,, 12/2/2019 6:21:%02d.%02dPM" % (n, s, cs % 100)
    return re.sub(rb"(?m)^Frame (\d+)(?=\r?$)", stamp, b)


def xs_variant(b):
    """Upper-case keys, the sensel size in mm, LF, no BOM."""
    text = lf(no_bom(b))
    for k in (b"Rows", b"Columns", b"Units:", b"FRAME", b"Time", b"Date"):
        text = re.sub(rb"(?m)^" + re.escape(k) + rb",", k.upper() + b",", text)
    text = re.sub(rb"(?m)^Sensel (Width|Height) \(cm\),0\.86", rb"Sensel \1 (mm),8.6", text)
    return text


def spaces_for_tabs(b):
    return re.sub(rb"\t", lambda m: b"    ", b)


def tabs_for_spaces(b):
    return re.sub(rb"(?<=\S) {2,}(?=\S)", b"\t", b)


def nv_variant(b):
    text = b.replace(b"scanning rate [Hz]", b"Scanning Rate [HZ]").replace(b"pressure values in", b"Pressure Values In")
    return text


VARIANTS = {  # fixture: the parse of the original, [(variant name, transform)]
    "fscan_testL.asf": (tekscan, [("lf", lf), ("bom", bom), ("keys in any case, cm, inches, unknown key", tk_keys_lower),
                                 ("stamped frame lines", tk_stamped)]),
    "xsensor_data.csv": (parse_xsensor, [("lf", lf), ("keys, mm, lf, no bom", xs_variant)]),
    "emed_test.lst": (parse_emed, [("spaces for tabs", spaces_for_tabs), ("crlf", crlf), ("bom", bom)]),
    "pliance_test.asc": (parse_novel_asc, [("tabs for spaces", tabs_for_spaces), ("lf", lf),
                                           ("keys in any case", nv_variant)]),
    "pedar_example.asc": (parse_novel_asc, [("spaces for tabs", spaces_for_tabs), ("crlf+bom", lambda b: bom(crlf(b)))]),
    "stappone_example.csv": (parse_stappone, [("crlf", crlf), ("bom", bom)]),
}

STARTS = {  # what the header states, read as local time (TZ=UTC here)
    "fscan_testL.asf": "2017-02-16T11:26:22",
    "xsensor_data.csv": "2022-08-16T08:21:17.982",
    "pliance_test.asc": "2023-06-17T15:21:00",
    "pedar_example.asc": "2023-04-25T10:49:00",
    "stappone_example.csv": "2026-01-15T16:36:19.568",
}


class ImportLiberal(TestCase):
    def run_import(self, *args, **kw):
        env = dict(os.environ, TZ="UTC")
        return subprocess.run([PRESSCTL, "import", *args], capture_output=True, text=True, timeout=120, env=env, **kw)

    def imported(self, data, name="export.dat"):
        src = os.path.join(self.tmp.name, name)
        with open(src, "wb") as f:
            f.write(data)
        out = os.path.join(self.tmp.name, "out.h5")
        if os.path.exists(out):
            os.unlink(out)
        r = self.run_import(src, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def assert_same_arrays(self, out, want):
        with h5py.File(out, "r") as f:
            fr = f["frames"]
            self.assertEqual(fr.shape, want["frames"].shape)
            conv = float(fr.attrs["conversion"])
            self.assertEqual(fr.attrs["conversion"].dtype, np.float64)
            # the decimal: 0.1, never 0.100000001
            self.assertEqual(conv, float("%.6g" % conv))
            tol = 0.5 * conv * 1.001 if "import_rounding" in f.attrs else 1e-9 * max(1, want["frames"].max())
            np.testing.assert_allclose(fr[:] * conv, want["frames"], atol=tol, rtol=0)
            np.testing.assert_allclose(f["t"][:], want["t"], atol=1e-6)
            if want.get("pitch"):
                self.assertAlmostEqual(float(f["device"].attrs["pitch_x_mm"]), want["pitch"][0], places=4)
                self.assertAlmostEqual(float(f["device"].attrs["pitch_y_mm"]), want["pitch"][1], places=4)
            an = f["analysis"].attrs
            self.assertEqual(an["units"], fr.attrs["unit"])
            for k in ("noise", "contact_on", "contact_off", "release_s", "press_min_s", "tare_at_start"):
                self.assertIn(k, an)
            return dict(f.attrs)

    def test_fixtures_and_variants_import_as_numpy_parses_them(self):
        for name, (parse, variants) in VARIANTS.items():
            with open(os.path.join(FIXTURES, name), "rb") as f:
                raw = f.read()
            want = parse(os.path.join(FIXTURES, name))
            for label, change in [("as it is", lambda b: b)] + variants:
                with self.subTest(name=name, variant=label):
                    data = change(raw)
                    if label != "as it is":
                        self.assertTrue(data != raw, "the variant is the file itself")
                    expect = dict(want)
                    if label == "stamped frame lines":
                        expect["t"] = np.arange(len(want["frames"])) * 0.04
                    attrs = self.assert_same_arrays(self.imported(data), expect)
                    if name in STARTS:
                        self.assertTrue(attrs["session_start_time"].startswith(STARTS[name]),
                                        (attrs["session_start_time"], attrs["session_start_source"]))
                        self.assertNotIn("modification", attrs["session_start_source"])
                    else:  # emed states no date: the file's time, and it says so
                        self.assertIn("modification time", attrs["session_start_source"])
                    if name in ("pedar_example.asc", "stappone_example.csv"):  # strips: no areas in the file
                        self.assertTrue(attrs["sensor_area"].startswith("nominal: 100 mm2"), attrs["sensor_area"])
                    if label.startswith("keys in any case, cm"):
                        self.assertEqual(attrs["VersaPogoFsx"], "0")  # an unknown key kept

    def test_stamped_frames_date_the_session(self):
        with open(os.path.join(FIXTURES, "fscan_testL.asf"), "rb") as f:
            raw = f.read()
        data = tk_stamped(re.sub(rb"TIME [^\r]*\r\n", b"", raw))  # no TIME: the first frame's stamp
        with h5py.File(self.imported(data), "r") as f:
            self.assertTrue(f.attrs["session_start_time"].startswith("2019-12-02T18:21:52.340"),
                            f.attrs["session_start_time"])
            self.assertIn("12/2/2019 6:21:52.34PM", f.attrs["session_start_source"])

    def test_refusals(self):
        with open(os.path.join(FIXTURES, "fscan_testL.asf"), "rb") as f:
            raw = f.read()
        src = os.path.join(self.tmp.name, "rate.asf")
        with open(src, "wb") as f:
            f.write(raw.replace(b"SECONDS_PER_FRAME 0.032", b"SECONDS_PER_FRAME 1e-300"))
        r = self.run_import(src, "-d", self.tmp.name)
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn("line 14: SECONDS_PER_FRAME is no rate", r.stderr)
        # from a pipe: said plainly, nothing written
        r = self.run_import("/dev/stdin", "-o", os.path.join(self.tmp.name, "p.h5"), input=raw.decode("latin-1"))
        self.assertEqual(r.returncode, 66, r.stderr)
        self.assertIn("not a regular file (a pipe?)", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "p.h5")))
        # an unknown file: every format listed, with an example
        src = os.path.join(self.tmp.name, "x.txt")
        with open(src, "w") as f:
            f.write("hello\n")
        r = self.run_import(src, "-d", self.tmp.name)
        self.assertEqual(r.returncode, 65)
        for name in self.registered():
            self.assertRegex(r.stderr, r"(?m)^  %s " % name)
        self.assertNotIn("\ufeff", r.stderr)

    def test_a_file_that_changes_between_the_passes_is_refused(self):
        """A value changed between the checking pass and the writing pass
        (LD_PRELOAD shim: at pressctl's second rewind), its size and
        modification time put back so only the bytes tell: refused, exit
        65, nothing written (it was once stored wrong, 999 kept as 231)."""
        shim = os.path.join(self.tmp.name, "shim.so")
        c = subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", shim,
                            os.path.join(os.path.dirname(__file__), "shims/change_between_passes.c"), "-ldl"],
                           capture_output=True, text=True)
        self.assertEqual(c.returncode, 0, c.stderr)
        with open(os.path.join(FIXTURES, "fscan_testL.asf"), "rb") as f:
            raw = f.read()
        old = b"279,249,469,499,440,368"  # frame 1; the file's largest value is 760
        self.assertEqual(raw.count(old), 1)
        for label, new, why in (("a value larger than any the first pass saw", b"279,249,469,999,440,368",
                                 "has a value the first pass did not see"),
                                ("a value as small as the others", b"279,249,469,498,440,368",
                                 "the file changed while it was read")):
            with self.subTest(label):
                src = os.path.join(self.tmp.name, "walk.asf")
                with open(src, "wb") as f:
                    f.write(raw)
                out = os.path.join(self.tmp.name, "out")
                os.makedirs(out, exist_ok=True)
                env = dict(os.environ, LD_PRELOAD=shim, SHIM_AT="2", SHIM_FILE=src,
                           SHIM_FROM=old.decode(), SHIM_TO=new.decode(), SHIM_KEEP_TIMES="1",
                           ASAN_OPTIONS="verify_asan_link_order=0:" + os.environ.get("ASAN_OPTIONS", ""))
                r = subprocess.run([PRESSCTL, "import", src, "-d", out], capture_output=True, text=True,
                                   timeout=120, env=env)
                self.assertEqual(r.returncode, 65, r.stderr)
                self.assertIn(why, r.stderr)
                self.assertEqual(os.listdir(out), [])
                with open(src, "rb") as f:
                    self.assertTrue(new in f.read(), "the shim did not change the file")
        # and without the shim the same file imports
        r = self.run_import(src, "-d", out)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_conversion_float64_and_older_float32_read_as_the_decimal(self):
        """/frames conversion is float64 (0.01, not 0.00999999978); a file
        written before, with a float32, reads back as the decimal too
        (pressctl export, through the recording library's reader)."""
        out = self.imported(open(os.path.join(FIXTURES, "pliance_test.asc"), "rb").read())
        with h5py.File(out, "r") as f:
            self.assertEqual(f["frames"].attrs["conversion"].dtype, np.float64)
            self.assertEqual(float(f["frames"].attrs["conversion"]), 0.01)
        for dtype in (np.float64, np.float32):
            with self.subTest(str(dtype)):
                with h5py.File(out, "r+") as f:
                    del f["frames"].attrs["conversion"]
                    f["frames"].attrs.create("conversion", 0.01, dtype=dtype)
                csv = os.path.join(self.tmp.name, "csv-%s" % dtype.__name__)
                r = subprocess.run([PRESSCTL, "export", out, "--csv", csv], capture_output=True, text=True,
                                   timeout=120)
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(os.path.join(csv, "recording.csv")) as f:
                    self.assertIn("frames.conversion,0.01\n", f.read())

    def registered(self):
        names = sorted(os.path.basename(p)[:-2] for p in glob.glob(os.path.join(FORMATS_DIR, "*.c")))
        self.assertGreaterEqual(len(names), 6)
        return names

    def test_help_lists_every_format_with_an_example(self):
        r = subprocess.run([PRESSCTL, "import", "--help"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        self.assertIn("--matrix ROWSxCOLS", r.stdout)
        for name in self.registered():
            m = re.search(r"(?m)^  %s .*\n.*\n +e\.g\. \S.*$" % name, r.stdout)
            self.assertIsNotNone(m, (name, r.stdout))

    # --- the plain matrix ------------------------------------------------

    def matrix(self, path, *opts):
        out = os.path.join(self.tmp.name, "m.h5")
        if os.path.exists(out):
            os.unlink(out)
        return self.run_import("--matrix", "32x64", "--rate", "10", "--pitch", "10x12.5", "--unit", "mmHg", *opts,
                               path, "-o", out), out

    def test_plain_matrix_against_numpy(self):
        rng = np.random.default_rng(7)
        frames = rng.integers(0, 400, size=(20, 32, 64)).astype(float)
        frames[::3] += rng.integers(0, 100, size=(7, 32, 64)) / 100  # two decimals on some frames
        fmt = lambda v: ("%.2f" % v).rstrip("0").rstrip(".")
        cases = {
            # name: (text, options, what the file's order makes of the frames)
            "tabs, a trailing tab, a frame a line": (
                "".join("\t".join(fmt(v) for v in fr.ravel()) + "\t\n" for fr in frames), [], frames),
            "commas, CRLF, a frame a block of 32 lines": (
                "\r\n".join("\r\n".join(",".join(fmt(v) for v in row) for row in fr) + "\r\n" for fr in frames), [],
                frames),
            "runs of spaces, down the columns, flipped": (
                "".join("  ".join(fmt(v) for v in fr.T.ravel()) + "\n" for fr in frames),
                ["--order", "cols", "--flip-rows", "--flip-cols"], frames[:, ::-1, ::-1]),
        }
        for label, (text, opts, want_order) in cases.items():
            with self.subTest(label):
                src = os.path.join(self.tmp.name, "pressure.txt")
                with open(src, "w", newline="") as f:
                    f.write(text)
                # the independent parse: numpy's own reader of the text
                sep = "," if "," in text else None
                per_line = 64 if "block" in label else 32 * 64
                flat = np.loadtxt(src, delimiter=sep, usecols=range(per_line))  # a trailing tab: no value
                r, out = self.matrix(src, *opts)
                self.assertEqual(r.returncode, 0, r.stderr)
                with h5py.File(out, "r") as f:
                    got = f["frames"][:] * f["frames"].attrs["conversion"]
                    self.assertEqual(f["frames"].attrs["unit"], "mmHg")
                    self.assertEqual(f["analysis"].attrs["units"], "mmHg")
                    np.testing.assert_allclose(f["t"][:], np.arange(20) * 0.1, atol=1e-9)
                    self.assertAlmostEqual(float(f["device"].attrs["pitch_x_mm"]), 10)
                    self.assertAlmostEqual(float(f["device"].attrs["pitch_y_mm"]), 12.5)
                np.testing.assert_allclose(got, want_order, atol=1e-9)
                if "--order" in opts:
                    parsed = flat.reshape(20, 64, 32).transpose(0, 2, 1)[:, ::-1, ::-1]
                else:
                    parsed = flat.reshape(20, 32, 64)
                np.testing.assert_allclose(got, parsed, atol=1e-9)

    def test_plain_matrix_wrong_geometry_refused_with_its_line(self):
        src = os.path.join(self.tmp.name, "bad.txt")
        rows = ["\t".join(["1"] * 64)] * 32 + ["\t".join(["1"] * 63)] + ["\t".join(["1"] * 64)] * 31
        with open(src, "w") as f:
            f.write("\n".join(rows) + "\n")
        r, out = self.matrix(src)
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn("line 33: 63 values where the lines before had 64", r.stderr)
        self.assertFalse(os.path.exists(out))
        with open(src, "w") as f:
            f.write("\t".join(["1"] * 100) + "\n")
        r, out = self.matrix(src)
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn("line 1: 100 values: a 32x64 matrix has 2048 a line", r.stderr)
        r = self.run_import("--matrix", "32x64", src)
        self.assertEqual(r.returncode, 64)
        self.assertIn("needs --rate, --pitch and --unit", r.stderr)


if __name__ == "__main__":
    unittest.main()
