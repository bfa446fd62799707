#!/bin/bash
# 8. The remote closes the stream socket in the middle of playback: the daemon
#    notices (EOF in the data thread), releases the transport and keeps the sink
#    (silent) with the stream on it; a later "pending" from BlueZ acquires again
#    and packets flow once more. A garbage packet sent towards the sink role is
#    drained. No crash, no busy loop (the daemon's CPU time stays low).
. "$(dirname "$0")/lib.sh"
bt_init
bt_start_mock
ADDR=00:11:22:33:44:55 D=00_11_22_33_44_55
bt_add_device $ADDR "Test Headphones"
compat_write_script "load-module module-bluez5-discover"
compat_start_daemon --log-level=info
TP=$(bt_connect_a2dp $ADDR source) || compat_fatal "no A2DP connection"
SINK=bluez_sink.$D.a2dp_sink
bt_wait_object sinks $SINK
bt_wait_state "$TP" active
"$BT_TOOL" tone "$COMPAT_TMP/long.raw" 44100 2 8 || compat_fatal tone
compat_bg timeout -k 2 30 paplay --raw --format=s16le --rate=44100 --channels=2 -d $SINK "$COMPAT_TMP/long.raw"
PLAY=$COMPAT_BG_PID
sleep 1
bt_busctl call org.bluez / org.bluez.Mock SendRaw say "$TP" 3 1 2 3 >/dev/null
bt_busctl call org.bluez / org.bluez.Mock CloseStream s "$TP" >/dev/null
bt__released() { grep -q "closed by the remote side" "$COMPAT_LOG"; }
compat_wait_for "the daemon to notice the closed stream" 10 bt__released
T0=$(awk '{print $14 + $15}' /proc/$COMPAT_DAEMON_PID/stat)
sleep 1
T1=$(awk '{print $14 + $15}' /proc/$COMPAT_DAEMON_PID/stat)
compat_log "daemon CPU during 1 s with a dead stream: $((T1 - T0)) ticks"
[ $((T1 - T0)) -lt 50 ] || compat_fail "the daemon busy-loops after the stream closed ($((T1 - T0)) ticks/s)"
N1=$(wc -l <"$COMPAT_TMP/hci0_dev_${D}_sep1_fd0.times")
bt_busctl call org.bluez / org.bluez.Mock SetTransportState ss "$TP" pending >/dev/null
bt_wait_state "$TP" active
sleep 1
N2=$(wc -l <"$COMPAT_TMP/hci0_dev_${D}_sep1_fd0.times")
compat_log "packets before/after re-acquiring: $N1 / $N2"
[ "$N2" -gt $((N1 + 20)) ] || compat_fail "no packets after re-acquiring the transport"
kill -0 "$PLAY" 2>/dev/null || compat_fail "paplay died"
kill -TERM "$PLAY" 2>/dev/null
bt_alive "after the remote closed the stream"
bt_finish
