"""The Debian packages (debian/, docs/debian.md): dpkg-buildpackage builds
pressd and pressd-web from a copy of the source tree; lintian finds no
error; the packages hold exactly the files `cmake --install` makes (shared
list: installed.py) plus their Debian docs; /etc/pressd/pressd.conf is a
conffile; pressd's postinst creates the users and directories before it
enables and starts pressd.service, pressd-web's neither enables nor starts
its unit. Unpacked into a scratch root, the postinst's own sysusers and
tmpfiles lines (run with DPKG_ROOT on that root, as dpkg does) make the
pressd user and group, pressd-web in it, and /var/lib/pressd/recordings;
and the unpacked pressd runs its packaged config, the file its unit reads.

Building compiles the project once more (about a minute on two cores)."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from installed import check_files, check_pressd_runs_installed_config, expected_files, files_under

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# Debian 12's places (debian/rules says them to cmake).
UNITDIR, UDEVDIR = "/lib/systemd/system", "/lib/udev"
SYSUSERSDIR, TMPFILESDIR = "/usr/lib/sysusers.d", "/usr/lib/tmpfiles.d"
WEB_FILES = re.compile(r"^(/usr/bin/pressd-web|/usr/share/pressd-web/.*|.*/pressd-web\.service|.*/pressd-web\.1(\.gz)?)$")


def missing_tools():
    return [t for t, path in (("dpkg-buildpackage", "dpkg-buildpackage"), ("debhelper", "dh"), ("lintian", "lintian"))
            if not shutil.which(path)]


def copy_source(dest):
    """The source tree as a package build sees it: what git tracks (or the
    tree without its build products), and node_modules' uPlot."""
    skip_top = {".git", "node_modules", "recordings"}
    def ignore(d, names):
        if os.path.abspath(d) != ROOT:
            return {n for n in names if n in ("__pycache__",)}
        return {n for n in names if n in skip_top or n.startswith("build") or n.startswith("obj-")}
    # (debian/'s own leftovers of an in-tree dpkg-buildpackage are left out by .gitignore's rules too)
    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)
    uplot = os.path.join(ROOT, "node_modules", "uplot")
    if not os.path.isdir(uplot):
        raise AssertionError("%s is missing: run npm ci --omit=dev (scripts/install-deps does)" % uplot)
    shutil.copytree(uplot, os.path.join(dest, "node_modules", "uplot"))


class DebianPackages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = None
        if missing_tools():
            return
        cls.tmp = tempfile.mkdtemp(prefix="pressd-deb-")
        src = os.path.join(cls.tmp, "pressd")
        copy_source(src)
        env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=%d" % (os.cpu_count() or 1))
        r = subprocess.run(["dpkg-buildpackage", "-b", "-us", "-uc"], cwd=src, env=env,
                           capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            raise AssertionError("dpkg-buildpackage failed:\n" + (r.stdout + r.stderr)[-6000:])
        arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
        version = subprocess.run(["dpkg-parsechangelog", "-S", "Version"], cwd=src,
                                 capture_output=True, text=True).stdout.strip()
        cls.changes = os.path.join(cls.tmp, "pressd_%s_%s.changes" % (version, arch))
        cls.debs = {p: os.path.join(cls.tmp, "%s_%s_%s.deb" % (p, version, arch)) for p in ("pressd", "pressd-web")}
        cls.root = os.path.join(cls.tmp, "root")
        cls.control = {}
        for p, deb in cls.debs.items():
            subprocess.run(["dpkg-deb", "-x", deb, cls.root], check=True)
            cls.control[p] = os.path.join(cls.tmp, "control-" + p)
            subprocess.run(["dpkg-deb", "-e", deb, cls.control[p]], check=True)

    @classmethod
    def tearDownClass(cls):
        if cls.tmp:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        if missing_tools():
            self.skipTest("%s not installed (scripts/install-deps test installs them)" % ", ".join(missing_tools()))

    def script(self, package, name):
        with open(os.path.join(self.control[package], name)) as f:
            return f.read()

    def test_lintian_finds_no_error(self):
        r = subprocess.run(["lintian", "--tag-display-limit", "0", self.changes],
                           capture_output=True, text=True, timeout=300)
        errors = [l for l in r.stdout.splitlines() if l.startswith("E:")]
        self.assertEqual(errors, [], r.stdout)
        print("\nlintian:\n" + r.stdout)

    def test_files_of_each_package(self):
        want = {}
        for p, mode in expected_files(UNITDIR, UDEVDIR, SYSUSERSDIR, TMPFILESDIR).items():
            want[p + ".gz" if "/man/" in p else p] = mode  # dh_installman compresses
        for pkg in self.debs:
            want["/usr/share/doc/%s/copyright" % pkg] = 0o644
            want["/usr/share/doc/%s/changelog.gz" % pkg] = 0o644
        self.assertEqual(set(files_under(self.root)), set(want))
        check_files(self, self.root, want)
        for pkg, deb in self.debs.items():
            listed = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True, check=True).stdout
            files = {"/" + l.split()[-1].lstrip("./") for l in listed.splitlines() if not l.startswith("d")}
            in_web = {p for p in want if WEB_FILES.match(p) or p.startswith("/usr/share/doc/pressd-web/")}
            self.assertEqual(files, in_web if pkg == "pressd-web" else set(want) - in_web, pkg)

    def test_control_fields(self):
        info = subprocess.run(["dpkg-deb", "-f", self.debs["pressd-web"], "Depends"],
                              capture_output=True, text=True, check=True).stdout
        self.assertRegex(info, r"\bpressd \(= ")  # the users, group and pressctl come with pressd
        info = subprocess.run(["dpkg-deb", "-f", self.debs["pressd"], "Depends"],
                              capture_output=True, text=True, check=True).stdout
        for lib in ("libzmq5", "libhdf5", "libserialport0", "libsystemd0", "systemd"):
            self.assertIn(lib, info)
        self.assertEqual(self.script("pressd", "conffiles").split(), ["/etc/pressd/pressd.conf"])

    def test_postinst_order_users_dirs_then_service(self):
        post = self.script("pressd", "postinst")
        sysusers = post.index('systemd-sysusers ${DPKG_ROOT:+--root="$DPKG_ROOT"} pressd.conf')
        tmpfiles = post.index('systemd-tmpfiles ${DPKG_ROOT:+--root="$DPKG_ROOT"} --create pressd.conf')
        enable = post.index("deb-systemd-helper enable 'pressd.service'")
        start = post.index("deb-systemd-invoke $_dh_action 'pressd.service'")
        self.assertLess(sysusers, tmpfiles)
        self.assertLess(tmpfiles, start)
        self.assertLess(enable, start)
        web = self.script("pressd-web", "postinst")
        self.assertNotIn("deb-systemd-invoke", web)  # never started by the install
        self.assertIn("if deb-systemd-helper --quiet was-enabled 'pressd-web.service'", web)  # only kept enabled
        self.assertNotIn("was-enabled defaults to true", web)

    def test_postinst_users_and_dirs_in_a_scratch_root(self):
        post = self.script("pressd", "postinst")
        lines = [l.strip() for l in post.splitlines() if re.match(r"\s*systemd-(sysusers|tmpfiles) ", l)]
        self.assertEqual(len(lines), 2, post)
        for line in lines:
            r = subprocess.run(["sh", "-c", line], env=dict(os.environ, DPKG_ROOT=self.root),
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, line + "\n" + r.stderr)
        users = {}
        with open(os.path.join(self.root, "etc/passwd")) as f:
            for l in f:
                name, _, uid, gid, _, home, shell = l.rstrip("\n").split(":")
                users[name] = (int(uid), int(gid), home, shell)
        groups = {}
        with open(os.path.join(self.root, "etc/group")) as f:
            for l in f:
                name, _, gid, members = l.rstrip("\n").split(":")
                groups[name] = (int(gid), members.split(",") if members else [])
        self.assertEqual(users["pressd"][1:], (groups["pressd"][0], "/var/lib/pressd", "/usr/sbin/nologin"))
        self.assertLess(users["pressd"][0], 1000)  # a system user
        self.assertIn("pressd-web", groups["pressd"][1])
        for d in ("var/lib/pressd", "var/lib/pressd/recordings"):
            st = os.stat(os.path.join(self.root, d))
            self.assertEqual(st.st_mode & 0o7777, 0o750, d)
            if os.geteuid() == 0:  # tmpfiles can give it away only as root
                self.assertEqual((st.st_uid, st.st_gid), users["pressd"][:2], d)

    def test_unit_runs_the_packaged_config(self):
        with open(os.path.join(self.root, UNITDIR.lstrip("/"), "pressd.service")) as f:
            self.assertRegex(f.read(), r"(?m)^ExecStart=/usr/bin/pressd -f$")
        # no -c: pressd reads its default config, the conffile
        r = subprocess.run([os.path.join(self.root, "usr/bin/pressd"), "--help"], capture_output=True, text=True)
        self.assertIn("default /etc/pressd/pressd.conf", r.stdout + r.stderr)
        check_pressd_runs_installed_config(self, self.root, self.tmp)


if __name__ == "__main__":
    unittest.main()
