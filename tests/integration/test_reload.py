"""SIGHUP keeps run-time settings (issue 16): a reload applies what the
file changed and keeps the `set` values the file does not change, and the
log says which is which."""

import os
import signal
import time
import unittest

import zmq

from harness import TestCase
from zmqtools import Collector, Control, bodies, tail


class Reload(TestCase):
    def test_set_values_survive_sighup(self):
        conf = os.path.join(self.tmp.name, "pressd.conf")
        with open(conf, "w") as f:
            f.write("[device.m0]\nuri = sim:mat?scenario=hold\n\n[analysis]\nhold_min_s = 3\ncontact_rate_hz = 10\n")
        d = self.pressd("-c", conf, trace=False)
        ctl = Control(zmq.Context.instance(), d.control)
        deadline = time.monotonic() + 10
        while ctl.raw(b'{"cmd":"version"}', timeout=0.5) is None:
            self.assertLess(time.monotonic(), deadline, tail(d.text()))
        col = Collector(zmq.Context.instance(), d.pub, topics=("hold/",))
        # before the built-in hold has settled 3 s (it presses at t = 1 s)
        self.assertIs(ctl.call({"cmd": "set", "key": "hold_min_s", "value": 1000})["ok"], True)
        d.proc.send_signal(signal.SIGHUP)
        self.assertTrue(d.wait_for(lambda: "configuration reloaded" in d.text(), 5), tail(d.text()))
        self.assertIn("m0: analysis.hold_min_s stays 1000 (set at run time; the file says 3)", d.text())
        # the file changes another key: that one takes the file's value, hold_min_s still stays
        with open(conf, "w") as f:
            f.write("[device.m0]\nuri = sim:mat?scenario=hold\n\n[analysis]\nhold_min_s = 3\ncontact_rate_hz = 5\n")
        d.proc.send_signal(signal.SIGHUP)
        self.assertTrue(d.wait_for(lambda: d.text().count("configuration reloaded") == 2, 5), tail(d.text()))
        self.assertIn("SIGHUP: analysis.contact_rate_hz: 10 -> 5", d.text())
        self.assertEqual(d.text().count("analysis.hold_min_s stays 1000"), 2)
        # and it behaves so: the blob held from t = 1 s is no hold by t = 6 s
        time.sleep(5.5)
        self.assertEqual(bodies(col.stop(), "hold"), [], "a hold with hold_min_s = 1000")
        self.assertEqual(d.stop(), 0, tail(d.text()))


if __name__ == "__main__":
    unittest.main()
