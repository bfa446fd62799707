"""Minimal PulseAudio native-protocol client pieces (Python stdlib only).

Used by the compat tests that talk to the daemon on the wire
(tests/hostile.py, harness/subscribe.py).  Written from
/work/shared/spec/native-protocol.md: 20-byte frame descriptor, tagstruct
values, AUTH with a 256-byte cookie.
"""
import os
import socket
import struct
import time

# command numbers (commands.md §2)
ERROR, TIMEOUT, REPLY = 0, 1, 2
AUTH, SET_CLIENT_NAME = 8, 9
GET_SERVER_INFO, GET_SINK_INFO, GET_SINK_INFO_LIST = 20, 21, 22
SUBSCRIBE = 35
ADD_AUTOLOAD = 53
REQUEST = 61
SUBSCRIBE_EVENT = 66

PA_ERR_ACCESS, PA_ERR_INVALID, PA_ERR_VERSION = 1, 3, 17

NO_TAG = 0xFFFFFFFF
PACKET_CHANNEL = 0xFFFFFFFF


# ---------------------------------------------------------------- encoding
def u32(v):
    return b"L" + struct.pack(">I", v & 0xFFFFFFFF)


def u8(v):
    return b"B" + bytes([v & 0xFF])


def string(s):
    return b"t" + s.encode() + b"\0"


NULL = b"N"


def arb(data):
    return b"x" + struct.pack(">I", len(data)) + data


def proplist(items):
    """items: dict of str → str (stored with the trailing NUL, as libpulse does)."""
    out = b"P"
    for k, v in items.items():
        val = v.encode() + b"\0"
        out += string(k) + u32(len(val)) + arb(val)
    return out + NULL


def frame(payload, flags=0, channel=PACKET_CHANNEL, length=None, off_hi=0, off_lo=0):
    if length is None:
        length = len(payload)
    return struct.pack(">IIIII", length, channel, off_hi, off_lo, flags) + payload


def packet(cmd, tag, body=b"", **kw):
    return frame(u32(cmd) + u32(tag) + body, **kw)


def read_cookie(home=None):
    """The daemon's cookie (same HOME), or 256 zero bytes."""
    home = home or os.environ.get("HOME", "")
    try:
        with open(os.path.join(home, ".config", "pulse", "cookie"), "rb") as f:
            data = f.read()
        if len(data) == 256:
            return data
    except OSError:
        pass
    return bytes(256)


def auth_packet(tag=0, version=35, cookie=None):
    return packet(AUTH, tag, u32(version) + arb(read_cookie() if cookie is None else cookie))


def get_u32(data, pos):
    """Decode a 'L' value at pos → (value, new pos); raises ValueError."""
    if data[pos:pos + 1] != b"L" or len(data) < pos + 5:
        raise ValueError("expected u32 at %d" % pos)
    return struct.unpack(">I", data[pos + 1:pos + 5])[0], pos + 5


# ---------------------------------------------------------------- transport
class Conn:
    """A stream connection with bounded reads."""

    def __init__(self, path, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.closed = False

    def send(self, data):
        try:
            self.s.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            self.closed = True
            return False

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic() if deadline is not None else None
            if left is not None and left <= 0:
                return "HANG"
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return "HANG"
            except (ConnectionResetError, BrokenPipeError):
                return "EOF"
            if not d:
                return "EOF"
            self.buf += d
        return None

    def read_frame(self, deadline):
        """→ (descriptor tuple, payload), or "EOF" / "HANG".
        deadline: time.monotonic() value, or None for no limit."""
        r = self._fill(20, deadline)
        if r:
            return r
        desc = struct.unpack(">IIIII", self.buf[:20])
        r = self._fill(20 + desc[0], deadline)
        if r:
            return r
        payload = self.buf[20:20 + desc[0]]
        self.buf = self.buf[20 + desc[0]:]
        return desc, payload

    def read_packet(self, deadline):
        """→ (cmd, tag, rest) for the next control packet (memblocks are
        skipped), ("BADPACKET", payload), or "EOF" / "HANG"."""
        while True:
            f = self.read_frame(deadline)
            if isinstance(f, str):
                return f
            desc, payload = f
            if desc[1] != PACKET_CHANNEL:
                continue
            try:
                cmd, pos = get_u32(payload, 0)
                tag, pos = get_u32(payload, pos)
            except ValueError:
                return ("BADPACKET", payload)
            return cmd, tag, payload[pos:]

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def handshake(conn, name=None, timeout=5.0):
    """AUTH (tag 0) and, if name is given, SET_CLIENT_NAME (tag 1).
    Returns None on success or an error string."""
    if not conn.send(auth_packet(0)):
        return "connection closed while sending AUTH"
    p = conn.read_packet(time.monotonic() + timeout)
    if isinstance(p, str) or p[0] != REPLY or p[1] != 0:
        return "AUTH not answered with REPLY: %r" % (p,)
    if len(p[2]) != 5 or p[2][0:1] != b"L":
        return "AUTH reply has unexpected fields: %r" % (p[2],)
    ver = struct.unpack(">I", p[2][1:5])[0] & 0xFFFF
    if ver < 32:
        return "AUTH reply version %d" % ver
    if name is None:
        return None
    if not conn.send(packet(SET_CLIENT_NAME, 1, proplist({"application.name": name}))):
        return "connection closed while sending SET_CLIENT_NAME"
    p = conn.read_packet(time.monotonic() + timeout)
    if isinstance(p, str) or p[0] != REPLY or p[1] != 1:
        return "SET_CLIENT_NAME not answered with REPLY: %r" % (p,)
    return None
