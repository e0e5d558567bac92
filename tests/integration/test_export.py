#!/usr/bin/python3
"""pressctl export: --csv read back with pandas as a researcher would
(one header row, columns named with their units, no reshaping) and --mat
loaded by GNU Octave, each checked against what pressd published and
what h5py reads from the HDF5 file; on a live recording in kPa, on the
version 1 fixture, and on a version 2 file with a tare and a `set` during
it; and the bad inputs."""
import json
import os
import re
import shutil
import subprocess
import unittest

import h5py
import numpy as np
import pandas as pd

from harness import BIN, TestCase
from rectools import record_sim, recordings
from zmqtools import bodies

PRESSCTL = os.path.join(BIN, "pressctl")
REC_WRITE = os.environ.get("REC_WRITE", "")
FIXTURE_V1 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "recording-v1",
                          "mat0-20260921T141320Z.h5")
OCTAVE = shutil.which("octave-cli")
TABLES = {"press": "presses", "hold": "holds", "pulses": "pulses", "stroke": "strokes", "mark": "marks"}

# Prints what the test compares, one "name value..." per line.
OCTAVE_CHECK = r"""
r = load(getenv('MAT'));
printf('frames %d %d %d\n', size(r.frames, 1), size(r.frames, 2), size(r.frames, 3));
printf('class %s\n', class(r.frames));
printf('unit %s\n', r.unit);
printf('peak_max %.9g\n', max(double(r.frames(:))) * r.conversion);
printf('cell_sum %.17g\n', sum(double(r.frames(:))));
printf('frame1_r2c3 %d\n', r.frames(2, 3, 1));
printf('t_last %.17g\n', r.t(end));
printf('seq_last %d\n', r.frame_seq(end));
printf('rows %d\n', r.device.rows);
printf('tares %d\n', size(r.tare, 3));
printf('tare_t %s\n', sprintf('%.17g ', r.tare_t));
f = fieldnames(r.events);
for k = 1:numel(f)
  printf('table %s %d\n', f{k}, numel(r.events.(f{k})));
end
if numel(r.events.presses) > 0
  printf('press_peaks %s\n', sprintf('%.17g ', [r.events.presses.peak]));
end
if numel(r.events.holds) > 0
  printf('hold_reached %s\n', sprintf('%d ', [r.events.holds.reached]));
end
printf('durations %s\n', sprintf('%.17g ', [r.events.pulse_durations.duration]));
if numel(r.events.marks) > 0
  printf('mark1 %s\n', r.events.marks(1).label);
end
if numel(r.events.settings) > 0
  printf('setting %s=%s\n', r.events.settings(1).key, r.events.settings(1).value);
end
if isfield(r.analysis, 'noise')
  printf('noise %s\n', r.analysis.noise);
end
if isfield(r.meta, 'subject')
  printf('subject %s\n', r.meta.subject);
end
printf('format_version %d\n', r.recording.format_version);
"""


def export(tc, path, *args):
    p = subprocess.run([PRESSCTL, "export", path, *args], capture_output=True, text=True, timeout=120)
    tc.assertEqual(p.returncode, 0, p.stderr)
    return p


def octave(tc, mat):
    p = subprocess.run([OCTAVE, "--no-gui", "-q", "--eval", OCTAVE_CHECK], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, MAT=mat))
    tc.assertEqual(p.returncode, 0, p.stdout + p.stderr)
    out = {}
    for line in p.stdout.splitlines():
        key, _, value = line.partition(" ")
        out.setdefault(key, []).append(value.strip())
    tc.assertIn("format_version", out, p.stdout + p.stderr)
    return out


def floats(text):
    return [float(x) for x in text.split()]


class Export(TestCase):
    def check_against_h5(self, path, csv, mat_out):
        """What both exports must agree on with the HDF5 file itself."""
        with h5py.File(path, "r") as f:
            frames = f["frames"][:]
            conv = float(f["frames"].attrs["conversion"])
            unit = f["frames"].attrs["unit"]
            seq, t = f["frame_seq"][:], f["t"][:]
            n, rows, cols = frames.shape
            tare_t = f["tare_t"][:] if "tare_t" in f else np.array([np.nan] * ("tare" in f))
        fr = pd.read_csv(os.path.join(csv, "frames.csv"))
        self.assertEqual(fr.shape, (n, 3 + rows * cols))
        self.assertEqual(list(fr.columns[:3]), ["frame", "t_s", "time_s"])
        self.assertEqual(fr.columns[3], "r1c1_%s" % unit)
        self.assertEqual(fr.columns[-1], "r%dc%d_%s" % (rows, cols, unit))
        np.testing.assert_array_equal(fr["frame"].to_numpy(), seq)
        np.testing.assert_allclose(fr["t_s"].to_numpy(), t, atol=1e-6)
        np.testing.assert_allclose(fr.iloc[:, 3:].to_numpy().reshape(n, rows, cols), frames * conv, rtol=1e-8)
        rec = pd.read_csv(os.path.join(csv, "recording.csv"), keep_default_na=False).set_index("key")["value"]
        self.assertEqual(rec["frames.unit"], unit)
        self.assertAlmostEqual(float(rec["frames.conversion"]), conv, places=6)
        if OCTAVE:
            o = octave(self, mat_out)
            self.assertEqual(o["frames"], ["%d %d %d" % (rows, cols, n)])
            self.assertEqual(o["class"], ["uint16" if frames.dtype == np.uint16 else "uint8"])
            self.assertEqual(o["unit"], [unit])
            self.assertAlmostEqual(float(o["peak_max"][0]), float(frames.max()) * conv, places=4)
            self.assertEqual(float(o["cell_sum"][0]), float(frames.astype(np.float64).sum()))
            self.assertEqual(int(o["frame1_r2c3"][0]), int(frames[0, 1, 2]))  # [rows, cols, N]
            self.assertEqual(float(o["t_last"][0]), float(t[-1]))
            self.assertEqual(int(o["seq_last"][0]), int(seq[-1]))
            self.assertEqual(int(o["rows"][0]), rows)
            self.assertEqual(int(o["tares"][0]), len(tare_t))
            np.testing.assert_array_equal(np.array(floats(o["tare_t"][0]) if o["tare_t"][0] else []), tare_t)
            return fr, o
        return fr, None

    def test_live_recording_in_kpa(self):
        rec = os.path.join(self.tmp.name, "rec")
        os.mkdir(rec)
        sim, d, msgs = record_sim(self, ["--scenario", "all", "--speed", "max", "--calibrated", "kPa:0.05"], rec,
                                  marks=('a, "quoted" mark, Übung',))
        path = recordings(rec)[0]
        csv, mat = os.path.join(self.tmp.name, "csv"), os.path.join(self.tmp.name, "rec.mat")
        export(self, path, "--csv", csv, "--mat", mat)
        fr, o = self.check_against_h5(path, csv, mat)
        self.assertEqual(fr.columns[3], "r1c1_kPa")
        for typ, table in TABLES.items():
            pub = bodies(msgs, typ)
            if typ == "hold":
                pub = [b for b in pub if b.get("phase") == "end"]
            df = pd.read_csv(os.path.join(csv, table + ".csv"), keep_default_na=False)
            self.assertEqual(len(df), len(pub), typ)
            self.assertGreater(len(pub), 0, typ)
            if typ == "mark":
                self.assertEqual(list(df["label"]), [b["label"] for b in pub])
                self.assertEqual(list(df.columns), ["seq", "time_s", "label"])
                continue
            self.assertEqual(list(df["frame"]), [b["frame"] for b in pub])
            self.assertEqual(list(df["t_s"]), [b["t"] for b in pub])
            self.assertEqual(set(df["units"]), {"kPa"})
            self.assertNotIn("durations", df.columns)  # no array in a cell
        presses = pd.read_csv(os.path.join(csv, "presses.csv"))
        for col in ("t_start_s", "duration_s", "peak_kPa", "mean_kPa", "impulse_kPa_s", "x_mm", "y_mm"):
            self.assertIn(col, presses.columns)
        self.assertEqual(list(presses["peak_kPa"]), [b["peak"] for b in bodies(msgs, "press")])
        holds = pd.read_csv(os.path.join(csv, "holds.csv"))
        for col in ("drift_mm", "target_s", "reached"):
            self.assertIn(col, holds.columns)  # names that carry their unit keep it once
        strokes = pd.read_csv(os.path.join(csv, "strokes.csv"))
        self.assertIn("speed_mm_s", strokes.columns)
        self.assertIn("direction_deg", strokes.columns)
        want = [(b["id"], i, x) for b in bodies(msgs, "pulses") for i, x in enumerate(b["durations"])]
        pdur = pd.read_csv(os.path.join(csv, "pulse_durations.csv"))
        self.assertEqual(list(pdur.columns), ["pulse_id", "index", "duration_s"])
        self.assertEqual(list(pdur.itertuples(index=False, name=None)), want)
        if o:
            self.assertEqual(o["press_peaks"], [" ".join("%.17g" % b["peak"] for b in bodies(msgs, "press"))])
            self.assertEqual(floats(o["durations"][0]), [x for _, _, x in want])
            self.assertEqual(o["mark1"], [bodies(msgs, "mark")[0]["label"]])
            tables = dict(v.split() for v in o["table"])
            self.assertEqual(int(tables["presses"]), len(bodies(msgs, "press")))
            self.assertEqual(o["noise"], ["1%"])
            self.assertEqual(o["format_version"], ["2"])

    def test_version_1_fixture(self):
        csv, mat = os.path.join(self.tmp.name, "csv"), os.path.join(self.tmp.name, "v1.mat")
        export(self, FIXTURE_V1, "--csv", csv, "--mat", mat)
        fr, o = self.check_against_h5(FIXTURE_V1, csv, mat)
        with h5py.File(FIXTURE_V1, "r") as f:
            pulses = f["events/pulses"][:]
            want = [(int(p["id"]), i, float(p["durations"][i])) for p in pulses for i in range(int(p["count"]))]
            holds = f["events/holds"][:]
            tare = f["tare"][:]
        pdur = pd.read_csv(os.path.join(csv, "pulse_durations.csv"))
        self.assertEqual(list(pdur.itertuples(index=False, name=None)), want)
        self.assertGreater(len(want), 0)
        tc = pd.read_csv(os.path.join(csv, "tare.csv"))
        self.assertEqual(len(tc), 1)
        self.assertTrue(np.isnan(tc["tare_t_s"][0]))  # version 1 did not say
        np.testing.assert_allclose(tc.iloc[0, 1:].to_numpy(dtype=float), tare.ravel(), rtol=1e-7)
        self.assertEqual(len(pd.read_csv(os.path.join(csv, "settings.csv"))), 0)
        if o:
            self.assertEqual(floats(o["durations"][0]), [x for _, _, x in want])
            self.assertEqual(o["hold_reached"], [" ".join(str(int(h["reached"])) for h in holds)])
            self.assertEqual(o["subject"], ["S01"])
            self.assertEqual(o["format_version"], ["1"])
            self.assertNotIn("noise", o)  # no /analysis in version 1

    @unittest.skipUnless(REC_WRITE and os.path.exists(REC_WRITE), "needs rec_write")
    def test_tare_and_set_during_the_file(self):
        ev = os.path.join(self.tmp.name, "events.jsonl")
        p = subprocess.run([REC_WRITE, "--events", "--tare", "--tare-at", "3000", "--set-at", "4000:contact_on=5%",
                            "--events-out", ev, self.tmp.name], capture_output=True, text=True, timeout=240)
        self.assertEqual(p.returncode, 0, p.stderr)
        path = re.search(r"^path (.*)$", p.stdout, re.M).group(1)
        with open(ev) as fp:
            events = [json.loads(l) for l in fp]
        csv, mat = os.path.join(self.tmp.name, "csv"), os.path.join(self.tmp.name, "v2.mat")
        export(self, path, "--csv", csv, "--mat", mat)
        fr, o = self.check_against_h5(path, csv, mat)
        st = pd.read_csv(os.path.join(csv, "settings.csv"))
        want = [e for e in events if e["type"] == "setting"]
        self.assertEqual(list(st.columns), ["t_s", "frame", "key", "value"])
        self.assertEqual([(r.t_s, r.frame, r.key, r.value) for r in st.itertuples()],
                         [(e["t"], e["frame"], e["key"], e["value"]) for e in want])
        tc = pd.read_csv(os.path.join(csv, "tare.csv"))
        tare_ev = [e for e in events if e["type"] == "tare"]
        self.assertEqual(list(tc["tare_t_s"]), [0.0] + [e["t"] for e in tare_ev])
        if o:
            self.assertEqual(o["setting"], ["contact_on=5%"])
            self.assertEqual(o["noise"], ["1%"])

    def test_bad_inputs(self):
        not_h5 = os.path.join(self.tmp.name, "notes.h5")
        with open(not_h5, "w") as fp:
            fp.write("not an HDF5 file\n")
        with h5py.File(os.path.join(self.tmp.name, "other.h5"), "w") as f:
            f["x"] = np.arange(3)
        for bad in (not_h5, os.path.join(self.tmp.name, "other.h5"), os.path.join(self.tmp.name, "missing.h5")):
            for how in (["--csv", os.path.join(self.tmp.name, "out")], ["--mat", os.path.join(self.tmp.name, "o.mat")]):
                p = subprocess.run([PRESSCTL, "export", bad, *how], capture_output=True, text=True, timeout=60)
                self.assertEqual(p.returncode, 1, (bad, how, p.stderr))
                self.assertIn(bad, p.stderr)
                self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "o.mat")))
        # an output that cannot be made: a clear message, exit 73, nothing left half-written
        p = subprocess.run([PRESSCTL, "export", FIXTURE_V1, "--mat", os.path.join(self.tmp.name, "no", "dir.mat")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 73, p.stderr)
        self.assertIn("dir.mat", p.stderr)
        p = subprocess.run([PRESSCTL, "export", FIXTURE_V1, "--csv", not_h5], capture_output=True, text=True,
                           timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(not_h5, p.stderr)
        p = subprocess.run([PRESSCTL, "export", FIXTURE_V1], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 64, p.stderr)
        self.assertIn("--mat", p.stderr)


if __name__ == "__main__":
    unittest.main()
