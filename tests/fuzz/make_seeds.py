#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora into seeds/<name>/ (committed; rerun
after changing the input layout in fuzz_common.h). Independent of the C
encoders on purpose: a second reading of serial-protocols.md.

Decoder seeds (pmf, ascii, sensitronics) are: params variant byte, split
count byte, split lengths, stream. The other targets' layouts are in their
fuzz_<name>.c; RS (0x1e) separates their parts.
"""
import json
import math
import os
import struct
import zlib

RS = b'\x1e'

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


def control_seeds():
    """Every command of events.md "Control" with its arguments, the
    integration tests' refusals, and sequences (RS between requests) that
    record, look and stop within one input. Devices: m0 (streamed), r0, p0
    (/dev/null)."""
    good = [
        {"cmd": "status"},
        {"cmd": "version"},
        {"cmd": "tare", "device": "m0"},
        {"cmd": "tare", "device": "r0"},
        {"cmd": "mark", "device": "m0", "label": "start of massage"},
        {"cmd": "mark", "label": "both"},
        {"cmd": "set", "key": "hold_min_s", "value": "2"},
        {"cmd": "set", "key": "analysis.hold_min_s", "value": 2},
        {"cmd": "set", "key": "hold_min_s", "value": 2.5, "device": "m0"},
        {"cmd": "set", "key": "contact_on", "value": "5%"},
        {"cmd": "set", "key": "analysis.contact_on", "value": "5%", "device": "r0"},
        {"cmd": "set", "key": "noise", "value": 30},
        {"cmd": "set", "key": "tare_at_start", "value": True},
        {"cmd": "record_start"},
        {"cmd": "record_start", "device": "m0", "dir": "rec", "meta": {"subject": "s1", "session": 3, "notes": "x"}},
        {"cmd": "record_start", "dir": "/var/lib/pressd/recordings"},
        {"cmd": "record_stop"},
        {"cmd": "record_stop", "device": "m0"},
        {"cmd": "hotplug", "action": "add", "path": "/dev/null"},
        {"cmd": "hotplug", "action": "remove", "path": "/dev/ttyACM0"},
    ]
    bad = [
        {"cmd": "tare"}, {"cmd": "tare", "device": "nope"}, {"cmd": "tare", "device": 0},
        {"cmd": "tare", "device": None}, {"cmd": "mark", "device": "m0"}, {"cmd": "mark", "label": 5},
        {"cmd": "mark", "label": ["a"]}, {"cmd": "mark", "device": 1, "label": "x"},
        {"cmd": "set", "key": "nope", "value": "1"}, {"cmd": "set", "key": "daemon.pub", "value": "tcp://127.0.0.1:1"},
        {"cmd": "set", "key": "hold_min_s", "value": "-5"}, {"cmd": "set", "key": "hold_min_s", "value": "nan"},
        {"cmd": "set", "key": "contact_on", "value": "150%"}, {"cmd": "set", "key": "contact_on", "value": "1%"},
        {"cmd": "set", "key": "hold_min_s", "value": {"v": 2}}, {"cmd": "set", "key": "hold_min_s", "value": None},
        {"cmd": "set", "key": 5, "value": "2"}, {"cmd": "set", "value": "2"},
        {"cmd": "record_start", "device": "nope"}, {"cmd": "record_start", "meta": "not an object"},
        {"cmd": "record_start", "dir": 5}, {"cmd": "record_start", "dir": ""},
        {"cmd": "record_start", "meta": {"a": [1]}},
        {"cmd": "reboot"}, {"cmd": ""}, {"cmd": 5}, {"cmd": None}, {"cmd": ["status"]}, {},
        {"device": "m0"},
        {"cmd": "hotplug", "action": "plug", "path": "/dev/null"}, {"cmd": "hotplug", "action": "add", "path": "null"},
        {"cmd": "hotplug", "action": "add"},
    ]
    raw = [b'hello', b'{', b'{"cmd":"status"', b'{"cmd":"status"} trailing', b'{"cmd":"status",}', b'[]',
           b'"status"', b'42', b'null', b'', b'\x00\x01\x02', b'{"cmd":"mark","label":"\xff\xfe"}',
           b'{"cmd":"mark","device":"m0","label":"a\\u0000b"}', b'{"cmd":"status","cmd":"version"}',
           b'{"cmd":"set","key":"hold_min_s","value":1e400}', b'[' * 200, b'{"a":' * 50 + b'1' + b'}' * 50,
           b'{"cmd":"mark","label":"' + '\u00e9'.encode() * 300 + b'"}']
    enc = lambda r: json.dumps(r, separators=(',', ':')).encode()
    seeds = [('good-%02d' % i, enc(r)) for i, r in enumerate(good)]
    seeds += [('bad-%02d' % i, enc(r)) for i, r in enumerate(bad)]
    seeds += [('raw-%02d' % i, r) for i, r in enumerate(raw)]
    seq = [{"cmd": "record_start", "meta": {"subject": "s1"}}, {"cmd": "mark", "label": "in the file"},
           {"cmd": "status"}, {"cmd": "record_stop"}]
    seeds.append(('seq-record', RS.join(enc(r) for r in seq)))
    seeds.append(('seq-dirs', RS.join(enc(r) for r in (
        {"cmd": "record_start", "device": "m0", "dir": "../a/./b//c"}, {"cmd": "record_start", "device": "r0"},
        {"cmd": "status"}, {"cmd": "record_stop", "device": "r0"}))))
    seeds.append(('seq-set', RS.join(enc(r) for r in (
        {"cmd": "set", "key": "contact_off", "value": "3%"}, {"cmd": "set", "key": "contact_on", "value": "2%"},
        {"cmd": "tare", "device": "m0"}, {"cmd": "version"}))))
    return seeds


def config_seeds():
    """etc/pressd.conf as shipped and with its keys uncommented, the unit
    tests' files, and -s / -d lines after RS."""
    with open(os.path.join(HERE, '..', '..', 'etc', 'pressd.conf'), 'rb') as f:
        shipped = f.read()
    live = b'\n'.join(l[1:] if l.startswith(b'#') and b'=' in l and b' = ' in l else l
                      for l in shipped.split(b'\n'))
    live = live.replace(b'#[device.', b'[device.')
    full = (b'; comment\n[daemon]\npub = ipc:///run/pressd/events\nframe_rate_hz = 0\nlog_level = debug\n'
            b'[analysis]\ncontact_on = 150\nhold_min_s = 2.5\n[device.left]\nrows = 16\n'
            b'uri = /dev/pts/7?protocol=ascii\ncols = 16\n')
    devices = (b'[device.m0]\nuri = sim:mat?scenario=hold\n[device.r]\nuri = sim:roller\nrate = 50\n'
               b'[device.net]\nuri = tcp:192.0.2.10:4001\nprotocol = pmf\n[device.port]\n'
               b'uri = serial:/dev/ttyUSB0?baud=921600\nrows = 16\ncols = 16\npitch_mm = 12.5\n'
               b'units_per_count = 0.25\nunit = kPa\nfull_scale = 254\npoll = A\n')
    bad = [b'[daemon]\ncolour = red\n', b'[analysis]\nhold_min_s = soon\n', b'[analysis]\ncontact_on = 140%\n',
           b'[daemon]\npub = localhost:5555\n', b'[mats]\nx = 1\n', b'[device.m]\nspeed_of_light = 1\n',
           b'[daemon]\nthis line is not ini\n', b'[device.x]\nrows = 4\n', b'[device.a]\nuri = sim:mat?id=b\n']
    cmdline = (b'analysis.hold_min_s=2\nanalysis.noise=0.5%\nanalysis.tare_at_start=yes\n'
               b'daemon.frame_rate_hz=60\ndevice.r.uri=sim:roller\ndevice.r.rate=50\n'
               b'-d sim:mat\n-d sim:roller?id=r0\n-d /dev/pts/4?id=mat0x\n-d tcp:[::1]:4001?protocol=ascii')
    return [('shipped', shipped), ('live', live), ('full', full), ('devices', devices),
            ('cmdline', full + RS + cmdline), ('only-cmdline', RS + cmdline),
            ('override-errors', RS + b'hold_min_s=2\nanalysis.nope=1'), ('remote', b'[daemon]\npub = tcp://0.0.0.0:5555\n'
                                                                        b'allow_insecure_remote = true\n')] + \
        [('bad-%02d' % i, b) for i, b in enumerate(bad)]


def uri_seeds():
    """Every URI form of daemon.md "Device URIs" and the docs, the unit
    tests' refusals, and options after RS."""
    uris = [b'/dev/ttyACM0', b'serial:/dev/ttyUSB0?baud=921600&protocol=pmf', b'/dev/pts/3?id=mat1',
            b'/dev/pts/3?id=mat1&protocol=sensitronics&rows=16&cols=24&pitch_mm=12.5'
            b'&units_per_count=0.25&unit=kPa&full_scale=254&poll=A',
            b'tcp:bridge.local:2000', b'tcp:192.0.2.10:4001', b'tcp:[::1]:4001?protocol=ascii',
            b'sim:mat', b'sim:roller', b'sim:mat?scenario=hold&rows=16&cols=16&rate=200',
            b'sim:roller?scenario=roller&rate=200&cell_bits=8', b'sim:mat?scenario=all&rate=1000',
            b'sim:mat?rows=4&cols=4&scenario=glide', b'replay:/data/mat0-20260101T000000Z.h5?speed=max',
            b'replay:FILE.h5?speed=1&loop=1', b'auto', b'auto?protocol=pmf',
            b'serial:', b'tcp:host', b'tcp:host:99999', b'tcp::80', b'sim:carpet', b'sim:mat?cell_bits=12',
            b'sim:mat?speed=fast', b'/dev/ttyACM0?colour=red', b'/dev/ttyACM0?rows', b'/dev/ttyACM0?rows=0',
            b'/dev/ttyACM0?id=a b', b'/dev/ttyACM0?unit=psi', b'/dev/ttyACM0?poll=0x0d', b'ttyUSB0']
    seeds = [('uri-%02d' % i, u) for i, u in enumerate(uris)]
    seeds.append(('options-sim', b'sim:mat' + RS + b'scenario=pump\nrows=32\ncols=32\nrate=50\nid=m1\n'
                  b'cell_bits=16\nfull_scale=4095\npitch_mm=10'))
    seeds.append(('options-port', b'/dev/ttyUSB0' + RS + b'protocol=ascii\nbaud=115200\nunit=N\npoll=x\n'
                  b'units_per_count=0.5\nloop=0\nspeed=max'))
    return seeds


def deflate_seeds():
    """Frames as the recorder stores them: 8-bit and 16-bit cells of a
    mat with a pressure blob and sensor noise, seq/time columns, an
    incompressible block. Header: element size and level, planes, room."""
    def mat(rows, cols, nframes, bits):
        out = bytearray()
        for f in range(nframes):
            cx, cy = cols / 2 + 3 * math.sin(f / 4), rows / 2
            for r in range(rows):
                for c in range(cols):
                    v = 3000 * math.exp(-((r - cy) ** 2 + (c - cx) ** 2) / 8) + (r * 7 + c * 13 + f) % 5
                    out += struct.pack('<H', int(v)) if bits == 16 else bytes([min(255, int(v / 16))])
        return bytes(out)
    times = b''.join(struct.pack('<IQ', i, 1700000000000000 + i * 10000) for i in range(200))
    noise = bytes((i * 1103515245 + 12345) >> 16 & 0xff for i in range(3000))
    def hdr(elem, planes=1, room=0, level=0):
        return bytes([(elem - 1) | level << 4, planes - 1, room])
    return [('mat16', hdr(2, 2) + mat(16, 16, 8, 16)),
            ('mat16-8x8', hdr(2, 2) + mat(8, 8, 16, 16)),
            ('mat8', hdr(1) + mat(16, 16, 8, 8)),
            ('roller16', hdr(2, 2) + mat(1, 64, 32, 16)),
            ('times', hdr(12, 3) + times),
            ('f64', hdr(8, 8) + b''.join(struct.pack('<d', i / 7) for i in range(256))),
            ('noise', hdr(2, 2) + noise),
            ('noise-tight', hdr(1, 1, 200) + noise),
            ('runs', hdr(1) + bytes([0] * 700 + [5] * 3 + [0] * 259 + [1, 2] * 50)),
            ('level6', hdr(2, 2, 0, 6) + mat(8, 8, 4, 16)),
            ('empty', hdr(2))]


if __name__ == '__main__':
    write('pmf', pmf_seeds())
    write('ascii', ascii_seeds())
    write('sensitronics', sens_seeds())
    write('control', control_seeds())
    write('config', config_seeds())
    write('uri', uri_seeds())
    write('deflate', deflate_seeds())
