#!/usr/bin/python3
"""Robustness, device side (issue 7): what a broken or odd device does to
pressd. Each test injects a fault with pressd-sim or with a pmf device
written in Python (pmfwire.py), then checks what pressd decoded against
what was sent, frame by frame, and the counters against what was injected.

Already covered elsewhere, not repeated here: garbage, corrupt CRCs and
skipped sequence numbers (test_faults, test_live_service Faults) and a few
unplugs (test_faults, test_live_service)."""

import os
import random
import re
import time
import unittest

import h5py
import numpy as np
import zmq

from harness import SANITIZED, TestCase, proc_counts
from pmfwire import PtyDevice, blob_cells, crc, damaged, frame_packet, info_packet
from rectools import frame_crcs, recordings
from zmqtools import Collector, bodies, tail


def holes(seqs):
    """Frames missing between consecutive sequence numbers (mod 2^32)."""
    return sum(((b - a) & 0xFFFFFFFF) - 1 for a, b in zip(seqs, seqs[1:]))


def analysis_frames(text):
    """Frames each analysis context took, as pressd logs them when it goes."""
    return [int(x) for x in re.findall(r"analysis: frames=(\d+) ", text)]


class WireCase(TestCase):
    """A Python pmf device on a pty link, pressd on the link."""

    def device(self, name="dev"):
        link = os.path.join(self.tmp.name, name)
        dev = PtyDevice(link)
        self.addCleanup(dev.close)
        return dev, link

    def unplug_and_stop(self, dev, d, device_id):
        self.assertTrue(dev.drain(), "pressd stopped reading the device; log:\n" + tail(d.text()))
        dev.close()
        self.assertTrue(d.wait_for(lambda: "%s: disconnected:" % device_id in d.text(), 15), tail(d.text()))
        self.assertEqual(d.stop(), 0, tail(d.text()))
        return d.stats()[device_id]


class Wire(WireCase):
    def test_truncated_packets_and_bit_flips_lose_only_themselves(self):
        """Every 10th packet cut short at a random byte and every 10th with
        one random bit flipped (sync, header, payload or CRC): exactly the
        intact frames arrive, in order, and the holes are counted as loss."""
        dev, link = self.device()
        d = self.pressd("-d", link + "?protocol=pmf&id=w", "-s", "daemon.ring_s=60")
        rng, noise = random.Random(11), np.random.default_rng(11)
        dev.write(info_packet(16, 16, rate=200))
        truth, faults = [], []
        for i in range(600):
            cells = blob_cells(16, 16, i, rng=noise)
            pkt = frame_packet(i, i * 5000, cells)
            if i % 10 == 3:
                pkt, how = damaged(pkt, rng, "cut")
                faults.append(how)
            elif i % 10 == 7:
                pkt, how = damaged(pkt, rng, "flip")
                faults.append(how)
            else:
                truth.append((i, i * 5000, crc(cells)))
            dev.write(pkt)
        dev.write(frame_packet(600, 600 * 5000, cells)[:37])  # and the stream ends mid-packet
        st = self.unplug_and_stop(dev, d, "w")
        self.assertEqual(d.frames(), truth, "frames decoded are not exactly the intact ones")
        self.assertEqual(st["frames"], len(truth))
        self.assertEqual(st["frames_lost"], holes([s for s, _, _ in truth]))
        self.assertEqual(st["seq_gaps"], 120, "every damaged frame is a hole of one")
        # every damaged packet was noticed somewhere: a CRC, a length, or bytes skipped
        self.assertGreaterEqual(st["crc_errors"] + st["decode_errors"] + st["resyncs"], len(faults) // 2, st)
        self.assertGreater(st["crc_errors"], 0, st)

    def test_garbage_bursts_with_fake_headers(self):
        """Bursts of up to 4 KiB of junk between frames, salted with sync
        pairs and headers of plausible types and lengths (up to 64 KiB,
        which hold the following packets back until their CRC fails):
        pressd-sim's --garbage avoids sync bytes, this does not. Exactly the
        frames arrive, none lost, none invented."""
        dev, link = self.device()
        d = self.pressd("-d", link + "?protocol=pmf&id=j", "-s", "daemon.ring_s=60")
        rng, noise = random.Random(23), np.random.default_rng(23)
        dev.write(info_packet(16, 16, rate=200))
        truth = []
        junk_bytes = 0
        for i in range(500):
            if i % 3 == 0:
                junk = bytearray(rng.getrandbits(8) for _ in range(rng.randrange(1, 4096)))
                for _ in range(rng.randrange(1, 6)):  # fake headers: sync, a type, a length
                    at = rng.randrange(len(junk))
                    ptype = rng.choice((0x01, 0x02, 0x03, 0x04, 0x81, 0x7F))
                    fake = b"\xa5\x5a" + bytes([ptype, 0]) + rng.randrange(0, 70000).to_bytes(4, "little")
                    junk[at:at] = fake
                dev.write(bytes(junk))
                junk_bytes += len(junk)
            cells = blob_cells(16, 16, i, rng=noise)
            dev.write(frame_packet(i, i * 5000, cells))
            truth.append((i, i * 5000, crc(cells)))
        st = self.unplug_and_stop(dev, d, "j")
        self.assertEqual(d.frames(), truth, "frames lost or invented in the junk")
        self.assertEqual(st["frames_lost"], 0)
        self.assertGreater(st["resyncs"], 0)
        self.assertGreater(st["garbage_bytes"], junk_bytes // 2, st)

    def test_device_that_never_sends_info(self):
        """Frames without any INFO: none is taken (each is a decode error),
        the device stays 'connecting', pressd keeps asking for INFO while
        the frames flow, and once the device answers it streams."""
        dev, link = self.device()
        d = self.pressd("-d", link + "?protocol=pmf&id=n", "-s", "daemon.ring_s=60")
        ctx = zmq.Context()
        self.addCleanup(ctx.destroy, 0)
        col = Collector(ctx, d.pub, topics=("status/",))
        self.addCleanup(col.stop)
        noise = np.random.default_rng(5)
        self.assertTrue(d.wait_for(lambda: dev.count(0x01) >= 1, 10), "pressd never sent GET_INFO")
        asked_at_open = dev.count(0x01)
        sent_blind = 0
        t_end = time.monotonic() + 3.5
        while time.monotonic() < t_end:  # 100 frames/s of a device that says nothing about itself
            dev.write(frame_packet(sent_blind, sent_blind * 10000, blob_cells(16, 16, sent_blind, rng=noise)))
            sent_blind += 1
            time.sleep(0.01)
        asked = dev.count(0x01) - asked_at_open
        self.assertGreaterEqual(asked, 2, "pressd asked GET_INFO %d more times in 3.5 s of frames without INFO"
                                % asked)
        states = [b["state"] for b in bodies(col.snapshot(), "status", "n")]
        self.assertNotIn("streaming", states, "streaming without ever being told the geometry")
        # now it answers: INFO, then frames that count
        dev.write(info_packet(16, 16, rate=100))
        truth = []
        for i in range(sent_blind, sent_blind + 200):
            cells = blob_cells(16, 16, i, rng=noise)
            dev.write(frame_packet(i, i * 10000, cells))
            truth.append((i, i * 10000, crc(cells)))
        self.assertTrue(col.wait_for(lambda ms: any(b["state"] == "streaming" for b in bodies(ms, "status", "n")),
                                     10), tail(d.text()))
        st = self.unplug_and_stop(dev, d, "n")
        self.assertEqual(d.frames(), truth)
        self.assertEqual(st["decode_errors"], sent_blind, "every frame before INFO counted as a decode error")
        self.assertEqual(st["frames"], len(truth))

    def test_geometry_changes_mid_stream(self):
        """INFO 16x16 u16, frames; INFO 24x32 u8, frames; INFO 16x16 u16
        again, frames, all sent at once so pressd's consumers lag behind its
        reader: each change is a new stream, every frame is decoded,
        published with its own geometry, analysed, and recorded in a new
        file whose /device says that geometry."""
        dev, link = self.device()
        rec = os.path.join(self.tmp.name, "rec")
        d = self.pressd("-d", link + "?protocol=pmf&id=g", "-r", rec, "-s", "daemon.ring_s=60",
                        "-s", "daemon.frame_rate_hz=0")
        ctx = zmq.Context()
        self.addCleanup(ctx.destroy, 0)
        col = Collector(ctx, d.pub, topics=("frame/", "recording/", "status/"))
        self.addCleanup(col.stop)
        self.assertTrue(col.wait_for(lambda ms: bodies(ms, "status"), 10), tail(d.text()))
        # Opened, not just started: opening a terminal flushes what was
        # written to it before, so bytes sent earlier would be lost.
        self.assertTrue(d.wait_for(lambda: "g: opened " in d.text()), tail(d.text()))
        noise = np.random.default_rng(3)
        segments = [(16, 16, 16, 300), (24, 32, 8, 300), (16, 16, 16, 200)]
        truth, blob, seq = [], b"", 0
        for rows, cols, bits, n in segments:
            part = []
            blob += info_packet(rows, cols, cell_bits=bits, rate=200)
            for _ in range(n):
                cells = blob_cells(rows, cols, seq, cell_bits=bits, rng=noise)
                blob += frame_packet(seq, seq * 5000, cells)
                part.append((seq, seq * 5000, crc(cells)))
                seq += 1
            truth.append(part)
        dev.write(blob)
        self.assertTrue(dev.drain(), tail(d.text()))
        self.assertTrue(col.wait_for(lambda ms: len(bodies(ms, "frame")) >= seq, 20),
                        "published %d of %d frames" % (len(bodies(col.snapshot(), "frame")), seq))
        st = self.unplug_and_stop(dev, d, "g")
        msgs = col.stop()
        text = d.text()
        self.assertEqual(d.frames(), [t for part in truth for t in part])
        self.assertEqual(st["streams"], 2, "a new stream at each change of geometry")
        self.assertEqual(st["frames_lost"], 0)
        self.assertEqual(text.count("new stream (geometry changed)"), 2)
        # published with the geometry of each frame
        frames = bodies(msgs, "frame", "g")
        self.assertEqual(len(frames), seq)
        k = 0
        for rows, cols, bits, n in segments:
            got = {(f["rows"], f["cols"], f["dtype"]) for f in frames[k:k + n]}
            self.assertEqual(got, {(rows, cols, "uint16" if bits == 16 else "uint8")}, "frames %d..%d" % (k, k + n))
            k += n
        # analysed, all of them, each stream by a context of its own geometry
        self.assertEqual(sum(analysis_frames(text)), seq, "analysis took %s of %d frames; log:\n%s"
                         % (analysis_frames(text), seq, tail(text)))
        self.assertNotIn("did not match the device's geometry", text)
        # recorded: one file per geometry, each saying its own
        def first_seq(p):
            with h5py.File(p, "r") as f:
                return int(f["frame_seq"][0]) if f["frame_seq"].shape[0] else -1
        # files of the same second are NAME.h5, NAME-1.h5, ...: by their first frame
        files = sorted(recordings(rec), key=first_seq)
        self.assertEqual(len(files), 3, files)
        for path, (rows, cols, bits, n), part in zip(files, segments, truth):
            with h5py.File(path, "r") as f:
                self.assertEqual(f["frames"].shape, (n, rows, cols), path)
                self.assertEqual(f["frames"].dtype, np.uint16 if bits == 16 else np.uint8)
                self.assertEqual((int(f["device"].attrs["rows"]), int(f["device"].attrs["cols"]),
                                  int(f["device"].attrs["cell_bits"])), (rows, cols, bits))
                self.assertEqual(f["frame_seq"][:].tolist(), [s for s, _, _ in part])
                self.assertEqual(frame_crcs(f), [c for _, _, c in part])
        phases = [b["phase"] for b in bodies(msgs, "recording")]
        self.assertEqual(phases, ["start", "rotate", "start", "rotate", "start", "stop"], phases)

    def test_geometry_churn_beyond_the_kept_streams(self):
        """34 INFO + frame pairs at once, each a new geometry, while
        recording: the device keeps the INFO of its last 32 streams, and
        the recorder, creating a file per stream, falls further behind than
        that. Every frame decoded is either recorded in a file of its own
        stream's geometry or counted in archive_lost and the /gaps, with
        the reason in the status error; the recording goes on (it used to
        record 1 frame and stop, with no error and archive_lost 0)."""
        dev, link = self.device()
        rec = os.path.join(self.tmp.name, "rec")
        d = self.pressd("-d", link + "?protocol=pmf&id=c", "-r", rec, "-s", "daemon.ring_s=60",
                        "-s", "daemon.frame_rate_hz=0")
        ctx = zmq.Context()
        self.addCleanup(ctx.destroy, 0)
        col = Collector(ctx, d.pub, topics=("status/",))
        self.addCleanup(col.stop)
        self.assertTrue(d.wait_for(lambda: "c: opened " in d.text()), tail(d.text()))
        noise = np.random.default_rng(8)
        # a first stream, recorded, so the recorder has a file open when the burst comes
        # (the largest geometry first: a ring outgrown would be replaced, and
        # the reader would wait for the recorder to drain the old one)
        blob, geometry = info_packet(32, 32, rate=200), {}
        for seq in range(20):
            blob += frame_packet(seq, seq * 5000, blob_cells(32, 32, seq, rng=noise))
            geometry[seq] = (32, 32)
        dev.write(blob)
        self.assertTrue(d.wait_for(lambda: len(d.frames()) >= 20, 10), tail(d.text()))
        blob = b""
        for k in range(34):
            seq = 20 + k
            rows, cols = (8, 9) if k % 2 else (9, 8)  # every INFO differs from the one before
            blob += info_packet(rows, cols, rate=200)
            blob += frame_packet(seq, seq * 5000, blob_cells(rows, cols, seq, rng=noise))
            geometry[seq] = (rows, cols)
        dev.write(blob)
        self.assertTrue(d.wait_for(lambda: len(d.frames()) >= 54, 10), tail(d.text()))
        time.sleep(1.5)  # the recorder catches up
        self.assertTrue(col.wait_for(lambda ms: bodies(ms, "status", "c") and
                                     bodies(ms, "status", "c")[-1]["stats"]["archive_lag"] == 0, 10))
        last = bodies(col.snapshot(), "status", "c")[-1]
        st = self.unplug_and_stop(dev, d, "c")
        text = d.text()
        decoded = [s for s, _, _ in d.frames()]
        self.assertEqual(decoded, list(range(54)))
        self.assertEqual(st["streams"], 34)
        recorded, gaps = [], []
        for path in recordings(rec):
            with h5py.File(path, "r") as f:
                shape = (int(f["device"].attrs["rows"]), int(f["device"].attrs["cols"]))
                seqs = f["frame_seq"][:].tolist()
                self.assertEqual(f["frames"].shape[1:], shape, path)
                for s in seqs:  # each frame in a file of its own stream's geometry
                    self.assertEqual(geometry[s], shape, "%s: frame %d" % (path, s))
                recorded += seqs
                gaps += [(int(g["after_seq"]), int(g["missing"])) for g in f["gaps"][:]]
        lost = st["archive_lost"]
        self.assertEqual(sorted(recorded), sorted(set(recorded)), "a frame recorded twice")
        self.assertEqual(len(recorded) + lost, len(decoded),
                         "recorded %d + lost %d != decoded %d; log:\n%s" % (len(recorded), lost, len(decoded),
                                                                            tail(text)))
        self.assertEqual(st["archive_frames"], len(recorded))
        missing = sorted(set(decoded) - set(recorded))
        self.assertEqual(sum(n for _, n in gaps), lost, gaps)
        self.assertEqual(sorted(s for a, n in gaps for s in range(a + 1, a + 1 + n)), missing, gaps)
        self.assertNotIn("recording stopped", text)
        if lost:
            self.assertIn("frames not recorded", last.get("error", ""), last)
            self.assertIn("frames not recorded: the device changed geometry", text)
        else:  # the recorder kept up this time: nothing to account for
            print("note: the recorder kept up with the burst; nothing was lost", flush=True)


class SimFaults(TestCase):
    """Faults pressd-sim makes (its --help, FAULTS)."""

    def flood(self, device_id, sim_args, announced):
        rec = os.path.join(self.tmp.name, "rec-" + device_id)
        sim = self.sim("--scenario", "all", *sim_args)
        d = self.pressd("-d", sim.path + "?protocol=pmf&id=" + device_id, "-r", rec, "-s", "daemon.frame_rate_hz=0")
        self.assertTrue(d.wait_for(lambda: len(d.frames()) > 500, 20), tail(d.text()))
        mid = proc_counts(d.proc.pid)
        self.assertEqual(sim.wait(120), 0)
        truth = sim.truth()
        self.assertTrue(d.wait_for(lambda: "%s: disconnected:" % device_id in d.text(), 15), tail(d.text()))
        end = proc_counts(d.proc.pid)
        self.assertEqual(d.stop(), 0, tail(d.text()))
        text = d.text()
        st = d.stats()[device_id]
        self.assertIn("%s Hz" % announced, text, "the announced rate is what pressd believed")
        self.assertEqual(d.frames(), truth, "the reader took every frame")
        self.assertEqual(st["frames"], len(truth))
        self.assertEqual(st["frames_lost"], 0)
        # the source can wait (a pty), so the reader waited for the analysis
        # and the recorder: each took every frame, nothing lost
        self.assertEqual(sum(analysis_frames(text)), len(truth))
        self.assertEqual(st["analysis_lost"], 0)
        self.assertNotIn("not analysed", text)
        self.assertNotIn("frames not recorded", text)
        n = gaps = 0
        for p in recordings(rec):
            with h5py.File(p, "r") as f:
                n += f["frames"].shape[0]
                if f["gaps"].shape[0]:
                    gaps += int(f["gaps"]["missing"].sum())
        self.assertEqual(st["archive_frames"], n)
        self.assertEqual(n, len(truth), "recorded %d, archive_lost %d, sent %d" % (n, st["archive_lost"], len(truth)))
        self.assertEqual(st["archive_lost"], 0)
        self.assertEqual(gaps, 0)
        self.assertEqual(end["threads"], mid["threads"])
        if not SANITIZED:  # ASan's quarantine keeps freed memory
            self.assertLess(end["rss_kib"] - mid["rss_kib"], 16 * 1024, (mid, end))
        return st

    def test_flood_at_ten_times_the_announced_rate(self):
        """INFO says 100 Hz, the device sends 1000 Hz: the ring is sized by
        the announced rate, so the consumers have a tenth of the time they
        expect; the reader waits for them, so nothing is lost, and memory
        stays bounded."""
        self.flood("f", ["--rate", "1000", "--info-rate", "100", "--duration", "5", "--rows", "32", "--cols", "32"],
                   100)

    def test_flood_as_fast_as_the_pty_goes(self):
        """The same with 64 x 64 frames as fast as pressd reads them and an
        INFO that says 10 Hz (the ring at its minimum, 64 frames): the
        analysis and the recorder still take every frame."""
        self.flood("x", ["--speed", "max", "--info-rate", "10", "--frames", "5000", "--rows", "64", "--cols", "64"],
                   10)

    def test_unplug_and_replug_100_times(self):
        """100 unplugs in a row: every frame sent while plugged arrives, each
        unplug is counted, and the process has the same fds and threads (and
        about the same memory) as after the first few."""
        link = os.path.join(self.tmp.name, "mat")
        d = self.pressd("-d", link + "?protocol=pmf&id=u", trace=True)
        sim = self.sim("--scenario", "hold", "--loop", "--rate", "500", "--rows", "16", "--cols", "16",
                       "--unplug-at", "0.1", "--unplug-every", "0.04", "--unplug-for", "0.02",
                       "--duration", "4.08", "--link", link)
        # after the 5th unplug everything has been allocated once
        self.assertTrue(d.wait_for(lambda: d.text().count("u: disconnected:") >= 5, 60), tail(d.text()))
        before = proc_counts(d.proc.pid)
        self.assertEqual(sim.wait(180), 0, getattr(sim, "stderr", ""))
        self.assertTrue(d.wait_for(lambda: d.text().count("u: disconnected:") >= 101, 20),
                        "%d disconnects; log:\n%s" % (d.text().count("u: disconnected:"), tail(d.text())))
        time.sleep(0.5)  # retrying the missing link, as during an unplug
        after = proc_counts(d.proc.pid)
        self.assertEqual(d.stop(), 0, tail(d.text()))
        st = d.stats()["u"]
        self.assertEqual(st["disconnects"], 101, "100 unplugs and the end")
        truth = sim.truth()
        self.assertEqual(d.frames(), truth, "every frame sent while plugged in arrived")
        self.assertEqual(st["frames_lost"], 0)
        # the device was open at one of the samples and not at the other, or neither
        self.assertLessEqual(abs(after["fds"] - before["fds"]), 1, (before, after))
        self.assertEqual(after["threads"], before["threads"], (before, after))
        if not SANITIZED:
            self.assertLess(after["rss_kib"] - before["rss_kib"], 2048, (before, after))

    def test_sequence_numbers_wrap_round(self):
        """Sequence numbers cross 2^32 -> 0, one withheld frame right on the
        wrap: the wrap is neither a new stream nor loss, the withheld frames
        are loss, and the recording's /gaps say exactly which."""
        rec = os.path.join(self.tmp.name, "rec")
        # the 100th generated frame is seq 2^32 - 1, withheld; so is every 100th after
        sim = self.sim("--scenario", "hold", "--speed", "max", "--frames", "350", "--seq-start",
                       str(2 ** 32 - 100), "--skip-seq", "100")
        d = self.pressd("-d", sim.path + "?protocol=pmf&id=s", "-r", rec, "-s", "daemon.ring_s=60")
        self.assertEqual(sim.wait(60), 0)
        truth = sim.truth()
        self.assertTrue(d.wait_for(lambda: "s: disconnected:" in d.text(), 15), tail(d.text()))
        self.assertEqual(d.stop(), 0, tail(d.text()))
        st = d.stats()["s"]
        seqs = [s for s, _, _ in truth]
        self.assertIn(2 ** 32 - 2, seqs)
        self.assertNotIn(2 ** 32 - 1, seqs)
        self.assertIn(0, seqs)
        self.assertEqual(d.frames(), truth)
        self.assertEqual(st["streams"], 0, "a wrap is not a new stream")
        self.assertEqual(st["frames_lost"], 3)
        self.assertEqual(st["seq_gaps"], 3)
        files = recordings(rec)
        self.assertEqual(len(files), 1)
        with h5py.File(files[0], "r") as f:
            self.assertEqual(f["frame_seq"][:].tolist(), seqs)
            g = f["gaps"][:]
            self.assertEqual([(int(a), int(m)) for a, m in zip(g["after_seq"], g["missing"])],
                             [(2 ** 32 - 2, 1), (98, 1), (198, 1)])

    def clock_case(self, sim_args, device_id):
        rec = os.path.join(self.tmp.name, "rec-" + device_id)
        link = os.path.join(self.tmp.name, device_id)
        d = self.pressd("-d", "%s?protocol=pmf&id=%s" % (link, device_id), "-r", rec, "-s", "daemon.ring_s=60")
        ctx = zmq.Context()
        self.addCleanup(ctx.destroy, 0)
        col = Collector(ctx, d.pub, topics=("contact/", "press/", "hold/", "pulses/", "stroke/", "status/"))
        self.addCleanup(col.stop)
        self.assertTrue(col.wait_for(lambda ms: bodies(ms, "status"), 10), tail(d.text()))
        sim = self.sim("--scenario", "hold", "--speed", "max", "--link", link, *sim_args)
        self.assertEqual(sim.wait(60), 0)
        self.assertTrue(d.wait_for(lambda: "%s: disconnected:" % device_id in d.text(), 15), tail(d.text()))
        self.assertEqual(d.stop(), 0, tail(d.text()))
        time.sleep(0.3)
        msgs = col.stop()
        truth = sim.truth()
        self.assertEqual(d.frames(), truth)
        st = d.stats()[device_id]
        self.assertEqual(st["frames_lost"], 0)
        for b in bodies(msgs):
            for k in ("duration", "impulse"):
                if k in b:
                    self.assertGreaterEqual(b[k], 0, "negative %s: %r" % (k, b))
            if "t_start" in b:
                self.assertLessEqual(b["t_start"], b["t"] + 1e-9, b)
        files = recordings(rec)
        with h5py.File(files[0], "r") as f:
            self.assertEqual(f["frame_seq"][:].tolist(), [s for s, _, _ in truth])
            self.assertEqual(f["gaps"].shape[0], 0, "a clock going back is no loss")
        return truth, st, msgs

    def test_device_clock_goes_back(self):
        """2 s into a hold the device clock goes back 1.5 s (sequence numbers
        carry on): a new stream; the hold in progress ends there, no duration
        is negative, nothing is counted lost."""
        truth, st, msgs = self.clock_case(["--clock-start", "10000000", "--clock-jump-at", "6",
                                           "--clock-jump-us", "-1500000"], "cb")
        ts = [t for _, t, _ in truth]
        self.assertEqual(sum(1 for a, b in zip(ts, ts[1:]) if b < a), 1)
        self.assertEqual(st["streams"], 1)
        ends = bodies(msgs, "hold", phase="end")
        self.assertGreaterEqual(len(ends), 2, "the hold ends at the jump, a new one starts after it")

    def test_device_clock_wraps(self):
        """A 32-bit microsecond counter wrapping 3 s in (at 2^32 us): a new
        stream, not a 71-minute-long hold nor a negative one."""
        truth, st, msgs = self.clock_case(["--clock-start", str(2 ** 32 - 6000000), "--clock-wrap-bits", "32"],
                                          "cw")
        ts = [t for _, t, _ in truth]
        self.assertLess(ts[-1], ts[0], "the counter wrapped")
        self.assertEqual(st["streams"], 1)
        for b in bodies(msgs):
            if "duration" in b:
                self.assertLess(b["duration"], 60, b)


if __name__ == "__main__":
    unittest.main(verbosity=2)
