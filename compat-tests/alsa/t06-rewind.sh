#!/bin/bash
# ALSA 6. Rewinds: a deep queue does not delay a new stream or a volume change.
#   a) stream A (pacat, default buffer: the sink keeps ~0.5 s queued) plays
#      silence; the sink's reported latency shows the deep queue (highest of
#      8 readings > 250 ms).
#   b) once the queue is >= 400 ms deep, stream B (6 s of indexed frames) starts: its first
#      frame is played by the card (card clock: the events log's start time +
#      the frame's position in card0-play.wav / 48 kHz) within 250 ms of B's
#      launch (pacat start-up included; without a rewind it would come after
#      the queue, ≥ 0.45 s), and all of B's frames are played contiguously and
#      bit-exact (the rewound and re-rendered audio is neither lost nor doubled).
#   c) a stream volume change (B to 50 %) is heard within 250 ms: the first
#      frame at half amplitude plays within 250 ms of the pactl call.
. "$(dirname "$0")/lib.sh"
al_init
T=$COMPAT_TMP
O=$SIMHW_OUT
compat_write_script \
    "load-module module-alsa-sink device=card0 control=card0 sink_name=alsa0 format=s16le rate=48000 channels=2"
compat_start_daemon
al_renice
st_sig gen index "$T/b.raw" --raw --frames 288000 || compat_fatal "signal generation failed"
head -c 2304000 /dev/zero >"$T/zero.raw"        # 12 s of silence

now_ms() { "$COMPAT_PY" -c 'import time; print("%.3f" % (time.clock_gettime(time.CLOCK_MONOTONIC) * 1000))'; }

timeout -k 3 30 pacat -d alsa0 --format=s16le --rate=48000 --channels=2 --raw "$T/zero.raw" \
    >"$T/logs/pacat-a.log" 2>&1 </dev/null &
pa=$!
COMPAT_BG_PIDS="${COMPAT_BG_PIDS:-} $pa"
st_wait_sink_inputs 1
sleep 1
# the queue is a sawtooth (deep fill, drained to the watermark): its highest point
lat=0
for _ in $(seq 8); do
    compat_pactl list sinks
    l=$(printf '%s\n' "$PACTL_OUT" | awk '/Name: alsa0/ { k = 1 } k && /^\tLatency:/ { print $2; exit }')
    [ -n "$l" ] && [ "$l" -gt "$lat" ] && lat=$l
    sleep 0.1
done
compat_log "sink latency with stream A alone (highest of 8 readings): $lat usec"
[ -n "$lat" ] && [ "$lat" -gt 250000 ] || compat_fail "no deep queue with a default-buffer stream (latency ${lat:-?} usec)"
# Launch B (and later change its volume) only while the queue is at least 400 ms deep,
# so that without a rewind B could not be heard before ~300 ms (the checks say 250):
# a sink that does not rewind fails this test every time, not by bad luck.
wait_deep() {
    local l
    for _ in $(seq 60); do
        compat_pactl list sinks
        l=$(printf '%s\n' "$PACTL_OUT" | awk '/Name: alsa0/ { k = 1 } k && /^\tLatency:/ { print $2; exit }')
        if [ -n "$l" ] && [ "$l" -ge 400000 ]; then
            compat_log "queue $l usec deep: $1 now"
            return 0
        fi
        sleep 0.02
    done
    compat_fail "the queue never reached 400 ms before $1"
}
sleep 0.5
wait_deep "launching stream B"
tb=$(now_ms)
timeout -k 3 30 pacat -d alsa0 --format=s16le --rate=48000 --channels=2 --raw "$T/b.raw" \
    >"$T/logs/pacat-b.log" 2>&1 </dev/null &
pb=$!
COMPAT_BG_PIDS="$COMPAT_BG_PIDS $pb"
sleep 1.5
compat_pactl list short sink-inputs
idx=$(printf '%s\n' "$PACTL_OUT" | awk 'NR == 2 { print $1 }')
wait_deep "changing B's volume"
tv=$(now_ms)
[ -n "$idx" ] && compat_pactl set-sink-input-volume "$idx" 50% || compat_fail "stream B not found for the volume change"
rc=0; wait "$pb" || rc=$?
[ "$rc" -eq 0 ] || compat_fail "stream B's pacat exited $rc"
kill "$pa" 2>/dev/null; wait "$pa" 2>/dev/null
al_wait_stopped card0
al_wav_data "$O/card0-play.wav" "$T/out.raw"
t0=$(awk '$2 == "playback" && $3 == "start" { print $1; exit }' "$O/card0-events.log")
[ -n "$t0" ] || compat_fatal "no start in the card's events log"
"$COMPAT_PY" - "$T/out.raw" "$t0" "$tb" "$tv" <<'PY' | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2 || compat_fail "rewinds"
import struct, sys
raw = open(sys.argv[1], "rb").read()
t0, tb, tv = (float(x) for x in sys.argv[2:5])
X = struct.unpack("<%dh" % (len(raw) // 2), raw[: len(raw) // 4 * 4])
def index_of(l, r):
    if (r & 0xFF00) != 0x5A00:
        return None
    return ((r & 0xFF) << 16) | (l & 0xFFFF)
first = None
prev = None
ok = True
n = 0
half_at = None
for f in range(len(X) // 2):
    l, r = X[2 * f], X[2 * f + 1]
    i = index_of(l, r)
    if i is None:
        continue
    if first is None:
        first = (i, f)
    elif i != prev + 1 or f != pf + 1:
        print("B not contiguous at card frame %d: index %d after %d" % (f, i, prev))
        ok = False
        break
    prev, pf = i, f
    n += 1
if first is None:
    print("stream B never played")
    sys.exit(1)
# after the volume change the frames are no longer indexed (scaled): B ends its
# exact run there; the change is heard at the first frame of the scaled audio
end_f = pf + 1
delay_b = t0 + first[1] / 48.0 - tb
delay_v = t0 + end_f / 48.0 - tv
print("B's first frame (index %d) played %.1f ms after its launch; %d frames bit-exact "
      "and contiguous until the volume change, heard %.1f ms after the pactl call"
      % (first[0], delay_b, n, delay_v))
if first[0] != 0:
    print("B's first frames are missing"); ok = False
if not (0 < delay_b < 250):
    print("B too late (no rewind?)"); ok = False
if not (-20 < delay_v < 250):
    print("volume change too late"); ok = False
if n < 48000:
    print("too few unscaled frames of B before the volume change"); ok = False
if n >= 288000:
    print("B played to its end unscaled: the volume change came too late to check"); ok = False
sys.exit(0 if ok else 1)
PY
compat_finish
