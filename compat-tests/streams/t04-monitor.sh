#!/bin/bash
# 4. parec from a monitor source (parec -d null1.monitor) captures what
#    paplay plays into the null sink: the played PCM (1 s chirp/counter,
#    s16le 44.1 kHz stereo) must be found byte-identical and contiguous in
#    the capture, at any start offset.  The played file starts with 250 ms
#    of digital silence: PulseAudio's null sink renders ahead and rewinds
#    when a stream appears, and the monitor does not repeat the part it had
#    already delivered as silence (≈ 18 ms of the head of the stream are
#    lost that way with the reference); the lead-in absorbs that.
. "$(dirname "$0")/lib.sh"
st_init
compat_start_daemon
T=$COMPAT_TMP
st_sig gen chirp "$T/play.wav" --seconds 1 --lead 0.25 &&
    st_sig gen chirp "$T/in.wav" --seconds 1 || compat_fatal "signal generation failed"

n_outputs() {
    compat_pactl list short source-outputs
    [ -n "$PACTL_OUT" ]
}
timeout -k 2 20 parec -d null1.monitor --raw --format=s16le --rate=44100 --channels=2 \
    --latency-msec=20 >"$T/cap.raw" 2>"$T/logs/parec.log" &
rec=$!
COMPAT_BG_PIDS="$COMPAT_BG_PIDS $rec"
compat_wait_for "parec's record stream to exist" 10 n_outputs
pactl_ok list source-outputs
assert_match "the record stream is on the monitor of null1" \
    '^[[:space:]]*Source: [0-9]+' "$PACTL_OUT"
st_run 15 paplay paplay -d null1 "$T/play.wav" || compat_fail "paplay failed"
sleep 0.4
kill -INT "$rec" 2>/dev/null
wait "$rec"
compat_log "parec captured $(stat -c %s "$T/cap.raw") bytes"
st_check "the monitor capture contains the played PCM, byte-identical" \
    find "$T/in.wav" "$T/cap.raw"
compat_finish
