#!/bin/bash
# ALSA 2. Low latency and xrun recovery on the simulated card:
#   a) pacat --latency-msec=10 plays 10 s of indexed frames (s16le 48 kHz
#      stereo) into module-alsa-sink device=card0: pacat -v reports no
#      underrun before EOF, the card logs no xrun and played no silence
#      inside the stream: its output holds all 480000 frames, contiguous.
#      (Inconclusive, skip 77, if an underrun happened while other
#      processes used > 25 % of the machine, as in streams test 5.)
#   b) two streams (indexed frames, and silence) play 4 s; after 1 s an
#      xrun is injected (touch $SIMHW_OUT/card0-xrun): the card logs it, the
#      daemon recovers (logs the count), and the indexed stream's audio keeps
#      arriving: the output after the xrun holds its frames up to the last
#      one, and both clients finish.
. "$(dirname "$0")/lib.sh"
al_init
compat_need_prog renice nice
T=$COMPAT_TMP
O=$SIMHW_OUT
compat_write_script \
    "load-module module-alsa-sink device=card0 control=card0 sink_name=alsa0 format=s16le rate=48000 channels=2"
# real-time scheduling as in production (SCHED_FIFO as root; the harness default is off)
compat_start_daemon --realtime=yes --high-priority=yes
al_renice
st_sig gen index "$T/in.raw" --raw --frames 480000 || compat_fatal "signal generation failed"

# a)
"$COMPAT_PY" "$STREAMS_DIR/cpuload.py" snap "$COMPAT_DAEMON_PID" >"$T/cpu.json"
# The client under real-time scheduling when we may (root), otherwise nice -15:
# what is measured is the server, not whether the VM let pacat run in time.
CLIENT_SCHED="nice -n -15"
if [ "$(id -u)" = 0 ] && command -v chrt >/dev/null && chrt -f 10 true 2>/dev/null; then
    CLIENT_SCHED="chrt -f 10"
fi
timeout -k 3 30 $CLIENT_SCHED pacat -v --latency-msec=10 -d alsa0 --format=s16le --rate=48000 \
    --channels=2 --raw "$T/in.raw" 2>"$T/pacat.err" </dev/null || compat_fail "pacat exited non-zero"
load=$("$COMPAT_PY" "$STREAMS_DIR/cpuload.py" diff "$T/cpu.json")
tr '\r' '\n' <"$T/pacat.err" | grep -v '^Time: ' >"$T/logs/pacat.log"
under=$(tr '\r' '\n' <"$T/pacat.err" | sed '/^Got EOF\./q' | grep -c '^Stream underrun\.' || true)
tr '\r' '\n' <"$T/pacat.err" | grep -m1 '^Buffer metrics' | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2
compat_log "underruns before EOF: $under; CPU others/total/daemon: $load"
al_wait_stopped card0
xr=$(grep -c ' xrun ' "$O/card0-events.log" || true)
al_wav_data "$O/card0-play.wav" "$T/a.raw"
runs=$(st_sig runs "$T/a.raw") || compat_fatal "analysis failed"
verdict=$("$COMPAT_PY" - "$runs" <<'PY'
import json, sys
runs = json.loads(sys.argv[1])
ok = len(runs) == 1 and runs[0][0] == 0 and runs[0][1] == 480000
print("card output: %s, runs %s" % ("480000 frames CONTIGUOUS" if ok else "BROKEN", runs[:4]))
sys.exit(0 if ok else 1)
PY
) && contiguous=1 || contiguous=0
compat_log "$verdict; card xruns: $xr"
if [ "$under" -ne 0 ] || [ "$xr" -ne 0 ] || [ "$contiguous" -ne 1 ]; then
    others=${load%% *}
    if "$COMPAT_PY" -c "import sys; sys.exit(0 if $others > 0.25 else 1)"; then
        compat_log "underrun while others used $others of the CPU: inconclusive"
        inconclusive=1
    else
        compat_fail "10 s at 10 ms latency: $under stream underrun(s), $xr card xrun(s), contiguous=$contiguous"
    fi
fi

# b) injected xrun with two streams
st_sig gen index "$T/b.raw" --raw --frames 192000 || compat_fatal "signal generation failed"
head -c 768000 /dev/zero >"$T/zero.raw"
timeout -k 3 20 pacat -d alsa0 --format=s16le --rate=48000 --channels=2 --raw "$T/b.raw" \
    >"$T/logs/pacat-b.log" 2>&1 </dev/null &
pb=$!
timeout -k 3 20 pacat -d alsa0 --format=s16le --rate=48000 --channels=2 --raw "$T/zero.raw" \
    >"$T/logs/pacat-z.log" 2>&1 </dev/null &
pz=$!
COMPAT_BG_PIDS="${COMPAT_BG_PIDS:-} $pb $pz"
sleep 1
size_before=$(stat -c %s "$O/card0-play.wav")
touch "$O/card0-xrun"
rc=0; wait "$pb" || rc=$?
[ "$rc" -eq 0 ] || compat_fail "the indexed stream's pacat exited $rc"
rc=0; wait "$pz" || rc=$?
[ "$rc" -eq 0 ] || compat_fail "the silent stream's pacat exited $rc"
al_wait_stopped card0
grep -q 'xrun reason=injected-file' "$O/card0-events.log" || compat_fail "the card logged no injected xrun"
grep -q 'xrun(s) so far, recovered' "$COMPAT_LOG" || compat_fail "the daemon did not log the recovered xrun"
tail -c +$((size_before + 1)) "$O/card0-play.wav" >"$T/b-after.raw"
runs=$(st_sig runs "$T/b-after.raw") || compat_fatal "analysis failed"
"$COMPAT_PY" - "$runs" <<'PY' | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2 || compat_fail "the stream did not keep playing after the xrun"
import json, sys
runs = json.loads(sys.argv[1])
last = runs[-1][0] + runs[-1][1] if runs else 0
total = sum(r[1] for r in runs)
ok = last == 192000 and total >= 96000
print("after the xrun: runs %s … last frame %d, %d frames: %s" % (runs[:3], last, total, "OK" if ok else "BROKEN"))
sys.exit(0 if ok else 1)
PY
if [ "$COMPAT_FAILS" -eq 0 ] && [ "${inconclusive:-0}" = 1 ]; then
    compat_skip "underrun on a busy machine: inconclusive"
fi
compat_finish
