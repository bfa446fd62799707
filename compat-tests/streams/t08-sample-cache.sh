#!/bin/bash
# 8. Sample cache: pactl upload-sample of a 0.5 s WAV (chirp/counter),
#    pactl list samples shows it (name, spec, size), pactl play-sample NAME
#    SINK plays it into a pipe sink (PCM found byte-identical), then
#    remove-sample makes a further play-sample fail.
. "$(dirname "$0")/lib.sh"
st_init
compat_write_script "$(st_pipe_sink pipe1)"
compat_start_daemon
st_capture_start pipe1
T=$COMPAT_TMP
st_sig gen chirp "$T/in.wav" --seconds 0.5 || compat_fatal "signal generation failed"

pactl_ok upload-sample "$T/in.wav" testchirp
pactl_ok list samples
compat_log "pactl list samples:"
printf '%s\n' "$PACTL_OUT" | sed "s/^/[$COMPAT_TEST_NAME]   | /" >&2
assert_line "sample listed by name" "	Name: testchirp" "$PACTL_OUT"
# pactl reads the file with libsndfile as float and uploads float32le
assert_line "sample spec (pactl uploads float32le)" \
    "	Sample Specification: float32le 2ch 44100Hz" "$PACTL_OUT"
assert_line "sample duration" "	Duration: 0.5s" "$PACTL_OUT"
assert_line "sample size (22050 frames × 8 bytes)" "	Size: 172.3 KiB" "$PACTL_OUT"
pactl_ok list short samples
assert_match "short list shows the sample" $'^[0-9]+\ttestchirp\t' "$PACTL_OUT"

pactl_ok play-sample testchirp pipe1
# play-sample returns at once; the sample (0.5 s) plays in the background
sleep 0.3
compat_wait_for "the sample's sink input to finish" 10 st__n_inputs_eq 0
st_settle pipe1 0.3
st_capture_stop pipe1
st_check "the played sample appears byte-identical in the pipe sink output" \
    find "$T/in.wav" "$T/pipe1.raw" --trail-silence 0.2

pactl_ok remove-sample testchirp
pactl_ok list samples
assert_eq "no samples left" "" "$PACTL_OUT"
compat_pactl play-sample testchirp pipe1
assert_eq "play-sample after remove-sample: exit status" 1 "$PACTL_RC"
assert_eq "play-sample after remove-sample: message" "Failure: No such entity" "$PACTL_ERR"
compat_finish
