#!/usr/bin/python3
"""PulseAudio native protocol wire decoder (clean-room, written from the
protocol's observable behaviour and public enum/value lists).

Library part:
    split_frames(buf)            -> iterate over complete pstream frames
    decode_frame(frame, state)   -> JSON-able dict describing one frame
    SessionDecoder               -> keeps per-connection state (tag->command map,
                                    stream channels) so replies can be named

CLI part:
    pa_wire.py decode SESSION.jsonl [-o OUT.txt]   readable companion text
    pa_wire.py redecode SESSION.jsonl [-o OUT.jsonl]  recompute 'decoded'

Everything here is standard-library Python 3 (3.8+).
"""
import base64
import json
import struct
import sys

DESCRIPTOR_SIZE = 20          # five big-endian uint32
CONTROL_CHANNEL = 0xFFFFFFFF  # channel value of a control (tagstruct) packet

# descriptor flag bits
FLAG_SHMDATA = 0x80000000
FLAG_SHMRELEASE = 0x40000000
FLAG_SHMREVOKE = 0xC0000000
FLAG_SHMDATA_MEMFD_BLOCK = 0x20000000
FLAG_SHMWRITABLE = 0x00800000
FLAG_SHMMASK = 0xFF000000
FLAG_SEEKMASK = 0x000000FF

SEEK_MODES = ["relative", "absolute", "relative_on_read", "relative_end"]

# Command numbers: the position in this list is the number on the wire.
COMMANDS = [
    "ERROR", "TIMEOUT", "REPLY",
    "CREATE_PLAYBACK_STREAM", "DELETE_PLAYBACK_STREAM",
    "CREATE_RECORD_STREAM", "DELETE_RECORD_STREAM",
    "EXIT", "AUTH", "SET_CLIENT_NAME", "LOOKUP_SINK", "LOOKUP_SOURCE",
    "DRAIN_PLAYBACK_STREAM", "STAT", "GET_PLAYBACK_LATENCY",
    "CREATE_UPLOAD_STREAM", "DELETE_UPLOAD_STREAM", "FINISH_UPLOAD_STREAM",
    "PLAY_SAMPLE", "REMOVE_SAMPLE",
    "GET_SERVER_INFO", "GET_SINK_INFO", "GET_SINK_INFO_LIST",
    "GET_SOURCE_INFO", "GET_SOURCE_INFO_LIST",
    "GET_MODULE_INFO", "GET_MODULE_INFO_LIST",
    "GET_CLIENT_INFO", "GET_CLIENT_INFO_LIST",
    "GET_SINK_INPUT_INFO", "GET_SINK_INPUT_INFO_LIST",
    "GET_SOURCE_OUTPUT_INFO", "GET_SOURCE_OUTPUT_INFO_LIST",
    "GET_SAMPLE_INFO", "GET_SAMPLE_INFO_LIST",
    "SUBSCRIBE",
    "SET_SINK_VOLUME", "SET_SINK_INPUT_VOLUME", "SET_SOURCE_VOLUME",
    "SET_SINK_MUTE", "SET_SOURCE_MUTE",
    "CORK_PLAYBACK_STREAM", "FLUSH_PLAYBACK_STREAM", "TRIGGER_PLAYBACK_STREAM",
    "SET_DEFAULT_SINK", "SET_DEFAULT_SOURCE",
    "SET_PLAYBACK_STREAM_NAME", "SET_RECORD_STREAM_NAME",
    "KILL_CLIENT", "KILL_SINK_INPUT", "KILL_SOURCE_OUTPUT",
    "LOAD_MODULE", "UNLOAD_MODULE",
    "ADD_AUTOLOAD_OBSOLETE", "REMOVE_AUTOLOAD_OBSOLETE",
    "GET_AUTOLOAD_INFO_OBSOLETE", "GET_AUTOLOAD_INFO_LIST_OBSOLETE",
    "GET_RECORD_LATENCY", "CORK_RECORD_STREAM", "FLUSH_RECORD_STREAM",
    "PREBUF_PLAYBACK_STREAM",
    "REQUEST", "OVERFLOW", "UNDERFLOW",
    "PLAYBACK_STREAM_KILLED", "RECORD_STREAM_KILLED", "SUBSCRIBE_EVENT",
    "MOVE_SINK_INPUT", "MOVE_SOURCE_OUTPUT",
    "SET_SINK_INPUT_MUTE", "SUSPEND_SINK", "SUSPEND_SOURCE",
    "SET_PLAYBACK_STREAM_BUFFER_ATTR", "SET_RECORD_STREAM_BUFFER_ATTR",
    "UPDATE_PLAYBACK_STREAM_SAMPLE_RATE", "UPDATE_RECORD_STREAM_SAMPLE_RATE",
    "PLAYBACK_STREAM_SUSPENDED", "RECORD_STREAM_SUSPENDED",
    "PLAYBACK_STREAM_MOVED", "RECORD_STREAM_MOVED",
    "UPDATE_RECORD_STREAM_PROPLIST", "UPDATE_PLAYBACK_STREAM_PROPLIST",
    "UPDATE_CLIENT_PROPLIST", "REMOVE_RECORD_STREAM_PROPLIST",
    "REMOVE_PLAYBACK_STREAM_PROPLIST", "REMOVE_CLIENT_PROPLIST",
    "STARTED", "EXTENSION",
    "GET_CARD_INFO", "GET_CARD_INFO_LIST", "SET_CARD_PROFILE",
    "CLIENT_EVENT", "PLAYBACK_STREAM_EVENT", "RECORD_STREAM_EVENT",
    "PLAYBACK_BUFFER_ATTR_CHANGED", "RECORD_BUFFER_ATTR_CHANGED",
    "SET_SINK_PORT", "SET_SOURCE_PORT",
    "SET_SOURCE_OUTPUT_VOLUME", "SET_SOURCE_OUTPUT_MUTE",
    "SET_PORT_LATENCY_OFFSET",
    "ENABLE_SRBCHANNEL", "DISABLE_SRBCHANNEL",
    "REGISTER_MEMFD_SHMID",
    "SEND_OBJECT_MESSAGE",
]
COMMAND_IDS = {n: i for i, n in enumerate(COMMANDS)}

ERRORS = [
    "OK", "ACCESS", "COMMAND", "INVALID", "EXIST", "NOENTITY",
    "CONNECTIONREFUSED", "PROTOCOL", "TIMEOUT", "AUTHKEY", "INTERNAL",
    "CONNECTIONTERMINATED", "KILLED", "INVALIDSERVER", "MODINITFAILED",
    "BADSTATE", "NODATA", "VERSION", "TOOLARGE", "NOTSUPPORTED", "UNKNOWN",
    "NOEXTENSION", "OBSOLETE", "NOTIMPLEMENTED", "FORKED", "IO", "BUSY",
]

SAMPLE_FORMATS = [
    "u8", "alaw", "ulaw", "s16le", "s16be", "float32le", "float32be",
    "s32le", "s32be", "s24le", "s24be", "s24-32le", "s24-32be",
]

CHANNEL_POSITIONS = (
    ["mono", "front-left", "front-right", "front-center", "rear-center",
     "rear-left", "rear-right", "lfe", "front-left-of-center",
     "front-right-of-center", "side-left", "side-right"]
    + ["aux%d" % i for i in range(32)]
    + ["top-center", "top-front-left", "top-front-right", "top-front-center",
       "top-rear-left", "top-rear-right", "top-rear-center"])

ENCODINGS = ["any", "pcm", "ac3-iec61937", "eac3-iec61937", "mpeg-iec61937",
             "dts-iec61937", "mpeg2-aac-iec61937", "truehd-iec61937",
             "dtshd-iec61937"]

SUB_FACILITIES = ["sink", "source", "sink-input", "source-output", "module",
                  "client", "sample-cache", "server", "autoload", "card"]
SUB_TYPES = {0x00: "new", 0x10: "change", 0x20: "remove"}

# Tag bytes of the tagstruct serialisation
TAG_NAMES = {
    ord('t'): "string", ord('N'): "null_string", ord('L'): "u32",
    ord('B'): "u8", ord('R'): "u64", ord('r'): "s64",
    ord('a'): "sample_spec", ord('x'): "arbitrary", ord('1'): "bool",
    ord('0'): "bool", ord('T'): "timeval", ord('U'): "usec",
    ord('m'): "channel_map", ord('v'): "cvolume", ord('P'): "proplist",
    ord('V'): "volume", ord('f'): "format_info",
}


class TagstructError(Exception):
    pass


class _Reader:
    def __init__(self, data):
        self.d = data
        self.i = 0

    def need(self, n):
        if self.i + n > len(self.d):
            raise TagstructError("truncated at offset %d (need %d bytes)" % (self.i, n))

    def u8(self):
        self.need(1)
        v = self.d[self.i]
        self.i += 1
        return v

    def u32(self):
        self.need(4)
        v = struct.unpack_from(">I", self.d, self.i)[0]
        self.i += 4
        return v

    def u64(self):
        self.need(8)
        v = struct.unpack_from(">Q", self.d, self.i)[0]
        self.i += 8
        return v

    def s64(self):
        self.need(8)
        v = struct.unpack_from(">q", self.d, self.i)[0]
        self.i += 8
        return v

    def raw(self, n):
        self.need(n)
        v = bytes(self.d[self.i:self.i + n])
        self.i += n
        return v

    def cstring(self):
        end = self.d.find(b"\0", self.i)
        if end < 0:
            raise TagstructError("unterminated string at offset %d" % self.i)
        v = bytes(self.d[self.i:end])
        self.i = end + 1
        return v.decode("utf-8", "surrogateescape")

    def eof(self):
        return self.i >= len(self.d)


def _blob(b):
    """Proplist / arbitrary value: text if it is a NUL-terminated UTF-8 string."""
    if len(b) >= 1 and b[-1] == 0 and b"\0" not in b[:-1]:
        try:
            return b[:-1].decode("utf-8")
        except UnicodeDecodeError:
            pass
    return {"hex": b.hex()}


def _sample_format_name(f):
    return SAMPLE_FORMATS[f] if f < len(SAMPLE_FORMATS) else "invalid(%d)" % f


def _channel_name(p):
    return CHANNEL_POSITIONS[p] if p < len(CHANNEL_POSITIONS) else "invalid(%d)" % p


def _read_proplist(r):
    props = {}
    while True:
        tag = r.u8()
        if tag == ord('N'):
            return props
        if tag != ord('t'):
            raise TagstructError("proplist: expected key string, got tag %r" % chr(tag))
        key = r.cstring()
        if r.u8() != ord('L'):
            raise TagstructError("proplist: expected length u32")
        n = r.u32()
        if r.u8() != ord('x'):
            raise TagstructError("proplist: expected arbitrary")
        n2 = r.u32()
        if n2 != n:
            raise TagstructError("proplist: length mismatch %d/%d" % (n, n2))
        props[key] = _blob(r.raw(n))


def _read_value(r, tag):
    c = chr(tag)
    if c == 't':
        return r.cstring()
    if c == 'N':
        return None
    if c == 'L' or c == 'V':
        return r.u32()
    if c == 'B':
        return r.u8()
    if c in 'RU':
        return r.u64()
    if c == 'r':
        return r.s64()
    if c == 'a':
        fmt = r.u8()
        ch = r.u8()
        rate = r.u32()
        return {"format": _sample_format_name(fmt), "channels": ch, "rate": rate}
    if c == 'x':
        n = r.u32()
        b = r.raw(n)
        return {"len": n, "hex": b.hex()}
    if c == '1':
        return True
    if c == '0':
        return False
    if c == 'T':
        sec = r.u32()
        usec = r.u32()
        return [sec, usec]
    if c == 'm':
        n = r.u8()
        return [_channel_name(r.u8()) for _ in range(n)]
    if c == 'v':
        n = r.u8()
        return [r.u32() for _ in range(n)]
    if c == 'P':
        return _read_proplist(r)
    if c == 'f':
        if r.u8() != ord('B'):
            raise TagstructError("format_info: expected u8 encoding")
        enc = r.u8()
        if r.u8() != ord('P'):
            raise TagstructError("format_info: expected proplist")
        props = _read_proplist(r)
        return {"encoding": ENCODINGS[enc] if enc < len(ENCODINGS) else enc,
                "proplist": props}
    raise TagstructError("unknown tag byte 0x%02x" % tag)


def parse_tagstruct(data):
    """Return (fields, error). fields = list of [type, value]."""
    r = _Reader(data)
    fields = []
    try:
        while not r.eof():
            tag = r.u8()
            tname = TAG_NAMES.get(tag)
            if tname is None:
                raise TagstructError("unknown tag byte 0x%02x at offset %d" % (tag, r.i - 1))
            fields.append([tname, _read_value(r, tag)])
    except TagstructError as e:
        return fields, str(e)
    return fields, None


def parse_descriptor(frame):
    length, channel, off_hi, off_lo, flags = struct.unpack_from(">5I", frame, 0)
    return {"length": length, "channel": channel, "offset_hi": off_hi,
            "offset_lo": off_lo, "flags": flags}


def frame_total_length(buf, pos=0):
    """Length of the frame starting at pos, or None if descriptor incomplete."""
    if len(buf) - pos < DESCRIPTOR_SIZE:
        return None
    length = struct.unpack_from(">I", buf, pos)[0]
    flags = struct.unpack_from(">I", buf, pos + 16)[0]
    if flags in (FLAG_SHMRELEASE, FLAG_SHMREVOKE):
        # release/revoke frames carry no payload whatever 'length' says
        # (senders write 0 there)
        return DESCRIPTOR_SIZE
    return DESCRIPTOR_SIZE + length


def split_frames(buf):
    """Yield complete frames (bytes) from buf; returns leftover via StopIteration value."""
    pos = 0
    while True:
        n = frame_total_length(buf, pos)
        if n is None or len(buf) - pos < n:
            break
        yield bytes(buf[pos:pos + n])
        pos += n
    return pos


# ---------------------------------------------------------------------------
# Field names for common commands (documentation aid; positional, protocol
# version 35 as spoken by libpulse 16.1 / PulseAudio 16.1). Fields beyond the
# listed names stay unnamed. Names are only attached, never required.

_BUFATTR = ["maxlength", "tlength", "prebuf", "minreq"]

REQUEST_FIELDS = {
    "AUTH": ["version", "cookie"],
    "SET_CLIENT_NAME": ["proplist"],
    "CREATE_PLAYBACK_STREAM": [
        "sample_spec", "channel_map", "sink_index", "sink_name", "maxlength",
        "corked", "tlength", "prebuf", "minreq", "sync_id", "volume",
        "no_remap", "no_remix", "fix_format", "fix_rate", "fix_channels",
        "no_move", "variable_rate", "muted", "adjust_latency", "proplist",
        "volume_set", "early_requests", "muted_set",
        "dont_inhibit_auto_suspend", "fail_on_suspend", "relative_volume",
        "passthrough", "n_formats", "*formats"],
    "CREATE_RECORD_STREAM": [
        "sample_spec", "channel_map", "source_index", "source_name",
        "maxlength", "corked", "fragsize", "no_remap", "no_remix",
        "fix_format", "fix_rate", "fix_channels", "no_move", "variable_rate",
        "peak_detect", "adjust_latency", "proplist", "direct_on_input_index",
        "early_requests", "dont_inhibit_auto_suspend", "fail_on_suspend",
        "n_formats", "*formats", "volume", "muted", "volume_set", "muted_set",
        "relative_volume", "passthrough"],
    "CREATE_UPLOAD_STREAM": ["name", "sample_spec", "channel_map", "length", "proplist"],
    "DELETE_PLAYBACK_STREAM": ["channel"],
    "DELETE_RECORD_STREAM": ["channel"],
    "DELETE_UPLOAD_STREAM": ["channel"],
    "FINISH_UPLOAD_STREAM": ["channel"],
    "DRAIN_PLAYBACK_STREAM": ["channel"],
    "FLUSH_PLAYBACK_STREAM": ["channel"],
    "TRIGGER_PLAYBACK_STREAM": ["channel"],
    "PREBUF_PLAYBACK_STREAM": ["channel"],
    "FLUSH_RECORD_STREAM": ["channel"],
    "CORK_PLAYBACK_STREAM": ["channel", "corked"],
    "CORK_RECORD_STREAM": ["channel", "corked"],
    "GET_PLAYBACK_LATENCY": ["channel", "client_time"],
    "GET_RECORD_LATENCY": ["channel", "client_time"],
    "PLAY_SAMPLE": ["sink_index", "sink_name", "volume", "sample_name", "proplist"],
    "REMOVE_SAMPLE": ["sample_name"],
    "LOOKUP_SINK": ["name"],
    "LOOKUP_SOURCE": ["name"],
    "GET_SINK_INFO": ["index", "name"],
    "GET_SOURCE_INFO": ["index", "name"],
    "GET_MODULE_INFO": ["index"],
    "GET_CLIENT_INFO": ["index"],
    "GET_SINK_INPUT_INFO": ["index"],
    "GET_SOURCE_OUTPUT_INFO": ["index"],
    "GET_SAMPLE_INFO": ["index", "name"],
    "GET_CARD_INFO": ["index", "name"],
    "SUBSCRIBE": ["mask"],
    "SET_SINK_VOLUME": ["index", "name", "volume"],
    "SET_SOURCE_VOLUME": ["index", "name", "volume"],
    "SET_SINK_INPUT_VOLUME": ["index", "volume"],
    "SET_SOURCE_OUTPUT_VOLUME": ["index", "volume"],
    "SET_SINK_MUTE": ["index", "name", "mute"],
    "SET_SOURCE_MUTE": ["index", "name", "mute"],
    "SET_SINK_INPUT_MUTE": ["index", "mute"],
    "SET_SOURCE_OUTPUT_MUTE": ["index", "mute"],
    "SET_DEFAULT_SINK": ["name"],
    "SET_DEFAULT_SOURCE": ["name"],
    "SET_PLAYBACK_STREAM_NAME": ["channel", "name"],
    "SET_RECORD_STREAM_NAME": ["channel", "name"],
    "KILL_CLIENT": ["index"],
    "KILL_SINK_INPUT": ["index"],
    "KILL_SOURCE_OUTPUT": ["index"],
    "LOAD_MODULE": ["name", "argument"],
    "UNLOAD_MODULE": ["index"],
    "MOVE_SINK_INPUT": ["index", "sink_index", "sink_name"],
    "MOVE_SOURCE_OUTPUT": ["index", "source_index", "source_name"],
    "SUSPEND_SINK": ["index", "name", "suspend"],
    "SUSPEND_SOURCE": ["index", "name", "suspend"],
    "SET_PLAYBACK_STREAM_BUFFER_ATTR": ["channel"] + _BUFATTR + ["adjust_latency", "early_requests"],
    "SET_RECORD_STREAM_BUFFER_ATTR": ["channel", "maxlength", "fragsize", "adjust_latency", "early_requests"],
    "UPDATE_PLAYBACK_STREAM_SAMPLE_RATE": ["channel", "rate"],
    "UPDATE_RECORD_STREAM_SAMPLE_RATE": ["channel", "rate"],
    "UPDATE_CLIENT_PROPLIST": ["mode", "proplist"],
    "UPDATE_PLAYBACK_STREAM_PROPLIST": ["channel", "mode", "proplist"],
    "UPDATE_RECORD_STREAM_PROPLIST": ["channel", "mode", "proplist"],
    "SET_CARD_PROFILE": ["index", "name", "profile"],
    "SET_SINK_PORT": ["index", "name", "port"],
    "SET_SOURCE_PORT": ["index", "name", "port"],
    "EXTENSION": ["module_index", "module_name"],
    "SEND_OBJECT_MESSAGE": ["object_path", "message", "parameters"],
    "REGISTER_MEMFD_SHMID": ["shm_id"],
    # server -> client
    "REQUEST": ["channel", "bytes"],
    "OVERFLOW": ["channel"],
    "UNDERFLOW": ["channel", "offset"],
    "STARTED": ["channel"],
    "PLAYBACK_STREAM_KILLED": ["channel"],
    "RECORD_STREAM_KILLED": ["channel"],
    "SUBSCRIBE_EVENT": ["event", "index"],
    "PLAYBACK_STREAM_SUSPENDED": ["channel", "suspended"],
    "RECORD_STREAM_SUSPENDED": ["channel", "suspended"],
    "PLAYBACK_STREAM_MOVED": ["channel", "sink_index", "sink_name", "sink_suspended"] + _BUFATTR + ["configured_sink_usec"],
    "RECORD_STREAM_MOVED": ["channel", "source_index", "source_name", "source_suspended", "maxlength", "fragsize", "configured_source_usec"],
    "PLAYBACK_BUFFER_ATTR_CHANGED": ["channel"] + _BUFATTR + ["configured_sink_usec"],
    "RECORD_BUFFER_ATTR_CHANGED": ["channel", "maxlength", "fragsize", "configured_source_usec"],
    "PLAYBACK_STREAM_EVENT": ["channel", "event", "proplist"],
    "RECORD_STREAM_EVENT": ["channel", "event", "proplist"],
    "CLIENT_EVENT": ["event", "proplist"],
}

_SINK_INFO = ["index", "name", "description", "sample_spec", "channel_map",
              "owner_module", "volume", "mute", "monitor_source",
              "monitor_source_name", "latency_usec", "driver", "flags",
              "proplist", "configured_latency_usec", "base_volume", "state",
              "n_volume_steps", "card", "n_ports"]
_SOURCE_INFO = ["index", "name", "description", "sample_spec", "channel_map",
                "owner_module", "volume", "mute", "monitor_of_sink",
                "monitor_of_sink_name", "latency_usec", "driver", "flags",
                "proplist", "configured_latency_usec", "base_volume", "state",
                "n_volume_steps", "card", "n_ports"]

_MODULE_INFO = ["index", "name", "argument", "n_used", "proplist"]
_CLIENT_INFO = ["index", "name", "owner_module", "driver", "proplist"]
_SINK_INPUT_INFO = ["index", "name", "owner_module", "client", "sink", "sample_spec",
                    "channel_map", "volume", "buffer_usec", "sink_usec", "resample_method",
                    "driver", "muted", "proplist", "corked", "has_volume",
                    "volume_writable", "format"]
_SOURCE_OUTPUT_INFO = ["index", "name", "owner_module", "client", "source", "sample_spec",
                       "channel_map", "buffer_usec", "source_usec", "resample_method",
                       "driver", "proplist", "corked", "volume", "muted", "has_volume",
                       "volume_writable", "format"]
_SAMPLE_INFO = ["index", "name", "volume", "duration_usec", "sample_spec", "channel_map",
                "length", "lazy", "filename", "proplist"]

# Replies made of repeated fixed-length records (protocol 35): fields are
# named "[record].name" when the field count is a multiple of the record size.
LIST_RECORDS = {
    "GET_MODULE_INFO_LIST": _MODULE_INFO,
    "GET_CLIENT_INFO_LIST": _CLIENT_INFO,
    "GET_SINK_INPUT_INFO_LIST": _SINK_INPUT_INFO,
    "GET_SOURCE_OUTPUT_INFO_LIST": _SOURCE_OUTPUT_INFO,
    "GET_SAMPLE_INFO_LIST": _SAMPLE_INFO,
}

REPLY_FIELDS = {
    "GET_MODULE_INFO": _MODULE_INFO,
    "GET_CLIENT_INFO": _CLIENT_INFO,
    "GET_SINK_INPUT_INFO": _SINK_INPUT_INFO,
    "GET_SOURCE_OUTPUT_INFO": _SOURCE_OUTPUT_INFO,
    "GET_SAMPLE_INFO": _SAMPLE_INFO,
    "SEND_OBJECT_MESSAGE": ["response"],
    "AUTH": ["version"],
    "SET_CLIENT_NAME": ["client_index"],
    "CREATE_PLAYBACK_STREAM": ["channel", "sink_input_index", "missing"] + _BUFATTR + [
        "sample_spec", "channel_map", "sink_index", "sink_name",
        "sink_suspended", "configured_sink_usec", "format"],
    "CREATE_RECORD_STREAM": ["channel", "source_output_index", "maxlength",
                             "fragsize", "sample_spec", "channel_map",
                             "source_index", "source_name", "source_suspended",
                             "configured_source_usec", "format"],
    "CREATE_UPLOAD_STREAM": ["channel", "length"],
    "GET_PLAYBACK_LATENCY": ["sink_usec", "source_usec", "playing",
                             "client_time", "server_time", "write_index",
                             "read_index", "underrun_for", "playing_for"],
    "GET_RECORD_LATENCY": ["monitor_usec", "source_usec", "playing",
                           "client_time", "server_time", "write_index",
                           "read_index"],
    "STAT": ["memblock_total", "memblock_total_size", "memblock_allocated",
             "memblock_allocated_size", "scache_size"],
    "GET_SERVER_INFO": ["server_name", "server_version", "user_name",
                        "host_name", "sample_spec", "default_sink_name",
                        "default_source_name", "cookie", "channel_map"],
    "LOOKUP_SINK": ["index"],
    "LOOKUP_SOURCE": ["index"],
    "LOAD_MODULE": ["module_index"],
    "PLAY_SAMPLE": ["sink_input_index"],
}


_PORT = ["name", "description", "priority", "available", "availability_group", "type"]


def name_device_records(fields, head, prefix_records):
    """Name sink/source info records (variable length: ports and formats)."""
    out = []
    i = 0
    r = 0
    try:
        while i < len(fields):
            pre = "[%d]." % r if prefix_records else ""
            for nm in head:
                out.append(fields[i][:2] + [pre + nm])
                i += 1
            n_ports = out[-1][1]
            for p in range(n_ports):
                for nm in _PORT:
                    out.append(fields[i][:2] + ["%sport[%d].%s" % (pre, p, nm)])
                    i += 1
            out.append(fields[i][:2] + [pre + "active_port"])
            i += 1
            out.append(fields[i][:2] + [pre + "n_formats"])
            n_formats = fields[i][1]
            i += 1
            for k in range(n_formats):
                out.append(fields[i][:2] + ["%sformat[%d]" % (pre, k)])
                i += 1
            r += 1
    except (IndexError, TypeError):
        return out + [f[:2] for f in fields[len(out):]]
    return out


def name_fields(names, fields):
    """Attach positional names: returns list of [type, value] or [type, value, name].

    The pseudo-name "*formats" stands for as many format_info fields as the
    preceding field (n_formats) says, named format[0], format[1], ...
    """
    if not names:
        return fields
    out = []
    ni = 0
    i = 0
    while i < len(fields):
        f = fields[i]
        if ni >= len(names):
            out.append(f)
            i += 1
            continue
        nm = names[ni]
        if nm == "*formats":
            count = out[-1][1] if out and isinstance(out[-1][1], int) else 0
            for k in range(count):
                if i < len(fields):
                    out.append([fields[i][0], fields[i][1], "format[%d]" % k])
                    i += 1
            ni += 1
            continue
        out.append([f[0], f[1], nm])
        ni += 1
        i += 1
    return out


def _annotate(decoded):
    """Add human-oriented notes for a few special values."""
    cmd = decoded.get("command")
    f = decoded.get("fields") or []
    notes = {}
    if cmd == "AUTH" and f and f[0][0] == "u32":
        v = f[0][1]
        notes["version"] = v & 0xFFFF
        notes["shm"] = bool(v & 0x80000000)
        notes["memfd"] = bool(v & 0x40000000)
    if cmd == "REPLY" and decoded.get("reply_to") == "AUTH" and f and f[0][0] == "u32":
        v = f[0][1]
        notes["version"] = v & 0xFFFF
        notes["shm"] = bool(v & 0x80000000)
        notes["memfd"] = bool(v & 0x40000000)
    if cmd == "ERROR" and f and f[0][0] == "u32":
        e = f[0][1]
        notes["error"] = ERRORS[e] if e < len(ERRORS) else e
    if cmd == "SUBSCRIBE_EVENT" and f and f[0][0] == "u32":
        e = f[0][1]
        fac = e & 0x0F
        notes["facility"] = SUB_FACILITIES[fac] if fac < len(SUB_FACILITIES) else fac
        notes["type"] = SUB_TYPES.get(e & 0x30, e & 0x30)
    if notes:
        decoded["notes"] = notes


class ConnDecoder:
    """Decoding state for one connection (both directions)."""

    def __init__(self):
        self.pending = {"c2s": {}, "s2c": {}}   # tag -> command, keyed by requester dir
        self.srb_active = False

    def decode(self, frame, direction):
        if len(frame) < DESCRIPTOR_SIZE:
            return {"kind": "truncated", "length": len(frame)}
        desc = parse_descriptor(frame)
        payload = frame[DESCRIPTOR_SIZE:]
        flags = desc["flags"]
        out = {"desc": desc}
        if flags == FLAG_SHMRELEASE or flags == FLAG_SHMREVOKE:
            out["kind"] = "shm_release" if flags == FLAG_SHMRELEASE else "shm_revoke"
            out["block_id"] = desc["offset_hi"]
            return out
        if desc["channel"] == CONTROL_CHANNEL:
            out["kind"] = "packet"
            fields, err = parse_tagstruct(payload)
            if err:
                out["parse_error"] = err
            cmd_id = None
            tag = None
            if len(fields) >= 2 and fields[0][0] == "u32" and fields[1][0] == "u32":
                cmd_id = fields[0][1]
                tag = fields[1][1]
                fields = fields[2:]
            out["command_id"] = cmd_id
            out["command"] = COMMANDS[cmd_id] if cmd_id is not None and cmd_id < len(COMMANDS) else ("UNKNOWN_%s" % cmd_id)
            out["tag"] = tag
            other = "s2c" if direction == "c2s" else "c2s"
            cmd = out["command"]
            if cmd in ("REPLY", "ERROR"):
                req = self.pending[other].pop(tag, None)
                if req:
                    out["reply_to"] = req
                if cmd == "REPLY":
                    rec = LIST_RECORDS.get(req)
                    if req in ("GET_SINK_INFO", "GET_SINK_INFO_LIST", "GET_SOURCE_INFO", "GET_SOURCE_INFO_LIST"):
                        head = _SINK_INFO if req.startswith("GET_SINK") else _SOURCE_INFO
                        fields = name_device_records(fields, head, req.endswith("_LIST"))
                    elif rec and fields and len(fields) % len(rec) == 0:
                        fields = [[f[0], f[1], "[%d].%s" % (i // len(rec), rec[i % len(rec)])]
                                  for i, f in enumerate(fields)]
                    else:
                        fields = name_fields(REPLY_FIELDS.get(req), fields)
            else:
                if tag is not None and tag != 0xFFFFFFFF:
                    self.pending[direction][tag] = cmd
                fields = name_fields(REQUEST_FIELDS.get(cmd), fields)
            out["fields"] = fields
            _annotate(out)
            return out
        out["kind"] = "memblock"
        out["channel"] = desc["channel"]
        out["offset"] = (desc["offset_hi"] << 32) | desc["offset_lo"]
        if out["offset"] & (1 << 63):
            out["offset"] -= 1 << 64
        seek = flags & FLAG_SEEKMASK
        out["seek"] = SEEK_MODES[seek] if seek < len(SEEK_MODES) else seek
        if flags & FLAG_SHMDATA:
            out["kind"] = "memblock_shm_ref"
            if len(payload) >= 16:
                bid, shmid, idx, ln = struct.unpack_from(">4I", payload, 0)
                out["shm"] = {"block_id": bid, "shm_id": shmid, "index": idx, "length": ln,
                              "memfd_block": bool(flags & FLAG_SHMDATA_MEMFD_BLOCK),
                              "writable": bool(flags & FLAG_SHMWRITABLE)}
        else:
            out["length"] = len(payload)
        return out


# ---------------------------------------------------------------------------
# Human readable rendering

def _fmt_value(t, v):
    if t == "string":
        return json.dumps(v, ensure_ascii=False)
    if t == "null_string":
        return "NULL"
    if t == "arbitrary":
        h = v["hex"]
        return "<%d bytes %s%s>" % (v["len"], h[:32], "..." if len(h) > 32 else "")
    if t == "proplist":
        return "{" + ", ".join("%s=%s" % (k, json.dumps(x, ensure_ascii=False) if isinstance(x, str) else "<hex %s>" % x["hex"]) for k, x in v.items()) + "}"
    if t == "sample_spec":
        return "%s %dch %dHz" % (v["format"], v["channels"], v["rate"])
    if t == "channel_map":
        return "[" + ",".join(v) + "]"
    if t == "cvolume":
        return "cvolume[" + ",".join("%d(%.0f%%)" % (x, x * 100.0 / 65536) for x in v) + "]"
    if t == "volume":
        return "%d(%.0f%%)" % (v, v * 100.0 / 65536)
    if t == "timeval":
        return "%d.%06d" % (v[0], v[1])
    if t == "format_info":
        return "format(%s %s)" % (v["encoding"], _fmt_value("proplist", v["proplist"]))
    if t == "u32" and v == 0xFFFFFFFF:
        return "INVALID(0xffffffff)"
    return json.dumps(v)


def render_record(rec):
    """One readable line (or a few) for a JSONL record."""
    t = rec.get("t", 0.0)
    typ = rec.get("type")
    conn = rec.get("conn")
    if typ == "header":
        lines = ["# session %s (format %s)" % (rec.get("scenario"), rec.get("format_version"))]
        for k in ("description", "commands", "daemon_script", "daemon_flags", "client_conf"):
            if k in rec:
                lines.append("# %s: %s" % (k, json.dumps(rec[k], ensure_ascii=False)))
        return "\n".join(lines)
    if typ in ("open", "close", "note", "end"):
        extra = {k: v for k, v in rec.items() if k not in ("type", "t", "conn")}
        return "%9.6f conn%s %-5s %s" % (t, conn if conn is not None else "-", typ.upper(), json.dumps(extra, ensure_ascii=False) if extra else "")
    if typ != "frame":
        return "%9.6f ? %s" % (t, json.dumps(rec))
    d = rec.get("decoded", {})
    arrow = "C->S" if rec["dir"] == "c2s" else "S->C"
    head = "%9.6f conn%s %s" % (t, conn, arrow)
    anc = []
    if rec.get("creds"):
        c = rec["creds"]
        anc.append("creds(pid=%s uid=%s gid=%s)" % (c.get("pid"), c.get("uid"), c.get("gid")))
    if rec.get("fds"):
        anc.append("fds=%d" % rec["fds"])
    ancs = (" [" + " ".join(anc) + "]") if anc else ""
    kind = d.get("kind")
    if kind == "packet":
        s = "%s %s tag=%s%s" % (head, d.get("command"), "-1" if d.get("tag") == 0xFFFFFFFF else d.get("tag"), ancs)
        if d.get("reply_to"):
            s += " (reply to %s)" % d["reply_to"]
        if d.get("notes"):
            s += " " + json.dumps(d["notes"])
        lines = [s]
        for f in d.get("fields", []):
            name = f[2] if len(f) > 2 else ""
            lines.append("        %-10s %-22s %s" % (f[0], name, _fmt_value(f[0], f[1])))
        if d.get("parse_error"):
            lines.append("        !! parse error: %s" % d["parse_error"])
        return "\n".join(lines)
    if kind == "memblock":
        return "%s MEMBLOCK channel=%d offset=%d seek=%s bytes=%d%s" % (head, d["channel"], d["offset"], d["seek"], d["length"], ancs)
    if kind == "memblock_shm_ref":
        return "%s MEMBLOCK(shm ref) channel=%d offset=%d seek=%s %s%s" % (head, d["channel"], d["offset"], d["seek"], json.dumps(d.get("shm")), ancs)
    if kind in ("shm_release", "shm_revoke"):
        return "%s %s block_id=%d%s" % (head, kind.upper(), d["block_id"], ancs)
    return "%s %s%s" % (head, json.dumps(d), ancs)


def redecode_records(records):
    convs = {}
    for rec in records:
        if rec.get("type") == "frame":
            cd = convs.setdefault(rec["conn"], ConnDecoder())
            rec["decoded"] = cd.decode(base64.b64decode(rec["raw"]), rec["dir"])
        yield rec


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                yield json.loads(line)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p1 = sub.add_parser("decode", help="write readable text for a session file")
    p1.add_argument("session")
    p1.add_argument("-o", "--output")
    p1.add_argument("--redecode", action="store_true", help="recompute 'decoded' from 'raw' first")
    p2 = sub.add_parser("redecode", help="rewrite a session with 'decoded' recomputed from 'raw'")
    p2.add_argument("session")
    p2.add_argument("-o", "--output")
    a = ap.parse_args(argv)
    recs = load_jsonl(a.session)
    if a.cmd == "decode":
        if a.redecode:
            recs = redecode_records(recs)
        out = open(a.output, "w", encoding="utf-8") if a.output else sys.stdout
        for rec in recs:
            out.write(render_record(rec) + "\n")
        if a.output:
            out.close()
    else:
        out = open(a.output, "w", encoding="utf-8") if a.output else sys.stdout
        for rec in redecode_records(recs):
            out.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
        if a.output:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
