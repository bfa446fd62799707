# bench/lib.sh - shared by bench/run.sh and bench/profile.sh (sourced, not run).
# Expects: HERE, REPO, DAEMON (may be empty), BUILD (0/1), OUT (may be empty), MAX_S,
# and a log() function.  Sets up WORK, PABENCH, DAEMON, OUT, METRICS, RUN, the private
# environment, process bookkeeping (STARTED, MEASURE, PIDS_CSV) and start_server KIND.
# shellcheck shell=bash
label_of() { case "$1" in pc) echo pulsecompat ;; pa) echo pulseaudio ;; pw) echo pipewire-pulse ;; *) echo "$1" ;; esac; }
# ---------------------------------------------------------------- work dir, client, daemon
WORK=${BENCH_WORK:-/tmp/pcbench}
mkdir -p "$WORK" || exit 2
WORK=$(cd "$WORK" && pwd)
make -s -C "$HERE" BUILD="$WORK/build" >&2 ||
    { echo "bench: building pabench failed (needs libpulse-dev, pkg-config, cc)" >&2; exit 2; }
PABENCH=$WORK/build/pabench

if [ -z "$DAEMON" ]; then
    BDIR=$REPO/build-bench
    if [ "$BUILD" = 1 ]; then
        if [ ! -f "$BDIR/build.ninja" ]; then
            log "configuring $BDIR (release, no tests, no sanitizers)"
            meson setup "$BDIR" "$REPO" --buildtype=release -Dtests=false >"$WORK/meson.log" 2>&1 ||
                { cat "$WORK/meson.log" >&2; echo "bench: meson setup failed" >&2; exit 2; }
        fi
        if ! ninja -C "$BDIR" >"$WORK/ninja.log" 2>&1; then
            tail -20 "$WORK/ninja.log" >&2
            if [ -x "$BDIR/pulsecompat" ]; then log "WARNING: build failed, benchmarking the existing $BDIR/pulsecompat"
            else echo "bench: building pulsecompat failed" >&2; exit 2; fi
        fi
    fi
    DAEMON=$BDIR/pulsecompat
fi
if [ ! -x "$DAEMON" ]; then echo "bench: no daemon binary at $DAEMON" >&2; exit 2; fi
DAEMON=$(cd "$(dirname "$DAEMON")" && pwd)/$(basename "$DAEMON")
if grep -q -a -m1 'AddressSanitizer\|__asan_init\|__tsan_init' "$DAEMON" 2>/dev/null; then
    log "WARNING: $DAEMON is built with sanitizers; CPU and memory figures are meaningless"
fi

[ -n "$OUT" ] || OUT=$WORK/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT/logs" || exit 2
OUT=$(cd "$OUT" && pwd)
METRICS=$OUT/metrics.txt
: > "$METRICS"
RUN=$(mktemp -d "$WORK/r.XXXXXX") || exit 2
SOCK=$RUN/native
if [ ${#SOCK} -gt 100 ]; then echo "bench: socket path too long; set BENCH_WORK shorter" >&2; rm -rf "$RUN"; exit 2; fi

# ---------------------------------------------------------------- process bookkeeping
STARTED=()        # every PID we started
MEASURE=()        # NAME:PID of the processes that make up "the server"
CLIENT_PID=""
WATCHDOG=""

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*[ZX]' "/proc/$1/status" 2>/dev/null; }

stop_pids() {
    local p i any
    for ((i=${#STARTED[@]}-1; i>=0; i--)); do
        p=${STARTED[$i]}; alive "$p" && kill -TERM "$p" 2>/dev/null
    done
    for i in $(seq 1 50); do
        any=0; for p in "${STARTED[@]}"; do alive "$p" && any=1; done
        [ $any = 0 ] && break
        sleep 0.1
    done
    for p in "${STARTED[@]}"; do
        if alive "$p"; then log "pid $p did not exit on TERM, killing it"; kill -KILL "$p" 2>/dev/null; fi
    done
    for p in "${STARTED[@]}"; do wait "$p" 2>/dev/null; done
    STARTED=()
    MEASURE=()
}

cleanup() {
    trap - EXIT INT TERM
    if [ -n "$CLIENT_PID" ]; then kill -TERM "$CLIENT_PID" 2>/dev/null; wait "$CLIENT_PID" 2>/dev/null; fi
    stop_pids
    if [ -n "$WATCHDOG" ]; then kill -TERM "$WATCHDOG" 2>/dev/null; wait "$WATCHDOG" 2>/dev/null; fi
    [ -d "$RUN" ] && rm -rf "$RUN"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM
( for ((w=0; w<MAX_S; w++)); do sleep 1; done; kill -TERM $$ 2>/dev/null ) >/dev/null 2>&1 &
WATCHDOG=$!

# ---------------------------------------------------------------- private environment
mkdir -p "$RUN/xdg" "$RUN/home/.config/pulse" "$RUN/state" "$RUN/conf"
chmod 700 "$RUN/xdg"
head -c 256 /dev/urandom > "$RUN/home/.config/pulse/cookie"
printf 'autospawn = no\n' > "$RUN/client.conf"
export HOME=$RUN/home
export XDG_RUNTIME_DIR=$RUN/xdg
export XDG_CONFIG_HOME=$RUN/home/.config
export XDG_STATE_HOME=$RUN/state
export XDG_DATA_HOME=$RUN/home/.local/share
export XDG_CACHE_HOME=$RUN/home/.cache
export PULSE_RUNTIME_PATH=$RUN/xdg/pulse
export PULSE_STATE_PATH=$RUN/state/pulse
export PULSE_COOKIE=$RUN/home/.config/pulse/cookie
export PULSE_CLIENTCONFIG=$RUN/client.conf
export PULSE_SERVER=unix:$SOCK
export PIPEWIRE_RUNTIME_DIR=$RUN/xdg
export DBUS_SESSION_BUS_ADDRESS=unix:path=$RUN/bus
unset DISPLAY WAYLAND_DISPLAY PULSE_SINK PULSE_SOURCE PIPEWIRE_REMOTE PIPEWIRE_CONFIG_DIR 2>/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null

cat > "$RUN/bench.pa" <<EOF
load-module module-null-sink sink_name=bench rate=48000 channels=2 format=s16le
load-module module-native-protocol-unix auth-anonymous=1 socket=$SOCK
set-default-sink bench
EOF

write_pw_confs() {
    local rtmod=""
    [ "${RT:-0}" = 1 ] && rtmod='{ name = libpipewire-module-rt args = { nice.level = -11 } flags = [ ifexists nofail ] }'
    # Debian's stock module set minus realtime, the X11 bell and the portal,
    # plus one null sink "bench" (48 kHz stereo)
    cat > "$RUN/conf/pipewire.conf" <<EOF
context.properties = {
    link.max-buffers = 16
    core.daemon = true
    core.name = pipewire-0
    default.clock.rate = 48000
    default.clock.min-quantum = 16
    vm.overrides = { default.clock.min-quantum = 1024 }
}
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.*       = support/libspa-support
}
context.modules = [
    $rtmod
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-profiler }
    { name = libpipewire-module-metadata }
    { name = libpipewire-module-spa-device-factory }
    { name = libpipewire-module-spa-node-factory }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-client-device }
    { name = libpipewire-module-access }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-link-factory }
    { name = libpipewire-module-session-manager }
]
context.objects = [
    { factory = spa-node-factory
      args = { factory.name = support.node.driver node.name = Dummy-Driver
               node.group = pipewire.dummy priority.driver = 20000 } }
    { factory = spa-node-factory
      args = { factory.name = support.node.driver node.name = Freewheel-Driver
               priority.driver = 19000 node.group = pipewire.freewheel node.freewheel = true } }
    { factory = adapter
      args = { factory.name = support.null-audio-sink node.name = bench
               node.description = "bench null sink" media.class = Audio/Sink
               audio.position = [ FL FR ] audio.rate = 48000 object.linger = true
               monitor.channel-volumes = true } }
]
EOF
    cat > "$RUN/conf/pipewire-pulse.conf" <<EOF
context.properties = { }
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.*       = support/libspa-support
}
context.modules = [
    $rtmod
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-metadata }
    { name = libpipewire-module-protocol-pulse args = { } }
]
pulse.properties = {
    server.address = [ "unix:$SOCK" ]
    vm.overrides = { pulse.min.quantum = 1024/48000 }
}
EOF
    mkdir -p "$XDG_CONFIG_HOME/wireplumber"
    cat > "$XDG_CONFIG_HOME/wireplumber/bench-wireplumber.conf" <<EOF
context.properties = {
    log.level = 2
    wireplumber.script-engine = lua-scripting
}
context.spa-libs = {
    api.alsa.*      = alsa/libspa-alsa
    audio.convert.* = audioconvert/libspa-audioconvert
    support.*       = support/libspa-support
}
context.modules = [
    $rtmod
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-client-device }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-metadata }
    { name = libpipewire-module-session-manager }
]
wireplumber.components = [
    { name = libwireplumber-module-lua-scripting, type = module }
    { name = main.lua, type = config/lua }
    { name = policy.lua, type = config/lua }
]
EOF
}

start_proc() {   # LOGNAME MEASURED(0/1) NAME CMD...
    local logname=$1 measured=$2 name=$3; shift 3
    "$@" >>"$OUT/logs/$logname.log" 2>&1 &
    local pid=$!
    STARTED+=("$pid")
    [ "$measured" = 1 ] && MEASURE+=("$name:$pid")
    echo "$name $pid $*" >> "$OUT/logs/pids.txt"
}

wait_for_socket() {   # PATH TIMEOUT_S
    local i n=$(( $2 * 10 )) p
    for ((i=0; i<n; i++)); do
        [ -S "$1" ] && return 0
        for p in "${STARTED[@]}"; do alive "$p" || return 1; done
        sleep 0.1
    done
    return 1
}

READY_MS=""
# start_server KIND: a fresh server of that kind; sets MEASURE, PIDS_CSV, READY_MS
start_server() {
    local kind=$1 label t0 t1
    label=$(label_of "$kind")
    stop_pids
    rm -rf "${XDG_RUNTIME_DIR:?}"/* "${XDG_STATE_HOME:?}"/* "$RUN/bus" 2>/dev/null
    rm -f "$SOCK"
    t0=$(date +%s%N)
    local paargs=(-n -F "$RUN/bench.pa" --daemonize=no --exit-idle-time=-1 --use-pid-file=no
                  --system=no --no-cpu-limit --log-target=stderr)
    if [ "${RT:-0}" = 1 ]; then paargs+=(--realtime=yes --high-priority=yes)
    else paargs+=(--realtime=no --high-priority=no); fi
    case "$kind" in
        pc) start_proc "$label" 1 pulsecompat "$DAEMON" "${paargs[@]}" ;;
        pa) start_proc "$label" 1 pulseaudio "$(command -v pulseaudio)" "${paargs[@]}" ;;
        pw)
            write_pw_confs
            start_proc "$label" 0 dbus dbus-daemon --session --nofork --nopidfile --address="unix:path=$RUN/bus"
            wait_for_socket "$RUN/bus" 10 || { log "dbus-daemon did not start"; return 1; }
            start_proc "$label" 1 pipewire pipewire -c "$RUN/conf/pipewire.conf"
            wait_for_socket "$XDG_RUNTIME_DIR/pipewire-0" 20 || { log "pipewire did not start"; return 1; }
            start_proc "$label" 1 wireplumber wireplumber -c bench-wireplumber.conf
            start_proc "$label" 1 pipewire-pulse pipewire-pulse -c "$RUN/conf/pipewire-pulse.conf"
            ;;
    esac
    if ! wait_for_socket "$SOCK" 20; then log "$label: socket did not appear (see $OUT/logs/$label.log)"; return 1; fi
    # pipewire links streams asynchronously (wireplumber): ready = a probe stream starts.
    # pulseaudio-style servers: ready = the sink exists.
    local probe=(--no-probe)
    [ "$kind" = pw ] && probe=()
    if ! timeout -k 5 30 "$PABENCH" -t 20 "${probe[@]}" ready 2>>"$OUT/logs/client.log"; then
        log "$label: server did not become ready"; return 1
    fi
    t1=$(date +%s%N)
    READY_MS=$(( (t1 - t0) / 1000000 ))
    # experiment knob: BENCH_SERVER_CHRT=PRIO puts every thread of the server
    # process(es) into SCHED_FIFO PRIO (to tell scheduling delays from server work)
    if [ -n "${BENCH_SERVER_CHRT:-}" ]; then
        local np
        for np in "${MEASURE[@]}"; do chrt -a -f -p "$BENCH_SERVER_CHRT" "${np#*:}" >/dev/null 2>&1; done
    fi
    PIDS_CSV=$(IFS=,; echo "${MEASURE[*]}")
    return 0
}

# record LABEL METRIC VALUE UNIT
record() { echo "$1 $2 $3 $4" >> "$METRICS"; }

# client LABEL PREFIX TIMEOUT MODE ARGS...: run pabench against the current server
client() {
    local label=$1 prefix=$2 tmo=$3 mode=$4; shift 4
    local tmpo=$RUN/client.out tmpe=$RUN/client.err rc
    timeout -k 5 "$tmo" ${BENCH_CLIENT_WRAP:-} "$PABENCH" -s "$PULSE_SERVER" -p "$PIDS_CSV" -P "$prefix." --threads "$@" "$mode" >"$tmpo" 2>"$tmpe" &
    CLIENT_PID=$!
    wait "$CLIENT_PID"; rc=$?
    CLIENT_PID=""
    sed -n 's/^METRIC //p' "$tmpo" | while read -r m v u; do record "$label" "$m" "$v" "$u"; done
    { echo "== $label $prefix: pabench $* $mode (rc=$rc)"; cat "$tmpe"; } >> "$OUT/logs/client.log"
    grep '^pabench: \(play\|idle\)' "$tmpe" | sed "s/^pabench:/  $label/" >&2
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then log "$label $prefix: client timed out after ${tmo}s"; record "$label" "$prefix.timed_out" 1 bool; fi
    return $rc
}

check_alive() {   # LABEL PREFIX: note a server process that died during the scenario
    local label=$1 prefix=$2 np p
    for np in "${MEASURE[@]}"; do
        p=${np#*:}
        if ! alive "$p"; then
            log "$label: ${np%%:*} (pid $p) DIED during $prefix"
            record "$label" "$prefix.server_died" 1 bool
        fi
    done
}

version_of() {
    case "$1" in
        pc) echo "pulsecompat ($DAEMON, git $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet HEAD -- engine protocol pulsecompat 2>/dev/null || echo '+local changes'))" ;;
        pa) pulseaudio --version 2>/dev/null | head -1 ;;
        pw) echo "pipewire-pulse $(pipewire --version 2>/dev/null | sed -n 's/.*libpipewire //p' | head -1), wireplumber $(wireplumber --version 2>/dev/null | sed -n 's/.*libwireplumber //p' | head -1)" ;;
    esac
}
