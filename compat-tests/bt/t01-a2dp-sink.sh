#!/bin/bash
# 1. A2DP output: paplay into the Bluetooth sink. The mock records every RTP
#    packet; the test decodes them with libsbc (independently of the daemon) and
#    checks: RTP sequence +1 and timestamp + PCM frames per packet (a2dp_decode),
#    no packet above the write MTU and 7 SBC frames per packet (bitpool 53,
#    119-byte frames, MTU 895), the decoded audio equals the input within
#    >= 30 dB SNR per channel, and packets left at real-time pace (arrival span
#    within 10 % of the audio they carry). Also: the sink reports a latency that
#    includes the transport delay (Delay = 150 ms on the mock).
. "$(dirname "$0")/lib.sh"
bt_init
bt_start_mock
ADDR=00:11:22:33:44:55 D=00_11_22_33_44_55
bt_add_device $ADDR "Test Headphones"
compat_write_script "load-module module-bluez5-discover"
compat_start_daemon
TP=$(bt_connect_a2dp $ADDR source) || compat_fatal "no A2DP connection"
SINK=bluez_sink.$D.a2dp_sink
bt_wait_object cards bluez_card.$D
bt_wait_object sinks $SINK
bt_wait_state "$TP" active
assert_eq "negotiated SBC configuration (44.1 kHz joint stereo, 16 blocks, 8 subbands, loudness, bitpool 2..53)" \
    'ay 4 33 21 2 53' "$(bt_transport_prop "$TP" Configuration)"

"$BT_TOOL" tone "$COMPAT_TMP/in.raw" 44100 2 2.5 || compat_fatal "tone generation failed"
compat_bg timeout -k 2 20 paplay --raw --format=s16le --rate=44100 --channels=2 -d $SINK "$COMPAT_TMP/in.raw"
PLAY=$COMPAT_BG_PID
sleep 1
compat_pactl list sinks
LAT=$(awk -v s="Name: $SINK" '$0 ~ s {f=1} f && /Latency:/ {print $2; exit}' <<<"$PACTL_OUT")
compat_log "sink latency while playing: ${LAT:-?} usec"
[ -n "$LAT" ] && [ "$LAT" -ge 150000 ] && [ "$LAT" -le 400000 ] ||
    compat_fail "sink latency ${LAT:-none} usec does not include the 150 ms transport delay (expected 150-400 ms)"
wait "$PLAY" || compat_fail "paplay failed"
sleep 0.5
PK=$COMPAT_TMP/hci0_dev_${D}_sep1_fd0.pkts
bt_check "RTP sequence numbers and timestamps are continuous, every packet decodes" \
    "$BT_A2DP_DECODE" "$PK" "$COMPAT_TMP/decoded.raw"
bt_check "packets fit the write MTU (895) with 7 SBC frames each" "$BT_TOOL" pktcheck "$PK" 895 7
bt_check "decoded audio equals the input (SNR >= 30 dB per channel)" \
    "$BT_TOOL" pcmcmp "$COMPAT_TMP/in.raw" "$COMPAT_TMP/decoded.raw" 2 30 2.0 44100
TIMES=$COMPAT_TMP/hci0_dev_${D}_sep1_fd0.times
N=$(wc -l <"$TIMES")
PACE=$(awk -v n="$N" 'NR==1 {a=$1} {b=$1} END { if (n > 1) printf "%.3f %.3f", b - a, (n - 1) * 896 / 44100 }' "$TIMES")
compat_log "pace: $N packets; arrival span vs audio span (s): $PACE"
awk -v p="$PACE" 'BEGIN { split(p, x, " "); exit !(x[2] > 1.5 && x[1] > 0.9 * x[2] && x[1] < 1.1 * x[2]) }' ||
    compat_fail "packets were not sent at real-time pace ($PACE)"
bt_alive "after playback"
bt_finish
