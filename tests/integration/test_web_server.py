"""pressd-web's server side against pressd on its simulated devices: what
it relays over the WebSocket, late joiners, origin refusal, controls and
tokens, reconnection when pressd restarts, CURVE keys, and its exit
statuses."""

import json
import os
import subprocess
import time
import unittest

import websocket
import zmq

import harness
from webtools import WebTestCase, WEB, Web
from zmqtools import Collector, bodies, free_port

PRESSCTL = os.path.join(harness.BIN, "pressctl")


class WebServer(WebTestCase):

    def start(self, *web_args, devices=("sim:mat?scenario=hold&rows=24&cols=40", "sim:roller"), pressd_args=()):
        args = list(pressd_args)
        for d in devices:
            args += ["-d", d]
        d = self.pressd(*args, trace=False, cwd=self.tmp.name)
        w = Web(d.pub, d.control, *web_args, tmpdir=self.tmp.name)
        self.procs.append(w)
        return d, w

    def test_relays_frames_and_events_as_pressd_published_them(self):
        d, w = self.start()
        sub = self.collector(d.pub)
        ws = w.ws()
        got = ws.collect(4)
        ws.close()
        zmsgs = sub.stop()
        frames = [(h, c) for h, c in got if c is not None]
        self.assertGreater(len(frames), 30, got[:5])
        by_key = {(m.device, m.get("seq")): m for m in zmsgs if m.type == "frame"}
        matched = 0
        for h, cells in frames:
            self.assertEqual(h["type"], "frame")
            size = 2 if h["dtype"] == "uint16" else 1
            self.assertEqual(len(cells), h["rows"] * h["cols"] * size)
            z = by_key.get((h["device"], h["seq"]))
            if z is not None:
                self.assertEqual(z.body, h)
                self.assertEqual(z.cells, cells)
                matched += 1
        self.assertGreater(matched, 20)
        self.assertEqual({h["device"] for h, _ in frames}, {"mat0", "roller0"})
        self.assertTrue(any(m.get("type") == "status" for m, c in got if c is None))

    def test_late_joiner_gets_every_device_state_at_once(self):
        d, w = self.start()
        sub = self.collector(d.pub, topics=("hold/",))
        self.assertTrue(sub.wait_for(lambda ms: bodies(ms, "hold"), 15, d.proc))
        time.sleep(0.5)
        ws = w.ws()
        t0 = time.monotonic()
        first = ws.collect(0.3)
        took = time.monotonic() - t0
        ws.close()
        # Before any live message could arrive in 0.3 s at 1 Hz status: each
        # device's status, its hold so far and its latest frame.
        types = {(m["type"], m["device"]) for m, _ in first}
        for dev in ("mat0", "roller0"):
            self.assertIn(("status", dev), types, first)
            self.assertIn(("frame", dev), types, first)
        self.assertIn(("hold", "mat0"), types)
        self.assertLess(took, 1.0)
        # status comes first so the page knows geometry and units before a frame
        self.assertEqual(first[0][0]["type"], "status")

    def test_other_origins_are_refused_on_http_and_websocket(self):
        d, w = self.start("--controls")
        status, body = w.get("/api/config", {"Origin": "http://evil.example"})
        self.assertEqual(status, 403)
        self.assertNotIn(b"token", body)
        status, body = w.get("/", {"Origin": "http://evil.example"})
        self.assertEqual(status, 403)
        with self.assertRaises(websocket.WebSocketException):
            w.ws(origin="http://evil.example").recv(1)
        # DNS rebinding: a foreign name resolving to loopback, Origin and Host alike
        status, body = w.get("/api/config", {"Origin": "http://rebind.example:%d" % w.port,
                                             "Host": "rebind.example:%d" % w.port})
        self.assertEqual(status, 403)
        self.assertEqual(w.get("/", {"Host": "localhost:%d" % w.port})[0], 200)
        # the page's own origin is fine, and so is a request with none
        status, body = w.get("/api/config", {"Origin": w.base})
        self.assertEqual(status, 200)
        self.assertEqual(w.get("/")[0], 200)
        self.assertIn("refused", w.text())

    def test_controls_off_by_default(self):
        d, w = self.start()
        cfg = json.loads(w.get("/api/config")[1])
        self.assertEqual(cfg, {"controls": False})
        sub = self.collector(d.pub, topics=("mark/",))
        ws = w.ws()
        ws.send({"cmd": "mark", "device": "mat0", "label": "x", "token": "guess"})
        reply = ws.collect(5, until=lambda ms: any(m.get("type") == "reply" for m, _ in ms))
        r = [m for m, _ in reply if m.get("type") == "reply"][0]["reply"]
        self.assertFalse(r["ok"])
        self.assertIn("controls are off", r["error"])
        time.sleep(0.5)
        self.assertEqual(bodies(sub.stop(), "mark"), [])

    def test_controls_on_need_the_token(self):
        d, w = self.start("--controls", pressd_args=("-s", "daemon.record_dir=" + "."))
        token = json.loads(w.get("/api/config")[1])["token"]
        self.assertRegex(token, r"^[0-9a-f]{32}$")
        sub = self.collector(d.pub, topics=("mark/", "recording/"))
        ws = w.ws()
        ws.collect(2, until=lambda ms: {m["device"] for m, _ in ms if m["type"] == "status"} >= {"mat0"})

        def ask(req):
            ws.send(req)
            got = ws.collect(8, until=lambda ms: any(m.get("type") == "reply" for m, _ in ms))
            return [m for m, _ in got if m.get("type") == "reply"][0]["reply"]

        r = ask({"cmd": "mark", "device": "mat0", "label": "bad", "token": "0" * 32})
        self.assertEqual(r, {"ok": False, "error": "bad token"})
        r = ask({"cmd": "set", "device": "mat0", "key": "hold_target_s", "value": 1, "token": token})
        self.assertFalse(r["ok"])  # only the dashboard's four commands pass
        r = ask({"cmd": "mark", "device": "mat0", "label": "from the page", "token": token})
        self.assertTrue(r["ok"], r)
        r = ask({"cmd": "record_start", "device": "mat0", "token": token})
        self.assertTrue(r["ok"], r)
        sub.wait_for(lambda ms: bodies(ms, "recording"), 5)
        r = ask({"cmd": "record_stop", "device": "mat0", "token": token})
        self.assertTrue(r["ok"], r)
        sub.wait_for(lambda ms: len(bodies(ms, "recording")) >= 2, 5)
        msgs = sub.stop()
        marks = bodies(msgs, "mark")
        self.assertEqual([m["label"] for m in marks], ["from the page"])
        # pressd (this branch's base) publishes recording/stop but no
        # recording/start for a record_start request: see the report.
        self.assertIn("stop", [m["phase"] for m in bodies(msgs, "recording")], msgs)
        self.assertTrue(os.path.exists(os.path.join(self.tmp.name, r["recordings"][0]["path"])), r)

    def test_pressd_restart_resumes_the_stream(self):
        d, w = self.start(devices=("sim:mat",))
        ws = w.ws()
        self.assertTrue(ws.collect(3, until=lambda ms: any(c is not None for _, c in ms)))
        d.proc.terminate()
        d.proc.wait(20)
        ws.collect(1)
        d2 = self.pressd("-d", "sim:mat", "-p", d.pub, "-C", d.control, trace=False)
        got = ws.collect(15, until=lambda ms: any(c is not None for _, c in ms))
        frames = [h for h, c in got if c is not None]
        self.assertTrue(frames, "no frame after pressd restarted: " + w.text()[-2000:])
        self.assertEqual(d2.proc.poll(), None)
        ws.close()

    def keygen(self, *names):
        keys = os.path.join(self.tmp.name, "keys")
        os.makedirs(keys, exist_ok=True)
        for name in names:
            r = subprocess.run([PRESSCTL, "keygen", os.path.join(keys, name)], capture_output=True, text=True,
                               timeout=10)
            self.assertEqual(r.returncode, 0, r.stderr)
        return lambda name: os.path.join(keys, name)

    def test_curve_keys_as_pressctl_takes_them(self):
        """pressd with CURVE on tcp (docs/remote-access.md): pressd-web with
        an allowed key pair relays its frames and controls; without keys, or
        with a key pressd does not list, it gets nothing and says why."""
        key = self.keygen("server", "web", "stranger")
        clients = os.path.join(self.tmp.name, "clients")
        os.mkdir(clients)
        os.link(key("web.key"), os.path.join(clients, "web.key"))
        pub, ctl = "tcp://127.0.0.1:%d" % free_port(), "tcp://127.0.0.1:%d" % free_port()
        d = self.pressd("-d", "sim:mat?scenario=hold", "-p", pub, "-C", ctl,
                        "-s", "daemon.curve_key=" + key("server.key_secret"),
                        "-s", "daemon.curve_clients=" + clients, trace=False, cwd=self.tmp.name)
        self.assertTrue(d.wait_for(lambda: "running with 1 device" in d.text()), d.text())
        keyed = Web(pub, ctl, "--controls", "-k", key("server.key"), "-K", key("web.key_secret"), tmpdir=self.tmp.name)
        # the same pair from the config file's [web] section
        conf = os.path.join(self.tmp.name, "web.conf")
        with open(conf, "w") as f:
            f.write("[web]\nserver_key = %s\nkey = %s\n" % (key("server.key"), key("web.key_secret")))
        from_conf = Web(pub, ctl, "-c", conf, tmpdir=self.tmp.name)
        plain = Web(pub, ctl, "--controls", tmpdir=self.tmp.name)
        stranger = Web(pub, ctl, "-k", key("server.key"), "-K", key("stranger.key_secret"), tmpdir=self.tmp.name)
        self.procs += [keyed, from_conf, plain, stranger]
        sockets = {w: w.ws() for w in (keyed, from_conf, plain, stranger)}
        got = {w: s.collect(4) for w, s in sockets.items()}
        for w, msgs in got.items():
            frames = [h for h, c in msgs if c is not None]
            if w in (keyed, from_conf):
                self.assertGreater(len(frames), 20, w.text())
                self.assertEqual({h["device"] for h in frames}, {"mat0"})
            else:
                self.assertEqual(msgs, [], "a client pressd refuses got messages")
        # a control request through the CURVE REQ socket reaches pressd
        token = json.loads(keyed.get("/api/config")[1])["token"]
        sub_marks = Collector(self.ctx, pub, topics=("mark/",), curve=(key("server.key"), key("web.key_secret")))
        self.collectors.append(sub_marks)
        time.sleep(0.5)
        ws = sockets[keyed]
        ws.send({"cmd": "mark", "device": "mat0", "label": "over curve", "token": token})
        reply = ws.collect(8, until=lambda ms: any(m.get("type") == "reply" for m, _ in ms))
        self.assertTrue([m for m, _ in reply if m.get("type") == "reply"][0]["reply"]["ok"], reply)
        self.assertTrue(sub_marks.wait_for(lambda ms: bodies(ms, "mark"), 5), "no mark on the stream")
        for s in sockets.values():
            s.close()
        # each says so: in its log and in /api/stats
        stats = {w: json.loads(w.get("/api/stats")[1])["upstream"][0] for w in sockets}
        self.assertEqual(stats[keyed]["state"], "connected", stats[keyed])
        self.assertEqual(stats[from_conf]["state"], "connected", stats[from_conf])
        self.assertIn("pressd needs -k/-K keys", stats[plain]["state"])
        self.assertIn("daemon.curve_clients", stats[stranger]["state"])
        self.assertIn("%s: refused: pressd and pressd-web disagree on CURVE" % pub, plain.text())
        self.assertIn("%s: refused by pressd" % pub, stranger.text())
        # Logged once, however often ZeroMQ retries. How often that is is
        # ZeroMQ's: usually every 100 ms or so, but under ASan it was seen
        # not to retry a mechanism mismatch at all for 15 s; so the test
        # waits a while for retries and then checks the log either way.
        deadline = time.monotonic() + 5
        while stats[plain]["refused"] <= 3 and time.monotonic() < deadline:
            time.sleep(0.2)
            stats[plain] = json.loads(plain.get("/api/stats")[1])["upstream"][0]
        self.assertGreaterEqual(stats[plain]["refused"], 1, stats[plain])
        self.assertEqual(plain.text().count("disagree on CURVE"), 1, plain.text())
        self.assertIn("not in daemon.curve_clients", d.text())

    def test_bad_keys_exit_before_anything_is_opened(self):
        key = self.keygen("server", "web")
        port = free_port()
        bad = os.path.join(self.tmp.name, "bad.key")
        with open(bad, "w") as f:
            f.write("curve\n    public-key = \"short\"\n")
        cases = [  # (argv, status, what stderr names)
            (["-k", key("server.key")], 64, "-k needs -K too"),
            (["-K", key("web.key_secret")], 64, "-K needs -k too"),
            (["-k", key("server.key"), "-K", key("web.key")], 64, "no secret-key"),
            (["-k", bad, "-K", key("web.key_secret")], 64, bad + ":2: not a Z85 CURVE key"),
            (["-k", key("nowhere.key"), "-K", key("web.key_secret")], 64, "nowhere.key"),
        ]
        conf = os.path.join(self.tmp.name, "keys.conf")
        with open(conf, "w") as f:
            f.write("[web]\nserver_key = %s\n" % key("server.key"))
        cases.append((["-c", conf], 78, "web.server_key needs web.key too"))
        for argv, status, why in cases:
            with self.subTest(argv=argv):
                r = subprocess.run([WEB, "-f", "-l", "127.0.0.1:%d" % port] + argv, capture_output=True, text=True,
                                   timeout=10)
                self.assertEqual(r.returncode, status, r.stderr)
                self.assertIn(why, r.stderr)
                self.assertNotIn("dashboard at", r.stderr)

    def test_bad_option_and_bad_config(self):
        r = subprocess.run([WEB, "--nope"], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 64)
        r = subprocess.run([WEB, "-l", "nothing"], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 64)
        self.assertIn("-l", r.stderr)
        conf = os.path.join(self.tmp.name, "bad.conf")
        with open(conf, "w") as f:
            f.write("[web]\ncontrols = maybe\n")
        r = subprocess.run([WEB, "-c", conf], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 78)
        self.assertIn("web.controls", r.stderr)
        for line, key in (("colour = blue", "web.colour"), ("password_hash = secret", "web.password_hash"),
                          ("max_connections = 3", "web.max_connections")):
            with open(conf, "w") as f:
                f.write("[web]\n%s\n" % line)
            r = subprocess.run([WEB, "-c", conf], capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 78, line)
            self.assertIn(key, r.stderr)
        r = subprocess.run([WEB, "-s", "web.max_websockets=0"], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 64)
        self.assertIn("web.max_websockets", r.stderr)

    def test_sigterm_exits_0(self):
        d, w = self.start(devices=("sim:mat",))
        ws = w.ws()
        ws.collect(1)
        self.assertEqual(w.stop(), 0)


if __name__ == "__main__":
    unittest.main()
