#!/bin/bash
# ALSA 7. A stream that starts (or arrives) while the sink fills its deep queue
#    never underruns: the sink fills ahead by the streams' lowest configured
#    latency (≤ 500 ms), and a new or moved stream's latency must count before
#    the data thread renders for it. The client is the timing client
#    (compat-tests/streams/timing.c: default buffer attributes, i.e. libpulse's
#    250 ms target, 44.1 kHz → the 48 kHz card), which counts UNDERFLOW and
#    STARTED events.
#   a) 3 × a new stream on the idle sink, with a slow card (every transfer
#      takes 2 ms: SIMHW_TRANSFER_US), so that the client's first data arrives
#      while the sink is still priming the device: UNDERFLOW 0, STARTED 1
#      (regression: the device was primed with 500 ms, the sink's latency
#      before the stream's counted, and a stream that started during the
#      prime was rendered beyond its 250 ms: UNDERFLOW + a second STARTED).
#   b) a playing stream moved from a null sink to the idle ALSA sink: no
#      UNDERFLOW (it was rendered 500 ms deep at once).
# usage: t07-start-fill.sh PATH-TO-compat-stream-timing
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] && [ -x "$1" ] || { echo "usage: $0 TIMING-BINARY" >&2; exit 2; }
al_init
T=$COMPAT_TMP
SINK="load-module module-alsa-sink device=card0 control=card0 sink_name=alsa0 format=s16le rate=48000 channels=2"

# check_events LOG WHAT: the client's summary says no underflow and one start
check_events() {
    local line
    line=$(grep -m1 'underflows [0-9]*; started [0-9]*' "$1")
    if [ -z "$line" ]; then
        compat_fail "$2: the timing client printed no summary"
        sed "s/^/[$COMPAT_TEST_NAME]   /" "$1" >&2
        return
    fi
    if printf '%s\n' "$line" | grep -q 'underflows 0; started 1;'; then
        compat_log "ok: $2: $(printf '%s\n' "$line" | grep -o 'underflows [0-9]*; started [0-9]*')"
    else
        compat_fail "$2: $(printf '%s\n' "$line" | grep -o 'underflows [0-9]*; started [0-9]*') (want underflows 0; started 1)"
    fi
}

export SIMHW_TRANSFER_US=2000
for i in 1 2 3; do
    compat_write_script "$SINK"
    compat_start_daemon
    st_run 30 "new-$i" "$1" --seconds 1.5 "alsa0:2" || true
    check_events "$T/logs/new-$i.log" "new stream, slow card, run $i"
    grep -q "playback hw_params" "$SIMHW_OUT/card0-events.log" || compat_fail "the card was not used"
    compat_stop_daemon
    rm -f "$SIMHW_OUT"/card0-*
done
unset SIMHW_TRANSFER_US

compat_write_script "$SINK"
compat_start_daemon
"$1" --seconds 3 "null1:2" >"$T/logs/move.log" 2>&1 </dev/null &
tc=$!
COMPAT_BG_PIDS="${COMPAT_BG_PIDS:-} $tc"
st_wait_sink_inputs 1
sleep 0.7
compat_pactl list short sink-inputs
idx=$(printf '%s\n' "$PACTL_OUT" | awk 'NR == 1 { print $1 }')
if [ -z "$idx" ]; then
    compat_fail "the stream on null1 is not listed"
else
    compat_pactl move-sink-input "$idx" alsa0
    [ "$PACTL_RC" -eq 0 ] || compat_fail "could not move the stream: $PACTL_ERR"
fi
timeout -k 3 30 tail --pid="$tc" -f /dev/null || compat_fail "the timing client did not finish"
wait "$tc" 2>/dev/null || true
check_events "$T/logs/move.log" "stream moved to the idle ALSA sink"
grep -q "playback hw_params" "$SIMHW_OUT/card0-events.log" || compat_fail "the moved stream did not reach the card"
compat_stop_daemon
compat_finish
