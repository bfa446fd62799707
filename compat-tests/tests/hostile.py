#!/usr/bin/python3
"""Hostile input on the native-protocol socket.

Every case uses its own connection: (optionally) a correct AUTH, then the
malformed bytes, then a well-formed GET_SERVER_INFO as a probe.  What comes
back is classified:

  DROP       the server closed the connection (EOF or reset) without
             answering the probe
  ERROR(n)   an ERROR packet with code n for the offending request's tag
  IGNORED    nothing for the offending frame; the probe is answered
  ANSWERED   a REPLY for the offending request's tag (case expected to work)
  HANG       nothing at all within the time limit (always a failure)

The expected class of each case is what PulseAudio 16.1 (the reference
daemon) did when this test was written; it is asserted for any daemon.
After every case a separate, well-behaved connection must still get its
GET_SERVER_INFO answered, and at the end the daemon must still be running
(checked by the calling shell script, which also runs pactl info).

Environment: COMPAT_SOCKET (unix socket path), HOME (daemon's, for the
cookie), COMPAT_DAEMON_PID (optional).
Python stdlib only; run with /usr/bin/python3.
"""
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from pnative import (  # noqa: E402
    ADD_AUTOLOAD, AUTH, ERROR, GET_SERVER_INFO, GET_SINK_INFO, NULL, PA_ERR_ACCESS,
    PA_ERR_VERSION, REPLY, REQUEST, SET_CLIENT_NAME, arb, auth_packet, frame, handshake,
    packet, string, u8, u32)
import pnative  # noqa: E402

SOCK = os.environ["COMPAT_SOCKET"]
DAEMON_PID = int(os.environ.get("COMPAT_DAEMON_PID") or 0)
WAIT = float(os.environ.get("HOSTILE_WAIT", "10"))

PROBE_TAG = 4242
BAD_TAG = 77
PROBE = packet(GET_SERVER_INFO, PROBE_TAG)


def auth(tag=0, version=35):
    return auth_packet(tag, version)


class Conn(pnative.Conn):
    def __init__(self):
        super().__init__(SOCK, WAIT)


def do_auth(c):
    return handshake(c, None, WAIT)


# ---------------------------------------------------------------- one case
def classify(c, bad_tag):
    deadline = time.monotonic() + WAIT
    if c.closed:
        return "DROP"
    c.send(PROBE)
    while True:
        p = c.read_packet(deadline)
        if p == "EOF":
            return "DROP"
        if p == "HANG":
            return "HANG"
        if p[0] == "BADPACKET":
            return "GARBAGE-REPLY"
        cmd, tag, rest = p
        if tag == bad_tag and cmd == ERROR:
            code = struct.unpack(">I", rest[1:5])[0] if len(rest) >= 5 else -1
            # the probe must still be answered (or the connection closed)
            p2 = c.read_packet(deadline)
            if isinstance(p2, str) or p2[0] == "BADPACKET":
                return "ERROR(%d)+%s" % (code, p2 if isinstance(p2, str) else "GARBAGE")
            return "ERROR(%d)" % code
        if tag == bad_tag and cmd == REPLY:
            return "ANSWERED"
        if tag == PROBE_TAG and cmd == REPLY:
            return "IGNORED"
        if tag == PROBE_TAG and cmd == ERROR:
            code = struct.unpack(">I", rest[1:5])[0] if len(rest) >= 5 else -1
            return "PROBE-ERROR(%d)" % code
        if tag == 0xFFFFFFFF:
            continue  # unsolicited (events etc.)
        return "UNEXPECTED(cmd=%d,tag=%d)" % (cmd, tag)


def seeded_garbage(seed, n):
    r = random.Random(seed)
    data = bytes(r.getrandbits(8) for _ in range(n))
    # make sure the first word is an (invalid) length > 16 MiB, so the
    # expected outcome is deterministic
    return b"\xde\xad" + data[2:]


# (name, expected class, authenticate first?, bytes, tag of the bad request)
CASES = [
    ("length 0x7fffffff", "DROP", True, frame(b"", length=0x7FFFFFFF), None),
    ("length 16 MiB + 1", "DROP", True, frame(b"", length=16 * 1024 * 1024 + 1), None),
    ("length 0", "DROP", True, frame(b""), None),
    ("packet with flags 1", "DROP", True, packet(GET_SERVER_INFO, BAD_TAG, flags=1), None),
    ("packet with flags 0x100", "DROP", True, packet(GET_SERVER_INFO, BAD_TAG, flags=0x100), None),
    ("packet with SHMDATA flag (no SHM)", "DROP", True,
     frame(struct.pack(">IIII", 1, 2, 0, 16), flags=0x80000000), None),
    ("SHM release frame (no SHM)", "DROP", True, frame(b"", flags=0x40000000, off_hi=1), None),
    ("payload of 5 bytes", "DROP", True, frame(u32(GET_SERVER_INFO)), None),
    ("payload of 8 bytes", "DROP", True, frame(u32(GET_SERVER_INFO) + b"L\0\0"), None),
    ("payload not starting with u32", "DROP", True, frame(string("hello") + u32(1)), None),
    ("truncated GET_SINK_INFO (no name)", "DROP", True,
     packet(GET_SINK_INFO, BAD_TAG, u32(0)), BAD_TAG),
    ("unterminated string", "DROP", True,
     packet(GET_SINK_INFO, BAD_TAG, u32(0xFFFFFFFF) + b"tnull1"), BAD_TAG),
    ("wrong tag type (u8 for u32 index)", "DROP", True,
     packet(GET_SINK_INFO, BAD_TAG, u8(0) + NULL), BAD_TAG),
    ("wrong tag type (u32 for string)", "DROP", True,
     packet(GET_SINK_INFO, BAD_TAG, u32(0xFFFFFFFF) + u32(5)), BAD_TAG),
    ("unknown tag byte", "DROP", True,
     packet(GET_SINK_INFO, BAD_TAG, b"Z\0\0\0\0" + NULL), BAD_TAG),
    ("unknown command 200", "DROP", True, packet(200, BAD_TAG), BAD_TAG),
    ("unknown command 105", "DROP", True, packet(105, BAD_TAG), BAD_TAG),
    ("command 0xffffffff", "DROP", True, packet(0xFFFFFFFF, BAD_TAG), BAD_TAG),
    ("server-to-client REQUEST (61)", "DROP", True,
     packet(REQUEST, 0xFFFFFFFF, u32(0) + u32(4096)), None),
    ("server-to-client SUBSCRIBE_EVENT (66)", "DROP", True,
     packet(66, 0xFFFFFFFF, u32(0x10) + u32(0)), None),
    ("obsolete ADD_AUTOLOAD (53)", "DROP", True,
     packet(ADD_AUTOLOAD, BAD_TAG, string("foo") + u32(0) + string("module-null-sink") + NULL), BAD_TAG),
    ("obsolete GET_AUTOLOAD_INFO_LIST (56)", "DROP", True, packet(56, BAD_TAG), BAD_TAG),
    ("TIMEOUT pseudo-command (1)", "DROP", True, packet(1, BAD_TAG), BAD_TAG),
    ("trailing bytes after GET_SERVER_INFO", "DROP", True,
     packet(GET_SERVER_INFO, BAD_TAG, u32(7)), BAD_TAG),
    ("trailing bytes after GET_SINK_INFO", "DROP", True,
     packet(GET_SINK_INFO, BAD_TAG, u32(0) + NULL + NULL), BAD_TAG),
    ("SET_CLIENT_NAME with empty proplist key", "DROP", True,
     packet(SET_CLIENT_NAME, BAD_TAG, b"P" + string("") + u32(2) + arb(b"x\0") + NULL), BAD_TAG),
    ("SET_CLIENT_NAME with mismatched value lengths", "DROP", True,
     packet(SET_CLIENT_NAME, BAD_TAG, b"P" + string("application.name") + u32(9) + arb(b"x\0") + NULL), BAD_TAG),
    ("HTTP request", "DROP", True, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", None),
    ("seeded random garbage", "DROP", True, seeded_garbage(1234, 64), None),
    ("REPLY with an unknown tag", "IGNORED", True, packet(REPLY, 555), None),
    ("ERROR with an unknown tag", "IGNORED", True, packet(ERROR, 556, u32(3)), None),
    ("memblock for a channel that does not exist", "IGNORED", True,
     frame(b"\0" * 64, channel=5), None),
    ("GET_SERVER_INFO before AUTH", "ERROR(%d)" % PA_ERR_ACCESS, False,
     packet(GET_SERVER_INFO, BAD_TAG), BAD_TAG),
    ("GET_SINK_INFO_LIST before AUTH", "ERROR(%d)" % PA_ERR_ACCESS, False,
     packet(22, BAD_TAG), BAD_TAG),
    ("AUTH with protocol version 7", "ERROR(%d)" % PA_ERR_VERSION, False,
     auth(BAD_TAG, version=7), BAD_TAG),
    ("AUTH with a 10-byte cookie", "DROP", False,
     packet(AUTH, BAD_TAG, u32(35) + arb(b"0123456789")), BAD_TAG),
    ("AUTH without cookie", "DROP", False, packet(AUTH, BAD_TAG, u32(35)), BAD_TAG),
    ("valid GET_SERVER_INFO (control case)", "ANSWERED", True,
     packet(GET_SERVER_INFO, BAD_TAG), BAD_TAG),
]


def good_client():
    """A separate well-behaved connection: AUTH + GET_SERVER_INFO."""
    try:
        c = Conn()
    except OSError as e:
        return "connect failed: %s" % e
    try:
        err = do_auth(c)
        if err:
            return err
        if not c.send(packet(GET_SERVER_INFO, 1)):
            return "connection closed"
        p = c.read_packet(time.monotonic() + WAIT)
        if isinstance(p, str) or p[0] != REPLY or p[1] != 1:
            return "GET_SERVER_INFO not answered: %r" % (p,)
        return None
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


def main():
    only = sys.argv[1:]  # optional: case name substrings
    failures = 0
    report = []
    for name, want, pre_auth, data, bad_tag in CASES:
        if only and not any(o in name for o in only):
            continue
        c = Conn()
        try:
            if pre_auth:
                err = do_auth(c)
                if err:
                    got = "AUTH-FAILED: " + err
                else:
                    c.send(data)
                    got = classify(c, bad_tag)
            else:
                c.send(data)
                got = classify(c, bad_tag)
        finally:
            c.close()
        ok = got == want
        line = "%-4s %-48s expected %-10s got %s" % ("ok" if ok else "FAIL", name, want, got)
        report.append(line)
        if not ok:
            failures += 1
        g = good_client()
        if g:
            report.append("FAIL   ... a well-behaved client after %r: %s" % (name, g))
            failures += 1
        if not daemon_alive():
            report.append("FAIL   daemon died after %r" % name)
            failures += 1
            break

    # half a frame, connection kept open: must not block other clients
    hang = Conn()
    do_auth(hang)
    hang.send(packet(GET_SERVER_INFO, 9)[:12])
    g = good_client()
    report.append("%-4s %-48s %s" % ("ok" if not g else "FAIL",
                                     "other clients served while a half frame is pending",
                                     g or ""))
    failures += bool(g)
    # ... and the rest of that frame later is processed normally
    hang.send(packet(GET_SERVER_INFO, 9)[12:])
    p = hang.read_packet(time.monotonic() + WAIT)
    ok = not isinstance(p, str) and p[0] == REPLY and p[1] == 9
    report.append("%-4s %-48s %s" % ("ok" if ok else "FAIL",
                                     "frame completed later is answered", "" if ok else repr(p)))
    failures += not ok
    hang.close()

    # half a frame (descriptor only / half descriptor) then close
    for cut in (10, 20, 25):
        c = Conn()
        do_auth(c)
        c.send(packet(GET_SINK_INFO, 3, u32(0) + NULL)[:cut])
        c.close()
    # connect and close without sending anything
    for _ in range(3):
        Conn().close()
    g = good_client()
    report.append("%-4s %-48s %s" % ("ok" if not g else "FAIL",
                                     "alive after half frames + closes", g or ""))
    failures += bool(g)
    if not daemon_alive():
        report.append("FAIL daemon not running at the end")
        failures += 1

    print("\n".join(report))
    print("hostile: %d passed, %d failed" % (len(report) - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
