"""The other transports: a network serial server (TCP), and pressd under
valgrind on a pseudo-terminal and the simulator (no leaks, no errors)."""

import os
import shutil
import socket
import subprocess
import threading
import time
import unittest

from harness import PRESSD, TestCase


class SerialServer:
    """A tiny ser2net: relays one TCP client to and from a pseudo-terminal."""

    def __init__(self, pty_path):
        self.pty_path = pty_path
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        conn, _ = self.listener.accept()
        import tty
        fd = os.open(self.pty_path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd)

        def uplink():  # host requests (GET_INFO, START) to the device
            try:
                while True:
                    data = conn.recv(4096)
                    if not data:
                        break
                    os.write(fd, data)
            except OSError:
                pass

        threading.Thread(target=uplink, daemon=True).start()
        try:
            while True:
                data = os.read(fd, 65536)
                if not data:
                    break
                conn.sendall(data)
        except OSError:
            pass  # the emulator closed: EIO
        conn.shutdown(socket.SHUT_RDWR)  # wakes the uplink's recv, sends FIN
        conn.close()
        self.listener.close()
        os.close(fd)


class Transports(TestCase):
    def test_tcp_serial_server(self):
        sim = self.sim("--protocol", "pmf", "--scenario", "glide", "--speed", "max", "--frames", "300")
        server = SerialServer(sim.path)
        d = self.pressd("-d", "tcp:127.0.0.1:%d?protocol=pmf&id=net" % server.port, "-s", "daemon.ring_s=60")
        self.assertEqual(sim.wait(60), 0)
        truth = sim.truth()
        self.assertEqual(len(truth), 300)
        self.assertTrue(d.wait_for(lambda: len(d.frames()) >= len(truth), timeout=10), d.text()[-2000:])
        self.assertTrue(d.wait_for(lambda: "net: disconnected:" in d.text(), timeout=10))
        self.assertEqual(d.stop(), 0)
        self.assertEqual([f[:3] for f in d.frames()], truth)
        st = d.stats()["net"]
        self.assertEqual(st["frames"], 300)
        self.assertEqual(st["crc_errors"] + st["decode_errors"], 0)

    def test_tcp_refused_is_retried(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        d = self.pressd("-d", "tcp:127.0.0.1:%d" % port, trace=False)
        self.assertTrue(d.wait_for(lambda: "refused" in d.text(), timeout=10), d.text())
        self.assertIsNone(d.proc.poll())
        self.assertEqual(d.stop(), 0)

    @unittest.skipIf(os.environ.get("PRESSD_SANITIZE") == "ON", "valgrind does not run ASan builds")
    @unittest.skipUnless(shutil.which("valgrind"), "valgrind not installed")
    def test_no_leaks_under_valgrind(self):
        sim = self.sim("--protocol", "pmf", "--scenario", "hold", "--rate", "100", "--loop",
                       "--unplug-at", "1", "--unplug-for", "0.3", "--link", os.path.join(self.tmp.name, "m"))
        log = os.path.join(self.tmp.name, "valgrind.log")
        argv = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect,possible",
                "--errors-for-leak-kinds=definite,indirect,possible", "--error-exitcode=99",
                "--log-file=" + log, PRESSD, "-f", "-v", "-s", "daemon.stats_interval_s=1",
                "-p", "ipc://%s/pub" % self.tmp.name, "-C", "ipc://%s/ctl" % self.tmp.name,
                "-r", os.path.join(self.tmp.name, "rec"),
                "-d", os.path.join(self.tmp.name, "m") + "?protocol=auto",
                "-d", "sim:mat?rate=200", "-d", "sim:roller?rate=100"]
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(6)  # through an unplug, a replug and some stats lines
        p.send_signal(15)
        _, err = p.communicate(timeout=60)
        with open(log) as f:
            report = f.read()
        self.assertEqual(p.returncode, 0, report[-4000:])
        self.assertIn("ERROR SUMMARY: 0 errors", report)
        self.assertIn("mat0: disconnected", err)
        # the recorder (HDF5) ran under valgrind too: a file per device
        recs = os.listdir(os.path.join(self.tmp.name, "rec"))
        self.assertGreaterEqual(len([n for n in recs if n.endswith(".h5")]), 3, recs)


if __name__ == "__main__":
    unittest.main(verbosity=2)
