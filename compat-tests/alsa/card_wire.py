#!/usr/bin/python3
"""Card commands on the wire, hostile and versioned (card-hostile.sh).

Usage: card_wire.py SOCKET MODE     MODE = full (pulsecompat with card simA and
sink alsa_output.simA.analog-stereo) or nocard (any daemon, e.g. the reference
PulseAudio, which has no cards: only the error paths that need no card).

Checks error codes against commands.md §1.1/§5.8/§7.9-7.11, the card entry
layout at protocol versions 35, 28 and 25 (fields added at 26, 27, 29, 34),
that every port's profile names are profiles of the card (libpulse rejects
others), that GET_SINK_INFO names the card and its ports, and that a parse
error drops only that connection. Prints one line per check; exit 1 on any
failure.
"""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.environ["COMPAT_DIR"], "harness"))
import pnative as pn  # noqa: E402

GET_CARD_INFO, GET_CARD_INFO_LIST, SET_CARD_PROFILE = 88, 89, 90
SET_SINK_PORT, SET_SOURCE_PORT, SET_PORT_LATENCY_OFFSET = 96, 97, 100
INVALID, NOENTITY, NOTIMPLEMENTED = 3, 5, 23
IDX_NONE = 0xFFFFFFFF
FAILS = []


def check(what, ok, detail=""):
    print("%s: %s%s" % ("ok" if ok else "FAIL", what, (" (%s)" % detail) if detail and not ok else ""))
    if not ok:
        FAILS.append(what)


def s64(v):
    return b"r" + struct.pack(">q", v)


class Reader:
    """Sequential tagstruct reader → python values (raises ValueError)."""

    def __init__(self, data):
        self.d, self.p = data, 0

    def done(self):
        return self.p >= len(self.d)

    def take(self, n):
        if self.p + n > len(self.d):
            raise ValueError("short at %d" % self.p)
        b = self.d[self.p:self.p + n]
        self.p += n
        return b

    def value(self):
        t = self.take(1)
        if t == b"L":
            return struct.unpack(">I", self.take(4))[0]
        if t == b"B":
            return self.take(1)[0]
        if t in (b"R", b"U"):
            return struct.unpack(">Q", self.take(8))[0]
        if t == b"r":
            return struct.unpack(">q", self.take(8))[0]
        if t in (b"1", b"0"):
            return t == b"1"
        if t == b"N":
            return None
        if t == b"t":
            e = self.d.index(b"\0", self.p)
            s = self.d[self.p:e].decode()
            self.p = e + 1
            return s
        if t == b"a":
            return self.take(6)
        if t == b"m":
            return self.take(self.take(1)[0])
        if t == b"v":
            return self.take(4 * self.take(1)[0])
        if t == b"V":
            return self.take(4)
        if t == b"T":
            return self.take(8)
        if t == b"x":
            return self.take(struct.unpack(">I", self.take(4))[0])
        if t == b"P":
            props = {}
            while True:
                k = self.value()
                if k is None:
                    return props
                self.value()                   # length
                props[k] = self.value()
        if t == b"f":
            return (self.value(), self.value())
        raise ValueError("unknown tag %r at %d" % (t, self.p - 1))


def connect(path, version=35):
    c = pn.Conn(path, timeout=10)
    c.send(pn.auth_packet(0, version=version))
    p = c.read_packet(time.monotonic() + 10)
    if isinstance(p, str) or p[0] != pn.REPLY:
        raise SystemExit("AUTH failed: %r" % (p,))
    c.send(pn.packet(pn.SET_CLIENT_NAME, 1, pn.proplist({"application.name": "card_wire"})))
    c.read_packet(time.monotonic() + 10)
    c.tag = 10
    return c


def call(c, cmd, body):
    c.tag += 1
    c.send(pn.packet(cmd, c.tag, body))
    while True:
        p = c.read_packet(time.monotonic() + 10)
        if isinstance(p, str):
            return p
        if p[0] == pn.SUBSCRIBE_EVENT:
            continue
        return p


def expect_error(c, what, cmd, body, code):
    p = call(c, cmd, body)
    got = ("ERROR", pn.get_u32(p[2], 0)[0]) if not isinstance(p, str) and p[0] == pn.ERROR else p
    check("%s → ERROR %d" % (what, code), got == ("ERROR", code), "got %r" % (got,))


def addr(index=IDX_NONE, name=None):
    return pn.u32(index) + (pn.string(name) if name is not None else pn.NULL)


def card_entry(r, version):
    e = {"index": r.value(), "name": r.value(), "module": r.value(), "driver": r.value()}
    e["profiles"] = []
    for _ in range(r.value()):
        p = {"name": r.value(), "desc": r.value(), "sinks": r.value(), "sources": r.value(),
             "prio": r.value()}
        if version >= 29:
            p["available"] = r.value()
        e["profiles"].append(p)
    e["active"] = r.value()
    e["props"] = r.value()
    e["ports"] = []
    if version >= 26:
        for _ in range(r.value()):
            p = {"name": r.value(), "desc": r.value(), "prio": r.value(), "available": r.value(),
                 "dir": r.value(), "props": r.value()}
            p["profiles"] = [r.value() for _ in range(r.value())]
            if version >= 27:
                p["offset"] = r.value()
            if version >= 34:
                p["group"], p["type"] = r.value(), r.value()
            e["ports"].append(p)
    return e


def nocard_checks(path):
    c = connect(path)
    expect_error(c, "GET_CARD_INFO with neither index nor name", GET_CARD_INFO, addr(), INVALID)
    expect_error(c, "GET_CARD_INFO with both index and name", GET_CARD_INFO, addr(0, "x"), INVALID)
    expect_error(c, "GET_CARD_INFO of index 4711", GET_CARD_INFO, addr(4711), NOENTITY)
    expect_error(c, "GET_CARD_INFO of an invalid name", GET_CARD_INFO, addr(name="bad name!"), INVALID)
    expect_error(c, "GET_CARD_INFO of an unknown name", GET_CARD_INFO, addr(name="alsa_card.nope"),
                 NOENTITY)
    expect_error(c, "SET_CARD_PROFILE with a NULL profile", SET_CARD_PROFILE,
                 addr(name="alsa_card.nope") + pn.NULL, INVALID)
    expect_error(c, "SET_CARD_PROFILE on an unknown card", SET_CARD_PROFILE,
                 addr(4711) + pn.string("off"), NOENTITY)
    expect_error(c, "SET_CARD_PROFILE with both index and name", SET_CARD_PROFILE,
                 addr(0, "x") + pn.string("off"), INVALID)
    expect_error(c, "SET_PORT_LATENCY_OFFSET with a NULL port", SET_PORT_LATENCY_OFFSET,
                 addr(0) + pn.NULL + s64(1), INVALID)
    expect_error(c, "SET_PORT_LATENCY_OFFSET on an unknown card", SET_PORT_LATENCY_OFFSET,
                 addr(4711) + pn.string("x") + s64(1), NOENTITY)
    expect_error(c, "SET_SINK_PORT with a NULL port", SET_SINK_PORT, addr(name="null1") + pn.NULL,
                 INVALID)
    expect_error(c, "SET_SINK_PORT on a sink without ports", SET_SINK_PORT,
                 addr(name="null1") + pn.string("x"), NOTIMPLEMENTED)
    p = call(c, GET_CARD_INFO_LIST, b"")
    check("GET_CARD_INFO_LIST answers", not isinstance(p, str) and p[0] == pn.REPLY, repr(p))
    # a parse error (the profile field missing) drops this connection only
    p = call(c, SET_CARD_PROFILE, addr(4711))
    check("SET_CARD_PROFILE without its profile field drops the connection", p == "EOF", repr(p))
    c2 = connect(path)
    p = call(c2, GET_CARD_INFO_LIST, b"")
    check("the daemon still answers other clients", not isinstance(p, str) and p[0] == pn.REPLY)


def full_checks(path):
    for version in (35, 28, 25):
        c = connect(path, version)
        p = call(c, GET_CARD_INFO_LIST, b"")
        ok = not isinstance(p, str) and p[0] == pn.REPLY
        check("v%d: GET_CARD_INFO_LIST answers" % version, ok, repr(p)[:200])
        if not ok:
            continue
        r = Reader(p[2])
        cards = []
        try:
            while not r.done():
                cards.append(card_entry(r, version))
        except (ValueError, IndexError) as e:
            check("v%d: card entries parse to the end" % version, False, str(e))
            continue
        check("v%d: card entries parse exactly" % version, r.done())
        sim = [e for e in cards if e["name"] == "alsa_card.simA"]
        check("v%d: simA is listed" % version, len(sim) == 1)
        if not sim:
            continue
        e = sim[0]
        names = [p["name"] for p in e["profiles"]]
        check("v%d: four profiles" % version, names == [
            "output:analog-stereo", "output:analog-stereo+input:analog-stereo",
            "input:analog-stereo", "off"], repr(names))
        check("v%d: active profile is one of them" % version, e["active"] in names)
        if version >= 26:
            check("v%d: three ports" % version, len(e["ports"]) == 3, repr(e["ports"]))
            for pt in e["ports"]:
                check("v%d: port %s names only existing profiles" % (version, pt["name"]),
                      pt["profiles"] and all(x in names for x in pt["profiles"]))
                check("v%d: port %s availability 0..2, direction 1/2" % (version, pt["name"]),
                      pt["available"] <= 2 and pt["dir"] in (1, 2))
        else:
            check("v25: no port list", e["ports"] == [])
        if version == 35:
            card_index = e["index"]
    c = connect(path)
    # by index, by name, by digits-as-name
    for body, what in ((addr(card_index), "index"), (addr(name="alsa_card.simA"), "name"),
                       (addr(name=str(card_index)), "index digits as name")):
        p = call(c, GET_CARD_INFO, body)
        ok = not isinstance(p, str) and p[0] == pn.REPLY
        e = card_entry(Reader(p[2]), 35) if ok else {}
        check("GET_CARD_INFO by %s" % what, ok and e.get("name") == "alsa_card.simA", repr(p)[:120])
    # the card's sink names the card and carries its output ports
    p = call(c, pn.GET_SINK_INFO, addr(name="alsa_output.simA.analog-stereo"))
    ok = not isinstance(p, str) and p[0] == pn.REPLY
    check("GET_SINK_INFO of the card's sink", ok)
    if ok:
        r = Reader(p[2])
        v = [r.value() for _ in range(19)]
        nports = r.value()
        ports = []
        for _ in range(nports):
            ports.append(r.value())
            r.value(), r.value(), r.value(), r.value(), r.value()
        active = r.value()
        check("sink info field 19 is the card index", v[18] == card_index, "%r" % (v[18],))
        check("sink info lists the card's output ports", sorted(ports) == [
            "analog-output-headphones", "analog-output-speaker"], repr(ports))
        check("sink info names an active port", active in ports, repr(active))
    expect_error(c, "SET_CARD_PROFILE to an unknown profile", SET_CARD_PROFILE,
                 addr(card_index) + pn.string("no-such-profile"), NOENTITY)
    expect_error(c, "SET_CARD_PROFILE with a NULL profile", SET_CARD_PROFILE,
                 addr(card_index) + pn.NULL, INVALID)
    expect_error(c, "SET_PORT_LATENCY_OFFSET on an unknown port", SET_PORT_LATENCY_OFFSET,
                 addr(card_index) + pn.string("no-such-port") + s64(5), NOENTITY)
    expect_error(c, "SET_SINK_PORT to an unknown port", SET_SINK_PORT,
                 addr(name="alsa_output.simA.analog-stereo") + pn.string("no-such-port"), NOENTITY)
    expect_error(c, "SET_SOURCE_PORT to an output port", SET_SOURCE_PORT,
                 addr(name="alsa_input.simA.analog-stereo") + pn.string("analog-output-speaker"),
                 NOENTITY)
    # extreme offsets are accepted and clamp the reported latency, never wrap
    for off in (-(2 ** 63), 2 ** 63 - 1, 0):
        p = call(c, SET_PORT_LATENCY_OFFSET, addr(card_index) + pn.string("analog-output-speaker")
                 + s64(off))
        check("SET_PORT_LATENCY_OFFSET %d is accepted" % off,
              not isinstance(p, str) and p[0] == pn.REPLY)
        if off == -(2 ** 63):
            q = call(c, pn.GET_SINK_INFO, addr(name="alsa_output.simA.analog-stereo"))
            r = Reader(q[2])
            lat = [r.value() for _ in range(11)][10]
            check("minimum offset clamps the sink latency at 0", lat == 0, repr(lat))


def main():
    path, mode = sys.argv[1], sys.argv[2]
    nocard_checks(path)
    if mode == "full":
        full_checks(path)
    print("%d check(s) failed" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
