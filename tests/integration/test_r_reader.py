#!/usr/bin/python3
"""R/pressd.R (hdf5r) against recordings.

RReaderV2 needs no C build: it writes files per docs/recording.md
(format_version 2, and one v1-shaped file) with h5py, runs one Rscript over
all of them and checks what R prints against what numpy computes: frames
[N, rows, cols] in physical units (per-cell sums, one whole frame), a
roller's [N, 1, cols], events as one-row-per-event data frames (empty ones
too), pulse_durations (v1's durations array turned into the same table),
settings, the tare [K, rows, cols], /analysis, and pressd_to_pressure (tare
in force per frame, noise floor, kPa, pressuRe's layout). RReaderLive
reads a file h5py holds open in SWMR mode, twice while it grows.

RReader (the v1 route) reads a real recording written by recording/
through tests/tools/rec_write (REC_WRITE)."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

REC_WRITE = os.environ.get("REC_WRITE", "")
R_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "R")
RSCRIPT = shutil.which("Rscript")


def _have_hdf5r():
    if not RSCRIPT:
        return False
    p = subprocess.run([RSCRIPT, "-e", "library(hdf5r)"], capture_output=True, timeout=60)
    return p.returncode == 0


HAVE_R = _have_hdf5r()


def rscript(code, **env):
    e = dict(os.environ, R_DIR=R_DIR, **env)
    return subprocess.run([RSCRIPT, "-e", code], capture_output=True, text=True, timeout=60, env=e)


# ---- files per docs/recording.md ------------------------------------------

def S(n):
    return h5py.string_dtype("utf-8", n)


COMMON = [("seq", "<u8"), ("t", "<f8"), ("time", "<f8"), ("frame", "<u4")]
UNITS = ("units", S(8))


def F(*names):
    return [(n, "<f8") for n in names]


def U(*names):
    return [(n, "<u4") for n in names]


TABLES = {
    "presses": COMMON + U("id", "contact") + F("t_start", "duration", "peak", "mean", "impulse", "x", "y") + [UNITS],
    "holds": COMMON + U("id", "contact") + F("x", "y", "t_start", "duration", "peak", "mean", "impulse",
                                             "drift_mm", "target_s") + [("reached", np.bool_), UNITS],
    "pulses": COMMON + U("id") + F("x", "y") + U("count") + F("t_start", "t_end") + [UNITS] + F("mean_peak"),
    "strokes": COMMON + U("id", "contact") + F("x0", "y0", "x1", "y1", "length_mm", "duration", "speed_mm_s",
                                               "direction_deg", "mean", "peak") + U("pass") + [UNITS],
    "rolls": COMMON + U("id") + F("from_mm", "to_mm", "length_mm", "duration", "speed_mm_s") +
    [("direction", "<i4")] + F("mean_force", "peak_force", "peak_axis_mm") + [UNITS],
    "marks": [("seq", "<u8"), ("time", "<f8"), ("label", S(128))],
    "settings": F("t") + U("frame") + [("key", S(32)), ("value", S(64))],
    "pulse_durations": U("pulse_id", "index") + F("duration"),
}
V1_PULSES = COMMON + U("id") + F("x", "y") + U("count") + [("durations", "<f8", (64,))] + \
    F("t_start", "t_end") + [UNITS] + F("mean_peak")

ANALYSIS = {"noise": "1%", "contact_on": "4%", "contact_off": "2%", "release_s": 0.1, "min_separation_mm": 20.0,
            "contact_rate_hz": 10.0, "press_min_s": 0.25, "hold_min_s": 3.0, "hold_radius_mm": 10.0,
            "hold_target_s": 30.0, "pulse_radius_mm": 15.0, "pulse_gap_s": 20.0, "stroke_min_mm": 40.0,
            "tare_at_start": False}


def table(name, rows, version=2):
    dt = np.dtype(V1_PULSES if (version == 1 and name == "pulses") else TABLES[name])
    a = np.zeros(len(rows), dt)
    for i, r in enumerate(rows):
        for k, v in r.items():
            a[k][i] = v.encode() if isinstance(v, str) else v
    return a


def extendible(f, name, data, chunk=16):
    return f.create_dataset(name, data=data, maxshape=(None,) + data.shape[1:],
                            chunks=(chunk,) + data.shape[1:])


class Rec:
    """One recording's content; write() lays it out as pressd does."""

    def __init__(self, name, rows, cols, n, unit="kPa", conversion=0.25, cell_bits=16, full_scale=4095,
                 kind="mat", version=2, tares=(), events=None, analysis=None, meta=None, seed=1):
        rng = np.random.default_rng(seed)
        self.name, self.rows, self.cols, self.unit, self.kind, self.version = name, rows, cols, unit, kind, version
        self.conversion = np.float32(conversion)
        self.full_scale, self.cell_bits = full_scale, cell_bits
        self.pitch = (np.float32(7.62), np.float32(5.08))
        self.rate = np.float32(50)
        self.tares = list(tares)
        self.events = events or {}
        self.analysis = analysis
        self.meta = meta or {}
        self.frames = self.make_frames(rng, n)
        self.t = 100.0 + np.arange(n) / float(self.rate)
        self.time = 1.79e9 + np.arange(n) / float(self.rate)
        self.encoder = (np.arange(n) * 7).astype("<i4")

    def make_frames(self, rng, n, start=0):
        # A low noisy floor (cells under the noise floor and over it) and a
        # column well above it that moves along the mat.
        x = rng.integers(0, 90, size=(n, self.rows, self.cols))
        for i in range(n):
            x[i, :, (start + i) % self.cols] += min(1500, self.full_scale // 2) + 4 * (i % 7)
        return np.minimum(x, self.full_scale).astype("<u2" if self.cell_bits == 16 else "u1")

    @property
    def path(self):
        return os.path.join(self.dir, self.name + ".h5")

    def write(self, d, f=None):
        self.dir = d
        own = f is None
        f = f or h5py.File(self.path, "w", libver="latest")
        f.attrs.update({"format": "pressd-recording", "format_version": np.uint32(self.version),
                        "software": "pressd 0.0.0", "device_id": self.name,
                        "session_start_time": "2026-09-21T14:13:20Z"})
        f.attrs.update(self.meta)
        dev = f.create_group("device")
        dev.attrs.update({"kind": self.kind, "model": "test", "serial": "1", "firmware": "1", "protocol": "ascii",
                          "uri": "sim:", "rows": np.uint32(self.rows), "cols": np.uint32(self.cols),
                          "pitch_x_mm": self.pitch[0], "pitch_y_mm": self.pitch[1], "rate_hz": self.rate,
                          "cell_bits": np.uint32(self.cell_bits), "full_scale": np.uint32(self.full_scale)})
        if self.kind == "roller":
            dev.attrs.update({"radius_mm": np.float32(30), "counts_per_rev": np.uint32(1024)})
        if self.analysis is not None:
            an = f.create_group("analysis")
            an.attrs.update(self.analysis)
        fr = extendible(f, "frames", self.frames, 4)
        fr.attrs.update({"unit": self.unit, "conversion": self.conversion, "description": "raw cells"})
        extendible(f, "frame_seq", np.arange(len(self.t), dtype="<u4"))
        for k in ("t", "time"):
            extendible(f, k, getattr(self, k)).attrs.update({"unit": "seconds", "description": k})
        if self.kind == "roller":
            extendible(f, "encoder", self.encoder)
        extendible(f, "gaps", np.zeros(0, [("after_seq", "<u4"), ("missing", "<u4")]))
        if self.version == 2:
            tare = np.array([a for _, a in self.tares], "<f4").reshape(-1, self.rows, self.cols)
            extendible(f, "tare", tare, 1)
            extendible(f, "tare_t", np.array([t for t, _ in self.tares], "<f8"))
        elif self.tares:
            f["tare"] = np.asarray(self.tares[0][1], "<f4")
        ev = f.create_group("events")
        names = [n for n in TABLES if self.version == 2 or n not in ("settings", "pulse_durations")]
        for n in names:
            extendible(f, "events/" + n, table(n, self.events.get(n, []), self.version)).attrs["description"] = n
        if own:
            f.close()
        return f

    def conv_decimal(self):
        """The float32 conversion as the decimal it stands for (numpy's
        shortest repr), as pressd's readers take it."""
        return float(str(np.float32(self.conversion)))

    # What pressd_to_pressure should give, computed here with numpy.
    def expected_pressure(self, floor=True):
        conv = self.conv_decimal()
        p = self.frames.astype(np.float64) * conv
        if self.tares:
            if self.version == 1:
                k = np.ones(len(self.t), int)
            else:
                k = np.searchsorted(np.array([t for t, _ in self.tares]), self.t, side="right")
            for i in range(len(self.t)):
                if k[i]:
                    p[i] = p[i] - np.asarray(self.tares[k[i] - 1][1], np.float32).astype(np.float64) * conv
        noise = (self.analysis or {}).get("noise", "1%")
        noise = float(noise[:-1]) / 100 * self.full_scale * conv if isinstance(noise, str) else float(noise)
        under = int(((p > 0) & (p < noise)).sum())
        p[p < (noise if floor else 0)] = 0
        w, h = float(self.pitch[0]) / 1000, float(self.pitch[1]) / 1000
        p = {"kPa": p, "N": p / (w * h) / 1000, "counts": p}[self.unit]
        # R's matrix(p, nrow = n): column (i, j) is j * rows + i
        m = p.transpose(0, 2, 1).reshape(len(p), -1)
        active = m.max(axis=0) > 0
        return {"m": m[:, active], "under": under, "noise": noise, "area": w * h,
                "max": m.max(axis=0), "time": float(np.median(np.diff(self.t)))}


R_CHECK = r"""
source(file.path(Sys.getenv("R_DIR"), "pressd.R"))
num <- function(x) paste(sprintf("%.17g", as.numeric(x)), collapse = " ")
out <- function(key, ...) cat(key, ..., "\n", sep = " ")
for (path in strsplit(Sys.getenv("RECS"), ";")[[1]]) {
  out("FILE", sub("[.]h5$", "", basename(path)))
  r <- pressd_read(path)
  out("frames_dim", num(dim(r$frames)))
  out("frames_sums", num(apply(r$frames, c(2, 3), sum)))
  out("frame2", num(r$frames[2, , ]))
  out("lens", num(c(length(r$t), length(r$time), length(r$frame_seq), length(r$encoder))))
  out("t_first", num(r$t[1]))
  out("tare_dim", num(dim(r$tare)))
  out("tare_t", length(r$tare_t), num(r$tare_t))
  if (dim(r$tare)[1] > 0) out("tare_sums", num(apply(r$tare, 1, sum)))
  for (name in names(r$events)) {
    e <- r$events[[name]]
    out("ev", name, is.data.frame(e), nrow(e), ncol(e), paste(names(e), collapse = ","))
    out("evclass", name, paste(vapply(e, function(v) class(v)[1], ""), collapse = ","))
  }
  pd <- r$events$pulse_durations
  out("pd", num(rbind(pd$pulse_id, pd$index, pd$duration)))
  s <- r$events$settings
  if (nrow(s)) out("settings", paste(s$key, s$value, sep = "=", collapse = " "), num(s$frame))
  if (nrow(r$events$presses)) out("press_units", r$events$presses$units)
  if (nrow(r$events$holds)) out("holds_reached", num(r$events$holds$reached), class(r$events$holds$reached))
  if (nrow(r$events$marks)) out("marks", r$events$marks$label)
  out("pulses_cols", paste(names(r$events$pulses), collapse = ","))
  for (k in names(r$analysis)) out("analysis", k, class(r$analysis[[k]]), format(r$analysis[[k]]))
  out("subject", if (is.null(r$attrs$subject)) "<none>" else r$attrs$subject)
  p <- tryCatch(withCallingHandlers(pressd_to_pressure(r, noise_floor = "analysis"),
                  warning = function(w) { out("pr_warning", conditionMessage(w)); invokeRestart("muffleWarning") }),
                error = function(e) { out("pr_error", conditionMessage(e)); NULL })
  if (is.null(p)) p <- withCallingHandlers(pressd_to_pressure(r, allow_counts = TRUE, noise_floor = "analysis"),
                  warning = function(w) { out("pr_warning", conditionMessage(w)); invokeRestart("muffleWarning") })
  out("pr_names", paste(names(p), collapse = ","))
  q <- suppressWarnings(pressd_to_pressure(r, allow_counts = TRUE))  # the default: no floor
  out("pr_nofloor", num(c(dim(q$pressure_array), sum(q$pressure_array))))
  if (length(q$sens_size)) out("pr_centre1", num(c(mean(q$sens_polygons$x[1:4]), mean(q$sens_polygons$y[1:4]),
                                                   which(q$max_matrix > 0)[1])))
  out("pr_dim", num(dim(p$pressure_array)))
  out("pr_colsums", num(colSums(p$pressure_array)))
  out("pr_zeros", num(sum(p$pressure_array == 0)))
  out("pr_max", num(p$max_matrix))
  out("pr_sens", num(length(p$sens_size)), num(unique(p$sens_size)))
  out("pr_time", num(p$time))
  out("pr_poly", num(c(nrow(p$sens_polygons), range(p$sens_polygons$x), range(p$sens_polygons$y),
                       length(unique(p$sens_polygons$id)))))
}
"""


def parse(text):
    res, cur = {}, None
    for line in text.splitlines():
        key, _, rest = line.strip().partition(" ")
        if key == "FILE":
            cur = res.setdefault(rest.strip(), {})
        elif cur is not None and key:
            cur.setdefault(key, []).append(rest.strip())
    return res


def nums(s):
    return np.array([float(x) for x in s.split()]) if s.strip() else np.zeros(0)


def ones(rows, cols, v):
    return np.full((rows, cols), v, np.float32)


@unittest.skipUnless(HAVE_R, "needs Rscript and hdf5r")
class RReaderV2(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="test_r_reader.")
        pulses = [{"seq": 7, "id": 3, "count": 3, "units": "kPa"}, {"seq": 9, "id": 4, "count": 1, "units": "kPa"}]
        cls.recs = {r.name: r for r in [
            Rec("mat_kpa", 4, 6, 60, tares=[(90.0, ones(4, 6, 12)), (100.5, ones(4, 6, 30) + np.arange(6))],
                analysis=dict(ANALYSIS, noise="3%"), meta={"subject": "S01", "session": "2"},
                events={"presses": [{"seq": 1, "id": 1, "peak": 120.5, "units": "kPa"},
                                    {"seq": 2, "id": 2, "peak": 99.0, "units": "kPa"}],
                        "holds": [{"seq": 3, "id": 1, "reached": True, "units": "kPa"},
                                  {"seq": 4, "id": 2, "reached": False, "units": "kPa"}],
                        "pulses": [dict(p, count=p["count"]) for p in pulses],
                        "pulse_durations": [{"pulse_id": 3, "index": i, "duration": d}
                                            for i, d in enumerate([0.25, 0.5, 0.75])] +
                                           [{"pulse_id": 4, "index": 0, "duration": 1.25}],
                        "settings": [{"t": 100.2, "frame": 10, "key": "contact_on", "value": "5%"}],
                        "marks": [{"seq": 5, "time": 1.79e9, "label": "start ✓"}]}),
            Rec("roller", 1, 16, 40, unit="N", conversion=0.1, cell_bits=8, full_scale=255, kind="roller",
                tares=[(90.0, ones(1, 16, 3))], analysis=dict(ANALYSIS, noise=2.5), meta={"subject": "S02"},
                events={"rolls": [{"seq": 1, "id": 1, "direction": -1, "units": "N"}]}, seed=2),
            Rec("mat_counts", 3, 5, 30, unit="counts", conversion=1, analysis=dict(ANALYSIS, noise=40.0),
                tares=[(99.0, ones(3, 5, 5))], seed=3),
            Rec("empty", 3, 4, 20, analysis=dict(ANALYSIS), seed=4),
            Rec("v1", 4, 5, 30, version=1, tares=[(None, ones(4, 5, 20))], meta={"subject": "S03"}, seed=5,
                events={"pulses": [{"seq": 1, "id": 8, "count": 2,
                                    "durations": [0.5, 1.5] + [np.nan] * 62, "units": "kPa"},
                                   {"seq": 2, "id": 9, "count": 0, "durations": [np.nan] * 64, "units": "kPa"},
                                   {"seq": 3, "id": 10, "count": 3,
                                    "durations": [2.0, np.nan, 3.0] + [9.0] * 61, "units": "kPa"}]}),
        ]}
        for r in cls.recs.values():
            r.write(cls.dir)
        p = rscript(R_CHECK, RECS=";".join(r.path for r in cls.recs.values()))
        cls.stderr = p.stderr
        cls.out = parse(p.stdout)
        cls.rc = p.returncode

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, True)

    def got(self, name, key, i=0):
        self.assertEqual(self.rc, 0, self.stderr)
        self.assertIn(key, self.out[name], "%s: R printed no %s\n%s" % (name, key, self.stderr))
        return self.out[name][key][i]

    def test_frames_physical_and_shape(self):
        for name, r in self.recs.items():
            with self.subTest(name):
                phys = r.frames.astype(np.float64) * r.conv_decimal()
                self.assertEqual(nums(self.got(name, "frames_dim")).tolist(), list(phys.shape))
                # apply(frames, c(2, 3), sum) comes column-major over [rows, cols]
                np.testing.assert_allclose(nums(self.got(name, "frames_sums")), phys.sum(axis=0).ravel("F"))
                np.testing.assert_allclose(nums(self.got(name, "frame2")), phys[1].ravel("F"))
                n = len(r.t)
                self.assertEqual(nums(self.got(name, "lens")).tolist(), [n, n, n, n if r.kind == "roller" else 0])
                self.assertEqual(float(self.got(name, "t_first")), r.t[0])

    def test_roller_keeps_its_row(self):
        self.assertEqual(nums(self.got("roller", "frames_dim")).tolist(), [40, 1, 16])
        self.assertEqual(nums(self.got("roller", "tare_dim")).tolist(), [1, 1, 16])

    def test_tare(self):
        for name, r in self.recs.items():
            with self.subTest(name):
                k = len(r.tares)
                self.assertEqual(nums(self.got(name, "tare_dim")).tolist(), [k, r.rows, r.cols])
                n, _, ts = (self.got(name, "tare_t") + " ").partition(" ")
                if r.version == 1:
                    self.assertEqual((n, ts.strip()), ("1", "NA") if k else ("0", ""))
                else:
                    self.assertEqual(int(n), k)
                    np.testing.assert_array_equal(nums(ts), [t for t, _ in r.tares])
                if k:
                    np.testing.assert_allclose(nums(self.got(name, "tare_sums")), [a.sum() for _, a in r.tares])

    def test_event_tables(self):
        for name, r in self.recs.items():
            with self.subTest(name):
                seen = {}
                for line in self.out[name].get("ev", []):
                    tab, isdf, nrow, ncol, cols = line.split(" ")
                    seen[tab] = (isdf, int(nrow), int(ncol), cols.split(","))
                for tab, dt in TABLES.items():
                    want = [c for c in np.dtype(dt).names]
                    if r.version == 1 and tab == "pulse_durations":
                        continue   # made from the pulses: test_pulse_durations_same_shape_for_v1_and_v2
                    rows = len(r.events.get(tab, []))
                    self.assertIn(tab, seen)
                    self.assertEqual(seen[tab], ("TRUE", rows, len(want), want), tab)
                classes = dict(line.split(" ", 1) for line in self.out[name]["evclass"])
                for tab in ("presses", "holds", "pulses", "strokes", "rolls"):
                    self.assertEqual(classes[tab].split(",")[-1 if tab != "pulses" else -2], "character", tab)
                    self.assertEqual(classes[tab].split(",")[0], "numeric", tab)   # seq, uint64
                self.assertIn("logical", classes["holds"].split(","))
                self.assertEqual(classes["settings"], "numeric,integer,character,character")
        self.assertEqual(self.got("mat_kpa", "press_units"), "kPa kPa")
        self.assertEqual(self.got("mat_kpa", "holds_reached"), "1 0 logical")
        self.assertEqual(self.got("mat_kpa", "marks"), "start ✓")
        self.assertEqual(self.got("mat_kpa", "settings"), "contact_on=5% 10")

    def test_pulse_durations_same_shape_for_v1_and_v2(self):
        cases = {"mat_kpa": [(3, 0, 0.25), (3, 1, 0.5), (3, 2, 0.75), (4, 0, 1.25)],
                 "v1": [(8, 0, 0.5), (8, 1, 1.5), (10, 0, 2.0), (10, 2, 3.0)], "empty": []}
        for name, want in cases.items():
            with self.subTest(name):
                seen = {line.split(" ")[0]: line.split(" ")[1:] for line in self.out[name]["ev"]}
                self.assertEqual(seen["pulse_durations"][:3], ["TRUE", str(len(want)), "3"])
                self.assertEqual(seen["pulse_durations"][3], "pulse_id,index,duration")
                got = nums(self.got(name, "pd"))
                np.testing.assert_array_equal(got.reshape(-1, 3) if len(got) else np.zeros((0, 3)),
                                              np.array(want).reshape(-1, 3))
                self.assertNotIn("durations", self.got(name, "pulses_cols").split(","))
                self.assertEqual(int(seen["pulses"][1]), len(self.recs[name].events.get("pulses", [])))

    def test_analysis_and_attrs(self):
        an = {line.split(" ")[0]: line.split(" ", 2)[1:] for line in self.out["mat_kpa"]["analysis"]}
        self.assertEqual(set(an), set(ANALYSIS))
        self.assertEqual(an["noise"], ["character", "3%"])
        self.assertEqual(an["contact_on"], ["character", "4%"])
        self.assertEqual(an["tare_at_start"], ["logical", "FALSE"])
        self.assertEqual(an["hold_target_s"][0], "numeric")
        self.assertAlmostEqual(float(an["release_s"][1]), 0.1)
        self.assertNotIn("analysis", self.out["v1"])
        self.assertEqual(self.got("mat_kpa", "subject"), "S01")
        self.assertEqual(self.got("empty", "subject"), "<none>")

    def test_pressure_conversion(self):
        for name, r in self.recs.items():
            with self.subTest(name):
                e = self.recs[name].expected_pressure()
                # the data must exercise the noise floor for the zeros to mean anything
                self.assertGreater(e["under"], 0)
                self.assertEqual(self.got(name, "pr_names"), "pressure_array,pressure_system,sens_size,time,"
                                 "masks,events,sens_polygons,max_matrix")
                self.assertEqual(nums(self.got(name, "pr_dim")).tolist(), list(e["m"].shape))
                raw = self.recs[name].expected_pressure(floor=False)["m"]  # no hidden floor by default
                nf = nums(self.got(name, "pr_nofloor"))
                self.assertEqual(nf[:2].tolist(), list(raw.shape))
                self.assertAlmostEqual(nf[2], raw.sum(), delta=1e-9 * max(1, raw.sum()))
                if raw.shape[1]:
                    # docs/recording.md "Positions": pressd's x, y (mm from the centre of cell
                    # (0, 0), y down the rows) to pressuRe's polygon (m, from the bottom-left corner)
                    cx, cy, k = nums(self.got(name, "pr_centre1"))
                    row, col = (int(k) - 1) % r.rows, (int(k) - 1) // r.rows
                    px, py = float(r.pitch[0]), float(r.pitch[1])
                    x_mm, y_mm = col * px, row * py
                    self.assertAlmostEqual(cx, (x_mm + px / 2) / 1000, places=12)
                    self.assertAlmostEqual(cy, ((r.rows - 0.5) * py - y_mm) / 1000, places=12)
                np.testing.assert_allclose(nums(self.got(name, "pr_colsums")), e["m"].sum(axis=0), rtol=1e-12)
                self.assertEqual(int(float(self.got(name, "pr_zeros"))), int((e["m"] == 0).sum()))
                np.testing.assert_allclose(nums(self.got(name, "pr_max")), e["max"], rtol=1e-12)
                sens = nums(self.got(name, "pr_sens"))
                self.assertEqual(sens[0], e["m"].shape[1])
                self.assertAlmostEqual(sens[1], e["area"], places=12)
                self.assertAlmostEqual(float(self.got(name, "pr_time")), e["time"], places=9)
                npoly, x0, x1, y0, y1, nid = nums(self.got(name, "pr_poly"))
                self.assertEqual((npoly, nid), (5 * e["m"].shape[1], e["m"].shape[1]))
                w, h = float(r.pitch[0]) / 1000, float(r.pitch[1]) / 1000
                self.assertGreaterEqual(x0, 0)
                self.assertLessEqual(x1, r.cols * w + 1e-12)
                self.assertLessEqual(y1, r.rows * h + 1e-12)
        self.assertIn("counts", self.got("mat_counts", "pr_error"))
        self.assertIn("counts", self.got("mat_counts", "pr_warning"))
        for name in ("mat_kpa", "roller", "empty", "v1"):
            self.assertNotIn("pr_error", self.out[name])
            self.assertNotIn("pr_warning", self.out[name])


R_LIVE = r"""
source(file.path(Sys.getenv("R_DIR"), "pressd.R"))
r <- pressd_read(Sys.getenv("REC"), swmr = TRUE)
cat("n", dim(r$frames), length(r$t), length(r$time), length(r$frame_seq), "\n")
cat("sum", sprintf("%.17g", sum(r$frames)), "\n")
cat("presses", nrow(r$events$presses), "\n")
cat("tare", dim(r$tare), "\n")
plain <- tryCatch({ pressd_read(Sys.getenv("REC")); "opened" }, error = function(e) conditionMessage(e))
cat("plain", plain, "\n")
"""


@unittest.skipUnless(HAVE_R, "needs Rscript and hdf5r")
class RReaderLive(unittest.TestCase):
    def test_swmr_read_while_recording(self):
        d = tempfile.mkdtemp(prefix="test_r_reader_live.")
        self.addCleanup(shutil.rmtree, d, True)
        rec = Rec("live", 3, 4, 12, tares=[(99.0, ones(3, 4, 10))], analysis=dict(ANALYSIS))
        rec.dir = d
        f = h5py.File(rec.path, "w", libver="latest")
        self.addCleanup(f.close)
        rec.write(d, f)
        f.swmr_mode = True
        f.flush()

        def read(nframes, npresses):
            p = rscript(R_LIVE, REC=rec.path)
            self.assertEqual(p.returncode, 0, p.stderr)
            phys = rec.frames.astype(np.float64) * rec.conv_decimal()
            self.assertIn("n %d 3 4 %d %d %d" % ((nframes,) * 4), p.stdout)
            got = float(re.search(r"^sum (\S+)", p.stdout, re.M).group(1))
            self.assertAlmostEqual(got, phys.sum(), places=6)
            self.assertIn("presses %d" % npresses, p.stdout)
            self.assertIn("tare 1 3 4", p.stdout)
            # a plain (non-SWMR) open of a file being written fails, and says what to do
            self.assertIn("swmr = TRUE", p.stdout)

        read(12, 0)
        # the recorder goes on: 9 more frames and a press, flushed
        more = rec.make_frames(np.random.default_rng(9), 9, start=12)
        rec.frames = np.concatenate([rec.frames, more])
        for name, v in (("frames", more), ("frame_seq", np.arange(12, 21)),
                        ("t", 100.0 + np.arange(12, 21) / 50.0), ("time", 1.79e9 + np.arange(12, 21) / 50.0)):
            ds = f[name]
            ds.resize(21, axis=0)
            ds[12:] = v
        ev = f["events/presses"]
        ev.resize(1, axis=0)
        ev[0] = table("presses", [{"seq": 1, "id": 1, "units": "kPa"}])[0]
        f.flush()
        read(21, 1)


R_V1 = r"""
source(file.path(Sys.getenv("R_DIR"), "pressd.R"))
r <- pressd_read(Sys.getenv("REC"))
sums <- as.matrix(read.csv(Sys.getenv("SUMS"), header = FALSE))
one <- as.matrix(read.csv(Sys.getenv("ONE"), header = FALSE))
stopifnot(length(dim(r$frames)) == 3, dim(r$frames)[1] == length(r$t))
stopifnot(all(abs(apply(r$frames, c(2, 3), sum) - sums) < 1e-6))
stopifnot(all(abs(r$frames[101, , ] - one) < 1e-6))
cat("n", dim(r$frames), "\n")
for (name in names(r$events)) cat("ev", name, nrow(r$events[[name]]), "\n")
cat("tare", dim(r$tare), "\n")
cat("durations", nrow(r$events$pulse_durations), "\n")
"""


@unittest.skipUnless(REC_WRITE and os.path.exists(REC_WRITE) and HAVE_R, "needs rec_write, Rscript and hdf5r")
class RReader(unittest.TestCase):
    def test_read_recording(self):
        d = tempfile.mkdtemp(prefix="test_r_reader.")
        self.addCleanup(shutil.rmtree, d, True)
        p = subprocess.run([REC_WRITE, "--events", "--tare", d], capture_output=True, text=True, timeout=240)
        self.assertEqual(p.returncode, 0, p.stderr)
        path = re.search(r"^path (.*)$", p.stdout, re.M).group(1)
        with h5py.File(path, "r") as f:
            fr = f["frames"][:].astype(np.float64) * f["frames"].attrs["conversion"]
            counts = {k: len(v) for k, v in f["events"].items()}
            tare = f["tare"].shape
            pulses = f["events/pulses"][:]
            if "durations" in pulses.dtype.names:   # v1
                ndur = sum(int(np.count_nonzero(~np.isnan(r["durations"][:r["count"]]))) for r in pulses)
            else:
                ndur = counts["pulse_durations"]
        np.savetxt(os.path.join(d, "sums.csv"), fr.sum(axis=0), delimiter=",")
        np.savetxt(os.path.join(d, "one.csv"), fr[100], delimiter=",")
        r = rscript(R_V1, REC=path, SUMS=os.path.join(d, "sums.csv"), ONE=os.path.join(d, "one.csv"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("n %d %d %d" % fr.shape, r.stdout)
        for name, n in counts.items():
            self.assertIn("ev %s %d" % (name, n), r.stdout)
        self.assertIn("tare %d %d %d" % ((1,) + tare if len(tare) == 2 else tare), r.stdout)
        self.assertIn("durations %d" % ndur, r.stdout)


if __name__ == "__main__":
    unittest.main()
