"""pressd-web beside pressd for the dashboard tests: start it on a free
port, talk to its WebSocket like the page does (websocket-client, Debian's
python3-websocket), and decode what it relays."""

import json
import os
import shutil
import struct
import subprocess
import time
import unittest
import urllib.error
import urllib.request

import websocket
import zmq

import harness
from harness import BIN
from zmqtools import Collector, free_port

WEB = os.path.join(BIN, "pressd-web")


class Web(harness.LoggedProcess):
    """pressd-web with its token in TMPDIR/web.token (made at its first
    start, kept for the next pressd-web of the same test). get() and ws()
    present it as a tool would; url() is the address a person opens."""

    def __init__(self, pub, control, *args, tmpdir, port=None, token_file=None, env=None):
        self.port = port or free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(tmpdir, "web-%d.log" % self.port)
        self.log = open(self.log_path, "a")
        self.token_file = token_file or os.path.join(tmpdir, "web.token")
        argv = [WEB, "-f", "-v", "-l", "127.0.0.1:%d" % self.port, "-p", pub, "--token-file", self.token_file]
        if control:
            argv += ["-C", control]
        self.proc = subprocess.Popen(argv + list(args), stdout=subprocess.DEVNULL, stderr=self.log, env=env)
        self.token = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.token is None and os.path.exists(self.token_file):
                    with open(self.token_file) as f:
                        self.token = f.read().strip() or None
                if self.token:
                    self.get("/api/config")
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("pressd-web did not start: " + self.text())

    def auth(self):
        return {"Authorization": "token " + self.token}

    def url(self, path="/"):
        """The address with the token, as scripts/run prints it."""
        return "%s%s%stoken=%s" % (self.base, path, "&" if "?" in path else "?", self.token)

    def get(self, path, headers=None, auth=True, timeout=5):
        """(status, body bytes); with the token unless auth=False"""
        req = urllib.request.Request(self.base + path, headers=dict(self.auth() if auth else {}, **(headers or {})))
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def ws(self, origin=None, auth=True):
        return Socket(self, origin, auth)

    def stop(self, timeout=10):
        return super().stop(timeout)


class Socket:
    """The page's WebSocket: text messages are events (JSON), binary ones
    frames (u32 LE header length, JSON header, cells)."""

    def __init__(self, web, origin=None, auth=True):
        self.ws = websocket.create_connection("ws://127.0.0.1:%d/ws" % web.port, timeout=5,
                                              origin=origin or web.base,
                                              header=["Authorization: token " + web.token] if auth else [])

    def recv(self, timeout=5):
        """(json dict, cells bytes or None), or None on timeout."""
        self.ws.settimeout(timeout)
        try:
            op, data = self.ws.recv_data()
        except websocket.WebSocketTimeoutException:
            return None
        if op == websocket.ABNF.OPCODE_BINARY:
            (n,) = struct.unpack_from("<I", data)
            return json.loads(data[4:4 + n]), data[4 + n:]
        return json.loads(data), None

    def collect(self, seconds, until=None):
        out = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            m = self.recv(max(0.05, deadline - time.monotonic()))
            if m is None:
                continue
            out.append(m)
            if until and until(out):
                break
        return out

    def send(self, obj):
        self.ws.send(json.dumps(obj))

    def close(self):
        self.ws.close()


class WebTestCase(harness.TestCase):
    """A test with a ZeroMQ context and subscribers that stop before it goes."""

    def setUp(self):
        super().setUp()
        self.ctx = zmq.Context()
        self.collectors = []

    def tearDown(self):
        for c in self.collectors:
            c.stop()
        super().tearDown()
        self.ctx.destroy(0)

    def collector(self, *args, **kw):
        c = Collector(self.ctx, *args, **kw)
        self.collectors.append(c)
        return c


HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(HERE, "..", "web", "page_probe.mjs")
SHOTS = os.path.join(BIN, "..", "web-screenshots")
NODE_MODULES = os.path.join(HERE, "..", "..", "node_modules", "playwright-core")

needs_browser = unittest.skipUnless(
    shutil.which("node") and os.path.exists("/usr/bin/chromium") and os.path.isdir(NODE_MODULES),
    "needs node, /usr/bin/chromium and npm ci (scripts/install-deps)")


class BrowserTestCase(WebTestCase):
    """The page in Debian's headless chromium (tests/web/page_probe.mjs):
    probe() opens it, acts (ACTIONS), and returns what it showed, heard
    and sent; the screenshot goes under the build tree."""

    def setUp(self):
        super().setUp()
        os.makedirs(SHOTS, exist_ok=True)

    def probe(self, web, secs, shot, click=None, during=None, actions=None):
        env = dict(os.environ)
        if click:
            env["CLICK"] = click
        if actions:
            env["ACTIONS"] = json.dumps(actions)
        p = subprocess.Popen(["node", PROBE, web.url("/"), str(secs), os.path.join(SHOTS, shot)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        if during:
            during()
        stdout, stderr = p.communicate(timeout=120 + secs)
        r = subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertEqual(out["errors"], [], out)
        self.assertEqual(out["external"], [], "the page fetched from the network")
        return out
