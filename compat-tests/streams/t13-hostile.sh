#!/bin/bash
# 13. Hostile stream input (hostile-streams.py; see there for the cases and
#     expectations): invalid spec/map → ERROR INVALID; zero/huge buffer
#     attributes → accepted, sanitized; memblocks for unknown channels and
#     unaligned memblocks ignored; writing beyond maxlength → OVERFLOW; seeks
#     to ±2^62 → no crash.  Then, at the same time:
#     - a client creates 3 record streams (maxlength 1 MiB each) on
#       hpipe.monitor, each producing ~6 MB/s (float32, 8 ch, 192 kHz), and
#       never reads its socket for 5 s: the daemon's VmRSS may grow by at
#       most 16 MiB (unbounded buffering would be ≥ 50 MB in the 3 s that
#       stream A plays), and other clients keep working (pactl info; audio
#       below).  Control: a client that does read one such stream while A
#       plays must get ≥ 3 MB/s (else the RSS check proves nothing);
#     - two paplays into pipe sink hpipe: A (3 s of indexed frames) and B
#       (volume 0, so A's frames stay exact in the mix); B is killed with
#       SIGKILL after ~1 s: A must still arrive complete and contiguous.
. "$(dirname "$0")/lib.sh"
st_init
compat_write_script "$(st_pipe_sink hpipe)"
compat_start_daemon
pactl_ok info   # makes sure the cookie exists
export COMPAT_SOCKET COMPAT_DAEMON_PID
T=$COMPAT_TMP
if ! timeout -k 5 90 "$COMPAT_PY" "$STREAMS_DIR/hostile-streams.py" cases >"$T/cases.out" 2>&1; then
    compat_fail "hostile-streams.py reported failures"
fi
sed "s/^/[$COMPAT_TEST_NAME]   /" "$T/cases.out" >&2
compat_daemon_alive || compat_fatal "the daemon died during the hostile cases"

st_capture_start hpipe
st_sig gen index "$T/a.wav" --frames 132300 && st_sig gen index "$T/b.wav" --start 1000000 --frames 132300 ||
    compat_fatal "signal generation failed"
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$COMPAT_DAEMON_PID/status"; }
rss0=$(rss)
timeout -k 3 15 "$COMPAT_PY" "$STREAMS_DIR/hostile-streams.py" stall 5 hpipe.monitor >"$T/logs/stall.log" 2>&1 &
stall=$!
COMPAT_BG_PIDS="$COMPAT_BG_PIDS $stall"
compat_wait_for "the stalled record stream to be set up" 10 grep -q STALLING "$T/logs/stall.log"
rss1=$(rss)
st_run 20 paplay-a paplay -d hpipe "$T/a.wav" & pa=$!
paplay -d hpipe --volume=0 "$T/b.wav" >"$T/logs/paplay-b.log" 2>&1 & pb=$!
COMPAT_BG_PIDS="$COMPAT_BG_PIDS $pb"
st_wait_sink_inputs 2
rate=$(timeout -k 3 10 "$COMPAT_PY" "$STREAMS_DIR/hostile-streams.py" rate 1 hpipe.monitor 2>&1 | tail -n 1)
compat_log "control: a reading client gets ${rate#RATE } bytes/s from hpipe.monitor (float32 8 ch 192 kHz)"
[[ $rate == RATE* ]] && [ "${rate#RATE }" -ge 3000000 ] ||
    compat_fail "the monitor does not deliver the record data at ≥ 3 MB/s (${rate}): the RSS check would prove nothing"
kill -KILL "$pb" 2>/dev/null
wait "$pb" 2>/dev/null
compat_pactl info
assert_eq "pactl info works while a client stalls its record stream" 0 "$PACTL_RC"
wait $pa || compat_fail "paplay A failed after B was killed"
wait "$stall"
rss2=$(rss)
compat_log "daemon VmRSS: ${rss0} kB before, ${rss1} kB with the stalled stream set up, ${rss2} kB after 5 s stalled (growth $(( (rss2 - rss0) / 1024 )) MiB, limit 16 MiB)"
sed "s/^/[$COMPAT_TEST_NAME]   stall: /" "$T/logs/stall.log" >&2
[ $((rss2 - rss0)) -le $((16 * 1024)) ] || compat_fail "daemon RSS grew by $(( (rss2 - rss0) / 1024 )) MiB while a record stream was not read"
st_settle hpipe 0.2
st_capture_stop hpipe
runs=$(st_sig runs "$T/hpipe.raw") || compat_fatal "analysis failed"
res=$("$COMPAT_PY" - "$runs" <<'PY'
import json, sys
runs = [r for r in json.loads(sys.argv[1]) if r[0] < 1000000]
ok = len(runs) == 1 and runs[0][0] == 0 and runs[0][1] == 132300
print("stream A in the pipe output: %s %s" % ("CONTIGUOUS" if ok else "BROKEN", runs[:5]))
sys.exit(0 if ok else 1)
PY
) || compat_fail "stream A did not keep playing after the other paplay was SIGKILLed"
printf '%s\n' "$res" | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2
compat_daemon_alive || compat_fail "the daemon is no longer running"

# A recording client (3 streams on one connection) whose socket stops taking
# data while the monitor is handing out data: the write fails in the middle of
# the loop over the monitor's streams and the connection goes with all three
# (a use-after-free of the next stream in that loop, found by CI under ASan).
st_capture_start hpipe
st_run 20 paplay-c paplay -d hpipe "$T/a.wav" & pc=$!
st_wait_sink_inputs 1
timeout -k 3 20 "$COMPAT_PY" "$STREAMS_DIR/hostile-streams.py" vanish 5 hpipe.monitor \
    >"$T/logs/vanish.log" 2>&1 || compat_fail "hostile-streams.py vanish failed"
sed "s/^/[$COMPAT_TEST_NAME]   vanish: /" "$T/logs/vanish.log" >&2
grep -q "round 4: [1-9][0-9]* bytes" "$T/logs/vanish.log" ||
    compat_fail "the vanishing recorder got no record data (the case would prove nothing)"
compat_daemon_alive || compat_fatal "the daemon died when a recording client's socket stopped taking data"
wait $pc || compat_fail "paplay C failed while recording clients vanished"
st_settle hpipe 0.2
st_capture_stop hpipe
compat_pactl info
assert_eq "pactl info works after the vanishing recorders" 0 "$PACTL_RC"
pactl_ok list short sinks
assert_match "sinks intact" $'\thpipe\t' "$PACTL_OUT"
compat_finish
