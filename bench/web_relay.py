#!/usr/bin/python3
"""pressd-web relay figures (issue 12): frames per second and bytes per
second each WebSocket client receives, latency from a frame's `time` to
its arrival at the client (p50/p95/max), and pressd-web's own CPU, with 1
and 8 clients at once; beside them a direct pyzmq subscriber of pressd
(what a user would otherwise take). 64x64 cells at 100 Hz, pressd
publishing 30 frames/s (its default).

    bench/web_relay.py [--bin build/bin] [--seconds 15] [--clients 1,8]

Clients are websocket-client threads on the same machine (Debian's
python3-websocket), not browsers: the browser's paint rate and renderer CPU
are not measured here."""

import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import websocket
import zmq


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100 * len(v)))] if v else float("nan")


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client(port, seconds, out, token):
    ws = websocket.create_connection("ws://127.0.0.1:%d/ws" % port, origin="http://127.0.0.1:%d" % port,
                                     header=["Authorization: token " + token])
    ws.settimeout(1)
    lat, n, nbytes = [], 0, 0
    t0 = time.monotonic()
    skip_until = t0 + 1  # the late-joiner burst is not live traffic
    while time.monotonic() - t0 < seconds:
        try:
            op, data = ws.recv_data()
        except websocket.WebSocketTimeoutException:
            continue
        now = time.time()
        if time.monotonic() < skip_until:
            continue
        nbytes += len(data)
        if op == websocket.ABNF.OPCODE_BINARY:
            (k,) = struct.unpack_from("<I", data)
            h = json.loads(data[4:4 + k])
            lat.append((now - h["time"]) * 1000)
            n += 1
    ws.close()
    out.append((n / (seconds - 1), nbytes / (seconds - 1), lat))


def zmq_client(ep, seconds, out):
    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.SUB)
    s.setsockopt(zmq.SUBSCRIBE, b"frame/")
    s.connect(ep)
    s.setsockopt(zmq.RCVTIMEO, 1000)
    lat, n = [], 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        try:
            parts = s.recv_multipart()
        except zmq.Again:
            continue
        if time.monotonic() - t0 < 1:
            continue
        lat.append((time.time() - json.loads(parts[1])["time"]) * 1000)
        n += 1
    s.close(0)
    out.append((n / (seconds - 1), 0, lat))


def start(bin_dir, prefix):
    """pressd on a 64x64 100 Hz glide and pressd-web beside it, on a free
    port: (pressd, pressd-web, pressd's pub endpoint, the web port)."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    pub, ctl = "ipc://%s/pub" % tmp, "ipc://%s/ctl" % tmp
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    d = subprocess.Popen([os.path.join(bin_dir, "pressd"), "-f", "-q", "-d", "sim:mat?scenario=glide&rows=64&cols=64&rate=100",
                          "-p", pub, "-C", ctl], stderr=subprocess.DEVNULL)
    token_file = os.path.join(tmp, "web.token")
    w = subprocess.Popen([os.path.join(bin_dir, "pressd-web"), "-f", "-q", "-p", pub, "-C", ctl,
                          "-l", "127.0.0.1:%d" % port, "--token-file", token_file], stderr=subprocess.DEVNULL)
    time.sleep(2)
    with open(token_file) as f:
        w.token = f.read().strip()  # pressd-web's secret (docs/security.md)
    return d, w, pub, port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build", "bin"))
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--clients", default="1,8")
    a = ap.parse_args()
    d, w, pub, port = start(a.bin, "pressd-bench-web-")
    print("| clients | frames/s per client | bytes/s per client | latency p50 / p95 / max (ms) | pressd-web CPU (% of a core) |")
    print("|---|---|---|---|---|")
    try:
        out = []
        zmq_client(pub, a.seconds, out)
        fps, _, lat = out[0]
        print("| pyzmq subscriber of pressd (no pressd-web) | %.1f | - | %.1f / %.1f / %.1f | - |"
              % (fps, pct(lat, 50), pct(lat, 95), max(lat)))
        for n in [int(x) for x in a.clients.split(",")]:
            out = []
            c0, t0 = cpu_s(w.pid), time.monotonic()
            ts = [threading.Thread(target=client, args=(port, a.seconds, out, w.token)) for _ in range(n)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            cpu = (cpu_s(w.pid) - c0) / (time.monotonic() - t0) * 100
            lat = [x for _, _, l in out for x in l]
            print("| %d | %.1f (min %.1f) | %.0f | %.1f / %.1f / %.1f | %.1f |"
                  % (n, sum(f for f, _, _ in out) / n, min(f for f, _, _ in out), sum(b for _, b, _ in out) / n,
                     pct(lat, 50), pct(lat, 95), max(lat), cpu))
        stats = json.loads(subprocess.run(["curl", "-s", "-H", "Authorization: token " + w.token,
                                           "http://127.0.0.1:%d/api/stats" % port],
                                          capture_output=True, text=True).stdout or "{}")
        print("\npressd-web /api/stats at the end: received %s, sent %s, dropped %s"
              % (stats.get("received"), stats.get("sent"), stats.get("dropped")))
    finally:
        w.terminate(); d.terminate()
        w.wait(10); d.wait(20)


if __name__ == "__main__":
    sys.exit(main())
