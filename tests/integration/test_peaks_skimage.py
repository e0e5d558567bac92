#!/usr/bin/python3
"""analysis.md, stage 2: "On the same frames, the peaks match what
scikit-image's peak_local_max finds with the equivalent min_distance and
threshold_abs."

pd_peaks_find (analysis/peaks.h) is run through tests/tools/peaks_dump
(frames on stdin, peak cells on stdout) and compared, frame by frame,
with skimage.feature.peak_local_max(..., exclude_border=False).

What "equivalent" means, and where the two definitions coincide
----------------------------------------------------------------
peaks.h:  candidates are cells > threshold and >= each of their 8
          neighbours (a plateau is one candidate); by value, highest first,
          a candidate closer than min_sep_mm (Euclidean, mm) to one already
          accepted is merged into it.
skimage 0.19 (feature/peak.py, _shared/coord.py): with min_distance = d,
          candidates are cells equal to the maximum of their (2d+1)×(2d+1)
          window (ndi.maximum_filter, mode='constant', cval=0) and
          > threshold_abs; then ensure_spacing, highest first, drops any
          candidate at Chebyshev distance (p_norm=inf) < d from one kept.

(a) min_sep_mm = one pitch  <->  min_distance = 1.
    skimage: 3×3 window maxima above the threshold, and ensure_spacing
    with spacing 1 drops nothing (distinct cells are >= 1 apart).
    pd: 8-neighbourhood maxima above the threshold, and no two distinct
    cells are closer than one pitch, so nothing merges. With float frames
    that have no equal neighbours (no plateaus, which skimage reports cell
    by cell and pd as one) and values >= 0 (so skimage's zero padding at
    the border is never above a cell, as pd ignores cells off the mat)
    the two are the same set, exactly. Checked on random noise.

(b) min_sep_mm = s  <->  min_distance = d = floor(s / pitch).
    Euclidean < s implies every coordinate differs by < s / pitch cells,
    so Chebyshev <= d: whatever pd merges lies inside skimage's window.
    The converse fails in the ring (Euclidean >= s, Chebyshev <= d), and
    skimage's window also suppresses a maximum under the flank of any
    higher cell within d. So the two agree on frames where every 8-local
    maximum above the threshold is either
      - a "top": the maximum of its (2d+1)² window, at least s from every
        other top (both keep it), or
      - a "satellite": lower than a top closer than s (pd merges it into
        that top, skimage's window around it holds the top),
    with no equal neighbours. Well separated Gaussian blobs (centres more
    than 2 s apart) with small noise below the threshold are such frames;
    each frame is verified to be one (with scipy's maximum_filter, not
    with either function under test) before it is compared, and frames
    that are not are regenerated and counted. (c) adds satellites — small
    bumps within s of a blob's top — so that the merging is exercised too.

Run with Debian's /usr/bin/python3 (python3-skimage, python3-numpy);
PEAKS_DUMP is the path of the peaks_dump program (ctest sets it).
"""
import itertools
import os
import subprocess
import sys
import unittest

import numpy as np
import scipy.ndimage as ndi
import skimage
from skimage.feature import peak_local_max

SEED = 20240611
PEAKS_DUMP = os.environ.get("PEAKS_DUMP")


def f32(x):
    """x as a float32 value, returned as the (exact) Python float."""
    return float(np.float32(x))


def run_dump(frames, thr, min_sep, pitch):
    """pd_peaks_find on each frame: a list of sorted lists of (row, col)."""
    rows, cols = frames[0].shape
    header = "%d %d %r %r %r %d\n" % (rows, cols, thr, min_sep, pitch, len(frames))
    body = b"".join(np.ascontiguousarray(f, dtype="<f4").tobytes() for f in frames)
    p = subprocess.run([PEAKS_DUMP], input=header.encode() + body, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=240)
    if p.returncode != 0:
        raise AssertionError("peaks_dump exited %d: %s" % (p.returncode, p.stderr.decode(errors="replace")))
    lines = p.stdout.decode().splitlines()
    if len(lines) != len(frames):
        raise AssertionError("peaks_dump printed %d lines for %d frames" % (len(lines), len(frames)))
    out = []
    for i, line in enumerate(lines):
        v = [int(x) for x in line.split()]
        n = v[0]
        if len(v) != 1 + 2 * n:
            raise AssertionError("frame %d: malformed line %r" % (i, line))
        peaks = [(v[1 + 2 * k], v[2 + 2 * k]) for k in range(n)]
        if peaks != sorted(peaks):
            raise AssertionError("frame %d: peaks_dump output not sorted: %r" % (i, line))
        out.append(peaks)
    return out


def skimage_peaks(img, thr, d):
    c = peak_local_max(img, min_distance=d, threshold_abs=thr, exclude_border=False)
    return sorted((int(r), int(q)) for r, q in c)


def has_equal_neighbours(img, mask=None):
    """Any two 8-neighbours with the same value (where mask, if given)."""
    rows, cols = img.shape
    for dr, dc in ((0, 1), (1, -1), (1, 0), (1, 1)):
        r0, r1 = max(0, -dr), rows - max(0, dr)
        c0, c1 = max(0, -dc), cols - max(0, dc)
        a = img[r0:r1, c0:c1]
        b = img[r0 + dr:r1 + dr, c0 + dc:c1 + dc]
        eq = a == b
        if mask is not None:
            eq &= mask[r0:r1, c0:c1] | mask[r0 + dr:r1 + dr, c0 + dc:c1 + dc]
        if eq.any():
            return True
    return False


def local_maxima(img, thr):
    """8-local maxima above thr (the candidates), with zero padding."""
    m = ndi.maximum_filter(img, size=3, mode="constant", cval=0.0)
    return [tuple(map(int, p)) for p in np.argwhere((img == m) & (img > thr))]


def classify(img, thr, min_sep, pitch):
    """(ok, ntops, nsatellites): is the frame one on which peaks.h and
    skimage agree (see the module comment)?"""
    d = int(np.floor(min_sep / pitch + 1e-9))
    cand = local_maxima(img, thr)
    if has_equal_neighbours(img, img > thr):
        return False, 0, 0
    win = ndi.maximum_filter(img, size=2 * d + 1, mode="constant", cval=0.0)
    tops = [p for p in cand if img[p] == win[p]]
    sats = [p for p in cand if img[p] != win[p]]

    def dist_mm(p, q):
        return pitch * np.hypot(p[0] - q[0], p[1] - q[1])

    for p, q in itertools.combinations(tops, 2):
        if dist_mm(p, q) < min_sep:
            return False, 0, 0
    for s in sats:
        if not any(img[t] > img[s] and dist_mm(s, t) < min_sep for t in tops):
            return False, 0, 0
    return True, len(tops), len(sats)


def describe(img, peaks, label):
    return ", ".join("%s(%d,%d)=%.6g" % (label, r, c, img[r, c]) for r, c in peaks)


def neighbourhood(img, p, k=2):
    r, c = p
    sub = img[max(0, r - k):r + k + 1, max(0, c - k):c + k + 1]
    return "\n".join("      " + " ".join("%9.5f" % v for v in row) for row in sub)


class PeaksMatchSkimage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not PEAKS_DUMP or not os.access(PEAKS_DUMP, os.X_OK):
            raise AssertionError("PEAKS_DUMP must name the peaks_dump program (got %r)" % PEAKS_DUMP)
        sys.stderr.write("scikit-image %s, numpy %s\n" % (skimage.__version__, np.__version__))

    def compare(self, what, frames, thr, min_sep, pitch, d):
        """pd_peaks_find(min_sep) against peak_local_max(min_distance=d)."""
        got = run_dump(frames, thr, min_sep, pitch)
        bad = []
        for i, img in enumerate(frames):
            want = skimage_peaks(img, thr, d)
            if got[i] != want:
                bad.append((i, img, got[i], want))
        if bad:
            msg = ["%s: %d of %d frames differ (threshold %r, min_sep_mm %r, pitch %r, min_distance %d)"
                   % (what, len(bad), len(frames), thr, min_sep, pitch, d)]
            for i, img, g, w in bad[:5]:
                only_pd = sorted(set(g) - set(w))
                only_sk = sorted(set(w) - set(g))
                msg.append("  frame %d (%dx%d): pd_peaks_find %d peaks, peak_local_max %d" %
                           (i, img.shape[0], img.shape[1], len(g), len(w)))
                if only_pd:
                    msg.append("    only pd_peaks_find: " + describe(img, only_pd, ""))
                    msg.append("    around (%d,%d):\n%s" % (only_pd[0] + (neighbourhood(img, only_pd[0]),)))
                if only_sk:
                    msg.append("    only peak_local_max: " + describe(img, only_sk, ""))
                    msg.append("    around (%d,%d):\n%s" % (only_sk[0] + (neighbourhood(img, only_sk[0]),)))
            self.fail("\n".join(msg))
        return got

    def test_a_random_noise_min_distance_1(self):
        """Random noise, min_sep_mm = pitch: exactly skimage's min_distance=1."""
        rng = np.random.default_rng(SEED)
        shapes = [(8, 8), (16, 24), (32, 32), (5, 40), (1, 50), (40, 1), (2, 2), (64, 48)]
        thresholds = [0.0, 0.3, 0.5, 0.8, 0.95]
        pitches = [10.0, 5.0, 7.5]
        total = peaks = 0
        for shape in shapes:
            for thr in thresholds:
                pitch = pitches[(total // 7) % len(pitches)]
                frames = []
                while len(frames) < 10:
                    img = rng.random(shape, dtype=np.float32)
                    if not has_equal_neighbours(img):
                        frames.append(img)
                got = self.compare("random noise %dx%d" % shape, frames, f32(thr), pitch, pitch, 1)
                total += len(frames)
                peaks += sum(len(g) for g in got)
        self.assertGreaterEqual(total, 400)
        self.assertGreater(peaks, 1000, "random frames should have many peaks to compare")
        sys.stderr.write("(a) %d noise frames, %d peaks, all equal\n" % (total, peaks))

    def blob_frames(self, rng, n, satellites):
        """Frames of well separated Gaussian blobs (centres > 2 min_sep
        apart), small noise below the threshold, optionally satellites;
        each verified to be in the domain where the two agree."""
        settings = [  # (rows, cols, pitch mm, min_sep mm)
            (32, 32, 10.0, 20.0), (24, 40, 10.0, 25.0), (48, 48, 5.0, 20.0),
            (40, 32, 8.0, 30.0), (32, 32, 10.0, 30.0), (64, 64, 4.0, 15.0),
        ]
        thr = f32(0.2)
        out = []  # (setting, frames)
        rejected = accepted = nsat = ntops = 0
        per = n // len(settings)
        for rows, cols, pitch, min_sep in settings:
            frames = []
            while len(frames) < per:
                img = rng.random((rows, cols), dtype=np.float32) * np.float32(0.06)
                nblobs = int(rng.integers(1, 7))
                centres = []
                tries = 0
                while len(centres) < nblobs and tries < 200:
                    tries += 1
                    c = (rng.uniform(0, rows - 1), rng.uniform(0, cols - 1))
                    if all(pitch * np.hypot(c[0] - o[0], c[1] - o[1]) > 2 * min_sep for o in centres):
                        centres.append(c)
                rr, cc = np.mgrid[0:rows, 0:cols].astype(np.float64)
                acc = np.zeros((rows, cols))
                for (r0, c0) in centres:
                    amp = rng.uniform(0.5, 1.0)
                    sig = rng.uniform(0.8, 1.5)  # cells
                    acc += amp * np.exp(-((rr - r0) ** 2 + (cc - c0) ** 2) / (2 * sig * sig))
                    if satellites and rng.random() < 0.7:
                        ang = rng.uniform(0, 2 * np.pi)
                        dist = rng.uniform(1.6, max(1.7, min_sep / pitch - 0.2))
                        acc += amp * rng.uniform(0.35, 0.6) * np.exp(
                            -((rr - r0 - dist * np.sin(ang)) ** 2 + (cc - c0 - dist * np.cos(ang)) ** 2)
                            / (2 * 0.55 ** 2))
                img = (img + acc).astype(np.float32)
                ok, t, s = classify(img, thr, min_sep, pitch)
                if not ok:
                    rejected += 1
                    continue
                accepted += 1
                ntops += t
                nsat += s
                frames.append(img)
            out.append(((rows, cols, pitch, min_sep), frames))
        return thr, out, accepted, rejected, ntops, nsat

    def run_blobs(self, label, satellites, nframes):
        rng = np.random.default_rng(SEED + (1 if satellites else 0))
        thr, sets, accepted, rejected, ntops, nsat = self.blob_frames(rng, nframes, satellites)
        for (rows, cols, pitch, min_sep), frames in sets:
            d = int(np.floor(min_sep / pitch + 1e-9))
            self.compare("%s %dx%d pitch %g min_sep %g" % (label, rows, cols, pitch, min_sep),
                         frames, thr, min_sep, pitch, d)
        # the generator must mostly make frames in the domain, or the
        # comparison would be on a biased few
        self.assertLessEqual(rejected, accepted // 4,
                             "%s: %d frames rejected for %d used: the generator is off" % (label, rejected, accepted))
        sys.stderr.write("(%s) %d frames (%d regenerated), %d peaks, %d merged satellites, all equal\n"
                         % (label, accepted, rejected, ntops, nsat))
        return accepted, ntops, nsat

    def test_b_separated_blobs(self):
        """Blobs > 2 min_sep apart, noise below the threshold."""
        accepted, ntops, _ = self.run_blobs("b", satellites=False, nframes=300)
        self.assertGreaterEqual(accepted, 300)
        self.assertGreaterEqual(ntops, 600)

    def test_c_blobs_with_satellites(self):
        """As (b), with bumps within min_sep of a top: merged by both."""
        accepted, _, nsat = self.run_blobs("c", satellites=True, nframes=600)
        self.assertGreaterEqual(accepted, 600)
        self.assertGreaterEqual(nsat, 150, "too few satellites: the merging was hardly exercised")


if __name__ == "__main__":
    unittest.main(verbosity=2)
