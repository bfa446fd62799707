#!/bin/bash
# card-ports: latency offsets and jacks of a simulated card's ports.
#   pactl set-port-latency-offset: the card lists the offset, the sink's
#     reported latency (pactl list sinks, averaged over ≥ 1 s of readings)
#     grows by it while a stream plays, and so does the stream's own latency
#     (pacat's GET_PLAYBACK_LATENCY); an offset on an inactive port changes
#     nothing until that port is made active; negative offsets clamp at 0.
#   "Headphone Jack": plugging (the simulated jack file) makes the headphones
#     port available and the sink switches to it; unplugging switches back.
#   Card CHANGE events accompany both.
. "$(dirname "$0")/card-lib.sh"
card_init
compat_write_script \
    "load-module module-alsa-card name=simA pcm_playback=cardA pcm_capture=cardA control=cardA"
compat_start_daemon
SINK=alsa_output.simA.analog-stereo
card_wait_for sinks "$SINK"
compat_pactl list short cards
cidx=$(printf '%s\n' "$PACTL_OUT" | awk -F'\t' '$2 == "alsa_card.simA" { print $1 }')
SUB=$COMPAT_TMP/subscribe.out
compat_bg stdbuf -oL pactl subscribe >"$SUB" 2>"$COMPAT_TMP/subscribe.err"
sleep 0.3

# sink_latency_avg: mean of the sink's "Latency:" over 10 readings (~1 s)
sink_latency_avg() {
    local sum=0 n=0 l
    for _ in $(seq 10); do
        l=$(device_section sinks "$SINK" | sed -n 's/^\tLatency: \([0-9]*\) usec.*/\1/p')
        [ -n "$l" ] && { sum=$((sum + l)); n=$((n + 1)); }
        sleep 0.1
    done
    [ "$n" -gt 0 ] && echo $((sum / n)) || echo -1
}

# a stream plays, so the sink's latency is real (buffer fill)
st_sig gen sine "$COMPAT_TMP/tone.wav" --seconds 30 --rate 48000 --freqs 997 || compat_fatal "gen failed"
compat_bg pacat -v --playback -d "$SINK" --latency-msec=50 --file-format=wav "$COMPAT_TMP/tone.wav" \
    2>"$COMPAT_TMP/logs/pacat.log"
st_wait_sink_inputs 1
sleep 0.5
base=$(sink_latency_avg)
compat_log "sink latency without offset: $base usec"
[ "$base" -ge 0 ] && [ "$base" -lt 400000 ] || compat_fail "implausible base latency $base"

pactl_ok set-port-latency-offset alsa_card.simA analog-output-speaker 500000
assert_match "the card lists the offset" \
    'analog-output-speaker: Speakers \(.*latency offset: 500000 usec' "$(card_section alsa_card.simA)"
with=$(sink_latency_avg)
compat_log "sink latency with +500 ms offset: $with usec"
d=$((with - base))
[ "$d" -ge 450000 ] && [ "$d" -le 550000 ] ||
    compat_fail "the sink latency grew by $d usec, expected 500000 ± 50000"
# the stream's latency (pacat -v prints it from GET_PLAYBACK_LATENCY replies)
sleep 1
sl=$(tr '\r' '\n' <"$COMPAT_TMP/logs/pacat.log" | tr -s ' ' '\n' | grep -A1 '^Latency:' |
     grep -E '^[0-9]+$' | tail -10 | awk '{ s += $1 } END { if (NR) print int(s / NR); else print -1 }')
compat_log "stream latency reported to pacat (last readings): $sl usec"
[ "$sl" -ge 500000 ] || compat_fail "the stream's latency ($sl usec) does not include the port offset"

# an offset on the inactive headphones port changes nothing yet
pactl_ok set-port-latency-offset alsa_card.simA analog-output-headphones 2000000
with2=$(sink_latency_avg)
d=$((with2 - base))
[ "$d" -ge 450000 ] && [ "$d" -le 550000 ] ||
    compat_fail "an inactive port's offset changed the latency ($d usec above base)"
# negative: clamps at zero
pactl_ok set-port-latency-offset alsa_card.simA analog-output-speaker -10000000
neg=$(sink_latency_avg)
assert_eq "a large negative offset clamps the latency at 0" 0 "$neg"
pactl_ok set-port-latency-offset alsa_card.simA analog-output-speaker 0

# jack: plug the headphones
echo 1 >"$COMPAT_TMP/cardA.jack"
compat_wait_for "headphones to become active" 10 \
    eval '[[ "$(device_section sinks "$SINK")" == *"Active Port: analog-output-headphones"* ]]'
A=$(card_section alsa_card.simA)
assert_match "headphones available after plugging" \
    'analog-output-headphones: Headphones \(.*, available\)' "$A"
with3=$(sink_latency_avg)
d=$((with3 - base))
[ "$d" -ge 1900000 ] && [ "$d" -le 2100000 ] ||
    compat_fail "after switching to headphones the latency is $d usec above base, expected their 2 s offset"
# unplug
echo 0 >"$COMPAT_TMP/cardA.jack"
compat_wait_for "the speaker to become active again" 10 \
    eval '[[ "$(device_section sinks "$SINK")" == *"Active Port: analog-output-speaker"* ]]'
assert_match "headphones not available after unplugging" \
    'analog-output-headphones: Headphones \(.*, not available\)' "$(card_section alsa_card.simA)"
kill -0 "$COMPAT_BG_PID" 2>/dev/null || compat_fail "the stream died during the port changes"

# error cases through pactl
pactl_fails "Failure: No such entity" set-port-latency-offset alsa_card.simA no-such-port 1
pactl_fails "Failure: No such entity" set-port-latency-offset alsa_card.nope analog-output-speaker 1
pactl_fails "Failure: No such entity" set-sink-port "$SINK" no-such-port
pactl_fails "Failure: Missing implementation" set-sink-port null1 analog-output-speaker

sleep 0.3
n=$(grep -c "'change' on card #$cidx" "$SUB")
[ "$n" -ge 6 ] || compat_fail "expected card change events for offsets and jacks, saw $n"
card_finish
