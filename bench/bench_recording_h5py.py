#!/usr/bin/python3
"""h5py writing what bench_recording writes with recording/: the same
frames (a file of uint16 64x64 frames that bench_recording hands over), the
same datasets (/frames, /frame_seq, /t, /time), chunks and filters
(shuffle + gzip at the same level), SWMR with libver="latest", a flush
every 2000 frames. Frames go in a chunk at a time (resize, then a slice
assignment of the whole chunk), h5py's fastest way.

    bench_recording_h5py.py POOL DIR CHUNK LEVEL SECONDS

Prints one row of bench_recording's table. Run by bench_recording itself;
Debian's /usr/bin/python3 with python3-h5py and python3-numpy.
"""
import os
import sys
import time

import h5py
import numpy as np

ROWS, COLS, RATE = 64, 64, 2000


def main():
    pool_path, out_dir, chunk, level, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    pool = np.fromfile(pool_path, dtype="<u2").reshape(-1, ROWS, COLS)
    path = os.path.join(out_dir, "bench_recording_h5py.h5")
    t0, c0 = time.monotonic(), time.process_time()
    f = h5py.File(path, "w", libver="latest")
    opts = dict(shuffle=True, compression="gzip", compression_opts=level)
    frames = f.create_dataset("frames", (0, ROWS, COLS), "<u2", maxshape=(None, ROWS, COLS), chunks=(chunk, ROWS, COLS), **opts)
    seq = f.create_dataset("frame_seq", (0,), "<u4", maxshape=(None,), chunks=(1024,), **opts)
    t = f.create_dataset("t", (0,), "<f8", maxshape=(None,), chunks=(1024,), **opts)
    tm = f.create_dataset("time", (0,), "<f8", maxshape=(None,), chunks=(1024,), **opts)
    f.swmr_mode = True
    n, next_flush = 0, RATE
    npool = len(pool)
    while time.monotonic() - t0 < secs:
        idx = np.arange(n, n + chunk)
        block = pool[idx % npool]
        for ds in (frames, seq, t, tm):
            ds.resize(n + chunk, axis=0)
        frames[n:n + chunk] = block
        seq[n:n + chunk] = idx.astype("<u4")
        t[n:n + chunk] = idx / RATE
        tm[n:n + chunk] = 1790000000.0 + idx / RATE
        n += chunk
        if n >= next_flush:
            f.flush()
            next_flush += RATE
    f.close()
    elapsed, cpu = time.monotonic() - t0, time.process_time() - c0
    size = os.path.getsize(path)
    os.unlink(path)
    fps = n / elapsed
    nbytes = ROWS * COLS * 2
    print("| %-44s | %9.0f | %7.1f | %6.2f | %5.1f %% | %6.2f |" % ("h5py 3.7 (bench_recording_h5py.py)", fps,
                                                                   fps * nbytes / 1e6, n * nbytes / size,
                                                                   100.0 * RATE / fps, 1e6 * cpu / n), flush=True)


if __name__ == "__main__":
    main()
