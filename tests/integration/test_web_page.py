"""The dashboard in a real browser (Debian's headless chromium through
playwright-core) against pressd on its simulated devices: what the page
shows is compared with what pressd published on its ZeroMQ stream.
Screenshots are kept under the build tree (web-screenshots/)."""

import json
import os
import time
import unittest

from webtools import BrowserTestCase, Web, needs_browser
from zmqtools import bodies


def hottest(cells, rows, cols, dtype):
    import numpy as np
    a = np.frombuffer(cells, dtype="<u2" if dtype == "uint16" else "u1").reshape(rows, cols)
    i = int(a.argmax())
    return i // cols, i % cols


@needs_browser
class WebPage(BrowserTestCase):
    def test_page_shows_what_pressd_published(self):
        d = self.pressd("-d", "sim:mat?scenario=hold&rows=24&cols=40&id=mat0",
                        "-d", "sim:mat?scenario=glide&id=mat1", "-d", "sim:roller?id=roller0",
                        "-r", os.path.join(self.tmp.name, "rec"), trace=False, cwd=self.tmp.name)
        sub = self.collector(d.pub)
        web = Web(d.pub, d.control, "--controls", tmpdir=self.tmp.name)
        self.procs.append(web)
        time.sleep(5)
        # While the blob is held: the map's hottest cell is the frame's.
        early = self.probe(web, 3, "early.png", click="Mark")
        panels = {p["id"]: p for p in early["devices"]}
        self.assertEqual(set(panels), {"mat0", "mat1", "roller0"})
        frames = {(m.device, m.get("frame")): m for m in sub.snapshot() if m.type == "frame"}
        for dev, (rows, cols) in (("mat0", (24, 40)), ("mat1", (32, 32))):
            p = panels[dev]
            f = frames[(dev, p["frame"])]
            self.assertEqual((f.get("rows"), f.get("cols")), (rows, cols))
            r, c = hottest(f.cells, rows, cols, f.get("dtype"))
            if dev == "mat0":  # mat1's glide may be between strokes
                self.assertLessEqual(abs(r - p["hot"][0]), 1, (p, r, c))
                self.assertLessEqual(abs(c - p["hot"][1]), 1, (p, r, c))
        self.assertEqual(panels["mat0"]["hold"]["state"], "holding")
        self.assertIn("raw counts", panels["mat0"]["badge"])
        self.assertEqual(panels["mat0"]["buttons"], ["Mark", "Tare", "Start recording", "Stop recording"])
        self.assertTrue(sub.wait_for(lambda ms: bodies(ms, "mark"), 5), "Mark on the page published no mark")
        # Until the hold reached its target and the glide's passes are done.
        self.assertTrue(sub.wait_for(lambda ms: [h for h in bodies(ms, "hold", "mat0") if h.get("reached")], 45,
                                     d.proc), "no hold reached 30 s")
        strokes = bodies(sub.snapshot(), "stroke", "mat1")
        self.assertTrue(strokes)
        time.sleep(1)
        # A page opened late shows every device's state at once.
        late = self.probe(web, 1.5, "late.png")
        panels = {p["id"]: p for p in late["devices"]}
        holds = bodies(sub.snapshot(), "hold", "mat0")
        # The page shows the latest hold message it had received when its
        # panels were read, and that message is one pressd published (the
        # stream's very latest may have come after: a progress message a
        # second, and on a loaded machine the next hold may have begun).
        on_page = [e for e in late["probe"]["events"][:late["seen"]] if e["type"] == "hold" and e["device"] == "mat0"]
        self.assertTrue(on_page, "the late page received no hold message")
        shown = on_page[-1]
        same = [h for h in holds if h.get("id") == shown["id"] and h.get("duration") == shown["duration"]
                and bool(h.get("reached")) == bool(shown["reached"])]
        self.assertTrue(same, (shown, holds[-3:]))
        last = same[-1]
        want = "reached" if last.get("reached") else "ended" if last.get("phase") == "end" else "holding"
        self.assertEqual(panels["mat0"]["hold"]["state"], want, last)
        self.assertTrue([h for h in holds if h.get("reached")], "no hold reached its target")
        self.assertTrue(panels["mat0"]["hold"]["text"].startswith("%d s / 30 s" % int(last["duration"])),
                        (panels["mat0"]["hold"], last))
        self.assertEqual(int(panels["mat1"]["passes"]["pass"]), bodies(sub.snapshot(), "stroke", "mat1")[-1]["pass"])
        self.assertGreater(panels["roller0"]["rollerColumns"], 0)
        self.assertIn("streaming", panels["roller0"]["state"])
        self.assertEqual(late["conn"], "live")
        # Recording (-r): the page shows the file and its growing size;
        # Stop and Start act.
        rec = self.probe(web, 1.5, "recording.png")
        state = {p["id"]: p for p in rec["devices"]}["mat0"]["state"]
        self.assertRegex(state, r"recording \S*mat0-\d{8}T\d{6}Z(-\d+)?\.h5 \(\d+ frames, [\d.]+ (kB|MB)\)")
        self.probe(web, 0.5, "record-stop.png", click="Stop recording")
        self.assertTrue(sub.wait_for(lambda ms: [b for b in bodies(ms, "recording", "mat0")
                                                 if b.get("phase") == "stop"], 5), "the recording did not stop")
        self.probe(web, 0.5, "record-start.png", click="Start recording")
        self.assertTrue(sub.wait_for(lambda ms: len([b for b in bodies(ms, "recording", "mat0")
                                                     if b.get("phase") == "start"]) >= 1 and
                                     bodies(ms, "recording", "mat0")[-1].get("phase") == "start", 5),
                        "the recording did not start again")
        # Controls off: no buttons.
        web2 = Web(d.pub, d.control, tmpdir=self.tmp.name)
        self.procs.append(web2)
        off = self.probe(web2, 1.5, "controls-off.png")
        self.assertEqual([p["buttons"] for p in off["devices"]], [[], [], []])
        sub.stop()


    def test_page_reconnects_when_pressd_web_restarts(self):
        d = self.pressd("-d", "sim:mat", trace=False, cwd=self.tmp.name)
        web = Web(d.pub, d.control, tmpdir=self.tmp.name)
        self.procs.append(web)
        box = {}

        def restart():
            time.sleep(4)
            self.assertEqual(web.stop(), 0)
            time.sleep(2)
            box["web"] = Web(d.pub, d.control, tmpdir=self.tmp.name, port=web.port)
            self.procs.append(box["web"])

        out = self.probe(web, 14, "reconnect.png", during=restart)
        self.assertTrue(any("reconnecting" in s for s in out["connLog"]), out["connLog"])
        self.assertEqual(out["conn"], "live", out["connLog"])
        # frames flowed again after the restart
        after = json.loads(box["web"].get("/api/stats")[1])
        self.assertGreater(after["sent"], 0, after)
        self.assertEqual(out["devices"][0]["id"], "mat0")

    def test_page_says_signed_out_when_the_token_is_rotated(self):
        d = self.pressd("-d", "sim:mat", trace=False, cwd=self.tmp.name)
        web = Web(d.pub, d.control, tmpdir=self.tmp.name)
        self.procs.append(web)

        def rotate():  # once the page is live (chromium may take seconds to start)
            deadline = time.monotonic() + 60
            while json.loads(web.get("/api/stats")[1])["clients"] < 1 and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1)
            self.assertEqual(web.stop(), 0)
            os.unlink(web.token_file)  # the administrator's rotation
            self.procs.append(Web(d.pub, d.control, tmpdir=self.tmp.name, port=web.port))

        out = self.probe(web, 10, "signed-out.png", during=rotate)
        self.assertIn("signed out", out["conn"], out["connLog"])


if __name__ == "__main__":
    unittest.main()
