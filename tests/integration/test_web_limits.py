"""pressd-web within its limits (dashboard.md, "Safety"; pressd-web(1),
LIMITS; docs/robustness.md): slow clients and many open pages never lock
a visitor out, an oversized WebSocket message closes its connection and
its memory is given back; each refusal counted in /api/stats."""

import base64
import json
import os
import socket
import struct
import threading
import time
import urllib.request

import websocket

from webtools import Web, WebTestCase


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


def connect_from(src, port):
    """A TCP connection to pressd-web from loopback address src: each
    127.0.0.x is a client address of its own."""
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def ws_from(src, w):
    s = connect_from(src, w.port)
    return websocket.create_connection("ws://127.0.0.1:%d/ws" % w.port, origin=w.base, timeout=5, socket=s,
                                       header=["Authorization: token " + w.token])


class WebLimits(WebTestCase):

    def start(self, *args):
        d = self.pressd("-d", "sim:mat?scenario=hold&rows=16&cols=16", trace=False, cwd=self.tmp.name)
        w = Web(d.pub, d.control, *args, tmpdir=self.tmp.name)
        self.procs.append(w)
        return d, w

    def probe(self, w, src="127.0.0.2"):
        """GET /api/stats from its own address: (seconds, status, stats)."""
        t0 = time.monotonic()
        s = connect_from(src, w.port)
        s.settimeout(5)
        s.sendall(("GET /api/stats HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: token %s\r\n"
                   "Connection: close\r\n\r\n" % (w.port, w.token)).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        return time.monotonic() - t0, int(head.split()[1]), json.loads(body)

    def test_slow_sockets_and_open_pages_leave_room_for_a_visitor(self):
        d, w = self.start("-s", "web.request_timeout_s=3")
        stop = threading.Event()
        slow = []
        for _ in range(64):  # a header byte every second, never finishing
            s = connect_from("127.0.0.3", w.port)
            s.sendall(b"GET / HTTP/1.1\r\n")
            slow.append(s)

        def drip():
            while not stop.wait(1):
                for s in slow:
                    try:
                        s.sendall(b"X")
                    except OSError:
                        pass
        t = threading.Thread(target=drip)
        t.start()
        self.addCleanup(t.join)
        self.addCleanup(stop.set)
        pages = [ws_from("127.0.0.4", w) for _ in range(64)]  # 64 open tabs that never read
        secs, status, stats = self.probe(w)
        self.assertEqual(status, 200)
        self.assertLess(secs, 1.0, "a visitor waited %.2f s" % secs)
        c = stats["connections"]
        self.assertEqual(c["websockets"], 64)
        self.assertGreaterEqual(c["open"], 129)
        # The 65th from the pages' address is past its share: 503, counted.
        s = connect_from("127.0.0.4", w.port)
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.assertIn(b" 503 ", s.recv(4096).split(b"\r\n")[0] + b" ")
        s.close()
        # The slow ones are let go after request_timeout_s, and counted.
        time.sleep(4)
        secs, status, stats = self.probe(w)
        self.assertLess(secs, 1.0)
        c = stats["connections"]
        self.assertGreaterEqual(c["no_request"], 64, c)
        self.assertEqual(c["refused_client"], 1, c)
        self.assertEqual(c["websockets"], 64)
        for p in pages:
            p.close()

    def test_websocket_refused_past_max_websockets(self):
        d, w = self.start("-s", "web.max_websockets=4")
        pages = [ws_from("127.0.0.%d" % (5 + i), w) for i in range(4)]
        with self.assertRaises(websocket.WebSocketBadStatusException):
            ws_from("127.0.0.9", w)
        self.assertEqual(json.loads(w.get("/api/stats")[1])["connections"]["refused_websocket"], 1)
        pages[0].close()
        time.sleep(0.5)
        ws_from("127.0.0.9", w).close()  # room again
        for p in pages[1:]:
            p.close()

    def test_a_512_mib_message_closes_its_connection_and_memory_comes_back(self):
        d, w = self.start()
        before = rss_mb(w.proc.pid)
        s = connect_from("127.0.0.1", w.port)
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: %s\r\n"
                   "Authorization: token %s\r\n\r\n" % (w.port, key, w.base, w.token)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(1)
        self.assertIn(b" 101 ", head)
        size = 512 << 20
        s.sendall(struct.pack(">BBQ", 0x81, 0x80 | 127, size) + b"\0\0\0\0")  # text, masked with 0
        chunk = b" " * (1 << 20)
        sent = 0
        s.settimeout(30)
        try:
            while sent < size:
                sent += s.send(chunk)
        except OSError:
            pass  # closed under us: fine, as long as it was closed
        s.settimeout(10)
        closed = False
        try:
            while s.recv(65536):
                pass
            closed = True
        except OSError:
            closed = True
        s.close()
        self.assertTrue(closed)
        deadline = time.monotonic() + 5
        while rss_mb(w.proc.pid) >= 100 and time.monotonic() < deadline:
            time.sleep(0.1)
        after = rss_mb(w.proc.pid)
        if not os.environ.get("PRESSD_SANITIZE"):  # ASan's quarantine keeps freed memory
            self.assertLess(after, 100, "RSS %.0f MB after (%.0f before)" % (after, before))
        stats = json.loads(w.get("/api/stats")[1])
        self.assertEqual(stats["connections"]["oversized_messages"], 1)
        self.assertIn("a message of %d bytes (web.max_message_bytes is 65536)" % size, w.text())
        # The live page goes on.
        p = w.ws()
        self.assertTrue(p.collect(5, until=lambda ms: any(m["type"] == "status" for m, _ in ms)))
        p.close()


if __name__ == "__main__":
    import unittest
    unittest.main()
