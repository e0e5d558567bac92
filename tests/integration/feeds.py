"""Captured pmf byte streams, and ways of feeding the very same bytes to
pressd: paced at the device rate, all at once, in seeded random bursts,
over TCP. A capture comes from pressd-sim (read off its pty as fast as it
goes) or is made here from numpy frames."""

import os
import random
import select
import socket
import struct
import subprocess
import threading
import time
import tty
import zlib

import numpy as np

from harness import SIM
from pmfwire import FRAME, ROLLER, SYNC, frame_packet, info_packet


def capture_sim(*sim_args, truth_path, timeout=120):
    """The bytes pressd-sim sends for a scenario, read off its pty at
    full speed (it streams unasked, so no reply is needed), and the crc32
    of each frame's cells from its --truth."""
    proc = subprocess.Popen([SIM, "--speed", "max", "--no-wait-start", "--truth", truth_path, *sim_args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    path = proc.stdout.readline().strip()
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 1.0)
            if not r:
                if proc.poll() is not None:
                    break
                continue
            try:
                b = os.read(fd, 1 << 16)
            except OSError:  # EIO: the emulator closed its side
                break
            if not b:
                break
            chunks.append(b)
    finally:
        os.close(fd)
        proc.wait(timeout=20)
        proc.stdout.close()
        proc.stderr.close()
    with open(truth_path) as f:
        crcs = [int(line.split()[2], 16) for line in f if line.strip()]
    return b"".join(chunks), crcs


def packets(data):
    """[(type, bytes, t_us or None)] of a pmf stream, in order."""
    out, i = [], 0
    while i + 8 <= len(data):
        if data[i:i + 2] != SYNC:
            raise ValueError("not a clean pmf capture at byte %d" % i)
        ptype, _, n = struct.unpack_from("<BBI", data, i + 2)
        end = i + 8 + n + 4
        t_us = struct.unpack_from("<Q", data, i + 12)[0] if ptype in (FRAME, ROLLER) else None
        out.append((ptype, data[i:end], t_us))
        i = end
    return out


def synth_capture(rows, cols, rate, cell_bits, amplitude_of_frame, nframes, where_of_frame=None, sigma=1.6):
    """A pmf stream of one Gaussian blob whose amplitude (0..1 of the full
    scale) and centre (cells) the callbacks give per frame index."""
    full = 4095 if cell_bits == 16 else 254
    out = [info_packet(rows, cols, cell_bits=cell_bits, rate=float(rate), full_scale=full, model="determinism")]
    y, x = np.mgrid[0:rows, 0:cols]
    dt = "<u2" if cell_bits == 16 else "u1"
    for i in range(nframes):
        a = amplitude_of_frame(i)
        cy, cx = where_of_frame(i) if where_of_frame else (rows / 2 - 0.3, cols / 2 + 0.2)
        img = a * full * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma ** 2))
        cells = np.clip(np.rint(img), 0, full).astype(dt).tobytes()
        out.append(frame_packet(i, int(round(i * 1e6 / rate)), cells))
    return b"".join(out)


def frame_crcs(data):
    """crc32 of every frame's cells, as pressd records them (frames only)."""
    out = []
    for ptype, pkt, _ in packets(data):
        if ptype == FRAME:
            out.append(zlib.crc32(pkt[8 + 16:-4]) & 0xFFFFFFFF)
    return out


class PtyFeed:
    """A pty whose master side writes a capture in one of three ways; pressd
    opens .path. Writes block while pressd has not read (the pty's buffer
    is all there is), which is how a fast source meets pressd's
    backpressure. The master stays open until close(), so pressd sees no
    hang-up."""

    def __init__(self, data, how, seed=0, gate=None):
        self.gate = gate  # an Event: nothing is written before it is set
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        os.close(slave)
        self.data, self.how, self.rng = data, how, random.Random(seed)
        self.done = threading.Event()
        self.error = None
        self._stop = False
        threading.Thread(target=self._drain_replies, daemon=True).start()
        threading.Thread(target=self._run, daemon=True).start()

    def _drain_replies(self):
        """pressd's GET_INFO/START go nowhere: the capture streams unasked."""
        while not self._stop:
            try:
                r, _, _ = select.select([self.master], [], [], 0.2)
                if r:
                    os.read(self.master, 4096)
            except OSError:
                return

    def _write(self, b):
        view = memoryview(b)
        while view and not self._stop:
            _, w, _ = select.select([], [self.master], [], 0.2)
            if w:
                view = view[os.write(self.master, view[:1 << 16]):]

    def _run(self):
        try:
            # Wait for pressd to open the slave (the master reads POLLHUP until then).
            p = select.poll()
            p.register(self.master, select.POLLOUT)
            while not self._stop and any(ev & select.POLLHUP for _, ev in p.poll(50)):
                time.sleep(0.02)
            if self.gate is not None:
                self.gate.wait(60)
            if self.how == "paced":
                self._paced()
            elif self.how == "bursts":
                self._bursts()
            else:
                self._write(self.data)
        except Exception as e:  # reported by the test
            self.error = e
        self.done.set()

    def _paced(self):
        t0, first = time.monotonic(), None
        for _, pkt, t_us in packets(self.data):
            if t_us is not None:
                first = t_us if first is None else first
                delay = t0 + (t_us - first) / 1e6 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            self._write(pkt)

    def _bursts(self):
        i = 0
        while i < len(self.data) and not self._stop:
            n = self.rng.randint(1, 48 << 10)
            self._write(self.data[i:i + n])
            i += n
            if self.rng.random() < 0.5:
                time.sleep(self.rng.uniform(0, 0.03))

    def close(self):
        self._stop = True
        try:
            os.close(self.master)
        except OSError:
            pass


class TcpFeed:
    """A network serial server on loopback that sends the capture at once to
    the first client; .uri is pressd's device URI for it."""

    def __init__(self, data, gate=None):
        self.gate = gate
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.uri = "tcp:127.0.0.1:%d" % self.sock.getsockname()[1]
        self.data = data
        self.done = threading.Event()
        self.error = None
        self.conn = None
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        try:
            self.conn, _ = self.sock.accept()
            threading.Thread(target=self._drain_replies, daemon=True).start()
            if self.gate is not None:
                self.gate.wait(60)
            self.conn.sendall(self.data)
        except Exception as e:
            self.error = e
        self.done.set()

    def _drain_replies(self):
        try:
            while self.conn.recv(4096):
                pass
        except OSError:
            pass

    def close(self):
        for s in (self.conn, self.sock):
            if s:
                try:
                    s.close()
                except OSError:
                    pass
