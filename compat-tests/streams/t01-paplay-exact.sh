#!/bin/bash
# 1. paplay of a WAV (s16le 44.1 kHz stereo, 1 s: chirp on the left, a
#    counter pattern on the right) into a pipe sink of the same format: the
#    PCM must appear byte-identical and contiguous in the FIFO output, frame
#    aligned, exactly once, followed by silence.
. "$(dirname "$0")/lib.sh"
st_init
compat_write_script "$(st_pipe_sink pipe1)"
compat_start_daemon
st_capture_start pipe1
st_sig gen chirp "$COMPAT_TMP/in.wav" --seconds 1 || compat_fatal "signal generation failed"

st_run 15 paplay paplay -d pipe1 "$COMPAT_TMP/in.wav" || compat_fail "paplay exited non-zero"
st_settle pipe1 0.3
st_capture_stop pipe1
st_check "the WAV's PCM appears byte-identical and contiguous in the pipe sink output" \
    find "$COMPAT_TMP/in.wav" "$COMPAT_TMP/pipe1.raw" --trail-silence 0.2
compat_finish
