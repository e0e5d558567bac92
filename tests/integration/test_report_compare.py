#!/usr/bin/python3
"""pressctl report with several files: the comparison page and every page
of an SVG or PNG.

Sessions recorded with rec_write (the scenario generator through the
analysis) on different days, given out of order: pulses, a hold at the
same spot, two contacts elsewhere, and a hold on a smaller mat. The
comparison page, read back with pdftotext -layout, must list them in time
order, leave the smaller mat out (and say so), and give per site and
session the numbers the files' /events tables give, with the sites
matched again here in a few lines (single linkage within pulse_radius_mm,
as docs/report.md defines it). Files of different subjects are warned
about. An SVG or PNG report has one file per page (OUT, OUT-2, ...), each
a valid SVG (XML) or PNG (PIL), the PDF's page count of them; a run that
fails part-way (a file size limit) leaves no page and no .partial, and
the previous report of that name as it was."""
import glob
import os
import re
import resource
import signal
import subprocess
import unittest
import xml.etree.ElementTree as ET

import h5py
import numpy as np

from harness import TestCase
from test_report import PRESSCTL, REC_WRITE, pdf_text, rec_write, report

DAY = 86400
START = 1790000000  # 2026-09-21T14:13:20Z


def link(points, radius):
    """single linkage: cluster labels 0, 1... in the order of each cluster's first point"""
    parent = list(range(len(points)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i
    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            if np.hypot(points[i][0] - points[j][0], points[i][1] - points[j][1]) <= radius:
                a, b = find(i), find(j)
                parent[max(a, b)] = min(a, b)
    labels, out = {}, []
    for i in range(len(points)):
        out.append(labels.setdefault(find(i), len(labels)))
    return out


def session_sites(path):
    """the file's sites as dose.c makes them, each with what it got, in order of their first event"""
    with h5py.File(path, "r") as f:
        ev = {k: f["events/" + k][:] for k in ("presses", "holds", "pulses", "strokes")}
        durs = f["events/pulse_durations"][:]
        radius = float(f["analysis"].attrs["pulse_radius_mm"])
    pts = ([(e["x"], e["y"], e["t_start"], "press", e) for e in ev["presses"]]
           + [(e["x"], e["y"], e["t_start"], "hold", e) for e in ev["holds"]]
           + [(e["x"], e["y"], e["t_start"], "pulses", e) for e in ev["pulses"]]
           + [((e["x0"] + e["x1"]) / 2, (e["y0"] + e["y1"]) / 2, e["t"] - e["duration"], "stroke", e)
              for e in ev["strokes"]])
    sites = {}
    for p, k in zip(pts, link(pts, radius)):
        sites.setdefault(k, []).append(p)
    out = []
    for members in sorted(sites.values(), key=lambda m: min(p[2] for p in m)):
        of = lambda kind: [p[4] for p in members if p[3] == kind]
        holds, sets, strokes = of("hold"), of("pulses"), of("stroke")
        fullest = max(sets, key=lambda s: s["count"], default=None)
        out.append(dict(
            x=np.mean([p[0] for p in members]), y=np.mean([p[1] for p in members]),
            compression=sum(e["duration"] for e in of("press")),
            holds=(sum(bool(h["reached"]) for h in holds), len(holds)),
            longest=max(((h["duration"], h["target_s"]) for h in holds), default=None),
            sets=len(sets),
            fullest=None if fullest is None else
            (int(fullest["count"]), np.mean([d["duration"] for d in durs if d["pulse_id"] == fullest["id"]])),
            glides=len(strokes), max_pass=max((int(s["pass"]) for s in strokes), default=0),
            peak=max([e["peak"] for e in of("press") + holds + strokes], default=0.0)))
    return out, radius


def contents(paths):
    out = {}
    for p in paths:
        with open(p, "rb") as fp:
            out[p] = fp.read()
    return out


def parse_compare(lines):
    """{'order': [file names], 'totals': {row: [values]}, 'sites': [(x, y, {row: [values]})]} of the comparison page"""
    start = next(i for i, l in enumerate(lines) if l.startswith("Sessions compared"))
    end = next(i for i, l in enumerate(lines) if l.startswith("Session report:"))
    page = lines[start:end]
    cols = lambda l: re.split(r"\s{2,}", l.strip())
    order = [cols(l)[-1] for l in page if re.match(r"^\d+\s+\d{4}-\d\d-\d\d ", l)]
    totals, sites, cur = {}, [], None
    for l in page:
        c = cols(l)
        if c[0] == "Session" and len(c) > 1:
            cur = totals
        elif c[0].startswith("Site "):
            m = re.match(r"Site \d+ x ([-\d.]+) y ([-\d.]+) mm", " ".join(c[0].split()))
            cur = {}
            sites.append((float(m[1]), float(m[2]), cur))
        elif cur is not None and l.startswith("  ") and len(c) > 1:
            cur[c[0]] = c[1:]
    return dict(order=order, totals=totals, sites=sites, text="\n".join(page))


@unittest.skipUnless(REC_WRITE and os.path.exists(REC_WRITE), "needs rec_write")
class CompareTest(TestCase):
    def sessions(self, subject_c="S01"):
        """four recordings, a day apart: pulses, hold (same spot), two (elsewhere), a hold on 16 x 16"""
        a = rec_write(self, "--scenario", "pulses", "--events", "--drop-every", "1500", "--start-utc", str(START),
                      "--meta", "subject=S01", "--meta", "session=1")
        b = rec_write(self, "--scenario", "hold", "--events", "--start-utc", str(START + DAY),
                      "--meta", "subject=S01", "--meta", "session=2")
        c = rec_write(self, "--scenario", "two", "--events", "--start-utc", str(START + 2 * DAY),
                      "--meta", "subject=" + subject_c, "--meta", "session=3")
        d = rec_write(self, "--scenario", "hold", "--events", "--rows", "16", "--cols", "16",
                      "--start-utc", str(START + 3 * DAY), "--meta", "subject=S01", "--meta", "session=4")
        return a, b, c, d

    def test_comparison_page(self):
        a, b, c, d = self.sessions()
        out = os.path.join(self.tmp.name, "cmp.pdf")
        p = report(self, [c, a, d, b], out)  # out of order on purpose
        self.assertNotIn("warning", p.stderr)
        lines = pdf_text(out)
        page = parse_compare(lines)
        self.assertEqual(page["order"], [os.path.basename(x) for x in (a, b, c, d)])
        self.assertNotIn("Warning", page["text"])
        self.assertIn("Session 4 is not compared", page["text"])
        self.assertIn("16 x 16 mat", page["text"])
        # the sections follow in the same (time) order
        titles = [l.split("session ")[-1] for l in lines if l.startswith("Session report:")]
        self.assertEqual(titles, ["1", "2", "3", "4"])

        # the sessions' totals, against /t, /gaps and /events/presses
        compared = [a, b, c]
        for k, path in enumerate(compared):
            with h5py.File(path, "r") as f:
                t = f["t"][:]
                rate = float(f["device"].attrs["rate_hz"])
                gaps = f["gaps"][:]
                presses = f["events/presses"][:]
            tot = page["totals"]
            self.assertAlmostEqual(float(tot["length s"][k]), t[-1] - t[0] + 1 / rate, delta=0.0051)
            self.assertAlmostEqual(float(tot["compression s (all sites)"][k]), presses["duration"].sum(),
                                   delta=0.0051)
            self.assertEqual(tot["frames lost/gaps"][k], "%d/%d" % (gaps["missing"].sum(), len(gaps)))
        self.assertNotEqual(page["totals"]["frames lost/gaps"][0], "0/0")  # the gaps are there to be seen

        # the sites, matched again: each session's sites, then across sessions
        per = [session_sites(path) for path in compared]
        radius = min(r for _, r in per)
        flat = [(s["x"], s["y"], k, s) for k, (sites, _) in enumerate(per) for s in sites]
        labels = link(flat, radius)
        want = {}
        for (x, y, k, s), lab in zip(flat, labels):
            w = want.setdefault(lab, dict(xy=[], cells={}))
            w["xy"].append((x, y))
            self.assertNotIn(k, w["cells"], "two sites of one session in one: not in these scenarios")
            w["cells"][k] = s
        self.assertEqual(len(page["sites"]), len(want))
        self.assertGreaterEqual(len(want), 3)
        # pulses and hold share their spot: one site has both sessions
        self.assertTrue(any({0, 1} <= set(w["cells"]) for w in want.values()))
        for (x, y, rows), lab in zip(page["sites"], sorted(want)):
            w = want[lab]
            self.assertAlmostEqual(x, np.mean([p[0] for p in w["xy"]]), delta=0.051)
            self.assertAlmostEqual(y, np.mean([p[1] for p in w["xy"]]), delta=0.051)
            for k in range(len(compared)):
                s = w["cells"].get(k)
                got = {name: vals[k] for name, vals in rows.items()}
                if s is None:
                    self.assertTrue(all(v == "-" for v in got.values()), got)
                    continue
                self.assertAlmostEqual(float(got["compression s"]), s["compression"], delta=0.0051)
                self.assertEqual(got["holds reached/all"], "%d/%d" % s["holds"])
                if s["longest"] is None:
                    self.assertEqual(got["longest hold s/target s"], "none")
                else:
                    dur, target = got["longest hold s/target s"].split("/")
                    self.assertAlmostEqual(float(dur), s["longest"][0], delta=0.0051)
                    self.assertEqual(float(target), s["longest"][1])
                self.assertEqual(int(got["pulse sets"]), s["sets"])
                if s["fullest"] is None:
                    self.assertEqual(got["fullest set presses x mean s"], "none")
                else:
                    n, mean = got["fullest set presses x mean s"].split("x")
                    self.assertEqual(int(n), s["fullest"][0])
                    self.assertAlmostEqual(float(mean), s["fullest"][1], delta=0.0051)
                self.assertEqual(int(got["glides"]), s["glides"])
                self.assertEqual(int(got["highest glide pass"]), s["max_pass"])
                self.assertAlmostEqual(float(got["peak counts"]), s["peak"], delta=0.051)

    def test_different_subjects_warned(self):
        a, b, c, _ = self.sessions(subject_c="S02")
        out = os.path.join(self.tmp.name, "mixed.pdf")
        p = report(self, [a, b, c], out)
        self.assertIn("warning", p.stderr)
        self.assertIn("S02", p.stderr)
        page = parse_compare(pdf_text(out))
        self.assertIn("Warning: these files are not all of one subject", page["text"])
        self.assertIn("by session: S01: 1, 2; S02: 3", page["text"])
        self.assertNotIn("not compared", page["text"])

    def pages(self, out):
        stem, ext = os.path.splitext(out)
        return [out] + sorted(glob.glob(stem + "-*" + ext), key=lambda n: int(n[len(stem) + 1:-len(ext)]))

    def test_every_page_of_svg_and_png(self):
        from PIL import Image
        a, b, _, _ = self.sessions()
        pdf = os.path.join(self.tmp.name, "r.pdf")
        report(self, [a, b], pdf)
        n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", pdf], capture_output=True, text=True,
                                                            check=True).stdout)[1])
        self.assertGreaterEqual(n, 3)
        for ext in ("svg", "png"):
            out = os.path.join(self.tmp.name, "r." + ext)
            report(self, [a, b], out)
            stem = out[:-len(ext) - 1]
            want = [out] + ["%s-%d.%s" % (stem, k, ext) for k in range(2, n + 1)]
            self.assertEqual(self.pages(out), want)
            for k, page in enumerate(want):
                if ext == "svg":
                    root = ET.parse(page).getroot()
                    self.assertEqual(root.tag, "{http://www.w3.org/2000/svg}svg")
                else:
                    with Image.open(page) as im:
                        im.verify()
                    with Image.open(page) as im:
                        self.assertAlmostEqual(im.size[1] / im.size[0], 297 / 210, delta=0.01)
            # a shorter report under the same name: no page of the longer one left
            report(self, [a], out)
            self.assertLess(len(self.pages(out)), n)
            self.assertEqual(glob.glob(os.path.join(self.tmp.name, "*.partial")), [])

    def test_failure_leaves_no_page(self):
        a, b, _, _ = self.sessions()
        for ext in ("svg", "png"):
            out = os.path.join(self.tmp.name, "f." + ext)
            report(self, [a], out)  # an earlier report of that name
            before = contents(self.pages(out))
            # a limit the first page fits under and a later one does not:
            # the run fails part-way, with a page complete already
            scratch = os.path.join(self.tmp.name, "scratch." + ext)
            report(self, [a, b], scratch)
            sizes = [os.path.getsize(q) for q in self.pages(scratch)]
            limit = sizes[0] + 1
            self.assertLess(limit, max(sizes))

            def small_files():
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG, not a signal
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            p = subprocess.run([PRESSCTL, "report", a, b, "-o", out], capture_output=True, text=True, timeout=300,
                               preexec_fn=small_files)
            self.assertEqual(p.returncode, 73, p.stderr)
            self.assertIn("cannot write", p.stderr)
            self.assertEqual(glob.glob(os.path.join(self.tmp.name, "*.partial")), [])
            self.assertEqual(contents(self.pages(out)), before)


if __name__ == "__main__":
    unittest.main()
