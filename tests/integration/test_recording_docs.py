#!/usr/bin/python3
"""Every code block of docs/recording.md, run on fresh recordings.

pressd records three built-in simulated devices at full speed — a mat
calibrated in kPa (with a baseline in force before the file starts), a
mat in counts (8-bit cells, no `subject` in its meta) and a roller — while
a subscriber collects what it publishes; a mark, a tare and a `set` land
in the middle of each file. Then the page's blocks run, by language:
python with this /usr/bin/python3, r with Rscript (pressd.R, hdf5r,
rhdf5), octave with octave-cli on the .mat that the page's own
`pressctl export --mat` block makes, sh blocks with bash, and the
matlab block through a static check against h5py (no MATLAB here). Each
block prints `key value...` lines; every number is checked against what
pressd published and against the file as h5py reads it.

Markers: a line `<!-- doc-test: v1 -->` before a block says it works on
format_version 1 too (it is also run on tests/fixtures/recording-v1),
`calibrated` that it needs a calibrated file, `live` that it reads a file
while pressd records it (it is also run so).

Run with Debian's /usr/bin/python3 (python3-zmq, python3-h5py, pandas)."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import h5py
import numpy as np
import zmq

from harness import BIN, Pressd
from zmqtools import Collector, Control, bodies, tail

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../.."))
DOC = os.path.join(ROOT, "docs/recording.md")
PRESSD_R = os.path.join(ROOT, "R/pressd.R")
V1 = os.path.join(ROOT, "tests/fixtures/recording-v1/mat0-20260921T141320Z.h5")
PRESSCTL = os.path.join(BIN, "pressctl")
PYTHON = "/usr/bin/python3"
IN_CI = os.environ.get("CI", "").lower() == "true"

DEVICES = {
    # id: (uri, meta)
    "matkpa": ("sim:mat?id=matkpa&scenario=all&unit=kPa&units_per_count=0.05&rows=16&cols=16&loop=1&speed=max",
               {"subject": "S01", "session": "docs"}),
    "matcounts": ("sim:mat?id=matcounts&scenario=all&rows=12&cols=20&cell_bits=8&loop=1&speed=max", None),
    "roller": ("sim:roller?id=roller&loop=1&speed=max", None),
}
TABLES = {"press": "presses", "hold": "holds", "pulses": "pulses", "stroke": "strokes", "roll": "rolls"}
TOPICS = ("press/", "hold/", "pulses/", "stroke/", "roll/", "mark/", "tare/", "recording/", "status/")
MARK = "trial 1 (docs)"
SET_KEY, SET_VALUE = "hold_min_s", 2.5


# ---- the page ------------------------------------------------------------

FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```\s*$", re.S | re.M)
MARKER = re.compile(r"<!--\s*doc-test:\s*([\w ,-]+?)\s*-->\s*$")


def doc_blocks(path=DOC):
    """[(lang, code, markers, line)] of every fenced block of the page."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = []
    for m in FENCE.finditer(text):
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mk = MARKER.search(before)
        markers = set(re.split(r"[ ,]+", mk.group(1))) if mk else set()
        out.append((m.group(1), m.group(2), markers, text.count("\n", 0, m.start()) + 1))
    return out


def parse_output(text):
    """`key value...` lines -> {key: [tokens]}; `mark` and `setting` lines
    (which may repeat, and a label may hold spaces) -> {key: [rest, ...]}."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, _, rest = line.partition(" ")
        if key in ("mark", "setting"):
            out.setdefault(key, []).append(rest.strip())
        else:
            if key in out:
                raise AssertionError("key %r printed twice:\n%s" % (key, text))
            out[key] = rest.split()
    return out


def decimals(token):
    return len(token.split(".", 1)[1]) if "." in token else 0


# ---- the recordings --------------------------------------------------------

def h5_max(ds):
    return max((int(ds[i:i + 8192].max()) for i in range(0, ds.shape[0], 8192)), default=0)


def net_stats(f):
    """The frames as the analysis saw them (minus the baseline in force at
    each t, clamped at 0, x conversion, the noise floor), computed here
    frame by frame: (highest value, cells ever above 0 before the noise
    floor, as pressd_to_pressure keeps them by default, the last frame's
    highest value)."""
    frames, t = f["frames"], f["t"][:]
    k = float(f["frames"].attrs["conversion"])
    tare, tare_t = f["tare"][:].astype(np.float64), f["tare_t"][:]
    noise = f["analysis"].attrs["noise"]
    fs = float(f["device"].attrs["full_scale"])
    floor = float(noise[:-1]) / 100 * fs * k if str(noise).endswith("%") else float(noise)
    peak, last = 0.0, 0.0
    active = np.zeros(frames.shape[1:], bool)
    for i in range(0, len(t), 8192):
        raw = frames[i:i + 8192].astype(np.float64)
        for j in range(raw.shape[0]):
            kb = [b for b in range(len(tare_t)) if tare_t[b] <= t[i + j]]
            if kb:
                raw[j] -= tare[kb[-1]]
        net = np.clip(raw, 0, None) * k
        last = float(net[-1].max())  # the last frame without the noise floor
        active |= (net > 0).any(axis=0)
        net[net < floor] = 0
        peak = max(peak, float(net.max()))
    return peak, active, last


class Session:
    """The recordings and what pressd published while it made them."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pressd-docs-")
        self.dir = self.tmp.name
        self.d = None
        self.live_out = None

    def record(self):
        args = []
        for uri, _ in DEVICES.values():
            args += ["-d", uri]
        # record_roots defaults to the directory pressd starts in
        self.d = Pressd(*args, tmpdir=self.dir, trace=False, cwd=self.dir)
        ctx = zmq.Context.instance()
        col = Collector(ctx, self.d.pub, topics=TOPICS)
        ctl = Control(ctx, self.d.control, timeout=8)
        try:
            ok = col.wait_for(lambda ms: {b["device"] for b in bodies(ms, "status")
                                          if b.get("state") == "streaming"} >= set(DEVICES), 20, self.d.proc)
            assert ok, "devices not streaming: " + tail(self.d.text())

            def call(req):
                rep = ctl.call(req)
                assert rep["ok"], (req, rep)
                return rep

            # a baseline in force before the kPa mat's file starts: its /tare[0]
            self.pre_tare = call({"cmd": "tare", "device": "matkpa"})
            self.paths = {}
            for dev, (_, meta) in DEVICES.items():
                req = {"cmd": "record_start", "device": dev, "dir": "rec"}
                if meta:
                    req["meta"] = meta
                self.paths[dev] = call(req)["recordings"][0]["path"]
            started = time.time()

            def seen(since, need):
                def pred(ms):
                    for dev, types in need.items():
                        for typ in types:
                            if not [b for m in ms if m.wall > since and m.type == typ and m.device == dev
                                    and (typ != "hold" or m.get("phase") == "end") for b in [m.body]]:
                                return False
                    return True
                assert col.wait_for(pred, 60, self.d.proc), "not all of %s came: %s" % (need, tail(self.d.text()))

            mats = ("hold", "stroke", "pulses")
            need = {"matkpa": mats, "matcounts": mats, "roller": ("roll", "hold")}
            seen(started, need)
            call({"cmd": "mark", "label": MARK})
            self.mid_tares = {dev: call({"cmd": "tare", "device": dev}) for dev in DEVICES}
            set_at = self.archived(call)
            call({"cmd": "set", "key": SET_KEY, "value": SET_VALUE})
            # A tare at full speed may land under a blob (or the roller's
            # load), after which some events never come again: what must
            # follow the set is frames, not events.
            deadline = time.monotonic() + 60
            while True:
                now = self.archived(call)
                if all(now[dev] >= set_at[dev] + 2000 for dev in DEVICES):
                    break
                assert time.monotonic() < deadline, (set_at, now, tail(self.d.text()))
                time.sleep(0.05)
            # the mats' files are done; the roller's (small frames) goes on
            # while the page's SWMR block reads it live
            self.stopped = {}
            for dev in ("matkpa", "matcounts"):
                self.stopped[dev] = call({"cmd": "record_stop", "device": dev})["recordings"][0]
            self.live_out = run_block_process(
                "python", live_block(), {"REC": self.paths["roller"]}, self.dir)
            self.stopped["roller"] = call({"cmd": "record_stop", "device": "roller"})["recordings"][0]
            self.status = call({"cmd": "status"})
            time.sleep(0.3)
        finally:
            self.msgs = col.stop()
            rc = self.d.stop()
        assert rc == 0, tail(self.d.text())

    @staticmethod
    def archived(call):
        return {d["id"]: d["stats"]["archive_frames"] for d in call({"cmd": "status"})["devices"]}

    def close(self):
        if self.d:
            self.d.kill()
        self.tmp.cleanup()


def live_block():
    live = [code for lang, code, mk, _ in doc_blocks() if lang == "python" and "live" in mk]
    return live[0] if live else None


def run_block_process(lang, code, env, cwd, timeout=120):
    """Runs one block; (returncode, stdout, stderr)."""
    if code is None:
        return None
    e = dict(os.environ, PRESSD_R=PRESSD_R, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), **env)
    e.pop("PYTHONPATH", None)
    if lang == "python":
        argv = [PYTHON, "-c", code]
    elif lang == "r":
        argv = ["Rscript", "--vanilla", "-e", code]
    elif lang == "octave":
        argv = ["octave-cli", "--no-gui", "-q", "--eval", code]
    elif lang == "sh":
        argv = ["bash", "-eu", "-c", code]  # as typed: no pipefail (| head)
    else:
        raise ValueError(lang)
    p = subprocess.run(argv, env=e, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


class Expected:
    """What a block may print about one recording: {key: value}, computed
    from pressd's published events and from h5py."""

    def __init__(self, path, session=None, v1_facts=None):
        self.path = path
        self.values = {}
        with h5py.File(path, "r") as f:
            n, rows, cols = f["frames"].shape
            unit = f["frames"].attrs["unit"]
            k = float(f["frames"].attrs["conversion"])
            v = self.values
            v["frames"] = [n, rows, cols]
            v["live_frames"] = n  # the SWMR block on a closed file sees it all
            v["unit"] = [unit]
            v["subject"] = [f.attrs.get("subject", "none")]
            v["peak_max_" + unit] = h5_max(f["frames"]) * k
            first = f["frames"][0]
            v["first_frame_max_" + unit] = float(first.max()) * k
            tables = {name: f["events"][name][:] for name in f["events"]}
            self.file_tables = tables
            if session is not None:
                self.from_published(f, session, tables)
            else:
                self.from_file(f, tables, v1_facts)
            if "tare_t" in f:
                peak, active, last = net_stats(f)
                v["net_peak_max_" + unit] = peak
                v["pressure_array"] = [n, int(active.sum())]
                v["pressure_max_kPa"] = v["net_peak_max_" + unit] if unit == "kPa" else None
                v["last_net_max_" + unit] = last
                t = f["t"][:]
                v["_t0"], v["_t1"] = t[0], t[-1]

    def from_published(self, f, s, tables):
        v = self.values
        dev = f.attrs["device_id"]
        s0, s1 = int(f["frame_seq"][0]), int(f["frame_seq"][-1])
        self.published = {}
        for typ, table in TABLES.items():
            pub = [b for b in bodies(s.msgs, typ, dev) if typ != "hold" or b.get("phase") == "end"]
            rows = tables[table]
            # The file's rows are exactly the published events of the
            # file's frames, in order: none lost at record_start or
            # record_stop however far apart the analysis and the recorder are.
            exp = [b for b in pub if s0 <= b["frame"] <= s1]
            assert [b["seq"] for b in exp] == [int(x) for x in rows["seq"]], \
                (dev, table, "rows are not the published events of the file's frames",
                 [b["seq"] for b in exp], [int(x) for x in rows["seq"]])
            self.published[table] = exp
        holds = self.published["holds"]
        v["holds"] = len(holds)
        if holds:
            v["first_hold_duration_s"] = holds[0]["duration"]
            v["first_hold_peak_" + holds[0]["units"]] = holds[0]["peak"]
            v["holds_reached"] = sum(1 for h in holds if h["reached"])
            v["holds_total_s"] = sum(h["duration"] for h in holds)
        pulses = self.published["pulses"]
        v["pulses"] = len(pulses)
        if pulses:
            v["first_pulse_count"] = [pulses[0]["count"], "durations", len(pulses[0]["durations"])]
        v["pulse_presses"] = sum(len(p["durations"]) for p in pulses)
        v["strokes"] = len(self.published["strokes"])
        v["rolls"] = len(self.published["rolls"])
        v["mark"] = [b["label"] for b in bodies(s.msgs, "mark", dev)]
        value = ("%g" % SET_VALUE)
        v["setting"] = ["%s=%s" % (SET_KEY, value)]
        v["settings"] = v["setting"]
        # the baselines: the one in force at the start (the kPa mat's,
        # taken before), then the one the mid-recording tare made
        tares = [b for b in bodies(s.msgs, "tare", dev)]
        t0, t1 = f["t"][0], f["t"][-1]
        inside = [b["t"] for b in tares if t0 <= b["t"] <= t1]
        before = [b["t"] for b in tares if b["t"] < t0]
        v["tares"] = len(inside) + (1 if before else 0)
        self.tare_t = ([before[-1]] if before else []) + inside

    def from_file(self, f, tables, facts):
        """A version 1 file: no published events; the fixture's README facts
        and the file itself."""
        v = self.values
        v.update(facts)
        holds = tables["holds"]
        if len(holds):
            v["first_hold_duration_s"] = float(holds["duration"][0])
        v["pulse_presses"] = int(sum(min(int(c), 64) for c in tables["pulses"]["count"]))


class RecordingDocs(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.t_start = time.monotonic()
        cls.blocks = doc_blocks()
        cls.s = Session()
        try:
            cls.s.record()
        except BaseException:
            cls.s.close()
            raise
        cls.files = {dev: cls.s.paths[dev] for dev in DEVICES}
        cls.expected = {dev: Expected(p, cls.s) for dev, p in cls.files.items()}

    @classmethod
    def tearDownClass(cls):
        cls.s.close()
        sys.stderr.write("\n[test_recording_docs: %.1f s]\n" % (time.monotonic() - cls.t_start))

    # -- helpers --

    def need_tool(self, name):
        if shutil.which(name) is None:
            msg = "%s is not installed (scripts/install-deps installs it)" % name
            if IN_CI:
                self.fail(msg + ": in CI it must be there")
            self.skipTest(msg)

    def blocks_of(self, lang):
        out = [(code, mk, line) for l, code, mk, line in self.blocks if l == lang]
        self.assertTrue(out, "docs/recording.md has no ```%s block" % lang)
        return out

    def check_output(self, where, out, exp, need=2):
        """Every key the block printed matches exp; at least `need` keys."""
        got = parse_output(out)
        self.assertGreaterEqual(len(got), need, "%s printed too little:\n%s" % (where, out))
        for key, tokens in got.items():
            self.assertIn(key, exp.values, "%s printed %r, which the test does not know:\n%s" % (where, key, out))
            want = exp.values[key]
            self.assertIsNotNone(want, (where, key))
            if key in ("mark", "setting"):
                self.assertEqual(tokens, want, (where, key))
            elif key == "settings":
                self.assertEqual(tokens, want, (where, key))
            elif isinstance(want, list):
                self.assertEqual(tokens, [str(w) for w in want], (where, key))
            elif isinstance(want, (int, np.integer)) and not isinstance(want, bool):
                self.assertEqual(tokens, [str(int(want))], (where, key))
            else:
                self.assertEqual(len(tokens), 1, (where, key, tokens))
                tol = max(1.01 * 10 ** -decimals(tokens[0]), 1e-5 * abs(float(want)))
                self.assertAlmostEqual(float(tokens[0]), float(want), delta=tol, msg=(where, key, out))
        return got

    def run_block(self, lang, code, line, env, exp, need=2):
        where = "docs/recording.md:%d (```%s) on %s" % (line, lang, os.path.basename(exp.path))
        rc, out, err = run_block_process(lang, code, env, self.s.dir)
        self.assertEqual(rc, 0, "%s failed:\n%s\n%s" % (where, out, err[-3000:]))
        return self.check_output(where, out, exp, need)

    def devices_for(self, markers):
        return [d for d in DEVICES if "calibrated" not in markers or self.expected[d].values["unit"] == ["kPa"]]

    # -- the recordings themselves --

    def test_recordings_are_what_the_page_promises(self):
        for dev, exp in self.expected.items():
            v = exp.values
            with h5py.File(exp.path, "r") as f:
                self.assertEqual(f.attrs["format_version"], 2)
                self.assertEqual(len(f["events/settings"]), 1, dev)
                np.testing.assert_array_equal(f["tare_t"][:], exp.tare_t, dev)
                self.assertEqual(f["tare"].shape, (len(exp.tare_t),) + f["frames"].shape[1:], dev)
            if dev != "roller":
                for key in ("holds", "pulses", "strokes"):
                    self.assertGreater(v[key], 0, (dev, key))
            else:
                self.assertGreater(v["rolls"], 0)
                self.assertGreater(v["holds"], 0)
            self.assertEqual(v["mark"], [MARK], dev)
        self.assertEqual(self.expected["matkpa"].values["tares"], 2)
        self.assertEqual(self.expected["matkpa"].values["unit"], ["kPa"])
        self.assertEqual(self.expected["matcounts"].values["subject"], ["none"])
        # the published status says the same units as the files
        for d in self.s.status["devices"]:
            self.assertEqual(self.expected[d["id"]].values["unit"], [d["info"]["units"]], d["id"])

    # -- the blocks --

    def test_python_blocks(self):
        for code, mk, line in self.blocks_of("python"):
            for dev in self.devices_for(mk):
                self.run_block("python", code, line, {"REC": self.files[dev]}, self.expected[dev], need=1)

    def test_python_live_block_ran_while_recording(self):
        self.assertIsNotNone(self.s.live_out, "no ```python block is marked <!-- doc-test: live -->")
        rc, out, err = self.s.live_out
        self.assertEqual(rc, 0, out + err)
        got = parse_output(out)
        n = int(got["live_frames"][0])
        final = self.expected["roller"].values["frames"][0]
        self.assertGreater(n, 0, out)
        self.assertLessEqual(n, final, out)

    def test_r_blocks(self):
        self.need_tool("Rscript")
        for code, mk, line in self.blocks_of("r"):
            for dev in self.devices_for(mk):
                self.run_block("r", code, line, {"REC": self.files[dev]}, self.expected[dev])
        routes = "".join(code for code, _, _ in self.blocks_of("r"))
        for route in ("library(hdf5r)", "library(rhdf5)", "pressd_read("):
            self.assertIn(route, routes, "the R section has no %s route" % route)

    def mat_supported(self):
        if not os.path.exists(PRESSCTL):
            self.skipTest("no pressctl in %s" % BIN)
        h = subprocess.run([PRESSCTL, "--help"], capture_output=True, text=True, timeout=10)
        if "--mat" not in h.stdout + h.stderr:
            self.skipTest("%s does not know `export --mat` yet: the ```octave block cannot be run" % PRESSCTL)

    def test_octave_blocks_on_the_exported_mat(self):
        self.mat_supported()
        self.need_tool("octave-cli")
        export = [(c, l) for c, _, l in self.blocks_of("sh") if "--mat" in c]
        self.assertEqual(len(export), 1, "one ```sh block shows pressctl export --mat")
        for dev in DEVICES:
            rec = os.path.join(self.s.dir, "mat-" + os.path.basename(self.files[dev]))
            shutil.copy(self.files[dev], rec)
            rc, out, err = run_block_process("sh", export[0][0], {"REC": rec}, self.s.dir)
            self.assertEqual(rc, 0, "docs/recording.md:%d: %s%s" % (export[0][1], out, err))
            mat = rec[:-3] + ".mat"
            self.assertTrue(os.path.exists(mat), mat)
            for code, mk, line in self.blocks_of("octave"):
                if dev in self.devices_for(mk):
                    self.run_block("octave", code, line, {"MAT": mat}, self.expected[dev])

    def test_sh_blocks(self):
        """pressctl info/export --csv, h5dump and h5clear, on a copy of each file."""
        for code, mk, line in self.blocks_of("sh"):
            if "--mat" in code:
                continue  # run by the Octave test, which needs its .mat
            for dev in DEVICES:
                rec = os.path.join(self.s.dir, "sh-%d-%s" % (line, os.path.basename(self.files[dev])))
                shutil.copy(self.files[dev], rec)
                rc, out, err = run_block_process("sh", code, {"REC": rec}, self.s.dir)
                self.assertEqual(rc, 0, "docs/recording.md:%d on %s: %s%s" % (line, dev, out, err[-2000:]))
                if "--csv" in code:
                    csv = rec[:-3] + "-csv"
                    for name in ("frames.csv", "holds.csv", "gaps.csv"):
                        self.assertTrue(os.path.exists(os.path.join(csv, name)), (line, name))
                    if os.path.exists(os.path.join(csv, "recording.csv")):
                        self.check_new_csv(csv, dev)
                with h5py.File(rec, "r") as f:  # still opens
                    self.assertEqual(f["frames"].shape[0], self.expected[dev].values["frames"][0])

    def check_new_csv(self, csv, dev):
        """The rewritten exporter: a header row with units, physical values."""
        exp = self.expected[dev].values
        unit = exp["unit"][0]
        with open(os.path.join(csv, "frames.csv")) as f:
            header = f.readline().strip().split(",")
            lines = sum(1 for _ in f)
        self.assertEqual(header[0], "frame", header[:6])
        for col in ("t_s", "time_s", "r1c1_" + unit, "r%dc%d_%s" % (exp["frames"][1], exp["frames"][2], unit)):
            self.assertIn(col, header)
        self.assertEqual(len(header), header.index("r1c1_" + unit) + exp["frames"][1] * exp["frames"][2])
        self.assertEqual(lines, exp["frames"][0])
        with open(os.path.join(csv, "holds.csv")) as f:
            hh = f.readline().strip().split(",")
            self.assertEqual(sum(1 for _ in f), exp["holds"])
        self.assertIn("duration_s", hh)

    # -- MATLAB, statically --

    CALL = re.compile(r"\b(h5read|h5readatt|h5info)\(\s*f\s*,\s*'([^']+)'\s*(?:,\s*'([^']+)')?([^;%]*)")
    SHAPE = re.compile(r"%.*?\b(\w+(?:\s+x\s+\w+)+)\b")
    FIELD = re.compile(r"\b(\w+)\.(\w+)\b")

    def test_matlab_block_statically(self):
        blocks = self.blocks_of("matlab")
        for dev in DEVICES:
            with h5py.File(self.files[dev], "r") as f:
                for code, mk, line in blocks:
                    self.check_matlab(code, line, f)

    def check_matlab(self, code, first_line, f):
        n = f["frames"].shape[0]
        sym = {"N": n, "rows": int(f["device"].attrs["rows"]), "cols": int(f["device"].attrs["cols"]),
               "K": f["tare_t"].shape[0], "1": 1}
        compounds = {}
        calls = 0
        for i, text in enumerate(code.splitlines()):
            where = "docs/recording.md:%d" % (first_line + 1 + i)
            m = self.CALL.search(text)
            if not m:
                for var, field in self.FIELD.findall(text.split("%", 1)[0]):
                    if var in compounds:
                        self.assertIn(field, compounds[var], "%s: %s has no column %s" % (where, var, field))
                continue
            calls += 1
            fn, path, attr, rest = m.groups()
            self.assertIn(path, f, "%s: %s is not in the file" % (where, path))
            obj = f[path]
            if fn == "h5readatt":
                self.assertIn(attr, obj.attrs, "%s: %s has no attribute %s" % (where, path, attr))
                self.check_matlab_attr_type(where, obj, attr)
                continue
            self.assertIsInstance(obj, h5py.Dataset, where)
            self.check_matlab_type(where, obj.dtype)
            args = [a for a in re.findall(r"\[([^\]]*)\]", rest)]
            if fn == "h5read" and args:
                # start and count: one entry per dimension
                self.assertEqual(len(args), 2, where)
                for a in args:
                    a = re.sub(r"\([^()]*\)", "", a)  # min(n, 300) is one entry
                    self.assertEqual(len(a.split()), obj.ndim, "%s: %r for a rank-%d dataset" % (where, a, obj.ndim))
            var = re.match(r"\s*(\w+)\s*=", text)
            if obj.dtype.names and var:
                compounds[var.group(1)] = obj.dtype.names
            shape = self.SHAPE.search(text)
            if shape and not (fn == "h5read" and args):
                names = [w for w in re.split(r"\s+x\s+", shape.group(1))]
                if obj.dtype.names or obj.ndim == 1:
                    matlab = (obj.shape[0], 1)       # a 1-D dataset or a table: a column
                    sym_local = dict(sym, M=obj.shape[0])
                else:
                    matlab = tuple(reversed(obj.shape))  # MATLAB lists dimensions in reverse
                    sym_local = sym
                for w in names:
                    self.assertIn(w, sym_local, "%s: the comment's %r is no dimension the test knows" % (where, w))
                self.assertEqual(tuple(sym_local[w] for w in names), matlab,
                                 "%s: the comment says %s, MATLAB gets %s" % (where, shape.group(1), matlab))
        self.assertGreaterEqual(calls, 5, "the MATLAB block reads almost nothing")

    def check_matlab_type(self, where, dt):
        """What MATLAB's h5read reads: numbers, fixed strings, enums, and
        compounds of those (no variable-length or array members)."""
        if dt.names:
            for name in dt.names:
                sub = dt.fields[name][0]
                self.assertIsNone(sub.subdtype, "%s: %s is an array field" % (where, name))
                self.assertIsNone(h5py.check_vlen_dtype(sub), "%s: %s is variable-length" % (where, name))
                self.assertIn(sub.kind, "iufbS", "%s: %s is of type %s" % (where, name, sub))
        else:
            self.assertIsNone(h5py.check_vlen_dtype(dt), where)
            self.assertIn(dt.kind, "iufS", "%s: type %s" % (where, dt))

    def check_matlab_attr_type(self, where, obj, attr):
        a = obj.attrs.get_id(attr)
        dt = a.dtype
        if h5py.check_string_dtype(dt):
            return  # fixed or variable-length text: h5readatt returns char
        self.assertIn(dt.kind, "iuf", "%s: attribute %s of type %s" % (where, attr, dt))
        self.assertLessEqual(a.shape and int(np.prod(a.shape)) or 1, 1, where)

    # -- an imported file --

    def test_blocks_on_an_imported_file(self):
        """Another vendor's file as pressctl import writes it (no events of
        its own, no baseline): every python and R block runs on it, the tare
        block included (/analysis holds what it reads)."""
        fscan = os.path.join(ROOT, "../shared/fixtures/vendors/fscan_testL.asf")
        if not os.path.exists(fscan):
            fscan = "/work/shared/fixtures/vendors/fscan_testL.asf"
        path = os.path.join(self.s.dir, "imported-fscan.h5")
        if not os.path.exists(path):
            r = subprocess.run([PRESSCTL, "import", fscan, "-o", path], capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
        facts = {"frames": [205, 60, 21], "holds": 0, "tares": 0, "subject": ["none"], "pulses": 0,
                 "strokes": 0, "rolls": 0, "mark": [], "pulse_presses": 0, "holds_total_s": 0.0, "holds_reached": 0,
                 "settings": [], "setting": []}
        exp = Expected(path, v1_facts=facts)
        for lang in ("python", "r"):
            if lang == "r" and shutil.which("Rscript") is None:
                continue
            for code, mk, line in self.blocks_of(lang):
                if "live" in mk:
                    continue
                self.run_block(lang, code, line, {"REC": path}, exp, need=1)

    # -- format_version 1 --

    def test_v1_blocks_on_the_version_1_fixture(self):
        facts = {"frames": [1075, 12, 12], "holds": 3, "tares": 1, "subject": ["S01"]}  # its README
        exp = Expected(V1, v1_facts=facts)
        marked = [(l, c, mk, line) for l, c, mk, line in self.blocks if "v1" in mk]
        langs = {l for l, _, _, _ in marked}
        self.assertTrue({"python", "r"} <= langs, "the page marks python and R blocks as working on version 1")
        for lang, code, mk, line in marked:
            if lang == "r" and shutil.which("Rscript") is None:
                continue
            self.run_block(lang, code, line, {"REC": V1}, exp)


if __name__ == "__main__":
    unittest.main()
