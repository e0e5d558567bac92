"""ZeroMQ plumbing for the event-stream and control tests: free endpoints,
a subscriber that collects every message on a thread, a REQ client that
never hangs, and the checks events.md makes of every published message."""

import json
import math
import socket
import threading
import time
import zlib

import zmq
import zmq.auth


def free_port():
    """A TCP port nobody was using a moment ago."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def free_tcp_endpoint():
    """tcp://127.0.0.1:PORT with a port nobody was using a moment ago."""
    return "tcp://127.0.0.1:%d" % free_port()


class Msg:
    """One multipart message as a subscriber received it."""

    def __init__(self, parts, wall):
        self.parts = parts
        self.wall = wall  # time.time() when it was taken off the socket
        self.topic = parts[0].decode("utf-8", "replace")
        self.body = None
        self.json_error = None
        if len(parts) > 1:
            try:
                self.body = json.loads(parts[1].decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                self.json_error = str(e)
        self.cells = parts[2] if len(parts) > 2 else None

    @property
    def type(self):
        return self.body.get("type") if isinstance(self.body, dict) else None

    @property
    def device(self):
        return self.body.get("device") if isinstance(self.body, dict) else None

    def get(self, key, default=None):
        return self.body.get(key, default) if isinstance(self.body, dict) else default

    def __repr__(self):
        text = self.parts[1][:400].decode("utf-8", "replace") if len(self.parts) > 1 else ""
        extra = " +%d bytes of cells" % len(self.cells) if self.cells is not None else ""
        return "<%s %s%s>" % (self.topic, text, extra)


class Collector:
    """A SUB socket on its own thread, appending every message to a list.
    It keeps up (no receive high-water mark) unless told otherwise; curve
    = (SERVER.key, NAME.key_secret) makes it a CURVE client."""

    def __init__(self, ctx, endpoint, topics=("",), rcvhwm=0, connect_timeout=5, curve=None):
        self.ctx = ctx
        self.curve = curve
        self.endpoint = endpoint
        self.topics = topics
        self.rcvhwm = rcvhwm
        self.msgs = []
        self.lock = threading.Lock()
        self.stop_ev = threading.Event()
        self.ready = threading.Event()
        self.error = None
        self.connected_at = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self.ready.wait(connect_timeout):
            raise AssertionError("subscriber thread did not start")
        if self.error:
            raise AssertionError("subscriber could not connect to %s: %s" % (endpoint, self.error))

    def _run(self):
        try:
            sock = self.ctx.socket(zmq.SUB)
            sock.setsockopt(zmq.LINGER, 0)
            sock.setsockopt(zmq.RCVHWM, self.rcvhwm)
            if self.curve:
                sock.curve_serverkey = zmq.auth.load_certificate(self.curve[0])[0]
                sock.curve_publickey, sock.curve_secretkey = zmq.auth.load_certificate(self.curve[1])
            for t in self.topics:
                sock.setsockopt(zmq.SUBSCRIBE, t.encode())
            sock.connect(self.endpoint)
            self.connected_at = time.time()
        except zmq.ZMQError as e:
            self.error = str(e)
            self.ready.set()
            return
        self.ready.set()
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        try:
            while not self.stop_ev.is_set():
                if not poller.poll(50):
                    continue
                batch = []
                while True:
                    try:
                        parts = sock.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    batch.append(Msg(parts, time.time()))
                    if len(batch) >= 1000:
                        break
                with self.lock:
                    self.msgs.extend(batch)
        finally:
            sock.close(0)

    def snapshot(self):
        with self.lock:
            return list(self.msgs)

    def wait_for(self, predicate, timeout, proc=None):
        """Polls predicate(messages so far) until true or timeout; False then.
        Gives up early when proc (a Popen) has exited, after a last look."""
        deadline = time.monotonic() + timeout
        while True:
            got = predicate(self.snapshot())
            if got:
                return got
            if time.monotonic() >= deadline:
                return got
            if proc is not None and proc.poll() is not None:
                time.sleep(0.3)
                return predicate(self.snapshot())
            time.sleep(0.02)

    def stop(self):
        self.stop_ev.set()
        self.thread.join(5)
        return self.snapshot()


def bodies(msgs, type=None, device=None, phase=None):
    """The JSON objects of the messages matching type/device/phase."""
    out = []
    for m in msgs:
        b = m.body
        if not isinstance(b, dict):
            continue
        if type is not None and b.get("type") != type:
            continue
        if device is not None and b.get("device") != device:
            continue
        if phase is not None and b.get("phase") != phase:
            continue
        out.append(b)
    return out


def state_changes(msgs, device):
    """The device's states as its status messages told them, repeats folded."""
    out = []
    for b in bodies(msgs, "status", device):
        s = b.get("state")
        if not out or out[-1] != s:
            out.append(s)
    return out


def tail(text, n=2500):
    return text[-n:]


# ---- the checks of events.md -------------------------------------------

NUMBER = "number"
INT = "int"
STR = "str"
BOOL = "bool"
LIST = "list"
OBJ = "object"

INFO_FIELDS = {"kind": STR, "model": STR, "serial": STR, "firmware": STR, "rows": INT, "cols": INT,
               "pitch_x_mm": NUMBER, "pitch_y_mm": NUMBER, "rate_hz": NUMBER, "units": STR,
               "full_scale": NUMBER}
STATS_FIELDS = ("frames", "bytes", "crc_errors", "decode_errors", "resyncs", "frames_lost",
                "publish_dropped", "analysis_lost", "archive_frames", "archive_lag", "archive_lost")

# type -> {field: kind} every message of the type carries (in each phase)
FIELDS = {
    "status": {"state": STR, "stats": OBJ},
    "contact": {"phase": STR, "id": INT, "x": NUMBER, "y": NUMBER, "col": NUMBER, "row": NUMBER,
                "cop_x": NUMBER, "cop_y": NUMBER, "peak": NUMBER, "area_mm2": NUMBER, "units": STR},
    "press": {"id": INT, "contact": INT, "site": INT, "t_start": NUMBER, "duration": NUMBER, "peak": NUMBER,
              "mean": NUMBER, "impulse": NUMBER, "x": NUMBER, "y": NUMBER, "units": STR},
    "hold": {"phase": STR, "id": INT, "contact": INT, "site": INT, "x": NUMBER, "y": NUMBER, "t_start": NUMBER,
             "duration": NUMBER, "peak": NUMBER, "mean": NUMBER, "impulse": NUMBER, "drift_mm": NUMBER,
             "target_s": NUMBER, "reached": BOOL, "units": STR},
    "pulses": {"id": INT, "site": INT, "x": NUMBER, "y": NUMBER, "count": INT, "durations": LIST, "t_start": NUMBER,
               "t_end": NUMBER, "units": STR, "mean_peak": NUMBER},
    "stroke": {"id": INT, "contact": INT, "site": INT, "x0": NUMBER, "y0": NUMBER, "x1": NUMBER, "y1": NUMBER,
               "length_mm": NUMBER, "duration": NUMBER, "speed_mm_s": NUMBER, "direction_deg": NUMBER,
               "mean": NUMBER, "peak": NUMBER, "pass": INT, "units": STR},
    "roll": {"id": INT, "from_mm": NUMBER, "to_mm": NUMBER, "length_mm": NUMBER, "duration": NUMBER,
             "speed_mm_s": NUMBER, "direction": INT, "mean_force": NUMBER, "peak_force": NUMBER,
             "peak_axis_mm": NUMBER, "units": STR},
    "site": {"phase": STR, "id": INT, "x": NUMBER, "y": NUMBER, "bout": INT, "t_start": NUMBER,
             "duration": NUMBER, "compression_s": NUMBER, "hold_s": NUMBER, "hold_reached": BOOL,
             "released": BOOL, "pulses": INT, "pulse_s": NUMBER, "passes": INT, "direction_deg": NUMBER,
             "spread_deg": NUMBER, "compressed": BOOL, "glided": BOOL, "combined": BOOL, "over": BOOL,
             "next": STR, "remaining_s": NUMBER, "peak": NUMBER, "units": STR},
    "tare": {"frames": INT, "mean": NUMBER, "units": STR},
    "mark": {"label": STR},
    "recording": {"phase": STR, "path": STR, "frames": INT},
    "frame": {"rows": INT, "cols": INT, "dtype": STR, "units": STR, "units_per_count": NUMBER},
}
PHASES = {"contact": ("start", "move", "end"), "hold": ("start", "progress", "end"),
          "site": ("start", "update", "end"),
          "recording": ("start", "stop", "rotate")}
# messages a frame produced carry t and frame; these never come from a frame
FRAME_PRODUCED = ("contact", "press", "hold", "pulses", "stroke", "roll", "site", "tare", "frame")
NOT_FROM_A_FRAME = ("mark", "recording")
STATES = ("connecting", "streaming", "disconnected", "error")


def _kind_ok(v, kind):
    if kind == NUMBER:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if kind == INT:
        return isinstance(v, int) and not isinstance(v, bool)
    if kind == STR:
        return isinstance(v, str)
    if kind == BOOL:
        return isinstance(v, bool)
    if kind == LIST:
        return isinstance(v, list)
    if kind == OBJ:
        return isinstance(v, dict)
    raise ValueError(kind)


def _nulls(v, path="$"):
    if v is None:
        return [path]
    if isinstance(v, dict):
        return [p for k, x in v.items() for p in _nulls(x, "%s.%s" % (path, k))]
    if isinstance(v, list):
        return [p for i, x in enumerate(v) for p in _nulls(x, "%s[%d]" % (path, i))]
    return []


def _fields(obj, spec, where):
    out = []
    for k, kind in spec.items():
        if k not in obj:
            out.append("%s: no '%s'" % (where, k))
        elif not _kind_ok(obj[k], kind):
            out.append("%s: '%s' is %r, expected a %s" % (where, k, obj[k], kind))
    return out


def check_status_fields(b, where):
    """state/info/stats/error of a status event or of a control status device."""
    out = []
    if b.get("state") not in STATES:
        out.append("%s: state %r is not one of %s" % (where, b.get("state"), STATES))
    stats = b.get("stats")
    if isinstance(stats, dict):
        for k in STATS_FIELDS:
            if not _kind_ok(stats.get(k), INT) or stats.get(k) < 0:
                out.append("%s: stats.%s is %r, expected a count" % (where, k, stats.get(k)))
    else:
        out.append("%s: stats is %r" % (where, stats))
    if b.get("state") == "streaming" or "info" in b:
        info = b.get("info")
        if not isinstance(info, dict):
            out.append("%s: a streaming device has no info object: %r" % (where, info))
        else:
            out += _fields(info, INFO_FIELDS, where + " info")
    if "error" in b and not (isinstance(b["error"], str) and b["error"]):
        out.append("%s: error is %r, expected text" % (where, b["error"]))
    return out


def problems(m, now_slack=120.0):
    """Everything wrong with one message, as a list of sentences."""
    where = repr(m)[:300]
    if m.json_error is not None:
        return ["%s: part 2 is not JSON: %s" % (where, m.json_error)]
    b = m.body
    if not isinstance(b, dict):
        return ["%s: part 2 is not a JSON object" % where]
    out = []
    t = b.get("type")
    want_parts = 3 if t == "frame" else 2
    if len(m.parts) != want_parts:
        out.append("%s: %d parts, expected %d" % (where, len(m.parts), want_parts))
    if m.topic != "%s/%s" % (t, b.get("device")):
        out.append("%s: topic %r is not type/device %r" % (where, m.topic, "%s/%s" % (t, b.get("device"))))
    if b.get("v") != 1 or isinstance(b.get("v"), bool):
        out.append("%s: v is %r, expected 1" % (where, b.get("v")))
    if not isinstance(b.get("device"), str) or not b.get("device"):
        out.append("%s: device is %r" % (where, b.get("device")))
    if not _kind_ok(b.get("seq"), INT) or b.get("seq") < 0:
        out.append("%s: seq is %r" % (where, b.get("seq")))
    tm = b.get("time")
    if not _kind_ok(tm, NUMBER):
        out.append("%s: time is %r, expected UTC seconds" % (where, tm))
    elif abs(tm - m.wall) > now_slack:
        out.append("%s: time %.3f is %.1f s from the wall clock when it arrived" % (where, tm, tm - m.wall))
    nulls = _nulls(b)
    if nulls:
        out.append("%s: null at %s (fields with no value are left out)" % (where, ", ".join(nulls)))
    if t not in FIELDS:
        out.append("%s: unknown type %r" % (where, t))
        return out
    out += _fields(b, FIELDS[t], where)
    if t in PHASES and b.get("phase") not in PHASES[t]:
        out.append("%s: phase %r, expected one of %s" % (where, b.get("phase"), PHASES[t]))
    if t in FRAME_PRODUCED:
        if not _kind_ok(b.get("t"), NUMBER) or b.get("t") < 0:
            out.append("%s: t is %r (a frame produced it)" % (where, b.get("t")))
        if not _kind_ok(b.get("frame"), INT) or b.get("frame") < 0:
            out.append("%s: frame is %r (a frame produced it)" % (where, b.get("frame")))
    if t in NOT_FROM_A_FRAME:
        for k in ("t", "frame"):
            if k in b:
                out.append("%s: has '%s' though no frame produced it" % (where, k))
    if t == "status":
        out += check_status_fields(b, where)
    if t == "contact" and b.get("phase") == "end" and not _kind_ok(b.get("duration"), NUMBER):
        out.append("%s: contact end without a duration" % where)
    if t == "contact" and "force" in b and not _kind_ok(b["force"], NUMBER):
        out.append("%s: force is %r" % (where, b["force"]))
    if t == "pulses" and isinstance(b.get("durations"), list):
        if len(b["durations"]) != b.get("count") or not all(_kind_ok(x, NUMBER) for x in b["durations"]):
            out.append("%s: durations %r do not match count %r" % (where, b["durations"], b.get("count")))
    if t == "roll" and b.get("direction") not in (1, -1):
        out.append("%s: direction %r, expected +1 or -1" % (where, b.get("direction")))
    if t == "frame":
        if b.get("dtype") not in ("uint8", "uint16"):
            out.append("%s: dtype %r" % (where, b.get("dtype")))
        elif m.cells is not None and _kind_ok(b.get("rows"), INT) and _kind_ok(b.get("cols"), INT):
            size = b["rows"] * b["cols"] * (2 if b["dtype"] == "uint16" else 1)
            if len(m.cells) != size:
                out.append("%s: part 3 has %d bytes, rows x cols x cell size is %d" % (where, len(m.cells), size))
    for k in ("units",):
        if k in FIELDS[t] and isinstance(b.get(k), str) and not b[k]:
            out.append("%s: empty units" % where)
    return out


def sequence_problems(msgs):
    """seq must go +1 per (type, device) for a subscriber that keeps up. A
    byte-identical repeat of a status (a last-value cache replaying it to a
    newcomer) is tolerated and reported separately."""
    last = {}
    out, repeats = [], []
    for m in msgs:
        b = m.body
        if not isinstance(b, dict) or not isinstance(b.get("seq"), int):
            continue
        key = (b.get("type"), b.get("device"))
        if key in last:
            prev_seq, prev_raw = last[key]
            if b["seq"] == prev_seq and m.parts[1] == prev_raw and b.get("type") == "status":
                repeats.append(m)
                continue
            if b["seq"] != prev_seq + 1:
                out.append("%s/%s: seq %d after %d" % (key[0], key[1], b["seq"], prev_seq))
        last[key] = (b["seq"], m.parts[1])
    return out, repeats


def crc(cells):
    return zlib.crc32(cells) & 0xFFFFFFFF


class Control:
    """A REQ client that never hangs: a fresh socket per request, so a
    request that timed out leaves nothing behind."""

    def __init__(self, ctx, endpoint, timeout=3.0):
        self.ctx = ctx
        self.endpoint = endpoint
        self.timeout = timeout

    def raw(self, parts, timeout=None):
        """Sends parts (bytes or a list of bytes); the reply's parts, or None on timeout."""
        if isinstance(parts, (bytes, bytearray)):
            parts = [bytes(parts)]
        s = self.ctx.socket(zmq.REQ)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVTIMEO, int((timeout or self.timeout) * 1000))
        s.setsockopt(zmq.SNDTIMEO, int((timeout or self.timeout) * 1000))
        try:
            s.connect(self.endpoint)
            s.send_multipart(parts)
            return s.recv_multipart()
        except zmq.Again:
            return None
        finally:
            s.close(0)

    def call(self, req, timeout=None):
        """req: a dict (sent as JSON) or bytes. The reply as a dict; raises
        AssertionError on no reply or a reply that is not one JSON object."""
        data = json.dumps(req).encode() if isinstance(req, dict) else req
        rep = self.raw(data, timeout)
        shown = data[:200]
        if rep is None:
            raise AssertionError("no reply within %.1f s to %r" % (timeout or self.timeout, shown))
        if len(rep) != 1:
            raise AssertionError("reply to %r has %d parts, expected 1" % (shown, len(rep)))
        try:
            obj = json.loads(rep[0].decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise AssertionError("reply to %r is not JSON (%s): %r" % (shown, e, rep[0][:300]))
        if not isinstance(obj, dict) or not isinstance(obj.get("ok"), bool):
            raise AssertionError("reply to %r is not an object with a boolean ok: %r" % (shown, obj))
        return obj
