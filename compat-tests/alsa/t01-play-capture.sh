#!/bin/bash
# ALSA 1. Data path on the simulated card (simhw):
#   a) paplay of a 2 s s16le 48 kHz stereo chirp/counter WAV into
#      module-alsa-sink device=card0 (same format): the card's output
#      (card0-play.wav, what the "DAC" played) holds the PCM byte-identical
#      and contiguous, and paplay takes about real time (1.9–4 s wall);
#   a2) the end of a drained stream is played even when another stream
#      starts the moment it leaves (its first data rewinds the card's queue:
#      the rewind must not take back the first stream's tail);
#   b) parec (s16le 48 kHz stereo) from module-alsa-source device=cap0 whose
#      "ADC" loops a file of 48000 indexed frames: 1.5 s of the recording is
#      one contiguous stretch of the looped file (bit-exact);
#   c) conversion: a 44.1 kHz s16 stereo sine pair (997/4999 Hz) played into
#      card1, which only takes 48 kHz S32: the card gets 48 kHz 32-bit audio
#      whose fitted sines have SNR ≥ 60 dB per channel.
. "$(dirname "$0")/lib.sh"
al_init
T=$COMPAT_TMP
O=$SIMHW_OUT
st_sig gen index "$O/cap0-in.raw" --raw --frames 48000 || compat_fatal "signal generation failed"
compat_write_script \
    "load-module module-alsa-sink device=card0 control=card0 sink_name=alsa0 format=s16le rate=48000 channels=2" \
    "load-module module-alsa-source device=cap0 control=card0 source_name=alsain format=s16le rate=48000 channels=2" \
    "load-module module-alsa-sink device=card1 sink_name=alsa1"
compat_start_daemon --log-level=debug     # (a2 counts the rewinds in the log)
al_renice

# a) exact playback, real-time pacing
st_sig gen chirp "$T/in.wav" --seconds 2 --rate 48000 || compat_fatal "signal generation failed"
t0=$EPOCHREALTIME
st_run 20 paplay paplay -d alsa0 "$T/in.wav" || compat_fail "paplay exited non-zero"
t1=$EPOCHREALTIME
wall=$("$COMPAT_PY" -c "print('%.2f' % ($t1 - $t0))")
compat_log "paplay of 2.00 s took $wall s"
"$COMPAT_PY" -c "import sys; sys.exit(0 if 1.9 <= $wall <= 4.0 else 1)" ||
    compat_fail "paplay of 2 s took $wall s: not paced by the card's clock"
al_wait_stopped card0
al_wav_data "$O/card0-play.wav" "$T/card0.raw"
st_check "the card played the WAV's PCM byte-identical and contiguous" \
    find "$T/in.wav" "$T/card0.raw" --rate 48000

# a2) drained stream, then at once a second one: B (3 s, more than paplay's
# prebuffer) starts the moment A's paplay exits, while the card's queue still
# holds A's tail; B's first data asks for a rewind, which may take back only
# what was rendered after A drained (how much it took back depends on where the
# queue was: it is logged, not asserted).
before=$(stat -c %s "$O/card0-play.wav")
st_sig gen sine "$T/b.wav" --seconds 3 --freqs 997 --amp 0.5 || compat_fatal "signal generation failed"
st_run 20 paplay-a2 paplay -d alsa0 "$T/in.wav" || compat_fail "paplay (a2) exited non-zero"
st_run 20 paplay-b2 paplay -d alsa0 "$T/b.wav" || compat_fail "paplay of the second stream exited non-zero"
# the rewinds logged between B's CREATE and B's DRAIN: its first data's
rw=$(awk '/CREATE_PLAYBACK_STREAM/ { n = 0; c = 1 } c && /Rewind: / { n++ }
          /DRAIN_PLAYBACK_STREAM/ { if (c) last = n; c = 0 } END { print last + 0 }' "$COMPAT_LOG")
compat_log "rewinds done at the second stream's start: $rw"
al_wait_stopped card0
tail -c +$((before + 1)) "$O/card0-play.wav" >"$T/card0-a2.raw"
st_check "a stream followed at once by another is played to its last frame" \
    find "$T/in.wav" "$T/card0-a2.raw" --rate 48000
grep -q "hw_params format=S16_LE rate=48000 channels=2" "$O/card0-events.log" ||
    compat_fail "card0 was not opened as S16_LE 48000 Hz stereo: $(grep hw_params "$O/card0-events.log")"

# b) capture
timeout -k 3 2.5 parec -d alsain --format=s16le --rate=48000 --channels=2 --raw "$T/rec.raw" \
    </dev/null >"$T/logs/parec.log" 2>&1
compat_log "parec recorded $(stat -c %s "$T/rec.raw" 2>/dev/null || echo 0) bytes"
runs=$(st_sig runs "$T/rec.raw") || compat_fatal "analysis failed"
al_check "parec from the ALSA source returns the card's input, contiguous and bit-exact" \
    looped "$runs" 48000 72000

# c) conversion into a 48 kHz S32-only card
st_sig gen sine "$T/sine.wav" --seconds 1.5 --freqs 997,4999 --amp 0.5 || compat_fatal "signal generation failed"
st_run 20 paplay1 paplay -d alsa1 "$T/sine.wav" || compat_fail "paplay into card1 exited non-zero"
al_wait_stopped card1
al_check "card1 got 48 kHz S32 audio with the two sines at SNR >= 60 dB" \
    fitwav "$O/card1-play.wav" --freqs 997,4999 --rate 48000 --bits 32 --min-snr 60 --min-seconds 1.2
compat_finish
