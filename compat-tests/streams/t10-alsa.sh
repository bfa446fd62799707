#!/bin/bash
# 10. The ALSA pulse plugin (libasound2-plugins), configured by a private
#     ALSA config file (ALSA_CONFIG_PATH) holding only
#         pcm.pulse { type pulse }  ctl.pulse { type pulse }
#     and PULSE_SERVER pointing at the test daemon; the daemon's default sink
#     is a pipe sink and its default source a pipe source:
#     a) aplay -D pulse of a 1 s chirp/counter WAV: the PCM appears
#        byte-identical in the pipe sink output;
#     b) arecord -D pulse (s16le 44.1 kHz stereo) while the test feeds the
#        pipe source's FIFO with 0.2 s silence + 1 s chirp/counter + silence
#        (paced at real time): the recording contains the chirp byte-identical.
. "$(dirname "$0")/lib.sh"
st_init
compat_need_prog aplay arecord
T=$COMPAT_TMP
compat_write_script "$(st_pipe_sink apipe)" \
    "load-module module-pipe-source file=$T/asrc.fifo source_name=asrc format=s16le rate=44100 channels=2" \
    "set-default-sink apipe" "set-default-source asrc"
compat_start_daemon
st_capture_start apipe
cat >"$T/asound.conf" <<'CONF'
# compat-tests/streams: only the pulse plugin, nothing else
pcm.pulse { type pulse }
ctl.pulse { type pulse }
CONF
export ALSA_CONFIG_PATH=$T/asound.conf
[ -n "$(find /usr/lib -name 'libasound_module_pcm_pulse.so' -print -quit 2>/dev/null)" ] ||
    compat_skip "ALSA pulse plugin (libasound2-plugins) not installed"
st_sig gen chirp "$T/in.wav" --seconds 1 &&
    st_sig gen chirp "$T/feed.raw" --raw --seconds 1 --lead 0.2 || compat_fatal "signal generation failed"

# a) playback
st_run 20 aplay aplay -D pulse "$T/in.wav" || compat_fail "aplay -D pulse failed"
st_settle apipe 0.3
st_capture_stop apipe
st_check "aplay -D pulse: the WAV's PCM appears byte-identical in the pipe sink" \
    find "$T/in.wav" "$T/apipe.raw" --trail-silence 0.2

# b) capture: 1.8 s = 79380 frames; we feed 0.2 s + 1 s + 0.8 s (+ spare)
has_outputs() { compat_pactl list short source-outputs; [ -n "$PACTL_OUT" ]; }
timeout -k 3 20 arecord -D pulse -f S16_LE -r 44100 -c 2 -t raw -s 79380 "$T/rec.raw" \
    >"$T/logs/arecord.log" 2>&1 &
rec=$!
COMPAT_BG_PIDS="$COMPAT_BG_PIDS $rec"
compat_wait_for "arecord's record stream to exist" 10 has_outputs
# the feeder runs in the background and is stopped once arecord has its
# 1.8 s (PulseAudio's pipe source stops reading the FIFO when nothing records)
timeout -k 3 20 "$COMPAT_PY" - "$T/asrc.fifo" "$T/feed.raw" <<'PY' &
import sys, time
fifo, feed = sys.argv[1], sys.argv[2]
data = open(feed, "rb").read() + bytes(176400 * 2)   # then 2 s of silence
chunk = 4410 * 4                                      # 100 ms
t0 = time.monotonic()
with open(fifo, "wb", buffering=0) as f:
    for i in range(0, len(data), chunk):
        f.write(data[i:i + chunk])
        delay = t0 + (i // chunk + 1) * 0.1 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
PY
feeder=$!
COMPAT_BG_PIDS="$COMPAT_BG_PIDS $feeder"
rc=0
wait "$rec" || rc=$?
kill "$feeder" 2>/dev/null
wait "$feeder" 2>/dev/null
[ "$rc" -eq 0 ] || compat_fail "arecord -D pulse exited $rc"
compat_log "arecord recorded $(stat -c %s "$T/rec.raw" 2>/dev/null || echo 0) bytes"
st_check "arecord -D pulse: the recording contains the PCM fed to the pipe source" \
    find "$T/in.wav" "$T/rec.raw"
compat_finish
