#!/bin/bash
# 3. Hotplug under --disallow-module-loading: a device connecting on the mock bus
#    creates the card and the sink (internal loads are allowed); while paplay
#    plays into it, the device disconnects: card and sink go away and the stream
#    moves to the fallback sink (null1) and keeps playing. BlueZ restarting:
#    the mock goes away and comes back, the daemon registers its endpoints again
#    and a new connection works.
. "$(dirname "$0")/lib.sh"
bt_init
compat_write_script "load-module module-bluez5-discover"
# BlueZ is not running yet: the module waits and says so once
compat_start_daemon --disallow-module-loading=yes
sleep 0.5
bt_start_mock
ADDR=00:11:22:33:44:55 D=00_11_22_33_44_55
bt_add_device $ADDR "Test Headphones"
TP=$(bt_connect_a2dp $ADDR source) || compat_fatal "no A2DP connection"
bt_wait_object cards bluez_card.$D
bt_wait_object sinks bluez_sink.$D.a2dp_sink
compat_pactl list short modules
assert_match "the device module was loaded internally" 'module-bluez5-device[[:space:]]+path=/org/bluez/hci0/dev_00_11_22_33_44_55' "$PACTL_OUT"
compat_pactl load-module module-null-sink sink_name=x
assert_ne "a client cannot load modules" 0 "$PACTL_RC"

"$BT_TOOL" tone "$COMPAT_TMP/long.raw" 44100 2 20 || compat_fatal tone
compat_bg timeout -k 2 30 paplay --raw --format=s16le --rate=44100 --channels=2 -d bluez_sink.$D.a2dp_sink "$COMPAT_TMP/long.raw"
PLAY=$COMPAT_BG_PID
compat_wait_for "the stream to play on the Bluetooth sink" 10 bash -c \
    "pactl list short sink-inputs | awk '{print \$2}' | grep -qx '$(bt_index sinks bluez_sink.$D.a2dp_sink)'"
bt_busctl call org.bluez / org.bluez.Mock DisconnectA2DP s "$TP" >/dev/null || compat_fail "DisconnectA2DP"
bt_wait_gone sinks bluez_sink.$D.a2dp_sink
bt_wait_gone cards bluez_card.$D
NULL1=$(bt_index sinks null1)
compat_pactl list short sink-inputs
assert_match "the stream moved to the fallback sink null1 (#$NULL1)" "^[0-9]+[[:space:]]+$NULL1[[:space:]]" "$PACTL_OUT"
kill -0 "$PLAY" 2>/dev/null || compat_fail "paplay ended when the device went away"
kill -TERM "$PLAY" 2>/dev/null
compat_pactl list short modules
assert_no_match "the device module is gone" 'module-bluez5-device' "$PACTL_OUT"

# BlueZ restarts: everything is forgotten, then works again
TP=$(bt_connect_a2dp $ADDR source) || compat_fatal "no second A2DP connection"
bt_wait_object cards bluez_card.$D
bt_stop_mock
bt_wait_gone cards bluez_card.$D
bt_start_mock
bt_add_device $ADDR "Test Headphones"
TP=$(bt_connect_a2dp $ADDR source) || compat_fatal "no A2DP connection after the BlueZ restart"
bt_wait_object sinks bluez_sink.$D.a2dp_sink
bt_alive "after the BlueZ restart"
N=$(grep -c "BlueZ is not running\|BlueZ is not available" "$COMPAT_LOG")
assert_eq "the 'BlueZ is not running' notice appears once" 1 "$N"
bt_finish
