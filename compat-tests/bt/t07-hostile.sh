#!/bin/bash
# 7. Hostile input from "BlueZ" and the device, each handled without a crash:
#    SelectConfiguration with malformed or unsatisfiable capabilities (error
#    reply; a sane offer is clamped to bitpool 53), SetConfiguration with
#    configurations outside the SBC capabilities or of the wrong type (error
#    reply, no card), a method call from someone who is not org.bluez (refused),
#    a PropertiesChanged with a wrongly typed Volume (ignored), an Acquire that
#    fails or returns a stream socket (refused), the remote closing the stream
#    mid-playback (the transport is released), a write MTU too small for one
#    SBC frame. Afterwards a normal connection still plays.
. "$(dirname "$0")/lib.sh"
bt_init
bt_start_mock '"write_mtu": 100'
ADDR=00:11:22:33:44:55 D=00_11_22_33_44_55
bt_add_device $ADDR "Evil Headphones"
compat_write_script "load-module module-bluez5-discover"
compat_start_daemon
sel() { bt_busctl call org.bluez / org.bluez.Mock SelectOnly say $BT_UUID_SOURCE "$@" | sed 's/^s "\(.*\)"$/\1/'; }
for i in $(seq 1 100); do
    R=$(sel 4 255 255 2 53 2>/dev/null) && break
    sleep 0.1
done
assert_eq "a full offer gets the best configuration" 21150235 "$R"
assert_eq "bitpool is clamped to 53" 21150235 "$(sel 4 255 255 2 250)"
assert_eq "3-byte capabilities are refused" error:org.bluez.Error.InvalidArguments "$(sel 3 255 255 2)"
assert_eq "min bitpool > max is refused" error:org.bluez.Error.InvalidArguments "$(sel 4 255 255 60 30)"
assert_eq "no sampling rate in common is refused" error:org.bluez.Error.InvalidArguments "$(sel 4 15 255 2 53)"
assert_eq "a mono-only 48 kHz device gets mono" 18150235 "$(sel 4 24 255 2 53)"
setcfg() { bt_busctl call org.bluez / org.bluez.Mock SetConfigurationRaw sssayv hci0 $ADDR $BT_UUID_SOURCE "$@" | sed 's/^s "\(.*\)"$/\1/'; }
assert_eq "two sampling rates at once" error:org.bluez.Error.InvalidArguments "$(setcfg 4 48 21 2 53 ay 0)"
assert_eq "mono with bitpool 200" error:org.bluez.Error.InvalidArguments "$(setcfg 4 40 21 2 200 ay 0)"
assert_eq "5-byte configuration" error:org.bluez.Error.InvalidArguments "$(setcfg 5 33 21 2 53 0 ay 0)"
assert_eq "Configuration of the wrong type" error:org.bluez.Error.InvalidArguments "$(setcfg 0 s hello)"
compat_pactl list short cards
assert_eq "no card from refused configurations" "" "$PACTL_OUT"

# a caller that is not org.bluez
OWN=$(busctl --system list --no-legend 2>/dev/null | awk -v p="$COMPAT_DAEMON_PID" '$2 == p && $1 ~ /^:/ {print $1; exit}')
if [ -n "$OWN" ]; then
    OUT=$(bt_busctl call "$OWN" /MediaEndpoint/A2DPSource org.bluez.MediaEndpoint1 SelectConfiguration ay 4 255 255 2 53 2>&1)
    assert_match "a non-BlueZ caller is refused" 'not BlueZ|Rejected' "$OUT"
else
    compat_fail "could not find the daemon's bus name"
fi

# Acquire refused, then a stream socket instead of SEQPACKET
bt_busctl call org.bluez / org.bluez.Mock SetAcquireMode s error >/dev/null
TP=$(bt_connect_a2dp $ADDR source) || compat_fatal "no A2DP connection"
bt_wait_object sinks bluez_sink.$D.a2dp_sink
bt_busctl call org.bluez / org.bluez.Mock DisconnectA2DP s "$TP" >/dev/null
bt_wait_gone cards bluez_card.$D
bt_busctl call org.bluez / org.bluez.Mock SetAcquireMode s stream >/dev/null
TP=$(bt_connect_a2dp $ADDR source) || compat_fatal "no A2DP connection"
bt_wait_object sinks bluez_sink.$D.a2dp_sink
sleep 0.3
assert_eq "a stream socket is given back (Release)" 's "idle"' "$(bt_transport_prop "$TP" State)"
# wrongly typed Volume in PropertiesChanged
bt_busctl call org.bluez "$TP" org.freedesktop.DBus.Mock EmitSignal sssav org.freedesktop.DBus.Properties \
    PropertiesChanged 'sa{sv}as' 3 s org.bluez.MediaTransport1 'a{sv}' 1 Volume s loud as 0 >/dev/null ||
    compat_fail "EmitSignal failed"
bt_busctl call org.bluez / org.bluez.Mock DisconnectA2DP s "$TP" >/dev/null
bt_wait_gone cards bluez_card.$D
bt_alive "after refused acquisitions"

# MTU 100 cannot carry one 119-byte frame: refused and released
bt_busctl call org.bluez / org.bluez.Mock SetAcquireMode s seqpacket >/dev/null
TP=$(bt_connect_a2dp $ADDR source) || compat_fatal "no A2DP connection"
bt_wait_object sinks bluez_sink.$D.a2dp_sink
sleep 0.3
assert_eq "an MTU below one frame is given back" 's "idle"' "$(bt_transport_prop "$TP" State)"
grep -q "too small for one SBC frame" "$COMPAT_LOG" || compat_fail "no log line about the MTU"
bt_busctl call org.bluez / org.bluez.Mock DisconnectA2DP s "$TP" >/dev/null
bt_wait_gone cards bluez_card.$D
bt_alive "after the small MTU"
bt_finish
