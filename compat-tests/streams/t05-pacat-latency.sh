#!/bin/bash
# 5. pacat --latency-msec=20 and pacat --process-time-msec=10 each play 10 s
#    (indexed frames from a file) into a pipe sink without an underrun:
#    pacat -v must print no "Stream underrun." before "Got EOF." (the one
#    after EOF is the normal end-of-drain underflow), and the pipe output
#    must hold all 441000 frames contiguously (no gap = no real underrun, and
#    no lost or repeated data).
#    Negative control: a feeder that stalls for 0.5 s must produce a reported
#    underrun (proves the detection works and that UNDERFLOW is delivered).
#    "Idle machine": the CPU used by other processes during each run is
#    measured; if underruns happened while others used > 25 % of the
#    machine, the result is inconclusive and the test is skipped (77).
#    The daemon's threads and pacat run at nice −15 (test set-up only).
. "$(dirname "$0")/lib.sh"
st_init
compat_need_prog renice nice
compat_write_script "$(st_pipe_sink pipe1)"
# real-time scheduling as in production (SCHED_FIFO as root; the harness default is off)
compat_start_daemon --realtime=yes --high-priority=yes
for t in /proc/"$COMPAT_DAEMON_PID"/task/*; do renice -n -15 -p "${t##*/}" >/dev/null 2>&1; done
st_capture_start pipe1
T=$COMPAT_TMP
FRAMES=441000
st_sig gen index "$T/in.raw" --raw --frames $FRAMES || compat_fatal "signal generation failed"

busy_inconclusive=0
# The client under real-time scheduling when we may (root), otherwise nice -15:
# what is measured is the server, not whether the VM let pacat run in time.
CLIENT_SCHED="nice -n -15"
if [ "$(id -u)" = 0 ] && command -v chrt >/dev/null && chrt -f 10 true 2>/dev/null; then
    CLIENT_SCHED="chrt -f 10"
fi
underruns_before_eof() {
    tr '\r' '\n' <"$1" | sed '/^Got EOF\./q' | grep -c '^Stream underrun\.' || true
}

run_case() {  # run_case LABEL PACAT-OPTION
    local label=$1 opt=$2 err=$T/pacat-$1.err
    local before after load under
    before=$(st_capture_size pipe1)
    "$COMPAT_PY" "$STREAMS_DIR/cpuload.py" snap "$COMPAT_DAEMON_PID" >"$T/cpu-$label.json"
    local t0=$EPOCHREALTIME
    timeout -k 3 25 $CLIENT_SCHED pacat -v "$opt" -d pipe1 --raw "$T/in.raw" 2>"$err" </dev/null ||
        compat_fail "pacat $opt exited non-zero or timed out"
    local t1=$EPOCHREALTIME
    load=$("$COMPAT_PY" "$STREAMS_DIR/cpuload.py" diff "$T/cpu-$label.json")
    st_settle pipe1 0.2
    under=$(underruns_before_eof "$err")
    # keep a readable log (without pacat's "Time: … Latency: …" status lines)
    tr '\r' '\n' <"$err" | grep -v '^Time: ' >"$T/logs/pacat-$label.log"
    tr '\r' '\n' <"$err" | grep -m1 '^Buffer metrics' | sed "s/^/[$COMPAT_TEST_NAME]   $label: /" >&2
    compat_log "  $label: ran $(printf '%.2f' "$("$COMPAT_PY" -c "print($t1-$t0)")") s;" \
        "underruns before EOF: $under; CPU used by others/total/daemon: $load"
    # the capture written during this run: all frames contiguous?
    after=$(st_capture_size pipe1)
    tail -c +$((before + 1)) "$T/pipe1.raw" | head -c $((after - before)) >"$T/seg-$label.raw"
    local runs
    runs=$(st_sig runs "$T/seg-$label.raw")
    local verdict
    verdict=$("$COMPAT_PY" - "$runs" $FRAMES <<'PY'
import json, sys
runs = json.loads(sys.argv[1]); n = int(sys.argv[2])
merged = []
for r in runs:
    merged.append(r)
total = sum(r[1] for r in runs)
ok = len(runs) == 1 and runs[0][0] == 0 and runs[0][1] == n
gaps = [runs[i + 1][2] - (runs[i][2] + runs[i][1]) for i in range(len(runs) - 1)]
print("%s runs=%d frames=%d/%d gaps(frames)=%s first=%s" % (
    "CONTIGUOUS" if ok else "BROKEN", len(runs), total, n, gaps[:10], runs[:3]))
PY
)
    compat_log "  $label: pipe output: $verdict"
    local others=${load%% *}
    local busy
    busy=$("$COMPAT_PY" -c "print(1 if $others > 0.25 else 0)")
    if [ "$under" -gt 0 ] || [[ $verdict != CONTIGUOUS* ]]; then
        if [ "$busy" = 1 ] && [ "$under" -gt 0 ]; then
            compat_log "  $label: $under underrun(s), but other processes used ${others} of the machine: not idle, inconclusive"
            busy_inconclusive=1
        elif [ -n "${COMPAT_REFERENCE:-}" ] && [ "$under" -gt 0 ]; then
            # "No underflow at 20 ms" is pulsecompat's target (issue #4); Debian's
            # PulseAudio misses it now and then on this 2-core machine, which says
            # nothing about the test: the reference run reports it and skips.
            compat_log "  $label: the reference daemon under-ran $under time(s): its known limit, inconclusive"
            busy_inconclusive=1
        elif [ "$under" -gt 0 ]; then
            compat_fail "pacat $opt reported $under underrun(s) on an idle machine"
        else
            compat_fail "pacat $opt: no underrun reported, but the pipe output is not the contiguous 10 s ($verdict)"
        fi
    fi
}

run_case latency20 --latency-msec=20
run_case process10 --process-time-msec=10

# negative control: a stalled feeder must produce a reported underrun
{ head -c 35280 "$T/in.raw"; sleep 0.6; tail -c +35281 "$T/in.raw" | head -c 35280; } 2>/dev/null |
    timeout -k 3 15 pacat -v --latency-msec=20 -d pipe1 --raw 2>"$T/pacat-stall.err"
rc=${PIPESTATUS[1]}
[ "$rc" -eq 0 ] || compat_fail "pacat (stalled feeder) exited $rc"
tr '\r' '\n' <"$T/pacat-stall.err" | grep -v '^Time: ' >"$T/logs/pacat-stall.log"
n=$(underruns_before_eof "$T/pacat-stall.err")
compat_log "  negative control (feeder stalls 0.6 s): underruns reported before EOF: $n"
[ "$n" -ge 1 ] || compat_fail "a stalled feeder did not produce a 'Stream underrun.' (UNDERFLOW not delivered?)"
st_capture_stop pipe1

if [ "$COMPAT_FAILS" -eq 0 ] && [ "$busy_inconclusive" = 1 ]; then
    compat_skip "underruns occurred while the machine was busy with other processes (see above)"
fi
compat_finish
