"""pressd-sim -> pty -> pressd, in every protocol: every frame the emulator
sent is decoded bit-exact, in order, and the counters are honest."""

import unittest

from harness import TestCase

FRAMES = "400"


class CleanStreams(TestCase):
    def check_exact(self, sim, d, st, device_seq=True):
        truth = sim.truth()
        got = d.frames()
        self.assertEqual(len(truth), int(FRAMES))
        self.assertEqual(len(got), len(truth), d.text()[-2000:])
        # cells bit-exact, frame by frame
        self.assertEqual([g[2] for g in got], [t[2] for t in truth])
        if device_seq:  # protocols that carry the device's sequence and clock
            self.assertEqual([g[:2] for g in got], [t[:2] for t in truth])
        self.assertEqual(st["frames"], len(truth))
        for counter in ("crc_errors", "decode_errors", "seq_gaps", "frames_lost"):
            self.assertEqual(st[counter], 0, counter)
        self.assertEqual(st["disconnects"], 1)  # the emulator leaving at the end

    def test_pmf_mat_raw_16bit(self):
        sim, d, st = self.run_pair(["--protocol", "pmf", "--scenario", "hold", "--speed", "max",
                                    "--frames", FRAMES, "--encoding", "raw"], "protocol=pmf")
        self.check_exact(sim, d, st)
        self.assertEqual(st["protocol"], "pmf")
        self.assertEqual(st["resyncs"], 0)

    def test_pmf_mat_zero_run_8bit(self):
        sim, d, st = self.run_pair(["--protocol", "pmf", "--scenario", "glide", "--speed", "max",
                                    "--frames", FRAMES, "--encoding", "zero-run", "--cell-bits", "8"],
                                   "protocol=pmf")
        self.check_exact(sim, d, st)

    def test_pmf_roller(self):
        sim, d, st = self.run_pair(["--protocol", "pmf", "--kind", "roller", "--scenario", "roller",
                                    "--speed", "max", "--frames", FRAMES], "protocol=pmf")
        self.check_exact(sim, d, st)
        self.assertIn("encoder=", d.text())

    def test_pmf_auto_detected(self):
        sim, d, st = self.run_pair(["--protocol", "pmf", "--scenario", "pump", "--speed", "max",
                                    "--frames", FRAMES], "")
        self.check_exact(sim, d, st)
        self.assertEqual(st["protocol"], "pmf")

    def test_ascii_single_line(self):
        sim, d, st = self.run_pair(["--protocol", "ascii", "--ascii-form", "line", "--rows", "16",
                                    "--cols", "16", "--scenario", "hold", "--speed", "max",
                                    "--frames", FRAMES], "protocol=ascii&rows=16&cols=16&full_scale=4095")
        self.check_exact(sim, d, st, device_seq=False)

    def test_ascii_block_auto_detected(self):
        sim, d, st = self.run_pair(["--protocol", "ascii", "--ascii-form", "block", "--rows", "12",
                                    "--cols", "10", "--scenario", "pulses", "--speed", "max",
                                    "--frames", FRAMES], "full_scale=4095")
        self.check_exact(sim, d, st, device_seq=False)
        self.assertEqual(st["protocol"], "ascii")

    def test_sensitronics(self):
        sim, d, st = self.run_pair(["--protocol", "sensitronics", "--rows", "16", "--cols", "16",
                                    "--scenario", "two", "--speed", "max", "--frames", FRAMES],
                                   "protocol=sensitronics&rows=16&cols=16")
        self.check_exact(sim, d, st, device_seq=False)

    def test_ascii_polled_sketch(self):
        sim, d, st = self.run_pair(["--protocol", "ascii", "--ascii-form", "line", "--rows", "16",
                                    "--cols", "16", "--poll", "p", "--scenario", "pump", "--speed", "max",
                                    "--frames", FRAMES],
                                   "protocol=ascii&rows=16&cols=16&full_scale=4095&poll=p")
        self.check_exact(sim, d, st, device_seq=False)

    def test_pmf_device_streaming_unasked(self):
        sim, d, st = self.run_pair(["--protocol", "pmf", "--no-wait-start", "--scenario", "two",
                                    "--speed", "max", "--frames", FRAMES], "protocol=pmf")
        self.check_exact(sim, d, st)


if __name__ == "__main__":
    unittest.main(verbosity=2)
