#!/bin/bash
# 3. Mixing: stream A (3 s, loud) plays alone for a while, then stream B
#    (1 s, loud) joins on the same pipe sink.  The sink output must equal
#    the sample-wise saturated sum clamp(A + g·B):
#      sink mixu: B at 100 %                    → g = 1,     tolerance 0 LSB
#      sink mixh: B at 50 % (paplay --volume=32768; cubic mapping)
#                                               → g = 0.125, tolerance ±1 LSB
#    The signals saturate in thousands of samples (checked).
. "$(dirname "$0")/lib.sh"
st_init
compat_write_script "$(st_pipe_sink mixu)" "$(st_pipe_sink mixh)"
compat_start_daemon
st_capture_start mixu
st_capture_start mixh
T=$COMPAT_TMP
st_sig gen mixa "$T/a.wav" --seconds 3 && st_sig gen mixb "$T/b.wav" --seconds 1 ||
    compat_fatal "signal generation failed"

st_run 20 paplay-a-unity paplay -d mixu "$T/a.wav" & pa1=$!
st_run 20 paplay-a-half paplay -d mixh "$T/a.wav" & pa2=$!
st_wait_sink_inputs 2
sleep 0.6
st_run 20 paplay-b-unity paplay -d mixu "$T/b.wav" & pb1=$!
st_run 20 paplay-b-half paplay -d mixh --volume=32768 "$T/b.wav" & pb2=$!
for p in $pa1 $pa2 $pb1 $pb2; do wait $p || compat_fail "a paplay failed (see logs)"; done
st_settle mixu 0.2
st_capture_stop mixu
st_capture_stop mixh

st_check "two streams at 100 % mix to the saturated sum (exact)" \
    mix "$T/mixu.raw" "$T/a.wav" "$T/b.wav" --gain-b 1 --tol 0
st_check "stream at 50 % volume is scaled by 0.125 (cubic) before mixing (±1 LSB)" \
    mix "$T/mixh.raw" "$T/a.wav" "$T/b.wav" --gain-b 0.125 --tol 1
compat_finish
