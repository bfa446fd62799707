#!/bin/bash
# 11. cork / uncork / flush / trigger / drain on a playback stream, see
#     control.c for the client-side checks.  Here: the pipe sink output must
#     hold A's frames as a prefix [0, k) (every frame once, in order; the cork
#     gap is allowed), with k ≤ 44100 − 8820 (the flush dropped ≥ 200 ms) and
#     k within ±150 ms of the stream time the client saw at the flush; then
#     all 882 frames of B (played by the trigger), then all 13230 frames of C.
# usage: t11-control.sh PATH-TO-stream-control
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] && [ -x "$1" ] || { echo "usage: $0 STREAM-CONTROL-BINARY" >&2; exit 2; }
st_init
compat_write_script "$(st_pipe_sink cpipe)"
compat_start_daemon
st_capture_start cpipe
T=$COMPAT_TMP
st_run 60 control-client "$1" cpipe || compat_fail "the control client reported failures"
sed "s/^/[$COMPAT_TEST_NAME]   /" "$T/logs/control-client.log" >&2
played=$(sed -n 's/^A_PLAYED_MS=//p' "$T/logs/control-client.log")
st_settle cpipe 0.2
st_capture_stop cpipe
runs=$(st_sig runs "$T/cpipe.raw") || compat_fatal "analysis failed"
res=$("$COMPAT_PY" - "$runs" "${played:--1}" <<'PY'
import json, sys
runs = json.loads(sys.argv[1]); played_ms = float(sys.argv[2])
fails = []
seg = {0: [], 1: [], 2: []}
order = []
for r in runs:
    k = r[0] // 1000000
    if k in seg:
        seg[k].append(r)
        if not order or order[-1] != k:
            order.append(k)
print("A runs: %s" % seg[0][:6])
print("B runs: %s" % seg[1][:6])
print("C runs: %s" % seg[2][:6])
print("segment order in the output: %s" % order)
# A: a prefix, every frame once, in order
nxt = 0
for r in seg[0]:
    if r[0] != nxt:
        fails.append("A: run starts at %d, expected %d (lost or repeated frames)" % (r[0], nxt))
    nxt = r[0] + r[1]
k = nxt
print("A played frames [0, %d) = %.1f ms; client stream time at flush %.1f ms" % (k, k / 44.1, played_ms))
if k == 0:
    fails.append("A: nothing of segment A was played")
if k > 44100 - 8820:
    fails.append("A: %d frames played: the flush did not drop the queued rest" % k)
if played_ms >= 0 and abs(k / 44.1 - played_ms) > 150:
    fails.append("A: played %.1f ms but the stream time said %.1f ms" % (k / 44.1, played_ms))
if len(seg[0]) > 2:
    fails.append("A: %d runs (expected one, or two around the cork)" % len(seg[0]))
if [(r[0], r[1]) for r in seg[1]] != [(1000000, 882)]:
    fails.append("B: expected one run of 882 frames (played after the trigger)")
if [(r[0], r[1]) for r in seg[2]] != [(2000000, 13230)]:
    fails.append("C: expected one run of 13230 frames (drained)")
if order != [0, 1, 2]:
    fails.append("segments out of order: %s" % order)
for f in fails:
    print("FAIL: " + f)
sys.exit(1 if fails else 0)
PY
) || compat_fail "the pipe sink output does not match cork/flush/trigger/drain semantics"
printf '%s\n' "$res" | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2
compat_finish
