#!/bin/bash
# Bluetooth in system mode (the hole PulseAudio's system mode has: with
# --disallow-module-loading its Bluetooth discovery cannot load device modules):
#  - pulsecompat --system --disallow-module-loading --disallow-exit, running as
#    'pulse', talks to BlueZ (a python3-dbusmock BlueZ on a private system bus);
#  - a headset connecting creates its card and sink through an internal load,
#    while a client's load-module is refused;
#  - pcuser1 plays into the Bluetooth sink: SBC packets reach the transport at
#    real-time pace; pcuser2 sees the sink but cannot kill pcuser1's stream;
#  - the headset disconnecting moves pcuser1's stream to the fallback sink.
. "$(dirname "$0")/lib.sh"
sys_init "$@"
sys_need_prog dbus-daemon busctl gdbus paplay
"$SYS_PY" -c 'import dbusmock, dbus, gi' 2>/dev/null || sys_skip "python3-dbusmock/python3-dbus/python3-gi missing"
BT_DIR=$(cd "$SYS_DIR/../bt" && pwd)
UUID_SOURCE=0000110a-0000-1000-8000-00805f9b34fb
ADDR=00:11:22:33:44:55 D=00_11_22_33_44_55

# the private "system bus", reachable by the daemon after it became 'pulse'
dbus-daemon --config-file="$BT_DIR/bus.conf" --address="unix:path=$SYS_T/bus" --nofork --nopidfile \
    >>"$SYS_T/logs/dbus.log" 2>&1 &
SYS_BG_PIDS+=("$!")
for _ in $(seq 100); do [ -S "$SYS_T/bus" ] && break; sleep 0.05; done
[ -S "$SYS_T/bus" ] || sys_fatal "private dbus-daemon did not start"
chmod 666 "$SYS_T/bus"
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$SYS_T/bus"
mkdir -p "$SYS_T/rec"
PYTHONDONTWRITEBYTECODE=1 "$SYS_PY" -m dbusmock --system -t "$BT_DIR/bluez_audio_mock.py" \
    -p "{\"record_dir\": \"$SYS_T/rec\"}" -l "$SYS_T/logs/mock.log" >>"$SYS_T/logs/mock-out.log" 2>&1 &
SYS_BG_PIDS+=("$!")
timeout 20 gdbus wait --system --timeout 15 org.bluez || sys_fatal "BlueZ mock did not start"
bc() { timeout -k 2 20 busctl --system "$@"; }

sys_write_script "load-module module-bluez5-discover"
sys_start_daemon --disallow-exit --disallow-module-loading
grep -q "^Uid:.*60990" "/proc/$SYS_DAEMON_PID/status" && sys_ok "the daemon runs as pulse" ||
    sys_fail "the daemon does not run as pulse"

bc call org.bluez / org.bluez.Mock AddAdapter ss hci0 test-host >/dev/null || sys_fatal AddAdapter
bc call org.bluez / org.bluez.Mock AddDevice sss hci0 $ADDR "Test Headphones" >/dev/null || sys_fatal AddDevice
bc call org.bluez / org.bluez.Mock PairDevice ssi hci0 $ADDR 2360324 >/dev/null || sys_fatal PairDevice
TP=
for _ in $(seq 100); do   # our endpoint registers asynchronously
    if out=$(bc call org.bluez / org.bluez.Mock ConnectA2DP sss hci0 $ADDR $UUID_SOURCE 2>&1); then
        TP=$(sed 's/^o "\(.*\)"$/\1/' <<<"$out"); break
    fi
    sleep 0.1
done
[ -n "$TP" ] || sys_fatal "ConnectA2DP failed: $out"

sink=bluez_sink.$D.a2dp_sink
has_sink() { sys_pactl pcuser1 list short sinks; grep -q "[[:space:]]$sink[[:space:]]" <<<"$PACTL_OUT"; }
for _ in $(seq 100); do has_sink && break; sleep 0.1; done
has_sink && sys_ok "the headset's sink appeared (pcuser1 sees $sink)" || sys_fatal "no Bluetooth sink"
pactl_ok root list short modules &&
    grep -q "module-bluez5-device" <<<"$PACTL_OUT" && sys_ok "device module loaded internally" ||
    sys_fail "module-bluez5-device not listed"
sys_pactl root load-module module-null-sink sink_name=x
[ "$PACTL_RC" -ne 0 ] && sys_ok "a client's load-module is refused" || sys_fail "client load-module succeeded"

# pcuser1 plays into the headset (20 s: it must outlive the disconnect)
"$SYS_PY" - "$SYS_T/data/long.wav" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb"); w.setnchannels(2); w.setsampwidth(2); w.setframerate(44100)
w.writeframes(b"".join(struct.pack("<hh", int(8000 * math.sin(i * 0.0627)), int(8000 * math.sin(i * 0.0314)))
                       for i in range(44100 * 20)))
w.close()
PY
chmod 0644 "$SYS_T/data/long.wav"
sys_as pcuser1 timeout -k 2 30 paplay --device=$sink --property=media.name=bt-music "$SYS_T/data/long.wav" &
PLAY=$!
SYS_BG_PIDS+=("$PLAY")
idx=
for _ in $(seq 100); do
    sys_pactl root list short sink-inputs
    idx=$(awk 'NR==1 {print $1}' <<<"$PACTL_OUT"); [ -n "$idx" ] && break; sleep 0.1
done
[ -n "$idx" ] || sys_fatal "pcuser1's stream did not appear"
stats() { bc call org.bluez / org.bluez.Mock GetTransportStats s "$TP" | awk '{print $2, $3}'; }
read -r p0 b0 < <(stats); t0=$(date +%s.%N)
sleep 1.5
read -r p1 b1 < <(stats); t1=$(date +%s.%N)
# SBC at bitpool 53, 44.1 kHz joint stereo: 7 frames of 128 samples per 846-byte packet
rate=$("$SYS_PY" -c "print(round(($p1 - $p0) * 7 * 128 / ($t1 - $t0)))")
"$SYS_PY" -c "import sys; sys.exit(0 if 0.85 * 44100 <= $rate <= 1.15 * 44100 else 1)" &&
    sys_ok "SBC packets reach the transport at real-time pace ($rate frames/s, $((p1 - p0)) packets)" ||
    sys_fail "packet rate $rate frames/s is not real time ($p0→$p1 packets)"

PCCTL_OUT=$(sys_as pcuser2 timeout -k 5 "$SYS_TIMEOUT" "$SYS_PY" "$SYS_DIR/pcctl.py" kill-sink-input "$idx" 2>&1)
assert_eq "pcuser2 cannot kill pcuser1's Bluetooth stream" "Failure: Access denied" "$PCCTL_OUT"
pactl_denied pcuser2 move-sink-input "$idx" null1 && sys_ok "pcuser2 cannot move it either"

bc call org.bluez / org.bluez.Mock DisconnectA2DP s "$TP" >/dev/null || sys_fail DisconnectA2DP
for _ in $(seq 100); do has_sink || break; sleep 0.1; done
has_sink && sys_fail "the Bluetooth sink did not go away" || sys_ok "the headset's sink went away"
sys_pactl root list short sinks
null1=$(awk '$2 == "null1" {print $1}' <<<"$PACTL_OUT")
sys_pactl root list short sink-inputs
awk -v s="$null1" '$2 == s {f = 1} END {exit !f}' <<<"$PACTL_OUT" &&
    sys_ok "pcuser1's stream moved to the fallback sink null1" || sys_fail "stream not on null1: $PACTL_OUT"
kill -0 "$PLAY" 2>/dev/null && sys_ok "paplay kept playing" || sys_fail "paplay ended with the device"
kill "$PLAY" 2>/dev/null
if grep -qE "AddressSanitizer|runtime error:" "$SYS_LOG"; then sys_fail "sanitizer report in the daemon log"; fi
sys_stop_daemon 20 || sys_fail "daemon ignored SIGTERM"
sys_finish
