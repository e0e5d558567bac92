"""A pmf device written in Python, byte by byte (serial-protocols.md §1), on
a pseudo-terminal: for the faults pressd-sim does not make (a geometry
change mid-stream, a device that never sends INFO, truncated packets, bit
flips). Deterministic from its seed; what a correct reader decodes is
returned as truth lines (seq, t_us, crc32 of the cells), as pressd-sim's
--truth has them."""

import fcntl
import os
import random
import select
import struct
import termios
import threading
import time
import tty
import zlib

import numpy as np

SYNC = b"\xa5\x5a"
INFO, FRAME, ROLLER, LOG, REQUEST, ACK = 0x01, 0x02, 0x03, 0x04, 0x80, 0x81
GET_INFO, START, STOP, SET_RATE = 0x01, 0x02, 0x03, 0x04


def packet(ptype, payload):
    head = struct.pack("<BBI", ptype, 0, len(payload))
    return SYNC + head + payload + struct.pack("<I", zlib.crc32(head + payload) & 0xFFFFFFFF)


def info_payload(rows, cols, cell_bits=16, rate=100.0, pitch=10.0, full_scale=None, model="robust-py",
                 serial="R1", firmware="1.0"):
    if full_scale is None:
        full_scale = 4095 if cell_bits == 16 else 254
    p = struct.pack("<BBBBHHffffIfI", 1, 1, cell_bits, 0, rows, cols, pitch, pitch, rate, 0.0, full_scale, 0.0, 0)
    p += model.encode().ljust(32, b"\0") + serial.encode().ljust(32, b"\0") + firmware.encode().ljust(16, b"\0")
    p += b"\0" * 12
    assert len(p) == 128
    return p


def info_packet(rows, cols, **kw):
    return packet(INFO, info_payload(rows, cols, **kw))


def frame_packet(seq, t_us, cells):
    return packet(FRAME, struct.pack("<IQB3x", seq & 0xFFFFFFFF, t_us, 0) + cells)


def blob_cells(rows, cols, i, cell_bits=16, rng=None):
    """A blob moving across the mat over noise, as little-endian bytes."""
    full = 4095 if cell_bits == 16 else 254
    y, x = np.mgrid[0:rows, 0:cols]
    cx = (i * 0.05) % cols
    cy = rows / 2
    a = 0.6 * full * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 4.0)
    if rng is not None:
        a += rng.integers(0, max(2, full // 200), size=a.shape)
    dt = "<u2" if cell_bits == 16 else "u1"
    return np.clip(a, 0, full).astype(dt).tobytes()


def crc(cells):
    return zlib.crc32(cells) & 0xFFFFFFFF


class PtyDevice:
    """The master side of a pty in raw mode; .path (and .link) is the slave
    pressd opens. Writes block while pressd has not read (back-pressure,
    like pressd-sim --speed max). A thread reads what pressd sends and
    keeps the REQUEST commands in .requests; answer(cmd) may be set to a
    function that returns bytes to send back for a command."""

    def __init__(self, link=None):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.link = link
        if link:
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(self.path, link)
        self.requests = []
        self.answer = None
        self.lock = threading.Lock()
        self.closed = False
        self._inbuf = b""
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    def _listen(self):
        while not self.closed:
            try:
                r, _, _ = select.select([self.master], [], [], 0.1)
                if not r:
                    continue
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not data:
                return
            self._inbuf += data
            while True:
                k = self._inbuf.find(SYNC)
                if k < 0:
                    self._inbuf = self._inbuf[-1:]
                    break
                buf = self._inbuf[k:]
                if len(buf) < 8:
                    self._inbuf = buf
                    break
                ptype, _, n = struct.unpack_from("<BBI", buf, 2)
                if n > 64:
                    self._inbuf = buf[1:]
                    continue
                if len(buf) < 12 + n:
                    self._inbuf = buf
                    break
                body = buf[8:8 + n]
                (c,) = struct.unpack_from("<I", buf, 8 + n)
                if c != crc(buf[2:8 + n]):
                    self._inbuf = buf[1:]
                    continue
                self._inbuf = buf[12 + n:]
                if ptype == REQUEST and body:
                    with self.lock:
                        self.requests.append(body[0])
                    reply = self.answer(body[0]) if self.answer else None
                    if reply:
                        self.write(reply)

    def count(self, cmd):
        with self.lock:
            return self.requests.count(cmd)

    def write(self, data):
        view = memoryview(data)
        while view:
            n = os.write(self.master, view)
            view = view[n:]

    def unread(self):
        """Bytes written that pressd has not read yet."""
        return struct.unpack("i", fcntl.ioctl(self.slave, termios.FIONREAD, b"\0\0\0\0"))[0]

    def drain(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if self.unread() == 0:
                time.sleep(0.2)  # the tty's flip buffer, as pressd-sim's drain
                if self.unread() == 0:
                    return True
        return False

    def close(self):
        """Unplugs: pressd sees a hang-up."""
        if self.closed:
            return
        self.closed = True
        if self.link and os.path.lexists(self.link):
            os.unlink(self.link)
        os.close(self.master)
        self.thread.join(2)
        os.close(self.slave)


def damaged(pkt, rng, how):
    """pkt with a fault: ('cut', n) keeps the first n bytes; ('flip', bit) flips one bit."""
    if how == "cut":
        n = rng.randrange(1, len(pkt))
        return pkt[:n], ("cut", n)
    bit = rng.randrange(len(pkt) * 8)
    b = bytearray(pkt)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b), ("flip", bit)


__all__ = ["PtyDevice", "packet", "info_packet", "frame_packet", "blob_cells", "crc", "damaged", "random"]
