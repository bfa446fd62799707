#!/usr/bin/python3
"""cpuload.py snap PID… > FILE   /   cpuload.py diff FILE

Measures how busy the machine was between two snapshots, excluding the
processes under test (the daemon; short-lived clients count as "other"): the fraction of the
machine's total CPU capacity used by everything else.  Used by timing
tests to tell "the server under-ran" from "the machine was not idle".
"""
import json
import os
import sys

HZ = os.sysconf("SC_CLK_TCK")


def machine():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return sum(v[:8]), idle


def proc_ticks(pid):
    try:
        with open("/proc/%s/stat" % pid) as f:
            s = f.read()
        rest = s[s.rindex(")") + 2:].split()
        return int(rest[11]) + int(rest[12])  # utime + stime (all threads)
    except (OSError, ValueError, IndexError):
        return 0


def snap(pids):
    total, idle = machine()
    return {"total": total, "idle": idle, "procs": {p: proc_ticks(p) for p in pids}}


def main():
    if sys.argv[1] == "snap":
        json.dump(snap(sys.argv[2:]), sys.stdout)
        return 0
    with open(sys.argv[2]) as f:
        a = json.load(f)
    b = snap(list(a["procs"]))
    total = b["total"] - a["total"]
    busy = total - (b["idle"] - a["idle"])
    ours = sum(max(0, b["procs"][p] - a["procs"][p]) for p in a["procs"])
    others = max(0, busy - ours)
    frac = others / total if total > 0 else 0.0
    # others' share of total capacity, total busy share, the daemon's share
    print("%.3f %.3f %.3f" % (frac, busy / total if total else 0.0, ours / total if total else 0.0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
