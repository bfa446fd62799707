#!/bin/bash
# 9. HFP hands-free role: we are the headset of a phone (card profile
#    headset_audio_gateway; the remote is the audio gateway).
#    usage: t09-hfp-hf.sh msbc|cvsd
#    The mock calls our HFP HF Profile1 (0000111e-…); the fake phone (ag_side.py)
#    answers the SLC that we drive: AT+BRSF (our features: remote volume control,
#    + codec negotiation with mSBC), AT+BAC=1,2 (msbc only), AT+CIND=?, AT+CIND?,
#    AT+CMER; with msbc it then selects mSBC (+BCS: 2), which we must confirm with
#    AT+BCS=2. The SCO link is opened through sco_socket= (bt_tool sco-peer plays
#    the controller): paplay into the sink (to the phone) must reach the peer and
#    the peer's tone must come out of parec on the source (from the phone), SNR
#    >= 25 dB. Gains: the phone's +VGS (speaker: what we play, i.e. the source)
#    and +VGM (microphone: the sink) set the volumes (0..15 -> 0..100 %) with
#    CHANGE events; out-of-range gains are ignored; set-sink-volume and
#    set-source-volume are reported to the phone as AT+VGM / AT+VGS.
#    A second phone that sends garbage and refuses AT+BRSF gets its link dropped
#    (no card) while the first keeps working.
. "$(dirname "$0")/lib.sh"
CODEC=${1:-msbc}
bt_init
bt_start_mock
ADDR=00:11:22:33:44:77 D=00_11_22_33_44_77 CARD=bluez_card.00_11_22_33_44_77
bt_add_device $ADDR "Test Phone"
if [ "$CODEC" = msbc ]; then RATE=16000 MTU=60 OPT=""; else RATE=8000 MTU=48 OPT=" enable_msbc=no"; fi
compat_write_script "load-module module-bluez5-discover sco_socket=$COMPAT_TMP/sco.sock$OPT"
compat_bg "$BT_TOOL" sco-peer "$COMPAT_TMP/sco.sock" $CODEC $MTU 7 "$COMPAT_TMP/peer-sent.raw" \
    "$COMPAT_TMP/peer-got.raw" >"$COMPAT_TMP/logs/peer.log" 2>&1
PEER=$COMPAT_BG_PID
bt__peer_ready() { grep -q READY "$COMPAT_TMP/logs/peer.log"; }
compat_wait_for "the SCO peer" 10 bt__peer_ready
compat_start_daemon
RELAY=$(bt_connect_profile $ADDR $BT_UUID_HFP_HF) || compat_fatal "ConnectProfile (HFP HF) failed"
CTL=$COMPAT_TMP/ag-control.txt
: >"$CTL"
compat_bg timeout -k 2 40 "$COMPAT_PY" "$BT_DIR/ag_side.py" "$RELAY" $CODEC "$CTL" 35 \
    >"$COMPAT_TMP/logs/ag.log" 2>&1
AGLOG=$COMPAT_TMP/logs/ag.log
bt__slc() { grep -q SLC-DONE "$AGLOG"; }
compat_wait_for "the service level connection" 15 bt__slc
if [ "$CODEC" = msbc ]; then
    assert_line "SLC commands in order" "SEQ AT+BRSF=144 AT+BAC=1,2 AT+CIND=? AT+CIND? AT+CMER=3,0,0,1" \
        "$(grep '^SEQ' "$AGLOG")"
    bt__codec() { grep -q 'CODEC-CONFIRMED 2' "$AGLOG"; }
    compat_wait_for "the HF to confirm mSBC (AT+BCS=2)" 10 bt__codec
else
    assert_line "SLC commands in order (no codec negotiation)" "SEQ AT+BRSF=16 AT+CIND=? AT+CIND? AT+CMER=3,0,0,1" \
        "$(grep '^SEQ' "$AGLOG")"
fi
SINK=bluez_sink.$D.headset_audio_gateway SRC=bluez_source.$D.headset_audio_gateway
bt_wait_object sinks $SINK
bt_wait_object sources $SRC
compat_pactl list cards
assert_match "active profile headset_audio_gateway" 'Active Profile: headset_audio_gateway' "$PACTL_OUT"
pactl_ok send-message /card/$CARD/bluez get-codec
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
sed "s/^/[$COMPAT_TEST_NAME]   /" "$COMPAT_TMP/logs/peer.log" >&2
grep -q "CONNECT $ADDR $CODEC" "$COMPAT_TMP/logs/peer.log" || compat_fail "the SCO seam was not asked for $CODEC"
bt_check "sink (to the phone) -> SCO: the peer decodes our audio (SNR >= 25 dB)" \
    "$BT_TOOL" pcmcmp "$COMPAT_TMP/in.raw" "$COMPAT_TMP/peer-got.raw" 1 25 1.5 $RATE
bt_check "SCO -> source (from the phone): parec returns the peer's tone (SNR >= 25 dB)" \
    "$BT_TOOL" pcmcmp "$COMPAT_TMP/peer-sent.raw" "$COMPAT_TMP/rec.raw" 1 25 1.5 $RATE periodic

# ---- gains ----
SINKIDX=$(bt_index sinks $SINK) SRCIDX=$(bt_index sources $SRC)
compat_bg timeout -k 2 30 pactl subscribe >"$COMPAT_TMP/events.txt" 2>&1
sleep 0.5
bt__vol() {     # bt__vol sink|source NAME PERCENT
    compat_pactl get-$1-volume "$2"
    grep -q " $3% " <<<"$PACTL_OUT"
}
echo '+VGS: 6' >>"$CTL"
compat_wait_for "+VGS: 6 -> source volume 40 %" 10 bt__vol source $SRC 40
echo '+VGM: 12' >>"$CTL"
compat_wait_for "+VGM: 12 -> sink volume 80 %" 10 bt__vol sink $SINK 80
bt__ev() { grep -q "Event 'change' on $1 #$2" "$COMPAT_TMP/events.txt"; }
compat_wait_for "a source change event" 10 bt__ev source "$SRCIDX"
compat_wait_for "a sink change event" 10 bt__ev sink "$SINKIDX"
echo '+VGS: 16' >>"$CTL"
echo '+VGS=x' >>"$CTL"
sleep 0.5
bt__vol source $SRC 40 || compat_fail "an out-of-range gain changed the source volume"
assert_no_match "no echo of the phone's gains" 'RX AT\+VG' "$(cat "$AGLOG")"
pactl_ok set-sink-volume $SINK 50%
bt__rx() { grep -q "RX $1" "$AGLOG"; }
compat_wait_for "set-sink-volume 50 % -> AT+VGM=8" 10 bt__rx 'AT+VGM=8'
pactl_ok set-source-volume $SRC 20%
compat_wait_for "set-source-volume 20 % -> AT+VGS=3" 10 bt__rx 'AT+VGS=3'

# a phone that refuses the SLC (garbage, then ERROR to AT+BRSF)
ADDR2=00:11:22:33:44:78 D2=00_11_22_33_44_78
bt_add_device $ADDR2 "Broken Phone"
RELAY2=$(bt_connect_profile $ADDR2 $BT_UUID_HFP_HF) || compat_fatal "ConnectProfile (phone 2) failed"
compat_bg timeout -k 2 20 "$COMPAT_PY" "$BT_DIR/ag_side.py" "$RELAY2" refuse "$COMPAT_TMP/none" 10 \
    >"$COMPAT_TMP/logs/ag2.log" 2>&1
bt__closed() { grep -q HF-CLOSED "$COMPAT_TMP/logs/ag2.log"; }
compat_wait_for "the link of the refusing phone to be dropped" 10 bt__closed
grep -q "refused the service level connection" "$COMPAT_LOG" || compat_fail "no log line about the refusal"
bt__has cards bluez_card.$D2 && compat_fail "a card for the refusing phone"
bt__has sinks $SINK || compat_fail "the first phone's sink went away"
bt_alive "after HFP HF audio and gains"
bt_finish
