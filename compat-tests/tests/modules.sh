#!/bin/bash
# load-module / unload-module by index and by name; error paths.
. "$(dirname "$0")/../harness/harness.sh"
compat_init
compat_start_daemon
TAB=$'\t'

sinks() { pactl_ok list short sinks && printf '%s\n' "$PACTL_OUT" | cut -f1,2; }
modules() { pactl_ok list short modules && printf '%s\n' "$PACTL_OUT" | cut -f1,2; }

# load → index 3 printed on stdout, sink x appears with index 2
pactl_ok load-module module-null-sink sink_name=x
assert_eq "load-module prints the new module index" 3 "$PACTL_OUT"
assert_eq "sinks after load x" "0${TAB}null1
1${TAB}null2
2${TAB}x" "$(sinks)"
pactl_ok list short modules
assert_line "module 3 listed with its argument" "3${TAB}module-null-sink${TAB}sink_name=x${TAB}" "$PACTL_OUT"
pactl_ok get-sink-volume x
assert_eq "new sink volume" "Volume: front-left: 65536 / 100% / 0.00 dB,   front-right: 65536 / 100% / 0.00 dB
        balance 0.00" "$PACTL_OUT"

# unload by index
pactl_ok unload-module 3
assert_eq "unload-module 3: no output" "" "$PACTL_OUT$PACTL_ERR"
assert_eq "sinks after unload 3" "0${TAB}null1
1${TAB}null2" "$(sinks)"
assert_eq "modules after unload 3" "0${TAB}module-native-protocol-unix
1${TAB}module-null-sink
2${TAB}module-null-sink" "$(modules)"

# indexes are not reused
pactl_ok load-module module-null-sink sink_name=y sink_properties=device.description=Why
assert_eq "second load gets index 4" 4 "$PACTL_OUT"
assert_eq "sinks after load y" "0${TAB}null1
1${TAB}null2
3${TAB}y" "$(sinks)"
pactl_ok list sinks
assert_line "description from sink_properties" $'\tDescription: Why' "$PACTL_OUT"

# unload an unknown index
pactl_fails "Failure: No such entity" unload-module 99

# unload by name: unloads every module of that name (here: all three null sinks)
pactl_ok unload-module module-null-sink
assert_eq "unload by name: no output" "" "$PACTL_OUT$PACTL_ERR"
assert_eq "sinks after unload by name" "" "$(sinks)"
assert_eq "modules after unload by name" "0${TAB}module-native-protocol-unix" "$(modules)"

# unload by an unknown name: pactl prints an error but exits 0 (client-side
# behaviour of pactl 16.1, observed against the reference)
compat_pactl unload-module module-no-such-thing
assert_eq "unload unknown name: status" 0 "$PACTL_RC"
assert_eq "unload unknown name: stderr" "Failed to unload module: Module module-no-such-thing not loaded" "$PACTL_ERR"

# loading failures → MODINITFAILED
pactl_fails "Failure: Module initialization failed" load-module module-does-not-exist
pactl_fails "Failure: Module initialization failed" load-module module-null-sink no_such_arg=1
pactl_fails "Failure: Module initialization failed" load-module module-null-sink "sink_name=a sink_name=b"
# a name with '/' → INVALID
pactl_fails "Failure: Invalid argument" load-module /tmp/module-null-sink
assert_eq "modules after failed loads" "0${TAB}module-native-protocol-unix" "$(modules)"

# load again, after everything: sink index continues, default sink follows.
# The two module-null-sink loads that failed on their arguments used up
# module indexes 5 and 6 (the reference allocates the module index before
# the module's init runs); the unknown module did not (it failed to open).
pactl_ok load-module module-null-sink sink_name=z
assert_eq "third load index (failed inits consumed 5 and 6)" 7 "$PACTL_OUT"
assert_eq "sinks after load z" "4${TAB}z" "$(sinks)"
pactl_ok get-default-sink
assert_eq "default sink falls back to the only sink" "z" "$PACTL_OUT"

compat_finish
