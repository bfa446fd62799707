#!/bin/bash
# 9. GStreamer's pulsesink:
#    a) filesrc (1 s chirp/counter WAV) ! wavparse ! pulsesink device=gwav:
#       the PCM appears byte-identical in the pipe sink output;
#    b) audiotestsrc num-buffers=50 ! S16LE/44100/2 ! pulsesink device=gsine:
#       a 440 Hz sine of amplitude 0.8 (audiotestsrc's default volume) for
#       50 × 1024 frames = 1.161 s ± 10 ms, SNR ≥ 60 dB (least-squares fit).
. "$(dirname "$0")/lib.sh"
st_init
compat_need_prog gst-launch-1.0
gst-inspect-1.0 pulsesink >/dev/null 2>&1 || compat_skip "GStreamer pulsesink not installed"
compat_write_script "$(st_pipe_sink gwav)" "$(st_pipe_sink gsine)"
compat_start_daemon
st_capture_start gwav
st_capture_start gsine
T=$COMPAT_TMP
export GST_REGISTRY=$T/gst-registry.bin
st_sig gen chirp "$T/in.wav" --seconds 1 || compat_fatal "signal generation failed"

st_run 30 gst-wav gst-launch-1.0 -q filesrc location="$T/in.wav" ! wavparse ! \
    pulsesink device=gwav || compat_fail "gst-launch (filesrc ! wavparse ! pulsesink) failed"
st_run 30 gst-sine gst-launch-1.0 -q audiotestsrc num-buffers=50 ! \
    audio/x-raw,format=S16LE,rate=44100,channels=2 ! pulsesink device=gsine ||
    compat_fail "gst-launch (audiotestsrc ! pulsesink) failed"
st_settle gsine 0.3
st_capture_stop gwav
st_capture_stop gsine
st_check "pulsesink: the WAV's PCM appears byte-identical" \
    find "$T/in.wav" "$T/gwav.raw" --trail-silence 0.2
st_check "pulsesink: audiotestsrc's 440 Hz sine arrives complete (SNR ≥ 60 dB)" \
    fit "$T/gsine.raw" --format s16le --rate 44100 --freqs 440,440 --amp 0.8 \
        --min-snr 60 --expect-seconds "$("$COMPAT_PY" -c 'print(50 * 1024 / 44100)')" --duration-tol 0.01
compat_finish
