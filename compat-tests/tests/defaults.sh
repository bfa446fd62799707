#!/bin/bash
# set-default-sink / get-default-sink, set-default-source / get-default-source,
# errors, and how the defaults follow unloads (observed on the reference).
. "$(dirname "$0")/../harness/harness.sh"
compat_init
compat_start_daemon

get() { pactl_ok "get-default-$1"; printf '%s' "$PACTL_OUT"; }
info_defaults() { pactl_ok info; printf '%s\n' "$PACTL_OUT" | grep -E '^Default (Sink|Source):'; }

assert_eq "initial default sink (set-default-sink null1 in script)" null1 "$(get sink)"
assert_eq "initial default source = monitor of the default sink" null1.monitor "$(get source)"

pactl_ok set-default-sink null2
assert_eq "set-default-sink: silent" "" "$PACTL_OUT$PACTL_ERR"
assert_eq "default sink after set null2" null2 "$(get sink)"
# no source default configured and only monitors exist: the default source
# follows the default sink's monitor
assert_eq "default source follows the sink's monitor" null2.monitor "$(get source)"
assert_eq "pactl info shows the defaults" "Default Sink: null2
Default Source: null2.monitor" "$(info_defaults)"

# a numeric name selects by index
pactl_ok set-default-sink 0
assert_eq "set-default-sink 0 (by index)" null1 "$(get sink)"
assert_eq "default source after set-default-sink 0" null1.monitor "$(get source)"

# errors: unknown name / unknown index → NOENTITY; @DEFAULT_SINK@ → INVALID
pactl_fails "Failure: No such entity" set-default-sink nosuch
pactl_fails "Failure: No such entity" set-default-sink 7
pactl_fails "Failure: Invalid argument" set-default-sink @DEFAULT_SINK@
assert_eq "default sink unchanged after errors" null1 "$(get sink)"

# sources
pactl_ok set-default-source null2.monitor
assert_eq "set-default-source null2.monitor" null2.monitor "$(get source)"
pactl_ok set-default-sink null2
pactl_ok set-default-sink null1
assert_eq "configured default source no longer follows the sink" null2.monitor "$(get source)"
pactl_ok set-default-source 0
assert_eq "set-default-source 0 (by index)" null1.monitor "$(get source)"
pactl_fails "Failure: No such entity" set-default-source nosuch
pactl_fails "Failure: No such entity" set-default-source null1
pactl_fails "Failure: No such entity" set-default-source 5
pactl_fails "Failure: Invalid argument" set-default-source @DEFAULT_SINK@
pactl_fails "Failure: Invalid argument" set-default-source @DEFAULT_SOURCE@
assert_eq "default source unchanged after errors" null1.monitor "$(get source)"

# unloading the default sink's module: the default falls back to a remaining sink
pactl_ok set-default-sink null2
pactl_ok set-default-source null2.monitor
pactl_ok unload-module 2
assert_eq "default sink after its module was unloaded" null1 "$(get sink)"
assert_eq "default source after its module was unloaded" null1.monitor "$(get source)"
# a newly loaded sink does not steal the default
pactl_ok load-module module-null-sink sink_name=late
assert_eq "default sink after loading another sink" null1 "$(get sink)"
assert_eq "pactl info after all that" "Default Sink: null1
Default Source: null1.monitor" "$(info_defaults)"

compat_finish
