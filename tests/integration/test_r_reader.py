#!/usr/bin/python3
"""R/pressd.R (hdf5r) on a real recording written by recording/ through
tests/tools/rec_write: frames come back [N, rows, cols] in the same
orientation h5py sees (checked by per-cell sums and one whole frame), t,
tare and every event table with the rows h5py counts."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

REC_WRITE = os.environ.get("REC_WRITE", "")
R_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "R")

R_CHECK = r"""
source(file.path(Sys.getenv("R_DIR"), "pressd.R"))
r <- pressd_read(Sys.getenv("REC"))
sums <- as.matrix(read.csv(Sys.getenv("SUMS"), header = FALSE))
one <- as.matrix(read.csv(Sys.getenv("ONE"), header = FALSE))
stopifnot(length(dim(r$frames)) == 3, dim(r$frames)[1] == length(r$t))
stopifnot(all(abs(apply(r$frames, c(2, 3), sum) - sums) < 1e-6))
stopifnot(all(abs(r$frames[101, , ] - one) < 1e-6))
cat("n", dim(r$frames), "\n")
for (name in names(r$events)) cat("ev", name, nrow(r$events[[name]]), "\n")
cat("tare", dim(r$tare), "\n")
"""


@unittest.skipUnless(REC_WRITE and os.path.exists(REC_WRITE) and shutil.which("Rscript"), "needs rec_write and Rscript")
class RReader(unittest.TestCase):
    def test_read_recording(self):
        d = tempfile.mkdtemp(prefix="test_r_reader.")
        self.addCleanup(shutil.rmtree, d, True)
        p = subprocess.run([REC_WRITE, "--events", "--tare", d], capture_output=True, text=True, timeout=240)
        self.assertEqual(p.returncode, 0, p.stderr)
        path = re.search(r"^path (.*)$", p.stdout, re.M).group(1)
        with h5py.File(path, "r") as f:
            fr = f["frames"][:].astype(np.float64) * f["frames"].attrs["conversion"]
            counts = {k: len(v) for k, v in f["events"].items()}
            tare = f["tare"].shape
        np.savetxt(os.path.join(d, "sums.csv"), fr.sum(axis=0), delimiter=",")
        np.savetxt(os.path.join(d, "one.csv"), fr[100], delimiter=",")
        env = dict(os.environ, R_DIR=R_DIR, REC=path, SUMS=os.path.join(d, "sums.csv"),
                   ONE=os.path.join(d, "one.csv"))
        r = subprocess.run(["Rscript", "-e", R_CHECK], capture_output=True, text=True, timeout=120, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("n %d %d %d" % fr.shape, r.stdout)
        for name, n in counts.items():
            self.assertIn("ev %s %d" % (name, n), r.stdout)
        self.assertIn("tare 1 %d %d" % tare[-2:], r.stdout)


if __name__ == "__main__":
    unittest.main()
