"""Installed files (daemon.md, "Installed files"): `cmake --install` into a
DESTDIR puts every file where it belongs with the right mode, the systemd
units verify and are hardened (exposure <= 3.0), the udev rules are sane,
and the installed pressd runs with the installed default config."""

import configparser
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN
from installed import check_files, check_pressd_runs_installed_config, expected_files, files_under

BUILD = os.path.dirname(os.path.abspath(BIN))
PREFIX = "/usr"


def cache_value(name):
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        for line in f:
            m = re.match(r"^%s:[A-Z]+=(.*)$" % re.escape(name), line.rstrip("\n"))
            if m:
                return m.group(1)
    raise KeyError(name)


def under_prefix(d):
    return d if os.path.isabs(d) else os.path.join(PREFIX, d)


class Packaging(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(os.path.join(BUILD, "packaging", "cmake_install.cmake")):
            raise AssertionError("%s has no packaging/: the top-level CMakeLists.txt needs "
                                 "add_subdirectory(packaging)" % BUILD)
        cls.tmp = tempfile.mkdtemp(prefix="pressd-pkg-")
        cls.dest = os.path.join(cls.tmp, "root")
        env = dict(os.environ, DESTDIR=cls.dest)
        r = subprocess.run(["cmake", "--install", BUILD, "--prefix", PREFIX],
                           env=env, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError("cmake --install failed:\n" + r.stdout + r.stderr)
        cls.unitdir = under_prefix(cache_value("PRESSD_SYSTEMDUNITDIR"))
        cls.expected = expected_files(cls.unitdir, under_prefix(cache_value("PRESSD_UDEVDIR")),
                                      under_prefix(cache_value("PRESSD_SYSUSERSDIR")),
                                      under_prefix(cache_value("PRESSD_TMPFILESDIR")))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, p):
        return os.path.join(self.dest, p.lstrip("/"))

    def test_file_list_and_modes(self):
        self.assertEqual(set(files_under(self.dest)), set(self.expected))
        check_files(self, self.dest, self.expected)

    def test_unit_names_installed_binary(self):
        with open(self.path(os.path.join(self.unitdir, "pressd.service"))) as f:
            unit = f.read()
        self.assertNotIn("@bindir@", unit)
        self.assertIn("\nExecStart=/usr/bin/pressd -f\n", unit)
        for line in ("Type=notify", "NotifyAccess=main", "WatchdogSec=10", "Restart=on-failure",
                     "User=pressd", "Group=pressd", "DevicePolicy=closed", "CapabilityBoundingSet=",
                     "ProtectSystem=strict", "UMask=0027",
                     # docs/security.md: the packaged sockets' directory, group pressd only
                     "RuntimeDirectory=pressd", "RuntimeDirectoryMode=0750"):
            self.assertRegex(unit, r"(?m)^%s$" % re.escape(line))

    def test_man_pages_render(self):
        if not shutil.which("groff"):
            self.skipTest("no groff")
        for p in self.expected:
            if "/man/" not in p:
                continue
            r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", self.path(p)],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual((r.returncode, r.stderr), (0, ""), p)

    def systemd_analyze(self, *args):
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is not installed")
        # MANPATH: verify runs man(1) on Documentation=man:... entries.
        env = dict(os.environ, MANPATH=self.path("/usr/share/man"), SYSTEMD_LOG_COLOR="0", SYSTEMD_COLORS="0")
        return subprocess.run(["systemd-analyze", *args], env=env, capture_output=True, text=True, timeout=60)

    def unit_copy(self, name="pressd.service", instance=None):
        """The installed unit, its Exec*= pointed at the DESTDIR binaries
        (verify checks that the programs exist); a template is copied as
        the instance named (verify takes no bare template)."""
        with open(self.path(os.path.join(self.unitdir, name))) as f:
            unit = f.read()
        for prog in ("pressd", "pressctl", "pressd-web"):
            unit = re.sub(r"^(Exec\w+=-?)/usr/bin/%s " % prog, r"\g<1>%s " % self.path("/usr/bin/" + prog), unit,
                          flags=re.M)
        d = tempfile.mkdtemp(dir=self.tmp)
        copy = os.path.join(d, name.replace("@.", "@%s." % instance) if instance else name)
        with open(copy, "w") as f:
            f.write(unit)
        return copy

    def units(self):
        return [("pressd.service", self.unit_copy()),
                ("pressd-web.service", self.unit_copy("pressd-web.service")),
                ("pressd-device@ttyACM0.service", self.unit_copy("pressd-device@.service", "ttyACM0"))]

    def test_units_verify(self):
        for name, copy in self.units():
            with self.subTest(unit=name):
                r = self.systemd_analyze("verify", copy)
                # verify cannot see a device unit that is not plugged in
                stderr = "\n".join(l for l in r.stderr.splitlines() if "dev-ttyACM0.device" not in l)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertEqual(stderr.strip(), "", r.stderr)

    def test_security_exposure(self):
        for name, copy in self.units():
            with self.subTest(unit=name):
                r = self.systemd_analyze("security", "--offline=true", copy)
                m = re.search(r"Overall exposure level for %s: (\d+\.\d+)" % re.escape(name), r.stdout)
                self.assertTrue(m, r.stdout[-2000:] + r.stderr)
                self.assertLessEqual(float(m.group(1)), 3.0, r.stdout)
                print("\n%s exposure %s" % (name, m.group(1)))

    def test_web_unit_is_its_own_user_in_group_pressd(self):
        with open(self.path(os.path.join(self.unitdir, "pressd-web.service"))) as f:
            unit = f.read()
        self.assertIn("\nExecStart=/usr/bin/pressd-web -f\n", unit)
        for line in ("User=pressd-web", "Group=pressd-web", "SupplementaryGroups=pressd", "NoNewPrivileges=yes",
                     "ProtectSystem=strict", "PrivateDevices=yes", "CapabilityBoundingSet=", "IPAddressDeny=any"):
            self.assertRegex(unit, r"(?m)^%s$" % re.escape(line))
        self.assertNotRegex(unit, r"(?m)^(DynamicUser|PermissionsStartOnly|AmbientCapabilities=\S)")
        r = self.systemd_analyze("security", "--offline=true", self.unit_copy("pressd-web.service"))
        # systemd's own judgement of the user: static and not root
        self.assertRegex(r.stdout, r"✓ User=/DynamicUser=\s+Service runs under a static non-root user identity")
        m = re.search(r"Overall exposure level for pressd-web.service: (\d+\.\d+)", r.stdout)
        self.assertTrue(m, r.stdout[-2000:] + r.stderr)
        self.assertLessEqual(float(m.group(1)), 2.0, r.stdout)

    def test_template_unit_runs_pressctl_hotplug(self):
        with open(self.path(os.path.join(self.unitdir, "pressd-device@.service"))) as f:
            unit = f.read()
        self.assertIn("BindsTo=dev-%i.device", unit)
        self.assertRegex(unit, r"After=dev-%i\.device pressd\.service")
        self.assertIn("ExecStart=/usr/bin/pressctl -t 10 hotplug add /dev/%I", unit)
        self.assertIn("ExecStop=-/usr/bin/pressctl -t 5 hotplug remove /dev/%I", unit)

    def test_udev_rules(self):
        rules = self.path([p for p in self.expected if p.endswith("60-pressd.rules")][0])
        pair = re.compile(r'\s*([A-Z_]+(?:\{[^}]+\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(,|$)')
        matched_ids = 0
        with open(rules) as f:
            lines = f.read().splitlines()
        for n, line in enumerate(lines, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            pos, keys = 0, []
            while pos < len(line):
                m = pair.match(line, pos)
                self.assertTrue(m, "line %d, column %d: %s" % (n, pos + 1, line))
                keys.append((m.group(1), m.group(2), m.group(3)))
                pos = m.end()
            names = {k for k, op, _ in keys if op in ("==", "!=")}
            if names & {"ATTRS{idVendor}", "ATTRS{idProduct}"}:
                matched_ids += 1
                self.assertTrue({"ATTRS{idVendor}", "ATTRS{idProduct}"} <= names, line)
                self.assertTrue(names & {"ATTRS{product}", "ATTRS{serial}"},
                                "line %d matches a USB id without product or serial" % n)
            for k, op, v in keys:
                if k == "MODE":
                    self.assertRegex(v, r"^0?[0-7][0-7][0-7]$")
                    self.assertEqual(int(v, 8) & 0o007, 0, "line %d: world access" % n)
                if k == "GROUP":
                    self.assertEqual(v, "pressd")
                if k == "SYMLINK":
                    self.assertTrue(v.startswith("pressure/"), line)
        self.assertGreaterEqual(matched_ids, 3)
        text = "\n".join(lines)
        for vid, pid, product in (("1209", "7d01", "pressd pressure mat"), ("1209", "7d02", "pressd foam roller"),
                                  ("1d50", "60a1", "Snowboard")):
            self.assertIn('ATTRS{idVendor}=="%s", ATTRS{idProduct}=="%s", ATTRS{product}=="%s"'
                          % (vid, pid, product), text)
        self.assertIn('TAG+="systemd"', text)
        self.assertIn('ENV{SYSTEMD_WANTS}+="pressd-device@%k.service"', text)

    def test_sysusers_and_tmpfiles(self):
        for p in self.expected:
            if p.endswith("sysusers.d/pressd.conf"):
                with open(self.path(p)) as f:
                    body = [l.split() for l in f if l.strip() and not l.startswith("#")]
                self.assertIn(["g", "pressd", "-"], body)
                self.assertTrue(any(l[:3] == ["u", "pressd", "-"] and l[-1] == "/var/lib/pressd" for l in body))
                # the dashboard's own user, a member of group pressd (the sockets')
                self.assertTrue(any(l[:3] == ["u", "pressd-web", "-"] for l in body), body)
                self.assertIn(["m", "pressd-web", "pressd"], body)
            if p.endswith("tmpfiles.d/pressd.conf"):
                with open(self.path(p)) as f:
                    body = [l.split() for l in f if l.strip() and not l.startswith("#")]
                self.assertIn(["d", "/var/lib/pressd", "0750", "pressd", "pressd", "-"], body)
                self.assertIn(["d", "/var/lib/pressd/recordings", "0750", "pressd", "pressd", "-"], body)

    def test_installed_config_local_access(self):
        """docs/security.md: both sockets under /run/pressd, group pressd,
        0660; record_start only below /var/lib/pressd/recordings; the
        group exists (sysusers) and the dashboard is in it."""
        cfg = configparser.ConfigParser(inline_comment_prefixes=(";",))
        cfg.read(self.path("/etc/pressd/pressd.conf"))
        daemon = cfg["daemon"]
        self.assertEqual(daemon.get("pub"), "ipc:///run/pressd/events")
        self.assertEqual(daemon.get("control"), "ipc:///run/pressd/control")
        self.assertEqual(daemon.get("socket_group"), "pressd")
        self.assertEqual(daemon.get("socket_mode"), "0660")
        self.assertEqual(daemon.get("record_roots"), "/var/lib/pressd/recordings")
        with open(self.path(os.path.join(self.unitdir, "pressd-web.service"))) as f:
            self.assertRegex(f.read(), r"(?m)^SupplementaryGroups=pressd$")

    def test_installed_pressd_runs_with_installed_config(self):
        check_pressd_runs_installed_config(self, self.dest, self.tmp)


if __name__ == "__main__":
    unittest.main()
