"""Shared plumbing for the integration tests: start pressd-sim on a
pseudo-terminal, start pressd on it, stop both, and read back what each
says it sent and decoded (gpsfake's idea: recorded truth in, golden
comparison out)."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

BIN = os.environ.get("PRESSD_BIN", os.path.join(os.path.dirname(__file__), "../../build/bin"))
PRESSD = os.path.join(BIN, "pressd")
SIM = os.path.join(BIN, "pressd-sim")

# The ASan + UBSan build: slower, and its quarantine keeps freed memory.
SANITIZED = os.environ.get("PRESSD_SANITIZE", "").upper() in ("ON", "1", "TRUE", "YES")


def proc_counts(pid):
    """{'fds', 'threads', 'rss_kib'} of a running process, from /proc."""
    out = {"fds": len(os.listdir("/proc/%d/fd" % pid))}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                out["rss_kib"] = int(line.split()[1])
            elif line.startswith("Threads:"):
                out["threads"] = int(line.split()[1])
    return out


def binaries_for_user(base, *names):
    """Copies of the programs under test in base/bin (0755, base made 0755
    too), for a step that runs them as another user (setpriv, setuid): the
    checkout may sit where that user cannot enter (Debian 12 home
    directories and /root are 0700). They load only system libraries (no
    library of the build tree; RUNPATH names the system's HDF5), so the
    programs are all that must move. Returns the directory."""
    os.chmod(base, 0o755)
    out = os.path.join(base, "bin")
    os.makedirs(out, exist_ok=True)
    os.chmod(out, 0o755)
    for name in names or ("pressd",):
        dst = os.path.join(out, name)
        shutil.copy2(os.path.join(BIN, name), dst)
        os.chmod(dst, 0o755)
    return out


FRAME_RE = re.compile(r"info: (\S+): frame seq=(\d+) t_us=(\d+) crc=([0-9a-f]+)(?: encoder=(-?\d+))?")
STATS_RE = re.compile(r"(?:notice|info): (\S+): (\w+) protocol=(\S+) (.*)")


class Sim:
    """pressd-sim in the background; .path is its pseudo-terminal."""

    def __init__(self, *args, tmpdir):
        self.truth_path = os.path.join(tmpdir, "truth-%d.txt" % id(self))
        self.proc = subprocess.Popen([SIM, *args, "--truth", self.truth_path],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.path = self.proc.stdout.readline().strip()
        if not self.path.startswith("/dev/"):
            err = self.proc.stderr.read()
            self.proc.kill()
            raise AssertionError("pressd-sim printed no pty path: %r %s" % (self.path, err))

    def wait(self, timeout=120):
        rc = self.proc.wait(timeout=timeout)
        self.stderr = self.proc.stderr.read()
        return rc

    def truth(self):
        """[(seq, t_us, crc)] of every frame the emulator sent."""
        out = []
        with open(self.truth_path) as f:
            for line in f:
                seq, t_us, crc = line.split()[:3]
                out.append((int(seq), int(t_us), int(crc, 16)))
        return out

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe and not pipe.closed:
                pipe.close()


class LoggedProcess:
    """A program under test with its stderr in a log file (.proc, .log,
    .log_path): its text, a clean stop (SIGTERM, then its exit status) and
    a kill."""

    def text(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self, timeout=20):
        """SIGTERM, then the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout)
        self.log.close()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.log.closed:
            self.log.close()


class Pressd(LoggedProcess):
    """pressd in the foreground, logging at debug level (and, with trace,
    every frame) to a file."""

    def __init__(self, *args, tmpdir, trace=True, binary=PRESSD, **popen_kw):
        self.log_path = os.path.join(tmpdir, "pressd-%d.log" % id(self))
        self.log = open(self.log_path, "w")
        # Endpoints of its own, so tests can run side by side.
        self.pub = "ipc://%s/pub-%d" % (tmpdir, id(self))
        self.control = "ipc://%s/ctl-%d" % (tmpdir, id(self))
        endpoints = []
        if "-p" not in args:
            endpoints += ["-p", self.pub]
        if "-C" not in args:
            endpoints += ["-C", self.control]
        argv = [binary, "-f", "-vv", "-s", "daemon.trace_frames=%s" % ("true" if trace else "false"),
                "-s", "daemon.stats_interval_s=0", *endpoints, *args]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=self.log, **popen_kw)

    def frames(self, device=None):
        """[(seq, t_us, crc)] of every frame pressd decoded, in order."""
        return [(int(m[2]), int(m[3]), int(m[4], 16)) for m in FRAME_RE.finditer(self.text())
                if device is None or m[1] == device]

    def wait_for(self, predicate, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def stats(self):
        """The last stats line per device: {id: {counter: int, 'state': str, 'protocol': str}}."""
        out = {}
        for m in STATS_RE.finditer(self.text()):
            d = {"state": m[2], "protocol": m[3]}
            for kv in m[4].split():
                k, _, v = kv.partition("=")
                if v.isdigit():
                    d[k] = int(v)
            out[m[1]] = d
        return out


class TestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pressd-test-")
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            p.kill()
        self.tmp.cleanup()

    def sim(self, *args):
        s = Sim(*args, tmpdir=self.tmp.name)
        self.procs.append(s)
        return s

    def pressd(self, *args, trace=True, **popen_kw):
        p = Pressd(*args, tmpdir=self.tmp.name, trace=trace, **popen_kw)
        self.procs.append(p)
        return p

    def run_pair(self, sim_args, uri_opts, expect_all=True, timeout=60):
        """Plays a scenario through a pty into pressd; returns (sim, pressd, stats of the device)."""
        sim = self.sim(*sim_args)
        d = self.pressd("-d", sim.path + ("?" + uri_opts if uri_opts else ""), "-s", "daemon.ring_s=60")
        self.assertEqual(sim.wait(timeout), 0, "pressd-sim failed: %s" % getattr(sim, "stderr", ""))
        truth = sim.truth()
        if expect_all:
            d.wait_for(lambda: len(d.frames()) >= len(truth), timeout=10)
        # The emulator exiting is the device going away: pressd must notice.
        self.assertTrue(d.wait_for(lambda: ": disconnected:" in d.text(), timeout=10), d.text()[-3000:])
        self.assertEqual(d.stop(), 0, d.text()[-3000:])
        stats = d.stats()
        self.assertEqual(len(stats), 1, d.text()[-3000:])
        return sim, d, next(iter(stats.values()))
