"""A stand-in for systemd's notification socket (sd_notify(3)).

  notify-listen.py SOCKET LOG
binds a datagram socket at SOCKET (mode 0777, as systemd's is reachable by
the service after it drops root) and appends every message to LOG, one
"TIME_MONOTONIC<TAB>FIELD=VALUE" line per field, until killed.
"""
import os
import socket
import sys
import time

path, log = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)
with open(log, "a", buffering=1) as out:
    out.write("%.3f\tLISTENING=1\n" % time.monotonic())
    while True:
        data = s.recv(65536).decode(errors="replace")
        for field in data.split("\n"):
            if field:
                out.write("%.3f\t%s\n" % (time.monotonic(), field))
