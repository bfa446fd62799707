#!/usr/bin/python3
"""Hostile SHM / srbchannel input on the native socket (compat-tests/streams test 14).

usage: hostile-shm.py cases

A raw client (Python stdlib, written from native-protocol.md §3, §6.5, §8)
that negotiates memfd SHM in AUTH (version word 35 | 0xC0000000) on a
daemon started with SHM enabled.  Each case runs on its own connection;
after each one a fresh well-behaved connection must be served and the
daemon must be alive.

Positive controls (they prove the checks below can fail):
  * AUTH reply has the SHM and memfd bits; the server sends
    REGISTER_MEMFD_SHMID (1 fd), ENABLE_SRBCHANNEL (2 fds) and a writable
    memfd reference (flags 0xa0800000) on channel 0;
  * a valid reference into a registered memfd → the stream's write index
    grows by its length and the server sends SHM_RELEASE for the block;
  * srbchannel acknowledged: GET_SERVER_INFO written into ring A (with the
    fdsem wake-up) is answered in ring B.
Violations (the connection must be dropped, the daemon must survive):
  * reference with an unknown shm id; offset + length one past the pool;
    offset near 2^32 (overflow); length 0; POSIX reference (no MEMFD bit);
  * a pool truncated after registration, referenced inside its old size, on
    a page past the new end (the daemon's mapping faults: SIGBUS, guarded;
    bytes past the end but on the last page read as zeros, as in any mapping);
  * REGISTER_MEMFD_SHMID without an fd, with a pipe, the same id twice;
  * ENABLE_SRBCHANNEL ack with a wrong tag; DISABLE_SRBCHANNEL;
  * ring A count above the capacity; negative ring B count.

Environment: COMPAT_SOCKET, HOME (the daemon's, for the cookie),
COMPAT_DAEMON_PID.
"""
import array
import importlib.util
import mmap
import os
import select
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
import pnative  # noqa: E402
from pnative import (AUTH, ERROR, GET_SERVER_INFO, REPLY, SET_CLIENT_NAME, frame,  # noqa: E402
                     packet, proplist, u32, arb)

_spec = importlib.util.spec_from_file_location("hostile_streams",
                                               os.path.join(HERE, "hostile-streams.py"))
hs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hs)

SOCK = os.environ["COMPAT_SOCKET"]
DAEMON_PID = int(os.environ.get("COMPAT_DAEMON_PID") or 0)
SINK = os.environ.get("HOSTILE_SHM_SINK", "hpipe")
WAIT = 5.0

ENABLE_SRBCHANNEL, DISABLE_SRBCHANNEL, REGISTER_MEMFD_SHMID = 101, 102, 103
GET_PLAYBACK_LATENCY = 14
F_SHMDATA, F_RELEASE, F_MEMFD, F_WRITABLE = 0x80000000, 0x40000000, 0x20000000, 0x00800000
PACKET_CHANNEL = 0xFFFFFFFF

RESULTS = []


def result(ok, name, detail=""):
    RESULTS.append(ok)
    print("%-4s %-62s %s" % ("ok" if ok else "FAIL", name, detail))
    sys.stdout.flush()


class ShmConn:
    """Socket transport with fds, SHM frames and (after the ack) the rings."""

    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(WAIT)
        self.s.connect(SOCK)
        self.buf = b""
        self.fds = []           # received fds, in order
        self.releases = []
        self.shm_refs = []
        self.ring = None        # after switch_to_ring()
        self.rbuf = b""
        self.tag = 10

    # -- socket
    def send(self, data, fds=None):
        try:
            if fds:
                self.s.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                         array.array("i", fds))])
            else:
                self.s.sendall(data)
            return True
        except OSError:
            return False

    def _recv(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return "HANG"
        self.s.settimeout(left)
        try:
            data, anc, _, _ = self.s.recvmsg(65536, socket.CMSG_SPACE(16 * 4))
        except socket.timeout:
            return "HANG"
        except OSError:
            return "EOF"
        for level, typ, d in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                a = array.array("i")
                a.frombytes(d[:len(d) - len(d) % 4])
                self.fds.extend(a)
        if not data:
            return "EOF"
        self.buf += data
        return None

    def sock_frame(self, deadline):
        while len(self.buf) < 20 or len(self.buf) < 20 + struct.unpack(">I", self.buf[:4])[0]:
            r = self._recv(deadline)
            if r:
                return r
        desc = struct.unpack(">IIIII", self.buf[:20])
        payload = self.buf[20:20 + desc[0]]
        self.buf = self.buf[20 + desc[0]:]
        return desc, payload

    # -- frames from whichever transport
    def frame(self, deadline):
        if self.ring is None:
            return self.sock_frame(deadline)
        while True:
            if len(self.rbuf) >= 20 and len(self.rbuf) >= 20 + struct.unpack(">I", self.rbuf[:4])[0]:
                desc = struct.unpack(">IIIII", self.rbuf[:20])
                payload = self.rbuf[20:20 + desc[0]]
                self.rbuf = self.rbuf[20 + desc[0]:]
                return desc, payload
            got = self.ring.read()
            if got:
                self.rbuf += got
                continue
            # nothing in the ring: wait for the server's eventfd or the socket (EOF)
            left = deadline - time.monotonic()
            if left <= 0:
                return "HANG"
            rd, _, _ = select.select([self.ring.wait_fd, self.s], [], [], left)
            if self.s in rd:
                r = self._recv(deadline)
                if r == "EOF":
                    return "EOF"
            if self.ring.wait_fd in rd:
                self.ring.ack()

    def packet(self, deadline):
        """Next control packet → (cmd, tag, rest) or "EOF"/"HANG"; SHM frames are recorded."""
        while True:
            f = self.frame(deadline)
            if isinstance(f, str):
                return f
            desc, payload = f
            if desc[1] == PACKET_CHANNEL and desc[4] == F_RELEASE:
                self.releases.append(desc[2])
                continue
            if desc[4] & F_SHMDATA:
                self.shm_refs.append((desc, struct.unpack(">IIII", payload)))
                continue
            if desc[1] != PACKET_CHANNEL:
                continue
            cmd, pos = pnative.get_u32(payload, 0)
            tag, pos = pnative.get_u32(payload, pos)
            return cmd, tag, payload[pos:]

    def put(self, data):
        """Send a frame on the active transport."""
        if self.ring is None:
            return self.send(data)
        self.ring.write(data)
        return True

    def request(self, pkt_fn, timeout=WAIT):
        self.tag += 1
        tag = self.tag
        if not self.put(pkt_fn(tag)):
            return "EOF"
        deadline = time.monotonic() + timeout
        while True:
            p = self.packet(deadline)
            if isinstance(p, str):
                return p
            if p[1] == tag and p[0] == REPLY:
                return ("REPLY", p[2])
            if p[1] == tag and p[0] == ERROR:
                return ("ERROR", struct.unpack(">I", p[2][1:5])[0])

    def probe(self):
        r = self.request(lambda t: packet(GET_SERVER_INFO, t))
        return isinstance(r, tuple) and r[0] == "REPLY"

    def dropped(self, secs=WAIT):
        """True if the server closes the connection (EOF) within secs."""
        deadline = time.monotonic() + secs
        while True:
            r = self.frame(deadline) if self.ring is not None else self.sock_frame(deadline)
            if r == "EOF":
                return True
            if r == "HANG":
                return False

    def close(self):
        for fd in self.fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.fds = []
        if self.ring:
            self.ring.close()
        self.s.close()


class Ring:
    """The client side of the srbchannel (§8): we write ring A, read ring B."""

    def __init__(self, memfd, offset, length, server_wait_fd, server_signal_fd):
        size = os.fstat(memfd).st_size
        self.m = mmap.mmap(memfd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        self.b = offset
        self.cap, self.a_off, self.b_off = struct.unpack_from("=iii", self.m, self.b + 32)
        assert 0 < self.cap and self.b_off + self.cap <= length, (self.cap, self.b_off, length)
        self.wpos = self.rpos = 0
        self.signal_fd = server_wait_fd        # the server waits on it: we write
        self.wait_fd = server_signal_fd        # the server signals it: we wait
        # we are "waiting" (sem B, offset 20) whenever we are not busy: always, here
        self.set(20, 1)

    def get(self, off):
        return struct.unpack_from("=i", self.m, self.b + off)[0]

    def set(self, off, v):
        struct.pack_into("=i", self.m, self.b + off, v)

    def post_server(self):
        # fdsem A (offset 8): waiting, signalled, in_pipe
        if self.get(12) == 0:
            self.set(12, 1)
            if self.get(8) > 0:
                self.set(16, self.get(16) + 1)
                os.write(self.signal_fd, struct.pack("=Q", 1))

    def write(self, data):
        count = self.get(0)
        assert count + len(data) <= self.cap, "test writes more than the ring holds"
        for i, byte in enumerate(data):
            self.m[self.b + self.a_off + (self.wpos + i) % self.cap] = byte
        self.wpos = (self.wpos + len(data)) % self.cap
        self.set(0, self.get(0) + len(data))
        self.post_server()

    def ack(self):
        self.set(24, 0)
        try:
            os.read(self.wait_fd, 8)
            self.set(28, self.get(28) - 1)
        except BlockingIOError:
            pass

    def read(self):
        n = self.get(4)
        if n <= 0:
            return b""
        out = bytes(self.m[self.b + self.b_off + (self.rpos + i) % self.cap] for i in range(n))
        self.rpos = (self.rpos + n) % self.cap
        self.set(4, self.get(4) - n)
        return out

    def close(self):
        self.m.close()


def memfd_with(data, size=None):
    fd = os.memfd_create("hostile", os.MFD_CLOEXEC)
    os.ftruncate(fd, size or len(data))
    os.pwrite(fd, data, 0)
    return fd


def connect(ack_srb=False):
    """AUTH with SHM + memfd, SET_CLIENT_NAME.  → (conn, info) where info has the
    server's offer: version word, REGISTER ids and the ENABLE tag."""
    c = ShmConn()
    info = {"shm_ids": [], "enable_tag": None, "ring_ref": None}
    c.send(packet(AUTH, 0, u32(35 | 0xC0000000) + arb(pnative.read_cookie())))
    c.send(packet(SET_CLIENT_NAME, 1, proplist({"application.name": "hostile-shm"})))
    deadline = time.monotonic() + WAIT
    got_name = False
    while not got_name or (info["enable_tag"] is not None and info["ring_ref"] is None):
        f = c.sock_frame(deadline)
        if isinstance(f, str):
            raise RuntimeError("handshake: %s" % f)
        desc, payload = f
        if desc[4] & F_SHMDATA:
            info["ring_ref"] = (desc, struct.unpack(">IIII", payload))
            continue
        if desc[1] != PACKET_CHANNEL:
            continue
        cmd, pos = pnative.get_u32(payload, 0)
        tag, pos = pnative.get_u32(payload, pos)
        if cmd == REPLY and tag == 0:
            info["version"] = pnative.get_u32(payload, pos)[0]
        elif cmd == REGISTER_MEMFD_SHMID:
            info["shm_ids"].append(pnative.get_u32(payload, pos)[0])
        elif cmd == ENABLE_SRBCHANNEL:
            info["enable_tag"] = tag
        elif cmd == REPLY and tag == 1:
            got_name = True
    if ack_srb:
        if info["enable_tag"] is None or len(c.fds) < 3:
            raise RuntimeError("no srbchannel offered")
        c.send(packet(ENABLE_SRBCHANNEL, info["enable_tag"]))
        _, (_, _, off, length) = info["ring_ref"]
        c.ring = Ring(c.fds[0], off, length, c.fds[1], c.fds[2])
    return c, info


def good_client():
    try:
        c = hs.connect()
    except (OSError, RuntimeError) as e:
        return "well-behaved client failed: %s" % e
    try:
        return None if c.probe() else "well-behaved client: GET_SERVER_INFO not answered"
    finally:
        c.close()


def after_case(name):
    g = good_client()
    if g:
        result(False, name + ": other clients still served", g)
    if DAEMON_PID:
        try:
            os.kill(DAEMON_PID, 0)
        except ProcessLookupError:
            result(False, name + ": daemon alive", "the daemon died")
            return False
    return True


def stream(c):
    r = c.request(lambda t: hs.create_playback(t, sink=SINK, corked=True))
    if not (isinstance(r, tuple) and r[0] == "REPLY"):
        raise RuntimeError("create playback: %r" % (r,))
    return hs.parse_create_reply(r[1])["channel"]


def write_index(c, ch):
    r = c.request(lambda t: packet(GET_PLAYBACK_LATENCY, t, u32(ch) + hs.timeval()))
    if not (isinstance(r, tuple) and r[0] == "REPLY"):
        return None
    rd = hs.Reader(r[1])
    rd.usec()
    rd.usec()
    rd.boolean()
    rd.tv()
    rd.tv()
    return rd.s64()


def ref_frame(ch, block, shm_id, off, length, flags=F_SHMDATA | F_MEMFD):
    return frame(struct.pack(">IIII", block, shm_id, off, length), flags=flags, channel=ch)


# ---------------------------------------------------------------- cases
def case_offer():
    c, info = connect()
    v = info.get("version", 0)
    result(v == 35 | 0xC0000000, "AUTH reply: version 35 with SHM and memfd bits", "0x%08x" % v)
    rr = info["ring_ref"]
    result(len(info["shm_ids"]) == 1 and info["enable_tag"] is not None and len(c.fds) == 3,
           "REGISTER_MEMFD_SHMID (1 fd) + ENABLE_SRBCHANNEL (2 fds)",
           "ids %s, tag %s, %d fds" % (info["shm_ids"], info["enable_tag"], len(c.fds)))
    result(rr is not None and rr[0][4] == F_SHMDATA | F_MEMFD | F_WRITABLE and rr[0][1] == 0
           and rr[1][1] == info["shm_ids"][0],
           "writable memfd reference to the ring block on channel 0",
           "%r" % (rr,))
    c.close()
    return after_case("offer")


def case_valid_ref():
    c, _ = connect()
    data = bytes(range(256)) * 16
    fd = memfd_with(data)
    c.send(packet(REGISTER_MEMFD_SHMID, 0xFFFFFFFF, u32(4242)), fds=[fd])
    os.close(fd)
    ch = stream(c)
    c.send(ref_frame(ch, 7, 4242, 1024, 2048))
    w = write_index(c, ch)
    deadline = time.monotonic() + 2
    while 7 not in c.releases and time.monotonic() < deadline:
        c.request(lambda t: packet(GET_SERVER_INFO, t))
    result(w == 2048, "valid memfd reference: 2048 bytes reach the stream", "write index %s" % w)
    result(7 in c.releases, "SHM_RELEASE for block 7", "releases %s" % c.releases)
    c.close()
    return after_case("valid reference")


def case_bad_ref(name, ref_args, pool=4096, truncate_to=None, flags=F_SHMDATA | F_MEMFD):
    c, _ = connect()
    fd = memfd_with(b"\x11" * pool)
    c.send(packet(REGISTER_MEMFD_SHMID, 0xFFFFFFFF, u32(4242)), fds=[fd])
    ch = stream(c)
    if truncate_to is not None:
        os.ftruncate(fd, truncate_to)
    os.close(fd)
    c.send(ref_frame(ch, 9, *ref_args, flags=flags))
    result(c.dropped(), name + " → connection dropped")
    c.close()
    return after_case(name)


def case_register(name, fds, twice=False):
    c, _ = connect()
    c.send(packet(REGISTER_MEMFD_SHMID, 0xFFFFFFFF, u32(77)), fds=fds)
    if twice:
        fd = memfd_with(b"x" * 64)
        c.send(packet(REGISTER_MEMFD_SHMID, 0xFFFFFFFF, u32(77)), fds=[fd])
        os.close(fd)
    for fd in fds:
        os.close(fd)
    result(c.dropped(), name + " → connection dropped")
    c.close()
    return after_case(name)


def case_ring_ok():
    c, _ = connect(ack_srb=True)
    ok = c.probe()
    result(ok, "srbchannel: GET_SERVER_INFO through ring A answered in ring B")
    result(len(c.buf) == 0, "srbchannel: nothing more on the socket after the switch",
           "%d bytes" % len(c.buf))
    c.close()
    return after_case("ring ok")


def case_ring_lie(name, off, value):
    c, _ = connect(ack_srb=True)
    if not c.probe():
        result(False, name + ": ring usable before the lie")
    c.ring.set(off, value)
    if off == 0:
        c.ring.set(12, 0)
        c.ring.post_server()            # wake the server: it reads ring A
    else:
        c.put(packet(GET_SERVER_INFO, 99))  # makes it write ring B
    result(c.dropped(), name + " → connection dropped")
    c.close()
    return after_case(name)


def case_ack_tag():
    c, info = connect()
    c.send(packet(ENABLE_SRBCHANNEL, (info["enable_tag"] or 0) ^ 1))
    result(c.dropped(), "ENABLE_SRBCHANNEL ack with a wrong tag → connection dropped")
    c.close()
    return after_case("ack tag")


def case_disable():
    c, _ = connect()
    c.send(packet(DISABLE_SRBCHANNEL, 5))
    result(c.dropped(), "DISABLE_SRBCHANNEL from the client → connection dropped")
    c.close()
    return after_case("disable")


def cmd_cases():
    steps = [
        case_offer,
        case_valid_ref,
        lambda: case_bad_ref("reference to an unknown shm id", (4243, 0, 64)),
        lambda: case_bad_ref("reference one byte past the pool", (4242, 4096 - 60, 64)),
        lambda: case_bad_ref("reference offset near 2^32 (overflow)", (4242, 0xFFFFFFC0, 0x80)),
        lambda: case_bad_ref("reference of length 0", (4242, 0, 0)),
        lambda: case_bad_ref("POSIX reference (no MEMFD bit)", (4242, 0, 64), flags=F_SHMDATA),
        lambda: case_bad_ref("pool truncated after registration", (4242, 16384, 1024),
                             pool=65536, truncate_to=1024),
        lambda: case_bad_ref("pool truncated, reference across the new end's page",
                             (4242, 2048, 8192), pool=65536, truncate_to=1024),
        lambda: case_register("REGISTER_MEMFD_SHMID without an fd", []),
        lambda: case_register("REGISTER_MEMFD_SHMID with a pipe", list(os.pipe())),
        lambda: case_register("REGISTER_MEMFD_SHMID twice with the same id",
                              [memfd_with(b"y" * 64)], twice=True),
        case_ring_ok,
        lambda: case_ring_lie("ring A count above the capacity", 0, 0x7FFFFFFF),
        lambda: case_ring_lie("negative ring B count", 4, -5),
        case_ack_tag,
        case_disable,
    ]
    for step in steps:
        try:
            if not step():
                break
        except (OSError, RuntimeError, ValueError, AssertionError, struct.error) as e:
            result(False, "case raised", repr(e))
    print("%d passed, %d failed" % (RESULTS.count(True), RESULTS.count(False)))
    return 0 if RESULTS and all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(cmd_cases())
