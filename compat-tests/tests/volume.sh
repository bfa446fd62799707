#!/bin/bash
# set-sink-volume / set-source-volume in every pactl syntax, read back with
# get-*-volume and compared exactly; mute, toggle; error paths.
#
# Reminder of what pactl sends (all conversions are done client-side by
# libpulse, the server must store and return the exact integers):
#   N%      → round(N/100 · 65536)                 (50% → 32768)
#   NdB     → cubic mapping: 65536 · cbrt(10^(N/20)) (10dB → 96194)
#   0.5     → linear factor, cubic mapping          (0.5 → 52016, 2.0 → 82570)
#   12345   → raw pa_volume_t
#   +N%/-N% → current ± trunc(N% of 65536) (clamped at 0), e.g. 26214+5% → 29490
#   +NdB/-NdB → per channel: from_dB(to_dB(current) ± N), e.g. 32768-6dB → 26029
# The reference's exact printouts (raw / percent / dB) are pinned below.
. "$(dirname "$0")/../harness/harness.sh"
compat_init
compat_start_daemon

check_sink() {  # check_sink SINK EXPECTED_VOLUME_LINE [EXPECTED_BALANCE]
    local sink=$1 want=$2 bal=${3:-0.00}
    pactl_ok get-sink-volume "$sink"
    assert_eq "get-sink-volume $sink (after: $LAST)" "$want
        balance $bal" "$PACTL_OUT"
}
check_source() {
    local src=$1 want=$2 bal=${3:-0.00}
    pactl_ok get-source-volume "$src"
    assert_eq "get-source-volume $src (after: $LAST)" "$want
        balance $bal" "$PACTL_OUT"
}
set_ok() { LAST="pactl $*"; pactl_ok "$@"; assert_eq "$LAST: no output" "" "$PACTL_OUT$PACTL_ERR"; }

V100="Volume: front-left: 65536 / 100% / 0.00 dB,   front-right: 65536 / 100% / 0.00 dB"
LAST=initial
check_sink null1 "$V100"

set_ok set-sink-volume null1 50%
check_sink null1 "Volume: front-left: 32768 /  50% / -18.06 dB,   front-right: 32768 /  50% / -18.06 dB"
# relative dB: -18.06 dB - 6 dB
set_ok set-sink-volume null1 -6dB
check_sink null1 "Volume: front-left: 26029 /  40% / -24.06 dB,   front-right: 26029 /  40% / -24.06 dB"
# relative percent: 26029 + 6553
set_ok set-sink-volume null1 +10%
check_sink null1 "Volume: front-left: 32582 /  50% / -18.21 dB,   front-right: 32582 /  50% / -18.21 dB"
set_ok set-sink-volume null1 50%
set_ok set-sink-volume null1 -5%
check_sink null1 "Volume: front-left: 29491 /  45% / -20.81 dB,   front-right: 29491 /  45% / -20.81 dB"
set_ok set-sink-volume null1 -3dB
check_sink null1 "Volume: front-left: 26284 /  40% / -23.81 dB,   front-right: 26284 /  40% / -23.81 dB"
set_ok set-sink-volume null1 +0.5dB
check_sink null1 "Volume: front-left: 26793 /  41% / -23.31 dB,   front-right: 26793 /  41% / -23.31 dB"
set_ok set-sink-volume null1 +3dB
check_sink null1 "Volume: front-left: 30062 /  46% / -20.31 dB,   front-right: 30062 /  46% / -20.31 dB"
# per channel
set_ok set-sink-volume null1 30% 70%
check_sink null1 "Volume: front-left: 19660 /  30% / -31.37 dB,   front-right: 45875 /  70% / -9.29 dB" 0.57
set_ok set-sink-volume null1 100% 50%
set_ok set-sink-volume null1 +10% -10%
check_sink null1 "Volume: front-left: 72089 / 110% / 2.48 dB,   front-right: 26214 /  40% / -23.88 dB" -0.64
# raw integers
set_ok set-sink-volume null1 12345
check_sink null1 "Volume: front-left: 12345 /  19% / -43.50 dB,   front-right: 12345 /  19% / -43.50 dB"
set_ok set-sink-volume null1 65536
check_sink null1 "$V100"
set_ok set-sink-volume null1 0
check_sink null1 "Volume: front-left: 0 /   0% / -inf dB,   front-right: 0 /   0% / -inf dB"
# PA_VOLUME_MAX is accepted by the server
set_ok set-sink-volume null1 2147483647
check_sink null1 "Volume: front-left: 2147483647 / 3276800% / 270.93 dB,   front-right: 2147483647 / 3276800% / 270.93 dB"
# linear factors and absolute dB
set_ok set-sink-volume null1 0.5
check_sink null1 "Volume: front-left: 52016 /  79% / -6.02 dB,   front-right: 52016 /  79% / -6.02 dB"
set_ok set-sink-volume null1 2.0
check_sink null1 "Volume: front-left: 82570 / 126% / 6.02 dB,   front-right: 82570 / 126% / 6.02 dB"
set_ok set-sink-volume null1 0dB
check_sink null1 "$V100"
set_ok set-sink-volume null1 10dB
check_sink null1 "Volume: front-left: 96194 / 147% / 10.00 dB,   front-right: 96194 / 147% / 10.00 dB"
set_ok set-sink-volume null1 +100%
check_sink null1 "Volume: front-left: 161730 / 247% / 23.54 dB,   front-right: 161730 / 247% / 23.54 dB"
set_ok set-sink-volume null1 150%
check_sink null1 "Volume: front-left: 98304 / 150% / 10.57 dB,   front-right: 98304 / 150% / 10.57 dB"
# addressing by index and by @DEFAULT_SINK@
set_ok set-sink-volume 1 70%
check_sink null2 "Volume: front-left: 45875 /  70% / -9.29 dB,   front-right: 45875 /  70% / -9.29 dB"
set_ok set-sink-volume @DEFAULT_SINK@ 60%
check_sink null1 "Volume: front-left: 39321 /  60% / -13.31 dB,   front-right: 39321 /  60% / -13.31 dB"
# null2 untouched by changes to null1
check_sink 1 "Volume: front-left: 45875 /  70% / -9.29 dB,   front-right: 45875 /  70% / -9.29 dB"

# ---- errors (the sink keeps its volume)
pactl_fails "Failed to get sink information: No such entity" set-sink-volume nosuch 50%
pactl_fails "Failed to get sink information: No such entity" get-sink-volume nosuch
pactl_fails "Failed to set volume: You tried to set volumes for 3 channels, whereas channel(s) supported = 2" \
    set-sink-volume null1 1 2 3
pactl_fails "Invalid volume specification" set-sink-volume null1 foo
pactl_fails "Volume outside permissible range." set-sink-volume null1 2147483648
LAST="failed calls"
check_sink null1 "Volume: front-left: 39321 /  60% / -13.31 dB,   front-right: 39321 /  60% / -13.31 dB"

# ---- sink mute
pactl_ok get-sink-mute null1
assert_eq "initial mute" "Mute: no" "$PACTL_OUT"
for want in yes no; do
    set_ok set-sink-mute null1 toggle
    pactl_ok get-sink-mute null1
    assert_eq "mute after toggle" "Mute: $want" "$PACTL_OUT"
done
set_ok set-sink-mute null1 1
pactl_ok get-sink-mute null1
assert_eq "mute after 1" "Mute: yes" "$PACTL_OUT"
pactl_ok get-sink-mute null2
assert_eq "null2 mute unaffected" "Mute: no" "$PACTL_OUT"
set_ok set-sink-mute null1 no
pactl_ok get-sink-mute null1
assert_eq "mute after no" "Mute: no" "$PACTL_OUT"
pactl_fails "Failure: No such entity" set-sink-mute nosuch 1
pactl_fails "Invalid mute specification" set-sink-mute null1 maybe
pactl_fails "Failed to get sink information: No such entity" get-sink-mute nosuch
# mute does not change the volume
LAST="mute changes"
check_sink null1 "Volume: front-left: 39321 /  60% / -13.31 dB,   front-right: 39321 /  60% / -13.31 dB"

# ---- source volume / mute
LAST=initial
check_source null1.monitor "$V100"
set_ok set-source-volume null1.monitor 40%
check_source null1.monitor "Volume: front-left: 26214 /  40% / -23.88 dB,   front-right: 26214 /  40% / -23.88 dB"
set_ok set-source-volume null2.monitor 25% 75%
check_source null2.monitor "Volume: front-left: 16384 /  25% / -36.12 dB,   front-right: 49152 /  75% / -7.50 dB" 0.67
set_ok set-source-volume @DEFAULT_SOURCE@ +5%
check_source null1.monitor "Volume: front-left: 29490 /  45% / -20.81 dB,   front-right: 29490 /  45% / -20.81 dB"
set_ok set-source-volume 1 -6dB
check_source null2.monitor "Volume: front-left: 13014 /  20% / -42.12 dB,   front-right: 39043 /  60% / -13.50 dB" 0.67
pactl_fails "Failed to get source information: No such entity" set-source-volume nosuch 10%

pactl_ok get-source-mute null1.monitor
assert_eq "source mute initial" "Mute: no" "$PACTL_OUT"
set_ok set-source-mute null1.monitor toggle
pactl_ok get-source-mute null1.monitor
assert_eq "source mute after toggle" "Mute: yes" "$PACTL_OUT"
set_ok set-source-mute @DEFAULT_SOURCE@ 0
pactl_ok get-source-mute null1.monitor
assert_eq "source mute after 0" "Mute: no" "$PACTL_OUT"
pactl_fails "Failed to get source information: No such entity" get-source-mute nosuch
pactl_fails "Failure: No such entity" set-source-mute nosuch 1
# the sink (whose monitor this is) is not affected
pactl_ok get-sink-mute null1
assert_eq "sink mute not affected by monitor mute" "Mute: no" "$PACTL_OUT"

# ---- the list view shows the same values
pactl_ok list sinks
assert_line "list sinks shows volume of null1" \
    $'\tVolume: front-left: 39321 /  60% / -13.31 dB,   front-right: 39321 /  60% / -13.31 dB' "$PACTL_OUT"

compat_finish
