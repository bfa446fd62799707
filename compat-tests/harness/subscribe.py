#!/usr/bin/python3
"""Event subscriber for the differential test.

Like `pactl subscribe` (same output lines, "Event 'change' on sink #0"), but
it tells when the subscription is active: after the SUBSCRIBE reply it
creates READY_FILE.  That lets the test start its transcript without probe
clients, so client indexes are identical on every run.

Usage: subscribe.py SOCKET_PATH READY_FILE [CLIENT_NAME]
Runs until the connection closes or it gets SIGTERM/SIGINT.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pnative as pn  # noqa: E402

FACILITY = ["sink", "source", "sink-input", "source-output", "module", "client",
            "sample-cache", "server", "autoload", "card"]
TYPE = {0x00: "new", 0x10: "change", 0x20: "remove"}


def main():
    path, ready = sys.argv[1], sys.argv[2]
    name = sys.argv[3] if len(sys.argv) > 3 else "pcompat-subscribe"
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    c = pn.Conn(path, timeout=10)
    err = pn.handshake(c, name)
    if err:
        print("subscribe.py: " + err, file=sys.stderr)
        return 1
    c.send(pn.packet(pn.SUBSCRIBE, 2, pn.u32(0x2FF)))
    p = c.read_packet(time.monotonic() + 10)
    if isinstance(p, str) or p[0] != pn.REPLY or p[1] != 2 or p[2]:
        print("subscribe.py: SUBSCRIBE not acknowledged: %r" % (p,), file=sys.stderr)
        return 1
    with open(ready, "w") as f:
        f.write("ready\n")
    while True:
        p = c.read_packet(None)
        if isinstance(p, str):
            print("subscribe.py: connection %s" % p, file=sys.stderr)
            return 0
        cmd, tag, rest = p if p[0] != "BADPACKET" else (None, None, None)
        if cmd != pn.SUBSCRIBE_EVENT:
            print("subscribe.py: unexpected packet %r" % (p,), file=sys.stderr)
            continue
        try:
            ev, pos = pn.get_u32(rest, 0)
            idx, pos = pn.get_u32(rest, pos)
        except ValueError:
            print("subscribe.py: malformed event %r" % (rest,), file=sys.stderr)
            continue
        fac = ev & 0x0F
        typ = ev & 0x30
        print("Event '%s' on %s #%u" % (TYPE.get(typ, "?"),
                                       FACILITY[fac] if fac < len(FACILITY) else "?", idx),
              flush=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
