#!/bin/bash
# suspend-sink / resume; the monitor source follows; error paths.
. "$(dirname "$0")/../harness/harness.sh"
compat_init
compat_start_daemon

states() {  # "name state" per sink and source
    pactl_ok list short sinks
    printf '%s\n' "$PACTL_OUT" | cut -f2,5 | tr '\t' ' '
    pactl_ok list short sources
    printf '%s\n' "$PACTL_OUT" | cut -f2,5 | tr '\t' ' '
}

assert_eq "initial states" "null1 IDLE
null2 IDLE
null1.monitor IDLE
null2.monitor IDLE" "$(states)"

pactl_ok suspend-sink null1 1
assert_eq "suspend-sink: silent" "" "$PACTL_OUT$PACTL_ERR"
assert_eq "after suspend-sink null1 1" "null1 SUSPENDED
null2 IDLE
null1.monitor SUSPENDED
null2.monitor IDLE" "$(states)"
pactl_ok list sinks
sink0=$(printf '%s\n' "$PACTL_OUT" | sed -n '/^Sink #0$/,/^$/p')
assert_line "pactl list sinks: State: SUSPENDED" $'\tState: SUSPENDED' "$sink0"
pactl_ok list sources
src0=$(printf '%s\n' "$PACTL_OUT" | sed -n '/^Source #0$/,/^$/p')
assert_line "pactl list sources: monitor State: SUSPENDED" $'\tState: SUSPENDED' "$src0"

# suspending twice is fine; by index with "true"
pactl_ok suspend-sink null1 1
pactl_ok suspend-sink 1 true
assert_eq "both suspended" "null1 SUSPENDED
null2 SUSPENDED
null1.monitor SUSPENDED
null2.monitor SUSPENDED" "$(states)"

# resume
pactl_ok suspend-sink null1 0
assert_eq "after resume null1" "null1 IDLE
null2 SUSPENDED
null1.monitor IDLE
null2.monitor SUSPENDED" "$(states)"
pactl_ok suspend-sink null2 no
assert_eq "after resume null2" "null1 IDLE
null2 IDLE
null1.monitor IDLE
null2.monitor IDLE" "$(states)"

# @DEFAULT_SINK@
pactl_ok suspend-sink @DEFAULT_SINK@ 1
assert_eq "after suspend @DEFAULT_SINK@" "null1 SUSPENDED
null2 IDLE
null1.monitor SUSPENDED
null2.monitor IDLE" "$(states)"
pactl_ok suspend-sink @DEFAULT_SINK@ 0

# errors
pactl_fails "Failure: No such entity" suspend-sink nosuch 1
pactl_fails "Invalid suspend specification." suspend-sink null1 maybe
# a monitor source cannot be suspended on its own → INVALID
pactl_fails "Failure: Invalid argument" suspend-source null2.monitor 1
pactl_fails "Failure: Invalid argument" suspend-source null1.monitor 0
pactl_fails "Failure: No such entity" suspend-source nosuch 1
assert_eq "states after errors" "null1 IDLE
null2 IDLE
null1.monitor IDLE
null2.monitor IDLE" "$(states)"

# volume changes work while suspended and survive the resume
pactl_ok suspend-sink null2 1
pactl_ok set-sink-volume null2 25%
pactl_ok suspend-sink null2 0
pactl_ok get-sink-volume null2
assert_eq "volume set while suspended" "Volume: front-left: 16384 /  25% / -36.12 dB,   front-right: 16384 /  25% / -36.12 dB
        balance 0.00" "$PACTL_OUT"

compat_finish
