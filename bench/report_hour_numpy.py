#!/usr/bin/python3
"""What a researcher would write instead of `pressctl report` for the
numbers: h5py + numpy computing the report's maps and force curve from a
pressd recording, as docs/report.md defines them.

    report_hour_numpy.py FILE.h5 OUTDIR

Writes OUTDIR/peak.npy, pti.npy, tup.npy (rows x cols: the tared peak,
pressure-time integral and time under pressure maps) and force.npy (the
force curve: 2000 bins of frames, each bin's highest and mean force).

Reasonably efficient, not a straw man: /frames is read in blocks of whole
chunks (h5py through HDF5's own shuffle + deflate filters), each block
tared and reduced with vectorised numpy in float32 (maps summed in
float64), never the whole file in memory. Frames under one baseline are
taken together: a block is split where a /tare baseline comes into force.
Used by bench/report_hour.py, next to pressctl report on the same file.
"""
import os
import sys

import h5py
import numpy as np

BLOCK_FRAMES = 1000  # 8 MB of 64 x 64 uint16: a few hundred chunks per read
CURVE_MAX = 2000


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def main():
    path, out = sys.argv[1], sys.argv[2]
    with h5py.File(path, "r") as f:
        frames = f["frames"]
        n, rows, cols = frames.shape
        t = f["t"][:]
        unit = text(frames.attrs["unit"])
        conv = 1.0 if unit == "counts" else float(frames.attrs["conversion"])
        dev = f["device"].attrs
        rate = float(dev["rate_hz"])
        fs = float(dev["full_scale"]) or (255.0 if frames.dtype == np.uint8 else 65535.0)
        area = float(dev["pitch_x_mm"]) * float(dev["pitch_y_mm"])
        noise = text(f["analysis"].attrs.get("noise", "1%")) if "analysis" in f else "1%"
        if "tare" in f:
            tare = f["tare"][:].astype(np.float32)
            tare = tare[None] if tare.ndim == 2 else tare
            tare_t = f["tare_t"][:] if "tare_t" in f else np.full(len(tare), np.nan)
        else:
            tare, tare_t = np.zeros((0, rows, cols), np.float32), np.zeros(0)
        dt = 1.0 / rate
        thr = float(noise[:-1]) / 100 * fs * conv if noise.endswith("%") else float(noise)
        # the baseline of each frame: the last one whose tare_t <= t (NaN: from the start); -1 none
        base_of = np.searchsorted(np.where(np.isnan(tare_t), -np.inf, tare_t), t, side="right") - 1

        peak = np.zeros((rows, cols), np.float32)
        pti = np.zeros((rows, cols), np.float64)
        tup = np.zeros((rows, cols), np.int64)
        force = np.empty(n, np.float64)
        # in counts: a value is under pressure from thr / conv counts up
        thr_counts = np.float32(thr / conv)
        for b0 in range(0, n, BLOCK_FRAMES):
            b1 = min(n, b0 + BLOCK_FRAMES)
            v = frames[b0:b1].astype(np.float32)
            k = base_of[b0:b1]  # non-decreasing: each baseline's frames are a slice
            for kb in np.unique(k[k >= 0]):
                v[np.searchsorted(k, kb):np.searchsorted(k, kb, side="right")] -= tare[kb]
            np.maximum(v, 0, out=v)
            np.maximum(peak, v.max(axis=0), out=peak)
            pti += v.sum(axis=0, dtype=np.float64)
            tup += ((v > 0) & (v >= thr_counts)).sum(axis=0)
            if unit == "counts":
                force[b0:b1] = v.max(axis=(1, 2))  # no force: the peak stands in (docs/report.md)
            else:
                force[b0:b1] = v.sum(axis=(1, 2), dtype=np.float64) * conv * (1.0 if unit == "N" else area * 1e-3)
        per_bin = -(-n // CURVE_MAX)
        pad = np.full(per_bin * CURVE_MAX - n, np.nan)
        bins = np.concatenate([force, pad]).reshape(CURVE_MAX, per_bin)
        curve = np.stack([np.nanmax(bins, axis=1), np.nanmean(bins, axis=1)])
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "peak.npy"), peak.astype(np.float64) * conv)
    np.save(os.path.join(out, "pti.npy"), pti * conv * dt)
    np.save(os.path.join(out, "tup.npy"), tup * dt)
    np.save(os.path.join(out, "force.npy"), curve)


if __name__ == "__main__":
    main()
