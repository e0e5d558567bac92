"""Broken streams: garbage, corrupted CRCs, skipped sequence numbers and an
unplugged device each show up in the right counter, and nothing valid is
lost."""

import os
import time
import unittest

from harness import TestCase

FRAMES = "500"


class Faults(TestCase):
    def test_garbage_between_packets_loses_nothing(self):
        sim, d, st = self.run_pair(["--protocol", "pmf", "--scenario", "hold", "--speed", "max",
                                    "--frames", FRAMES, "--garbage", "0.2", "--seed", "7"], "protocol=pmf")
        truth = sim.truth()
        self.assertEqual(len(truth), int(FRAMES))
        self.assertEqual([g[:3] for g in d.frames()], truth)
        self.assertGreater(st["resyncs"], 0)
        self.assertGreater(st["garbage_bytes"], 0)
        self.assertEqual(st["frames"], len(truth))
        self.assertEqual(st["frames_lost"], 0)

    def test_corrupt_crc_drops_exactly_those_packets(self):
        sim, d, st = self.run_pair(["--protocol", "pmf", "--scenario", "hold", "--speed", "max",
                                    "--frames", FRAMES, "--corrupt-crc", "10"], "protocol=pmf")
        truth = sim.truth()
        got = d.frames()
        self.assertEqual([g[:3] for g in got], truth)
        sent = int(FRAMES)
        corrupted = sent - len(truth)
        self.assertGreater(corrupted, 0)
        self.assertEqual(st["crc_errors"], corrupted)
        # each corrupted frame is a hole in the sequence, except one at the
        # very end, which no later frame reveals
        seqs = [t[0] for t in truth]
        self.assertEqual(st["frames_lost"], sum(b - a - 1 for a, b in zip(seqs, seqs[1:])))
        self.assertGreaterEqual(st["frames_lost"], corrupted - 1)

    def test_skipped_sequence_numbers_are_counted_as_loss(self):
        sim, d, st = self.run_pair(["--protocol", "pmf", "--scenario", "glide", "--speed", "max",
                                    "--frames", FRAMES, "--skip-seq", "25"], "protocol=pmf")
        truth = sim.truth()
        self.assertEqual([g[:3] for g in d.frames()], truth)
        seqs = [t[0] for t in truth]
        holes = sum(1 for a, b in zip(seqs, seqs[1:]) if b != a + 1)
        missing = sum(b - a - 1 for a, b in zip(seqs, seqs[1:]))
        self.assertGreater(holes, 0)
        self.assertEqual(st["seq_gaps"], holes)
        self.assertEqual(st["frames_lost"], missing)
        self.assertEqual(st["crc_errors"], 0)

    def test_unplug_and_replug_resumes_on_same_id(self):
        link = os.path.join(self.tmp.name, "mat")
        sim = self.sim("--protocol", "pmf", "--scenario", "hold", "--rate", "100", "--duration", "4",
                       "--unplug-at", "1.5", "--unplug-for", "0.5", "--link", link)
        d = self.pressd("-d", link + "?protocol=pmf&id=left")
        self.assertEqual(sim.wait(60), 0, getattr(sim, "stderr", ""))
        d.wait_for(lambda: len(d.frames()) >= len(sim.truth()), timeout=10)
        # once unplugged mid-way, once when the emulator exits
        d.wait_for(lambda: d.text().count("left: disconnected:") >= 2, timeout=10)
        self.assertEqual(d.stop(), 0)
        st = d.stats()["left"]
        self.assertEqual(st["disconnects"], 2, d.text()[-3000:])
        truth = sim.truth()
        got = [g[:3] for g in d.frames()]
        # every frame sent while plugged in arrived
        self.assertEqual(got, truth)
        self.assertEqual(st["frames"], len(truth))


if __name__ == "__main__":
    unittest.main(verbosity=2)
