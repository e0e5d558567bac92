"""Who may use pressd-web (dashboard.md, "Safety"; docs/security.md):
every page, API call and WebSocket needs its secret. A local user who
cannot read the token file (here `nobody`) gets 401 from every endpoint;
the token gives 200, and a cookie that outlives a restart of pressd-web
and ends when the token is rotated; a password works as well; and every
control request is logged with the browser's address and session."""

import grp
import json
import os
import re
import stat
import subprocess
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import websocket

import harness
from webtools import WEB, Web, WebTestCase

# Every kind of thing pressd-web serves: the pages, their files, uPlot,
# the live API, the review API, the WebSocket, and what it does not have.
ENDPOINTS = ["/", "/index.html", "/app.js", "/style.css", "/review", "/review.js", "/vendor/uPlot.esm.js",
             "/api/config", "/api/stats", "/api/review/list", "/api/review/info?name=x.h5",
             "/api/review/frames?name=x.h5", "/api/review/maps?name=x.h5", "/api/review/report?name=x.h5",
             "/no-such-page"]

# What the outsider runs, as `nobody`: each endpoint and the WebSocket,
# and a try at the token file. Prints {endpoint: status}.
OUTSIDER = r"""
import json, sys, urllib.request, urllib.error, websocket
base, token_file = sys.argv[1], sys.argv[2]
out = {}
for path in json.loads(sys.argv[3]):
    for method in ("GET", "POST"):
        try:
            with urllib.request.urlopen(urllib.request.Request(base + path, method=method, data=b"" if method == "POST" else None), timeout=5) as r:
                out[method + " " + path] = r.status
        except urllib.error.HTTPError as e:
            out[method + " " + path] = e.code
try:
    websocket.create_connection(base.replace("http", "ws") + "/ws", origin=base, timeout=5)
    out["ws"] = 101
except websocket.WebSocketBadStatusException as e:
    out["ws"] = e.status_code
try:
    open(token_file).read()
    out["token_file"] = "read"
except PermissionError:
    out["token_file"] = "EACCES"
print(json.dumps(out))
"""


class WebAccess(WebTestCase):

    def setUp(self):
        super().setUp()
        # A directory anyone may enter (as /var/lib/pressd-web's parent),
        # so only the token file's own mode keeps `nobody` out.
        os.chmod(self.tmp.name, 0o755)
        self.rec = os.path.join(self.tmp.name, "recordings")
        os.makedirs(self.rec)

    def start(self, *args, **kw):
        d = self.pressd("-d", "sim:mat?scenario=hold&rows=16&cols=16", trace=False, cwd=self.tmp.name)
        w = Web(d.pub, d.control, "--controls", "--recordings", self.rec, *args, tmpdir=self.tmp.name, **kw)
        self.procs.append(w)
        return d, w

    @unittest.skipUnless(os.geteuid() == 0, "runs a client as nobody: needs root")
    def test_nobody_gets_401_from_every_endpoint_and_the_websocket(self):
        d, w = self.start()
        mode = os.stat(w.token_file).st_mode
        self.assertEqual(stat.S_IMODE(mode), 0o640, "the token file is for its owner and group only")
        out = subprocess.run(["/usr/bin/python3", "-c", OUTSIDER, w.base, w.token_file, json.dumps(ENDPOINTS)],
                             user="nobody", group="nogroup", extra_groups=[], capture_output=True, text=True, timeout=60, cwd="/")
        self.assertEqual(out.returncode, 0, out.stderr)
        got = json.loads(out.stdout)
        self.assertEqual(got.pop("token_file"), "EACCES")
        self.assertEqual(got, {k: 401 for k in got}, "nobody reached something")
        self.assertEqual(len(got), 2 * len(ENDPOINTS) + 1)
        # With the token (a member of pressd's group reads it): served.
        for path in ["/", "/index.html", "/app.js", "/review", "/vendor/uPlot.esm.js", "/api/config",
                     "/api/stats", "/api/review/list"]:
            self.assertEqual(w.get(path)[0], 200, path)
        for path in ["/api/review/info?name=x.h5", "/no-such-page"]:
            self.assertEqual(w.get(path)[0], 404, path)
        ws = w.ws()
        self.assertTrue(ws.collect(5, until=lambda ms: any(m["type"] == "status" for m, _ in ms)))
        ws.close()
        # A wrong token, a wrong cookie: 401 as well.
        self.assertEqual(w.get("/api/stats", {"Authorization": "token " + "0" * 32}, auth=False)[0], 401)
        self.assertEqual(w.get("/api/stats?token=" + "0" * 32, auth=False)[0], 401)
        self.assertEqual(w.get("/api/stats", {"Cookie": "pressd_web=0123456789abcdef." + "0" * 32}, auth=False)[0],
                         401)
        stats = json.loads(w.get("/api/stats")[1])
        self.assertGreaterEqual(stats["access"]["refused"], len(got) + 3)

    def session(self, w, path="/"):
        """A browser's first visit with the token: (status, Location, cookie)."""
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a):
                return None
        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(w.url(path), timeout=5)
            self.fail("no redirect")
        except urllib.error.HTTPError as e:
            return e.code, e.headers["Location"], e.headers["Set-Cookie"]

    def test_cookie_outlives_a_restart_and_ends_with_a_new_token(self):
        d, w = self.start()
        code, location, set_cookie = self.session(w, "/review?x=1")
        self.assertEqual((code, location), (303, "/review?x=1"))
        self.assertRegex(set_cookie, r"^pressd_web=[0-9a-f]{16}\.[0-9a-f]{32}; Path=/; Max-Age=\d+; HttpOnly; "
                                     r"SameSite=Strict$")
        cookie = {"Cookie": set_cookie.split(";")[0]}
        sid = set_cookie.split("=")[1][:16]
        self.assertEqual(w.get("/api/stats", cookie, auth=False)[0], 200)
        self.assertIn("session %s started from 127.0.0.1:" % sid, w.text())
        port = w.port
        self.assertEqual(w.stop(), 0)
        w2 = Web(d.pub, d.control, tmpdir=self.tmp.name, port=port)
        self.procs.append(w2)
        self.assertEqual(w2.token, w.token, "the token is kept")
        self.assertEqual(w2.get("/api/stats", cookie, auth=False)[0], 200, "the cookie outlives the restart")
        sock = websocket.create_connection("ws://127.0.0.1:%d/ws" % port, origin=w2.base, timeout=5,
                                           header=[cookie["Cookie"].join(["Cookie: ", ""])])
        sock.close()
        # Rotation: the administrator removes the file; the next start
        # makes a new token and every cookie is void.
        self.assertEqual(w2.stop(), 0)
        os.unlink(w.token_file)
        w3 = Web(d.pub, d.control, tmpdir=self.tmp.name, port=port)
        self.procs.append(w3)
        self.assertNotEqual(w3.token, w.token)
        self.assertEqual(w3.get("/api/stats", cookie, auth=False)[0], 401)
        self.assertEqual(w3.get("/api/stats")[0], 200)

    @unittest.skipUnless(os.geteuid() == 0, "chowns a directory to another group: needs root")
    def test_token_file_takes_the_group_of_a_setgid_directory(self):
        """The packaged /var/lib/pressd-web is pressd-web:pressd 2750
        (systemd/pressd.tmpfiles): the token is the group's to read."""
        group = grp.getgrnam("nogroup").gr_gid
        state = os.path.join(self.tmp.name, "state")
        os.makedirs(state)
        os.chown(state, 0, group)
        os.chmod(state, 0o2750)
        d, w = self.start(token_file=os.path.join(state, "token"))
        st = os.stat(w.token_file)
        self.assertEqual((st.st_gid, stat.S_IMODE(st.st_mode)), (group, 0o640))
        self.assertRegex(w.token, r"^[0-9a-f]{32}$")

    def test_control_requests_are_logged_with_address_and_session(self):
        d, w = self.start()
        _, _, set_cookie = self.session(w)
        sid = set_cookie.split("=")[1][:16]
        ctl = json.loads(w.get("/api/config")[1])["token"]
        sock = websocket.create_connection("ws://127.0.0.1:%d/ws" % w.port, origin=w.base, timeout=5,
                                           header=["Cookie: " + set_cookie.split(";")[0]])
        port = sock.sock.getsockname()[1]
        while True:  # until the device is known to the page
            m = sock.recv()
            if isinstance(m, str) and json.loads(m).get("type") == "status":
                break
        sock.send(json.dumps({"cmd": "mark", "device": "mat0", "label": "x", "token": ctl}))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            m = sock.recv()
            m = json.loads(m) if isinstance(m, str) else {}
            if m.get("type") == "reply":
                break
        self.assertTrue(m["reply"]["ok"], m)
        sock.close()
        self.assertRegex(w.text(), r"control: mark mat0 from 127\.0\.0\.1:%d session %s: ok" % (port, sid))

    def test_password(self):
        p = subprocess.run([WEB, "--hash-password"], input="correct horse\n", capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        hashed = p.stdout.strip()
        self.assertTrue(hashed.startswith("$argon2"), hashed)
        conf = os.path.join(self.tmp.name, "web.conf")
        with open(conf, "w") as f:
            f.write("[web]\npassword_hash = %s\n" % hashed)
        d, w = self.start("-c", conf)
        code, body = w.get("/", auth=False)
        self.assertEqual(code, 401)
        self.assertIn(b'<form method=post action=/login>', body)

        def login(pw):
            req = urllib.request.Request(w.base + "/login", data=urllib.parse.urlencode({"password": pw}).encode())
            class NoRedirect(urllib.request.HTTPRedirectHandler):
                def redirect_request(self, *a):
                    return None
            try:
                urllib.request.build_opener(NoRedirect).open(req, timeout=30)
            except urllib.error.HTTPError as e:
                return e.code, e.headers.get("Set-Cookie")
        self.assertEqual(login("wrong horse"), (401, None))
        code, set_cookie = login("correct horse")
        self.assertEqual(code, 303)
        self.assertEqual(w.get("/api/stats", {"Cookie": set_cookie.split(";")[0]}, auth=False)[0], 200)
        self.assertIn("wrong password from 127.0.0.1", w.text())


if __name__ == "__main__":
    unittest.main()
