#!/bin/bash
# Cookie authentication.  Connections from the daemon's own uid are always
# authorised, so the check needs a client running as another uid: we start
# the daemon as root and run pactl as nobody (65534) through a second
# native-protocol socket in a world-traversable directory.
. "$(dirname "$0")/../harness/harness.sh"
compat_init
[ "$(id -u)" -eq 0 ] || compat_skip "needs root to run a client as another uid"
compat_need_prog setpriv
NOBODY=65534

PUB=$COMPAT_TMP/pub
mkdir -p "$PUB"
# the other uid must be able to traverse to the public socket and read its
# cookie files; HOME and the runtime dir stay 0700
chmod 0711 "$COMPAT_TMP"
chmod 0755 "$PUB"
compat_write_script "load-module module-native-protocol-unix socket=$PUB/native"
compat_start_daemon
compat_wait_socket "$PUB/native" 30 || compat_fatal "public socket $PUB/native did not appear"

COOKIE=$HOME/.config/pulse/cookie
compat_wait_for "daemon cookie $COOKIE" 15 test -s "$COOKIE"
assert_eq "cookie size" 256 "$(stat -c %s "$COOKIE")"
assert_eq "cookie mode" 600 "$(stat -c %a "$COOKIE")"

head -c 256 /dev/urandom >"$PUB/wrong-cookie"
cp "$COOKIE" "$PUB/right-cookie"
chmod 0644 "$PUB/wrong-cookie" "$PUB/right-cookie"
mkdir -p "$PUB/nobody-home"
chown "$NOBODY:$NOBODY" "$PUB/nobody-home"

# as_nobody COOKIEFILE pactl-args…
as_nobody() {
    local cookie=$1
    shift
    PACTL_RC=0
    PACTL_OUT=$(env -i PATH=/usr/bin:/bin LC_ALL=C HOME="$PUB/nobody-home" \
        PULSE_CLIENTCONFIG="$PULSE_CLIENTCONFIG" PULSE_COOKIE="$cookie" \
        PULSE_SERVER="unix:$PUB/native" ALSA_CONFIG_PATH="$ALSA_CONFIG_PATH" \
        setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
        timeout -k 2 "$COMPAT_TIMEOUT" pactl "$@" 2>"$COMPAT_TMP/nobody.err") || PACTL_RC=$?
    PACTL_ERR=$(cat "$COMPAT_TMP/nobody.err")
}

# sanity: the other uid really is another uid
uid=$(setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups id -u)
assert_eq "client uid" "$NOBODY" "$uid"

as_nobody "$PUB/wrong-cookie" info
assert_eq "wrong cookie: status" 1 "$PACTL_RC"
assert_eq "wrong cookie: stderr" "Connection failure: Access denied" "$PACTL_ERR"
assert_eq "wrong cookie: stdout" "" "$PACTL_OUT"

# a missing cookie file: libpulse sends zeros → also refused
as_nobody "$PUB/does-not-exist" info
assert_eq "no cookie: status" 1 "$PACTL_RC"
assert_match "no cookie: Access denied" "^Connection failure: Access denied$" "$PACTL_ERR"

as_nobody "$PUB/right-cookie" info
assert_eq "right cookie: status" 0 "$PACTL_RC"
assert_line "right cookie: connected" "Server String: unix:$PUB/native" "$PACTL_OUT"
assert_line "right cookie: default sink" "Default Sink: null1" "$PACTL_OUT"
as_nobody "$PUB/right-cookie" set-sink-volume null2 20%
assert_eq "right cookie: control works" 0 "$PACTL_RC"
pactl_ok get-sink-volume null2
assert_match "volume set by the other uid" '^Volume: front-left: 13107 ' "$PACTL_OUT"
as_nobody "$PUB/right-cookie" list short clients
assert_eq "right cookie: list clients works" 0 "$PACTL_RC"

# the daemon's own uid needs no cookie at all (same-uid rule)
PULSE_COOKIE=$PUB/wrong-cookie pactl_ok info
pactl_ok info

# still alive and refusing after all that
as_nobody "$PUB/wrong-cookie" list short sinks
assert_eq "wrong cookie again: status" 1 "$PACTL_RC"
assert_eq "wrong cookie again: stderr" "Connection failure: Access denied" "$PACTL_ERR"
compat_daemon_alive || compat_fail "daemon died"
compat_finish
