"""A device whose geometry cannot be analysed (docs/robustness.md): a
pmf mat whose INFO says pitch 0 or NaN goes to status `error` saying why
and which URI option fixes it, and `?pitch_mm=` overrides what INFO says:
then it is analysed (contacts published)."""

import math
import os

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


if __name__ == "__main__":
    import unittest
    unittest.main()
