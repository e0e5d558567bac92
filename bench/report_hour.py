#!/usr/bin/python3
"""The report of a one-hour 64 x 64 recording at 100 Hz, next to h5py + numpy.

    bench/report_hour.py [--bin build/bin] [--rec-write build/tests/rec_write]
                         [--dir build/bench_data/report_hour] [--runs 3] [--core 1]
                         [--pressctl PATH] [--skip-numpy]

1. Makes the recording once (cached in --dir, remade when the options that
   made it change): rec_write, 360,000 frames of 64 x 64 uint16 at 100 Hz,
   the scenario generator's every behaviour in a loop (holds, pulses,
   glides...), the analysis run live and its events recorded (--events),
   calibrated (kPa), a baseline at the start and another half-way: what
   pressd writes for an hour on one mat.
2. Times, --runs times each, pinned to one core (--core): `pressctl report
   FILE -o OUT.pdf`; the same with a re-analysis (`--set
   analysis.hold_min_s=20`); and bench/report_hour_numpy.py, the h5py +
   numpy script computing the same maps and force curve. Wall time, CPU
   time (user + system) and peak RSS of each run (os.wait4). Prints each
   one's median, min and max, and the ratio of the medians.
3. Checks the numpy maps against `pressctl report --maps-csv` (the same
   work: rtol 2e-6 as tests/integration/test_report.py), and prints the
   largest difference.
4. Random access: bench_frame_seek (a frame at a random place through the
   reader, as the review page reads them), and h5py reading one frame at a
   random place, for scale.

The machine is whatever runs it: say what else it was doing when quoting
the figures (docs/performance.md).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = ["--rows", "64", "--cols", "64", "--rate", "100", "--frames", "360000", "--events",
       "--calibrated", "kPa:0.1", "--tare", "--tare-at", "180000", "--no-sync"]


def recording(rec_write, d):
    path, meta = os.path.join(d, "mat64-1h-100Hz.h5"), os.path.join(d, "mat64-1h-100Hz.json")
    if os.path.exists(path) and os.path.exists(meta) and json.load(open(meta)) == GEN:
        return path
    os.makedirs(d, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=d)
    print("making the recording (about a minute)...", flush=True)
    p = subprocess.run([rec_write, *GEN, tmp], capture_output=True, text=True, check=True)
    made = next(l[5:] for l in p.stdout.splitlines() if l.startswith("path "))
    os.replace(made, path)
    shutil.rmtree(tmp)
    json.dump(GEN, open(meta, "w"))
    return path


def run(cmd, core):
    """wall s, cpu s, peak RSS MiB of one run of cmd on one core"""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         preexec_fn=lambda: os.sched_setaffinity(0, {core}))
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode()
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("%s failed: %s" % (" ".join(cmd), err))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def spread(v):
    return "%.2f [%.2f, %.2f]" % (statistics.median(v), min(v), max(v))


def measure(name, cmd, runs, core):
    r = [run(cmd, core) for _ in range(runs)]
    wall, cpu, rss = zip(*r)
    print("%-34s wall %s s   cpu %s s   peak RSS %.1f MiB" % (name, spread(wall), spread(cpu), max(rss)), flush=True)
    return statistics.median(wall), statistics.median(cpu)


def check_maps(pressctl, path, work):
    """the numpy script's maps against pressctl report --maps-csv"""
    maps, npdir = os.path.join(work, "maps"), os.path.join(work, "numpy")
    subprocess.run([pressctl, "report", path, "-o", os.path.join(work, "check.pdf"), "--maps-csv", maps], check=True)
    subprocess.run([sys.executable, os.path.join(HERE, "report_hour_numpy.py"), path, npdir], check=True)
    stem = os.path.splitext(os.path.basename(path))[0]
    for name in ("peak", "pti", "tup"):
        got = np.loadtxt(os.path.join(maps, "%s_%s.csv" % (stem, name)), delimiter=",", ndmin=2)
        want = np.load(os.path.join(npdir, name + ".npy"))
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6, err_msg=name)
        rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-12)
        print("maps equal: %-4s max %.6g, largest relative difference %.2g" % (name, want.max(), rel.max()))


def h5py_random(path, reads, seed=1):
    rng = np.random.default_rng(seed)
    with h5py.File(path, "r") as f:
        fr = f["frames"]
        ms = []
        for i in rng.integers(0, fr.shape[0], reads):
            t0 = time.perf_counter()
            fr[int(i)]
            ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    return ms[len(ms) // 2], ms[int(len(ms) * 0.95)], ms[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--rec-write", default="build/tests/rec_write")
    ap.add_argument("--dir", default="build/bench_data/report_hour")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--core", type=int, default=1)
    ap.add_argument("--pressctl", help="another pressctl to time (a build before a change)")
    ap.add_argument("--skip-numpy", action="store_true", help="time pressctl only")
    a = ap.parse_args()
    pressctl = a.pressctl or os.path.join(a.bin, "pressctl")
    path = recording(a.rec_write, a.dir)
    with h5py.File(path, "r") as f:
        n, rows, cols = f["frames"].shape
        print("%s: %d frames of %d x %d (%.0f s at 100 Hz), %.0f MB, %.2f G cells; %s" % (
            path, n, rows, cols, n / 100, os.path.getsize(path) / 1e6, n * rows * cols / 1e9,
            ", ".join("%d %s" % (len(f["events"][k]), k) for k in ("holds", "pulses", "strokes", "presses"))))
    print("%d runs each, on core %d; load average %.2f %.2f %.2f" % ((a.runs, a.core) + os.getloadavg()))
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "out.pdf")
        rep, rep_cpu = measure("pressctl report -o x.pdf", [pressctl, "report", path, "-o", out], a.runs, a.core)
        measure("  with --set analysis.hold_min_s=20",
                [pressctl, "report", path, "-o", out, "--set", "analysis.hold_min_s=20"], a.runs, a.core)
        if a.skip_numpy:
            return
        npy, npy_cpu = measure("h5py + numpy (report_hour_numpy.py)",
                               [sys.executable, os.path.join(HERE, "report_hour_numpy.py"), path,
                                os.path.join(work, "np")], a.runs, a.core)
        print("ratio of the medians (numpy / pressctl): wall %.2f, cpu %.2f" % (npy / rep, npy_cpu / rep_cpu))
        check_maps(pressctl, path, work)
    seek = subprocess.run([os.path.join(a.bin, "bench_frame_seek"), path, "2000"], capture_output=True, text=True,
                          check=True).stdout.split()
    kv = dict(zip(seek[0::2], seek[1::2]))
    print("random frame, pd_rec_reader_frame: median %s ms, p95 %s ms, max %s ms (next frame %s ms)" % (
        kv["median_ms"], kv["p95_ms"], kv["max_ms"], kv["next_frame_ms"]))
    print("random frame, h5py frames[i]:      median %.3f ms, p95 %.3f ms, max %.3f ms" % h5py_random(path, 2000))


if __name__ == "__main__":
    main()
