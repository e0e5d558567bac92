"""What an install of pressd is, shared by the tests of its two routes:
`cmake --install` (test_packaging) and the Debian packages
(test_debian_package). One list of files, one check that the installed
pressd runs its installed config."""

import grp
import os
import signal
import stat
import subprocess
import time

PAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "web", "page")


def expected_files(unitdir, udevdir, sysusersdir, tmpfilesdir):
    """{absolute path: mode} of every file an install puts down, given
    where this system keeps units, udev rules, sysusers and tmpfiles."""
    files = {
        "/usr/bin/pressd": 0o755,
        "/usr/bin/pressctl": 0o755,
        "/usr/bin/pressd-sim": 0o755,
        os.path.join(udevdir, "rules.d/60-pressd.rules"): 0o644,
        os.path.join(unitdir, "pressd.service"): 0o644,
        os.path.join(unitdir, "pressd-device@.service"): 0o644,
        os.path.join(sysusersdir, "pressd.conf"): 0o644,
        os.path.join(tmpfilesdir, "pressd.conf"): 0o644,
        "/etc/pressd/pressd.conf": 0o644,
        "/usr/share/man/man1/pressctl.1": 0o644,
        "/usr/share/man/man1/pressd-sim.1": 0o644,
        "/usr/share/man/man5/pressd.conf.5": 0o644,
        "/usr/share/man/man8/pressd.8": 0o644,
        "/usr/bin/pressd-web": 0o755,
        os.path.join(unitdir, "pressd-web.service"): 0o644,
        "/usr/share/man/man1/pressd-web.1": 0o644,
        "/usr/share/pressd-web/vendor/uPlot.esm.js": 0o644,
        "/usr/share/pressd-web/vendor/uPlot.min.css": 0o644,
    }
    for f in os.listdir(PAGE_DIR):
        files["/usr/share/pressd-web/page/" + f] = 0o644
    return files


def files_under(root):
    """{absolute path as installed: lstat} of every non-directory under root."""
    out = {}
    for top, _, names in os.walk(root):
        for f in names:
            p = os.path.join(top, f)
            out["/" + os.path.relpath(p, root)] = os.lstat(p)
    return out


def check_files(test, root, expected):
    """Every expected file is a regular file with its mode."""
    for p, mode in expected.items():
        st = os.lstat(os.path.join(root, p.lstrip("/")))
        test.assertTrue(stat.S_ISREG(st.st_mode), p)
        test.assertEqual(stat.S_IMODE(st.st_mode), mode, "%s: mode %o" % (p, stat.S_IMODE(st.st_mode)))


def check_pressd_runs_installed_config(test, root, tmp):
    """root/usr/bin/pressd with root/etc/pressd/pressd.conf (what the unit
    runs: the config is pressd's default path) starts, opens the packaged
    auto slot and a sim:mat, records, and stops cleanly. Sockets and the
    record dir are moved into tmp, their group to one that exists here."""
    rec = os.path.join(tmp, "rec")
    try:
        grp.getgrnam("pressd")
        group = "pressd"
    except KeyError:
        group = grp.getgrgid(os.getegid()).gr_name
    p = subprocess.Popen([os.path.join(root, "usr/bin/pressd"), "-f", "-c", os.path.join(root, "etc/pressd/pressd.conf"),
                          "-s", "daemon.record_dir=" + rec, "-s", "daemon.socket_group=" + group,
                          "-p", "ipc://%s/pub" % tmp, "-C", "ipc://%s/ctl" % tmp, "-d", "sim:mat"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and p.poll() is None:
            if os.path.isdir(rec) and any(f.endswith(".h5") for f in os.listdir(rec)):
                break
            time.sleep(0.1)
        time.sleep(0.5)
        test.assertIsNone(p.poll(), "pressd exited early")
        mode_seen = "%04o" % stat.S_IMODE(os.stat(os.path.join(tmp, "ctl")).st_mode)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    test.assertEqual(p.returncode, 0, err)
    # the packaged config's auto slot, waiting for a mat, and the -d device
    test.assertIn("auto: 0 known devices connected, 1 slot", err)
    test.assertIn("running with 2 devices", err)
    test.assertTrue([f for f in os.listdir(rec) if f.endswith(".h5")], os.listdir(rec))
    test.assertIn("0660", mode_seen, "the packaged socket_mode on the sockets")
