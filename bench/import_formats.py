#!/usr/bin/python3
"""Import throughput per format (docs/performance.md "Import, per format"):
for every importer, a file of at least --mb MB made at bench time from the
vendor fixture's frames (repeated and renumbered, times continued: a valid
export of that format; the plain matrix: random 32 x 64 values), imported
by `pressctl import` pinned to one core (taskset -c 0); MB/s of text and
peak RSS, median over --runs runs.

  bench/import_formats.py --bin build/bin [--mb 50] [--runs 3] [--tmp DIR] [--only NAME...]"""

import argparse
import os
import random
import re
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "../../shared/fixtures/vendors")
if not os.path.isdir(FIXTURES):
    FIXTURES = "/work/shared/fixtures/vendors"


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def tekscan(path, target):
    import import_tekscan
    return import_tekscan.generate(path, target // 1000000), []


def stappone(path, target):
    lines = fixture("stappone_example.csv").split(b"\n")
    head, rows = lines[0], [l for l in lines[1:] if l.strip()]
    n = 0
    with open(path, "wb") as f:
        f.write(head + b"\n")
        size = len(head)
        while size < target:
            fields = rows[n % len(rows)].split(b",")
            fields[1] = b"%d" % (1768494979568 + 16 * n)
            line = b",".join(fields) + b"\n"
            f.write(line)
            size += len(line)
            n += 1
    return n, []


def pedar(path, target):
    raw = fixture("pedar_example.asc").replace(b"\r\n", b"\n")
    lines = raw.split(b"\n")
    head = next(i for i, l in enumerate(lines) if l.startswith(b"time[secs]"))
    rows = [l for l in lines[head + 1:] if l.strip()]
    per = sum(len(r) + 1 for r in rows) / len(rows)
    n = int(target / per) + 1
    header = b"\n".join(lines[:head + 1]) + b"\n"
    header = re.sub(rb"total time \[secs\]:\s+[\d.]+", b"total time [secs]:  %.3f" % (n * 0.01), header)
    with open(path, "wb") as f:
        f.write(header)
        for k in range(n):
            values = rows[k % len(rows)].split(b"\t", 1)[1]
            f.write(b"%12.5f\t" % ((k + 1) * 0.01) + values + b"\n")
    return n, []


def emed(path, target):
    raw = fixture("emed_test.lst")
    pages = [p for p in raw.split(b"\f") if b"Page" in p]
    n = 0
    with open(path, "wb") as f:
        size = 0
        while size < target:
            p = pages[n % len(pages)]
            p = re.sub(rb"Page \d+", b"Page %d" % (n + 1), p, count=1)
            p = re.sub(rb"Pict-No\.: \d+", b"Pict-No.: %d" % (n + 1), p, count=1)
            f.write(p + b"\f")
            size += len(p) + 1
            n += 1
    return n, []


def xsensor(path, target):
    raw = fixture("xsensor_data.csv")
    starts = [m.start() + 1 for m in re.finditer(rb"\nFRAME,", raw)]
    head, frames = raw[:starts[0]], [raw[a:b] for a, b in zip(starts, starts[1:] + [len(raw)])]
    n = 0
    with open(path, "wb") as f:
        f.write(head)
        size = len(head)
        while size < target:
            fr = frames[n % len(frames)]
            ms = 8 * 3600000 + 21 * 60000 + 17982 + 13 * n
            clock = b"%02d:%02d:%02d.%03d" % (ms // 3600000 % 24, ms // 60000 % 60, ms // 1000 % 60, ms % 1000)
            fr = re.sub(rb"^FRAME,\d+", b"FRAME,%d" % (1464 + n), fr, count=1)
            fr = re.sub(rb"\nTime, [\d:.]+", b"\nTime, " + clock, fr, count=1)
            f.write(fr)
            size += len(fr)
            n += 1
    return n, []


def matrix(path, target):
    rng = random.Random(7)
    n = 0
    with open(path, "w") as f:
        size = 0
        while size < target:
            line = "\t".join(str(rng.randrange(0, 1000)) for _ in range(32 * 64)) + "\t\n"
            f.write(line)
            size += len(line)
            n += 1
    return n, ["--matrix", "32x64", "--rate", "1", "--pitch", "10.16", "--unit", "counts"]


FORMATS = {"tekscan": tekscan, "xsensor": xsensor, "emed": emed, "novel_asc (pedar)": pedar,
           "stappone": stappone, "matrix": matrix}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--mb", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tmp", default=None)
    ap.add_argument("--only", nargs="*")
    a = ap.parse_args()
    import sys
    sys.path.insert(0, HERE)
    results = []
    with tempfile.TemporaryDirectory(dir=a.tmp) as tmp:
        for name, gen in FORMATS.items():
            if a.only and name.split()[0] not in a.only:
                continue
            src = os.path.join(tmp, "input.txt")
            n, opts = gen(src, a.mb * 1000 * 1000)
            size = os.path.getsize(src)
            rates, rss = [], []
            for i in range(a.runs):
                out = os.path.join(tmp, "out.h5")
                t0 = time.perf_counter()
                r = subprocess.run(["/usr/bin/time", "-f", "%M", "taskset", "-c", "0",
                                    os.path.join(a.bin, "pressctl"), "import", *opts, src, "-o", out],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                dt = time.perf_counter() - t0
                if r.returncode != 0:
                    raise SystemExit("%s: pressctl import failed:\n%s" % (name, r.stderr))
                rates.append(size / dt / 1e6)
                rss.append(int(r.stderr.split()[-1]) / 1024)
                os.unlink(out)
            results.append((name, size, n, statistics.median(rates), min(rates), max(rates), max(rss)))
            print("%-18s %6.1f MB %8d frames  %6.1f MB/s (%.1f-%.1f)  peak RSS %.1f MiB"
                  % (name, size / 1e6, n, statistics.median(rates), min(rates), max(rates), max(rss)), flush=True)
            os.unlink(src)
    print("\n| format | input | MB/s of text, median (min-max over %d runs) | peak RSS |" % a.runs)
    print("|---|---|---:|---:|")
    for name, size, n, med, lo, hi, mem in results:
        print("| %s | %.0f MB, %d frames | %.0f (%.0f-%.0f) | %.1f MiB |" % (name, size / 1e6, n, med, lo, hi, mem))


if __name__ == "__main__":
    main()
