#!/bin/bash
# 12. Stream clock (timing.c): AUTO_TIMING_UPDATE | INTERPOLATE_TIMING
#     playback of 10 s; every 100 ms after the first STARTED,
#     pa_stream_get_time() is compared with the wall-clock time elapsed since
#     STARTED.  Two streams run at once:
#       null1 (null sink): monotonic, |deviation − median deviation| ≤ 2 ms
#         at every sample, and |median deviation| ≤ 5 ms. The clock's zero
#         is anchored on the arrival of STARTED, one message whose transport
#         delay is itself noise; the constant part (median) is judged apart
#         from how the clock moves against the wall clock (drift, jumps);
#       tpipe (pipe sink): monotonic and ≤ 50 ms (the reference's pipe sink
#         jitters by several ms; reported, loosely checked), and its output
#         must be the 441000 frames, contiguous.
#     As in test 5: the daemon's threads run at nice −15, and a deviation
#     above the tolerance but ≤ 10 ms while other processes used > 25 % of
#     the CPU is inconclusive (skip, 77); above 10 ms it always fails (the
#     reference stays ≤ 3.5 ms even on a saturated machine).
#     The -shm variant (COMPAT_SHM=yes) runs the same through memfd SHM and
#     the srbchannel, where the server collects the answers to its REQUESTs by
#     polling the rings shortly after sending them (REQUEST batching): the
#     daemon log must show such batched reads, and the clock the same bounds.
# usage: t12-timing.sh PATH-TO-stream-timing
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] && [ -x "$1" ] || { echo "usage: $0 STREAM-TIMING-BINARY" >&2; exit 2; }
st_init
compat_need_prog renice
compat_write_script "$(st_pipe_sink tpipe)"
# real-time scheduling as in production (SCHED_FIFO as root; the harness default is off)
compat_start_daemon --realtime=yes --high-priority=yes
for t in /proc/"$COMPAT_DAEMON_PID"/task/*; do renice -n -15 -p "${t##*/}" >/dev/null 2>&1; done
st_capture_start tpipe
T=$COMPAT_TMP
"$COMPAT_PY" "$STREAMS_DIR/cpuload.py" snap "$COMPAT_DAEMON_PID" >"$T/cpu.json"
client_ok=1
# The 2 ms bound is pulsecompat's target (issue #4). Debian's PulseAudio does
# not hold it on this machine (measured up to 2.6 ms with an underflow on an
# idle null sink), so the reference run checks the test's mechanics with 10 ms.
null_tol=2
[ -n "${COMPAT_REFERENCE:-}" ] && null_tol=10
st_run 40 timing-client nice -n -15 "$1" --seconds 10 "null1:$null_tol" tpipe:50 || client_ok=0
load=$("$COMPAT_PY" "$STREAMS_DIR/cpuload.py" diff "$T/cpu.json")
sed "s/^/[$COMPAT_TEST_NAME]   /" "$T/logs/timing-client.log" >&2
compat_log "CPU used by others/total/daemon during the run: $load"
st_settle tpipe 0.2
st_capture_stop tpipe
runs=$(st_sig runs "$T/tpipe.raw") || compat_fatal "analysis failed"
res=$("$COMPAT_PY" - "$runs" <<'PY'
import json, sys
runs = [r for r in json.loads(sys.argv[1]) if r[0] // 1000000 == 2]
ok = len(runs) == 1 and runs[0][0] == 2000000 and runs[0][1] == 441000
print("tpipe output: %s runs %s" % ("CONTIGUOUS" if ok else "BROKEN", runs[:4]))
sys.exit(0 if ok else 1)
PY
) || compat_fail "the pipe sink output is not the 10 s stream, contiguous"
printf '%s\n' "$res" | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2
[ "$client_ok" = 1 ] || compat_fail "the timing client reported failures (monotonicity, samples, errors)"
others=${load%% *}
busy=$("$COMPAT_PY" -c "print(1 if $others > 0.25 else 0)")
inconclusive=0
while read -r _ sink dev tol med; do
    if "$COMPAT_PY" -c "import sys; sys.exit(0 if abs($med) <= 5 else 1)"; then
        compat_log "ok: $sink: median offset of stream time from wall clock $med ms (|.| ≤ 5 ms)"
    else
        compat_fail "$sink: stream time is offset from the wall clock by $med ms (median; limit 5 ms)"
    fi
    if "$COMPAT_PY" -c "import sys; sys.exit(0 if $dev <= $tol else 1)"; then
        compat_log "ok: $sink: max |stream time − wall clock − median offset| $dev ms ≤ $tol ms"
    elif [ "$busy" = 1 ] && "$COMPAT_PY" -c "import sys; sys.exit(0 if $dev <= max($tol, 10) else 1)"; then
        compat_log "$sink: max deviation $dev ms > $tol ms while others used $others of the CPU: inconclusive"
        inconclusive=1
    else
        compat_fail "$sink: stream time deviates from the wall clock by $dev ms (tolerance $tol ms)"
    fi
done < <(grep '^JITTER ' "$T/logs/timing-client.log")
grep -q '^JITTER ' "$T/logs/timing-client.log" || compat_fail "the timing client printed no results"
if [ "${COMPAT_SHM:-}" = yes ] && [ -z "${COMPAT_REFERENCE:-}" ]; then
    batched=$(sed -n 's/.*srbchannel=yes.* \([0-9][0-9]*\) batched reads.*/\1/p' "$COMPAT_LOG" | sort -n | tail -1)
    compat_log "most batched ring reads on one connection: ${batched:-none}"
    [ "${batched:-0}" -gt 0 ] || compat_fail "no REQUEST answer was collected by the batched ring poll"
fi
if [ "$COMPAT_FAILS" -eq 0 ] && [ "$inconclusive" = 1 ]; then
    compat_skip "deviation over tolerance on a busy machine: inconclusive"
fi
compat_finish
