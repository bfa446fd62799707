#!/bin/bash
# 10. HFP gains, audio gateway role (card profile headset_head_unit).
#     Headset A advertises remote volume control (AT+BRSF=1012, bit 4): its sink
#     and source have hardware volume; its AT+VGS=9 (sent in the SLC) sets the
#     sink to 60 %, AT+VGS=3 -> sink 20 % and AT+VGM=12 -> source 80 %, each with
#     a CHANGE event and without an echo back; AT+VGS=16 is refused (ERROR, no
#     change); set-sink-volume 50 % sends "+VGS: 8", set-source-volume 100 %
#     sends "+VGM: 15". Headset B has no remote volume control (AT+BRSF=996): its
#     gains still set our volumes, but set-sink-volume sends it nothing and its
#     sink has software volume. (No SCO audio here: the seam path does not exist,
#     which the card survives with a warning.)
. "$(dirname "$0")/lib.sh"
bt_init
bt_start_mock
A=00:11:22:33:44:88 DA=00_11_22_33_44_88
B=00:11:22:33:44:99 DB=00_11_22_33_44_99
bt_add_device $A "Headset A"
bt_add_device $B "Headset B"
compat_write_script "load-module module-bluez5-discover enable_msbc=no sco_socket=$COMPAT_TMP/no-such.sock"
compat_start_daemon
RA=$(bt_connect_profile $A $BT_UUID_HFP_AG) || compat_fatal "ConnectProfile A failed"
CTLA=$COMPAT_TMP/ctl-a.txt CTLB=$COMPAT_TMP/ctl-b.txt LOGA=$COMPAT_TMP/logs/hf-a.log LOGB=$COMPAT_TMP/logs/hf-b.log
: >"$CTLA"
: >"$CTLB"
compat_bg timeout -k 2 40 "$COMPAT_PY" "$BT_DIR/hf_side.py" "$RA" 35 "$CTLA" 1012 >"$LOGA" 2>&1
RB=$(bt_connect_profile $B $BT_UUID_HFP_AG) || compat_fatal "ConnectProfile B failed"
compat_bg timeout -k 2 40 "$COMPAT_PY" "$BT_DIR/hf_side.py" "$RB" 35 "$CTLB" 996 >"$LOGB" 2>&1
SA=bluez_sink.$DA.headset_head_unit SRCA=bluez_source.$DA.headset_head_unit
SB=bluez_sink.$DB.headset_head_unit
bt_wait_object sinks $SA
bt_wait_object sources $SRCA
bt_wait_object sinks $SB
bt__slc() { grep -q SLC-DONE "$1"; }
compat_wait_for "the SLC of A" 15 bt__slc "$LOGA"
compat_wait_for "the SLC of B" 15 bt__slc "$LOGB"
bt__vol() {     # bt__vol sink|source NAME PERCENT
    compat_pactl get-$1-volume "$2"
    grep -q " $3% " <<<"$PACTL_OUT"
}
bt__flags() {
    compat_pactl list "$1"
    awk -v s="Name: $2" '$0 ~ s {f=1} f && /Flags:/ {print; exit}' <<<"$PACTL_OUT"
}
assert_match "A's sink has hardware volume" 'HW_VOLUME_CTRL' "$(bt__flags sinks $SA)"
assert_match "A's source has hardware volume" 'HW_VOLUME_CTRL' "$(bt__flags sources $SRCA)"
assert_no_match "B's sink has software volume" 'HW_VOLUME_CTRL' "$(bt__flags sinks $SB)"
compat_wait_for "A's AT+VGS=9 -> sink 60 %" 10 bt__vol sink $SA 60
compat_wait_for "B's AT+VGS=9 -> sink 60 %" 10 bt__vol sink $SB 60

SAIDX=$(bt_index sinks $SA) SRCAIDX=$(bt_index sources $SRCA)
compat_bg timeout -k 2 30 pactl subscribe >"$COMPAT_TMP/events.txt" 2>&1
sleep 0.5
echo 'AT+VGS=3' >>"$CTLA"
compat_wait_for "AT+VGS=3 -> sink 20 %" 10 bt__vol sink $SA 20
echo 'AT+VGM=12' >>"$CTLA"
compat_wait_for "AT+VGM=12 -> source 80 %" 10 bt__vol source $SRCA 80
bt__ev() { grep -q "Event 'change' on $1 #$2" "$COMPAT_TMP/events.txt"; }
compat_wait_for "a sink change event" 10 bt__ev sink "$SAIDX"
compat_wait_for "a source change event" 10 bt__ev source "$SRCAIDX"
echo 'AT+VGS=16' >>"$CTLA"
bt__rx() { grep -q "^RX $2\$" "$1"; }
compat_wait_for "AT+VGS=16 is refused" 10 bt__rx "$LOGA" ERROR
bt__vol sink $SA 20 || compat_fail "an out-of-range gain changed the sink volume"
assert_no_match "no echo of the headset's own gains" 'RX \+VG' "$(cat "$LOGA")"

pactl_ok set-sink-volume $SA 50%
compat_wait_for "set-sink-volume 50 % -> +VGS: 8" 10 bt__rx "$LOGA" '+VGS: 8'
pactl_ok set-source-volume $SRCA 100%
compat_wait_for "set-source-volume 100 % -> +VGM: 15" 10 bt__rx "$LOGA" '+VGM: 15'
pactl_ok set-sink-volume $SB 30%
sleep 0.5
assert_no_match "nothing is sent to a headset without remote volume control" 'RX \+VG' "$(cat "$LOGB")"
bt_alive "after HFP gains"
bt_finish
