#!/usr/bin/python3
"""Import throughput (docs/performance.md "Import"): a Tekscan ASCII movie
of at least --mb MB, made at bench time from the F-Scan fixture's header
and frames (the walk's 205 frames again and again, renumbered), imported
by `pressctl import` pinned to one core; MB/s of text and peak memory
(ru_maxrss) per run, over --runs runs. Side by side: the same file parsed
by the textbook alternative, numpy.loadtxt over the frame rows, on a
slice (it is two orders slower).

  bench/import_tekscan.py --bin build/bin [--mb 500] [--runs 3] [--tmp DIR]"""

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time

FIXTURE = os.path.join(os.path.dirname(__file__), "../../shared/fixtures/vendors/fscan_testL.asf")
if not os.path.exists(FIXTURE):
    FIXTURE = "/work/shared/fixtures/vendors/fscan_testL.asf"


def generate(path, mb):
    text = open(FIXTURE, "rb").read()
    head, data = text.split(b"ASCII_DATA @@\r\n", 1)
    frames = re.split(rb"Frame \d+\r\n", data.split(b"@@")[0])[1:]
    size = len(head)
    n = 0
    target = mb * 1000 * 1000
    while size < target:  # count first: END_FRAME comes before the frames
        size += len(b"Frame %d\r\n" % (n + 1)) + len(frames[n % len(frames)])
        n += 1
    with open(path, "wb") as f:
        f.write(re.sub(rb"END_FRAME \d+", b"END_FRAME %d" % n, head) + b"ASCII_DATA @@\r\n")
        for i in range(n):
            f.write(b"Frame %d\r\n" % (i + 1) + frames[i % len(frames)])
        f.write(b"@@\r\n")
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--mb", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tmp", default=None)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=a.tmp) as tmp:
        src = os.path.join(tmp, "movie.asf")
        n = generate(src, a.mb)
        size = os.path.getsize(src)
        print("movie: %.1f MB, %d frames of 60x21" % (size / 1e6, n))
        rates, rss = [], []
        for i in range(a.runs):
            out = os.path.join(tmp, "out%d.h5" % i)
            t0 = time.perf_counter()
            r = subprocess.run(["/usr/bin/time", "-f", "%M", "taskset", "-c", "0",
                                os.path.join(a.bin, "pressctl"), "import", src, "-o", out],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            dt = time.perf_counter() - t0
            rates.append(size / dt / 1e6)
            rss.append(int(r.stderr.split()[-1]) / 1024)  # GNU time: peak RSS of pressctl, KiB
            print("run %d: %.2f s, %.1f MB/s, peak RSS %.1f MiB, output %.1f MB"
                  % (i + 1, dt, rates[-1], rss[-1], os.path.getsize(out) / 1e6))
            os.unlink(out)
        print("pressctl import: median %.1f MB/s (min %.1f, max %.1f), peak RSS %.1f MiB"
              % (statistics.median(rates), min(rates), max(rates), max(rss)))
        # the alternative: numpy over the rows, a 20 MB slice
        import numpy as np
        with open(src, "rb") as f:
            chunk = f.read(20 * 1000 * 1000)
        t0 = time.perf_counter()
        rows = [l for l in chunk.split(b"\r\n") if l[:1] in b"B0123456789" and l]
        arr = np.loadtxt([r.replace(b"B", b"0").decode() for r in rows[:-1]], delimiter=",")
        dt = time.perf_counter() - t0
        print("numpy.loadtxt (rows only, no checks): %.1f MB/s on a 20 MB slice (%d rows)"
              % (len(chunk) / dt / 1e6, arr.shape[0]))


if __name__ == "__main__":
    main()
