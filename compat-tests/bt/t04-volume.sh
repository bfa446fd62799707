#!/bin/bash
# 4. AVRCP absolute volume both ways. The transport has a Volume property, so
#    the sink has hardware volume: pactl set-sink-volume 50% writes
#    MediaTransport1.Volume = 64 on the mock, and the audio leaves unscaled (the
#    headphones apply the volume: the decoded packets still match the input at
#    full scale). A Volume change from the device (32) becomes a sink volume of
#    25 % and a sink CHANGE event for subscribers.
. "$(dirname "$0")/lib.sh"
bt_init
bt_start_mock
ADDR=00:11:22:33:44:55 D=00_11_22_33_44_55
bt_add_device $ADDR "Test Headphones"
compat_write_script "load-module module-bluez5-discover"
compat_start_daemon
TP=$(bt_connect_a2dp $ADDR source) || compat_fatal "no A2DP connection"
SINK=bluez_sink.$D.a2dp_sink
bt_wait_object sinks $SINK
bt_wait_state "$TP" active
compat_pactl list sinks
assert_match "the sink has hardware volume" 'Flags:.*HW_VOLUME_CTRL' \
    "$(awk -v s="Name: $SINK" '$0 ~ s {f=1} f && /Flags:/ {print; exit}' <<<"$PACTL_OUT")"

pactl_ok set-sink-volume $SINK 50%
bt__vol_is() { [ "$(bt_transport_prop "$TP" Volume)" = "q $1" ]; }
compat_wait_for "MediaTransport1.Volume to become 64" 10 bt__vol_is 64

"$BT_TOOL" tone "$COMPAT_TMP/in.raw" 44100 2 2 || compat_fatal tone
timeout -k 2 20 paplay --raw --format=s16le --rate=44100 --channels=2 -d $SINK "$COMPAT_TMP/in.raw" ||
    compat_fail "paplay failed"
sleep 0.3
"$BT_A2DP_DECODE" "$COMPAT_TMP/hci0_dev_${D}_sep1_fd0.pkts" "$COMPAT_TMP/dec.raw" >/dev/null
bt_check "at 50 % hardware volume the audio is sent unscaled" \
    "$BT_TOOL" pcmcmp "$COMPAT_TMP/in.raw" "$COMPAT_TMP/dec.raw" 2 30 1.5 44100

SINKIDX=$(bt_index sinks $SINK)
compat_bg timeout -k 2 30 pactl subscribe >"$COMPAT_TMP/events.txt" 2>&1
sleep 0.5
bt_busctl set-property org.bluez "$TP" org.bluez.MediaTransport1 Volume q 32 ||
    compat_fail "could not set the mock's Volume"
bt__sink_vol() {
    compat_pactl get-sink-volume $SINK
    grep -q ' 25% ' <<<"$PACTL_OUT"
}
compat_wait_for "the sink volume to follow the device (25 %)" 10 bt__sink_vol
bt__event() { grep -q "Event 'change' on sink #$SINKIDX" "$COMPAT_TMP/events.txt"; }
compat_wait_for "a sink change event" 10 bt__event
sleep 0.3
assert_eq "no echo: the mock's Volume stays 32" "q 32" "$(bt_transport_prop "$TP" Volume)"
bt_finish
