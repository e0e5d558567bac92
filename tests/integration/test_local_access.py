#!/usr/bin/python3
"""Local access (issue 16, events.md "Local access", docs/security.md):
who may watch and control pressd on a shared machine.

A root pressd with the packaged socket layout (a temporary directory
standing in for /run/pressd: 0750, group G; both sockets 0660 group G):
an unprivileged user outside G cannot connect, a member of G can, and the
log names who asked for a recording. record_start's dir is accepted only
inside daemon.record_roots: not outside, not through '..', not through a
symlink; inside, missing directories are made. A bad socket_group or
socket_mode is a config error naming the key.

The steps as another user use setpriv (util-linux) with /usr/bin/python3
and a copy of pressctl in a directory that user can reach
(harness.binaries_for_user): the checkout may sit where they cannot."""

import grp
import json
import os
import shutil
import stat
import subprocess
import tempfile
import textwrap
import unittest

import zmq

from harness import PRESSD, TestCase, binaries_for_user
from rectools import recordings
from zmqtools import Control, free_tcp_endpoint, tail

NOBODY, NOGROUP = 65534, 65534

# A client as another user: connect to the control socket and ask for
# status. Prints one JSON line: {"connect": "ok"|errno name, "reply": ...}.
CLIENT = textwrap.dedent("""
    import errno, json, socket, sys, zmq
    path, req = sys.argv[1], json.loads(sys.argv[2])
    out = {}
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        out["connect"] = "ok"
    except OSError as e:
        out["connect"] = errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()
    if out["connect"] == "ok":
        ctx = zmq.Context()
        r = ctx.socket(zmq.REQ)
        r.setsockopt(zmq.LINGER, 0)
        r.setsockopt(zmq.RCVTIMEO, 5000)
        r.connect("ipc://" + path)
        r.send_json(req)
        try:
            out["reply"] = r.recv_json()
        except zmq.Again:
            out["reply"] = None
        r.close(0)
        ctx.term()
    print(json.dumps(out))
""")


def test_group():
    """A group nobody is not in, to stand in for 'pressd'."""
    for name in ("pressd", "users", "staff", "src", "operator"):
        try:
            g = grp.getgrnam(name)
        except KeyError:
            continue
        if g.gr_gid != NOGROUP and "nobody" not in g.gr_mem:
            return g
    return None


def can_setpriv():
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


class LocalAccess(TestCase):
    def setUp(self):
        super().setUp()
        if not can_setpriv():
            self.skipTest("needs root and setpriv to act as another user")
        self.group = test_group()
        if self.group is None:
            self.skipTest("no group to stand in for 'pressd' (pressd, users, staff, src, operator)")
        # /tmp/pressd-local-XXXX (0755) stands in for /, run/ for /run/pressd
        self.base = tempfile.mkdtemp(prefix="pressd-local-")
        self.addCleanup(shutil.rmtree, self.base, True)
        self.bin = binaries_for_user(self.base, "pressctl")
        self.run_dir = os.path.join(self.base, "run")
        os.mkdir(self.run_dir)
        os.chown(self.run_dir, 0, self.group.gr_gid)
        os.chmod(self.run_dir, 0o750)  # as RuntimeDirectory=pressd with RuntimeDirectoryMode=0750
        self.rec = os.path.join(self.base, "recordings")
        os.mkdir(self.rec)
        self.pub = "ipc://%s/events" % self.run_dir
        self.ctl_path = os.path.join(self.run_dir, "control")

    def start(self, *extra):
        d = self.pressd("-d", "sim:mat?rate=50&id=m", "-p", self.pub, "-C", "ipc://" + self.ctl_path,
                        "-s", "daemon.socket_group=%s" % self.group.gr_name, "-s", "daemon.socket_mode=0660",
                        "-s", "daemon.record_roots=%s" % self.rec, *extra, trace=False, cwd="/")
        d.control = "ipc://" + self.ctl_path
        self.assertTrue(d.wait_for(lambda: "running with" in d.text(), 10), tail(d.text()))
        return d

    def as_user(self, argv, groups=()):
        cmd = ["setpriv", "--reuid", str(NOBODY), "--regid", str(NOGROUP)]
        cmd += ["--groups", ",".join(str(g) for g in groups)] if groups else ["--clear-groups"]
        return subprocess.run(cmd + argv, capture_output=True, text=True, timeout=30, cwd="/")

    def client(self, req, groups=()):
        r = self.as_user(["/usr/bin/python3", "-c", CLIENT, self.ctl_path, json.dumps(req)], groups)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_socket_files_take_group_and_mode(self):
        d = self.start()
        for name in ("events", "control"):
            st = os.stat(os.path.join(self.run_dir, name))
            self.assertTrue(stat.S_ISSOCK(st.st_mode), name)
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o660, "%s: %o" % (name, stat.S_IMODE(st.st_mode)))
            self.assertEqual(st.st_gid, self.group.gr_gid, name)
        self.assertEqual(d.stop(), 0, tail(d.text()))

    def test_non_member_is_refused_member_may_watch_and_control(self):
        d = self.start()
        out = self.client({"cmd": "status"})
        self.assertEqual(out["connect"], "EACCES", out)
        self.assertNotIn("reply", out)
        # the directory alone would refuse them; the socket's mode refuses them too
        os.chmod(self.run_dir, 0o755)
        out = self.client({"cmd": "status"})
        self.assertEqual(out["connect"], "EACCES", "socket 0660 group %s: %s" % (self.group.gr_name, out))
        os.chmod(self.run_dir, 0o750)
        # a member of the group: status works, with pressctl too
        out = self.client({"cmd": "status"}, groups=[self.group.gr_gid])
        self.assertEqual(out["connect"], "ok", out)
        self.assertTrue(out["reply"] and out["reply"]["ok"], out)
        self.assertEqual([x["id"] for x in out["reply"]["devices"]], ["m"])
        r = self.as_user([os.path.join(self.bin, "pressctl"), "-C", "ipc://" + self.ctl_path, "status"],
                         groups=[self.group.gr_gid])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("m", r.stdout)
        r = self.as_user([os.path.join(self.bin, "pressctl"), "-t", "1", "-C", "ipc://" + self.ctl_path, "status"])
        self.assertEqual(r.returncode, 69, "a non-member got an answer: " + r.stdout)
        self.assertIn("permission denied", r.stderr)
        # the member may control: a mark, logged with their uid
        out = self.client({"cmd": "mark", "label": "from nobody"}, groups=[self.group.gr_gid])
        self.assertTrue(out["reply"]["ok"], out)
        self.assertTrue(d.wait_for(lambda: "control: mark from uid %d (nobody) pid " % NOBODY in d.text(), 5),
                        tail(d.text()))
        self.assertEqual(d.stop(), 0, tail(d.text()))

    def test_record_start_logs_requester_uid(self):
        d = self.start()
        out = self.client({"cmd": "record_start", "dir": os.path.join(self.rec, "s1")}, groups=[self.group.gr_gid])
        self.assertTrue(out["reply"]["ok"], out)
        self.assertTrue(d.wait_for(lambda: "control: record_start from uid %d (nobody) pid " % NOBODY in d.text(), 5),
                        tail(d.text()))
        # the root test process over ipc: uid 0
        ctx = zmq.Context()
        self.addCleanup(ctx.destroy, 0)
        rep = Control(ctx, d.control).call({"cmd": "record_stop"}, timeout=10)
        self.assertTrue(rep["ok"], rep)
        self.assertRegex(d.text(), r"control: record_stop from uid 0 \(root\) pid \d+: ok")
        self.assertNotIn("control: status from", d.text(), "read-only requests are not logged")
        self.assertEqual(d.stop(), 0, tail(d.text()))


class RecordRoots(TestCase):
    """record_start's dir against daemon.record_roots, as root (who could
    write anywhere: the check is pressd's, not the file system's)."""

    def setUp(self):
        super().setUp()
        self.root = os.path.join(self.tmp.name, "roots", "rec")
        os.makedirs(self.root)
        self.outside = os.path.join(self.tmp.name, "outside")
        os.mkdir(self.outside)
        self.d = self.pressd("-d", "sim:mat?rate=50&id=m", "-s", "daemon.record_roots=%s" % self.root, trace=False)
        ctx = zmq.Context()
        self.addCleanup(ctx.destroy, 0)
        self.ctl = Control(ctx, self.d.control, timeout=10)
        self.assertTrue(self.d.wait_for(lambda: "running with" in self.d.text(), 10), tail(self.d.text()))

    def refused(self, dir_, why):
        rep = self.ctl.call({"cmd": "record_start", "dir": dir_})
        self.assertIs(rep["ok"], False, rep)
        self.assertIn("daemon.record_roots", rep["error"])
        self.assertIn(why, rep["error"])
        self.assertEqual(recordings(self.outside), [], "a file was written outside the roots")
        return rep

    def test_outside_dotdot_and_symlink_refused_inside_works(self):
        self.refused(self.outside, "outside")
        self.refused(os.path.join(self.outside, "new"), "outside")
        self.assertFalse(os.path.exists(os.path.join(self.outside, "new")), "made a directory outside")
        self.refused(os.path.join(self.root, "..", "..", "outside"), "'..'")
        self.refused(os.path.join(self.root, "a", "..", "b"), "'..'")
        self.refused("/etc", "outside")
        os.symlink(self.outside, os.path.join(self.root, "link"))
        self.refused(os.path.join(self.root, "link"), "symlink")
        self.refused(os.path.join(self.root, "link", "deeper"), "symlink")
        self.assertFalse(os.path.exists(os.path.join(self.outside, "deeper")))
        # inside: works, and makes the missing directories
        want = os.path.join(self.root, "subject1", "session2")
        rep = self.ctl.call({"cmd": "record_start", "dir": want})
        self.assertTrue(rep["ok"], rep)
        self.assertEqual(os.path.dirname(rep["recordings"][0]["path"]), want)
        self.assertTrue(self.d.wait_for(lambda: recordings(want), 10), tail(self.d.text()))
        self.assertTrue(self.ctl.call({"cmd": "record_stop"})["ok"])
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.root, "subject1")).st_mode) & 0o007, 0)
        # the root itself, with a trailing slash and a '.'
        rep = self.ctl.call({"cmd": "record_start", "dir": self.root + "/./"})
        self.assertTrue(rep["ok"], rep)
        self.assertTrue(self.ctl.call({"cmd": "record_stop"})["ok"])
        self.assertEqual(self.d.stop(), 0, tail(self.d.text()))

    def test_refusal_names_setting_in_log_with_requester(self):
        self.refused(self.outside, "outside")
        self.assertRegex(self.d.text(), r"control: record_start from uid 0 \(root\) pid \d+: refused: dir .* is "
                                        r"outside daemon.record_roots")


class RecordRootsDefault(TestCase):
    def test_default_is_record_dir_else_start_dir(self):
        """No record_roots: the record_dir (-r) when set, else the
        directory pressd was started in."""
        start = os.path.join(self.tmp.name, "here")
        os.mkdir(start)
        d = self.pressd("-d", "sim:mat?rate=50&id=m", trace=False, cwd=start)
        ctx = zmq.Context()
        self.addCleanup(ctx.destroy, 0)
        ctl = Control(ctx, d.control, timeout=10)
        self.assertTrue(d.wait_for(lambda: "running with" in d.text(), 10), tail(d.text()))
        rep = ctl.call({"cmd": "record_start", "dir": "rel/dir"})  # relative: to where pressd started
        self.assertTrue(rep["ok"], rep)
        self.assertTrue(rep["recordings"][0]["path"].startswith(os.path.join(start, "rel", "dir") + "/"), rep)
        self.assertTrue(ctl.call({"cmd": "record_stop"})["ok"])
        rep = ctl.call({"cmd": "record_start", "dir": self.tmp.name})
        self.assertIs(rep["ok"], False, rep)
        self.assertIn("daemon.record_roots", rep["error"])
        self.assertEqual(d.stop(), 0, tail(d.text()))

        rec = os.path.join(self.tmp.name, "rec")
        d = self.pressd("-d", "sim:mat?rate=50&id=m", "-r", rec, trace=False, cwd=start)
        ctl = Control(ctx, d.control, timeout=10)
        self.assertTrue(d.wait_for(lambda: "running with" in d.text(), 10), tail(d.text()))
        self.assertTrue(ctl.call({"cmd": "record_stop"})["ok"])
        self.assertTrue(ctl.call({"cmd": "record_start", "dir": os.path.join(rec, "more")})["ok"])
        rep = ctl.call({"cmd": "record_stop"})
        self.assertTrue(rep["ok"], rep)
        rep = ctl.call({"cmd": "record_start", "dir": start})
        self.assertIs(rep["ok"], False, "with -r, the start directory is no root: %s" % rep)
        self.assertEqual(d.stop(), 0, tail(d.text()))


class Requester(TestCase):
    def test_tcp_requester_is_its_address(self):
        ctl_ep = free_tcp_endpoint()
        d = self.pressd("-d", "sim:mat?rate=50&id=m", "-C", ctl_ep, trace=False)
        ctx = zmq.Context()
        self.addCleanup(ctx.destroy, 0)
        self.assertTrue(d.wait_for(lambda: "running with" in d.text(), 10), tail(d.text()))
        rep = Control(ctx, ctl_ep).call({"cmd": "set", "key": "hold_min_s", "value": 2})
        self.assertTrue(rep["ok"], rep)
        self.assertRegex(d.text(), r"control: set from tcp 127\.0\.0\.1:\d+: ok")
        self.assertEqual(d.stop(), 0, tail(d.text()))

    def test_requester_lines_are_rate_limited(self):
        d = self.pressd("-d", "sim:mat?rate=50&id=m", trace=False)
        ctx = zmq.Context()
        self.addCleanup(ctx.destroy, 0)
        ctl = Control(ctx, d.control)
        self.assertTrue(d.wait_for(lambda: "running with" in d.text(), 10), tail(d.text()))
        for i in range(30):
            self.assertTrue(ctl.call({"cmd": "mark", "label": "m%d" % i})["ok"])
        self.assertEqual(d.text().count("control: mark from"), 20, "at most 20 a minute")
        self.assertEqual(d.stop(), 0, tail(d.text()))


class ConfigErrors(TestCase):
    def run_pressd(self, *args):
        return subprocess.run([PRESSD, "-f", "-d", "sim:mat", "-p", "ipc://%s/p" % self.tmp.name,
                               "-C", "ipc://%s/c" % self.tmp.name, *args],
                              capture_output=True, text=True, timeout=20)

    def test_bad_socket_group_and_mode_exit_78_naming_the_key(self):
        for args, key in ((("-s", "daemon.socket_group=no-such-group-here"), "daemon.socket_group"),
                          (("-s", "daemon.socket_mode=0999"), "daemon.socket_mode"),
                          (("-s", "daemon.socket_mode=rw"), "daemon.socket_mode"),
                          (("-s", "daemon.socket_mode=01777"), "daemon.socket_mode")):
            r = self.run_pressd(*args)
            self.assertEqual(r.returncode, 78, (args, r.stderr))
            self.assertIn(key, r.stderr)
        cfg = os.path.join(self.tmp.name, "bad.conf")
        with open(cfg, "w") as f:
            f.write("[daemon]\nsocket_group = no-such-group-here\n")
        r = self.run_pressd("-c", cfg)
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertIn("daemon.socket_group=no-such-group-here: no such group", r.stderr)


if __name__ == "__main__":
    unittest.main()
