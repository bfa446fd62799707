#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# update-corpus.sh: regenerate the session-derived seed corpora from the
# recordings in conformance/sessions/*.jsonl (real libpulse clients talking
# to PulseAudio 16.1, see conformance/sessions/FORMAT.md).
#
#   protocol/wire/fuzz/update-corpus.sh
#
# corpus/fuzz-packet-sessions/SESSION.connN
#       the whole client->server byte stream of one connection, frames as
#       recorded (descriptor + payload), in order: what fuzz-packet reads.
#       Audio payloads are cut to at most 960 bytes per memblock (a whole
#       number of frames for every common layout; the descriptor's length is
#       rewritten to match) so the corpus stays small. Byte-identical streams
#       (the many one-shot pactl runs) are kept once.
# corpus/fuzz-tagstruct-sessions/SESSION.LINE.COMMAND
#       every distinct control packet a client sent, as written by
#       conformance/extract-fuzz-seeds.py (packet payload = tagstruct), with
#       a leading 0x00 byte: fuzz-tagstruct's "read by tag" mode.
#
# Both directories are replaced as a whole; the output is deterministic, so
# an unchanged recording set gives no diff. The total size of corpus/ must
# stay under 2 MB (checked at the end). Needs python3 (standard library).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
sessions=${1:-$root/conformance/sessions}
extract=$root/conformance/extract-fuzz-seeds.py
limit=$((2 * 1024 * 1024))

[ -d "$sessions" ] || { echo "update-corpus.sh: no $sessions" >&2; exit 1; }
[ -f "$extract" ] || { echo "update-corpus.sh: no $extract" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fuzz-tagstruct-sessions: packet payloads from extract-fuzz-seeds.py
python3 "$extract" "$tmp/payloads" --sessions "$sessions" >/dev/null
mkdir -p "$tmp/fuzz-tagstruct-sessions"
for f in "$tmp"/payloads/*; do
        { printf '\0'; cat "$f"; } >"$tmp/fuzz-tagstruct-sessions/$(basename "$f")"
done

# fuzz-packet-sessions: whole client byte streams, one per connection
python3 - "$sessions" "$tmp/fuzz-packet-sessions" <<'PY'
import base64, hashlib, json, os, struct, sys

sessions, out = sys.argv[1], sys.argv[2]
CONTROL, MEMBLOCK_MAX = 0xFFFFFFFF, 960
os.makedirs(out, exist_ok=True)
seen = set()
for fn in sorted(os.listdir(sessions)):
    if not fn.endswith('.jsonl'):
        continue
    streams = {}
    with open(os.path.join(sessions, fn), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            if rec.get('type') != 'frame' or rec.get('dir') != 'c2s':
                continue
            raw = base64.b64decode(rec['raw'])
            if len(raw) >= 20:
                length, channel = struct.unpack_from('>II', raw, 0)
                if channel != CONTROL and length > MEMBLOCK_MAX and len(raw) == 20 + length:
                    raw = struct.pack('>I', MEMBLOCK_MAX) + raw[4:20 + MEMBLOCK_MAX]
            streams.setdefault(rec['conn'], []).append(raw)
    for conn in sorted(streams):
        data = b''.join(streams[conn])
        h = hashlib.sha256(data).digest()
        if h in seen:
            continue
        seen.add(h)
        with open(os.path.join(out, '%s.conn%d' % (fn[:-6], conn)), 'wb') as f:
            f.write(data)
PY

for d in fuzz-packet-sessions fuzz-tagstruct-sessions; do
        rm -rf "${here:?}/corpus/$d"
        mv "$tmp/$d" "$here/corpus/$d"
        echo "update-corpus.sh: corpus/$d: $(ls "$here/corpus/$d" | wc -l) files," \
             "$(cat "$here/corpus/$d"/* | wc -c) bytes"
done

total=$(find "$here/corpus" -type f -exec cat {} + | wc -c)
echo "update-corpus.sh: corpus/ holds $total bytes in total"
if [ "$total" -ge "$limit" ]; then
        echo "update-corpus.sh: over the 2 MB budget; lower MEMBLOCK_MAX or drop sessions" >&2
        exit 1
fi
