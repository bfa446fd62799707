#!/usr/bin/env bash
# tools/run.sh: install what is missing, build, and run pulsecompat in the foreground.
# Extra arguments are passed to the daemon (pulseaudio(1) options).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh build
[ -d build-run/meson-info ] || meson setup build-run -Dtests=false --buildtype=release >/dev/null
ninja -C build-run pulsecompat >/dev/null
exec build-run/pulsecompat --daemonize=no --exit-idle-time=-1 --log-target=stderr "$@"
