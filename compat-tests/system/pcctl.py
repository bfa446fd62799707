"""Native-protocol helper for the system-mode tests (stdlib only).

pactl has no kill-* commands and cannot hold many connections or streams,
so the tests use this instead. Connects to $PULSE_SERVER (unix:PATH), the
same way libpulse does: AUTH (cookie from $HOME, usually absent: system
mode lets group members in), SET_CLIENT_NAME.

  pcctl.py kill-sink-input IDX | kill-source-output IDX | kill-client IDX
      prints "OK" (exit 0) or "Failure: <pactl's error text>" (exit 1)
  pcctl.py flood N SECS
      opens N connections, AUTHs each, keeps the survivors SECS seconds;
      prints "accepted=A refused=R" (refused = closed by the daemon)
  pcctl.py uploads N LENGTH
      one connection, N CREATE_UPLOAD_STREAMs of LENGTH bytes (never
      finished); prints "created=C error=<text or none>"
"""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import pnative as pn  # noqa: E402

KILL_CLIENT, KILL_SINK_INPUT, KILL_SOURCE_OUTPUT = 48, 49, 50
CREATE_UPLOAD_STREAM = 15
ERRORS = {1: "Access denied", 3: "Invalid argument", 5: "No such entity",
          18: "Too large", 12: "Entity killed"}


def socket_path():
    s = os.environ.get("PULSE_SERVER", "unix:/run/pulse/native")
    return s[5:] if s.startswith("unix:") else s


def connect(name="pcctl"):
    c = pn.Conn(socket_path())
    err = pn.handshake(c, name)
    if err:
        raise SystemExit("Connection failure: %s" % err)
    return c


def request(c, cmd, tag, body):
    if not c.send(pn.packet(cmd, tag, body)):
        return "EOF"
    while True:
        p = c.read_packet(time.monotonic() + 5)
        if isinstance(p, str):
            return p
        if p[0] in (pn.REPLY, pn.ERROR) and p[1] == tag:
            return p


def result(p):
    if p == "EOF" or p == "HANG":
        return "Failure: connection %s" % ("closed" if p == "EOF" else "timed out")
    if p[0] == pn.REPLY:
        return "OK"
    code, _ = pn.get_u32(p[2], 0)
    return "Failure: %s" % ERRORS.get(code, "error %d" % code)


def cmd_kill(what, idx):
    cmd = {"kill-sink-input": KILL_SINK_INPUT, "kill-source-output": KILL_SOURCE_OUTPUT,
           "kill-client": KILL_CLIENT}[what]
    c = connect()
    r = result(request(c, cmd, 2, pn.u32(int(idx))))
    print(r)
    return 0 if r == "OK" else 1


def cmd_flood(n, secs):
    conns, accepted, refused = [], 0, 0
    for _ in range(int(n)):
        try:
            c = pn.Conn(socket_path(), timeout=5)
        except OSError:
            refused += 1
            continue
        if not c.send(pn.auth_packet(0)):
            refused += 1
            continue
        p = c.read_packet(time.monotonic() + 5)
        if isinstance(p, str) or p[0] != pn.REPLY:
            refused += 1
            c.close()
            continue
        accepted += 1
        conns.append(c)
    print("accepted=%d refused=%d" % (accepted, refused), flush=True)
    time.sleep(float(secs))
    for c in conns:
        c.close()
    return 0


def cmd_uploads(n, length):
    c = connect()
    created, err = 0, "none"
    spec = b"a" + bytes([3, 2]) + struct.pack(">I", 44100)      # s16le, 2 ch, 44.1 kHz
    cmap = b"m" + bytes([2, 1, 2])                               # front-left, front-right
    for i in range(int(n)):
        body = (pn.string("quota%d" % i) + spec + cmap + pn.u32(int(length)) +
                pn.proplist({"media.name": "quota%d" % i}))
        r = result(request(c, CREATE_UPLOAD_STREAM, 10 + i, body))
        if r != "OK":
            err = r[len("Failure: "):]
            break
        created += 1
    print("created=%d error=%s" % (created, err))
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1].startswith("kill-"):
        return cmd_kill(argv[1], argv[2])
    if len(argv) == 4 and argv[1] == "flood":
        return cmd_flood(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == "uploads":
        return cmd_uploads(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
