# shellcheck shell=bash
# compat-tests/bt: helpers of the Bluetooth backend tests.
#
# Every test gets its own private "system bus" (dbus-daemon with bus.conf on a
# socket in its temp dir, exported as DBUS_SYSTEM_BUS_ADDRESS) and a BlueZ mock
# (python3-dbusmock with bluez_audio_mock.py), so nothing touches the host's
# bus or Bluetooth, and the tests run in parallel.
#
#   . "$(dirname "$0")/lib.sh"
#   bt_init                       # harness + private bus
#   bt_start_mock                 # BlueZ mock on that bus (record_dir = $COMPAT_TMP)
#   bt_add_device 00:11:22:33:44:55 "Test Headphones"
#   compat_write_script "load-module module-bluez5-discover"
#   compat_start_daemon
#   TP=$(bt_connect_a2dp 00:11:22:33:44:55 source)   # source = we send (a2dp_sink profile)

BT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../harness/harness.sh
. "$BT_DIR/../harness/harness.sh"

BT_UUID_SOURCE=0000110a-0000-1000-8000-00805f9b34fb
BT_UUID_SINK=0000110b-0000-1000-8000-00805f9b34fb
BT_UUID_HFP_AG=0000111f-0000-1000-8000-00805f9b34fb
BT_UUID_HFP_HF=0000111e-0000-1000-8000-00805f9b34fb
BT_UUID_HSP_HS=00001108-0000-1000-8000-00805f9b34fb
BT_ADAPTER_ADDED=

bt_init() {
    compat_init
    [ -z "${COMPAT_REFERENCE:-}" ] || compat_skip "Bluetooth tests run against pulsecompat only"
    compat_need_prog dbus-daemon busctl gdbus paplay parec
    "$COMPAT_PY" -c 'import dbusmock, dbus, gi' 2>/dev/null ||
        compat_skip "python3-dbusmock / python3-dbus / python3-gi not installed for $COMPAT_PY"
    [ -x "${BT_TOOL:-}" ] || compat_fatal "BT_TOOL not set or not built"
    [ -x "${BT_A2DP_DECODE:-}" ] || compat_fatal "BT_A2DP_DECODE not set or not built"
    export PYTHONDONTWRITEBYTECODE=1
    compat_bg dbus-daemon --config-file="$BT_DIR/bus.conf" --address="unix:path=$COMPAT_TMP/bus" \
        --nofork --nopidfile >>"$COMPAT_TMP/logs/dbus.log" 2>&1
    BT_BUS_PID=$COMPAT_BG_PID
    local i=0
    while [ ! -S "$COMPAT_TMP/bus" ]; do
        i=$((i + 1))
        [ "$i" -lt 100 ] || compat_fatal "private dbus-daemon did not start"
        sleep 0.05
    done
    export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$COMPAT_TMP/bus"
}

# bt_start_mock [EXTRA_JSON_FIELDS]: e.g. bt_start_mock '"write_mtu": 300'
bt_start_mock() {
    local extra=${1:+, $1}
    compat_bg "$COMPAT_PY" -m dbusmock --system -t "$BT_DIR/bluez_audio_mock.py" \
        -p "{\"record_dir\": \"$COMPAT_TMP\"$extra}" -l "$COMPAT_TMP/logs/mock.log" \
        >>"$COMPAT_TMP/logs/mock-stdout.log" 2>&1
    BT_MOCK_PID=$COMPAT_BG_PID
    timeout 20 gdbus wait --system --timeout 15 org.bluez ||
        compat_fatal "BlueZ mock did not appear on the private bus"
    BT_ADAPTER_ADDED=
}

bt_stop_mock() {
    kill -TERM "$BT_MOCK_PID" 2>/dev/null
    wait "$BT_MOCK_PID" 2>/dev/null
}

bt_busctl() {
    timeout -k 2 20 busctl --system "$@"
}

# bt_add_device ADDR NAME: adapter hci0 (once) plus a paired device
bt_add_device() {
    if [ -z "$BT_ADAPTER_ADDED" ]; then
        bt_busctl call org.bluez / org.bluez.Mock AddAdapter ss hci0 test-host >/dev/null ||
            compat_fatal "AddAdapter failed"
        BT_ADAPTER_ADDED=1
    fi
    bt_busctl call org.bluez / org.bluez.Mock AddDevice sss hci0 "$1" "$2" >/dev/null ||
        compat_fatal "AddDevice $1 failed"
    bt_busctl call org.bluez / org.bluez.Mock PairDevice ssi hci0 "$1" 2360324 >/dev/null ||
        compat_fatal "PairDevice $1 failed"
}

# bt_dev ADDR -> 00_11_22_33_44_55
bt_dev() { echo "${1//:/_}"; }

# bt_connect_a2dp ADDR source|sink: the mock plays BlueZ's side (our endpoint for
# that local role must be registered: retried for up to 10 s). Prints the path.
bt_connect_a2dp() {
    local uuid out i
    if [ "$2" = source ]; then uuid=$BT_UUID_SOURCE; else uuid=$BT_UUID_SINK; fi
    for i in $(seq 1 100); do
        if out=$(bt_busctl call org.bluez / org.bluez.Mock ConnectA2DP sss hci0 "$1" "$uuid" 2>&1); then
            echo "$out" | sed 's/^o "\(.*\)"$/\1/'
            return 0
        fi
        sleep 0.1
    done
    compat_fail "ConnectA2DP $1 $2 failed: $out"
    return 1
}

# bt_connect_profile ADDR UUID: the mock calls our Profile1 (registered for UUID, the
# local role) NewConnection; retried for up to 10 s. Prints the relay socket path
# where the test plays the remote side of the RFCOMM link.
bt_connect_profile() {
    local out i
    for i in $(seq 1 100); do
        if out=$(bt_busctl call org.bluez / org.bluez.Mock ConnectProfile sss hci0 "$1" "$2" 2>&1); then
            echo "$out" | sed 's/^s "\(.*\)"$/\1/'
            return 0
        fi
        sleep 0.1
    done
    compat_fail "ConnectProfile $1 $2 failed: $out"
    return 1
}

bt_transport_prop() {
    bt_busctl get-property org.bluez "$1" org.bluez.MediaTransport1 "$2" 2>/dev/null
}

bt__has() {
    compat_pactl list short "$1"
    grep -q "^[0-9]*[[:space:]]$2[[:space:]]" <<<"$PACTL_OUT"
}
bt__has_not() { ! bt__has "$@"; }
bt__state_is() { [ "$(bt_transport_prop "$1" State)" = "s \"$2\"" ]; }

# bt_wait_object KIND NAME [SECS]  (KIND: sinks, sources, cards)
bt_wait_object() { compat_wait_for "$1 $2 to appear" "${3:-15}" bt__has "$1" "$2"; }
bt_wait_gone() { compat_wait_for "$1 $2 to go away" "${3:-15}" bt__has_not "$1" "$2"; }
bt_wait_state() { compat_wait_for "transport $1 to become $2" "${3:-15}" bt__state_is "$1" "$2"; }

# bt_index KIND NAME: index of the object (pactl list short)
bt_index() {
    compat_pactl list short "$1"
    awk -v n="$2" '$2 == n { print $1 }' <<<"$PACTL_OUT"
}

# bt_check WHAT CMD…: run a checker, show its output, fail the test if it fails
bt_check() {
    local what=$1 out rc=0
    shift
    out=$(timeout -k 2 60 "$@" 2>&1) || rc=$?
    printf '%s\n' "$out" | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2
    if [ "$rc" -ne 0 ]; then
        compat_fail "$what"
        return 1
    fi
    compat_log "ok: $what"
}

# bt_daemon_alive_or_fail WHAT
bt_alive() {
    compat_daemon_alive || compat_fatal "the daemon died: $1"
}

# bt_finish: stop the daemon (SIGTERM: modules unload, the card goes), fail on any
# sanitizer report in its log, then finish the test.
bt_finish() {
    compat_stop_daemon
    if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$COMPAT_LOG"; then
        compat_fail "sanitizer report in the daemon log"
    fi
    compat_finish
}
