#!/bin/bash
# 7. Drain timing (libpulse async client, drain.c): N ms written at once,
#    drain requested; the drain callback must fire within ±50 ms of
#    STARTED + N (the expected play-out end).  Cases: paplay-like default
#    attributes 500 ms and 1200 ms, ADJUST_LATENCY 50 ms 500 ms.  The pipe
#    sink output must hold every case's frames, contiguous and complete.
# usage: t07-drain.sh PATH-TO-stream-drain
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] && [ -x "$1" ] || { echo "usage: $0 STREAM-DRAIN-BINARY" >&2; exit 2; }
st_init
compat_write_script "$(st_pipe_sink dpipe)"
compat_start_daemon
st_capture_start dpipe
T=$COMPAT_TMP
st_run 60 drain-client "$1" dpipe || compat_fail "the drain client reported failures"
sed "s/^/[$COMPAT_TEST_NAME]   /" "$T/logs/drain-client.log" >&2
st_settle dpipe 0.2
st_capture_stop dpipe
runs=$(st_sig runs "$T/dpipe.raw") || compat_fatal "analysis failed"
res=$("$COMPAT_PY" - "$runs" <<'PY'
import json, sys
runs = json.loads(sys.argv[1])
want = {1: 22050, 2: 22050, 3: 52920}
fails = []
for k, n in want.items():
    rs = [r for r in runs if r[0] // 1000000 == k]
    ok = len(rs) == 1 and rs[0][0] == k * 1000000 and rs[0][1] == n
    print("case %d: runs %s (want one run of %d frames) %s" % (k, rs[:4], n, "ok" if ok else "FAIL"))
    if not ok:
        fails.append(k)
sys.exit(1 if fails else 0)
PY
) || compat_fail "not all drained audio arrived contiguously in the pipe sink"
printf '%s\n' "$res" | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2
compat_finish
