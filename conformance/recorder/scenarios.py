"""Scenario definitions for the recorded corpus.

Each scenario is run against a freshly started daemon (script + flags below),
with every client connecting through the recording relay.  The 'script' is
run by bash in the sounds directory (so file names on the wire are relative)
with PULSE_SERVER pointing at the relay.  The small C clients of clients/
(cork_drain, pa_kill, pa_suspend) are built into a directory on PATH.  Every
connection a script makes ends up in the same session.

part: "public" (this file).  Scenarios kept out of the public corpus live in a
separate file of the same shape, passed with --extra-scenarios.

The first 17 scenarios are the shared corpus (recorded by the spec team);
PULSECOMPAT_SCENARIOS below were added by pulsecompat's conformance suite
(recorded with this recorder, same format and environment).
"""

DAEMON_SCRIPT = "corpus.pa"

SCENARIOS = [
    dict(name="pactl-info", part="public",
         desc="pactl info: AUTH, SET_CLIENT_NAME, GET_SERVER_INFO, disconnect",
         script="pactl info"),
    dict(name="pactl-list-full", part="public",
         desc="pactl list (everything): the *_INFO_LIST queries for modules, sinks, sources, sink inputs, "
              "source outputs, clients, samples and cards, pipelined (sent before the first reply arrives)",
         script="pactl list"),
    dict(name="pactl-subscribe", part="public",
         desc="pactl subscribe (conn 1) while a second client (conn 2) sets the volume of null1 and mutes null2; "
              "conn 1 receives SUBSCRIBE_EVENTs, then is stopped with SIGINT",
         script="pactl subscribe & SUB=$!\n"
                "sleep 0.5\n"
                "pactl set-sink-volume null1 40%\n"
                "pactl set-sink-mute null2 1\n"
                "sleep 0.5\n"
                "kill -INT $SUB; wait $SUB || true"),
    dict(name="pactl-set-sink-volume", part="public",
         desc="pactl set-sink-volume in several forms (absolute %, relative +/-, per channel, dB, raw value by "
              "sink index), one connection each, then get-sink-volume; for relative forms pactl first reads the "
              "sink (GET_SINK_INFO) and sends an absolute volume",
         script="pactl set-sink-volume null1 50%\n"
                "pactl set-sink-volume null1 +10%\n"
                "pactl -- set-sink-volume null1 -5%\n"
                "pactl set-sink-volume null1 30% 70%\n"
                "pactl set-sink-volume null1 -6dB\n"
                "pactl set-sink-volume 1 65536\n"
                "pactl get-sink-volume null1"),
    dict(name="pactl-set-default-sink", part="public",
         desc="pactl set-default-sink null2 (and back), with get-default-sink and an unknown name",
         script="pactl set-default-sink null2\n"
                "pactl get-default-sink\n"
                "pactl set-default-sink no-such-sink || true\n"
                "pactl set-default-sink null1\n"
                "pactl set-default-source null2.monitor"),
    dict(name="pactl-load-unload-module", part="public",
         desc="pactl load-module module-null-sink (returns the module index), pactl unload-module INDEX, "
              "then unload by name and a load that fails (bad argument)",
         script="IDX=$(pactl load-module module-null-sink sink_name=extra sink_properties=device.description=Extra)\n"
                "echo loaded $IDX\n"
                "pactl unload-module $IDX\n"
                "pactl load-module module-null-sink sink_name=extra2\n"
                "pactl unload-module module-null-sink || true\n"
                "pactl load-module module-null-sink no_such_arg=1 || true"),
    dict(name="pactl-sample-cache", part="public",
         desc="pactl upload-sample (CREATE_UPLOAD_STREAM + data + FINISH_UPLOAD_STREAM), list samples, "
              "play-sample, remove-sample, and play of a removed sample (error)",
         sounds=["click-s16le-44100-mono.wav"],
         script="pactl upload-sample click-s16le-44100-mono.wav click\n"
                "pactl list samples\n"
                "pactl play-sample click null1\n"
                "sleep 0.3\n"
                "pactl remove-sample click\n"
                "pactl play-sample click null1 || true"),
    dict(name="pactl-exit-refused", part="public",
         desc="pactl exit against a daemon started with --disallow-exit: EXIT answered with ERROR (ACCESS)",
         daemon_flags=["--disallow-exit"],
         script="pactl exit || true\npactl info >/dev/null"),
    dict(name="pactl-misc", part="public",
         desc="assorted pactl requests, one connection each: stat, suspend-sink on/off, set-source-volume, "
              "set-source-mute toggle, get-source-volume, send-message /core list-handlers, list short clients, "
              "and two failing requests (set-card-profile on a missing card, set-sink-port on a sink without ports)",
         script="pactl stat\n"
                "pactl suspend-sink null2 1\n"
                "pactl suspend-sink null2 0\n"
                "pactl set-source-volume null1.monitor 80%\n"
                "pactl set-source-mute null1.monitor toggle\n"
                "pactl get-source-volume null1.monitor\n"
                "pactl send-message /core list-handlers\n"
                "pactl list short clients\n"
                "pactl set-card-profile 0 off || true\n"
                "pactl set-sink-port null1 no-such-port || true"),
    dict(name="paplay-s16le-44100-stereo", part="public",
         desc="paplay of a 0.5 s s16le 44.1 kHz stereo WAV to the pipe sink (data checked bit-exact in the pipe output)",
         sounds=["tone-s16le-44100-stereo.wav"], check_pcm="tone-s16le-44100-stereo.raw",
         script="paplay -d pipe tone-s16le-44100-stereo.wav"),
    dict(name="parec-monitor-1s", part="public",
         desc="parec --latency-msec=100 from null1.monitor for about 1 s (stopped with SIGINT); the server sends "
              "memblocks on the record channel (with parec's default fragsize of 2 s nothing would arrive in 1 s)",
         script="timeout -s INT 1 parec --latency-msec=100 -d null1.monitor --format=s16le --rate=44100 --channels=2 "
                "> /dev/null || true"),
    dict(name="pacat-latency-20ms", part="public",
         desc="pacat --latency-msec=20 of raw s16le 44.1 kHz stereo from stdin to null1 (small tlength, adjust_latency)",
         sounds=["tone-s16le-44100-stereo.raw"],
         script="pacat --latency-msec=20 -d null1 --format=s16le --rate=44100 --channels=2 < tone-s16le-44100-stereo.raw"),
    dict(name="gst-pulsesink", part="public",
         desc="gst-launch-1.0 filesrc ! wavparse ! pulsesink (GStreamer's pulsesink: extension/format queries, "
              "stream proplist updates, cork on preroll)",
         sounds=["tone-s16le-44100-stereo.wav"],
         script="gst-launch-1.0 -q filesrc location=tone-s16le-44100-stereo.wav ! wavparse ! audioconvert ! "
                "pulsesink device=null1"),
    dict(name="cork-uncork-drain", part="public",
         desc="cork_drain (small libpulse client, source in tools/clients): stream created corked, uncork, cork, "
              "uncork, flush, set name, drain, disconnect",
         script="cork_drain null1"),
    dict(name="client-killed-mid-stream", part="public",
         desc="paplay --latency-msec=100 of a 3 s tone killed with SIGKILL after ~0.7 s, while still streaming: "
              "the connection just ends (no DELETE_PLAYBACK_STREAM)",
         sounds=["tone-s16le-8000-mono-3s.wav"],
         script="paplay --latency-msec=100 -d null1 tone-s16le-8000-mono-3s.wav & P=$!\n"
                "sleep 0.7\n"
                "kill -KILL $P; wait $P || true\n"
                "sleep 0.2"),
    dict(name="paplay-shm-memfd", part="public",
         desc="paplay with shm ENABLED (client-shm.conf): AUTH negotiates shm+memfd, REGISTER_MEMFD_SHMID and "
              "ENABLE_SRBCHANNEL carry fds (SCM_RIGHTS), audio goes as shm references, and after the srbchannel "
              "switch most control traffic leaves the socket. Not replayable byte-for-byte (see FORMAT.md)",
         client_conf="client-shm.conf",
         sounds=["tone-s16le-44100-stereo.wav"],
         script="paplay -d null1 tone-s16le-44100-stereo.wav"),
    dict(name="paplay-shm-no-srbchannel", part="public",
         desc="paplay with shm ENABLED against a daemon whose native protocol module has srbchannel=no: "
              "memfd registration (fds) then audio as shm references (memblock_shm_ref) and SHM release frames, "
              "all visible on the socket. Not replayable byte-for-byte (see FORMAT.md)",
         daemon_script="corpus-nosrb.pa", client_conf="client-shm.conf",
         sounds=["tone-s16le-44100-stereo.wav"],
         script="paplay -d null1 tone-s16le-44100-stereo.wav"),
]

# ---------------------------------------------------------------------------
# Scenarios added by pulsecompat (conformance/).  Mostly control plane, so
# that they can pass before streams exist; the last three need streams.
PULSECOMPAT_SCENARIOS = [
    dict(name="pactl-list-short-all", part="public",
         desc="pactl list short for every object kind, one connection each: sinks, sources, modules, clients, "
              "sink-inputs, source-outputs, samples, cards (the empty lists too)",
         script="pactl list short sinks\n"
                "pactl list short sources\n"
                "pactl list short modules\n"
                "pactl list short clients\n"
                "pactl list short sink-inputs\n"
                "pactl list short source-outputs\n"
                "pactl list short samples\n"
                "pactl list short cards"),
    dict(name="pactl-mute-toggle", part="public",
         desc="pactl set-sink-mute toggle (pactl reads the sink first and sends the inverted value), "
              "get-sink-mute after each change, mute by sink index, source mute and get-source-mute",
         script="pactl set-sink-mute null1 toggle\n"
                "pactl get-sink-mute null1\n"
                "pactl set-sink-mute null1 toggle\n"
                "pactl get-sink-mute null1\n"
                "pactl set-sink-mute 1 1\n"
                "pactl get-sink-mute null2\n"
                "pactl set-source-mute null2.monitor 1\n"
                "pactl get-source-mute null2.monitor"),
    dict(name="pactl-error-paths", part="public",
         desc="requests that fail, one connection each: unknown source/sink/card/module/sink input/source output "
              "names and indices, a port on a device without ports, a port on a missing sink, an unknown "
              "module, the sink-formats extension (no such extension), and get-sink-volume of a missing sink",
         script="pactl set-source-volume no-such-source 50% || true\n"
                "pactl set-source-port null1.monitor no-such-port || true\n"
                "pactl set-card-profile no-such-card off || true\n"
                "pactl set-sink-mute no-such-sink 1 || true\n"
                "pactl suspend-source no-such-source 1 || true\n"
                "pactl set-sink-port no-such-sink no-such-port || true\n"
                "pactl unload-module 99 || true\n"
                "pactl move-sink-input 99 null1 || true\n"
                "pactl set-source-output-mute 99 1 || true\n"
                "pactl set-default-source no-such-source || true\n"
                "pactl set-port-latency-offset no-such-card no-such-port 1000 || true\n"
                "pactl set-sink-formats 0 pcm || true\n"
                "pactl get-sink-volume no-such-sink || true\n"
                "pactl load-module module-no-such-module || true"),
    dict(name="pactl-null-sink-properties", part="public",
         desc="pactl load-module module-null-sink with quoted sink_properties (a description with a space and a "
              "second property), 48 kHz mono; pactl list sinks shows it; list short modules; unload; list short sinks",
         script="IDX=$(pactl load-module module-null-sink sink_name=extra3 "
                "\"sink_properties=\\\"device.description='Extra Three' media.role=test\\\"\" rate=48000 channels=1)\n"
                "echo loaded $IDX\n"
                "pactl list sinks\n"
                "pactl list short modules\n"
                "pactl unload-module $IDX\n"
                "pactl list short sinks"),
    dict(name="pactl-suspend-all", part="public",
         desc="suspend every sink at once (pa_suspend: SUSPEND_SINK with index 0xFFFFFFFF and an empty name, "
              "which pactl cannot send), list short sinks and sources (monitors follow), resume all; then one "
              "sink by name, suspend-source on a monitor (refused), resume, and a final list",
         script="pa_suspend sink all 1\n"
                "pactl list short sinks\n"
                "pactl list short sources\n"
                "pa_suspend sink all 0\n"
                "pactl suspend-sink null2 1\n"
                "pactl suspend-source null1.monitor 1 || true\n"
                "pactl list short sinks\n"
                "pactl suspend-sink null2 0\n"
                "pactl list short sinks"),
    dict(name="pactl-module-loading-disallowed", part="public",
         desc="daemon started with --disallow-module-loading: LOAD_MODULE fails, UNLOAD_MODULE of a script module "
              "is acknowledged but not done (the module is still listed)",
         daemon_flags=["--disallow-module-loading"],
         script="pactl load-module module-null-sink sink_name=nope || true\n"
                "pactl unload-module 2\n"
                "pactl list short modules\n"
                "pactl list short sinks"),
    dict(name="pactl-defaults", part="public",
         desc="default source and sink: get-default-source, set-default-source to another monitor, volumes and "
              "mute through @DEFAULT_SOURCE@ / @DEFAULT_SINK@ (pactl resolves them with GET_*_INFO by name), "
              "set-default-sink to the pipe sink, pactl info",
         script="pactl get-default-source\n"
                "pactl set-default-source null2.monitor\n"
                "pactl get-default-source\n"
                "pactl get-source-volume @DEFAULT_SOURCE@\n"
                "pactl set-default-sink pipe\n"
                "pactl get-sink-volume @DEFAULT_SINK@\n"
                "pactl get-sink-mute @DEFAULT_SINK@\n"
                "pactl info"),
    dict(name="pactl-subscribe-modules", part="public",
         desc="pactl subscribe (conn 1) while other clients load a null sink and unload it again: module, sink "
              "and source new/remove events, plus the clients' own new/change/remove",
         script="pactl subscribe & SUB=$!\n"
                "sleep 0.3\n"
                "IDX=$(pactl load-module module-null-sink sink_name=sub1)\n"
                "pactl unload-module $IDX\n"
                "sleep 0.3\n"
                "kill -INT $SUB; wait $SUB || true"),
    dict(name="paplay-f32le-48000-mono", part="public",
         desc="paplay of a 0.5 s float32le 48 kHz mono WAV to the pipe sink (s16le 44.1 kHz stereo): the server "
              "converts, resamples and upmixes; the pipe output must carry sound",
         sounds=["tone-f32le-48000-mono.wav"],
         script="paplay -d pipe tone-f32le-48000-mono.wav"),
    dict(name="parec-monitor-small-fragsize", part="public",
         desc="parec --latency-msec=20 from null2.monitor for about 0.6 s (small fragsize: many small record "
              "memblocks), stopped with SIGINT",
         script="timeout -s INT 0.6 parec --latency-msec=20 -d null2.monitor --format=s16le --rate=44100 "
                "--channels=2 > /dev/null || true"),
    dict(name="pactl-sink-input-control", part="public",
         desc="paplay of a 3 s tone to null1 (conn 1) while other clients list sink inputs, set its volume, mute "
              "it, move it to null2 (PLAYBACK_STREAM_MOVED) and kill it (PLAYBACK_STREAM_KILLED)",
         sounds=["tone-s16le-8000-mono-3s.wav"],
         script="paplay --latency-msec=100 -d null1 tone-s16le-8000-mono-3s.wav & P=$!\n"
                "sleep 0.3\n"
                "pactl list short sink-inputs\n"
                "pactl set-sink-input-volume 0 50%\n"
                "pactl set-sink-input-mute 0 1\n"
                "pactl move-sink-input 0 null2\n"
                "pa_kill sink-input 0\n"
                "wait $P || true"),
]

SCENARIOS = SCENARIOS + PULSECOMPAT_SCENARIOS
