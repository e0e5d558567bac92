#!/usr/bin/python3
"""Writes seeds/{xsensor,emed,novel_asc,stappone}/ for the importers' fuzz
targets (docs/fuzzing.md), cut from the pressuRe fixtures
(../../../shared/fixtures/vendors, MIT, the pressuRe authors): the first
frames of each, a copy cut inside a frame, and for pliance a copy with its
first sensors only (its corner block alone is larger than -max_len).
Run it again after changing a fixture; make_seeds.py writes the others."""

import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "../../../shared/fixtures/vendors")
if not os.path.isdir(FIXTURES):
    FIXTURES = "/work/shared/fixtures/vendors"
ATTRIBUTION = ("Cut from %s of the R package pressuRe 0.2.7 (inst/extdata),\n"
               "MIT licence, copyright the pressuRe authors (Scott Telfer, Ellen Li);\n"
               "see ../../../../../shared/fixtures/vendors/README.md in the project tree.\n")


def read(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def write(target, files, source):
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    for name, data in files.items():
        assert len(data) <= 65536, (name, len(data))
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    with open(os.path.join(d, "ATTRIBUTION"), "w") as f:
        f.write(ATTRIBUTION % source)


def xsensor():
    raw = read("xsensor_data.csv")
    starts = [m.start() for m in re.finditer(rb"\nFRAME,", raw)]
    three = raw[:starts[3] + 1]
    write("xsensor", {"xsensor_3_frames.csv": three, "xsensor_truncated.csv": raw[:starts[1] + 2000]},
          "xsensor_data.csv")


def emed():
    raw = read("emed_test.lst")
    pages = raw.split(b"\f")
    write("emed", {"emed_3_pages.lst": b"\f".join(pages[:3]) + b"\f",
                   "emed_truncated.lst": b"\f".join(pages[:2])[:-3000]}, "emed_test.lst")


def novel_asc():
    """pliance: the first 24 sensors (one column of the mat) of a few
    frames, the MPP/MVP lines, a few force lines and the corner block."""
    lines = read("pliance_test.asc").split(b"\r\n")
    keep = 25  # the time column and 24 sensors

    def cut(l):
        f = l.split()
        return b"  ".join(f[:keep]) if f else l

    head = next(i for i, l in enumerate(lines) if l.startswith(b"time[secs]"))
    mpp = next(i for i, l in enumerate(lines) if l.strip().startswith(b"MPP"))
    force = next(i for i, l in enumerate(lines) if b"force[N]" in l)
    sensor = next(i for i, l in enumerate(lines) if l.startswith(b"sensor "))
    out = lines[:head] + [cut(l) for l in lines[head:head + 60]] + [cut(lines[mpp]), cut(lines[mpp + 1])]
    out += lines[mpp + 2:force + 8] + [b""] * 2 + [cut(l) for l in lines[sensor:]]
    pliance = b"\r\n".join(out)
    pedar = read("pedar_example.asc").split(b"\n")
    total = pedar[:10] + pedar[10:30]
    pedar_short = b"\n".join(total).replace(b"15.050", b"0.200") + b"\n"
    write("novel_asc", {"pliance_24_sensors.asc": pliance, "pedar_20_frames.asc": pedar_short,
                        "pedar_truncated.asc": b"\n".join(total)[:-700]}, "pliance_test.asc and pedar_example.asc")


def stappone():
    lines = read("stappone_example.csv").split(b"\n")
    write("stappone", {"stappone_100.csv": b"\n".join(lines[:101]) + b"\n",
                       "stappone_truncated.csv": b"\n".join(lines[:20])[:-9]}, "stappone_example.csv")


if __name__ == "__main__":
    xsensor()
    emed()
    novel_asc()
    stappone()
