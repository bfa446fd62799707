#!/usr/bin/python3
"""Hostile stream input on the native socket (compat-tests/streams test 13).

usage: hostile-streams.py cases         the single-connection cases below
       hostile-streams.py stall SECS SOURCE
                                        open 3 record streams (maxlength
                                        1 MiB each) that each produce
                                        ~6 MB/s (float32, 8 ch, 192 kHz from
                                        SOURCE, which must be running: the
                                        reference's idle null sink monitor
                                        produces nothing, a pipe sink's
                                        does), never read the socket, hold
                                        it SECS seconds (prints "STALLING"
                                        when set up)
       hostile-streams.py vanish ROUNDS SOURCE
                                        ROUNDS times: 3 record streams on one
                                        connection from SOURCE, read for
                                        0.2 s, then shutdown(SHUT_RD): the
                                        daemon's next write of record data
                                        fails (EPIPE) while it is handing
                                        out the source's data, and the
                                        connection with all its streams goes
                                        in the middle of that loop (a
                                        use-after-free found by CI)
       hostile-streams.py rate SECS SOURCE
                                        control: one such stream, read for
                                        SECS; prints "RATE bytes/s"

Cases (each on its own connection, after AUTH + SET_CLIENT_NAME; after each
case a GET_SERVER_INFO probe on the same connection must be answered unless
the case says the server may drop it, and a fresh well-behaved connection
must work):
  * invalid sample spec / channel map in CREATE_PLAYBACK_STREAM → ERROR
    INVALID (3), connection kept;
  * zero buffer attributes and huge (0xFFFFFFFE) ones → stream created, the
    reply's metrics sanitized (frame aligned, F ≤ minreq ≤ tlength ≤
    maxlength ≤ 16 MiB, prebuf ≤ tlength + F − minreq, missing ≤ maxlength).
    (The reference gives 4/4/0/4 for all-zero and 4194304/4194304/4/4194304
    for all-huge: tlength ≥ minreq + F does NOT hold in these extremes.)
  * memblock for an unknown channel on a connection that has a stream →
    ignored (the stream's write index unchanged);
  * unaligned memblock (6 bytes on s16 stereo) → ignored (write index
    unchanged), connection kept;
  * writing beyond maxlength (16384 bytes into a corked stream with
    maxlength 8192) → OVERFLOW(channel);
  * seeks far out of range (offset ±2^62 RELATIVE, 2^62 ABSOLUTE,
    RELATIVE_ON_READ, RELATIVE_END) → no crash (the connection may be kept
    or dropped; the daemon must live and serve others).

Environment: COMPAT_SOCKET, HOME (the daemon's, for the cookie),
COMPAT_DAEMON_PID.  Python stdlib only.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import pnative  # noqa: E402
from pnative import (ERROR, GET_SERVER_INFO, NULL, REPLY, frame, packet, proplist,  # noqa: E402
                     string, u32, u8)

SOCK = os.environ["COMPAT_SOCKET"]
DAEMON_PID = int(os.environ.get("COMPAT_DAEMON_PID") or 0)
WAIT = 5.0

CREATE_PLAYBACK_STREAM, CREATE_RECORD_STREAM = 3, 5
GET_PLAYBACK_LATENCY = 14
OVERFLOW, UNDERFLOW, REQUEST, STARTED = 62, 63, 61, 86
PA_ERR_INVALID = 3
S16LE, FLOAT32LE = 3, 5


# ---------------------------------------------------------------- encoding
def ss(fmt, ch, rate):
    return b"a" + bytes([fmt & 0xFF, ch & 0xFF]) + struct.pack(">I", rate & 0xFFFFFFFF)


def cmap(positions):
    return b"m" + bytes([len(positions) & 0xFF]) + bytes(p & 0xFF for p in positions)


def cvol(vols):
    return b"v" + bytes([len(vols)]) + b"".join(struct.pack(">I", v) for v in vols)


def boolean(b):
    return b"1" if b else b"0"


def timeval(t=None):
    t = time.time() if t is None else t
    return b"T" + struct.pack(">II", int(t) & 0xFFFFFFFF, int((t % 1) * 1e6))


def create_playback(tag, spec=None, positions=(1, 2), sink="null1", maxlength=0xFFFFFFFF,
                    tlength=0xFFFFFFFF, prebuf=0xFFFFFFFF, minreq=0xFFFFFFFF, corked=False,
                    vol_channels=None):
    spec = spec or ss(S16LE, 2, 44100)
    nvol = vol_channels if vol_channels is not None else len(positions)
    body = (spec + cmap(positions) + u32(0xFFFFFFFF) + (string(sink) if sink else NULL)
            + u32(maxlength) + boolean(corked) + u32(tlength) + u32(prebuf) + u32(minreq)
            + u32(0) + cvol([0x10000] * nvol)
            + boolean(False) * 7                     # no_remap … variable_rate
            + boolean(False) + boolean(False)        # start_muted, adjust_latency
            + proplist({"media.name": "hostile"})
            + boolean(False) + boolean(False)        # volume_set, early_requests
            + boolean(False) + boolean(False) + boolean(False)  # muted_set, dont_inhibit, fail_on_suspend
            + boolean(False) + boolean(False)        # relative_volume, passthrough
            + u8(0))                                 # n_formats
    return packet(CREATE_PLAYBACK_STREAM, tag, body)


def create_record(tag, spec, positions, source, maxlength=0xFFFFFFFF, fragsize=0xFFFFFFFF):
    body = (spec + cmap(positions) + u32(0xFFFFFFFF) + string(source) + u32(maxlength)
            + boolean(False) + u32(fragsize)
            + boolean(False) * 7                     # no_remap … variable_rate
            + boolean(False) + boolean(False)        # peak_detect, adjust_latency
            + proplist({"media.name": "hostile-record"})
            + u32(0xFFFFFFFF)                        # direct_on_input
            + boolean(False) + boolean(False) + boolean(False)  # early_req, dont_inhibit, fail_on_suspend
            + u8(0)                                  # n_formats
            + cvol([0x10000] * len(positions)) + boolean(False)  # volume, muted
            + boolean(False) + boolean(False) + boolean(False) + boolean(False))
    return packet(CREATE_RECORD_STREAM, tag, body)


# ---------------------------------------------------------------- decoding
class Reader:
    def __init__(self, data):
        self.d, self.p = data, 0

    def _tag(self, t):
        if self.d[self.p:self.p + 1] != t:
            raise ValueError("expected %r at %d, got %r" % (t, self.p, self.d[self.p:self.p + 1]))
        self.p += 1

    def u32(self):
        self._tag(b"L")
        v = struct.unpack(">I", self.d[self.p:self.p + 4])[0]
        self.p += 4
        return v

    def usec(self):
        self._tag(b"U")
        v = struct.unpack(">Q", self.d[self.p:self.p + 8])[0]
        self.p += 8
        return v

    def s64(self):
        self._tag(b"r")
        v = struct.unpack(">q", self.d[self.p:self.p + 8])[0]
        self.p += 8
        return v

    def boolean(self):
        c = self.d[self.p:self.p + 1]
        if c not in (b"0", b"1"):
            raise ValueError("expected bool")
        self.p += 1
        return c == b"1"

    def tv(self):
        self._tag(b"T")
        self.p += 8


# ---------------------------------------------------------------- plumbing
class Conn(pnative.Conn):
    def __init__(self):
        super().__init__(SOCK, WAIT)
        self.events = []
        self.tag = 10

    def next_tag(self):
        self.tag += 1
        return self.tag

    def wait_reply(self, tag, timeout=WAIT):
        """→ ("REPLY", rest) / ("ERROR", code) / "EOF" / "HANG"; other
        packets (REQUEST, OVERFLOW, …) are collected in self.events."""
        deadline = time.monotonic() + timeout
        while True:
            p = self.read_packet(deadline)
            if isinstance(p, str):
                return p
            if p[0] == "BADPACKET":
                return "BADPACKET"
            cmd, t, rest = p
            if t == tag and cmd == REPLY:
                return ("REPLY", rest)
            if t == tag and cmd == ERROR:
                return ("ERROR", struct.unpack(">I", rest[1:5])[0])
            self.events.append((cmd, rest))

    def request(self, pkt_fn, timeout=WAIT):
        tag = self.next_tag()
        if not self.send(pkt_fn(tag)):
            return "EOF"
        return self.wait_reply(tag, timeout)

    def probe(self):
        r = self.request(lambda t: packet(GET_SERVER_INFO, t))
        return isinstance(r, tuple) and r[0] == "REPLY"

    def wait_event(self, cmd, secs):
        deadline = time.monotonic() + secs
        while True:
            for c, rest in self.events:
                if c == cmd:
                    return rest
            p = self.read_packet(deadline)
            if isinstance(p, str):
                return None
            if p[0] == "BADPACKET":
                return None
            self.events.append((p[0], p[2]))


def connect():
    c = Conn()
    err = pnative.handshake(c, "hostile-streams", WAIT)
    if err:
        raise RuntimeError(err)
    return c


def good_client():
    try:
        c = connect()
    except (OSError, RuntimeError) as e:
        return "well-behaved client failed: %s" % e
    try:
        return None if c.probe() else "well-behaved client: GET_SERVER_INFO not answered"
    finally:
        c.close()


def daemon_alive():
    if not DAEMON_PID:
        return True
    try:
        os.kill(DAEMON_PID, 0)
        return True
    except ProcessLookupError:
        return False


def parse_create_reply(rest):
    r = Reader(rest)
    return {"channel": r.u32(), "index": r.u32(), "missing": r.u32(), "maxlength": r.u32(),
            "tlength": r.u32(), "prebuf": r.u32(), "minreq": r.u32()}


def latency(c, channel):
    r = c.request(lambda t: packet(GET_PLAYBACK_LATENCY, t, u32(channel) + timeval()))
    if not (isinstance(r, tuple) and r[0] == "REPLY"):
        return None
    rd = Reader(r[1])
    rd.usec()
    rd.usec()
    rd.boolean()
    rd.tv()
    rd.tv()
    return {"write": rd.s64(), "read": rd.s64()}


# ---------------------------------------------------------------- cases
RESULTS = []


def result(ok, name, detail=""):
    RESULTS.append(ok)
    print("%-4s %-58s %s" % ("ok" if ok else "FAIL", name, detail))
    sys.stdout.flush()


def after_case(name, c, may_drop=False):
    if c is not None:
        alive = c.probe()
        c.close()
        if not alive and not may_drop:
            result(False, name + ": connection kept", "the probe was not answered")
    g = good_client()
    if g:
        result(False, name + ": other clients still served", g)
    if not daemon_alive():
        result(False, name + ": daemon alive", "the daemon died")
        return False
    return True


def case_invalid_create():
    cases = [
        ("sample format 99", dict(spec=ss(99, 2, 44100))),
        ("sample format 0xFF (invalid)", dict(spec=ss(0xFF, 2, 44100))),
        ("rate 0", dict(spec=ss(S16LE, 2, 0))),
        ("rate 400000", dict(spec=ss(S16LE, 2, 400000))),
        ("channels 0 (map 0)", dict(spec=ss(S16LE, 0, 44100), positions=(), vol_channels=1)),
        ("channels 33", dict(spec=ss(S16LE, 33, 44100), positions=(1, 2), vol_channels=2)),
        ("map has 1 channel for a 2-channel spec", dict(positions=(0,), vol_channels=2)),
        ("map position 200", dict(positions=(1, 200))),
        ("volume with 1 channel for 2", dict(vol_channels=1)),
    ]
    for name, kw in cases:
        c = connect()
        r = c.request(lambda t, kw=kw: create_playback(t, **kw))
        ok = r == ("ERROR", PA_ERR_INVALID)
        result(ok, "CREATE_PLAYBACK_STREAM: " + name,
               "→ %.70s (expected ERROR INVALID)" % (r if not isinstance(r, tuple) or r[0] != "REPLY" else "REPLY (stream created)",))
        if not after_case(name, c):
            return False
    return True


def check_attrs(name, m, frame_size=4):
    f = frame_size
    probs = []
    for k in ("maxlength", "tlength", "prebuf", "minreq"):
        if m[k] % f:
            probs.append("%s %d not frame aligned" % (k, m[k]))
    if m["minreq"] > m["tlength"]:
        probs.append("minreq > tlength")
    if m["prebuf"] > m["tlength"] + f - m["minreq"]:
        probs.append("prebuf > tlength + F - minreq")
    if m["maxlength"] < m["tlength"]:
        probs.append("maxlength < tlength")
    if m["minreq"] < f:
        probs.append("minreq < F")
    if m["maxlength"] > 16 * 1024 * 1024:
        probs.append("maxlength > 16 MiB")
    if m["missing"] > m["maxlength"]:
        probs.append("missing > maxlength")
    detail = "maxlength %(maxlength)d tlength %(tlength)d prebuf %(prebuf)d minreq %(minreq)d " \
             "missing %(missing)d" % m
    result(not probs, name, detail + ("" if not probs else " — " + "; ".join(probs)))


def case_attrs():
    for name, kw in [("zero buffer attributes", dict(maxlength=0, tlength=0, prebuf=0, minreq=0)),
                     ("huge buffer attributes (0xFFFFFFFE)",
                      dict(maxlength=0xFFFFFFFE, tlength=0xFFFFFFFE, prebuf=0xFFFFFFFE,
                           minreq=0xFFFFFFFE)),
                     ("tlength 1, minreq 3 (unaligned)", dict(tlength=1, minreq=3, prebuf=5))]:
        c = connect()
        r = c.request(lambda t, kw=kw: create_playback(t, corked=True, **kw))
        if not (isinstance(r, tuple) and r[0] == "REPLY"):
            result(False, name + ": accepted", "→ %r" % (r,))
        else:
            check_attrs(name + ": accepted and sanitized", parse_create_reply(r[1]))
        if not after_case(name, c):
            return False
    return True


def case_memblocks():
    c = connect()
    r = c.request(lambda t: create_playback(t, corked=True))
    if not (isinstance(r, tuple) and r[0] == "REPLY"):
        result(False, "create a corked stream for the memblock cases", "→ %r" % (r,))
        c.close()
        return True
    ch = parse_create_reply(r[1])["channel"]
    c.send(frame(b"\x01\x00" * 1024, channel=ch))  # 2048 good bytes
    l0 = latency(c, ch)
    c.send(frame(b"\x02\x00" * 512, channel=ch + 7))  # unknown channel
    l1 = latency(c, ch)
    result(l0 is not None and l1 is not None and l1["write"] == l0["write"] == 2048,
           "memblock for an unknown channel ignored",
           "write index %s → %s" % (l0 and l0["write"], l1 and l1["write"]))
    c.send(frame(b"\x03" * 6, channel=ch))  # unaligned: 6 bytes, frame size 4
    l2 = latency(c, ch)
    ok = l2 is not None and l2["write"] == 2048
    result(ok, "unaligned memblock (6 bytes, s16 stereo) ignored",
           "write index → %s" % (l2 and l2["write"]))
    return after_case("memblocks", c)


def case_overflow():
    c = connect()
    r = c.request(lambda t: create_playback(t, corked=True, maxlength=8192))
    if not (isinstance(r, tuple) and r[0] == "REPLY"):
        result(False, "create a corked stream with maxlength 8192", "→ %r" % (r,))
        c.close()
        return True
    m = parse_create_reply(r[1])
    ch = m["channel"]
    c.send(frame(b"\x04\x00" * 8192, channel=ch))  # 16384 bytes
    ev = c.wait_event(OVERFLOW, 3)
    got = None if ev is None else Reader(ev).u32()
    result(got == ch, "writing beyond maxlength (%d) → OVERFLOW" % m["maxlength"],
           "OVERFLOW(%s) for channel %d" % (got, ch))
    return after_case("overflow", c)


def case_seeks():
    big = 1 << 62
    for name, off, mode in [("RELATIVE +2^62", big, 0), ("RELATIVE -2^62", -big, 0),
                            ("ABSOLUTE 2^62", big, 1), ("ABSOLUTE -2^62", -big, 1),
                            ("RELATIVE_ON_READ +2^62", big, 2), ("RELATIVE_END -2^62", -big, 3),
                            ("RELATIVE 2^63-4", (1 << 63) - 4, 0)]:
        c = connect()
        r = c.request(lambda t: create_playback(t, prebuf=0))
        if not (isinstance(r, tuple) and r[0] == "REPLY"):
            result(False, "create a stream for the seek cases", "→ %r" % (r,))
            c.close()
            continue
        ch = parse_create_reply(r[1])["channel"]
        o = off & 0xFFFFFFFFFFFFFFFF
        c.send(frame(b"\x05\x00" * 2048, channel=ch, off_hi=o >> 32, off_lo=o & 0xFFFFFFFF,
                     flags=mode))
        c.send(frame(b"\x06\x00" * 2048, channel=ch))
        time.sleep(0.05)
        alive = c.probe()
        c.close()
        ok = daemon_alive() and good_client() is None
        result(ok, "seek %s: no crash" % name, "connection %s" % ("kept" if alive else "dropped"))
        if not daemon_alive():
            return False
    return True


def cmd_cases():
    for fn in (case_invalid_create, case_attrs, case_memblocks, case_overflow, case_seeks):
        if not fn():
            break
    ok = daemon_alive()
    if not ok:
        result(False, "daemon alive at the end")
    failed = RESULTS.count(False)
    print("hostile-streams: %d passed, %d failed" % (RESULTS.count(True), failed))
    return 1 if failed else 0


STALL_SPEC = (FLOAT32LE, 8, 192000)   # ~6.1 MB/s per stream
STALL_POSITIONS = tuple(range(12, 20))  # aux0…aux7


def cmd_stall(secs, source, n_streams=3, maxlength=1 << 20):
    """n_streams record streams (maxlength 1 MiB each) on one connection
    that never reads its socket."""
    c = connect()
    for _ in range(n_streams):
        r = c.request(lambda t: create_record(t, ss(*STALL_SPEC), STALL_POSITIONS, source,
                                              maxlength=maxlength, fragsize=6144))
        if not (isinstance(r, tuple) and r[0] == "REPLY"):
            print("record stream not created: %r" % (r,))
            return 1
        rd = Reader(r[1])
        ch, idx, maxl, frag = rd.u32(), rd.u32(), rd.u32(), rd.u32()
        print("record channel %d index %d maxlength %d fragsize %d" % (ch, idx, maxl, frag))
    # from here on, never read the socket again
    print("STALLING")
    sys.stdout.flush()
    time.sleep(secs)
    c.close()
    return 0


def cmd_vanish(rounds, source, n_streams=3):
    """See the usage: a recording client whose socket stops taking data."""
    for i in range(rounds):
        c = connect()
        for _ in range(n_streams):
            r = c.request(lambda t: create_record(t, ss(*STALL_SPEC), STALL_POSITIONS, source,
                                                  fragsize=6144))
            if not (isinstance(r, tuple) and r[0] == "REPLY"):
                print("record stream not created: %r" % (r,))
                return 1
        t0 = time.monotonic()
        got = 0
        while time.monotonic() - t0 < 0.2:
            f = c.read_frame(time.monotonic() + 0.5)
            if isinstance(f, str):
                break
            got += len(f[1])
        c.s.shutdown(socket.SHUT_RD)
        time.sleep(0.3)
        c.close()
        print("round %d: %d bytes of record data, then SHUT_RD" % (i, got))
    return 0


def cmd_rate(secs, source):
    """Control measurement: how many bytes/s does one such stream deliver
    to a client that does read?"""
    c = connect()
    r = c.request(lambda t: create_record(t, ss(*STALL_SPEC), STALL_POSITIONS, source,
                                          fragsize=6144))
    if not (isinstance(r, tuple) and r[0] == "REPLY"):
        print("RATE 0 (record stream not created: %r)" % (r,))
        return 1
    ch = Reader(r[1]).u32()
    n = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < secs:
        f = c.read_frame(time.monotonic() + 1)
        if isinstance(f, str):
            break
        if f[0][1] == ch:
            n += len(f[1])
    c.close()
    print("RATE %d" % int(n / secs))
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "stall":
        sys.exit(cmd_stall(float(sys.argv[2]), sys.argv[3]))
    if len(sys.argv) >= 4 and sys.argv[1] == "vanish":
        sys.exit(cmd_vanish(int(sys.argv[2]), sys.argv[3]))
    if len(sys.argv) >= 4 and sys.argv[1] == "rate":
        sys.exit(cmd_rate(float(sys.argv[2]), sys.argv[3]))
    sys.exit(cmd_cases())
