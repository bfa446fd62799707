#!/bin/bash
# Malformed frames on the native socket (see hostile.py): each offending
# connection is dropped or gets an ERROR exactly like the reference daemon,
# other clients keep working, the daemon survives.
. "$(dirname "$0")/../harness/harness.sh"
compat_init
compat_start_daemon
pactl_ok info   # also makes sure the cookie exists
export COMPAT_SOCKET COMPAT_DAEMON_PID
if ! timeout -k 5 120 "$COMPAT_PY" "$(dirname "$0")/hostile.py" "$@" >"$COMPAT_TMP/hostile.out" 2>&1; then
    compat_fail "hostile.py reported failures"
fi
cat "$COMPAT_TMP/hostile.out" >&2
compat_daemon_alive || compat_fail "daemon is no longer running"
pactl_ok info
assert_line "pactl info still works" "Default Sink: null1" "$PACTL_OUT"
pactl_ok list short sinks
assert_eq "sinks intact" "null1
null2" "$(printf '%s\n' "$PACTL_OUT" | cut -f2)"
compat_finish
