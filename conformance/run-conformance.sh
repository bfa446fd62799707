#!/bin/sh
# run-conformance SERVER_BINARY [replay.py options...]
# run-conformance --reference [replay.py options...]
# run-conformance SERVER_BINARY --alsa-sim --simhw-lib DIR [--simhw-conf FILE]
#     (pipe sinks replaced by module-alsa-sink on the simulated card)
#
# Entry point for meson: replays every recorded session in sessions/ against
# SERVER_BINARY (started with pulseaudio's command line in a private temp
# dir) and prints one line per session and the summary line
#     conformance: N passed, M expected failures, K failed
# Exit status: 0 when K = 0, 1 otherwise, 2 usage error, 77 skip (only when
# the reference server is not installed, or the platform cannot pass
# SCM_CREDENTIALS).  Sessions listed in expected-failures.txt may fail.
# Uses /usr/bin/python3 explicitly (python3 on PATH may be another interpreter).
here=$(dirname "$0")
if [ $# -lt 1 ]; then
    echo "usage: run-conformance SERVER_BINARY [options] | run-conformance --reference [options]" >&2
    exit 2
fi
# belt and braces: the replayer gives the server its own empty ALSA config;
# this one covers anything else started from here
if [ -z "${ALSA_CONFIG_PATH:-}" ] || [ ! -f "$ALSA_CONFIG_PATH" ]; then
    ALSA_CONFIG_PATH="$here/asound-empty.conf"
    export ALSA_CONFIG_PATH
fi
exec /usr/bin/python3 "$here/replay.py" "$@"
