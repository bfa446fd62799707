#!/bin/bash
# card-ucm: module-alsa-card with a UCM configuration (alsa-lib's use-case
# manager), on the simulated card "simucm" (card-ucm.conf) whose UCM2 files
# are compat-tests/simhw/ucm2 (conf.virt.d/simucm.conf: verb "HiFi" with the
# devices Speaker, Headphones (JackControl "Headphone Jack") and Mic, each
# device's Enable/DisableSequence flipping one switch of the simhw control
# plugin: bytes 0/1/2 of simucm.switches = Speaker Amp, Headphone Amp, Mic Bias).
#   pactl list cards: profiles "HiFi" (the verb, described by its comment)
#     and "off"; ports "[Out] Speaker", "[Out] Headphones" (not available:
#     jack unplugged), "[In] Mic" with the UCM priorities;
#   the verb's devices are enabled as their ports become active: Speaker and
#     Mic at start (switches 101, also read back with amixer);
#   audio: an indexed file through the sink arrives bit-exact in the UCM
#     PlaybackPCM's DAC; parec from the source returns the CapturePCM's input;
#   pactl set-sink-port "[Out] Headphones" runs Speaker's DisableSequence and
#     Headphones' EnableSequence (011), and back (101);
#   the jack: plugging switches the sink to the headphones (011, port
#     available), unplugging back to the speaker (101);
#   set-card-profile off sets the verb "Inactive" (every DisableSequence: 000),
#     HiFi brings the devices back (101).
. "$(dirname "$0")/card-lib.sh"
card_init
export ALSA_CONFIG_PATH="$CARD_DIR/card-ucm.conf"
export ALSA_CONFIG_UCM2="$CARD_DIR/../simhw/ucm2" ALSA_CONFIG_UCM="$CARD_DIR/../simhw/ucm2"
[ -f "$ALSA_CONFIG_UCM2/conf.virt.d/simucm.conf" ] || compat_fatal "no UCM configuration at $ALSA_CONFIG_UCM2"
SW=$COMPAT_TMP/simucm.switches
echo 0 >"$COMPAT_TMP/simucm.jack"
printf 000 >"$SW"
st_sig gen index "$COMPAT_TMP/simucm-in.raw" --raw --frames 48000 || compat_fatal "signal generation failed"

compat_write_script "load-module module-alsa-card name=simU control=simucm"
compat_start_daemon
SINK=alsa_output.simU.HiFi
SRC=alsa_input.simU.HiFi
card_wait_for sinks "$SINK"
card_wait_for sources "$SRC"

# switches: the three bytes of the switches file
switches() { head -c 3 "$SW" 2>/dev/null; }
switches_are() { [ "$(switches)" = "$1" ]; }
# wait_switches WANT WHAT: the switches file reaches WANT (the UCM sequences ran)
wait_switches() {
    compat_wait_for "$2 (switches $1)" 10 switches_are "$1" ||
        compat_log "switches are $(switches), expected $1"
}
amixer_sw() {
    amixer -D simucm cget "name=$1" 2>/dev/null | sed -n 's/^  : values=//p'
}

C=$(card_section alsa_card.simU)
assert_match "the verb is a profile described by its comment" \
    'HiFi: Play HiFi quality Music \(sinks: 1, sources: 1, priority: [0-9]+, available: yes\)' "$C"
assert_match "profile off" 'off: Off \(sinks: 0, sources: 0, priority: 0, available: yes\)' "$C"
assert_match "HiFi is active" 'Active Profile: HiFi$' "$C"
assert_no_match "no fixed profiles under UCM" 'analog-stereo' "$C"
assert_match "port [Out] Speaker from the UCM device" \
    '\[Out\] Speaker: Speaker \(type: Speaker, priority: 100, latency offset: 0 usec, availability unknown\)' "$C"
assert_match "port [Out] Headphones, unplugged (JackControl)" \
    '\[Out\] Headphones: Headphones \(type: Headphones, priority: 200, latency offset: 0 usec, not available\)' "$C"
assert_match "port [In] Mic" \
    '\[In\] Mic: Microphone \(type: Mic, priority: 100, latency offset: 0 usec, availability unknown\)' "$C"
assert_match "the ports belong to the verb's profile" 'Part of profile\(s\): HiFi$' "$C"
S=$(device_section sinks "$SINK")
assert_match "the sink's active port is the speaker" 'Active Port: \[Out\] Speaker' "$S"
assert_no_match "the sink has no input port" '\[In\] Mic' "$S"
assert_match "the source's active port is the mic" 'Active Port: \[In\] Mic' \
    "$(device_section sources "$SRC")"
wait_switches 101 "Speaker and Mic enabled at start"
assert_eq "amixer: Speaker Amp Switch on" on "$(amixer_sw 'Speaker Amp Switch')"
assert_eq "amixer: Headphone Amp Switch off" off "$(amixer_sw 'Headphone Amp Switch')"
assert_eq "amixer: Mic Bias Switch on" on "$(amixer_sw 'Mic Bias Switch')"

# audio through the UCM PlaybackPCM, sample for sample (then 0.5 s of silence
# so a late drain cannot cut it)
st_sig gen index "$COMPAT_TMP/in.raw" --raw --frames 48000 --rate 48000 || compat_fatal "signal generation failed"
{ cat "$COMPAT_TMP/in.raw"; head -c 96000 /dev/zero; } >"$COMPAT_TMP/play.raw"
st_run 20 paplay paplay -d "$SINK" --raw --format=s16le --rate=48000 --channels=2 \
    "$COMPAT_TMP/play.raw" || compat_fail "paplay into the UCM sink failed"
sleep 0.3
card_check_index "the file reached the UCM PlaybackPCM sample for sample" \
    "$COMPAT_TMP/simucm-play.raw" 48000
# and from the CapturePCM: one contiguous, bit-exact stretch of the looped input
timeout -k 3 2.5 parec -d "$SRC" --format=s16le --rate=48000 --channels=2 --raw "$COMPAT_TMP/rec.raw" \
    </dev/null >"$COMPAT_TMP/logs/parec.log" 2>&1
runs=$(st_sig runs "$COMPAT_TMP/rec.raw") || compat_fatal "analysis failed"
out=$(timeout -k 5 60 "$COMPAT_PY" "$CARD_DIR/alsa_sig.py" looped "$runs" 48000 48000 2>&1) ||
    compat_fail "parec from the UCM source: not the CapturePCM's input ($out)"
compat_log "capture: $out"

# set-sink-port: Speaker's DisableSequence, Headphones' EnableSequence, and back
pactl_ok set-sink-port "$SINK" "[Out] Headphones"
assert_match "the sink switched to the headphones" 'Active Port: \[Out\] Headphones' \
    "$(device_section sinks "$SINK")"
wait_switches 011 "set-sink-port enabled Headphones and disabled Speaker"
assert_eq "amixer: Headphone Amp Switch on" on "$(amixer_sw 'Headphone Amp Switch')"
assert_eq "amixer: Speaker Amp Switch off" off "$(amixer_sw 'Speaker Amp Switch')"
pactl_ok set-sink-port "$SINK" "[Out] Speaker"
wait_switches 101 "set-sink-port back to the speaker"
pactl_fails "Failure: No such entity" set-sink-port "$SINK" "[In] Mic"
switches_are 101 || compat_fail "a refused port change touched the switches ($(switches))"

# the jack: plugging switches to the headphones, unplugging back
echo 1 >"$COMPAT_TMP/simucm.jack"
compat_wait_for "the headphones to become active on plugging" 10 \
    eval '[[ "$(device_section sinks "$SINK")" == *"Active Port: [Out] Headphones"* ]]'
assert_match "headphones available after plugging" \
    '\[Out\] Headphones: Headphones \(.*, available\)' "$(card_section alsa_card.simU)"
wait_switches 011 "plugging enabled Headphones"
echo 0 >"$COMPAT_TMP/simucm.jack"
compat_wait_for "the speaker to become active on unplugging" 10 \
    eval '[[ "$(device_section sinks "$SINK")" == *"Active Port: [Out] Speaker"* ]]'
assert_match "headphones not available after unplugging" \
    '\[Out\] Headphones: Headphones \(.*, not available\)' "$(card_section alsa_card.simU)"
wait_switches 101 "unplugging went back to Speaker"

# profiles: off = verb "Inactive" (the DisableSequences), HiFi again
pactl_ok set-card-profile alsa_card.simU off
card_wait_gone sinks "$SINK"
card_wait_gone sources "$SRC"
wait_switches 000 "profile off disabled every device"
pactl_ok set-card-profile alsa_card.simU HiFi
card_wait_for sinks "$SINK"
card_wait_for sources "$SRC"
wait_switches 101 "profile HiFi enabled Speaker and Mic again"
assert_match "HiFi is active again" 'Active Profile: HiFi$' "$(card_section alsa_card.simU)"
pactl_fails "Failure: No such entity" set-card-profile alsa_card.simU output:analog-stereo

# hostile configurations: a broken master file falls back to the fixed
# profiles; a verb whose PCM does not open is listed but unavailable
pactl_ok load-module module-alsa-card name=bad control=simbad pcm_playback=simucm
C=$(card_section alsa_card.bad)
assert_match "broken UCM file: fixed profiles" 'output:analog-stereo: .*available: yes\)' "$C"
assert_no_match "broken UCM file: no UCM profile" 'HiFi' "$C"
pactl_ok load-module module-alsa-card name=nopcm control=simnopcm
C=$(card_section alsa_card.nopcm)
assert_match "a verb whose PCM does not open is unavailable" \
    'HiFi: Play HiFi quality Music \(sinks: 1, sources: 0, priority: [0-9]+, available: no\)' "$C"
assert_match "... and off is active" 'Active Profile: off$' "$C"
pactl_fails "Failure: Not supported" set-card-profile alsa_card.nopcm HiFi

# use_ucm=0: the same card without UCM (fixed profiles; no PCM names, so
# only "off" is usable) — the UCM configuration is not consulted
pactl_ok load-module module-alsa-card name=noucm control=simucm use_ucm=0
C=$(card_section alsa_card.noucm)
assert_match "use_ucm=0: fixed profiles" 'output:analog-stereo: ' "$C"
assert_no_match "use_ucm=0: no UCM profile" 'HiFi' "$C"
card_finish
