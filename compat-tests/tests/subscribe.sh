#!/bin/bash
# pactl subscribe sees exactly the events caused by other clients.
#
# Every pactl run is one client: the subscriber sees
#   new client #c / change client #c (SET_CLIENT_NAME) / <events> / remove client #c
# with c increasing by one per run, so the whole stream is predictable once
# we know the index of a synchronisation client.  Expected lines are the
# reference daemon's (PulseAudio 16.1) observed output.
. "$(dirname "$0")/../harness/harness.sh"
compat_init
compat_start_daemon
compat_need_prog stdbuf

SUB=$COMPAT_TMP/subscribe.out
compat_bg stdbuf -oL pactl subscribe >"$SUB" 2>"$COMPAT_TMP/subscribe.err"
SUB_PID=$COMPAT_BG_PID

# sync_events: run one client and wait until its REMOVE event arrived; all
# events caused before it have then been delivered.  Sets SYNC_K (its index)
# and SYNC_LINE (line number of that REMOVE in $SUB).
sync_events() {
    local k attempt_end deadline=$((SECONDS + 60))
    while [ "$SECONDS" -le "$deadline" ]; do
        kill -0 "$SUB_PID" 2>/dev/null || compat_fatal "pactl subscribe died: $(cat "$COMPAT_TMP/subscribe.err")"
        pactl_ok list short clients || return 1
        k=$(printf '%s\n' "$PACTL_OUT" | cut -f1 | sort -n | tail -n 1)
        # give this probe's events a few seconds (time-based: the machine
        # may be heavily loaded); if the subscription was not active yet,
        # try again with a new probe client
        attempt_end=$((SECONDS + 3))
        while [ "$SECONDS" -le "$attempt_end" ]; do
            SYNC_LINE=$(grep -nx "Event 'remove' on client #$k" "$SUB" | cut -d: -f1)
            if [ -n "$SYNC_LINE" ]; then SYNC_K=$k; return 0; fi
            sleep 0.05
        done
    done
    compat_fatal "no events from pactl subscribe within 60 s"
}

EXPECTED=
C=0
# act "pactl args" [event line…]: run pactl once, append the events the
# subscriber must see for it.
act() {
    local cmd=$1
    shift
    C=$((C + 1))
    # shellcheck disable=SC2086
    compat_pactl $cmd
    EXPECTED+="Event 'new' on client #$C"$'\n'"Event 'change' on client #$C"$'\n'
    local e
    for e in "$@"; do EXPECTED+="$e"$'\n'; done
    EXPECTED+="Event 'remove' on client #$C"$'\n'
}
S="#4294967295"   # SERVER events carry index -1

sync_events
START=$SYNC_LINE
C=$SYNC_K

act "set-sink-volume null1 50%"          "Event 'change' on sink #0"
act "set-sink-volume null1 50%"          # unchanged volume → no event
act "set-sink-mute null1 toggle"         "Event 'change' on sink #0"
act "set-sink-mute null1 toggle"         "Event 'change' on sink #0"
act "set-sink-mute null1 0"              # unchanged → no event
act "set-sink-volume null2 30% 40%"      "Event 'change' on sink #1"
act "set-source-volume null1.monitor 30%" "Event 'change' on source #0"
act "set-source-mute null1.monitor 1"    "Event 'change' on source #0"
act "load-module module-null-sink sink_name=x" \
    "Event 'change' on sink #2" "Event 'change' on source #2" \
    "Event 'new' on source #2" "Event 'new' on sink #2" "Event 'new' on module #3"
act "unload-module 3" \
    "Event 'remove' on source #2" "Event 'remove' on sink #2" "Event 'remove' on module #3"
act "set-default-sink null2"             "Event 'change' on server $S"
act "set-default-sink null2"             # unchanged → no event
act "set-default-source null2.monitor"   "Event 'change' on server $S"
act "suspend-sink null2 1"               "Event 'change' on sink #1" "Event 'change' on source #1"
act "suspend-sink null2 0"               "Event 'change' on sink #1" "Event 'change' on source #1"
act "set-sink-volume nosuch 50%"         # failed command → no event
act "set-default-sink nosuch"            # failed command → no event
act "send-message /core list-handlers"   # no event
act "info"
act "stat"
act "list"
act "load-module module-null-sink sink_name=y" \
    "Event 'change' on sink #3" "Event 'change' on source #3" \
    "Event 'new' on source #3" "Event 'new' on sink #3" "Event 'new' on module #4"
# unloading by name: null1 (not default) goes silently; null2 is the default
# sink → SERVER CHANGE before its removal; then y (the new default) likewise
act "unload-module module-null-sink" \
    "Event 'remove' on source #0" "Event 'remove' on sink #0" "Event 'remove' on module #1" \
    "Event 'change' on server $S" \
    "Event 'remove' on source #1" "Event 'remove' on sink #1" "Event 'remove' on module #2" \
    "Event 'change' on server $S" \
    "Event 'remove' on source #3" "Event 'remove' on sink #3" "Event 'remove' on module #4"
# first sink loaded into an empty server becomes the default
act "load-module module-null-sink sink_name=z" \
    "Event 'change' on sink #4" "Event 'change' on source #4" \
    "Event 'new' on source #4" "Event 'change' on server $S" \
    "Event 'new' on sink #4" "Event 'new' on module #5"

sync_events
END=$SYNC_LINE
got=$(sed -n "$((START + 1)),$((END - 3))p" "$SUB")
assert_eq "events seen by pactl subscribe" "${EXPECTED%$'\n'}" "$got"
assert_eq "sync client index follows the action clients" $((C + 1)) "$SYNC_K"

# the subscriber's own client stays listed and the subscriber is still alive
kill -0 "$SUB_PID" 2>/dev/null || compat_fail "pactl subscribe exited early"
assert_eq "pactl subscribe stderr" "" "$(cat "$COMPAT_TMP/subscribe.err")"
compat_finish
