"""pressctl against a fake pressd: a REP socket that records every request
and answers what the test says, and an XPUB socket that records every
subscription and, once pressctl has subscribed, publishes a scripted list
of messages (events.md's framing: topic, JSON, cells). Nothing of the real
daemon is needed, so this pins pressctl to the contract alone."""

import json
import os
import signal
import struct
import subprocess
import threading
import time
import unittest

import zmq

from zmqtools import free_port

BIN = os.environ.get("PRESSD_BIN", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../build/bin"))
PRESSCTL = os.path.join(BIN, "pressctl")

T0 = 1_700_000_000.25  # a UTC instant for the scripted messages


def clock(utc):
    """What pressctl prints for a `time`: local HH:MM:SS.mmm."""
    tm = time.localtime(int(utc))
    return "%02d:%02d:%02d.%03d" % (tm.tm_hour, tm.tm_min, tm.tm_sec, int((utc - int(utc)) * 1000))


def event(type_, device, seq, **fields):
    """[topic, JSON] of one message, with the fields every object carries."""
    d = {"v": 1, "type": type_, "device": device, "seq": seq, "time": T0 + seq}
    d.update(fields)
    return [("%s/%s" % (type_, device)).encode(), json.dumps(d).encode()]


def frame(device, seq, rows, cols, cells, dtype="uint16", frame_no=None, t=None):
    fmt = "<%d%s" % (rows * cols, "H" if dtype == "uint16" else "B")
    parts = event("frame", device, seq, t=t if t is not None else seq / 100, frame=frame_no if frame_no is not None else seq,
                  rows=rows, cols=cols, dtype=dtype, units="counts", units_per_count=1)
    return parts + [struct.pack(fmt, *cells)]


class FakeDaemon(threading.Thread):
    """reply(request_dict or None for bad JSON) -> dict, or bytes sent as they are."""

    def __init__(self, reply=None, script=()):
        super().__init__(daemon=True)
        self.ctx = zmq.Context()
        self.rep = self.ctx.socket(zmq.REP)
        self.control = "tcp://127.0.0.1:%d" % self.rep.bind_to_random_port("tcp://127.0.0.1")
        self.xpub = self.ctx.socket(zmq.XPUB)
        self.xpub.setsockopt(zmq.XPUB_VERBOSE, 1)
        self.pub = "tcp://127.0.0.1:%d" % self.xpub.bind_to_random_port("tcp://127.0.0.1")
        self.reply = reply or (lambda req: {"ok": True})
        self.script = list(script)
        self.requests = []
        self.subs = []
        self.subscribed = threading.Event()
        self.published = threading.Event()
        self.halt = threading.Event()
        self.start()

    def run(self):
        poller = zmq.Poller()
        poller.register(self.rep, zmq.POLLIN)
        poller.register(self.xpub, zmq.POLLIN)
        first_sub = None
        while not self.halt.is_set():
            ready = dict(poller.poll(20))
            if self.rep in ready:
                raw = self.rep.recv()
                self.requests.append(raw)
                try:
                    req = json.loads(raw)
                except ValueError:
                    req = None
                r = self.reply(req)
                self.rep.send(r if isinstance(r, bytes) else json.dumps(r).encode())
            if self.xpub in ready:
                m = self.xpub.recv()
                if m[:1] == b"\x01":
                    self.subs.append(m[1:])
                    first_sub = first_sub or time.monotonic()
                    self.subscribed.set()
            # every subscription of one client comes at once: publish a bit after the first
            if first_sub and not self.published.is_set() and time.monotonic() - first_sub > 0.3:
                for parts in self.script:
                    self.xpub.send_multipart(parts)
                self.published.set()
        self.rep.close(0)
        self.xpub.close(0)
        self.ctx.term()

    def stop(self):
        self.halt.set()
        self.join(5)

    def request(self, i=-1):
        return json.loads(self.requests[i])


def run(*args, timeout=15, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([PRESSCTL, *args], capture_output=True, text=True, timeout=timeout, env=e)


STATUS_REPLY = {
    "ok": True,
    "devices": [{
        "id": "mat0", "state": "streaming",
        "info": {"kind": "mat", "model": "sim-mat", "serial": "SIM0001", "firmware": "1.0", "rows": 32,
                 "cols": 32, "pitch_x_mm": 10.0, "pitch_y_mm": 10.0, "rate_hz": 100.0, "units": "counts",
                 "full_scale": 4095},
        "stats": {"frames": 1234, "bytes": 2468000, "crc_errors": 1, "decode_errors": 2, "resyncs": 0,
                  "frames_lost": 3, "publish_dropped": 0, "archive_frames": 1200, "archive_lag": 0},
        "recording": "/var/lib/pressd/mat0-20240101T120000.h5",
    }, {
        "id": "roller0", "state": "error", "error": "no INFO after 5 s",
        "info": {"kind": "roller", "rows": 1, "cols": 8},
        "stats": {"frames": 0},
    }],
}

# the scripted stream: every type pressctl formats, two devices, one frame
SCRIPT = [
    event("status", "mat0", 1, state="streaming", info=STATUS_REPLY["devices"][0]["info"],
          stats=STATUS_REPLY["devices"][0]["stats"]),
    event("contact", "mat0", 2, t=1.5, frame=150, phase="start", id=7, x=158.7, y=152.8, col=2.0, row=1.0,
          cop_x=158.0, cop_y=152.0, peak=2407, area_mm2=1200.0, units="counts"),
    event("hold", "mat0", 3, t=31.0, frame=3100, phase="progress", id=3, contact=7, x=158.7, y=152.8,
          t_start=1.0, duration=30.0, peak=2407, mean=2377, impulse=71320.0, drift_mm=0.29, target_s=30,
          reached=True, units="counts"),
    frame("mat0", 4, 2, 3, [0, 100, 4095, 0, 0, 50]),
    event("mark", "mat1", 5, label="set 2 starts"),
    event("hold", "mat1", 6, t=12.0, frame=1200, phase="end", id=1, contact=0, x=10.0, y=20.0, t_start=2.0,
          duration=10.0, peak=900, mean=850, impulse=8500.0, drift_mm=1.5, target_s=30, reached=False,
          units="counts"),
]
# JSON as a daemon might space it: --json must print it byte for byte
SCRIPT[2][1] = SCRIPT[2][1].replace(b", ", b",  ")


class PressctlTest(unittest.TestCase):
    def setUp(self):
        self.fakes = []

    def tearDown(self):
        for f in self.fakes:
            f.stop()

    def fake(self, **kw):
        f = FakeDaemon(**kw)
        self.fakes.append(f)
        return f

    def ctl(self, f, *args, **kw):
        return run("-C", f.control, "-p", f.pub, *args, **kw)


class CommandLine(PressctlTest):
    def test_help_and_version(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        for word in ("status", "watch", "record start", "tare", "mark", "set", "version", "--map", "--json",
                     "tcp://127.0.0.1:5555", "tcp://127.0.0.1:5556"):
            self.assertIn(word, r.stdout)
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^pressctl \d+\.\d+\.\d+\n$")

    def test_bad_usage_exits_64(self):
        cases = ([], ["frob"], ["--frob", "status"], ["status", "extra"], ["set", "key"], ["tare"],
                 ["tare", "a", "b"], ["record"], ["record", "pause"], ["record", "stop", "--dir", "/tmp"],
                 ["record", "start", "--meta", "novalue"], ["mark"], ["watch", "--frames", "2"],
                 ["watch", "--map", "--type", "hold"], ["watch", "--count", "0"], ["-t", "soon", "status"],
                 ["-C"], ["watch", "--type", "hold/mat0"], ["-C", "nonsense", "status"])
        for args in cases:
            r = run(*args)
            self.assertEqual(r.returncode, 64, (args, r.stdout, r.stderr))
            self.assertIn("pressctl: ", r.stderr, args)
            self.assertEqual(r.stdout, "", args)

    def test_unreachable_daemon_exits_69_in_time(self):
        port = free_port()
        for args, secs in ((["-t", "0.5"], "0.5"), ([], "3")):
            start = time.monotonic()
            r = run("-C", "tcp://127.0.0.1:%d" % port, *args, "status")
            took = time.monotonic() - start
            self.assertEqual(r.returncode, 69, r.stderr)
            self.assertIn("pressctl: no answer from tcp://127.0.0.1:%d within %s s: is pressd running?" % (port, secs),
                          r.stderr)
            self.assertLess(took, float(secs) + 1.5)
            self.assertGreaterEqual(took, float(secs) * 0.9)


class Control(PressctlTest):
    def test_requests_are_exactly_the_contract(self):
        f = self.fake(reply=lambda req: {"ok": True, "recordings": [], "version": "9.8.7", "schema": 1,
                                         "devices": []})
        cwd = os.getcwd()
        cases = [
            (["status"], {"cmd": "status"}),
            (["record", "start"], {"cmd": "record_start"}),
            (["record", "start", "--device", "mat0", "--dir", "/data/rec", "--meta", "subject=S01",
              "--meta", "session=2", "--meta", "notes=left calf = sore"],
             {"cmd": "record_start", "device": "mat0", "dir": "/data/rec",
              "meta": {"subject": "S01", "session": "2", "notes": "left calf = sore"}}),
            (["record", "start", "--dir=rec"], {"cmd": "record_start", "dir": os.path.join(cwd, "rec")}),
            (["record", "stop"], {"cmd": "record_stop"}),
            (["record", "stop", "-d", "mat1"], {"cmd": "record_stop", "device": "mat1"}),
            (["tare", "mat0"], {"cmd": "tare", "device": "mat0"}),
            (["mark", "start"], {"cmd": "mark", "label": "start"}),
            (["mark", "--device", "mat1", "set", "2", "starts"], {"cmd": "mark", "device": "mat1", "label": "set 2 starts"}),
            (["set", "hold_min_s", "2"], {"cmd": "set", "key": "hold_min_s", "value": 2}),
            (["set", "analysis.contact_on", "4%", "--device", "mat0"],
             {"cmd": "set", "key": "analysis.contact_on", "value": "4%", "device": "mat0"}),
            (["set", "release_s", "-0.5"], {"cmd": "set", "key": "release_s", "value": -0.5}),
            (["set", "hold_target_s", "1e3"], {"cmd": "set", "key": "hold_target_s", "value": 1000.0}),
            (["set", "hold_target_s", ".5"], {"cmd": "set", "key": "hold_target_s", "value": 0.5}),
            (["set", "tare_at_start", "true"], {"cmd": "set", "key": "tare_at_start", "value": "true"}),
            (["set", "noise", "0x10"], {"cmd": "set", "key": "noise", "value": "0x10"}),
            (["--json", "version"], {"cmd": "version"}),
        ]
        for args, want in cases:
            r = self.ctl(f, *args)
            self.assertEqual(r.returncode, 0, (args, r.stderr))
            got = f.request()
            self.assertEqual(got, want, args)
            self.assertEqual(type(got.get("value")), type(want.get("value")), args)

    def test_refusal_exits_1_with_the_reason(self):
        f = self.fake(reply=lambda req: {"ok": False, "error": "no device 'mat9'"})
        r = self.ctl(f, "tare", "mat9")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no device 'mat9'", r.stderr)
        self.assertEqual(r.stdout, "")
        f = self.fake(reply=lambda req: {"ok": False})
        r = self.ctl(f, "set", "nope", "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("set", r.stderr)

    def test_malformed_reply_exits_76(self):
        for body in (b"not json", b"[1,2]", b'{"okay":true}'):
            f = self.fake(reply=lambda req, body=body: body)
            r = self.ctl(f, "status")
            self.assertEqual(r.returncode, 76, (body, r.stderr))
            self.assertIn(f.control, r.stderr)

    def test_status_table_and_raw_json(self):
        raw = json.dumps(STATUS_REPLY, indent=None, separators=(", ", ":")).encode()
        f = self.fake(reply=lambda req: raw)
        r = self.ctl(f, "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertRegex(lines[0], r"^DEVICE +STATE +KIND +SIZE +RATE +FRAMES +LOST +ERRORS +RECORDING$")
        self.assertRegex(lines[1], r"^mat0 +streaming +mat +32x32 +100 Hz +1234 +3 +3 +/var/lib/pressd/mat0-\S+\.h5$")
        self.assertIn("full_scale=4095", r.stdout)
        self.assertIn("publish_dropped=0", r.stdout)
        self.assertRegex(r.stdout, r"\nroller0 +error +roller +1x8 ")
        self.assertIn("error: no INFO after 5 s", r.stdout)
        # columns line up
        self.assertEqual(lines[0].index("STATE"), lines[1].index("streaming"))
        r = self.ctl(f, "--json", "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, raw.decode() + "\n")
        r = self.ctl(f, "status", "--json")  # options after the command too
        self.assertEqual(r.stdout, raw.decode() + "\n")

    def test_record_and_version_output(self):
        def reply(req):
            if req["cmd"] == "record_start":
                return {"ok": True, "recordings": [{"device": "mat0", "path": "/rec/mat0-1.h5"}]}
            if req["cmd"] == "record_stop":
                return {"ok": True, "recordings": [{"device": "mat0", "path": "/rec/mat0-1.h5", "frames": 3000}]}
            return {"ok": True, "version": "0.2.0", "schema": 1}
        f = self.fake(reply=reply)
        r = self.ctl(f, "record", "start")
        self.assertEqual(r.stdout, "mat0: recording to /rec/mat0-1.h5\n")
        r = self.ctl(f, "record", "stop")
        self.assertEqual(r.stdout, "mat0: closed /rec/mat0-1.h5 (3000 frames)\n")
        r = self.ctl(f, "version")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^pressctl \d+\.\d+\.\d+ \(schema 1\)\npressd 0\.2\.0 \(schema 1\)\n$")


class Watch(PressctlTest):
    def watch(self, f, *args, **kw):
        return self.ctl(f, "watch", *args, **kw)

    def test_lines(self):
        f = self.fake(script=SCRIPT)
        r = self.watch(f, "--count", "5")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(f.subs, [b""])
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 5, r.stdout)  # the frame is not printed without --type frame
        self.assertEqual(lines[0], clock(T0 + 1) + " status/mat0 streaming 32×32@100Hz frames=1234 lost=3 errors=3 dropped=0")
        self.assertEqual(lines[1], clock(T0 + 2) + " contact/mat0 start id=7 at (158.7, 152.8) mm peak=2407 counts area=1200mm²")
        self.assertEqual(lines[2], clock(T0 + 3) + " hold/mat0 progress id=3 30.0s of 30s ✓ peak=2407 counts")
        self.assertEqual(lines[3], clock(T0 + 5) + ' mark/mat1 "set 2 starts"')
        self.assertTrue(lines[4].startswith(clock(T0 + 6) + " hold/mat1 end id=1 10.0s of 30s peak=900 mean=850 counts"),
                        lines[4])
        self.assertIn("drift=1.5mm", lines[4])

    def test_json_is_verbatim_and_frames_are_headers(self):
        f = self.fake(script=SCRIPT)
        r = self.watch(f, "--json", "--type", "hold", "--type", "frame", "--count", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(f.subs), [b"frame/", b"hold/"])
        want = [SCRIPT[2][1], SCRIPT[3][1], SCRIPT[5][1]]
        self.assertEqual(r.stdout.encode(), b"".join(w + b"\n" for w in want))

    def test_device_only_subscribes_to_everything_and_filters(self):
        f = self.fake(script=SCRIPT)
        r = self.watch(f, "--device", "mat1", "--count", "2", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(f.subs, [b""])
        self.assertEqual(r.stdout.encode(), SCRIPT[4][1] + b"\n" + SCRIPT[5][1] + b"\n")

    def test_type_and_device_subscribe_to_the_topic(self):
        f = self.fake(script=SCRIPT)
        r = self.watch(f, "--type", "hold", "--device", "mat1", "--count", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(f.subs, [b"hold/mat1"])
        self.assertIn("hold/mat1 end id=1", r.stdout)

    def test_frame_summary(self):
        f = self.fake(script=SCRIPT)
        r = self.watch(f, "--type", "frame", "--count", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, clock(T0 + 4) + " frame/mat0 frame=4 t=0.040 2×3 uint16 max=4095 counts\n")

    def test_gap_is_shown(self):
        f = self.fake(script=[event("mark", "mat0", 1, label="a"), event("mark", "mat0", 4, label="b")])
        r = self.watch(f, "--count", "2")
        self.assertTrue(r.stdout.splitlines()[1].endswith("[2 lost]"), r.stdout)

    def test_bad_messages_are_skipped(self):
        bad_frame = frame("mat0", 2, 2, 3, [1, 2, 3, 4, 5, 6])
        bad_frame[2] = bad_frame[2][:-1]
        script = [[b"hold/mat0", b"{not json"], [b"hold/mat0", b"[1]"], bad_frame,
                  event("mark", "mat0", 3, label="\x1b[2Jsneaky")]
        f = self.fake(script=script)
        r = self.watch(f, "--type", "hold", "--type", "frame", "--type", "mark", "--count", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ignoring a message on 'hold/mat0'", r.stderr)
        self.assertIn("cells are 11 bytes", r.stderr)
        self.assertNotIn("\x1b", r.stdout)  # no terminal escapes from the wire
        self.assertIn('"?[2Jsneaky"', r.stdout)

    def test_sigint_exits_0(self):
        f = self.fake()
        p = subprocess.Popen([PRESSCTL, "-p", f.pub, "watch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertTrue(f.subscribed.wait(10))
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=5)
        self.assertEqual(p.returncode, 0, err)

    def test_waits_for_a_daemon_that_is_not_there_yet(self):
        port = free_port()
        p = subprocess.Popen([PRESSCTL, "-p", "tcp://127.0.0.1:%d" % port, "watch", "--count", "1", "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.5)
        ctx = zmq.Context()
        xpub = ctx.socket(zmq.XPUB)
        xpub.bind("tcp://127.0.0.1:%d" % port)
        try:
            self.assertTrue(xpub.poll(10000))
            xpub.recv()
            time.sleep(0.2)
            msg = event("mark", "mat0", 1, label="late")
            xpub.send_multipart(msg)
            out, err = p.communicate(timeout=10)
            self.assertEqual(p.returncode, 0, err)
            self.assertEqual(out, msg[1] + b"\n")
        finally:
            p.kill()
            xpub.close(0)
            ctx.term()


MAP_ROWS, MAP_COLS = 4, 6


def map_cells(peak_at, value):
    cells = [0] * (MAP_ROWS * MAP_COLS)
    cells[peak_at[0] * MAP_COLS + peak_at[1]] = value
    cells[peak_at[0] * MAP_COLS + peak_at[1] - 1] = value // 2
    return cells


class Map(PressctlTest):
    def script(self):
        return [
            frame("mat0", 1, MAP_ROWS, MAP_COLS, map_cells((1, 2), 4095), t=30.0),
            event("contact", "mat0", 2, t=30.0, frame=3000, phase="start", id=7, x=25.0, y=15.0, col=2.2, row=0.9,
                  cop_x=25.0, cop_y=15.0, peak=4095, area_mm2=200.0, units="counts"),
            event("hold", "mat0", 3, t=30.0, frame=3000, phase="progress", id=3, contact=7, x=25.0, y=15.0,
                  t_start=1.0, duration=29.0, peak=4095, mean=4000, impulse=1e5, drift_mm=0.2, target_s=30,
                  reached=False, units="counts"),
            frame("other", 1, 2, 2, [9, 9, 9, 9]),
            frame("mat0", 2, MAP_ROWS, MAP_COLS, map_cells((1, 2), 4095), t=30.5),
            frame("mat0", 3, MAP_ROWS, MAP_COLS, map_cells((1, 2), 2048), dtype="uint16", t=31.5),
        ]

    def maps(self, out):
        """[(status line, [map rows])] of each map pressctl printed."""
        out_maps = []
        for block in out.split("\n\n"):
            lines = block.split("\n")
            if lines and lines[0]:
                out_maps.append((lines[0], lines[1:]))
        return out_maps

    def test_map_draws_cells_contacts_and_the_hold_timer(self):
        f = self.fake(script=self.script(), reply=lambda req: STATUS_REPLY)
        r = self.ctl(f, "watch", "--map", "--frames", "3", env={"COLUMNS": "", "LINES": ""})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("\x1b", r.stdout)  # a file gets plain text
        self.assertEqual(sorted(f.subs), [b"contact/", b"frame/", b"hold/", b"status/"])
        self.assertEqual(f.request(0), {"cmd": "status"})
        maps = self.maps(r.stdout)
        self.assertEqual(len(maps), 3, r.stdout)
        status, rows = maps[0]
        self.assertTrue(status.startswith("mat0  frame 1  t=30.00s  max 4095 counts  full scale 4095 counts"), status)
        # 2 characters a cell from ' .:-=+*#%@': full scale '@', 2047 of 4095 level round(4.499) '='
        self.assertEqual(rows, ["            ", "  ==@@      ", "            ", "            "])
        status, rows = maps[1]
        self.assertIn("contacts 1", status)
        self.assertIn("hold #3 29.5s of 30s", status)  # 29 s at t=30, drawn at t=30.5
        self.assertEqual(rows[1], "  ==7@      ")  # the contact's id at its cell (row 0.9, col 2.2)
        status, rows = maps[2]
        self.assertIn("hold #3 30.5s of 30s ✓", status)
        self.assertEqual(rows[1], "  ::7+      ")  # 2048 of 4095: level round(4.501) '+'; 1024: ':'
        self.assertTrue(set("".join(rows)) <= set(" .:-=+*#%@0123456789"))

    def test_map_downsamples_to_the_terminal_and_scales_without_status(self):
        rows, cols = 8, 40
        cells = [(r * cols + c) % 256 for r in range(rows) for c in range(cols)]
        script = [frame("big", 1, rows, cols, cells, dtype="uint8")]
        f = self.fake(script=script)
        r = run("-p", f.pub, "-C", "tcp://127.0.0.1:%d" % free_port(), "-t", "0.5", "watch", "--map",
                "--device", "big", "--frames", "1", env={"COLUMNS": "20", "LINES": "6"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(f.subs), [b"contact/big", b"frame/big", b"hold/big", b"status/big"])
        (status, map_rows), = self.maps(r.stdout)
        self.assertIn("scale 255 counts", status)  # no status reply: the highest cell seen
        self.assertLessEqual(len(map_rows), 4)
        for line in map_rows:
            self.assertLessEqual(len(line), 20)
        self.assertIn("@", "".join(map_rows))


if __name__ == "__main__":
    unittest.main()
