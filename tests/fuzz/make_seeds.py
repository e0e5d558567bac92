#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora into seeds/<name>/ (committed; rerun
after changing the input layout in fuzz_common.h). Independent of the C
encoders on purpose: a second reading of serial-protocols.md.

Each seed is: params variant byte, split count byte, split lengths, stream.
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def pmf_packet(ptype, payload):
    body = bytes([ptype, 0]) + struct.pack('<I', len(payload)) + payload
    return b'\xa5\x5a' + body + struct.pack('<I', zlib.crc32(body))


def pmf_info(kind=1, bits=8, rows=2, cols=3, model=b'seed', serial=b'S1'):
    p = struct.pack('<BBBBHHffffIfI', 1, kind, bits, 0, rows, cols, 10.0, 10.0,
                    100.0, 0.0, 255 if bits == 8 else 4095,
                    60.0 if kind == 2 else 0.0, 2048 if kind == 2 else 0)
    p += model.ljust(32, b'\0') + serial.ljust(32, b'\0') + b'1.0'.ljust(16, b'\0')
    return pmf_packet(0x01, p + bytes(12))


def pmf_frame(seq, cells, enc=0, bits=8):
    hdr = struct.pack('<IQB3x', seq, seq * 10000, enc)
    if enc == 0:
        body = bytes(cells) if bits == 8 else b''.join(struct.pack('<H', c) for c in cells)
    else:
        toks, i = [], 0
        while i < len(cells):
            if cells[i]:
                toks.append(cells[i])
                i += 1
                continue
            n = 0
            while i < len(cells) and cells[i] == 0 and n < (255 if bits == 8 else 65535):
                n += 1
                i += 1
            toks += [0, n]
        body = bytes(toks) if bits == 8 else b''.join(struct.pack('<H', t) for t in toks)
    return pmf_packet(0x02, hdr + body)


def pmf_roller(seq, enc, cells):
    hdr = struct.pack('<IQiHH', seq, seq * 5000, enc, len(cells), 0)
    return pmf_packet(0x03, hdr + b''.join(struct.pack('<H', c) for c in cells))


def seed(variant, cuts, stream):
    return bytes([variant, len(cuts)]) + bytes(cuts) + stream


def write(name, seeds):
    d = os.path.join(HERE, 'seeds', name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    for i, (tag, data) in enumerate(seeds):
        with open(os.path.join(d, '%02d-%s' % (i, tag)), 'wb') as fh:
            fh.write(data)


def pmf_seeds():
    mat = pmf_info()
    f = [pmf_frame(i, [i, 0, 0, 0, 5, 6], enc=i % 2) for i in range(4)]
    mat16 = pmf_info(bits=16, rows=4, cols=4)
    f16 = [pmf_frame(i, [0] * 10 + [1000, 0, 4095, 0, 0, 7], enc=i % 2, bits=16) for i in range(3)]
    roller = pmf_info(kind=2, bits=16, rows=1, cols=4)
    rs = [pmf_roller(i, -100 * i, [i, 0, 300, 4095]) for i in range(3)]
    log = pmf_packet(0x04, b'\x06hello')
    ack = pmf_packet(0x81, b'\x02\x00')
    bad = bytearray(f[1])
    bad[-1] ^= 0xff
    return [
        ('mat', seed(0, [], mat + b''.join(f))),
        ('mat-split', seed(1, [3, 1, 7, 20], mat + b''.join(f))),
        ('mat16', seed(0, [], mat16 + b''.join(f16))),
        ('roller', seed(0, [9], roller + b''.join(rs))),
        ('log-ack', seed(0, [], log + ack + pmf_packet(0x80, b'\x01'))),
        ('garbage', seed(0, [], b'junk\xa5\x00' + mat + b'\xa5\x5a\x02\x00\xff\xff\x00\x00' +
                         bytes(bad) + f[2] + f[0][:9] + f[3])),
        ('before-info', seed(0, [], f[0] + mat + f[1])),
        # Top bit of byte 0: the fuzzer fixes CRCs, so payload edits stay
        # visible to the decoders behind the lexer.
        ('fixcrc-mat', seed(0x80, [], mat + b''.join(f))),
        ('fixcrc-mat16', seed(0x80, [5], mat16 + b''.join(f16))),
        ('fixcrc-roller', seed(0x81, [], roller + b''.join(rs))),
        ('zero-run-errors', seed(0x80, [], mat +
                                 pmf_packet(0x02, struct.pack('<IQB3x', 1, 1, 1) + bytes([1, 2, 3, 4, 5, 0])) +
                                 pmf_packet(0x02, struct.pack('<IQB3x', 2, 2, 1) + bytes([0, 0, 1, 2, 3, 4])) +
                                 pmf_packet(0x02, struct.pack('<IQB3x', 3, 3, 1) + bytes([1, 0, 6])) +
                                 mat16 +
                                 pmf_packet(0x02, struct.pack('<IQB3x', 4, 4, 1) + bytes([0, 0, 16, 0, 0])) +
                                 pmf_packet(0x03, struct.pack('<IQiHH', 1, 1, 1, 3, 0) + bytes(6)))),
    ]


def ascii_seeds():
    single = b'1,2,3,4,5,6\r\n7;8 9\t10, 11 ,12\n'
    block = b'1,2,3\n4,5,6\n\n7,8,9\r\n10,11,12\r\n\r\n'
    header = b'# rows=2 cols=2 full_scale=255 model=M serial=S pitch_mm=5 rate=50\n1,2,3,4\n'
    return [
        ('single', seed(1, [], single)),
        ('single-split', seed(1, [4, 0, 9], single)),
        ('block', seed(0, [], block)),
        ('block-poll', seed(4, [], block)),
        ('header', seed(0, [], header)),
        ('header-geom', seed(7, [], header + b'# cols=3\n1,2,3\n4,5,6\n\n')),
        ('bad', seed(1, [], b'5,6\n1,x,3\n-1\n65536,1\n# rows=abc\n1,2,3,4,5,6\n')),
        ('roww', seed(2, [], b'1 2 3 4\n\n1 2\n3 4\n\n')),
        # More values than the initial buffer holds: growth is fuzzed too.
        ('big-block', seed(4, [], b''.join(b','.join(b'%d' % ((r * c) % 10) for c in range(24)) + b'\n'
                                           for r in range(24)) + b'\n')),
    ]


def sens_seeds():
    return [
        ('frames', seed(0, [], bytes([1, 2, 3, 4, 5, 254, 0xff, 0, 6, 0xff, 0, 2, 9, 0, 1, 8, 0xff]))),
        ('partial', seed(0, [2], bytes([4, 5, 0xff, 7, 0, 5, 0xff]))),
        ('broken', seed(0, [], bytes([0xff, 1, 0, 0, 0xff, 0, 0xff, 1, 2, 3, 4, 5, 6, 7, 0xff]))),
        ('big', seed(3, [], bytes([0xff, 0, 254, 0, 2, 0xff, 7] + [0, 254] + [0, 1] + [0xff]))),
        ('runs', seed(4, [], bytes([0xff, 0, 254, 0, 46, 0xff, 9, 0, 254, 0, 45, 0xff]))),
    ]


if __name__ == '__main__':
    write('pmf', pmf_seeds())
    write('ascii', ascii_seeds())
    write('sensitronics', sens_seeds())
