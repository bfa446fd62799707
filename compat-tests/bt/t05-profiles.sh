#!/bin/bash
# 5. Card profiles and the message API. With an A2DP connection in each
#    direction both a2dp profiles are available; SET_CARD_PROFILE switches
#    between them (the sink or the source comes and goes), "off" releases the
#    transport (State idle on the mock), switching back acquires it again; an
#    unavailable profile is refused. /card/<card>/bluez answers list-codecs and
#    get-codec.
. "$(dirname "$0")/lib.sh"
bt_init
bt_start_mock
ADDR=00:11:22:33:44:55 D=00_11_22_33_44_55 CARD=bluez_card.00_11_22_33_44_55
bt_add_device $ADDR "Test Headphones"
compat_write_script "load-module module-bluez5-discover"
compat_start_daemon
TPO=$(bt_connect_a2dp $ADDR source) || compat_fatal "no A2DP (out) connection"
bt_wait_object sinks bluez_sink.$D.a2dp_sink
TPI=$(bt_connect_a2dp $ADDR sink) || compat_fatal "no A2DP (in) connection"
bt_wait_state "$TPO" active
card_section() {
    compat_pactl list cards
    awk -v s="Name: $CARD" '$0 ~ s {f=1} f' <<<"$PACTL_OUT"
}
C=$(card_section)
assert_match "active profile a2dp_sink" 'Active Profile: a2dp_sink' "$C"
assert_match "a2dp_source is available" 'a2dp_source: .*available: yes' "$C"
assert_match "headset_head_unit is not available" 'headset_head_unit: .*available: no' "$C"
assert_match "off is listed" '^[[:space:]]*off: Off' "$C"

pactl_ok send-message /card/$CARD/bluez list-codecs
assert_eq "list-codecs" '[{"name":"sbc","description":"SBC"}]' "$PACTL_OUT"
pactl_ok send-message /card/$CARD/bluez get-codec
assert_eq "get-codec" '"sbc"' "$PACTL_OUT"

pactl_ok set-card-profile $CARD a2dp_source
bt_wait_gone sinks bluez_sink.$D.a2dp_sink
bt_wait_object sources bluez_source.$D.a2dp_source
bt_wait_state "$TPO" idle
pactl_ok set-card-profile $CARD off
bt_wait_gone sources bluez_source.$D.a2dp_source
pactl_ok send-message /card/$CARD/bluez get-codec
assert_eq "get-codec with profile off" 'null' "$PACTL_OUT"
pactl_ok set-card-profile $CARD a2dp_sink
bt_wait_object sinks bluez_sink.$D.a2dp_sink
bt_wait_state "$TPO" active
compat_pactl set-card-profile $CARD headset_head_unit
assert_ne "an unavailable profile is refused" 0 "$PACTL_RC"
assert_match "still a2dp_sink" 'Active Profile: a2dp_sink' "$(card_section)"
# the input transport goes away: its profile becomes unavailable, the card stays
bt_busctl call org.bluez / org.bluez.Mock DisconnectA2DP s "$TPI" >/dev/null
bt__src_unavail() { card_section | grep -q 'a2dp_source: .*available: no'; }
compat_wait_for "a2dp_source to become unavailable" 10 bt__src_unavail
bt_wait_object cards $CARD
bt_finish
