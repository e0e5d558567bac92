#!/usr/bin/python3
"""pressd-web to the screen (issue 12): in Debian's headless chromium, the
frames each page paints per second, the latency from a frame's `time` to
the rendering that shows it (p50/p95/max), the CPU of the browser's
renderer processes (and of its GPU/compositor process), pressd-web's own
CPU and the bytes per second each page receives on its WebSocket; with 1
and 8 pages open at once, each several runs, so the spread shows. 64x64
cells at 100 Hz (sim:mat, glide), pressd publishing 30 frames/s (its
default). The page, chromium and pressd run on one machine and one clock.

    bench/web_paint.py [--bin build/bin] [--seconds 10] [--pages 1,8] [--runs 3]

bench/web_paint.mjs drives the browser; the page's one hook is the map's
data-frame/data-time (docs/dashboard.md)."""

import argparse
import json
import os
import subprocess
import sys
import time

from web_relay import cpu_s, pct, start  # the relay figures' pressd, percentile and /proc CPU

HERE = os.path.dirname(os.path.abspath(__file__))


def run(url, pages, seconds, web_pid):
    """One measurement: node's JSON plus pressd-web's CPU over its window."""
    p = subprocess.Popen(["node", os.path.join(HERE, "web_paint.mjs"), url, str(pages), str(seconds)],
                         stdout=subprocess.PIPE, text=True, cwd=HERE)
    line = p.stdout.readline()
    assert line.strip() == "measuring", line
    c0, t0 = cpu_s(web_pid), time.monotonic()
    out = json.loads(p.stdout.readline())
    out["web_cpu"] = (cpu_s(web_pid) - c0) / (time.monotonic() - t0) * 100
    assert p.wait(60) == 0
    return out


def spread(values, fmt="%.1f"):
    return (fmt + " (%s–%s)") % (sum(values) / len(values), fmt % min(values), fmt % max(values))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "bin"))
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--pages", default="1,8")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    d, w, _, port = start(a.bin, "pressd-bench-paint-")
    print("| pages | frames painted/s per page (min page) | latency p50 / p95 / max (ms) | renderer CPU per page (% of a core) "
          "| GPU process CPU | pressd-web CPU | WebSocket bytes/s per page |")
    print("|---|---|---|---|---|---|---|")
    try:
        for n in [int(x) for x in a.pages.split(",")]:
            rows = [run("http://127.0.0.1:%d/?token=%s" % (port, w.token), n, a.seconds, w.pid) for _ in range(a.runs)]
            fps = [sum(p["fps"] for p in r["pages"]) / n for r in rows]
            lat = [[x for p in r["pages"] for x in p["lat"]] for r in rows]
            rend = [r["cpu"].get("renderer", 0) / n for r in rows]
            gpu = [r["cpu"].get("gpu-process", 0) for r in rows]
            print("| %d | %s (%.1f) | %s / %s / %s | %s | %s | %s | %s |" % (
                n, spread(fps), min(p["fps"] for r in rows for p in r["pages"]),
                spread([pct(l, 50) for l in lat]), spread([pct(l, 95) for l in lat]), spread([max(l) for l in lat], "%.0f"),
                spread(rend), spread(gpu), spread([r["web_cpu"] for r in rows]),
                spread([sum(p["bps"] for p in r["pages"]) / n for r in rows], "%.0f")))
            sys.stdout.flush()
        print("\n%d runs of %g s per row: mean (lowest–highest run)." % (a.runs, a.seconds))
    finally:
        w.terminate(); d.terminate()
        w.wait(10); d.wait(20)


if __name__ == "__main__":
    sys.exit(main())
