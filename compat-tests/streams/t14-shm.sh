#!/bin/bash
# 14. memfd SHM and the srbchannel (native-protocol.md §6.5, §8), with a
#     daemon started with SHM enabled (the harness disables it for the other
#     tests) and libpulse clients at their defaults (SHM + memfd on):
#     - paplay (1 s chirp) into a pipe sink: byte-identical and contiguous;
#       the daemon's debug log must say that this connection used SHM
#       (> 0 memfd blocks) and the srbchannel (> 0 ring bytes both ways);
#     - parec from the pipe sink's monitor while paplay plays 2 s of indexed
#       frames: the capture (record data through the ring) holds one
#       contiguous run of all frames;
#     - a second socket with srbchannel=no: SHM blocks, no srbchannel,
#       still byte-exact; a client with enable-memfd=no: no SHM at all (we
#       never do POSIX SHM), still byte-exact;
#     - hostile-shm.py (see there): bad references, registrations, ring
#       counts and acks drop only that connection, while a paplay of 3 s of
#       indexed frames plays on, complete and contiguous.
#     Against the reference only the audio checks run (its log differs and
#     the hostile cases are ours).
. "$(dirname "$0")/lib.sh"
st_init
T=$COMPAT_TMP
compat_write_script "$(st_pipe_sink hpipe)" \
    "load-module module-native-protocol-unix socket=$T/run/nosrb srbchannel=no"
compat_start_daemon --disable-shm=no --log-level=debug
REF=${COMPAT_REFERENCE:+1}
st_sig gen chirp "$T/in.wav" --seconds 1 &&
    st_sig gen index "$T/idx2.wav" --frames 88200 &&
    st_sig gen index "$T/idx3.wav" --start 500000 --frames 132300 ||
    compat_fatal "signal generation failed"

# transport NTH: the NTH "transport:" line of the daemon log (connections in close order)
transport_lines() { grep -o 'transport: .*' "$COMPAT_LOG"; }

# play_case NAME WHAT PATTERN [VAR=VALUE…]: paplay of in.wav into hpipe (with
# those variables in its environment): the PCM must arrive byte-identical, and
# (pulsecompat) the connection's "transport:" line must match PATTERN.
play_case() {
    local name=$1 what=$2 pattern=$3 n0 line
    shift 3
    st_capture_start hpipe
    n0=$(transport_lines | wc -l)
    ( [ $# -eq 0 ] || export "$@"; st_run 15 "$name" paplay -d hpipe "$T/in.wav" ) ||
        compat_fail "$name exited non-zero"
    st_settle hpipe 0.3
    st_capture_stop hpipe
    st_check "$name: PCM byte-identical and contiguous" \
        find "$T/in.wav" "$T/hpipe.raw" --trail-silence 0.2
    [ -z "$REF" ] || return 0
    compat_wait_for "the $name connection to close" 5 \
        sh -c "[ \$(grep -c 'transport: ' '$COMPAT_LOG') -gt $n0 ]"
    line=$(transport_lines | sed -n "$((n0 + 1))p")
    compat_log "$name: $line"
    assert_match "$what" "$pattern" "$line"
}

# 1. paplay through SHM + srbchannel
play_case paplay "paplay used memfd SHM blocks and the srbchannel both ways" \
    'shm=yes, [1-9][0-9]* memfd blocks .* srbchannel=yes \([1-9][0-9]* bytes in, [1-9][0-9]* out'

# 2. record data through the ring
timeout -k 2 20 parec -d hpipe.monitor --raw --format=s16le --rate=44100 --channels=2 \
    --latency-msec=20 >"$T/cap.raw" 2>"$T/logs/parec.log" &
rec=$!
COMPAT_BG_PIDS="$COMPAT_BG_PIDS $rec"
n_outputs() { compat_pactl list short source-outputs; [ -n "$PACTL_OUT" ]; }
compat_wait_for "parec's record stream to exist" 10 n_outputs
st_capture_start hpipe
st_run 15 paplay-idx paplay -d hpipe "$T/idx2.wav" || compat_fail "paplay (indexed) failed"
sleep 0.4
kill -INT "$rec" 2>/dev/null
wait "$rec"
st_capture_stop hpipe
runs=$(st_sig runs "$T/cap.raw") || compat_fatal "analysis failed"
compat_log "parec over the srbchannel: $(stat -c %s "$T/cap.raw") bytes, runs ${runs:0:120}"
"$COMPAT_PY" - "$runs" <<'PY' || compat_fail "the record capture does not hold the 2 s of indexed frames contiguously"
import json, sys
runs = json.loads(sys.argv[1])
sys.exit(0 if any(r[0] == 0 and r[1] == 88200 for r in runs) else 1)
PY

# 3. srbchannel=no socket, and a client without memfd
play_case paplay-nosrb "srbchannel=no: SHM blocks, no ring" \
    'shm=yes, [1-9][0-9]* memfd blocks .* srbchannel=no' PULSE_SERVER="unix:$T/run/nosrb"
printf 'autospawn = no\nenable-memfd = no\n' >"$T/client-nomemfd.conf"
play_case paplay-nomemfd "a client without memfd gets no SHM (copied through the socket)" \
    'shm=no, 0 memfd blocks' PULSE_CLIENTCONFIG="$T/client-nomemfd.conf"

# 4. hostile SHM input while another client plays
if [ -z "$REF" ]; then
    export COMPAT_SOCKET COMPAT_DAEMON_PID
    st_capture_start hpipe
    st_run 25 paplay-a paplay -d hpipe "$T/idx3.wav" & pa=$!
    st_wait_sink_inputs 1
    if ! HOSTILE_SHM_SINK=hpipe timeout -k 5 90 "$COMPAT_PY" "$STREAMS_DIR/hostile-shm.py" cases \
            >"$T/cases.out" 2>&1; then
        compat_fail "hostile-shm.py reported failures"
    fi
    sed "s/^/[$COMPAT_TEST_NAME]   /" "$T/cases.out" >&2
    compat_daemon_alive || compat_fatal "the daemon died during the hostile SHM cases"
    wait $pa || compat_fail "paplay A failed during the hostile SHM cases"
    st_settle hpipe 0.2
    st_capture_stop hpipe
    runs=$(st_sig runs "$T/hpipe.raw") || compat_fatal "analysis failed"
    "$COMPAT_PY" - "$runs" <<'PY' || compat_fail "paplay A was disturbed by the hostile SHM clients"
import json, sys
runs = [r for r in json.loads(sys.argv[1]) if r[0] >= 500000]
ok = len(runs) == 1 and runs[0][0] == 500000 and runs[0][1] == 132300
print("stream A: %s %s" % ("CONTIGUOUS" if ok else "BROKEN", runs[:5]))
sys.exit(0 if ok else 1)
PY
else
    compat_log "reference: hostile SHM cases skipped (they test pulsecompat's limits)"
fi
compat_daemon_alive || compat_fail "the daemon is no longer running"
compat_finish
