#!/usr/bin/python3
"""Normalisation table for the differential test (tests/differential.sh).

The differential test runs the same pactl transcript against Debian's
pulseaudio and against pulsecompat and compares them line by line after
this filter.  EVERY difference that is allowed is a row of RULES below,
with the reason it is allowed.  Anything not covered here must be
byte-identical.  Keep README.md's table in sync with this file.

Usage: diff-normalise.py < transcript > normalised
(The test has already replaced its private temp dir with @TMP@.)
"""
import re
import sys

# (name, regex, replacement, reason)
RULES = [
    ("server-name",
     r"^(Server Name: ).*$", r"\1<server-name>",
     "Implementation identity: pulsecompat may announce its own name."),
    ("server-version",
     r"^(Server Version: ).*$", r"\1<server-version>",
     "Implementation identity/version string."),
    ("cookie",
     r"^(Cookie: )[0-9a-f]{4}:[0-9a-f]{4}$", r"\1<cookie>",
     "pactl info prints a hash of the random per-run auth cookie."),
    ("device-latency",
     r"^(\tLatency: )\d+( usec, configured \d+ usec)$", r"\1<N>\2",
     "Measured sink/source latency depends on timing (the configured "
     "latency stays compared)."),
    ("stat-in-use",
     r"^Currently in use: .*$", "Currently in use: <memory stats>",
     "Memory-pool block accounting (STAT) is implementation specific; the "
     "spec accepts any plausible numbers."),
    ("stat-lifetime",
     r"^Allocated during whole lifetime: .*$", "Allocated during whole lifetime: <memory stats>",
     "Same as stat-in-use."),
    ("process-id",
     r'^(\t\tapplication\.process\.id = ")\d+(")$', r"\1<pid>\2",
     "PID of each pactl run differs between runs."),
    ("module-author",
     r'^(\t\tmodule\.author = ").*(")$', r"\1<author>\2",
     "Module metadata is implementation identity (author)."),
    ("module-description",
     r'^(\t\tmodule\.description = ").*(")$', r"\1<description>\2",
     "Module metadata is implementation identity (description text)."),
    ("module-version",
     r'^(\t\tmodule\.version = ").*(")$', r"\1<version>\2",
     "Module metadata is implementation identity (version)."),
    ("tcp-peer",
     r'^(\t\tnative-protocol\.peer = "TCP/IP client from [0-9.:\[\]a-f]+):\d+(")$', r"\1:<port>\2",
     "Ephemeral client port of a TCP connection (not used by the current "
     "transcript; kept for additions)."),
]

# Structural rule (not a regex): the lines of each "Properties:" block are
# sorted.  Reason: a proplist is an unordered map; PulseAudio sends entries
# in its internal hash order, which clients must not (and pactl does not)
# rely on.  The set of keys and every value are still compared.
SORT_PROPERTY_BLOCKS = True

_COMPILED = [(n, re.compile(r), s) for (n, r, s, _why) in RULES]


def normalise_line(line):
    for _n, rx, sub in _COMPILED:
        line = rx.sub(sub, line)
    return line


def normalise(lines):
    out = []
    block = None  # collecting property lines
    indent = None
    for raw in lines:
        line = normalise_line(raw.rstrip("\n"))
        if block is not None:
            if line.startswith(indent):
                block.append(line)
                continue
            out.extend(sorted(block))
            block = None
        out.append(line)
        if SORT_PROPERTY_BLOCKS and re.match(r"^\t*Properties:$", line):
            indent = re.match(r"^(\t*)", line).group(1) + "\t"
            block = []
    if block is not None:
        out.extend(sorted(block))
    return out


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("--table", "-t"):
        for n, r, s, why in RULES:
            print("%s\t%s\t%s\t%s" % (n, r, s, why))
        return 0
    for line in normalise(sys.stdin.readlines()):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
