#!/usr/bin/python3
"""Live-service figures (issue 4): latency from a frame's arrival at pressd
(its host receive time, the `time` field) to the subscriber, for frames
and for the events they produce, at 100 Hz and 1 kHz with 64x64 frames;
and pressd's CPU use and resident memory at 64x64 @ 100 Hz over time.

    bench/live_service.py [--bin build/bin] [--seconds 30] [--transport ipc|tcp|curve] [--rates 100,1000]

Runs pressd-sim (pmf, realtime, glide scenario looping) on a pty into
pressd with every frame published, and a pyzmq subscriber on the same
machine. --transport tcp uses loopback TCP, curve the same with CURVE
keys (pressctl keygen) and an allow-listed subscriber: what encryption
costs. Needs Debian's python3 (python3-zmq)."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import zmq
import zmq.auth


def percentile(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))
    return v[k]


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick  # utime + stime


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def endpoints(bindir, transport, rate, tmp):
    """pressd's -p/-C/-s arguments, the subscriber's endpoint, and its
    CURVE keys (or None)."""
    if transport == "ipc":
        pub = "ipc://%s/pub-%d" % (tmp, rate)
        return ["-p", pub, "-C", "ipc://%s/ctl-%d" % (tmp, rate)], pub, None
    pub, ctl = "tcp://127.0.0.1:%d" % free_port(), "tcp://127.0.0.1:%d" % free_port()
    args = ["-p", pub, "-C", ctl]
    if transport == "tcp":
        return args, pub, None
    keys, clients = os.path.join(tmp, "keys-%d" % rate), os.path.join(tmp, "clients-%d" % rate)
    os.makedirs(keys)
    os.makedirs(clients)
    for name in ("server", "bench"):
        subprocess.run([os.path.join(bindir, "pressctl"), "keygen", os.path.join(keys, name)], check=True,
                       stdout=subprocess.DEVNULL)
    os.rename(os.path.join(keys, "bench.key"), os.path.join(clients, "bench.key"))
    args += ["-s", "daemon.curve_key=%s/server.key_secret" % keys, "-s", "daemon.curve_clients=" + clients]
    server = zmq.auth.load_certificate(os.path.join(keys, "server.key_secret"))[0]
    public, secret = zmq.auth.load_certificate(os.path.join(keys, "bench.key_secret"))
    return args, pub, (server, public, secret)


def run(bindir, rate, seconds, tmp, transport="ipc"):
    sim = subprocess.Popen([os.path.join(bindir, "pressd-sim"), "--protocol", "pmf", "--scenario", "glide",
                            "--loop", "--rows", "64", "--cols", "64", "--rate", str(rate)],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    pty = sim.stdout.readline().strip()
    args, pub, curve = endpoints(bindir, transport, rate, tmp)
    pd = subprocess.Popen([os.path.join(bindir, "pressd"), "-f", "-q", "-d", pty + "?protocol=pmf",
                           *args, "-s", "daemon.frame_rate_hz=0"],
                          stderr=subprocess.DEVNULL)
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    if curve:
        sub.curve_serverkey, sub.curve_publickey, sub.curve_secretkey = curve
    sub.setsockopt(zmq.RCVHWM, 100000)
    sub.connect(pub)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    frame_lat, event_lat = [], []
    samples = []
    stop = time.monotonic() + seconds
    warmup = time.monotonic() + 2
    next_sample = time.monotonic()
    cpu0 = None
    while time.monotonic() < stop:
        if sub.poll(100):
            parts = sub.recv_multipart()
            now = time.time()
            msg = json.loads(parts[1])
            if time.monotonic() < warmup or "frame" not in msg:
                continue
            lat_ms = (now - msg["time"]) * 1e3
            (frame_lat if msg["type"] == "frame" else event_lat).append(lat_ms)
        if time.monotonic() >= next_sample and time.monotonic() >= warmup:
            if cpu0 is None:
                cpu0 = (time.monotonic(), cpu_seconds(pd.pid))
            samples.append((time.monotonic(), rss_kib(pd.pid)))
            next_sample = time.monotonic() + 1
    cpu1 = (time.monotonic(), cpu_seconds(pd.pid))
    pd.terminate()
    pd.wait()
    sim.terminate()
    sim.wait()
    sub.close()
    ctx.term()
    cpu_pct = 100 * (cpu1[1] - cpu0[1]) / (cpu1[0] - cpu0[0])
    return frame_lat, event_lat, cpu_pct, samples


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "../build/bin"))
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--transport", choices=("ipc", "tcp", "curve"), default="ipc")
    ap.add_argument("--rates", default="100,1000")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("64x64 uint16, pmf over a pty, every frame published over %s, subscriber on the same machine"
              % a.transport)
        print("%-8s %8s %9s %9s %9s %9s %8s %14s" % ("rate", "frames", "frame p50", "frame p99", "event p50",
                                                   "event p99", "cpu %", "rss KiB at 10 s→end"))
        for rate in (int(r) for r in a.rates.split(",")):
            fl, el, cpu, samples = run(a.bin, rate, a.seconds, tmp, a.transport)
            print("%-8s %8d %8.3fms %8.3fms %8.3fms %8.3fms %8.2f %7d→%d" % (
                "%d Hz" % rate, len(fl), percentile(fl, 50), percentile(fl, 99), percentile(el, 50),
                percentile(el, 99), cpu, samples[min(10, len(samples) - 1)][1], samples[-1][1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
