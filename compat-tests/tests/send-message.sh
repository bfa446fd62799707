#!/bin/bash
# pactl send-message: /core list-handlers (JSON), unknown path / message.
. "$(dirname "$0")/../harness/harness.sh"
compat_init
compat_start_daemon

HANDLERS='[{"name":"/core","description":"Core message handler"}]'
pactl_ok send-message /core list-handlers
assert_eq "send-message /core list-handlers" "$HANDLERS" "$PACTL_OUT"
# the reply is valid JSON
if ! printf '%s' "$PACTL_OUT" | "$COMPAT_PY" -c 'import json,sys; json.load(sys.stdin)'; then
    compat_fail "list-handlers reply is not valid JSON: $PACTL_OUT"
fi
# a trailing '/' is ignored; parameters are ignored by list-handlers
pactl_ok send-message /core/ list-handlers
assert_eq "send-message /core/ list-handlers" "$HANDLERS" "$PACTL_OUT"
pactl_ok send-message /core list-handlers '{}'
assert_eq "send-message with JSON params" "$HANDLERS" "$PACTL_OUT"
pactl_ok send-message /core list-handlers 'not json'
assert_eq "send-message with non-JSON params" "$HANDLERS" "$PACTL_OUT"

# errors
pactl_fails "Send message failed: No such entity" send-message /nosuch foo
pactl_fails "Send message failed: No such entity" send-message core list-handlers
pactl_fails "Send message failed: No such entity" send-message "" list-handlers
pactl_fails "Send message failed: Missing implementation" send-message /core nosuchmsg
pactl_fails "Send message failed: Missing implementation" send-message /core ""

# still fine afterwards
pactl_ok send-message /core list-handlers
assert_eq "send-message after errors" "$HANDLERS" "$PACTL_OUT"
compat_finish
