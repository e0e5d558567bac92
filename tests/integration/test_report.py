#!/usr/bin/python3
"""pressctl report: recordings made with rec_write (the scenario generator
run through the analysis, so the file has holds, pulse sets, glides and
marks), reported as PDF, read back with pdftotext -layout and checked
against what h5py reads from the same file: hold starts, durations, peaks,
reached; pulse set counts and durations; frames and gaps. The maps (as
--maps-csv writes them) against numpy on /frames; the PNG's hottest map
cell where numpy's peak map is hottest; a re-analysis with the file's own
parameters reproducing the recorded events; kPa → mmHg; a roller; the
version 1 fixture; and the inputs that must fail with a message, never a
crash: a truncated copy, not a recording, an empty recording, a file still
being recorded or left unfinished, an output that cannot be made."""
import os
import re
import signal
import subprocess
import time
import unittest

import h5py
import numpy as np

from harness import BIN, TestCase

PRESSCTL = os.path.join(BIN, "pressctl")


def longest_run(mask, gap=3):
    """First and last index of the longest run of True, bridging runs of
    at most `gap` False (the map's grid lines)."""
    idx = np.nonzero(mask)[0]
    best, start = (0, -1), None
    for k, i in enumerate(idx):
        if start is None:
            start = i
        if k + 1 == len(idx) or idx[k + 1] - i > gap + 1:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def colour_map_top():
    """The colour of the top of the scale, from its one home (model/colour_map.h)."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "model", "colour_map.h")) as f:
        triples = re.findall(r"\{\s*(\d+),\s*(\d+),\s*(\d+)\s*\}", f.read())
    return [int(v) for v in triples[-1]]
REC_WRITE = os.environ.get("REC_WRITE", "")
FIXTURE_V1 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "recording-v1",
                          "mat0-20260921T141320Z.h5")
MMHG_PER_KPA = 7.50062
FOOTER = re.compile(r"^\s*pressd \S+ session report — .* — page \d+\s*$")


def rec_write(tc, *args):
    d = os.path.join(tc.tmp.name, "rec%d" % len(os.listdir(tc.tmp.name)))
    os.mkdir(d)
    p = subprocess.run([REC_WRITE, "--no-sync", *args, d], capture_output=True, text=True, timeout=300)
    tc.assertEqual(p.returncode, 0, p.stderr)
    return re.search(r"^path (.*)$", p.stdout, re.M).group(1)


def report(tc, files, out, *args, rc=0):
    p = subprocess.run([PRESSCTL, "report", *files, "-o", out, *args], capture_output=True, text=True, timeout=300)
    tc.assertEqual(p.returncode, rc, p.stderr)
    return p


def pdf_text(path):
    t = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True).stdout
    return [l for l in t.splitlines() if l.strip() and not FOOTER.match(l)]


def section(lines, start, end):
    i = next(k for k, l in enumerate(lines) if l.strip().startswith(start))
    j = next(k for k, l in enumerate(lines) if k > i and l.strip().startswith(end))
    return [" ".join(l.split()) for l in lines[i:j]]


HOLD = re.compile(r"hold (\d+) start ([\d.]+) s ([\d.]+) s of ([\d.]+) s (reached|not reached) peak ([\d.]+) "
                  r"mean ([\d.]+) impulse ([\d.]+)")
PULSES = re.compile(r"pulses (\d+) start ([\d.]+) s count (\d+)")


def parse_dose(lines):
    """holds {n: (start, duration, target, reached, peak, mean)}, pulses {n: (start, count, [durations])}"""
    holds, pulses, last = {}, {}, None
    for l in (" ".join(x.split()) for x in lines):
        m = HOLD.search(l)
        if m:
            holds[int(m[1])] = (float(m[2]), float(m[3]), float(m[4]), m[5] == "reached", float(m[6]), float(m[7]))
        m = PULSES.search(l)
        if m:
            last = int(m[1])
            pulses[last] = (float(m[2]), int(m[3]), [])
        elif l.startswith("durations") and last is not None:
            pulses[last][2].extend(float(x) for x in l.split("durations")[1].split(" s (vs")[0].split())
    return holds, pulses


def numpy_maps(path):
    """peak, pressure-time integral and time under pressure, as docs/report.md defines them"""
    with h5py.File(path, "r") as f:
        fr = f["frames"][:].astype(np.float32)
        t = f["t"][:]
        conv = float(f["frames"].attrs["conversion"])
        unit = f["frames"].attrs["unit"]
        unit = unit.decode() if isinstance(unit, bytes) else str(unit)
        tare = f["tare"][:] if "tare" in f else np.zeros((0,) + fr.shape[1:])
        tare_t = f["tare_t"][:] if "tare_t" in f else np.full(len(tare), np.nan)
        dev = f["device"].attrs
        rate, fs = float(dev["rate_hz"]), float(dev["full_scale"])
        noise = f["analysis"].attrs["noise"] if "analysis" in f and "noise" in f["analysis"].attrs else "1%"
    noise = noise.decode() if isinstance(noise, bytes) else str(noise)
    if unit == "counts":
        conv = 1.0
    tare_t = np.where(np.isnan(tare_t), -np.inf, tare_t)
    k = np.searchsorted(tare_t, t, side="right") - 1
    for i in range(len(tare)):
        fr[k == i] -= tare[i]
    p = np.clip(fr, 0, None) * conv
    thr = float(noise[:-1]) / 100 * fs * conv if noise.endswith("%") else float(noise)
    dt = 1.0 / rate
    return p.max(axis=0), p.sum(axis=0, dtype=np.float64) * dt, ((p > 0) & (p >= thr)).sum(axis=0) * dt


@unittest.skipUnless(REC_WRITE and os.path.exists(REC_WRITE), "needs rec_write")
class ReportTest(TestCase):
    def check_against_h5(self, path, lines, factor=1.0):
        """the dose table's holds and pulse sets, and the data-quality numbers, equal the file's"""
        with h5py.File(path, "r") as f:
            t0 = f["t"][0]
            holds = f["events/holds"][:]
            pulses = f["events/pulses"][:]
            pd_rows = f["events/pulse_durations"][:] if "events/pulse_durations" in f else None
            nframes = f["frames"].shape[0]
            gaps = f["gaps"][:]
        dose = section(lines, "Dose per site", "Data quality")
        th, tp = parse_dose(dose)
        self.assertEqual(sorted(th), list(range(1, len(holds) + 1)))
        for i, h in enumerate(holds):
            start, dur, target, reached, peak, mean = th[i + 1]
            self.assertAlmostEqual(start, h["t_start"] - t0, delta=0.0051)
            self.assertAlmostEqual(dur, h["duration"], delta=0.0051)
            self.assertEqual(target, h["target_s"])
            self.assertEqual(reached, bool(h["reached"]))
            self.assertAlmostEqual(peak, h["peak"] * factor, delta=0.051)
            self.assertAlmostEqual(mean, h["mean"] * factor, delta=0.051)
        self.assertEqual(sorted(tp), list(range(1, len(pulses) + 1)))
        for i, p in enumerate(pulses):
            start, count, durs = tp[i + 1]
            self.assertAlmostEqual(start, p["t_start"] - t0, delta=0.0051)
            self.assertEqual(count, p["count"])
            want = ([r["duration"] for r in pd_rows if r["pulse_id"] == p["id"]] if pd_rows is not None
                    else [d for d in p["durations"] if not np.isnan(d)])
            self.assertEqual(len(durs), min(len(want), 64))
            for a, b in zip(durs, want):
                self.assertAlmostEqual(a, b, delta=0.0051)
        q = " ".join(section(lines, "Data quality", "Analysis parameters"))
        m = re.search(r"Frames (\d+) recorded, (\d+) lost in (\d+) gaps", q)
        self.assertEqual((int(m[1]), int(m[2]), int(m[3])), (nframes, int(gaps["missing"].sum()), len(gaps)))
        return th, tp

    def check_maps(self, path, mapdir, factor=1.0):
        stem = os.path.splitext(os.path.basename(path))[0]
        peak, pti, tup = numpy_maps(path)
        for name, want in (("peak", peak * factor), ("pti", pti * factor), ("tup", tup)):
            got = np.loadtxt(os.path.join(mapdir, stem + "_" + name + ".csv"), delimiter=",", ndmin=2)
            np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6, err_msg=name)
        return peak

    def test_holds_and_pulses_pdf(self):
        path = rec_write(self, "--events", "--drop-every", "2500", "--meta", "subject=S01", "--meta", "session=3",
                         "--meta", "notes=left calf")
        out, maps = os.path.join(self.tmp.name, "r.pdf"), os.path.join(self.tmp.name, "maps")
        t = time.monotonic()
        report(self, [path], out, "--maps-csv", maps)
        elapsed = time.monotonic() - t
        lines = pdf_text(out)
        text = "\n".join(lines)
        self.assertIn("Session report: S01, session 3", text)
        self.assertIn("Notes: left calf", text)
        self.assertIn("values are raw counts", text)
        th, tp = self.check_against_h5(path, lines)
        self.assertGreaterEqual(len(th), 4)
        self.assertTrue(any(n == 12 for _, n, _ in tp.values()))
        self.assertIn("noise 1% recorded in the file", " ".join(" ".join(l.split()) for l in lines))
        peak = self.check_maps(path, maps)
        # the hottest cell is where a hold was
        with h5py.File(path, "r") as f:
            holds = f["events/holds"][:]
            pitch = float(f["device"].attrs["pitch_x_mm"])
        r, c = np.unravel_index(np.argmax(peak), peak.shape)
        d = np.hypot(holds["x"] / pitch - c, holds["y"] / pitch - r).min()
        self.assertLess(d, 1.5, "peak map hottest at (%d, %d), no hold there" % (r, c))
        with h5py.File(path, "r") as f:
            print("report of %d frames of %s cells: %.2f s" % (f["frames"].shape[0], f["frames"].shape[1:], elapsed))

    def test_png_and_svg(self):
        from PIL import Image
        path = rec_write(self, "--events")
        png, svg = os.path.join(self.tmp.name, "r.png"), os.path.join(self.tmp.name, "r.svg")
        report(self, [path], png)
        report(self, [path], svg)
        with open(svg) as fp:
            s = fp.read()
        self.assertIn("<svg", s)
        im = np.asarray(Image.open(png).convert("RGB")).astype(float) / 255
        self.assertEqual(im.shape[2], 3)
        self.assertAlmostEqual(im.shape[0] / im.shape[1], 297 / 210, delta=0.01)  # A4
        # Coarsely: the left map is the square of map colours in the page's
        # upper half, left side; its pixel nearest the colour map's top
        # colour (inferno's pale yellow, model/colour_map.h: the pages'
        # too) must fall on a cell whose peak (numpy, on /frames) is within
        # 3 % of the highest.
        h, w = im.shape[:2]
        top = im[: h * 3 // 5, : w // 2]
        # the map's background is the scale's bottom (near black): the rows
        # and then the columns that are mostly that are the map (text is
        # thin, the colour bar below it bright)
        dark = top.max(axis=2) < 0.2
        y0, y1 = longest_run(dark.mean(axis=1) > 0.3)
        x0, x1 = longest_run(dark[y0:y1 + 1].mean(axis=0) > 0.3)
        self.assertAlmostEqual((y1 - y0) / (x1 - x0), 1, delta=0.05)  # a square map of a square mat
        peak, _, _ = numpy_maps(path)
        region = top[y0:y1 + 1, x0:x1 + 1]
        top_colour = np.array(colour_map_top()) / 255
        dist = np.abs(region - top_colour).sum(axis=2)
        py, px = np.unravel_index(np.argmin(dist), dist.shape)
        n = peak.shape[1]
        r, c = int(py / region.shape[0] * n), int(px / region.shape[1] * n)
        # within a cell of it: the map's bounds are found from its colours,
        # so the pixel-to-cell mapping may be off by one at a sharp peak
        near = peak[max(r - 1, 0):r + 2, max(c - 1, 0):c + 2]
        self.assertGreaterEqual(near.max(), 0.97 * peak.max(), (r, c, peak[r, c], near.max(), peak.max()))

    def test_reanalysis_reproduces_recorded_events(self):
        path = rec_write(self, "--events", "--tare-at", "3000", "--set-at", "4000:contact_on=5%")
        a, b = os.path.join(self.tmp.name, "a.pdf"), os.path.join(self.tmp.name, "b.pdf")
        report(self, [path], a)
        report(self, [path], b, "--set", "analysis.noise=1%")  # the file's own value: re-analysed, same events
        la, lb = pdf_text(a), pdf_text(b)
        self.assertIn("as recorded", "\n".join(la))
        self.assertIn("re-analysed with --set", "\n".join(lb))
        self.assertEqual(section(la, "Dose per site", "Data quality"), section(lb, "Dose per site", "Data quality"))
        self.check_against_h5(path, lb)
        self.assertIn("noise 1% --set", " ".join(" ".join(l.split()) for l in lb))
        self.assertIn("changed during the session at", "\n".join(lb))
        # a parameter that matters: holds need 20 s settled now
        c = os.path.join(self.tmp.name, "c.pdf")
        report(self, [path], c, "--set", "analysis.hold_min_s=20")
        th, _ = parse_dose(section(pdf_text(c), "Dose per site", "Data quality"))
        with h5py.File(path, "r") as f:
            want = sum(1 for h in f["events/holds"][:] if h["duration"] >= 20)
        self.assertEqual(len(th), want)
        self.assertTrue(all(d >= 20 for _, d, _, _, _, _ in th.values()))

    def test_kpa_in_mmhg(self):
        path = rec_write(self, "--events", "--calibrated", "kPa:0.05")
        out, maps = os.path.join(self.tmp.name, "k.pdf"), os.path.join(self.tmp.name, "maps")
        report(self, [path], out, "--unit", "mmHg", "--maps-csv", maps)
        lines = pdf_text(out)
        text = "\n".join(lines)
        self.assertIn("Calibration: calibrated, mmHg", text)
        self.assertIn("Total force over time", text)
        self.check_against_h5(path, lines, factor=MMHG_PER_KPA)
        self.check_maps(path, maps, factor=MMHG_PER_KPA)
        # --unit on a file in counts: said, not silently wrong
        raw = rec_write(self, "--frames", "500")
        p = report(self, [raw], os.path.join(self.tmp.name, "c.pdf"), "--unit", "kPa")
        self.assertIn("does not apply", p.stderr)
        self.assertIn("--unit kPa does not apply", "\n".join(pdf_text(os.path.join(self.tmp.name, "c.pdf"))))

    def test_roller(self):
        path = rec_write(self, "--events", "--kind", "roller")
        out = os.path.join(self.tmp.name, "roller.pdf")
        report(self, [path], out)
        lines = pdf_text(out)
        with h5py.File(path, "r") as f:
            rolls = f["events/rolls"][:]
        regions = [" ".join(l.split()) for l in lines if l.strip().startswith("Region")]
        self.assertTrue(regions)
        n = sum(int(re.search(r"rolls (\d+)", r)[1]) for r in regions)
        self.assertEqual(n, len(rolls))
        self.check_against_h5(path, lines)

    def test_several_files_and_v1(self):
        path = rec_write(self, "--events", "--meta", "subject=S02")
        out = os.path.join(self.tmp.name, "two.pdf")
        report(self, [FIXTURE_V1, path], out)
        lines = pdf_text(out)
        text = "\n".join(lines)
        self.assertIn("session v1-fixture", text)
        self.assertIn("Session report: S02", text)
        self.assertIn("format 1", text)
        self.assertIn("A format 1 file does not record its parameters", text)
        # the v1 section alone, against its file
        v1 = os.path.join(self.tmp.name, "v1.pdf")
        report(self, [FIXTURE_V1], v1)
        self.check_against_h5(FIXTURE_V1, pdf_text(v1))

    def test_bad_inputs(self):
        good = rec_write(self, "--frames", "3000", "--events")
        out = os.path.join(self.tmp.name, "x.pdf")
        not_h5 = os.path.join(self.tmp.name, "notes.h5")
        with open(not_h5, "w") as fp:
            fp.write("not an HDF5 file\n")
        other = os.path.join(self.tmp.name, "other.h5")
        with h5py.File(other, "w") as f:
            f["x"] = np.arange(3)
        trunc = os.path.join(self.tmp.name, "trunc.h5")
        with open(good, "rb") as fp, open(trunc, "wb") as o:
            o.write(fp.read()[: os.path.getsize(good) // 2])
        empty = rec_write(self, "--frames", "0")
        for bad, why in ((not_h5, ""), (other, ""), (trunc, ""), (empty, "empty recording"),
                         (os.path.join(self.tmp.name, "missing.h5"), "")):
            p = report(self, [good, bad], out, rc=1)
            self.assertIn(bad, p.stderr)
            self.assertIn(why, p.stderr)
            self.assertNotIn("Traceback", p.stderr)
            self.assertFalse(os.path.exists(out))
            self.assertFalse(os.path.exists(out + ".partial"))
        # usage
        for args in ([good], [good, "-o", os.path.join(self.tmp.name, "x.txt")], ["-o", out],
                     [good, "-o", out, "--unit", "psi"], [good, "-o", out, "--set", "analysis.nope=1"],
                     [good, "-o", out, "--set", "noise"]):
            p = subprocess.run([PRESSCTL, "report", *args], capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 64, (args, p.stderr))
        # an output that cannot be made
        p = report(self, [good], os.path.join(self.tmp.name, "no", "dir.pdf"), rc=73)
        self.assertIn("dir.pdf", p.stderr)

    def test_live_and_unfinished(self):
        d = os.path.join(self.tmp.name, "live")
        os.mkdir(d)
        w = subprocess.Popen([REC_WRITE, "--slow", "--frames", "6000", "--events", d], stdout=subprocess.PIPE,
                             text=True)
        self.procs.append(w)
        path = re.search(r"^path (.*)$", w.stdout.readline()).group(1)
        self.assertTrue(w.stdout.readline().startswith("flushed"))
        out = os.path.join(self.tmp.name, "live.pdf")
        p = report(self, [path], out, rc=1)
        self.assertIn("still being recorded", p.stderr)
        w.send_signal(signal.SIGKILL)
        w.wait()
        p = report(self, [path], out, rc=1)
        self.assertIn("pressctl recover", p.stderr)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
