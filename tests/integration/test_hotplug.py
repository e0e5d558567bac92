"""Hotplug (issue 6): what pressd-device@.service does when udev sees a
known mat appear or go — `pressctl hotplug add|remove /dev/<node>` on the
control socket — exercised with pressd-sim unplugging and replugging."""

import os
import re
import subprocess
import time

from harness import BIN, TestCase

PRESSCTL = os.path.join(BIN, "pressctl")
OPENED = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) info: mat0: opened ", re.M)


class Hotplug(TestCase):
    def pressctl(self, p, *args):
        return subprocess.run([PRESSCTL, "-t", "5", "-C", p.control, *args], capture_output=True, text=True,
                              timeout=30)

    def test_replugged_device_is_opened_at_once_not_at_its_next_retry(self):
        link = os.path.join(self.tmp.name, "mat")
        # Unplugged 8 s: by then pressd's back-off is 5 s, so on its own it
        # would open the new port up to 5 s late.
        sim = self.sim("--link", link, "--loop", "--scenario", "idle", "--rate", "50", "--unplug-at", "1",
                       "--unplug-for", "8")
        p = self.pressd("-d", link, trace=False)
        self.assertTrue(p.wait_for(lambda: len(OPENED.findall(p.text())) == 1, timeout=20), p.text())
        self.assertTrue(p.wait_for(lambda: "mat0: disconnected" in p.text(), timeout=20), p.text())
        # the unit's ExecStop, when the node goes: pressd has seen it already
        gone = self.pressctl(p, "hotplug", "remove", link)
        self.assertEqual(gone.returncode, 0, gone.stderr)
        self.assertEqual(gone.stdout, "mat0: gone, waiting for it\n")

        replugged = sim.proc.stdout.readline().strip()  # the new pty, the moment it exists
        self.assertTrue(replugged.startswith("/dev/pts/"), replugged)
        t0 = time.monotonic()
        r = self.pressctl(p, "hotplug", "add", replugged)  # the node, as %I gives it; pressd has the link
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "mat0: opening it now\n")
        self.assertTrue(p.wait_for(lambda: len(OPENED.findall(p.text())) == 2, timeout=5), p.text())
        took = time.monotonic() - t0
        self.assertLess(took, 1.5, "opened %.2f s after hotplug add; the back-off was 5 s" % took)
        self.assertIn("hotplug: %s appeared: mat0 opens it now" % replugged, p.text())
        self.assertEqual(p.stop(), 0)

    def test_port_nobody_configured_is_noted_not_refused(self):
        p = self.pressd("-d", "sim:mat", trace=False)
        r = self.pressctl(p, "hotplug", "add", "/dev/ttyACM7")
        self.assertEqual(r.returncode, 0, r.stderr)  # the unit must not fail for an unconfigured mat
        self.assertEqual(r.stdout, "/dev/ttyACM7: no configured device or free auto slot takes this port\n")
        self.assertTrue(p.wait_for(lambda: "/dev/ttyACM7 appeared, but no device is configured for it and no "
                                           "auto slot is free (add a [device.<id>] with uri = /dev/ttyACM7, or "
                                           "auto with more slots)" in p.text()), p.text())
        for bad in (["hotplug", "add"], ["hotplug", "plug", "/dev/x"]):
            self.assertEqual(self.pressctl(p, *bad).returncode, 64)
        raw = subprocess.run([PRESSCTL, "-t", "5", "-C", p.control, "--json", "hotplug", "add", "relative/path"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(raw.returncode, 1)
        self.assertIn("absolute device path", raw.stderr)
        self.assertEqual(p.stop(), 0)

    def test_auto_slots_take_mats_plugged_in_later(self):
        """`auto` with nothing connected: slots wait; a mat plugged in later
        goes to the first idle slot, at once when hotplug offers it, and
        comes back to a slot after an unplug. Frames are checked against
        what the emulator sent."""
        p = self.pressd("-d", "auto?slots=2")
        self.assertTrue(p.wait_for(lambda: "mat1: cannot open" in p.text()), p.text())
        st = self.pressctl(p, "--json", "status")
        self.assertEqual(st.returncode, 0, st.stderr)
        self.assertIn("no known pressure device is connected; waiting for one to be plugged in", st.stdout)

        a = self.sim("--scenario", "idle", "--rate", "50", "--duration", "6", "--unplug-at", "2",
                     "--unplug-for", "1")
        b = self.sim("--scenario", "idle", "--rate", "50", "--duration", "3")
        c = self.sim("--scenario", "idle", "--rate", "50", "--duration", "3")
        for sim, dev in ((a, "mat0"), (b, "mat1")):
            r = self.pressctl(p, "hotplug", "add", sim.path)
            self.assertEqual((r.returncode, r.stdout), (0, "%s: opening it now\n" % dev), r.stderr)
        busy = self.pressctl(p, "hotplug", "add", c.path)
        self.assertEqual(busy.returncode, 0, busy.stderr)
        self.assertEqual(busy.stdout, "%s: no configured device or free auto slot takes this port\n" % c.path)
        again = self.pressctl(p, "hotplug", "add", b.path)  # a port a slot holds already
        self.assertEqual(again.stdout, "mat1: opening it now\n")

        replugged = a.proc.stdout.readline().strip()
        self.assertTrue(replugged.startswith("/dev/pts/"), replugged)
        self.assertTrue(p.wait_for(lambda: "mat0: disconnected" in p.text()), p.text())
        r = self.pressctl(p, "hotplug", "add", replugged)
        self.assertEqual(r.stdout, "mat0: opening it now\n", r.stderr)
        for sim in (a, b):
            self.assertEqual(sim.wait(timeout=60), 0, sim.stderr)
        c.kill()
        self.assertEqual(p.stop(), 0)
        self.assertEqual([f[2] for f in p.frames("mat0")], [f[2] for f in a.truth()])
        self.assertEqual([f[2] for f in p.frames("mat1")], [f[2] for f in b.truth()])
        self.assertEqual(len(a.truth()), 300)
