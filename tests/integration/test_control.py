"""The control socket of events.md (ZeroMQ REP): every command, what each
does where it shows (replies, the event stream, the analysis), and bad
requests of every kind answered with ok:false and a reason while the
daemon keeps answering. Every request has a timeout: a broken daemon
fails these tests, it never hangs them."""

import json
import subprocess
import threading
import time
import unittest

import zmq

from feeds import PtyFeed, synth_capture
from harness import PRESSD
from test_live_service import LiveCase, went_away
from zmqtools import Control, bodies, check_status_fields, problems, state_changes, STATS_FIELDS

BUILTIN = ("sim:mat?scenario=hold&id=m0", "sim:roller?id=r0")


class ControlCase(LiveCase):
    def start(self, *uris, extra=()):
        # record_start's dir lies in the test's directory (daemon.record_roots)
        d = self.start_pressd(*(uris or BUILTIN), extra=("-s", "daemon.record_roots=" + self.tmp.name, *extra))
        self.c = Control(self.ctx, self.ctl)
        deadline = time.monotonic() + 10
        while True:  # the socket answers once pressd is up
            rep = self.c.raw(json.dumps({"cmd": "status"}).encode(), timeout=0.5)
            if rep is not None:
                return d
            self.assertIsNone(d.proc.poll(), "pressd exited; log:\n" + self.log())
            self.assertLess(time.monotonic(), deadline, "no answer on %s within 10 s; log:\n%s" % (self.ctl, self.log()))

    def ok(self, req, **kw):
        rep = self.c.call(req, **kw)
        self.assertIs(rep["ok"], True, "%r -> %r" % (req, rep))
        self.assertNotIn("error", rep, "%r -> %r" % (req, rep))
        return rep

    def refused(self, req, why=""):
        shown = req[:120] if isinstance(req, (bytes, list)) else req
        if isinstance(req, list):
            rep_parts = self.c.raw(req)
            self.assertIsNotNone(rep_parts, "no reply to %s %r" % (why, shown))
            self.assertEqual(len(rep_parts), 1, "reply to %s has %d parts" % (why, len(rep_parts)))
            rep = json.loads(rep_parts[0])
        else:
            rep = self.c.call(req)
        self.assertIs(rep["ok"], False, "%s %r should be refused: %r" % (why, shown, rep))
        self.assertIsInstance(rep.get("error"), str, "%s %r: no error text: %r" % (why, shown, rep))
        self.assertTrue(rep["error"].strip(), "%s %r: empty error" % (why, shown))
        return rep

    def still_answers(self, after=""):
        rep = self.c.call({"cmd": "status"})
        self.assertIs(rep["ok"], True, "status after %s: %r" % (after, rep))
        self.assertIsNone(self.d.proc.poll(), "pressd died after %s; log:\n%s" % (after, self.log()))

    def wait_streaming(self, ids, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            rep = self.ok({"cmd": "status"})
            states = {d.get("id"): d.get("state") for d in rep["devices"]}
            if all(states.get(i) == "streaming" for i in ids):
                return rep
            self.assertLess(time.monotonic(), deadline, "not all of %s streaming: %s" % (ids, states))
            time.sleep(0.1)


class Commands(ControlCase):
    def test_status(self):
        self.start()
        rep = self.wait_streaming(("m0", "r0"))
        self.assertIsInstance(rep["devices"], list)
        self.assertEqual(sorted(d["id"] for d in rep["devices"]), ["m0", "r0"])
        for d in rep["devices"]:
            self.assertEqual(check_status_fields(d, "device %s" % d["id"]), [])
            self.assertTrue(set(d["stats"]) >= set(STATS_FIELDS), d)
            self.assertNotIn("recording", d, "not recording: no recording field")
            self.assertGreater(d["stats"]["frames"], 0, d)
        kinds = {d["id"]: d["info"]["kind"] for d in rep["devices"]}
        self.assertEqual(kinds, {"m0": "mat", "r0": "roller"})
        # counters move between two requests on a realtime device
        f0 = {d["id"]: d["stats"]["frames"] for d in rep["devices"]}
        time.sleep(0.3)
        f1 = {d["id"]: d["stats"]["frames"] for d in self.ok({"cmd": "status"})["devices"]}
        self.assertTrue(all(f1[i] > f0[i] for i in f0), (f0, f1))

    def test_status_matches_the_status_event(self):
        self.start()
        sub = self.subscribe(("status/m0",))
        self.wait_streaming(("m0",))
        self.assertTrue(sub.wait_for(lambda ms: [b for b in bodies(ms, "status") if b["state"] == "streaming"], 3))
        ev = [b for b in bodies(sub.snapshot(), "status") if b["state"] == "streaming"][-1]
        dev = next(d for d in self.ok({"cmd": "status"})["devices"] if d["id"] == "m0")
        self.assertEqual(dev["info"], ev["info"], "the same info on both sockets")
        self.assertEqual(set(dev["stats"]), set(ev["stats"]), "the same stats fields on both sockets")

    def test_version(self):
        self.start()
        rep = self.ok({"cmd": "version"})
        self.assertRegex(rep.get("version", ""), r"^\d+\.\d+\.\d+$", rep)
        out = subprocess.run([PRESSD, "--version"], capture_output=True, text=True, timeout=10).stdout
        self.assertEqual("pressd %s\n" % rep["version"], out, "the same version as pressd --version")
        self.assertEqual(rep.get("schema"), 1, rep)
        self.assertNotIsInstance(rep.get("schema"), bool)

    def test_tare(self):
        self.start()
        self.ok({"cmd": "tare", "device": "m0"})
        self.ok({"cmd": "tare", "device": "r0"})
        self.refused({"cmd": "tare"}, "tare without a device")
        self.refused({"cmd": "tare", "device": "nope"}, "tare of an unknown device")
        self.refused({"cmd": "tare", "device": 0}, "a device that is not a string")
        self.refused({"cmd": "tare", "device": None}, "a null device")
        self.still_answers("tare")

    def test_tare_answers_once_the_baseline_is_in_force(self):
        """events.md: the reply comes once the baseline is in force, with its
        t, frame and frames; requests sent meanwhile are answered first; a
        device that sends no frames gets ok: false after 5 s."""
        self.start("sim:mat?scenario=hold&id=m0")
        self.wait_streaming(("m0",))
        sub = self.subscribe(("tare/",))
        time.sleep(0.3)  # the subscription reaches pressd
        before = {d["id"]: d for d in self.ok({"cmd": "status"})["devices"]}["m0"]["stats"]["frames"]
        answers, lock = [], threading.Lock()

        def tare():
            rep = self.c.call({"cmd": "tare", "device": "m0"}, timeout=8)
            with lock:
                answers.append(("tare", time.monotonic(), rep))

        th = threading.Thread(target=tare)
        t0 = time.monotonic()
        th.start()
        time.sleep(0.02)
        st = self.ok({"cmd": "status"})  # answered while the tare waits for its frames
        with lock:
            answers.append(("status", time.monotonic(), st))
        th.join(10)
        kinds = [a[0] for a in answers]
        self.assertEqual(kinds, ["status", "tare"], "the status was answered before the tare: %s" % kinds)
        rep = answers[1][2]
        self.assertIs(rep["ok"], True, rep)
        self.assertEqual(rep["frames"], 16, rep)  # a tare averages 16 frames (0.16 s at 100 Hz)
        # 16 frames from where the analysis was (it may trail the reader's count a little)
        self.assertGreaterEqual(rep["frame"], before - 50 + 15, rep)
        self.assertAlmostEqual(rep["t"], rep["frame"] / 100.0, places=6)
        self.assertGreater(answers[1][1] - t0, 0.1, "answered before 16 frames at 100 Hz could come")
        # ... and the tare event says the same
        self.assertTrue(sub.wait_for(lambda ms: bodies(ms, "tare"), 3, self.d.proc), "no tare event")
        ev = bodies(sub.snapshot(), "tare")
        self.assertEqual(len(ev), 1, ev)
        self.assertEqual((ev[0]["t"], ev[0]["frame"], ev[0]["frames"]), (rep["t"], rep["frame"], 16), ev[0])
        self.assertEqual(ev[0]["units"], "counts")
        self.assertGreaterEqual(ev[0]["mean"], 0)
        self.assertEqual(problems(sub.snapshot()[-1]), [], ev[0])

    def test_tare_of_a_device_that_stopped_is_refused_after_5_s(self):
        """A device that sent 30 frames and went quiet (its port still open)."""
        feed = PtyFeed(synth_capture(16, 16, 100, 16, lambda i: 0.0, 30), "all")
        try:
            self.start(feed.path + "?protocol=pmf&id=m0")
            deadline = time.monotonic() + 10
            while self.c.call({"cmd": "status"})["devices"][0]["stats"]["frames"] < 30:
                self.assertLess(time.monotonic(), deadline, "the 30 frames did not come; log:\n" + self.log())
                time.sleep(0.05)
            t0 = time.monotonic()
            rep = self.c.call({"cmd": "tare", "device": "m0"}, timeout=8)
            took = time.monotonic() - t0
            self.assertIs(rep["ok"], False, rep)
            self.assertIn("no baseline came within 5 s", rep["error"])
            self.assertGreater(took, 4.5)
            self.still_answers("a tare that timed out")
        finally:
            feed.close()

    def test_tare_under_a_blob_ends_its_contact(self):
        """The current frames become zero: a blob pressing now is no longer
        a contact."""
        self.start("sim:mat?scenario=hold&id=m0")
        sub = self.subscribe(("contact/m0",))
        self.assertTrue(sub.wait_for(lambda ms: bodies(ms, "contact", phase="start"), 10, self.d.proc),
                        "no contact start on the built-in hold; log:\n" + self.log())
        time.sleep(0.5)
        self.ok({"cmd": "tare", "device": "m0"})
        self.assertTrue(sub.wait_for(lambda ms: bodies(ms, "contact", phase="end"), 3, self.d.proc),
                        "the contact did not end within 3 s of taring under it: %s" % bodies(sub.snapshot())[-3:])

    def test_mark(self):
        self.start()
        self.wait_streaming(("m0", "r0"))
        sub = self.subscribe(("mark/",))
        time.sleep(0.3)  # the subscription reaches pressd
        label = 'left trapezius – "knot" \\ 2\n✓'
        self.ok({"cmd": "mark", "device": "m0", "label": label})
        self.ok({"cmd": "mark", "label": "both"})
        want = lambda ms: len(bodies(ms, "mark")) >= 3
        self.assertTrue(sub.wait_for(want, 3), "marks published: %s" % sub.snapshot())
        time.sleep(0.3)
        msgs = sub.snapshot()
        for m in msgs:
            self.assertEqual(problems(m, 5), [])
        marks = [(b["device"], b["label"]) for b in bodies(msgs, "mark")]
        self.assertEqual(marks[0], ("m0", label), "a mark with its device and label, exactly")
        self.assertEqual(sorted(marks[1:]), [("m0", "both"), ("r0", "both")], "no device: one per device")
        seqs = [b["seq"] for b in bodies(msgs, "mark", "m0")]
        self.assertEqual(seqs[1], seqs[0] + 1)

        self.refused({"cmd": "mark", "device": "m0"}, "mark without a label")
        self.refused({"cmd": "mark"}, "mark without a label")
        self.refused({"cmd": "mark", "label": 5}, "a label that is not a string")
        self.refused({"cmd": "mark", "label": None}, "a null label")
        self.refused({"cmd": "mark", "label": ["a"]}, "a label that is an array")
        self.refused({"cmd": "mark", "device": "nope", "label": "x"}, "mark on an unknown device")
        self.refused({"cmd": "mark", "device": 1, "label": "x"}, "a device that is not a string")
        time.sleep(0.3)
        self.assertEqual(len(bodies(sub.stop(), "mark")), 3, "refused marks publish nothing")
        self.still_answers("mark")

    def test_set(self):
        self.start()
        for req in ({"cmd": "set", "key": "hold_min_s", "value": "2"},
                    {"cmd": "set", "key": "analysis.hold_min_s", "value": 2},
                    {"cmd": "set", "key": "hold_min_s", "value": 2.5, "device": "m0"},
                    {"cmd": "set", "key": "contact_on", "value": "5%"},
                    {"cmd": "set", "key": "analysis.contact_on", "value": "5%", "device": "r0"},
                    {"cmd": "set", "key": "noise", "value": 30},
                    {"cmd": "set", "key": "stroke_min_mm", "value": "50"}):
            self.ok(req)
        bad = (({"cmd": "set", "key": "nope", "value": "1"}, "an unknown key"),
               ({"cmd": "set", "key": "analysis.nope", "value": "1"}, "an unknown key"),
               ({"cmd": "set", "key": "daemon.pub", "value": "tcp://127.0.0.1:1"}, "a key that is no analysis parameter"),
               ({"cmd": "set", "key": "hold_min_s", "value": "-5"}, "a negative duration"),
               ({"cmd": "set", "key": "hold_min_s", "value": -5}, "a negative duration"),
               ({"cmd": "set", "key": "hold_min_s", "value": "abc"}, "not a number"),
               ({"cmd": "set", "key": "hold_min_s", "value": ""}, "an empty value"),
               ({"cmd": "set", "key": "hold_min_s", "value": "nan"}, "NaN"),
               ({"cmd": "set", "key": "hold_min_s", "value": "inf"}, "infinity"),
               ({"cmd": "set", "key": "contact_on", "value": "150%"}, "more than 100 %"),
               ({"cmd": "set", "key": "contact_on", "value": "-1%"}, "a negative threshold"),
               ({"cmd": "set", "key": "contact_on", "value": "1%"}, "contact_on below contact_off"),
               ({"cmd": "set", "key": "hold_min_s", "value": {"v": 2}}, "an object value"),
               ({"cmd": "set", "key": "hold_min_s", "value": [2]}, "an array value"),
               ({"cmd": "set", "key": "hold_min_s", "value": None}, "a null value"),
               ({"cmd": "set", "key": "hold_min_s", "value": True}, "a boolean value for a number"),
               ({"cmd": "set", "key": "hold_min_s"}, "set without a value"),
               ({"cmd": "set", "value": "2"}, "set without a key"),
               ({"cmd": "set", "key": 5, "value": "2"}, "a key that is not a string"),
               ({"cmd": "set", "key": "hold_min_s", "value": "2", "device": "nope"}, "an unknown device"),
               ({"cmd": "set", "key": "hold_min_s", "value": "2", "device": 7}, "a device that is not a string"))
        for req, why in bad:
            self.refused(req, why)
        self.refused(b'{"cmd":"set","key":"hold_min_s","value":1e400}', "a number too large for a double")
        self.still_answers("set")

    def test_record_start_stop(self):
        """Recording may not be implemented yet: a working reply or a clear
        refusal, never a crash or a hang."""
        self.start()
        self.wait_streaming(("m0", "r0"))
        rep = self.c.call({"cmd": "record_start", "dir": self.tmp.name, "meta": {"subject": "s1", "notes": "x"}},
                          timeout=10)
        if not rep["ok"]:
            self.assertTrue(isinstance(rep.get("error"), str) and rep["error"].strip(), rep)
            rep = self.c.call({"cmd": "record_stop"}, timeout=10)
            if not rep["ok"]:
                self.assertTrue(isinstance(rep.get("error"), str) and rep["error"].strip(), rep)
            self.still_answers("record_start/record_stop")
            return
        recs = rep.get("recordings")
        self.assertIsInstance(recs, list, rep)
        self.assertEqual(sorted(r.get("device") for r in recs), ["m0", "r0"], rep)
        for r in recs:
            self.assertIsInstance(r.get("path"), str, r)
        st = self.ok({"cmd": "status"})
        for d in st["devices"]:
            self.assertIn("recording", d, "status while recording names the file: %r" % d)
        time.sleep(0.5)
        rep = self.ok({"cmd": "record_stop"}, timeout=10)
        recs = rep.get("recordings")
        self.assertIsInstance(recs, list, rep)
        self.assertEqual(sorted(r.get("device") for r in recs), ["m0", "r0"], rep)
        for r in recs:
            self.assertIsInstance(r.get("frames"), int, r)
            self.assertGreater(r["frames"], 0, r)
        for d in self.ok({"cmd": "status"})["devices"]:
            self.assertNotIn("recording", d, "stopped: no recording field")
        self.refused({"cmd": "record_start", "device": "nope"}, "recording an unknown device")
        self.refused({"cmd": "record_start", "meta": "not an object"}, "meta that is not an object")
        self.refused({"cmd": "record_start", "dir": 5}, "a dir that is not a string")
        self.still_answers("recording")

    def test_limits_refuse_never_truncate(self):
        """issue 16: too many meta keys and a label too long for the file
        are refused with the limit; a large integer stays exact."""
        self.start("sim:mat?scenario=hold&id=m0")
        self.wait_streaming(("m0",))
        many = {"k%d" % i: i for i in range(65)}
        rep = self.refused({"cmd": "record_start", "dir": self.tmp.name, "meta": many}, "65 meta keys")
        self.assertIn("meta has 65 keys; at most 64", rep["error"])
        rep = self.refused({"cmd": "mark", "device": "m0", "label": "x" * 128}, "a 128-byte label")
        self.assertIn("'label' is 128 bytes; at most 127", rep["error"])
        self.ok({"cmd": "mark", "device": "m0", "label": "é" * 63})  # 126 bytes: fits
        rep = self.ok({"cmd": "record_start", "dir": self.tmp.name, "meta": {"big": 2 ** 62, "n": 64}}, timeout=10)
        path = rep["recordings"][0]["path"]
        self.ok({"cmd": "record_stop"}, timeout=10)
        import h5py
        with h5py.File(path, "r") as f:
            big = f.attrs["big"]
            self.assertEqual((big.decode() if isinstance(big, bytes) else str(big)), str(2 ** 62))


class BadRequests(ControlCase):
    """Every kind of bad request: ok:false with a reason, and the daemon
    keeps answering."""

    CASES = (
        (b"hello", "not JSON"),
        (b"{", "truncated JSON"),
        (b'{"cmd":"status"', "unterminated object"),
        (b'{"cmd":"status"} trailing', "JSON followed by garbage"),
        (b'{"cmd":"status",}', "a trailing comma"),
        (b"[]", "JSON that is not an object"),
        (b'[{"cmd":"status"}]', "an array holding a request"),
        (b'"status"', "a JSON string"),
        (b"42", "a JSON number"),
        (b"null", "JSON null"),
        (b"true", "JSON true"),
        (b"{}", "no cmd"),
        (b'{"device":"m0"}', "no cmd"),
        (b'{"cmd":"reboot"}', "an unknown cmd"),
        (b'{"cmd":""}', "an empty cmd"),
        (b'{"cmd":5}', "cmd a number"),
        (b'{"cmd":null}', "cmd null"),
        (b'{"cmd":["status"]}', "cmd an array"),
        (b'{"cmd":{"name":"status"}}', "cmd an object"),
        (b'{"cmd":true}', "cmd a boolean"),
        (b'{"cmd":"mark","label":"\xff\xfe"}', "invalid UTF-8"),
        (b"", "an empty message"),
        (b"\x00\x01\x02", "binary"),
        (b"x" * (1 << 20), "1 MB of junk"),
        (b"[" * (1 << 20), "1 MB of nested arrays"),
        (b'{"a":' * 100000 + b"1" + b"}" * 100000, "deeply nested objects"),
        # small enough to pass any size limit and reach the parser
        (b"[" * 60000, "60 000 nested arrays"),
        (b"[" * 30000 + b"]" * 30000, "30 000 nested arrays, closed"),
        (b'{"cmd":' * 10000 + b'"status"' + b"}" * 10000, "10 000 nested objects"),
        (b'{"cmd":"status","x":"' + b"\\" * 999 + b'"}', "a string ending in a lone backslash"),
    )

    def test_each_bad_request_is_refused_and_the_daemon_keeps_answering(self):
        self.start()
        for req, why in self.CASES:
            with self.subTest(why=why, req=req[:40]):
                self.refused(req, why)
                self.still_answers(why)

    def test_multipart_requests_are_refused(self):
        self.start()
        for parts, why in (([b'{"cmd":"status"}', b'{"cmd":"status"}'], "two requests in one message"),
                           ([b'{"cmd":"status"}', b""], "a request and an empty part"),
                           ([b"", b'{"cmd":"status"}'], "an empty part and a request"),
                           ([b'{"cmd":"mark","label":"a"}', b"x" * 100000], "a request and junk")):
            with self.subTest(why=why):
                self.refused(parts, why)
                self.still_answers(why)

    def test_huge_valid_request_is_answered(self):
        """1 MB of valid JSON: answered either way, as long as it is answered."""
        self.start()
        big = json.dumps({"cmd": "status", "pad": "x" * (1 << 20)}).encode()
        rep = self.c.call(big, timeout=10)
        if not rep["ok"]:
            self.assertTrue(rep.get("error"), rep)
        big = json.dumps({"cmd": "mark", "label": "y" * (1 << 20)}).encode()
        rep = self.c.call(big, timeout=10)
        if not rep["ok"]:
            self.assertTrue(rep.get("error"), rep)
        self.still_answers("a 1 MB request")

    def test_nul_in_a_label(self):
        """An escaped NUL is valid JSON: refused, or published exactly."""
        self.start()
        sub = self.subscribe(("mark/",))
        time.sleep(0.3)
        rep = self.c.call(b'{"cmd":"mark","device":"m0","label":"a\\u0000b"}')
        if rep["ok"]:
            self.assertTrue(sub.wait_for(lambda ms: bodies(ms, "mark"), 3))
            self.assertEqual(bodies(sub.snapshot(), "mark")[0]["label"], "a\x00b", "label published exactly")
        else:
            self.assertTrue(rep.get("error"), rep)
        self.still_answers("a NUL in a label")

    def test_clients_that_vanish_and_many_at_once(self):
        self.start()
        for _ in range(20):  # ask and leave before the answer
            s = self.ctx.socket(zmq.REQ)
            s.setsockopt(zmq.LINGER, 0)
            s.connect(self.ctl)
            s.send(b'{"cmd":"status"}')
            s.close(0)
        self.still_answers("clients that left without reading")
        failures = []

        def client(n):
            for i in range(25):
                try:
                    rep = self.c.call({"cmd": "version"} if i % 2 else {"cmd": "status"})
                    if not rep["ok"]:
                        failures.append((n, i, rep))
                except AssertionError as e:
                    failures.append((n, i, str(e)))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(failures[:5], [], "%d of 150 concurrent requests failed" % len(failures))
        self.still_answers("concurrent clients")

    def test_sigterm_with_a_client_waiting(self):
        """A REQ that never reads its answer does not keep pressd from stopping."""
        self.start()
        s = self.ctx.socket(zmq.REQ)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(self.ctl)
        s.send(b'{"cmd":"status"}')
        time.sleep(0.3)
        try:
            self.assertEqual(self.d.stop(timeout=10), 0, self.log())
        finally:
            s.close(0)


class SetTakesEffect(ControlCase):
    """set changes the running analysis: a hold starts hold_min_s after it
    settled (the hold scenario settles at 1 s of device time)."""

    def hold_start_after(self, msgs, device):
        starts = bodies(msgs, "hold", device, "start")
        self.assertEqual(len(starts), 1, "%s: %s" % (device, starts))
        s = starts[0]
        return s["t"] - s["t_start"], s

    def test_per_device_with_and_without_prefix(self):
        la, lb = self.link("a"), self.link("b")
        self.start(la + "?protocol=pmf&id=a", lb + "?protocol=pmf&id=b")
        self.ok({"cmd": "set", "key": "analysis.hold_min_s", "value": 2, "device": "a"})
        self.ok({"cmd": "set", "key": "hold_min_s", "value": "4", "device": "b"})
        sub = self.subscribe()
        self.wait_status(sub, "a")
        sa = self.sim("--speed", "max", "--scenario", "hold", "--link", la)
        sb = self.sim("--speed", "max", "--scenario", "hold", "--link", lb)
        for s in (sa, sb):
            self.assertEqual(s.wait(120), 0)
        for dev in ("a", "b"):
            self.assertTrue(sub.wait_for(went_away(dev), 20, self.d.proc), state_changes(sub.snapshot(), dev))
        msgs = self.stop_and_drain(sub)
        self.check_stream(msgs)
        for dev, want in (("a", 2.0), ("b", 4.0)):
            after, s = self.hold_start_after(msgs, dev)
            self.assertAlmostEqual(after, want, delta=0.05, msg="%s: hold_min_s %g, hold start %r" % (dev, want, s))
            ends = bodies(msgs, "hold", dev, "end")
            self.assertEqual(len(ends), 1)
            self.assertAlmostEqual(ends[0]["duration"], 30.0, delta=0.05, msg=ends[0])

    def test_without_device_applies_to_every_device(self):
        la = self.link("a")
        self.start(la + "?protocol=pmf&id=a", "sim:mat?scenario=idle&id=idle")
        self.ok({"cmd": "set", "key": "hold_min_s", "value": "2"})
        self.ok({"cmd": "set", "key": "contact_on", "value": "5%"})
        sub = self.subscribe()
        self.wait_status(sub, "a")
        sim = self.sim("--speed", "max", "--scenario", "hold", "--link", la)
        self.assertEqual(sim.wait(120), 0)
        self.assertTrue(sub.wait_for(went_away("a"), 20, self.d.proc))
        msgs = self.stop_and_drain(sub)
        after, s = self.hold_start_after(msgs, "a")
        self.assertAlmostEqual(after, 2.0, delta=0.05, msg=s)


if __name__ == "__main__":
    unittest.main(verbosity=2)
