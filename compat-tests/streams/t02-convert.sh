#!/bin/bash
# 2. Conversion in the engine, each against an ideal result computed in
#    Python (sig.py):
#    a) 44.1 kHz → 48 kHz (s16 stereo sines, 997 Hz left / 4999 Hz right,
#       amplitude 0.5): per channel least-squares sine fit (equivalent to
#       aligning an ideal resampled sine); SNR ≥ 40 dB, amplitude ± 2 %,
#       duration 1 s ± 10 ms.
#    b) s16 → float32le (same rate/channels): exact (v / 32768) or SNR ≥ 90 dB.
#    c) mono → stereo (s16): exact (sample copied to both channels) or
#       SNR ≥ 90 dB.
. "$(dirname "$0")/lib.sh"
st_init
compat_write_script \
    "$(st_pipe_sink p48 s16le 48000 2)" \
    "$(st_pipe_sink pf32 float32le 44100 2)" \
    "$(st_pipe_sink pst s16le 44100 2)"
compat_start_daemon
st_capture_start p48 192000
st_capture_start pf32 352800
st_capture_start pst 176400
T=$COMPAT_TMP
st_sig gen sine "$T/sine.wav" --seconds 1 --freqs 997,4999 --amp 0.5 &&
    st_sig gen chirp "$T/chirp.wav" --seconds 1 &&
    st_sig gen mono "$T/mono.wav" --seconds 1 || compat_fatal "signal generation failed"

st_run 15 paplay-48 paplay -d p48 "$T/sine.wav" & p1=$!
st_run 15 paplay-f32 paplay -d pf32 "$T/chirp.wav" & p2=$!
st_run 15 paplay-mono paplay -d pst "$T/mono.wav" & p3=$!
wait $p1 || compat_fail "paplay into the 48 kHz sink failed"
wait $p2 || compat_fail "paplay into the float32 sink failed"
wait $p3 || compat_fail "paplay of the mono file failed"
st_settle pst 0.3
for s in p48 pf32 pst; do st_capture_stop $s; done

st_check "44.1 kHz → 48 kHz resampling: SNR ≥ 40 dB per channel" \
    fit "$T/p48.raw" --format s16le --rate 48000 --freqs 997,4999 --amp 0.5 \
        --min-snr 40 --expect-seconds 1.0 --duration-tol 0.01
st_check "s16 → float32le conversion exact (or SNR ≥ 90 dB)" \
    convert "$T/pf32.raw" "$T/chirp.wav" --to float32le --min-snr 90
st_check "mono → stereo up-mix exact (or SNR ≥ 90 dB)" \
    convert "$T/pst.raw" "$T/mono.wav" --to stereo --min-snr 90
compat_finish
