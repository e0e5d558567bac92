#!/usr/bin/python3
"""End to end at maximum speed through a pty (issue 11): a captured pmf
stream of 64x64 uint16 frames written into a pseudo-terminal as fast as
the reader takes it, with every stage on in pressd (decode, analysis,
publishing every frame to a connected subscriber, recording with an
fdatasync asked for at every flush), against the pty's own throughput measured in
the same run with dd(1): dd writes the capture into the pty's master side
in both cases, and reads it off the slave side in the first.

    bench/pipeline_pty.py [--bin build/bin] [--frames 20000] [--runs 5]

Prints, per run and as median [min, max]: MB/s and frames/s of the pty
alone, of pressd, the ratio, the CPU seconds pressd spent per 1,000
frames, the cores it kept busy (CPU seconds over elapsed seconds: near
the machine's free cores, pressd is CPU-bound), the machine's load
average as the run ended (other work competes for the same cores), and
the frames lost (must be 0). Needs Debian's python3."""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tty

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../tests/integration"))

import zmq  # noqa: E402


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_writer(master, path):
    """dd(1) writing the capture into the pty's master side, 64 KiB at a time."""
    return subprocess.Popen(["dd", "if=" + path, "bs=65536"], stdout=master, stderr=subprocess.DEVNULL)


def raw_pty():
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    path = os.ttyname(slave)
    return master, slave, path


def pty_alone(data, path_data):
    """Seconds the bytes take through a raw pty from one dd to another."""
    master, slave, path = raw_pty()
    bs = 1 << 16
    # dd in the reading seat: whole blocks, then the tail.
    n_full, tail = divmod(len(data), bs)
    dd = subprocess.Popen(["dd", "if=" + path, "of=/dev/null", "bs=%d" % bs, "iflag=fullblock",
                           "count=%d" % n_full], stderr=subprocess.DEVNULL)
    time.sleep(0.2)
    t0 = time.monotonic()
    w = start_writer(master, path_data)
    dd.wait()
    elapsed = time.monotonic() - t0
    w.kill()
    w.wait()
    os.close(master)
    os.close(slave)
    return elapsed


def pressd_run(bindir, path_data, nframes, tmp, k, extra=()):
    master, slave, path = raw_pty()
    os.close(slave)
    pub, ctl = "ipc://%s/pub-%d" % (tmp, k), "ipc://%s/ctl-%d" % (tmp, k)
    rec = os.path.join(tmp, "rec-%d" % k)
    log = open(os.path.join(tmp, "pressd-%d.log" % k), "w")
    p = subprocess.Popen([os.path.join(bindir, "pressd"), "-f", "-p", pub, "-C", ctl, "-d",
                          path + "?protocol=pmf&id=b", "-r", rec, "-s", "daemon.frame_rate_hz=0",
                          "-s", "daemon.stats_interval_s=0", *extra], stderr=log)
    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(pub)
    got = [0]
    stop = threading.Event()

    def drain():
        while not stop.is_set():
            if sub.poll(50):
                while True:
                    try:
                        sub.recv_multipart(zmq.NOBLOCK)
                        got[0] += 1
                    except zmq.Again:
                        break

    drainer = threading.Thread(target=drain, daemon=True)
    drainer.start()
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.RCVTIMEO, 2000)
    req.setsockopt(zmq.LINGER, 0)
    req.connect(ctl)

    def status():
        req.send_json({"cmd": "status"})
        return json.loads(req.recv())["devices"][0]

    time.sleep(0.5)  # pressd up, subscriber connected
    cpu0 = cpu_seconds(p.pid)
    t0 = time.monotonic()
    w = start_writer(master, path_data)
    while True:
        st = status()
        if st.get("stats", {}).get("archive_frames", 0) >= nframes:
            break
        time.sleep(0.005)
    elapsed = time.monotonic() - t0
    cpu = cpu_seconds(p.pid) - cpu0
    w.wait()
    stats = status()["stats"]
    p.terminate()
    p.wait(30)
    stop.set()
    drainer.join()
    sub.close(0)
    req.close(0)
    os.close(master)
    log.close()
    lost = stats["frames_lost"] + stats["analysis_lost"] + stats["archive_lost"]
    return elapsed, cpu, lost, stats["publish_dropped"]


def spread(values, fmt="%.1f"):
    return (fmt + " [" + fmt + ", " + fmt + "]") % (statistics.median(values), min(values), max(values))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(HERE, "../build/bin"))
    ap.add_argument("--frames", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a pressd setting for these runs (-s KEY=VALUE)")
    a = ap.parse_args()
    os.environ["PRESSD_BIN"] = a.bin
    from feeds import capture_sim
    with tempfile.TemporaryDirectory(prefix="pressd-bench-") as tmp:
        data, truth = capture_sim("-s", "glide", "--loop", "--rows", "64", "--cols", "64", "--frames",
                                  str(a.frames), truth_path=os.path.join(tmp, "truth"))
        assert len(truth) == a.frames, len(truth)
        mb = len(data) / 1e6
        path_data = os.path.join(tmp, "capture.pmf")
        with open(path_data, "wb") as f:
            f.write(data)
        print("capture: %d frames of 64x64 uint16, %.1f MB" % (a.frames, mb))
        rows = []
        for k in range(a.runs):
            t_pty = pty_alone(data, path_data)
            t_p, cpu, lost, dropped = pressd_run(a.bin, path_data, a.frames, tmp, k,
                                                 [x for kv in a.set for x in ("-s", kv)])
            load = os.getloadavg()[0]
            rows.append((mb / t_pty, mb / t_p, a.frames / t_pty, a.frames / t_p, t_pty / t_p, 1000 * cpu / a.frames,
                         lost, dropped, cpu / t_p, load))
            print("run %d: pty %.0f MB/s (%.0f frames/s), pressd %.0f MB/s (%.0f frames/s) = %.0f %% of the pty, "
                  "%.3f CPU s per 1000 frames (%.2f cores), load %.1f, lost %d, published frames dropped %d" % (
                      k + 1, rows[-1][0], rows[-1][2], rows[-1][1], rows[-1][3], 100 * rows[-1][4], rows[-1][5],
                      rows[-1][8], load, lost, dropped))
        col = list(zip(*rows))
        print("median [min, max] over %d runs:" % a.runs)
        print("  pty alone: %s MB/s, %s frames/s" % (spread(col[0]), spread(col[2])))
        print("  pressd:    %s MB/s, %s frames/s" % (spread(col[1]), spread(col[3])))
        print("  ratio:     %s %%" % spread([100 * x for x in col[4]]))
        print("  CPU:       %s s per 1000 frames, %s cores busy" % (spread(col[5], "%.3f"), spread(col[8], "%.2f")))
        print("  load:      %s (%d cores)" % (spread(col[9]), os.cpu_count()))
        print("  lost:      %d" % sum(col[6]))


if __name__ == "__main__":
    main()
