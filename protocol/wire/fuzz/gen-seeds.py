#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""gen-seeds.py: writes the hand-made seed corpora of the fuzz targets.

    protocol/wire/fuzz/gen-seeds.py      (from anywhere; rewrites the files)

corpus/fuzz-packet/*: whole client byte streams (frames with 20-byte
descriptors, native-protocol.md §3), valid sessions and malformed ones.
corpus/fuzz-tagstruct/*: inputs of fuzz-tagstruct (byte 0 = number of
getter selectors, then the selectors, then a tagstruct; 0 = read by tag).

Layouts come from shared/spec (native-protocol.md §5, commands.md). The
output is deterministic, so re-running it on an unchanged script changes
nothing in the tree.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CONTROL = 0xFFFFFFFF

# ---- tagstruct encoding (native-protocol.md §5.1) ----


def u32(v):
    return b'L' + struct.pack('>I', v & 0xFFFFFFFF)


def u8(v):
    return b'B' + bytes([v])


def u64(v):
    return b'R' + struct.pack('>Q', v)


def s64(v):
    return b'r' + struct.pack('>q', v)


def usec(v):
    return b'U' + struct.pack('>Q', v)


def boolean(v):
    return b'1' if v else b'0'


def tv(s, us):
    return b'T' + struct.pack('>II', s, us)


def string(s):
    if s is None:
        return b'N'
    if isinstance(s, str):
        s = s.encode()
    return b't' + s + b'\0'


def ss(fmt, ch, rate):
    return b'a' + struct.pack('>BBI', fmt, ch, rate)


def cmap(*pos):
    return b'm' + bytes([len(pos)]) + bytes(pos)


def cvol(*vols):
    return b'v' + bytes([len(vols)]) + b''.join(struct.pack('>I', v) for v in vols)


def vol(v):
    return b'V' + struct.pack('>I', v)


def arb(data):
    return b'x' + struct.pack('>I', len(data)) + data


def proplist(items):
    out = b'P'
    for k, v in items:
        if isinstance(v, str):
            v = v.encode() + b'\0'
        out += string(k) + u32(len(v)) + arb(v)
    return out + b'N'


def fmt(enc, props=()):
    return b'f' + u8(enc) + proplist(props)


# ---- frames (native-protocol.md §3) ----


def frame(payload, channel=CONTROL, offset=0, flags=0, length=None):
    if length is None:
        length = len(payload)
    return struct.pack('>IIIII', length, channel, (offset >> 32) & 0xFFFFFFFF,
                       offset & 0xFFFFFFFF, flags) + payload


def packet(cmd, tag, *fields):
    return frame(u32(cmd) + u32(tag) + b''.join(fields))


def memblock(channel, data, offset=0, seek=0):
    return frame(data, channel=channel, offset=offset & 0xFFFFFFFFFFFFFFFF, flags=seek)


# command numbers (commands.md §2)
ERROR, REPLY, CREATE_PLAYBACK, DELETE_PLAYBACK, CREATE_RECORD, DELETE_RECORD = 0, 2, 3, 4, 5, 6
EXIT, AUTH, SET_CLIENT_NAME, LOOKUP_SINK, LOOKUP_SOURCE, DRAIN = 7, 8, 9, 10, 11, 12
STAT, GET_PLAYBACK_LATENCY, CREATE_UPLOAD, DELETE_UPLOAD, FINISH_UPLOAD = 13, 14, 15, 16, 17
PLAY_SAMPLE, REMOVE_SAMPLE, GET_SERVER_INFO = 18, 19, 20
GET_SINK_INFO, GET_SINK_INFO_LIST, GET_SOURCE_INFO, GET_SOURCE_INFO_LIST = 21, 22, 23, 24
GET_MODULE_INFO, GET_MODULE_INFO_LIST, GET_CLIENT_INFO, GET_CLIENT_INFO_LIST = 25, 26, 27, 28
GET_SINK_INPUT_INFO, GET_SINK_INPUT_INFO_LIST = 29, 30
GET_SOURCE_OUTPUT_INFO, GET_SOURCE_OUTPUT_INFO_LIST = 31, 32
GET_SAMPLE_INFO, GET_SAMPLE_INFO_LIST, SUBSCRIBE = 33, 34, 35
SET_SINK_VOLUME, SET_SINK_INPUT_VOLUME, SET_SOURCE_VOLUME = 36, 37, 38
SET_SINK_MUTE, SET_SOURCE_MUTE, CORK_PLAYBACK, FLUSH_PLAYBACK, TRIGGER_PLAYBACK = 39, 40, 41, 42, 43
SET_DEFAULT_SINK, SET_DEFAULT_SOURCE, SET_PLAYBACK_NAME = 44, 45, 46
KILL_CLIENT, KILL_SINK_INPUT, KILL_SOURCE_OUTPUT, LOAD_MODULE, UNLOAD_MODULE = 48, 49, 50, 51, 52
ADD_AUTOLOAD, GET_RECORD_LATENCY, CORK_RECORD, FLUSH_RECORD, PREBUF_PLAYBACK = 53, 57, 58, 59, 60
REQUEST, MOVE_SINK_INPUT, SET_SINK_INPUT_MUTE, SUSPEND_SINK, SUSPEND_SOURCE = 61, 67, 69, 70, 71
SET_PLAYBACK_BUFFER_ATTR, SET_RECORD_BUFFER_ATTR = 72, 73
UPDATE_PLAYBACK_RATE, UPDATE_RECORD_PROPLIST, UPDATE_PLAYBACK_PROPLIST = 74, 80, 81
UPDATE_CLIENT_PROPLIST, REMOVE_PLAYBACK_PROPLIST, REMOVE_CLIENT_PROPLIST = 82, 84, 85
EXTENSION, GET_CARD_INFO, GET_CARD_INFO_LIST, SET_CARD_PROFILE = 87, 88, 89, 90
SET_SINK_PORT, SET_SOURCE_OUTPUT_VOLUME, SET_PORT_LATENCY_OFFSET = 96, 98, 100
ENABLE_SRBCHANNEL, REGISTER_MEMFD_SHMID, SEND_OBJECT_MESSAGE = 101, 103, 104

NONE = 0xFFFFFFFF
NORM = 0x10000
S16LE, FLOAT32LE = 3, 5
FL, FR, MONO = 1, 2, 0
COOKIE = bytes(range(256))
CLIENT_PROPS = [('application.name', 'pactl'), ('native-protocol.version', '35'),
                ('application.process.id', '4242'), ('application.process.user', 'fuzz'),
                ('application.process.host', 'localhost'),
                ('application.process.binary', 'pactl'), ('application.language', 'C'),
                ('window.x11.display', ':0'), ('application.process.machine_id', '0' * 32)]


def hello(version=0x40000023, tag=0):
    """AUTH + SET_CLIENT_NAME as libpulse 16.1 sends them."""
    return (packet(AUTH, tag, u32(version), arb(COOKIE)) +
            packet(SET_CLIENT_NAME, tag + 1, proplist(CLIENT_PROPS)))


def create_playback(tag, spec=(S16LE, 2, 44100), channels=(FL, FR), sink=(NONE, None),
                    tlength=NONE, prebuf=NONE, corked=False, formats=()):
    return packet(CREATE_PLAYBACK, tag,
                  ss(*spec), cmap(*channels), u32(sink[0]), string(sink[1]),
                  u32(NONE), boolean(corked), u32(tlength), u32(prebuf), u32(NONE),
                  u32(0), cvol(*([NORM] * (len(channels) or 32))),
                  *[boolean(False)] * 7,                          # no_remap .. variable_rate
                  boolean(False), boolean(True),                  # start_muted, adjust_latency
                  proplist([('media.name', 'Playback'), ('media.role', 'music')]),
                  boolean(True), boolean(False),                  # volume_set, early_requests
                  boolean(False), boolean(False), boolean(False),  # muted_set, dont_inhibit, fail_on_suspend
                  boolean(False), boolean(False),                 # relative_volume, passthrough
                  u8(len(formats)), *formats)


def create_record(tag, spec=(S16LE, 2, 44100), channels=(FL, FR), source=(NONE, None),
                  peak=False):
    return packet(CREATE_RECORD, tag,
                  ss(*spec), cmap(*channels), u32(source[0]), string(source[1]),
                  u32(NONE), boolean(False), u32(NONE),
                  *[boolean(False)] * 7,
                  boolean(peak), boolean(True),
                  proplist([('media.name', 'Record')]),
                  u32(NONE), boolean(False), boolean(False), boolean(False),
                  u8(0), cvol(*([NORM] * len(channels))),
                  boolean(False), boolean(True), boolean(False), boolean(False), boolean(False))


def packet_seeds():
    seeds = {}
    t = 2
    # the introspection session of pactl list / pavucontrol
    s = hello()
    for cmd, fields in [
            (GET_SERVER_INFO, ()),
            (GET_SINK_INFO_LIST, ()),
            (GET_SOURCE_INFO_LIST, ()),
            (GET_SINK_INFO, (u32(NONE), string('null1'))),
            (GET_SINK_INFO, (u32(1), string(None))),
            (GET_SOURCE_INFO, (u32(NONE), string('@DEFAULT_MONITOR@'))),
            (GET_MODULE_INFO_LIST, ()),
            (GET_MODULE_INFO, (u32(0),)),
            (GET_CLIENT_INFO_LIST, ()),
            (GET_CLIENT_INFO, (u32(0),)),
            (GET_CARD_INFO_LIST, ()),
            (GET_SINK_INPUT_INFO_LIST, ()),
            (GET_SOURCE_OUTPUT_INFO_LIST, ()),
            (GET_SAMPLE_INFO_LIST, ()),
            (STAT, ()),
            (LOOKUP_SINK, (string('null2'),)),
            (LOOKUP_SOURCE, (string('@DEFAULT_SOURCE@'),)),
            (EXTENSION, (u32(NONE), string('module-stream-restore'), u32(0))),
            (SEND_OBJECT_MESSAGE, (string('/core'), string('list-handlers'), string(None))),
    ]:
        s += packet(cmd, t, *fields)
        t += 1
    seeds['introspect-v35'] = s

    # subscribe, then change things so events are queued and flushed
    s = hello() + packet(SUBSCRIBE, 2, u32(0x2FF))
    s += packet(SET_SINK_VOLUME, 3, u32(NONE), string('null1'), cvol(0x8000, 0x9000))
    s += packet(SET_SINK_VOLUME, 4, u32(0), string(None), cvol(NORM, NORM))
    s += packet(SET_SOURCE_VOLUME, 5, u32(NONE), string('source.null'), cvol(NORM // 2))
    s += packet(SET_SINK_MUTE, 6, u32(NONE), string('null2'), boolean(True))
    s += packet(SET_SOURCE_MUTE, 7, u32(NONE), string('source.null'), boolean(True))
    s += packet(SET_DEFAULT_SINK, 8, string('null2'))
    s += packet(SET_DEFAULT_SOURCE, 9, string('null1.monitor'))
    s += packet(SUSPEND_SINK, 10, u32(NONE), string('null1'), boolean(True))
    s += packet(SUSPEND_SINK, 11, u32(NONE), string(''), boolean(False))
    s += packet(SUSPEND_SOURCE, 12, u32(NONE), string('source.null'), boolean(True))
    s += packet(UPDATE_CLIENT_PROPLIST, 13, u32(2), proplist([('media.role', 'game')]))
    s += packet(REMOVE_CLIENT_PROPLIST, 14, string('media.role'), string(None))
    s += packet(SET_SINK_PORT, 15, u32(NONE), string('null1'), string('analog-output'))
    s += packet(SET_PORT_LATENCY_OFFSET, 16, u32(NONE), string('card'), string('port'), s64(-5000))
    s += packet(GET_SERVER_INFO, 17)
    seeds['subscribe-and-set'] = s

    # load and unload a module, as pactl load-module / unload-module do
    s = hello()
    s += packet(LOAD_MODULE, 2, string('module-null-sink'),
                string("sink_name=loaded sink_properties='device.description=\"Loaded Sink\"' "
                       "format=s32le rate=96000 channels=4 channel_map=front-left,front-right,rear-left,rear-right"))
    s += packet(GET_SINK_INFO_LIST, 3)
    s += packet(UNLOAD_MODULE, 4, u32(4))
    s += packet(LOAD_MODULE, 5, string('module-null-sink'), string('bogus=1'))
    s += packet(LOAD_MODULE, 6, string('module-does-not-exist'), string(None))
    s += packet(LOAD_MODULE, 7, string('module-always-sink'), string(None))
    s += packet(GET_MODULE_INFO_LIST, 8)
    seeds['load-unload-module'] = s

    # playback: create, write (exactly, with seeks), latency, cork, drain, delete
    s = hello() + packet(SUBSCRIBE, 2, u32(0x2FF))
    s += create_playback(3)
    s += memblock(0, bytes(4096))
    s += memblock(0, bytes(range(256)) * 16, offset=-4096, seek=0)
    s += memblock(0, bytes(1024), offset=8192, seek=1)
    s += memblock(0, bytes(6))                           # misaligned for s16 stereo
    s += memblock(7, bytes(16))                          # unknown channel
    s += packet(GET_PLAYBACK_LATENCY, 4, u32(0), tv(1700000000, 5))
    s += packet(GET_SINK_INPUT_INFO_LIST, 5)
    s += packet(SET_SINK_INPUT_VOLUME, 6, u32(0), cvol(NORM // 2, NORM // 2))
    s += packet(SET_SINK_INPUT_MUTE, 7, u32(0), boolean(True))
    s += packet(CORK_PLAYBACK, 8, u32(0), boolean(True))
    s += packet(CORK_PLAYBACK, 9, u32(0), boolean(False))
    s += packet(SET_PLAYBACK_BUFFER_ATTR, 10, u32(0), u32(NONE), u32(35280), u32(NONE), u32(NONE),
                boolean(True), boolean(False))
    s += packet(UPDATE_PLAYBACK_PROPLIST, 11, u32(0), u32(2), proplist([('media.name', 'renamed')]))
    s += packet(REMOVE_PLAYBACK_PROPLIST, 12, u32(0), string('media.role'), string(None))
    s += packet(FLUSH_PLAYBACK, 13, u32(0))
    s += packet(TRIGGER_PLAYBACK, 14, u32(0))
    s += packet(PREBUF_PLAYBACK, 15, u32(0))
    s += packet(UPDATE_PLAYBACK_RATE, 16, u32(0), u32(48000))
    s += packet(MOVE_SINK_INPUT, 17, u32(0), u32(NONE), string('null2'))
    s += packet(DRAIN, 18, u32(0))
    s += packet(DELETE_PLAYBACK, 19, u32(0))
    seeds['playback'] = s

    # playback with a format list (GStreamer style) and an explicit sink, then killed
    pcm = fmt(1, [('format.sample_format', '"float32le"'), ('format.rate', '48000'),
                  ('format.channels', '6'),
                  ('format.channel_map', '"front-left,front-right,front-center,lfe,rear-left,rear-right"')])
    s = hello()
    s += create_playback(2, spec=(0xFF, 0, 0), channels=(), sink=(NONE, 'null2'), prebuf=0,
                         formats=(pcm, fmt(1), fmt(2)))
    s += memblock(0, bytes(24 * 100))
    s += packet(KILL_SINK_INPUT, 3, u32(0))
    s += packet(GET_SINK_INPUT_INFO, 4, u32(0))
    seeds['playback-formats-killed'] = s

    # record from a monitor, with peak detection, latency and cork
    s = hello()
    s += create_record(2, source=(NONE, 'null1.monitor'))
    s += create_record(3, spec=(FLOAT32LE, 1, 25), channels=(MONO,), source=(NONE, 'source.null'),
                       peak=True)
    s += packet(GET_RECORD_LATENCY, 4, u32(0), tv(1700000000, 5))
    s += packet(CORK_RECORD, 5, u32(0), boolean(True))
    s += packet(FLUSH_RECORD, 6, u32(0))
    s += packet(SET_RECORD_BUFFER_ATTR, 7, u32(0), u32(88200), u32(4410), boolean(False), boolean(True))
    s += packet(UPDATE_RECORD_PROPLIST, 8, u32(1), u32(0), proplist([('media.name', 'x')]))
    s += packet(GET_SOURCE_OUTPUT_INFO_LIST, 9)
    s += packet(SET_SOURCE_OUTPUT_VOLUME, 10, u32(0), cvol(NORM, NORM))
    s += packet(KILL_SOURCE_OUTPUT, 11, u32(1))
    s += packet(DELETE_RECORD, 12, u32(0))
    seeds['record'] = s

    # sample cache: upload, finish, play, remove
    s = hello()
    s += packet(CREATE_UPLOAD, 2, string('bell'), ss(S16LE, 2, 44100), cmap(FL, FR), u32(4000),
                proplist([('media.name', 'bell')]))
    s += memblock(0, bytes(4000))
    s += packet(FINISH_UPLOAD, 3, u32(0))
    s += packet(GET_SAMPLE_INFO_LIST, 4)
    s += packet(GET_SAMPLE_INFO, 5, u32(NONE), string('bell'))
    s += packet(PLAY_SAMPLE, 6, u32(NONE), string(None), u32(NONE), string('bell'),
                proplist([('media.name', 'ding')]))
    s += packet(REMOVE_SAMPLE, 7, string('bell'))
    s += packet(CREATE_UPLOAD, 8, string(None), ss(S16LE, 1, 8000), cmap(MONO), u32(2),
                proplist([('event.id', 'x')]))
    s += packet(DELETE_UPLOAD, 9, u32(1))
    seeds['sample-cache'] = s

    # an old client: version 12 (no proplists), then commands with old layouts
    s = packet(AUTH, 0, u32(12), arb(COOKIE)) + packet(SET_CLIENT_NAME, 1, string('old client'))
    s += packet(GET_SERVER_INFO, 2) + packet(GET_SINK_INFO_LIST, 3) + packet(GET_MODULE_INFO_LIST, 4)
    s += packet(GET_CLIENT_INFO_LIST, 5)
    seeds['old-version-12'] = s
    s = packet(AUTH, 0, u32(0x80000000 | 13), arb(COOKIE))
    s += packet(SET_CLIENT_NAME, 1, proplist([('application.name', 'v13')]))
    s += packet(GET_SINK_INFO_LIST, 2) + packet(GET_SOURCE_INFO_LIST, 3)
    seeds['old-version-13'] = s

    # anonymous socket: commands before AUTH (version-8 layouts), AUTH twice
    s = packet(GET_SERVER_INFO, 0) + packet(GET_SINK_INFO_LIST, 1)
    s += hello(tag=2) + packet(AUTH, 4, u32(35), arb(COOKIE)) + packet(GET_SERVER_INFO, 5)
    seeds['preauth-and-reauth'] = s

    # handshake corner cases
    seeds['auth-version-7'] = packet(AUTH, 0, u32(7), arb(COOKIE)) + packet(GET_SERVER_INFO, 1)
    seeds['auth-short-cookie'] = packet(AUTH, 0, u32(35), arb(COOKIE[:255]))
    seeds['auth-trailing'] = packet(AUTH, 0, u32(35), arb(COOKIE), u32(0))
    seeds['auth-only'] = packet(AUTH, 0, u32(35), arb(COOKIE))
    seeds['empty'] = b''

    # malformed framing
    seeds['frame-zero-length'] = hello() + frame(b'', length=0)
    seeds['frame-too-long'] = hello() + frame(b'L', length=16 * 1024 * 1024 + 1)
    seeds['frame-16mib-announced'] = hello() + frame(b'L\0\0\0\x14L\0\0\0\x02', length=16 * 1024 * 1024)
    seeds['frame-packet-flags'] = hello() + frame(u32(GET_SERVER_INFO) + u32(2), flags=1)
    seeds['frame-shm-release'] = hello() + frame(b'', flags=0x40000000, length=0)
    seeds['frame-memblock-seek4'] = hello() + memblock(0, bytes(4), seek=4)
    seeds['frame-memblock-shm'] = hello() + frame(bytes(16), channel=0, flags=0x80000000)
    # SHM negotiated (AUTH with the SHM and memfd bits, same uid over the socketpair):
    # references to pools never registered (no fds in a byte stream), releases, revokes
    shm = hello(version=0xC0000023) + create_playback(2)
    seeds['shm-ref-unknown-pool'] = shm + frame(struct.pack('>IIII', 1, 7, 0, 4096), channel=0,
                                                flags=0xA0000000)
    seeds['shm-ref-posix'] = shm + frame(struct.pack('>IIII', 1, 7, 0, 4096), channel=0,
                                         flags=0x80000000)
    seeds['shm-release-revoke'] = (shm + frame(b'', offset=5 << 32, flags=0x40000000, length=0) +
                                   frame(b'', offset=6 << 32, flags=0xC0000000, length=0) +
                                   packet(GET_SERVER_INFO, 3))
    seeds['shm-register-without-fd'] = shm + packet(REGISTER_MEMFD_SHMID, 0xFFFFFFFF, u32(9))
    seeds['shm-srbchannel-ack-unoffered'] = shm + packet(ENABLE_SRBCHANNEL, 1234)
    seeds['frame-truncated'] = hello() + packet(GET_SERVER_INFO, 2)[:-3]
    seeds['frame-descriptor-only'] = hello() + packet(GET_SERVER_INFO, 2)[:20]
    seeds['memblock-before-auth'] = memblock(0, bytes(64)) + hello()

    # malformed packets
    seeds['packet-too-short'] = hello() + frame(u32(GET_SERVER_INFO))
    seeds['packet-wrong-tag-type'] = hello() + frame(u8(20) + u32(2))
    seeds['packet-trailing'] = hello() + packet(GET_SERVER_INFO, 2, u32(0))
    seeds['packet-command-105'] = hello() + packet(105, 2)
    seeds['packet-command-huge'] = hello() + packet(0xFFFFFFFF, 2)
    seeds['packet-server-only'] = hello() + packet(REQUEST, NONE, u32(0), u32(100))
    seeds['packet-obsolete-autoload'] = hello() + packet(ADD_AUTOLOAD, 2)
    seeds['packet-srbchannel'] = hello() + packet(ENABLE_SRBCHANNEL, 2)
    seeds['packet-memfd'] = hello() + packet(REGISTER_MEMFD_SHMID, 2, u32(1))
    seeds['packet-reply-and-error'] = hello() + packet(REPLY, 7) + packet(ERROR, 8, u32(3))
    seeds['packet-bad-proplist'] = (packet(AUTH, 0, u32(35), arb(COOKIE)) +
                                    packet(SET_CLIENT_NAME, 1, b'P' + string('') + u32(1) + arb(b'\0') + b'N'))
    seeds['packet-proplist-lengths'] = (packet(AUTH, 0, u32(35), arb(COOKIE)) +
                                        packet(SET_CLIENT_NAME, 1, b'P' + string('a') + u32(2) + arb(b'\0') + b'N'))
    seeds['packet-string-no-nul'] = hello() + frame(u32(LOOKUP_SINK) + u32(2) + b'tnull1')
    seeds['packet-cvolume-33'] = hello() + packet(SET_SINK_VOLUME, 2, u32(0), string(None),
                                                  cvol(*([NORM] * 33)))
    seeds['packet-bad-args'] = hello() + b''.join([
        packet(SET_SINK_VOLUME, 2, u32(0), string('null1'), cvol(NORM, NORM)),   # both idx and name
        packet(SET_SINK_VOLUME, 3, u32(NONE), string(None), cvol(NORM)),          # neither
        packet(SET_SINK_VOLUME, 4, u32(0), string(None), cvol(NORM)),             # channel mismatch
        packet(SET_SINK_VOLUME, 5, u32(0), string(None), cvol(0x80000000, 1)),    # invalid volume
        packet(GET_SINK_INFO, 6, u32(99), string(None)),
        packet(LOOKUP_SINK, 7, string('no such sink')),
        packet(SUBSCRIBE, 8, u32(0x1000)),
        packet(UPDATE_CLIENT_PROPLIST, 9, u32(3), proplist([])),
        packet(SET_DEFAULT_SINK, 10, string('bad name!')),
        packet(CREATE_PLAYBACK, 11, ss(S16LE, 2, 0), cmap(FL, FR), u32(NONE), string(None)),
        packet(DELETE_PLAYBACK, 12, u32(5)),
        packet(SET_PLAYBACK_NAME, 13, u32(0), string('x')),
        packet(SEND_OBJECT_MESSAGE, 14, string('/nowhere'), string('x'), string(None)),
        packet(GET_CARD_INFO, 15, u32(NONE), string('card')),
        packet(SET_CARD_PROFILE, 16, u32(0), string(None), string('off')),
        packet(EXIT, 17),
    ])
    seeds['kill-self'] = hello() + packet(KILL_CLIENT, 2, u32(0)) + packet(GET_SERVER_INFO, 3)
    return seeds


def tagstruct_seeds():
    every = (u32(3) + u32(7) + u8(3) + u64(1 << 40) + s64(-1) + usec(20000) + boolean(True) +
             boolean(False) + tv(1700000000, 123456) + string('name') + string(None) + string('') +
             ss(FLOAT32LE, 6, 48000) + cmap(1, 2, 3, 7, 5, 6) + cvol(*[NORM] * 6) + vol(NORM) +
             arb(b'abcd') + proplist([('media.name', 'test'), ('x.bin', b'\x01\x02')]) +
             fmt(1, [('format.rate', '48000')]))
    seeds = {
        # read by tag (selector count 0)
        'by-tag-every': b'\0' + every,
        'by-tag-auth': b'\0' + u32(AUTH) + u32(0) + u32(0x40000023) + arb(COOKIE),
        'by-tag-client-name': b'\0' + u32(SET_CLIENT_NAME) + u32(1) + proplist(CLIENT_PROPS),
        'by-tag-channel-map-32': b'\0' + cmap(*range(12, 44)),
        'by-tag-cvolume-32': b'\0' + cvol(*[NORM] * 32),
        'by-tag-duplicate-keys': b'\0' + proplist([('k', 'a'), ('k', 'bb')]),
        'by-tag-format-list': b'\0' + u8(3) + fmt(1) + fmt(2) + fmt(0xFF),
        'by-tag-bad-cvolume-33': b'\0' + cvol(*[NORM] * 33),
        'by-tag-string-no-nul': b'\0' + b'tabc',
        # explicit getter sequences: selectors 1 (u32) x2, then mismatched getters
        'ops-u32-string': bytes([3, 1, 1, 7]) + u32(1) + u32(2) + string('abc') + u32(3) + u32(4),
        'ops-proplist': bytes([1, 14]) + proplist(CLIENT_PROPS[:3]),
        'ops-format': bytes([1, 15]) + fmt(1, [('format.sample_format', '"s16le"')]),
        'ops-arbitrary': bytes([1, 13 | 0x80]) + arb(bytes(300)),
        'ops-type-mismatch': bytes([2, 0, 11]) + u32(1) + cvol(NORM),
    }
    return seeds


def write(dirname, seeds):
    path = os.path.join(HERE, 'corpus', dirname)
    os.makedirs(path, exist_ok=True)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(path, name), 'wb') as f:
            f.write(data)
    print(f'{path}: {len(seeds)} files')


if __name__ == '__main__':
    write('fuzz-packet', packet_seeds())
    write('fuzz-tagstruct', tagstruct_seeds())
