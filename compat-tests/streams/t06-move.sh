#!/bin/bash
# 6. pactl move-sink-input moves a playing stream between sinks: a 4 s file
#    of indexed frames plays into pipe sink mva; after ~1.2 s it is moved to
#    pipe sink mvb.  Checks:
#    - pactl list sink-inputs shows the stream on mvb after the move;
#    - mva's output holds one contiguous run of the file's start (≥ 0.5 s),
#      and no file frame after that run (audio stops at A);
#    - mvb's output holds one contiguous run that ends with the file's last
#      frame (audio continues at B, to the end);
#    - the hand-over loses or repeats at most 100 ms (frames between the
#      end of A's run and the start of B's run).
. "$(dirname "$0")/lib.sh"
st_init
compat_write_script "$(st_pipe_sink mva)" "$(st_pipe_sink mvb)"
compat_start_daemon
st_capture_start mva
st_capture_start mvb
T=$COMPAT_TMP
FRAMES=176400
st_sig gen index "$T/in.wav" --frames $FRAMES || compat_fatal "signal generation failed"

pactl_ok list short sinks
idx_b=$(printf '%s\n' "$PACTL_OUT" | awk -F'\t' '$2 == "mvb" {print $1}')
[ -n "$idx_b" ] || compat_fatal "sink mvb not listed"

st_run 20 paplay paplay -d mva "$T/in.wav" & pp=$!
st_wait_sink_inputs 1
sleep 1.2
compat_pactl list short sink-inputs
si=$(printf '%s\n' "$PACTL_OUT" | head -n1 | cut -f1)
pactl_ok move-sink-input "$si" mvb
pactl_ok list sink-inputs
assert_match "the stream is listed on sink mvb (index $idx_b) after the move" \
    "^[[:space:]]*Sink: $idx_b\$" "$PACTL_OUT"
wait $pp || compat_fail "paplay failed"
st_settle mvb 0.3
st_capture_stop mva
st_capture_stop mvb

ra=$(st_sig runs "$T/mva.raw") && rb=$(st_sig runs "$T/mvb.raw") || compat_fatal "analysis failed"
res=$("$COMPAT_PY" - "$ra" "$rb" $FRAMES <<'PY'
import json, sys
ra, rb, n = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
fails = []
print("sink A runs [first index, frames, capture frame]: %s" % ra[:5])
print("sink B runs [first index, frames, capture frame]: %s" % rb[:5])
if len(ra) != 1:
    fails.append("sink A: expected exactly one contiguous run, got %d" % len(ra))
if len(rb) != 1:
    fails.append("sink B: expected exactly one contiguous run, got %d" % len(rb))
if ra:
    a0, alen, _ = ra[0]
    if a0 != 0:
        fails.append("sink A: playback did not start at the file's first frame (%d)" % a0)
    if alen < 22050:
        fails.append("sink A: only %d frames before the move (expected ≥ 0.5 s)" % alen)
    if alen >= n:
        fails.append("sink A: played the whole file: the move had no effect")
if rb:
    b0, blen, _ = rb[-1]
    if b0 + blen != n:
        fails.append("sink B: last run ends at frame %d, not at the file's end %d" % (b0 + blen, n))
if ra and rb:
    aend = ra[0][0] + ra[0][1]
    bstart = rb[0][0]
    d = bstart - aend
    print("hand-over: A stopped after frame %d, B started at frame %d: %s %d frames (%.1f ms)" % (
        aend - 1, bstart, "lost" if d > 0 else "repeated" if d < 0 else "seamless:", abs(d), abs(d) / 44.1))
    if abs(d) > 4410:
        fails.append("more than 100 ms lost or repeated at the hand-over")
for f in fails:
    print("FAIL: " + f)
sys.exit(1 if fails else 0)
PY
) || compat_fail "move: audio did not switch sinks cleanly"
printf '%s\n' "$res" | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2
compat_finish
