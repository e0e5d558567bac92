#!/usr/bin/python3
"""The review page on a one-hour recording (issue 13): how long the page
takes to open a recording and show its first frame, how long a scrub to any
moment takes until the map shows it (timed in the page, from the slider's
input event to the paint), and how many frames a second it paints while
playing at 10×; beside them the server's own answer time for one frame
(/api/review/frames over HTTP) and what a researcher would do instead:
h5py reading the same frame from the file.

    bench/review_seek.py [--bin build/bin] [--rec-write build/tests/rec_write]
                         [--dir DIR] [--frames 360000] [--seeks 40] [--runs 3]

The recording (64 × 64 cells, 100 Hz, the scenario generator run through
the analysis; 360,000 frames is one hour, ~0.7 GB) is made once in DIR and
reused. Everything runs on this machine: chromium, pressd-web, h5py."""

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(HERE, "..", "tests", "web", "review_probe.mjs")


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recording(args):
    os.makedirs(args.dir, exist_ok=True)
    want = "hour-%d.h5" % args.frames
    path = os.path.join(args.dir, want)
    if not os.path.exists(path):
        tmp = tempfile.mkdtemp(dir=args.dir)
        t0 = time.monotonic()
        out = subprocess.run([args.rec_write, "--no-sync", "--rows", "64", "--cols", "64", "--frames",
                              str(args.frames), "--events", tmp], capture_output=True, text=True, check=True).stdout
        made = next(l.split(" ", 1)[1] for l in out.splitlines() if l.startswith("path "))
        os.rename(made, path)
        os.rmdir(tmp)
        print("made %s in %.0f s" % (path, time.monotonic() - t0), file=sys.stderr)
    return path


def summary(v):
    return "%.1f / %.1f / %.1f" % (statistics.median(v), pct(v, 95), max(v))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--rec-write", default="build/tests/rec_write")
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "pressd-bench-review"))
    ap.add_argument("--frames", type=int, default=360000)
    ap.add_argument("--seeks", type=int, default=40)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    path = recording(args)
    name = os.path.basename(path)
    port = free_port()
    token_file = os.path.join(args.dir, "web.token")
    web = subprocess.Popen([os.path.join(args.bin, "pressd-web"), "-f", "-q", "-l", "127.0.0.1:%d" % port,
                            "-p", "tcp://127.0.0.1:1", "--recordings", args.dir, "--token-file", token_file])
    base = "http://127.0.0.1:%d" % port
    auth = {}

    def get(url, timeout=60):  # with pressd-web's secret (docs/security.md)
        return urllib.request.urlopen(urllib.request.Request(url, headers=auth), timeout=timeout).read()
    try:
        for _ in range(100):
            try:
                with open(token_file) as f:
                    auth["Authorization"] = "token " + f.read().strip()
                get(base + "/api/review/list")
                break
            except OSError:
                time.sleep(0.1)
        rows = []
        for run in range(args.runs):
            rnd = random.Random(run)
            frames = [rnd.randrange(args.frames) for _ in range(args.seeks)]
            # The server alone: one frame over HTTP (a new chunk each time).
            http = []
            for i in frames:
                t0 = time.perf_counter()
                get("%s/api/review/frames?name=%s&from=%d" % (base, name, i))
                http.append((time.perf_counter() - t0) * 1e3)
            # h5py: the same frames read from the file, each from a cold
            # file object (the chunk cache holds nothing of it yet).
            h5 = []
            with h5py.File(path, "r") as f:
                ds = f["frames"]
                for i in frames:
                    t0 = time.perf_counter()
                    ds[i]
                    h5.append((time.perf_counter() - t0) * 1e3)
            frames = [rnd.randrange(args.frames) for _ in range(args.seeks)]
            steps = [{"open": name, "maps": False}] + [{"scrub": i} for i in frames] + [{"play": 3, "speed": 10}]
            p = subprocess.run(["node", PROBE, base + "/review?" + auth["Authorization"].replace("token ", "token="), json.dumps(steps)], capture_output=True, text=True,
                               timeout=900, check=True)
            out = json.loads(p.stdout.strip().splitlines()[-1])
            if out["errors"]:
                raise SystemExit("page errors: %s" % out["errors"])
            opened = out["steps"][0]["ms"]
            seeks = [s["ms"] for s in out["steps"][1:-1]]
            painted = out["steps"][-1]["painted"] / 3
            rows.append((opened, seeks, painted, http, h5))
            print("run %d: open %.0f ms; scrub p50/p95/max %s ms; HTTP frame %s ms; h5py frame %s ms; "
                  "playing 10x: %.0f frames painted/s" % (run + 1, opened, summary(seeks), summary(http),
                                                            summary(h5), painted))
        allseek = [x for r in rows for x in r[1]]
        print()
        print("| what | median / p95 / max (ms) over %d runs × %d |" % (args.runs, args.seeks))
        print("|---|---|")
        print("| page: open the recording, first frame shown | %s |" % summary([r[0] for r in rows]))
        print("| page: scrub to a random moment until painted | %s |" % summary(allseek))
        print("| pressd-web: one frame over HTTP | %s |" % summary([x for r in rows for x in r[3]]))
        print("| h5py: `frames[i]` from the file | %s |" % summary([x for r in rows for x in r[4]]))
        print("| page: frames painted per second playing at 10× | %s (runs: %s) |" %
              ("%.0f" % statistics.median([r[2] for r in rows]), ", ".join("%.0f" % r[2] for r in rows)))
    finally:
        web.terminate()
        web.wait()


if __name__ == "__main__":
    main()
