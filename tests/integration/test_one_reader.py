"""One daemon per device (issue 16): a second pressd on a port the first
has open is refused with a message naming the first (its program and
pid), keeps running and retrying, and the first keeps every frame."""

import os
import re
import time
import unittest

from harness import TestCase
from zmqtools import tail


class OneReaderPerDevice(TestCase):
    def test_a_second_pressd_on_the_same_pty_is_refused(self):
        sim = self.sim("--scenario", "hold", "--rate", "100", "--rows", "16", "--cols", "16", "--duration", "4")
        first = self.pressd("-d", sim.path + "?protocol=pmf&id=a")
        self.assertTrue(first.wait_for(lambda: "a: opened" in first.text(), 10), tail(first.text()))
        second = self.pressd("-d", sim.path + "?protocol=pmf&id=b")
        want = re.compile(r"b: cannot open .*: %s is in use by pressd \(pid %d\): one reader per device"
                          % (re.escape(sim.path), first.proc.pid))
        self.assertTrue(second.wait_for(lambda: want.search(second.text()), 10), tail(second.text()))
        self.assertIsNone(second.proc.poll(), "the second pressd keeps running (and retrying)")
        self.assertEqual(sim.wait(60), 0)
        truth = sim.truth()
        self.assertTrue(first.wait_for(lambda: len(first.frames()) >= len(truth), 10), tail(first.text()))
        self.assertEqual(first.frames(), truth, "the first pressd kept every frame")
        self.assertEqual(second.frames(), [], "the second took none")
        self.assertEqual(first.stop(), 0)
        self.assertEqual(second.stop(), 0)
        self.assertEqual(first.stats()["a"]["frames_lost"], 0)


if __name__ == "__main__":
    unittest.main()
