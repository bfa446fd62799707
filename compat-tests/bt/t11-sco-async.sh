#!/bin/bash
# 11. The SCO seam is asynchronous: a seam peer that accepts the connection,
#     reads "CONNECT <addr> cvsd" and never answers must not stall the daemon.
#     While the request hangs, switching the card's profile off and back on (the
#     pending request is cancelled and a new one sent) answers within 500 ms of
#     an idle pactl call each, and pactl info's median stays within 100 ms of its
#     idle median (max within 1 s of the idle max; the old blocking exchange
#     stalled the main loop for 2 s in the profile switch). Process start-up of
#     pactl is part of every figure, so the idle figures are measured first. The
#     request then times out once with a warning; the card, its sink and the
#     daemon stay up.
. "$(dirname "$0")/lib.sh"
bt_init
bt_start_mock
ADDR=00:11:22:33:44:12 D=00_11_22_33_44_12
bt_add_device $ADDR "Slow Headset"
compat_write_script "load-module module-bluez5-discover enable_msbc=no sco_socket=$COMPAT_TMP/sco.sock"
compat_bg "$COMPAT_PY" "$BT_DIR/sco_dead_peer.py" "$COMPAT_TMP/sco.sock" >"$COMPAT_TMP/logs/peer.log" 2>&1
bt__peer_ready() { grep -q READY "$COMPAT_TMP/logs/peer.log"; }
compat_wait_for "the SCO peer" 10 bt__peer_ready
compat_start_daemon
RELAY=$(bt_connect_profile $ADDR $BT_UUID_HFP_AG) || compat_fatal "ConnectProfile failed"
compat_bg timeout -k 2 40 "$COMPAT_PY" "$BT_DIR/hf_side.py" "$RELAY" 35 >"$COMPAT_TMP/logs/hf.log" 2>&1

SINK=bluez_sink.$D.headset_head_unit CARD=bluez_card.$D
bt_wait_object sinks $SINK
bt__reqs() { [ "$(grep -c "^REQ CONNECT" "$COMPAT_TMP/logs/peer.log")" -ge "$1" ]; }
compat_wait_for "the SCO request" 10 bt__reqs 1
grep -q "^REQ CONNECT $ADDR cvsd$" "$COMPAT_TMP/logs/peer.log" ||
    compat_fail "unexpected SCO request: $(grep REQ "$COMPAT_TMP/logs/peer.log")"

ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
# pactl_times N: run pactl info N times; sets MEDIAN, MAX (ms) and TIMES
pactl_times() {
    local i t
    TIMES=()
    for i in $(seq 1 "$1"); do
        t=$EPOCHREALTIME
        pactl_ok info
        TIMES+=("$(ms_since "$t")")
    done
    local sorted
    sorted=$(printf '%s\n' "${TIMES[@]}" | sort -n)
    MEDIAN=$(sed -n "$((($1 + 1) / 2))p" <<<"$sorted") MAX=$(tail -n 1 <<<"$sorted")
}
T=$EPOCHREALTIME
pactl_ok set-card-profile $CARD off
MS_OFF=$(ms_since "$T")
pactl_times 7
BASE=$MEDIAN BASE_MAX=$MAX
compat_log "pactl info, no SCO request pending: median $BASE ms (${TIMES[*]})"
T=$EPOCHREALTIME
pactl_ok set-card-profile $CARD headset_head_unit
MS_ON=$(ms_since "$T")
compat_log "set-card-profile off (cancels the pending request): $MS_OFF ms, headset_head_unit (a new one): $MS_ON ms"
[ "$MS_OFF" -le $((BASE + 500)) ] || compat_fail "set-card-profile off took $MS_OFF ms"
[ "$MS_ON" -le $((BASE + 500)) ] || compat_fail "set-card-profile headset_head_unit took $MS_ON ms"
compat_wait_for "the second SCO request" 10 bt__reqs 2
pactl_times 7
compat_log "pactl info while the SCO request hangs: median $MEDIAN ms (+$((MEDIAN - BASE))), max $MAX ms (${TIMES[*]})"
[ "$MEDIAN" -le $((BASE + 100)) ] || compat_fail "pactl info median $MEDIAN ms > $BASE + 100 ms"
[ "$MAX" -le $((BASE_MAX + 1000)) ] || compat_fail "pactl info max $MAX ms > $BASE_MAX + 1000 ms"
bt__timed_out() { grep -q "opening the SCO link timed out" "$COMPAT_LOG"; }
compat_wait_for "the SCO request to time out" 15 bt__timed_out
[ "$(grep -c "opening the SCO link timed out" "$COMPAT_LOG")" -eq 1 ] ||
    compat_fail "the cancelled request timed out too"
bt__has sinks $SINK || compat_fail "the sink went away after the timeout"
pactl_ok info
bt_alive "after the SCO timeout"
bt_finish
