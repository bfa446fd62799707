#!/bin/bash
# --disallow-exit and --disallow-module-loading (spec: system-mode.md §3.1,
# §3.2, commands.md §7.6).
. "$(dirname "$0")/../harness/harness.sh"
compat_init
TAB=$'\t'
MODULES="0${TAB}module-native-protocol-unix${TAB}${TAB}
1${TAB}module-null-sink${TAB}sink_name=null1 rate=44100 channels=2 sink_properties=device.description=Null-1${TAB}
2${TAB}module-null-sink${TAB}sink_name=null2 rate=44100 channels=2 sink_properties=device.description=Null-2${TAB}"

# the startup script itself may load modules despite --disallow-module-loading
compat_start_daemon --disallow-exit --disallow-module-loading
pactl_ok list short modules
assert_eq "modules loaded by the startup script" "$MODULES" "$PACTL_OUT"

# EXIT refused with ACCESS, daemon stays up
pactl_fails "Failure: Access denied" exit
sleep 0.2
compat_daemon_alive || compat_fail "daemon died after a refused pactl exit"
pactl_ok info

# LOAD_MODULE → MODINITFAILED
pactl_fails "Failure: Module initialization failed" load-module module-null-sink sink_name=z
pactl_fails "Failure: Module initialization failed" load-module module-does-not-exist

# UNLOAD_MODULE acknowledged but ignored (by index and by name)
pactl_ok unload-module 1
assert_eq "unload-module 1: silent" "" "$PACTL_OUT$PACTL_ERR"
pactl_ok unload-module module-null-sink
assert_eq "unload-module by name: silent" "" "$PACTL_OUT$PACTL_ERR"
# unknown index is still an error
pactl_fails "Failure: No such entity" unload-module 77
pactl_ok list short modules
assert_eq "modules unchanged after refused loads/unloads" "$MODULES" "$PACTL_OUT"
pactl_ok list short sinks
assert_eq "sinks unchanged" "null1
null2" "$(printf '%s\n' "$PACTL_OUT" | cut -f2)"

# other control commands still work
pactl_ok set-sink-volume null1 50%
pactl_ok get-sink-volume null1
assert_match "volume still settable" '^Volume: front-left: 32768 ' "$PACTL_OUT"

# signals still stop it
compat_daemon_alive || compat_fail "daemon not alive at the end"
kill -TERM "$COMPAT_DAEMON_PID"
if compat_wait_daemon_exit 20; then
    assert_eq "exit status after SIGTERM" 0 "$COMPAT_DAEMON_STATUS"
    COMPAT_DAEMON_PID=
else
    compat_fail "daemon ignored SIGTERM for 20 s"
fi

# only --disallow-exit: module loading works, exit refused
compat_start_daemon --disallow-exit=yes
pactl_ok load-module module-null-sink sink_name=z
assert_eq "load with only --disallow-exit" 3 "$PACTL_OUT"
pactl_fails "Failure: Access denied" exit
pactl_ok info

# --disallow-exit=no explicitly: exit works
kill -TERM "$COMPAT_DAEMON_PID"; compat_wait_daemon_exit 20; COMPAT_DAEMON_PID=
compat_start_daemon --disallow-exit=no --disallow-module-loading=no
pactl_ok exit
compat_wait_daemon_exit 20 || compat_fail "daemon did not exit with --disallow-exit=no"
compat_finish
