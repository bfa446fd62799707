#!/bin/bash
# 2. A2DP input (phone -> us): the test encodes a known chord into RTP/SBC
#    packets (bt_tool sbcpkts, libsbc), the mock "phone" sends them in real time
#    with up to 15 ms of random jitter once the transport is pending, and parec
#    from the Bluetooth source must return the chord (>= 25 dB SNR per channel
#    over >= 1.5 s). Then oversize and garbage packets are injected: they are
#    dropped, the daemon lives on.
. "$(dirname "$0")/lib.sh"
bt_init
bt_start_mock
ADDR=00:11:22:33:44:77 D=00_11_22_33_44_77
bt_add_device $ADDR "Test Phone"
compat_write_script "load-module module-bluez5-discover"
compat_start_daemon
TP=$(bt_connect_a2dp $ADDR sink) || compat_fatal "no A2DP connection"
SRC=bluez_source.$D.a2dp_source
bt_wait_object sources $SRC
CFG=$(bt_transport_prop "$TP" Configuration)
assert_eq "configuration of the sink endpoint" 'ay 4 33 21 2 53' "$CFG"
"$BT_TOOL" tone "$COMPAT_TMP/tone.raw" 44100 2 3 || compat_fatal "tone"
bt_check "encode the phone's stream" "$BT_TOOL" sbcpkts "$COMPAT_TMP/tone.raw" "$COMPAT_TMP/phone.pkts" 21150235 895

compat_bg timeout -k 2 20 parec --raw --format=s16le --rate=44100 --channels=2 -d $SRC \
    --latency-msec=20 "$COMPAT_TMP/rec.raw"
REC=$COMPAT_BG_PID
sleep 0.5
bt_busctl call org.bluez / org.bluez.Mock SetTransportState ss "$TP" pending >/dev/null
bt_wait_state "$TP" active
bt_busctl call org.bluez / org.bluez.Mock InjectPacketsPaced ssu "$TP" "$COMPAT_TMP/phone.pkts" 15 >/dev/null ||
    compat_fail "InjectPacketsPaced failed"
sleep 3.6
compat_log "mock inject stats: $(bt_busctl call org.bluez / org.bluez.Mock GetInjectStats s "$TP")"
# hostile packets while the stream is up: oversize, truncated, garbage frame count
BIG=$(printf '1 %.0s' $(seq 1 2000))
bt_busctl call org.bluez / org.bluez.Mock SendRaw say "$TP" 2000 $BIG >/dev/null
bt_busctl call org.bluez / org.bluez.Mock SendRaw say "$TP" 5 128 96 0 1 0 >/dev/null
bt_busctl call org.bluez / org.bluez.Mock SendRaw say "$TP" 20 128 96 0 9 0 0 0 0 0 0 0 1 15 156 255 255 255 255 255 255 >/dev/null
sleep 0.3
kill -TERM "$REC" 2>/dev/null
wait "$REC" 2>/dev/null
bt_alive "after the hostile packets"
bt_check "parec returns the phone's audio (SNR >= 25 dB per channel)" \
    "$BT_TOOL" pcmcmp "$COMPAT_TMP/tone.raw" "$COMPAT_TMP/rec.raw" 2 25 1.5 44100
bt_finish
