#!/bin/bash
# 6. HFP (we are the audio gateway) over the mock's Profile1 and the SCO seam.
#    usage: t06-hfp.sh msbc|cvsd
#    The fake headset (hf_side.py) runs the AT service level connection; with
#    msbc the AG must propose codec 2 (+BCS: 2). The card's headset_head_unit
#    profile opens SCO through sco_socket=: bt_tool sco-peer hands out a
#    SEQPACKET pair and plays the controller (mSBC split at odd offsets, or CVSD
#    raw PCM). paplay into the headset sink must reach the peer (decoded by it),
#    and the peer's tone must come out of parec on the headset source, both
#    within the stated SNR.
. "$(dirname "$0")/lib.sh"
CODEC=${1:-msbc}
bt_init
bt_start_mock
ADDR=00:11:22:33:44:66 D=00_11_22_33_44_66
bt_add_device $ADDR "Test Headset"
if [ "$CODEC" = msbc ]; then RATE=16000 MTU=60 OPT=""; else RATE=8000 MTU=48 OPT=" enable_msbc=no"; fi
compat_write_script "load-module module-bluez5-discover sco_socket=$COMPAT_TMP/sco.sock$OPT"
compat_bg "$BT_TOOL" sco-peer "$COMPAT_TMP/sco.sock" $CODEC $MTU 7 "$COMPAT_TMP/peer-sent.raw" \
    "$COMPAT_TMP/peer-got.raw" >"$COMPAT_TMP/logs/peer.log" 2>&1
PEER=$COMPAT_BG_PID
bt__peer_ready() { grep -q READY "$COMPAT_TMP/logs/peer.log"; }
compat_wait_for "the SCO peer" 10 bt__peer_ready
compat_start_daemon
RELAY=
for i in $(seq 1 100); do
    RELAY=$(bt_busctl call org.bluez / org.bluez.Mock ConnectProfile sss hci0 $ADDR $BT_UUID_HFP_AG 2>/dev/null |
            sed 's/^s "\(.*\)"$/\1/') && [ -n "$RELAY" ] && break
    sleep 0.1
done
[ -n "$RELAY" ] || compat_fatal "ConnectProfile failed"
compat_bg timeout -k 2 30 "$COMPAT_PY" "$BT_DIR/hf_side.py" "$RELAY" 10 >"$COMPAT_TMP/logs/hf.log" 2>&1
bt__slc() { grep -q SLC-DONE "$COMPAT_TMP/logs/hf.log"; }
compat_wait_for "the service level connection" 15 bt__slc
if [ "$CODEC" = msbc ]; then
    assert_match "the AG proposed mSBC" 'AG proposed codec 2' "$(cat "$COMPAT_TMP/logs/hf.log")"
else
    assert_no_match "no codec negotiation without mSBC" 'AG proposed codec' "$(cat "$COMPAT_TMP/logs/hf.log")"
fi
SINK=bluez_sink.$D.headset_head_unit SRC=bluez_source.$D.headset_head_unit
bt_wait_object sinks $SINK
bt_wait_object sources $SRC
pactl_ok send-message /card/bluez_card.$D/bluez get-codec
assert_eq "get-codec" "\"$CODEC\"" "$PACTL_OUT"
"$BT_TOOL" tone "$COMPAT_TMP/in.raw" $RATE 1 2 || compat_fatal tone
compat_bg timeout -k 2 20 parec --raw --format=s16le --rate=$RATE --channels=1 -d $SRC \
    --latency-msec=20 "$COMPAT_TMP/rec.raw"
REC=$COMPAT_BG_PID
timeout -k 2 20 paplay --raw --format=s16le --rate=$RATE --channels=1 -d $SINK "$COMPAT_TMP/in.raw" ||
    compat_fail "paplay failed"
kill -TERM "$REC" 2>/dev/null
wait "$REC" 2>/dev/null
wait "$PEER"
cat "$COMPAT_TMP/logs/peer.log" | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2
bt_check "headset sink -> SCO: the peer decodes our audio (SNR >= 25 dB)" \
    "$BT_TOOL" pcmcmp "$COMPAT_TMP/in.raw" "$COMPAT_TMP/peer-got.raw" 1 25 1.5 $RATE
bt_check "SCO -> headset source: parec returns the peer's tone (SNR >= 25 dB)" \
    "$BT_TOOL" pcmcmp "$COMPAT_TMP/peer-sent.raw" "$COMPAT_TMP/rec.raw" 1 25 1.5 $RATE periodic
bt_alive "after HFP audio"
bt_finish
