"""The command line and config of daemon.md: exit statuses, messages that
name the mistake, and the built-in sim: device."""

import os
import re
import subprocess
import time
import unittest

from harness import PRESSD, TestCase


def run(*args, timeout=10):
    return subprocess.run([PRESSD, *args], capture_output=True, text=True, timeout=timeout)


class CommandLine(TestCase):
    def test_version_and_help(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^pressd \d+\.\d+\.\d+\n$")
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for opt in ("--config", "--device", "--pub", "--control", "--record", "--set", "--foreground"):
            self.assertIn(opt, r.stdout)

    def test_list_ports(self):
        r = run("--list-ports")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertTrue(lines)
        # one line per port: path, then USB id or '-', or the one "none" line
        for line in lines:
            self.assertTrue(line == "no serial ports found" or line.startswith("/dev/"), line)

    def test_bad_options_exit_64(self):
        for args, needle in ((["--frobnicate"], "--frobnicate"), (["-x"], "-x"), (["-d"], "-d"),
                             (["-f", "-d", "ttyUSB0"], "ttyUSB0"), (["-f", "stray"], "stray"),
                             (["-f", "-p", "localhost"], "localhost")):
            r = run(*args)
            self.assertEqual(r.returncode, 64, (args, r.stderr))
            self.assertIn(needle, r.stderr)

    def test_bad_config_exits_78_naming_the_key(self):
        conf = os.path.join(self.tmp.name, "pressd.conf")
        cases = (("[daemon]\ncolour = red\n", "daemon.colour"),
                 ("[analysis]\nhold_min_s = -1\n", "hold_min_s"),
                 ("[device.m]\nrows = 16\n", "no uri"))
        for text, needle in cases:
            with open(conf, "w") as f:
                f.write(text)
            r = run("-f", "-c", conf)
            self.assertEqual(r.returncode, 78, (text, r.stderr))
            self.assertIn(needle, r.stderr)
        r = run("-f", "-c", os.path.join(self.tmp.name, "missing.conf"))
        self.assertEqual(r.returncode, 78)
        self.assertIn("missing.conf", r.stderr)

    def test_bad_set_exits_78(self):
        for s, needle in (("analysis.nope=1", "nope"), ("analysis.contact_on=200%", "contact_on"),
                          ("daemon.frame_rate_hz=fast", "frame_rate_hz"), ("justakey", "section.key")):
            r = run("-f", "-s", s)
            self.assertEqual(r.returncode, 78, (s, r.stderr))
            self.assertIn(needle, r.stderr)

    def test_unplayable_sim_is_refused_at_start(self):
        r = run("-f", "-d", "sim:mat?rows=4&cols=4&scenario=glide")
        self.assertEqual(r.returncode, 64, r.stderr)
        self.assertIn("glide", r.stderr)
        r = run("-f", "-d", "sim:mat?scenario=moonwalk")
        self.assertEqual(r.returncode, 64, r.stderr)
        self.assertIn("moonwalk", r.stderr)
        r = run("-f", "-s", "device.m.uri=sim:mat?scenario=moonwalk")
        self.assertEqual(r.returncode, 78, r.stderr)

    def test_builtin_sim_mat_streams(self):
        d = self.pressd("-d", "sim:mat?scenario=hold&rate=200&id=demo")
        self.assertTrue(d.wait_for(lambda: len(d.frames("demo")) >= 300, timeout=20), d.text()[-2000:])
        self.assertEqual(d.stop(), 0)
        frames = d.frames("demo")
        seqs = [f[0] for f in frames]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))))
        # device time advances at the nominal rate: 5 ms per frame at 200 Hz
        self.assertTrue(all(b[1] - a[1] == 5000 for a, b in zip(frames, frames[1:])))
        st = d.stats()["demo"]
        self.assertEqual(st["protocol"], "sim")
        self.assertEqual(st["frames"], len(frames))

    def test_counters_every_interval_at_the_default_level(self):
        """README, "What pressd logs": without -v the counters still come
        every stats_interval_s (notice); -q hides them."""
        def counter_lines(*level):
            p = subprocess.Popen([PRESSD, "-f", *level, "-d", "sim:mat?scenario=idle&rate=50&id=demo",
                                  "-s", "daemon.stats_interval_s=1",
                                  "-p", "ipc://%s/pub" % self.tmp.name, "-C", "ipc://%s/ctl" % self.tmp.name],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                time.sleep(3.5)
                p.terminate()
                _, err = p.communicate(timeout=20)
            finally:
                if p.poll() is None:
                    p.kill()
                    p.communicate()
            self.assertEqual(p.returncode, 0, err)
            running = err.split("signal 15: stopping")[0]  # before the exit's own line
            return [l for l in running.splitlines() if re.search(r"notice: demo: \w+ protocol=sim frames=\d+ ", l)]
        periodic = counter_lines()
        self.assertGreaterEqual(len(periodic), 2, periodic)
        self.assertEqual(counter_lines("-q"), [])

    def test_config_file_devices(self):
        conf = os.path.join(self.tmp.name, "pressd.conf")
        with open(conf, "w") as f:
            f.write("[device.left]\nuri = sim:mat\nscenario = idle\nrate = 50\n"
                    "[device.roll]\nuri = sim:roller\n")
        d = self.pressd("-c", conf)
        self.assertTrue(d.wait_for(lambda: len(d.frames("left")) > 20 and len(d.frames("roll")) > 20,
                                   timeout=20), d.text()[-2000:])
        self.assertEqual(d.stop(), 0)
        self.assertEqual(set(d.stats()), {"left", "roll"})

    def test_missing_device_is_retried_not_fatal(self):
        d = self.pressd("-d", "/dev/pressd-test-does-not-exist?protocol=pmf")
        self.assertTrue(d.wait_for(lambda: "cannot open" in d.text(), timeout=10))
        self.assertIsNone(d.proc.poll())
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
