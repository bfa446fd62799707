#!/bin/bash
# pactl info / list / list short * / stat against the standard startup script.
. "$(dirname "$0")/../harness/harness.sh"
compat_init
compat_start_daemon

# ---- pactl info
pactl_ok info
info=$PACTL_OUT
assert_line "info: server string" "Server String: $PULSE_SERVER" "$info"
assert_line "info: library protocol" "Library Protocol Version: 35" "$info"
assert_line "info: server protocol" "Server Protocol Version: 35" "$info"
assert_line "info: is local" "Is Local: yes" "$info"
assert_match "info: client index" '^Client Index: [0-9]+$' "$info"
assert_line "info: tile size" "Tile Size: 65472" "$info"
assert_line "info: user name" "User Name: $(id -un)" "$info"
assert_line "info: host name" "Host Name: $(hostname)" "$info"
assert_match "info: server name" '^Server Name: .+' "$info"
assert_match "info: server version" '^Server Version: .+' "$info"
assert_line "info: default sample spec" "Default Sample Specification: s16le 2ch 44100Hz" "$info"
assert_line "info: default channel map" "Default Channel Map: front-left,front-right" "$info"
assert_line "info: default sink" "Default Sink: null1" "$info"
assert_line "info: default source" "Default Source: null1.monitor" "$info"
assert_match "info: cookie" '^Cookie: [0-9a-f]{4}:[0-9a-f]{4}$' "$info"
assert_eq "info: number of lines" 15 "$(printf '%s\n' "$info" | wc -l)"

# ---- pactl list short *
TAB=$'\t'
pactl_ok list short sinks
assert_eq "list short sinks" \
"0${TAB}null1${TAB}module-null-sink.c${TAB}s16le 2ch 44100Hz${TAB}IDLE
1${TAB}null2${TAB}module-null-sink.c${TAB}s16le 2ch 44100Hz${TAB}IDLE" "$PACTL_OUT"

pactl_ok list short sources
assert_eq "list short sources" \
"0${TAB}null1.monitor${TAB}module-null-sink.c${TAB}s16le 2ch 44100Hz${TAB}IDLE
1${TAB}null2.monitor${TAB}module-null-sink.c${TAB}s16le 2ch 44100Hz${TAB}IDLE" "$PACTL_OUT"

pactl_ok list short modules
assert_eq "list short modules" \
"0${TAB}module-native-protocol-unix${TAB}${TAB}
1${TAB}module-null-sink${TAB}sink_name=null1 rate=44100 channels=2 sink_properties=device.description=Null-1${TAB}
2${TAB}module-null-sink${TAB}sink_name=null2 rate=44100 channels=2 sink_properties=device.description=Null-2${TAB}" "$PACTL_OUT"

# Only the listing client itself is connected: "<index>\tprotocol-native.c\tpactl"
pactl_ok list short clients
assert_match "list short clients" "^[0-9]+${TAB}protocol-native.c${TAB}pactl\$" "$PACTL_OUT"
assert_eq "list short clients: one client" 1 "$(printf '%s\n' "$PACTL_OUT" | wc -l)"
clients_idx1=$(printf '%s\n' "$PACTL_OUT" | cut -f1)
pactl_ok list short clients
clients_idx2=$(printf '%s\n' "$PACTL_OUT" | cut -f1)
assert_eq "client indexes increase by one per connection" $((clients_idx1 + 1)) "$clients_idx2"

for k in sink-inputs source-outputs samples cards; do
    pactl_ok list short "$k"
    assert_eq "list short $k (empty)" "" "$PACTL_OUT"
    assert_eq "list short $k: stderr" "" "$PACTL_ERR"
done

# ---- pactl stat
pactl_ok stat
assert_match "stat: in use" '^Currently in use: [0-9]+ blocks? containing [0-9.]+ (B|KiB|MiB|GiB) bytes total\.$' "$PACTL_OUT"
assert_match "stat: lifetime" '^Allocated during whole lifetime: [0-9]+ blocks? containing [0-9.]+ (B|KiB|MiB|GiB) bytes total\.$' "$PACTL_OUT"
assert_line "stat: sample cache" "Sample cache size: 0 B" "$PACTL_OUT"
assert_eq "stat: 3 lines" 3 "$(printf '%s\n' "$PACTL_OUT" | wc -l)"

# ---- pactl list (everything); exact layout checked in the differential
# test, here the object headers and key lines.  The listing client's index:
# clients_idx2, then one per pactl run (4 × list short, stat) → +6.
pactl_ok list
all=$PACTL_OUT
assert_eq "list: object headers" \
"Module #0
Module #1
Module #2
Sink #0
Sink #1
Source #0
Source #1
Client #$((clients_idx2 + 6))" \
"$(printf '%s\n' "$all" | grep -E '^[A-Z][A-Za-z ]* #[0-9]+$')"
# sink #0 block exactly, apart from the measured latency
sink0=$(printf '%s\n' "$all" | sed -n '/^Sink #0$/,/^$/p' |
    sed -E 's/^(\tLatency: )[0-9]+ usec/\1N usec/')
assert_eq "list: Sink #0 block" "Sink #0
	State: IDLE
	Name: null1
	Description: Null-1
	Driver: module-null-sink.c
	Sample Specification: s16le 2ch 44100Hz
	Channel Map: front-left,front-right
	Owner Module: 1
	Mute: no
	Volume: front-left: 65536 / 100% / 0.00 dB,   front-right: 65536 / 100% / 0.00 dB
	        balance 0.00
	Base Volume: 65536 / 100% / 0.00 dB
	Monitor Source: null1.monitor
	Latency: N usec, configured 2000000 usec
	Flags: DECIBEL_VOLUME LATENCY SET_FORMATS 
	Properties:
		device.description = \"Null-1\"
		device.class = \"abstract\"
		device.icon_name = \"audio-card\"
	Formats:
		pcm" "$sink0"
src1=$(printf '%s\n' "$all" | sed -n '/^Source #1$/,/^$/p')
assert_eq "list: Source #1 block" "Source #1
	State: IDLE
	Name: null2.monitor
	Description: Monitor of Null-2
	Driver: module-null-sink.c
	Sample Specification: s16le 2ch 44100Hz
	Channel Map: front-left,front-right
	Owner Module: 2
	Mute: no
	Volume: front-left: 65536 / 100% / 0.00 dB,   front-right: 65536 / 100% / 0.00 dB
	        balance 0.00
	Base Volume: 65536 / 100% / 0.00 dB
	Monitor of Sink: null2
	Latency: 0 usec, configured 2000000 usec
	Flags: DECIBEL_VOLUME LATENCY 
	Properties:
		device.description = \"Monitor of Null-2\"
		device.class = \"monitor\"
		device.icon_name = \"audio-input-microphone\"
	Formats:
		pcm" "$src1"
client=$(printf '%s\n' "$all" | sed -n '/^Client #/,/^$/p')
assert_line "list: client driver" $'\tDriver: protocol-native.c' "$client"
assert_line "list: client owner module" $'\tOwner Module: 0' "$client"
assert_line "list: client application.name" $'\t\tapplication.name = "pactl"' "$client"
assert_line "list: client peer" $'\t\tnative-protocol.peer = "UNIX socket client"' "$client"
assert_line "list: client version" $'\t\tnative-protocol.version = "35"' "$client"
mod0=$(printf '%s\n' "$all" | sed -n '/^Module #0$/,/^$/p')
assert_line "list: module 0 name" $'\tName: module-native-protocol-unix' "$mod0"
assert_line "list: module 0 argument" $'\tArgument: ' "$mod0"
assert_line "list: module 0 usage" $'\tUsage counter: n/a' "$mod0"
mod1=$(printf '%s\n' "$all" | sed -n '/^Module #1$/,/^$/p')
assert_line "list: module 1 usage" $'\tUsage counter: 0' "$mod1"

compat_finish
