#!/usr/bin/python3
"""Write the client->server packets of the recorded sessions as fuzz seeds.

    extract-fuzz-seeds.py OUTDIR [--sessions DIR] [--all]

Every control packet a real client sent (a `frame` record with dir "c2s" on
channel 0xFFFFFFFF) becomes one file holding the packet payload: the
tagstruct after the 20-byte frame descriptor (u32 command, u32 tag,
fields...), which is exactly what the packet fuzz target parses.  Audio data
frames are not packets and are left out.

Deterministic: sessions are read in sorted order, files are named
`SESSION.LLLL.COMMAND` (LLLL = line of the frame in SESSION.jsonl), and by
default a payload already written (byte-identical, e.g. the many AUTH
packets) is not written again (--all keeps every copy).  OUTDIR is created;
files already in it are left alone (same name => same content).
Standard library only.
"""
import argparse
import base64
import hashlib
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DESCRIPTOR = 20
CONTROL_CHANNEL = 0xFFFFFFFF

# command numbers -> names, for readable file names (same table as pa_wire.py)
sys.path.insert(0, HERE)
from pa_wire import COMMANDS  # noqa: E402


def seeds(sessions_dir):
    """Yield (file name, payload) in a fixed order."""
    for fn in sorted(os.listdir(sessions_dir)):
        if not fn.endswith(".jsonl"):
            continue
        name = fn[:-6]
        with open(os.path.join(sessions_dir, fn), encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                rec = json.loads(line)
                if rec.get("type") != "frame" or rec.get("dir") != "c2s":
                    continue
                frame = base64.b64decode(rec["raw"])
                if len(frame) < DESCRIPTOR:
                    continue
                channel = struct.unpack_from(">I", frame, 4)[0]
                if channel != CONTROL_CHANNEL:
                    continue
                payload = frame[DESCRIPTOR:]
                cmd = "UNKNOWN"
                if len(payload) >= 5 and payload[0] == ord("L"):
                    n = struct.unpack_from(">I", payload, 1)[0]
                    cmd = COMMANDS[n] if n < len(COMMANDS) else "CMD%d" % n
                yield "%s.%04d.%s" % (name, lineno, cmd), payload


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--sessions", default=os.path.join(HERE, "sessions"))
    ap.add_argument("--all", action="store_true", help="keep byte-identical duplicates")
    a = ap.parse_args(argv)
    os.makedirs(a.outdir, exist_ok=True)
    seen = set()
    written = dup = 0
    for fname, payload in seeds(a.sessions):
        h = hashlib.sha256(payload).digest()
        if h in seen and not a.all:
            dup += 1
            continue
        seen.add(h)
        with open(os.path.join(a.outdir, fname), "wb") as f:
            f.write(payload)
        written += 1
    print("extract-fuzz-seeds: %d seeds written to %s (%d duplicates skipped)" % (written, a.outdir, dup))
    return 0


if __name__ == "__main__":
    sys.exit(main())
