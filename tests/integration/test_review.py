#!/usr/bin/python3
"""The review page (/review) of pressd-web on recordings rec_write makes
(the scenario generator run through the analysis: holds, presses, marks):
its API checked against h5py (frames bit for bit, events' frame spans,
baselines), and the page in headless chromium (playwright-core): opening a
recording from the list, scrubbing to a hold shows the blob there,
clicking an event jumps to its frame, the session maps are hottest where
numpy's are, playing advances, the PDF link downloads pressctl's report.
Bad requests and bad files get a status and a message, never a crash:
names that climb out, symlinks, files that are not recordings, truncated,
still being recorded, left unfinished; no directory configured."""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import time
import unittest
import urllib.parse

import h5py
import numpy as np

import harness
from test_import import FIXTURES, PRESSCTL
from test_report import FIXTURE_V1, REC_WRITE, pdf_text, rec_write
from webtools import Web, WebTestCase

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(HERE, "..", "web", "review_probe.mjs")
NODE_MODULES = os.path.join(HERE, "..", "..", "node_modules", "playwright-core")
SHOTS = os.path.join(harness.BIN, "..", "web-screenshots")


def q(name):
    return urllib.parse.quote(name)


def frames_reply(body):
    (n,) = struct.unpack_from("<I", body)
    return json.loads(body[4:4 + n]), body[4 + n:]


def baselines(f):
    """[(from t, cells)] of /tare: version 2 [K, rows, cols] with /tare_t
    (NaN: from the start); version 1 one [rows, cols] from the start."""
    if "tare" not in f:
        return []
    tare = f["tare"][:]
    if "tare_t" not in f:
        return [(-np.inf, tare)]
    return [(-np.inf if np.isnan(t) else t, cells) for t, cells in zip(f["tare_t"][:], tare)]


def tared(f, i):
    """Frame i tared with the baseline in force (as report/summary.c), in the file's unit."""
    a = f["frames"][i].astype(np.float64)
    t = f["t"][i]
    base = None
    for since, cells in baselines(f):
        if since <= t:
            base = cells
    if base is not None:
        a = a - base
    return np.clip(a, 0, None) * f["frames"].attrs["conversion"]


def peak_map(f):
    """The session's peak-pressure map, tared frame by frame, in blocks."""
    n, t, out = f["frames"].shape[0], f["t"][:], None
    bases = baselines(f)
    for i in range(0, n, 2000):
        a = f["frames"][i:i + 2000].astype(np.float64)
        for k in range(a.shape[0]):
            base = None
            for since, cells in bases:
                if since <= t[i + k]:
                    base = cells
            if base is not None:
                a[k] -= base
        m = np.clip(a, 0, None).max(axis=0)
        out = m if out is None else np.maximum(out, m)
    return out * f["frames"].attrs["conversion"]


class ReviewCase(WebTestCase):
    def setUp(self):
        super().setUp()
        if not REC_WRITE:
            self.skipTest("needs REC_WRITE (run through ctest)")
        self.dir = os.path.join(self.tmp.name, "recordings")
        os.mkdir(self.dir)

    def put(self, *args, sub=""):
        """A recording rec_write makes, moved into the recordings directory: its name there."""
        path = rec_write(self, *args)
        dest = os.path.join(self.dir, sub)
        os.makedirs(dest, exist_ok=True)
        shutil.move(path, dest)
        return os.path.join(sub, os.path.basename(path)) if sub else os.path.basename(path)

    def web(self, *args):
        w = Web("tcp://127.0.0.1:1", None, *args, tmpdir=self.tmp.name)
        self.procs.append(w)
        return w

    def json(self, web, path, status=200):
        code, body = web.get(path)
        self.assertEqual(code, status, body)
        return json.loads(body)


class ReviewApi(ReviewCase):
    def test_list_info_frames_maps_and_report(self):
        mat = self.put("--events", "--calibrated", "kPa:0.05", "--tare-at", "2000", "--meta", "subject=S07")
        roller = self.put("--events", "--kind", "roller", sub="rollers")
        web = self.web("--recordings", self.dir)
        listed = self.json(web, "/api/review/list")
        self.assertEqual(listed["dir"], self.dir)
        names = {r["name"]: r for r in listed["recordings"]}
        self.assertEqual(set(names), {mat, roller})
        with h5py.File(os.path.join(self.dir, mat)) as f:
            self.assertEqual(names[mat]["frames"], f["frames"].shape[0])
            self.assertEqual(names[mat]["subject"], "S07")
            self.assertEqual(names[mat]["unit"], "kPa")
            self.assertEqual(names[mat]["state"], "complete")
            info = self.json(web, "/api/review/info?name=" + q(mat))
            t, time = f["t"][:], f["time"][:]
            self.assertEqual(info["frames"], len(t))
            self.assertAlmostEqual(info["conversion"], f["frames"].attrs["conversion"])
            # Every event of every table, with the frames it spans.
            types = {"press": "presses", "hold": "holds", "mark": "marks", "pulses": "pulses", "stroke": "strokes"}
            for typ, table in types.items():
                rows = f["events/" + table][:] if "events/" + table in f else []
                got = [e for e in info["events"] if e["type"] == typ]
                self.assertEqual(len(got), len(rows), typ)
                for e, row in zip(sorted(got, key=lambda e: e["seq"]), sorted(rows, key=lambda r: r["seq"])):
                    if typ == "mark":
                        want = int(np.searchsorted(time, row["time"]))
                        self.assertEqual((e["from"], e["to"]), (want, want))
                    else:
                        start = row["t_start"] if "t_start" in row.dtype.names else row["t"] - row["duration"]
                        self.assertEqual(e["from"], int(np.searchsorted(t, start)), (typ, e))
                        self.assertEqual(e["to"], int(np.searchsorted(t, row["t"])), (typ, e))
            self.assertTrue([e for e in info["events"] if e["type"] == "hold"], "the scenario has a hold")
            # Baselines: the recorded cells, in force from their frame.
            self.assertEqual(len(info["tares"]), f["tare"].shape[0])
            for b, cells, bt in zip(info["tares"], f["tare"][:], f["tare_t"][:]):
                np.testing.assert_allclose(np.array(b["cells"]).reshape(cells.shape), cells)
                self.assertEqual(b["from"], 0 if np.isnan(bt) else int(np.searchsorted(t, bt)))
            # Frames in a range, every 7th: the stored cells bit for bit.
            code, body = web.get("/api/review/frames?name=%s&from=100&count=50&step=7" % q(mat))
            self.assertEqual(code, 200)
            h, cells = frames_reply(body)
            self.assertEqual(h["index"], list(range(100, 100 + 50 * 7, 7)))
            want = f["frames"][100:100 + 50 * 7:7]
            self.assertEqual(cells, want.astype("<u2").tobytes())
            np.testing.assert_array_equal(h["t"], t[100:100 + 50 * 7:7])
            # The end of the file: what is there.
            code, body = web.get("/api/review/frames?name=%s&from=%d&count=10" % (q(mat), len(t) - 3))
            self.assertEqual(frames_reply(body)[0]["count"], 3)
            # The session maps: the report's, against numpy.
            maps = self.json(web, "/api/review/maps?name=" + q(mat))
            peak = peak_map(f)
            np.testing.assert_allclose(np.array(maps["peak"]).reshape(peak.shape), peak, rtol=1e-5, atol=1e-6)
            self.assertEqual(maps["unit"], "kPa")
        # The roller's maps: load along the axis × position, only the rows it visited.
        maps = self.json(web, "/api/review/maps?name=" + q(roller))
        self.assertTrue(maps["roller"])
        self.assertGreater(maps["rows"], 1)
        self.assertGreater(maps["peak_max"], 0)
        self.assertEqual(len(maps["peak"]), maps["rows"] * maps["cols"])
        # The PDF: pressctl report's, named after the recording.
        code, body = web.get("/api/review/report?name=" + q(mat))
        self.assertEqual(code, 200)
        self.assertTrue(body.startswith(b"%PDF"))
        pdf = os.path.join(self.tmp.name, "dl.pdf")
        with open(pdf, "wb") as out:
            out.write(body)
        text = "\n".join(pdf_text(pdf))
        self.assertIn("S07", text)
        self.assertIn(os.path.basename(mat), text)
        self.assertEqual(os.listdir(self.tmp.name + "/recordings/rollers"), [os.path.basename(roller)],
                         "the review wrote into the recordings directory")

    def test_bad_requests_and_bad_files(self):
        good = self.put("--frames", "400", "--events")
        # not HDF5; HDF5 but not a recording; truncated
        with open(os.path.join(self.dir, "junk.h5"), "wb") as out:
            out.write(b"not a recording\n" * 100)
        with h5py.File(os.path.join(self.dir, "other.h5"), "w") as f:
            f["x"] = np.arange(10)
        with open(os.path.join(self.dir, good), "rb") as src, open(os.path.join(self.dir, "cut.h5"), "wb") as out:
            out.write(src.read()[:20000])
        # a link out of the directory, and one inside it
        secret = os.path.join(self.tmp.name, "secret.h5")
        shutil.copy(os.path.join(self.dir, good), secret)
        os.symlink(secret, os.path.join(self.dir, "link.h5"))
        os.symlink(self.tmp.name, os.path.join(self.dir, "up"))
        web = self.web("--recordings", self.dir)
        listed = {r["name"]: r for r in self.json(web, "/api/review/list")["recordings"]}
        self.assertEqual(set(listed), {good, "junk.h5", "other.h5", "cut.h5"}, "links are not listed")
        for name in ("junk.h5", "other.h5", "cut.h5"):
            self.assertEqual(listed[name]["state"], "unreadable", listed[name])
            self.assertIn(name, listed[name]["error"])
            err = self.json(web, "/api/review/info?name=" + q(name), 422)["error"]
            self.assertIn(name, err)
            self.assertNotIn("/proc/self", err)
            self.assertEqual(web.get("/api/review/report?name=" + q(name))[0], 422)
        self.assertIn("not a pressd recording", listed["other.h5"]["error"])
        for name, status in (("../secret.h5", 400), ("up/secret.h5", 404), ("link.h5", 404), (".hidden.h5", 400),
                             ("/etc/passwd", 400), ("nothing.h5", 404), ("x" * 2000 + ".h5", 400), ("a.txt", 400)):
            self.assertEqual(web.get("/api/review/info?name=" + q(name))[0], status, name)
            self.assertEqual(web.get("/api/review/frames?name=" + q(name))[0], status, name)
        self.assertEqual(web.get("/api/review/info")[0], 400)
        for query in ("from=-1", "from=400", "count=0", "count=1001", "step=0", "from=x"):
            code, body = web.get("/api/review/frames?name=%s&%s" % (q(good), query))
            self.assertEqual(code, 400, (query, body))
            self.assertIn("error", json.loads(body))
        # Still alive and answering after all that.
        self.assertEqual(self.json(web, "/api/review/info?name=" + q(good))["frames"], 400)
        self.assertIsNone(web.proc.poll())

    def test_live_and_unfinished_recordings(self):
        w = subprocess.Popen([REC_WRITE, "--slow", "--frames", "6000", "--events", self.dir],
                             stdout=subprocess.PIPE, text=True)
        self.procs.append(w)
        path = re.search(r"^path (.*)$", w.stdout.readline()).group(1)
        self.assertTrue(w.stdout.readline().startswith("flushed"))
        name = os.path.basename(path)
        web = self.web("--recordings", self.dir)
        listed = self.json(web, "/api/review/list")["recordings"]
        self.assertEqual([(r["name"], r["state"]) for r in listed], [(name, "recording")])
        info = self.json(web, "/api/review/info?name=" + q(name))
        self.assertEqual(info["state"], "recording")
        self.assertGreater(info["frames"], 0)
        self.assertIn("still being recorded", self.json(web, "/api/review/maps?name=" + q(name), 409)["error"])
        self.assertIn("still being recorded", self.json(web, "/api/review/report?name=" + q(name), 422)["error"])
        w.send_signal(signal.SIGKILL)
        w.wait()
        w.stdout.close()
        err = self.json(web, "/api/review/info?name=" + q(name), 409)["error"]
        self.assertIn("pressctl recover", err)
        self.assertEqual(self.json(web, "/api/review/list")["recordings"][0]["state"], "unfinished")

    def test_config_names_the_directory(self):
        """[daemon] record_dir is the review's directory unless [web]
        recordings or --recordings says otherwise; pressd itself accepts
        the file with pressd-web's [web] section in it."""
        other = os.path.join(self.tmp.name, "other")
        os.mkdir(other)
        conf = os.path.join(self.tmp.name, "pressd.conf")
        with open(conf, "w") as f:
            f.write("[daemon]\nrecord_dir = %s\n\n[web]\ncontrols = false\n" % self.dir)
        self.assertEqual(self.json(self.web("-c", conf), "/api/review/list")["dir"], self.dir)
        with open(conf, "a") as f:
            f.write("recordings = %s\n" % other)
        self.assertEqual(self.json(self.web("-c", conf), "/api/review/list")["dir"], other)
        self.assertEqual(self.json(self.web("-c", conf, "--recordings", self.dir), "/api/review/list")["dir"],
                         self.dir)
        d = self.pressd("-c", conf, "-d", "sim:mat", trace=False)
        self.assertTrue(d.wait_for(lambda: "sim:mat" in d.text(), timeout=10), d.text())
        time.sleep(1)
        self.assertIsNone(d.proc.poll(), d.text())
        with open(conf, "a") as f:
            f.write("recordings =\n")
        p = subprocess.run([os.path.join(harness.BIN, "pressd-web"), "-c", conf], capture_output=True, text=True,
                           timeout=10)
        self.assertEqual(p.returncode, 78, p.stderr)
        self.assertIn("web.recordings", p.stderr)
        p = subprocess.run([os.path.join(harness.BIN, "pressd-web"), "--recordings", ""], capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(p.returncode, 64, p.stderr)

    def test_imported_and_version_1_recordings(self):
        """Other vendors' files imported (docs/import.md) and a version 1
        recording review like pressd's own: listed with their source,
        described, their frames and maps served."""
        fixtures = ("fscan_testL.asf", "xsensor_data.csv", "emed_test.lst", "pliance_test.asc")
        for fx in fixtures:
            p = subprocess.run([PRESSCTL, "import", os.path.join(FIXTURES, fx), "-o",
                                os.path.join(self.dir, fx.replace(".", "_") + ".h5")],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
        shutil.copy(FIXTURE_V1, os.path.join(self.dir, "v1.h5"))
        web = self.web("--recordings", self.dir)
        listed = {r["name"]: r for r in self.json(web, "/api/review/list")["recordings"]}
        self.assertEqual(len(listed), len(fixtures) + 1)
        for name, r in listed.items():
            self.assertEqual(r["state"], "complete", r)
            info = self.json(web, "/api/review/info?name=" + q(name))
            with h5py.File(os.path.join(self.dir, name)) as f:
                n = f["frames"].shape[0]
                self.assertEqual(info["frames"], n)
                if name != "v1.h5":
                    self.assertEqual(r["source_format"], f.attrs["source_format"].decode()
                                     if isinstance(f.attrs["source_format"], bytes) else f.attrs["source_format"])
                i = n // 2
                code, body = web.get("/api/review/frames?name=%s&from=%d" % (q(name), i))
                self.assertEqual(code, 200, body)
                h, cells = frames_reply(body)
                dtype = "<u2" if h["cell_bits"] == 16 else "u1"
                self.assertEqual(cells, f["frames"][i].astype(dtype).tobytes(), name)
                maps = self.json(web, "/api/review/maps?name=" + q(name))
                peak = peak_map(f)
                if not maps["roller"]:
                    np.testing.assert_allclose(np.array(maps["peak"]).reshape(peak.shape), peak, rtol=1e-5,
                                               atol=1e-6 * max(1.0, float(peak.max())), err_msg=name)
        self.assertEqual(self.json(web, "/api/review/info?name=v1.h5")["format_version"], 1)

    def test_no_directory_configured(self):
        web = self.web()
        listed = self.json(web, "/api/review/list")
        self.assertIsNone(listed["dir"])
        self.assertEqual(listed["recordings"], [])
        self.assertIn("--recordings", listed["error"])
        self.assertIn("--recordings", self.json(web, "/api/review/info?name=a.h5", 404)["error"])
        # a directory that is not there (yet): said, not fatal
        web2 = self.web("--recordings", os.path.join(self.tmp.name, "later"))
        self.assertIn("cannot read", self.json(web2, "/api/review/list")["error"])


@unittest.skipUnless(shutil.which("node") and os.path.exists("/usr/bin/chromium") and os.path.isdir(NODE_MODULES),
                     "needs node, /usr/bin/chromium and npm ci (scripts/install-deps)")
class ReviewPage(ReviewCase):
    def probe(self, web, steps):
        os.makedirs(SHOTS, exist_ok=True)
        p = subprocess.run(["node", PROBE, web.url("/review"), json.dumps(steps), SHOTS],
                           capture_output=True, text=True, timeout=240)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        out = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(out["errors"], [], out["errors"])
        self.assertEqual(out["external"], [], "the page fetched from the network")
        return out["steps"]

    def test_scrub_events_maps_play_and_pdf(self):
        mat = self.put("--events", "--calibrated", "kPa:0.05", "--rows", "24", "--cols", "40")
        self.put("--events", "--kind", "roller")
        web = self.web("--recordings", self.dir)
        with h5py.File(os.path.join(self.dir, mat)) as f:
            t, time = f["t"][:], f["time"][:]
            hold = f["events/holds"][0]
            h_from, h_to = int(np.searchsorted(t, hold["t_start"])), int(np.searchsorted(t, hold["t"]))
            middle = (h_from + h_to) // 2
            blob = tared(f, middle)
            peak = peak_map(f)
            mark = np.sort(f["events/marks"][:], order="time")[0]
            mark_frame = int(np.searchsorted(time, mark["time"]))
        dev = self.json(web, "/api/review/info?name=" + q(mat))["device"]
        pitch = (dev["pitch_x_mm"], dev["pitch_y_mm"])
        steps = self.probe(web, [
            {"open": mat, "shot": "review-open.png"},
            {"scrub": middle, "shot": "review-hold.png"},
            {"scrub": 0},
            {"event": "hold at"},
            {"event": "mark at", "shot": "review-mark.png"},
            {"play": 2, "speed": 5},
            {"download": True},
        ])
        opened, at_hold, _, on_hold, on_mark, played, dl = steps
        self.assertEqual(len(opened["state"]["list"]), 2)
        self.assertIn(mat, opened["state"]["list"])
        self.assertEqual(opened["state"]["frame"], 0)
        # Scrubbed into the hold: the map's hottest cell is the frame's, and
        # where the hold was.
        s = at_hold["state"]
        self.assertEqual(s["frame"], middle)
        want = np.unravel_index(int(blob.argmax()), blob.shape)
        self.assertLessEqual(abs(s["hot"][0] - want[0]), 1, (s["hot"], want))
        self.assertLessEqual(abs(s["hot"][1] - want[1]), 1, (s["hot"], want))
        self.assertLessEqual(abs(s["hot"][1] - hold["x"] / pitch[0]), 1.5, (s["hot"], hold))
        self.assertLessEqual(abs(s["hot"][0] - hold["y"] / pitch[1]), 1.5, (s["hot"], hold))
        self.assertAlmostEqual(s["peak"], float(blob.max()), places=2)
        self.assertIn("hold", s["current"])
        self.assertIn("frame %d of %d" % (middle + 1, len(t)), s["moment"])
        # Clicking an event jumps to its first frame.
        self.assertEqual(on_hold["state"]["frame"], h_from)
        self.assertEqual(on_hold["state"]["timeline"], h_from)
        self.assertEqual(on_mark["state"]["frame"], mark_frame)
        self.assertIn("mark", on_mark["state"]["current"])
        # The session maps, hottest where numpy's peak map is.
        maps = {m["name"]: m for m in opened["state"]["maps"]}
        self.assertEqual(set(maps), {"peak pressure map", "pressure-time map", "time under pressure map"})
        want = np.unravel_index(int(peak.argmax()), peak.shape)
        self.assertLessEqual(abs(maps["peak pressure map"]["hot"][0] - want[0]), 1)
        self.assertLessEqual(abs(maps["peak pressure map"]["hot"][1] - want[1]), 1)
        self.assertAlmostEqual(maps["peak pressure map"]["peak"], float(peak.max()), places=2)
        # Playing at 5× moves on, frame after frame.
        self.assertGreater(played["state"]["frame"], played["before"] + 100 * 5 * 1)
        self.assertGreater(played["painted"], 20)
        # The PDF link: pressctl report's PDF of this recording.
        self.assertEqual(dl["filename"], mat[:-3] + ".pdf")
        self.assertIn(mat, "\n".join(pdf_text(dl["path"])))

    def test_roller_and_a_page_opened_on_a_moment(self):
        roller = self.put("--events", "--kind", "roller")
        web = self.web("--recordings", self.dir)
        steps = self.probe(web, [{"open": roller, "shot": "review-roller.png"}, {"scrub": 700}])
        s = steps[1]["state"]
        self.assertEqual(s["frame"], 700)
        self.assertEqual(len(s["maps"]), 3)
        self.assertGreater(s["maps"][0]["peak"], 0)
        self.assertIn("roller", s["about"])


if __name__ == "__main__":
    unittest.main()
