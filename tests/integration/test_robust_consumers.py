#!/usr/bin/python3
"""Robustness, consumer side (issue 7): subscribers and control clients
misbehaving or many, while a device streams. pressd's frame rate must not
change, nothing a reading subscriber is sent may go missing unseen, and its
fds, threads and memory must be what they were before.

Already covered elsewhere, not repeated here: a subscriber that never reads
(test_live_service SlowSubscribers, both tests), malformed JSON and huge
requests (test_control BadRequests), unknown devices in each command
(test_control Commands), 150 concurrent requests and clients that leave
before the answer (test_control BadRequests.test_clients_that_vanish_and_many_at_once)."""

import json
import threading
import time
import unittest

import zmq

from harness import SANITIZED, proc_counts
from test_control import ControlCase
from zmqtools import bodies

RATE = 1000


class LoadCase(ControlCase):
    """pressd on pressd-sim streaming RATE frames/s of 32 x 32, every frame
    published (frame_rate_hz=0)."""

    def start_streaming(self, frame_rate_hz=0):
        link = self.link("mat0")
        # A 2 s ring: every page of it touched before the first sample, so
        # RSS stays put unless something else grows.
        self.start(link + "?protocol=pmf&id=mat0", extra=("-s", "daemon.frame_rate_hz=%d" % frame_rate_hz,
                                                          "-s", "daemon.ring_s=2"))
        self.sim("--scenario", "all", "--loop", "--rate", str(RATE), "--link", link)
        self.wait_streaming(["mat0"], 15)
        time.sleep(3.0)  # rings full, pacing settled

    def frames_now(self):
        rep = self.c.call({"cmd": "status"}, timeout=10)
        self.assertTrue(rep["ok"], rep)
        return time.monotonic(), rep["devices"][0]["stats"]

    def rate_over(self, seconds, during=None):
        """Frames/s pressd read over `seconds`, while during() runs if given."""
        t0, s0 = self.frames_now()
        if during:
            during()
        else:
            time.sleep(seconds)
        t1, s1 = self.frames_now()
        return (s1["frames"] - s0["frames"]) / (t1 - t0)

    def assert_rate_kept(self, before, during, what):
        self.assertGreater(before, 0.9 * RATE, "pressd keeps up with %d Hz on its own" % RATE)
        self.assertLess(abs(during - before) / before, 0.05,
                        "frames/s pressd read: %.0f before, %.0f %s" % (before, during, what))

    def assert_flat(self, before, after, what, rss_kib=4096):
        self.assertLessEqual(abs(after["fds"] - before["fds"]), 1, "%s: fds %s" % (what, (before, after)))
        self.assertEqual(after["threads"], before["threads"], "%s: threads %s" % (what, (before, after)))
        if not SANITIZED:  # ASan keeps freed memory in quarantine
            self.assertLess(after["rss_kib"] - before["rss_kib"], rss_kib, "%s: RSS %s" % (what, (before, after)))

    def settle_counts(self, base, timeout=5.0):
        """/proc counts once closed connections are gone (ZeroMQ closes them
        on its I/O thread, a moment after the peer)."""
        deadline = time.monotonic() + timeout
        while True:
            now = proc_counts(self.d.proc.pid)
            if abs(now["fds"] - base["fds"]) <= 1 or time.monotonic() > deadline:
                return now
            time.sleep(0.1)


class Subscribers(LoadCase):
    def test_subscribers_connecting_and_disconnecting_in_a_loop(self):
        """300 subscribers come, take a message or none, and go, over TCP,
        while one reads every frame: the rate holds, the reader misses
        nothing, and no connection is left behind."""
        self.start_streaming()
        reader = self.subscribe(("frame/",))
        time.sleep(0.5)
        before = proc_counts(self.d.proc.pid)
        rate0 = self.rate_over(2.0)
        n0 = len(reader.snapshot())
        cycles = [0]

        def churn():
            for i in range(300):
                s = self.ctx.socket(zmq.SUB)
                s.setsockopt(zmq.LINGER, 0)
                s.setsockopt(zmq.SUBSCRIBE, b"" if i % 2 else b"status/")
                s.connect(self.pub)
                if i % 3 == 0:
                    s.poll(50)
                    try:
                        s.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        pass
                s.close(0)
                cycles[0] += 1
                time.sleep(0.01)  # ~3 s of churn, long enough to measure the rate over

        rate1 = self.rate_over(0, during=churn)
        self.assertEqual(cycles[0], 300)
        self.assert_rate_kept(rate0, rate1, "with 300 subscribers coming and going")
        time.sleep(0.5)
        msgs = reader.snapshot()[n0:]
        after = self.settle_counts(before)
        self.assert_flat(before, after, "after 300 subscribers came and went")
        frames = bodies(msgs, "frame")
        self.assertGreater(len(frames), 2 * RATE)
        seqs = [f["seq"] for f in frames]
        gaps = [(a, b) for a, b in zip(seqs, seqs[1:]) if b != a + 1]
        dropped = self.frames_now()[1]["publish_dropped"]
        self.assertEqual(gaps[:5], [], "the reader lost frames while others churned (publish_dropped %d)" % dropped)

    def test_fifty_subscribers_at_once(self):
        """50 subscribers reading everything: each gets every frame (100/s)
        with no gap, pressd's rate holds, and when they leave pressd is back
        to its fds and threads."""
        self.start_streaming(frame_rate_hz=100)
        before = proc_counts(self.d.proc.pid)
        rate0 = self.rate_over(2.0)
        socks = []
        for _ in range(50):
            s = self.ctx.socket(zmq.SUB)
            s.setsockopt(zmq.LINGER, 0)
            s.setsockopt(zmq.RCVHWM, 0)
            s.setsockopt(zmq.SUBSCRIBE, b"")
            s.connect(self.pub)
            socks.append(s)
        got = [[] for _ in socks]
        stop = threading.Event()

        def read_all():
            poller = zmq.Poller()
            for s in socks:
                poller.register(s, zmq.POLLIN)
            while not stop.is_set():
                for s, _ in poller.poll(100):
                    i = socks.index(s)
                    while True:
                        try:
                            parts = s.recv_multipart(zmq.NOBLOCK)
                        except zmq.Again:
                            break
                        if parts[0].startswith(b"frame/"):
                            got[i].append(json.loads(parts[1])["seq"])

        t = threading.Thread(target=read_all, daemon=True)
        t.start()
        try:
            time.sleep(1.5)  # all connected and subscribed
            rate1 = self.rate_over(4.0)
            mid = proc_counts(self.d.proc.pid)
        finally:
            stop.set()
            t.join(10)
            for s in socks:
                s.close(0)
        self.assert_rate_kept(rate0, rate1, "with 50 subscribers")
        # one connection per subscriber (and perhaps the control client's, going)
        self.assertIn(mid["fds"] - before["fds"], (50, 51), "one connection per subscriber: %s" % ((before, mid),))
        for i, seqs in enumerate(got):
            self.assertGreater(len(seqs), 300, "subscriber %d got %d frames" % (i, len(seqs)))
            gaps = [(a, b) for a, b in zip(seqs, seqs[1:]) if b != a + 1]
            self.assertEqual(gaps[:5], [], "subscriber %d missed frames" % i)
        after = self.settle_counts(before)
        self.assert_flat(before, after, "after 50 subscribers left", rss_kib=8192)


class ControlFlood(LoadCase):
    REQUESTS = (
        ({"cmd": "status"}, True),
        ({"cmd": "version"}, True),
        (b'{"cmd":', False),
        ({"cmd": "tare", "device": "nope"}, False),
        ({"cmd": "record_stop", "device": "nope"}, False),
        ({"cmd": "mark", "device": "nope", "label": "x"}, False),
        ({"cmd": "set", "key": "hold_min_s", "value": "x"}, False),
        ({"cmd": "nope"}, False),
    )

    def test_request_flood_does_not_slow_acquisition(self):
        """4 clients x 400 requests back to back, good and bad mixed: each
        answered right, acquisition untouched, nothing left behind."""
        self.start_streaming(frame_rate_hz=30)
        before = proc_counts(self.d.proc.pid)
        rate0 = self.rate_over(2.0)
        wrong = []

        def client(n):
            s = self.ctx.socket(zmq.REQ)
            s.setsockopt(zmq.LINGER, 0)
            s.setsockopt(zmq.RCVTIMEO, 10000)
            s.connect(self.ctl)
            try:
                for i in range(400):
                    req, ok = self.REQUESTS[(n + i) % len(self.REQUESTS)]
                    s.send(req if isinstance(req, bytes) else json.dumps(req).encode())
                    rep = json.loads(s.recv())
                    if rep.get("ok") is not ok or (not ok and not rep.get("error")):
                        wrong.append((req, rep))
            except zmq.Again:
                wrong.append(("timeout", n))
            finally:
                s.close(0)

        def flood():
            ts = [threading.Thread(target=client, args=(n,)) for n in range(4)]
            for t in ts:
                t.start()
            for t in ts:
                t.join(120)

        t0 = time.monotonic()
        rate1 = self.rate_over(0, during=flood)
        took = time.monotonic() - t0
        self.assertEqual(wrong[:5], [], "%d of 1600 requests answered wrongly" % len(wrong))
        self.assert_rate_kept(rate0, rate1, "during 1600 requests in %.1f s" % took)
        self.still_answers("a flood of requests")
        self.assert_flat(before, self.settle_counts(before), "after the flood")

    def test_pipelined_requests_and_clients_that_never_read(self):
        """A DEALER firing 3000 requests in bursts of 500 without waiting,
        then 200 REQ clients that send and close at once: every pipelined
        request gets its answer, in order, and no connection is left behind.
        (Bursts, because a REP socket drops replies to a peer whose queue
        is full, at ZeroMQ's high-water mark of 1000: a client that sends
        thousands before reading any loses replies, by ZeroMQ's design.)"""
        self.start_streaming(frame_rate_hz=30)
        before = proc_counts(self.d.proc.pid)
        dealer = self.ctx.socket(zmq.DEALER)
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.setsockopt(zmq.RCVTIMEO, 10000)
        dealer.setsockopt(zmq.SNDHWM, 0)
        dealer.connect(self.ctl)
        answers = []
        try:
            for burst in range(0, 3000, 500):
                for i in range(burst, burst + 500):
                    dealer.send_multipart([b"", json.dumps({"cmd": "mark", "label": "m%d" % i}
                                                           if i % 2 else {"cmd": "version"}).encode()])
                for i in range(500):
                    parts = dealer.recv_multipart()
                    answers.append(json.loads(parts[-1]))
        finally:
            dealer.close(0)
        self.assertTrue(all(a.get("ok") is True for a in answers), [a for a in answers if not a.get("ok")][:3])
        self.assertEqual(["version" in a for a in answers], [i % 2 == 0 for i in range(3000)], "answers in order")
        for _ in range(200):
            s = self.ctx.socket(zmq.REQ)
            s.setsockopt(zmq.LINGER, 0)
            s.connect(self.ctl)
            s.send(b'{"cmd":"status"}')
            s.close(0)
        self.still_answers("clients that never read")
        st = self.frames_now()[1]
        self.assertEqual(st["frames_lost"], 0)
        self.assert_flat(before, self.settle_counts(before), "after 3200 requests", rss_kib=8192)


if __name__ == "__main__":
    unittest.main(verbosity=2)
