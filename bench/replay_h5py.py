#!/usr/bin/python3
"""A replay at full speed next to reading the same file with h5py.

    bench/replay_h5py.py [--bin build/bin] [--rec-write build/tests/rec_write]
                         [--dir build/bench_data/replay] [--frames 60000] [--runs 5]

1. Makes a recording once (cached in --dir): rec_write, --frames frames of
   64 x 64 uint16 at 1 kHz, the scenario generator's every behaviour in a
   loop, its events recorded: what pressd writes for a minute of a fast mat.
2. Times, --runs times each, alternating so both see the same machine:
   - pressd replaying it, `-d replay:FILE?speed=max`: every frame read
     back, decoded from its chunks, analysed and published (frames at the
     default 30/s), from the start of the process to the status that says
     "end of recording" (pyzmq subscriber);
   - h5py reading the same /frames, /frame_seq and /t a chunk at a time
     into numpy (what a Python user would write to go through the file),
     doing nothing with them.
   Prints each one's frames/s, median [min, max], and the ratio of the
   medians (issue 27's target: at least 3x).

The machine is whatever runs it: say what else it was doing when quoting
the figures (docs/performance.md).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import h5py
import zmq

HERE = os.path.dirname(os.path.abspath(__file__))


def make_recording(args):
    os.makedirs(args.dir, exist_ok=True)
    tag = os.path.join(args.dir, "made-%d.txt" % args.frames)
    if os.path.exists(tag):
        with open(tag) as f:
            path = f.read().strip()
        if os.path.exists(path):
            return path
    for name in os.listdir(args.dir):
        os.unlink(os.path.join(args.dir, name))
    p = subprocess.run([args.rec_write, "--no-sync", "--events", "--rows", "64", "--cols", "64", "--rate", "1000",
                        "--frames", str(args.frames), args.dir], capture_output=True, text=True, check=True)
    path = [l.split(" ", 1)[1] for l in p.stdout.splitlines() if l.startswith("path ")][0]
    with open(tag, "w") as f:
        f.write(path)
    return path


def time_replay(args, path, port):
    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"status/")
    pub, ctl = "tcp://127.0.0.1:%d" % port, "tcp://127.0.0.1:%d" % (port + 1)
    sub.connect(pub)
    t0 = time.monotonic()
    d = subprocess.Popen([os.path.join(args.bin, "pressd"), "-f", "-q", "-p", pub, "-C", ctl, "-d",
                          "replay:%s?speed=max&id=mat0" % path], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    frames = None
    try:
        while time.monotonic() - t0 < 600:
            if not sub.poll(1000):
                continue
            _, body = sub.recv_multipart()[:2]
            st = json.loads(body)
            if "end of recording" in st.get("error", ""):
                frames = st["stats"]["frames"]
                break
        took = time.monotonic() - t0
    finally:
        d.terminate()
        d.wait(30)
        sub.close(0)
    if frames is None:
        sys.exit("pressd did not reach the end of the recording")
    return frames / took


def time_h5py(path):
    t0 = time.monotonic()
    n = 0
    with h5py.File(path, "r") as f:
        frames, seq, t = f["frames"], f["frame_seq"], f["t"]
        step = frames.chunks[0] * 16
        for i in range(0, frames.shape[0], step):
            block = frames[i:i + step]
            seq[i:i + step]
            t[i:i + step]
            n += block.shape[0]
    return n / (time.monotonic() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "bin"))
    ap.add_argument("--rec-write", default=os.path.join(HERE, "..", "build", "tests", "rec_write"))
    ap.add_argument("--dir", default=os.path.join(HERE, "..", "build", "bench_data", "replay"))
    ap.add_argument("--frames", type=int, default=60000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--port", type=int, default=27555)
    args = ap.parse_args()
    path = make_recording(args)
    print("recording: %s (%.1f MB, %d frames of 64 x 64)" % (path, os.path.getsize(path) / 1e6, args.frames))
    replay, h5 = [], []
    for _ in range(args.runs):
        replay.append(time_replay(args, path, args.port))
        h5.append(time_h5py(path))
    for name, v in (("pressd replay, speed=max", replay), ("h5py, chunk by chunk", h5)):
        print("%-26s %9.0f frames/s  [%.0f, %.0f]" % (name, statistics.median(v), min(v), max(v)))
    print("ratio of the medians: %.2fx" % (statistics.median(replay) / statistics.median(h5)))


if __name__ == "__main__":
    main()
