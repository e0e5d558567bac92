"""Devices that misbehave in ways pressd must name (docs/robustness.md):
a pmf mat whose INFO says pitch 0 or NaN goes to status `error` saying
why and which URI option fixes it, and `?pitch_mm=` overrides what INFO
says (then it is analysed); a TCP serial bridge that accepts and resets
at once gets a back-off that grows, and one warning, not one a tick."""

import math
import os
import socket
import threading
import time

import numpy as np
import zmq

from harness import TestCase
from pmfwire import PtyDevice, blob_cells, frame_packet, info_packet
from zmqtools import Collector, bodies, tail


class Pitch(TestCase):
    def setUp(self):
        super().setUp()
        self.ctx = zmq.Context()
        self.addCleanup(self.ctx.destroy, 0)

    def run_device(self, pitch, uri_opts):
        link = os.path.join(self.tmp.name, "dev")
        dev = PtyDevice(link)
        self.addCleanup(dev.close)
        d = self.pressd("-d", link + "?protocol=pmf&id=p" + uri_opts, trace=False)
        sub = Collector(self.ctx, d.pub, topics=("status/", "contact/"))
        self.addCleanup(sub.stop)
        dev.write(info_packet(16, 16, rate=100, pitch=pitch))
        sub.wait_for(lambda ms: bodies(ms, "status", "p"), 10)  # subscribed before the frames
        noise = np.random.default_rng(3)
        for i in range(300):
            dev.write(frame_packet(i, i * 10000, blob_cells(16, 16, i, rng=noise)))
        self.assertTrue(dev.drain(), tail(d.text()))
        sub.wait_for(lambda ms: bodies(ms, "contact", "p") or
                     [b for b in bodies(ms, "status", "p") if b.get("state") == "error"], 10)
        msgs = sub.stop()
        return d, bodies(msgs, "status", "p"), bodies(msgs, "contact", "p")

    def test_pitch_zero_or_nan_is_an_error_naming_the_option(self):
        for pitch in (0.0, math.nan):
            with self.subTest(pitch=pitch):
                d, status, contacts = self.run_device(pitch, "")
                errors = [b for b in status if b.get("state") == "error"]
                self.assertTrue(errors, (status[-3:], tail(d.text())))
                self.assertIn("cell pitch of %g × %g mm" % (pitch, pitch), errors[-1]["error"])
                self.assertIn("pitch_mm", errors[-1]["error"])
                self.assertEqual(status[-1]["state"], "error", "frames must not clear the error")
                self.assertEqual(contacts, [])
                self.assertEqual(d.stop(), 0)

    def test_pitch_mm_overrides_info(self):
        d, status, contacts = self.run_device(0.0, "&pitch_mm=10")
        self.assertNotIn("error", [b.get("state") for b in status])
        self.assertTrue(contacts, tail(d.text()))
        self.assertIn("pitch 10×10 mm", d.text())
        self.assertEqual(d.stop(), 0)


class ResetLoop(TestCase):
    def test_back_off_grows_when_connections_die_at_once(self):
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)
        port = srv.getsockname()[1]
        accepts = []
        stop = threading.Event()

        def serve():
            srv.settimeout(0.2)
            while not stop.is_set():
                try:
                    c, _ = srv.accept()
                except socket.timeout:
                    continue
                accepts.append(time.monotonic())
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")  # RST
                c.close()
        t = threading.Thread(target=serve)
        t.start()
        self.addCleanup(srv.close)
        self.addCleanup(t.join)
        self.addCleanup(stop.set)
        d = self.pressd("-d", "tcp:127.0.0.1:%d?protocol=pmf&id=r" % port, trace=False)
        time.sleep(6)
        self.assertEqual(d.stop(), 0)
        # 3 at 100 ms, then 200, 400 ... ms: about 8 tries in 6 s (a fixed 100 ms: 50+).
        self.assertLessEqual(len(accepts), 11, accepts)
        self.assertGreaterEqual(len(accepts), 4)
        gaps = [b - a for a, b in zip(accepts, accepts[1:])]
        self.assertGreater(gaps[-1], 4 * gaps[0], gaps)
        # One warning in all (the reset comes at connect or just after).
        warnings = [l for l in d.text().splitlines() if "warning: r: " in l]
        self.assertEqual(len(warnings), 1, d.text()[-3000:])
        self.assertTrue("growing back-off" in d.text() or "retrying" in warnings[0])


class Junk(TestCase):
    def test_junk_over_tcp_with_protocol_auto_is_counted(self):
        """1 MiB of noise from a TCP serial bridge, protocol=auto: counted
        as bytes and garbage, not shown as a dead link."""
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        self.addCleanup(srv.close)
        junk = os.urandom(1 << 20)

        def serve():
            c, _ = srv.accept()
            c.sendall(junk)
            time.sleep(1)
            c.close()
        t = threading.Thread(target=serve)
        t.start()
        d = self.pressd("-d", "tcp:127.0.0.1:%d?id=j" % srv.getsockname()[1], trace=False)
        t.join()
        self.assertTrue(d.wait_for(lambda: "j: disconnected" in d.text(), 10))
        self.assertEqual(d.stop(), 0)
        st = d.stats()["j"]
        self.assertEqual(st["bytes"], len(junk), st)
        self.assertEqual(st["garbage_bytes"], len(junk), st)
        self.assertEqual(st["frames"], 0)


if __name__ == "__main__":
    import unittest
    unittest.main()
