"""Comparison of a replayed conversation with the recorded one.

The replayer (replay.py) sends the client side of a recorded session to the
server under test and collects what the server answers, as a list of records
in the session format (FORMAT.md in sessions/).  This module decides whether
those answers are the ones the recording shows, after ONE normalisation table
(NORMALISATION below, also printed by `replay.py --normalisation` and copied
into README.md).

Design
------
* Replies are compared **strictly, by tag**: the replayer sends exactly the
  recorded requests with the recorded tags, so the answer to tag T on
  connection C is compared with the recorded answer to tag T on C, field by
  field (REPLY vs ERROR, error code, every value), after normalisation.
* Asynchronous server packets depend on timing, so each kind has its own
  rule: flow control (REQUEST/STARTED/UNDERFLOW/OVERFLOW) is aggregated per
  stream; data frames are totalled per stream; SUBSCRIBE_EVENTs and the other
  unsolicited packets are compared as a sequence per connection, with the
  tolerances of the table (events racing the client's disconnect are
  optional; repeated "change" events of one object may be merged).
* Values the server chooses (stream channels, client / sink-input /
  source-output / module indices) go through a bijection per kind (the
  Mapper), set up at first appearance; the same Mapper is used by the
  replayer to rewrite later client requests (so `pactl unload-module $IDX`
  names the module the server under test created).
* Differences are collected with the line number of the recorded frame in
  the .jsonl file, sorted, and the first one is what a failing test prints.

Adapted from the shared diff_sessions.py (which compares two recordings);
the tolerances were calibrated there against repeated PulseAudio recordings
and confirmed here by replaying every session against PulseAudio itself many
times.
"""
import json

ASYNC_TAG = 0xFFFFFFFF
INVALID = 0xFFFFFFFF

# ---------------------------------------------------------------------------
# Tolerances
# current latency / buffer values (usec): the null sinks render 50 ms blocks,
# PulseAudio itself reports anything between ~0 and ~50 ms for one moment.
TOL_LATENCY_USEC = 100000
# sum of REQUEST byte counts per stream: |a-e| <= max(abs, rel * e)
TOL_REQUEST_ABS = 17640          # 100 ms of s16le 44.1 kHz stereo
TOL_REQUEST_REL = 0.25
# total payload of server->client data frames per stream
TOL_DATA_ABS = 17640
TOL_DATA_REL = 0.10
# pipe sink: non-silent 4 KiB blocks
TOL_PIPE_BLOCKS_ABS = 3
TOL_PIPE_BLOCKS_REL = 0.10
# latency reply server_time vs the request's client_time
TOL_SERVER_TIME_S = 5.0
# a request sent at most this long before the client closed, whose answer
# never reached the recorded client, was not waited for
CLOSE_WINDOW_S = 1.0
# SUBSCRIBE_EVENTs recorded after the client's last request and at most this
# long before it closed raced the disconnect
EVENT_CLOSE_WINDOW_S = 0.1

CREATE_STREAM = {"CREATE_PLAYBACK_STREAM", "CREATE_RECORD_STREAM", "CREATE_UPLOAD_STREAM"}
DELETE_STREAM = {"DELETE_PLAYBACK_STREAM", "DELETE_RECORD_STREAM", "DELETE_UPLOAD_STREAM"}
TEARDOWN = DELETE_STREAM
FLOW_EVENTS = {"REQUEST", "STARTED", "UNDERFLOW", "OVERFLOW"}
OPTIONAL_FLOW = {"UNDERFLOW", "OVERFLOW"}
TIMING_REQUESTS = {"GET_PLAYBACK_LATENCY", "GET_RECORD_LATENCY"}
DATA_KINDS = {"memblock", "memblock_shm_ref", "shm_release", "shm_revoke"}
NO_REPLY_C2S = {"ENABLE_SRBCHANNEL", "DISABLE_SRBCHANNEL", "REGISTER_MEMFD_SHMID", "REPLY", "ERROR"}
SHM_ONLY = {"REGISTER_MEMFD_SHMID", "ENABLE_SRBCHANNEL", "DISABLE_SRBCHANNEL"}

# values that legitimately differ: only the type is compared
VOLATILE = {
    ("REPLY(GET_SERVER_INFO)", "cookie"),
    ("GET_PLAYBACK_LATENCY", "client_time"),
    ("GET_RECORD_LATENCY", "client_time"),
    ("UNDERFLOW", "offset"),
}
# STAT's allocator statistics describe the server's memory pool, which another
# server organises differently (commands.md §5.11: "any plausible numbers");
# scache_size is the sample cache's size and stays exact.
for _f in ("memblock_total", "memblock_total_size", "memblock_allocated", "memblock_allocated_size"):
    VOLATILE.add(("REPLY(STAT)", _f))
for _f in ("playing", "client_time", "server_time", "write_index", "read_index", "underrun_for", "playing_for"):
    VOLATILE.add(("REPLY(GET_PLAYBACK_LATENCY)", _f))
    VOLATILE.add(("REPLY(GET_RECORD_LATENCY)", _f))
# server identity: another server (or another machine) reports its own
IDENTITY = {
    ("REPLY(GET_SERVER_INFO)", "server_name"),
    ("REPLY(GET_SERVER_INFO)", "server_version"),
    ("REPLY(GET_SERVER_INFO)", "host_name"),
}
IDENTITY_PROPS = {"module.version", "module.author"}
# the user the server runs as (the recording ran as root)
USER_FIELDS = {("REPLY(GET_SERVER_INFO)", "user_name")}
# latency-like values, compared within TOL_LATENCY_USEC
LATENCY = set()
for _c in ("GET_SINK_INFO", "GET_SINK_INFO_LIST", "GET_SOURCE_INFO", "GET_SOURCE_INFO_LIST"):
    LATENCY.add(("REPLY(%s)" % _c, "latency_usec"))
for _c in ("GET_SINK_INPUT_INFO", "GET_SINK_INPUT_INFO_LIST"):
    LATENCY.add(("REPLY(%s)" % _c, "buffer_usec"))
    LATENCY.add(("REPLY(%s)" % _c, "sink_usec"))
for _c in ("GET_SOURCE_OUTPUT_INFO", "GET_SOURCE_OUTPUT_INFO_LIST"):
    LATENCY.add(("REPLY(%s)" % _c, "buffer_usec"))
    LATENCY.add(("REPLY(%s)" % _c, "source_usec"))
LATENCY |= {("REPLY(GET_PLAYBACK_LATENCY)", "sink_usec"), ("REPLY(GET_PLAYBACK_LATENCY)", "source_usec"),
            ("REPLY(GET_RECORD_LATENCY)", "monitor_usec"), ("REPLY(GET_RECORD_LATENCY)", "source_usec")}

# ---------------------------------------------------------------------------
# Object indices and stream channels
#
# MAPPED kinds go through a bijection recorded value <-> actual value, set up
# at first appearance.  For the global kinds the bijection must in the end
# permute exactly the values PulseAudio used (Mapper.final): two clients
# started together may get their indices in either order, but a server that
# numbers differently still fails, with a clear message.  Stream channels
# are per connection and per direction family (playback/upload vs record,
# two separate number spaces) and may be any value.
MAPPED_KINDS = ("client", "sink_input", "source_output", "module")
EXACT_KINDS = ("sink", "source", "sample", "card")
FIELD_KIND = {
    "client_index": "client", "client": "client",
    "owner_module": "module", "module_index": "module",
    "sink_index": "sink", "sink": "sink", "monitor_of_sink": "sink",
    "source_index": "source", "source": "source", "monitor_source": "source",
    "sink_input_index": "sink_input", "source_output_index": "source_output",
    "direct_on_input_index": "sink_input",
    "card": "card",
}
REQUEST_INDEX_KIND = {}
for _c, _k in (("GET_SINK_INFO", "sink"), ("SET_SINK_VOLUME", "sink"), ("SET_SINK_MUTE", "sink"),
               ("SUSPEND_SINK", "sink"), ("SET_SINK_PORT", "sink"),
               ("GET_SOURCE_INFO", "source"), ("SET_SOURCE_VOLUME", "source"), ("SET_SOURCE_MUTE", "source"),
               ("SUSPEND_SOURCE", "source"), ("SET_SOURCE_PORT", "source"),
               ("GET_SINK_INPUT_INFO", "sink_input"), ("SET_SINK_INPUT_VOLUME", "sink_input"),
               ("SET_SINK_INPUT_MUTE", "sink_input"), ("KILL_SINK_INPUT", "sink_input"),
               ("MOVE_SINK_INPUT", "sink_input"),
               ("GET_SOURCE_OUTPUT_INFO", "source_output"), ("SET_SOURCE_OUTPUT_VOLUME", "source_output"),
               ("SET_SOURCE_OUTPUT_MUTE", "source_output"), ("KILL_SOURCE_OUTPUT", "source_output"),
               ("MOVE_SOURCE_OUTPUT", "source_output"),
               ("GET_MODULE_INFO", "module"), ("UNLOAD_MODULE", "module"),
               ("GET_CLIENT_INFO", "client"), ("KILL_CLIENT", "client"),
               ("GET_SAMPLE_INFO", "sample"), ("GET_CARD_INFO", "card"), ("SET_CARD_PROFILE", "card")):
    REQUEST_INDEX_KIND[_c] = _k
REPLY_INDEX_KIND = {}
for _c, _k in (("SINK", "sink"), ("SOURCE", "source"), ("MODULE", "module"), ("CLIENT", "client"),
               ("SINK_INPUT", "sink_input"), ("SOURCE_OUTPUT", "source_output"), ("SAMPLE", "sample"),
               ("CARD", "card")):
    REPLY_INDEX_KIND["REPLY(GET_%s_INFO)" % _c] = _k
    REPLY_INDEX_KIND["REPLY(GET_%s_INFO_LIST)" % _c] = _k
SUBSCRIBE_FACILITY_KIND = {"sink": "sink", "source": "source", "sink-input": "sink_input",
                           "source-output": "source_output", "module": "module", "client": "client",
                           "sample-cache": "sample", "card": "card"}

# ---------------------------------------------------------------------------
# The normalisation table (single source: printed by replay.py
# --normalisation, copied into README.md).  Each row: what, rule, why.
NORMALISATION = [
    ("Reply pairing", "answers are paired with requests by tag (the replayer sends the recorded tags); "
     "REPLY vs ERROR, the error code and every field compared",
     "replies are deterministic; only their timing varies"),
    ("GET_SERVER_INFO cookie", "type only", "random per daemon start"),
    ("STAT memblock_total, memblock_total_size, memblock_allocated, memblock_allocated_size",
     "type only (scache_size exact)", "allocator statistics of the server's own memory pool "
     "(commands.md 5.11: any plausible numbers)"),
    ("GET_SERVER_INFO server_name, server_version, host_name; module.version / module.author "
     "in module proplists", "type / presence only", "another server (or machine) reports its own identity"),
    ("GET_SERVER_INFO user_name", "must be the replaying user's name (the recording ran as root)",
     "the server runs as the user who replays"),
    ("SCM_CREDENTIALS on server frames", "uid and gid must be the replaying user's; pid not compared",
     "the server process is ours, its pid is not the recorded namespace pid 6"),
    ("Paths under the recording root (environment.nsroot, /srv/pa-corpus)",
     "replaced by the replay's private temp dir before comparing (e.g. the pipe sink's device.string)",
     "each replay runs the server in its own temp dir"),
    ("Recorded host name / machine id in server-made strings", "accepted as this machine's host name / machine id",
     "the recording ran in a namespace with host pa-corpus and a fixed machine id"),
    ("Client-sent values echoed back (proplists with application.process.id/.host/.machine_id/.binary, names)",
     "compared exactly", "the replayer sends the recorded bytes, so the echo must be identical"),
    ("Latency-query request client_time; reply playing, client_time, server_time, write_index, read_index, "
     "underrun_for, playing_for", "type only; client_time must echo the request, server_time within %ds of the "
     "wall clock at arrival" % TOL_SERVER_TIME_S, "wall clock and stream position at the moment of the query"),
    ("Current latencies: latency_usec (sink/source info), buffer_usec/sink_usec/source_usec (stream info), "
     "sink_usec/source_usec/monitor_usec (latency replies)", "within %d usec; a device whose configured "
     "latency exceeds that: latency_usec anywhere in 0..configured" % TOL_LATENCY_USEC,
     "the null sinks render 50 ms blocks (2 s without norewinds); PulseAudio reports where in that "
     "block the query landed"),
    ("Stream channels", "bijection per connection and family (playback+upload / record), any values",
     "channel numbers are the server's choice; the replayer rewrites later requests and data frames"),
    ("Client, sink-input, source-output and module indices",
     "bijection per kind set up at first appearance; must permute exactly the indices PulseAudio used",
     "concurrent clients may be numbered in either order; later requests are rewritten through it"),
    ("Sink, source, sample and card indices; 0xFFFFFFFF", "exact",
     "deterministic in a fresh daemon, and typed by users in the scenarios"),
    ("REQUEST / STARTED / UNDERFLOW / OVERFLOW", "per stream: REQUEST and STARTED present or not, the sum "
     "of REQUEST bytes within max(%d, %d%%); UNDERFLOW/OVERFLOW optional, their offsets ignored"
     % (TOL_REQUEST_ABS, TOL_REQUEST_REL * 100), "counts and sizes follow the scheduling of the sink thread"),
    ("Server->client data frames (record streams)", "per stream: present or not, seek modes, total bytes "
     "within max(%d, %d%%); never frame by frame" % (TOL_DATA_ABS, TOL_DATA_REL * 100),
     "chunking follows fragsize and timing"),
    ("SUBSCRIBE_EVENT and other unsolicited packets", "in order per connection; consecutive identical "
     "'change' events of one object count as one; events recorded after the client's last request and "
     "<= %d ms before its disconnect are optional" % (EVENT_CLOSE_WINDOW_S * 1000),
     "change notifications may be merged by the server; the last ones race the disconnect"),
    ("Answers the recorded client never received", "not compared, whatever the server under test answers "
     "(recorded after the client closed its end, or after the relay's 'forwarding failed' note); latency "
     "queries on a stream the client had already asked to delete are not compared; a request the recorded "
     "server left unanswered for > %.0f s must stay unanswered" % CLOSE_WINDOW_S,
     "gst pulsesink and friends disconnect right after DELETE_PLAYBACK_STREAM without reading the reply"),
    ("Proplists", "same keys and values (after the rules above); the order of entries is not compared",
     "a proplist is a map; PulseAudio sends it in hash order"),
    ("Client->server frames", "sent as recorded (server-chosen channels/indices rewritten); data frames "
     "not compared; seek offsets of server data frames not compared",
     "they are the replayer's own output"),
    ("Who closed first", "compared: a server that drops the connection fails",
     "protocol errors show up as a server-side close"),
    ("Pipe sink output", "pcm_bit_exact_found exactly (the played file's PCM must appear bit-exact in the "
     "FIFO output); non-silent 4 KiB blocks within max(%d, %d%%); byte counts ignored"
     % (TOL_PIPE_BLOCKS_ABS, TOL_PIPE_BLOCKS_REL * 100),
     "the pipe sink writes silence at its own pace"),
    ("Shared memory (client offered shm/memfd; server declined)", "AUTH reply version compared without the "
     "shm/memfd bits; REGISTER_MEMFD_SHMID, ENABLE_SRBCHANNEL, SHM release frames and the srbchannel ring "
     "frame left out; shm references sent as inline data; after the client's srbchannel acknowledgement "
     "nothing is on the socket and the replay stops there",
     "we start the server with --disable-shm=yes; fds and shared memory cannot be recorded"),
    ("Timestamps t, recorded_at, relay notes, close reasons, peer pids, client exit code / run time / stdout",
     "ignored", "properties of the recording run, not of the server"),
]


def normalisation_markdown(alsa_sim=False):
    out = ["| what | rule | why |", "|---|---|---|"]
    for what, rule, why in NORMALISATION:
        out.append("| %s | %s | %s |" % (what, rule, why))
    if alsa_sim:
        out += ["", alsa_normalisation_markdown()]
    return "\n".join(out)


def alsa_normalisation_markdown():
    out = ["ALSA substitution (`--alsa-sim` only; the rows above still apply to everything):", "",
           "| what | rule | why |", "|---|---|---|"]
    for what, rule, why in ALSA_NORMALISATION:
        out.append("| %s | %s | %s |" % (what, rule, why))
    return "\n".join(out)


def _modarg(args, key):
    """Value of key= in the replayer's own (unquoted) module arguments."""
    for w in args.split():
        k, _, v = w.partition("=")
        if k == key:
            return v
    return None


# ---------------------------------------------------------------------------
# --alsa-sim: every pipe sink of the daemon script was replaced by
# module-alsa-sink on a simulated card (replay.py).  These rules apply ONLY
# to the GET_SINK_INFO(_LIST) entry of a replaced sink, the
# GET_SOURCE_INFO(_LIST) entry of its monitor, the GET_MODULE_INFO(_LIST)
# entry of its module, and the configured device latency in the replies /
# events of streams created on (or moved to) them.  Every other field of
# those entries, and everything else, is compared as in the normal mode.
# Validated by replaying with --alsa-sim against Debian's PulseAudio (whose
# module-alsa-sink runs on the same simulated card).
SINK_HW_VOLUME_CTRL, SINK_HARDWARE, SINK_HW_MUTE_CTRL, SINK_DECIBEL_VOLUME, SINK_DYNAMIC_LATENCY = \
    0x1, 0x4, 0x10, 0x20, 0x80
SOURCE_DYNAMIC_LATENCY = 0x40
# largest configured device latency accepted (PulseAudio's timer-scheduled
# ALSA devices default to a 2 s buffer)
ALSA_MAX_CONFIGURED_USEC = 2000000
# properties an ALSA sink has on top of the pipe sink's: exact values, or None = any
ALSA_EXTRA_PROPS = {"device.api": "alsa", "device.class": "sound", "device.access_mode": None,
                    "device.buffering.buffer_size": None, "device.buffering.fragment_size": None}
ALSA_EXTRA_PREFIXES = ("alsa.",)
ALSA_REQUIRED_PROPS = ("device.api", "device.class")
ALSA_PIPE_DRIVER = ("module-pipe-sink.c", "module-alsa-sink.c")
ALSA_PIPE_MODULE = ("module-pipe-sink", "module-alsa-sink", "ALSA Sink")

ALSA_NORMALISATION = [
    ("Which entries", "only the replaced sink's GET_SINK_INFO(_LIST) entry, its monitor's GET_SOURCE_INFO(_LIST) "
     "entry, its module's GET_MODULE_INFO(_LIST) entry, and configured_sink_usec / configured_source_usec of "
     "streams created on or moved to them; fields not named below are compared exactly",
     "the substitution changes the device behind one sink; stream replies, buffer attributes, REQUESTs, "
     "events and errors must not change"),
    ("Module entry name, argument, module.description",
     "name must be %s (recorded %s); argument must be exactly the module-alsa-sink arguments the replayer "
     "wrote (device=, sink_name=, format=, rate=, channels=, channel_map= and sink_properties= taken from "
     "the pipe sink's); module.description must be \"%s\"" % (ALSA_PIPE_MODULE[1], ALSA_PIPE_MODULE[0],
                                                                ALSA_PIPE_MODULE[2]),
     "another module was loaded, with the replayer's arguments; \"%s\" is what PulseAudio 16.1 reports"
     % ALSA_PIPE_MODULE[2]),
    ("Sink and monitor driver", "must be %s (recorded %s)" % ALSA_PIPE_DRIVER[::-1],
     "the driver names the module that made the device"),
    ("Sink flags", "HARDWARE must be set; DYNAMIC_LATENCY, HW_VOLUME_CTRL, HW_MUTE_CTRL free; "
     "DECIBEL_VOLUME free only when HW_VOLUME_CTRL is set; the other bits exact",
     "an ALSA sink is hardware; dynamic latency follows its scheduling (timer-based or period wake-ups: "
     "PulseAudio uses period wake-ups on the simulated card), hardware volume/mute follow the mixer"),
    ("Monitor source flags", "DYNAMIC_LATENCY free; the other bits exact",
     "a monitor's latency follows its sink's scheduling"),
    ("Sink base_volume, n_volume_steps", "type only when the sink has HW_VOLUME_CTRL, else exact (the "
     "replayer's simulated PCM has no mixer, so both servers use software volume as the pipe sink does)",
     "a hardware mixer has its own steps and 0 dB point"),
    ("Sink proplist", "the pipe sink's keys with their values, except device.string = the ALSA device name "
     "(not the FIFO path); device.api = \"alsa\" and device.class = \"sound\" required; "
     "device.access_mode, device.buffering.buffer_size / fragment_size and alsa.* allowed with any value; "
     "nothing else may be added",
     "the ALSA sink describes its device; PulseAudio adds alsa.* card/PCM details, not every server has them"),
    ("configured_latency_usec (sink, monitor); configured_sink_usec / configured_source_usec (streams on them)",
     "1..%d usec; exactly 0 where the recording has 0 (a suspended device)" % ALSA_MAX_CONFIGURED_USEC,
     "the device's own buffer geometry (pipe sink: 23 ms of FIFO; PulseAudio's ALSA sink on the simulated "
     "card: its 100 ms buffer; pulsecompat: its 25 ms fill)"),
    ("latency_usec (sink, monitor)", "0..(the reported configured latency + %d) usec" % TOL_LATENCY_USEC,
     "where the query landed in the device's buffer, as for the null sinks' long blocks"),
    ("Played audio", "the simulated card's raw output (appended across reopens) replaces the FIFO output in "
     "the 'Pipe sink output' rule, unchanged",
     "the card plays in real time like the pipe sink with use_system_clock_for_timing"),
]


class AlsaSim:
    """--alsa-sim: the replaced pipe sinks, as (sink name, recorded pipe-sink
    arguments, module-alsa-sink arguments)."""

    def __init__(self, subst):
        self.sinks = {name: new for name, _, new in subst}
        self.sources = {name + ".monitor": name for name, _, _ in subst}
        self.modules = {old.strip(): new for _, old, new in subst}
        self.sinks_device = {name: _modarg(new, "device") for name, _, new in subst}
        self.names = set(self.sinks) | set(self.sources)


def _short(v, n=120):
    s = json.dumps(v, ensure_ascii=False, sort_keys=True)
    return s if len(s) <= n else s[:n] + "..."


def channel_kind(ctx_cmd):
    """Number space of a stream channel named in a packet of this command."""
    return "rchannel" if ctx_cmd and "RECORD" in ctx_cmd else "pchannel"


class Mapper:
    """Bijections recorded value <-> actual value, per kind, set up at first
    appearance.  Kinds: MAPPED_KINDS (global) and ("pchannel"|"rchannel", conn)."""

    def __init__(self):
        self.fwd = {}
        self.rev = {}
        self.seen_e = {}
        self.seen_a = {}

    def learn(self, kind, e, a):
        """Record e->a if neither side is bound yet (used by the replayer)."""
        if not isinstance(e, int) or not isinstance(a, int) or e == INVALID or a == INVALID:
            return
        f = self.fwd.setdefault(kind, {})
        r = self.rev.setdefault(kind, {})
        if e not in f and a not in r:
            f[e] = a
            r[a] = e

    def to_actual(self, kind, e):
        return self.fwd.get(kind, {}).get(e, e)

    def check(self, kind, e, a):
        """None if consistent, else a message."""
        label = kind if isinstance(kind, str) else "%s (conn%s)" % (
            "playback channel" if kind[0] == "pchannel" else "record channel", kind[1])
        if e == a == INVALID:
            return None
        if e == INVALID or a == INVALID or not isinstance(e, int) or not isinstance(a, int):
            return "expected %s, got %s" % (_short(e), _short(a))
        if kind in EXACT_KINDS:
            return None if e == a else "expected %s #%d, got #%d" % (kind, e, a)
        self.seen_e.setdefault(kind, set()).add(e)
        self.seen_a.setdefault(kind, set()).add(a)
        f = self.fwd.setdefault(kind, {})
        r = self.rev.setdefault(kind, {})
        if e in f:
            if f[e] == a:
                return None
            return "expected %s #%d (which the server called #%d before), got #%d" % (label, e, f[e], a)
        if a in r:
            return "expected %s #%d, got #%d (which already stands for recorded #%d)" % (label, e, a, r[a])
        f[e] = a
        r[a] = e
        return None

    def final(self):
        out = []
        for kind in MAPPED_KINDS:
            se, sa = self.seen_e.get(kind, set()), self.seen_a.get(kind, set())
            if se != sa:
                out.append("%s indices: PulseAudio used %s, the server used %s (mapping %s)" % (
                    kind, sorted(se), sorted(sa),
                    ", ".join("%d->%d" % kv for kv in sorted(self.fwd.get(kind, {}).items()))))
        return out


# ---------------------------------------------------------------------------
# Sessions as lists of frames per connection

class Frame:
    __slots__ = ("no", "pos", "conn", "dir", "d", "creds", "fds", "t", "wall")

    def __init__(self, no, pos, rec):
        self.no = no            # expected: line in the .jsonl; actual: sequence number
        self.pos = pos          # position among the session's records (order)
        self.conn = rec["conn"]
        self.dir = rec["dir"]
        self.d = rec["decoded"]
        self.creds = rec.get("creds")
        self.fds = rec.get("fds", 0)
        self.t = rec.get("t", 0.0)
        self.wall = rec.get("wall")     # actual side: wall clock at arrival

    @property
    def cmd(self):
        return self.d.get("command")

    @property
    def kind(self):
        return self.d.get("kind")

    @property
    def ctx(self):
        c = self.d.get("command")
        if c in ("REPLY", "ERROR") and self.d.get("reply_to"):
            return "%s(%s)" % (c, self.d["reply_to"])
        return c

    def label(self):
        d = self.d
        if d.get("kind") == "packet":
            tag = d.get("tag")
            return "%s %s tag=%s" % (self.dir, self.ctx, "-1" if tag == ASYNC_TAG else tag)
        return "%s %s channel=%s" % (self.dir, d.get("kind"), d.get("channel"))


def first_u32(f):
    fl = f.d.get("fields") or []
    return fl[0][1] if fl and fl[0][0] == "u32" else None


class Conn:
    def __init__(self, num):
        self.num = num
        self.frames = []
        self.close_pos = {}
        self.close_t = {}
        self.first_close = None
        self.s2c_fail_pos = None
        self.shm_refused = False     # set by the comparer (expected side)
        self.srb_cut = None          # position of the client's srbchannel ack (expected side)

    def build(self):
        inf = float("inf")
        close_t = self.close_t.get("c2s", inf)
        # s2c frames from here on never reached the client
        self.cutoff = self.close_pos.get("c2s", inf)
        if self.s2c_fail_pos is not None:
            before = [f.pos for f in self.frames if f.dir == "s2c" and f.pos < self.s2c_fail_pos]
            self.cutoff = min(self.cutoff, max(before) if before else self.s2c_fail_pos)
        frames = self.frames
        if self.shm_refused:
            frames = [f for f in frames if not (f.kind == "packet" and f.cmd in SHM_ONLY)
                      and f.kind not in ("shm_release", "shm_revoke")
                      and not (f.dir == "s2c" and f.kind == "memblock_shm_ref")
                      and (self.srb_cut is None or f.pos < self.srb_cut)]
        self.requests = []
        self.events = []
        self.flow = []
        self.data = []
        self.replies = {}
        self.all_replies = []
        last_c2s = -1
        for f in frames:
            k = f.kind
            if f.dir == "c2s" and k == "packet" and f.cmd not in TIMING_REQUESTS:
                last_c2s = f.pos
            if k != "packet":
                self.data.append(f)
            elif f.dir == "c2s":
                self.requests.append(f)
            elif f.cmd in ("REPLY", "ERROR") and f.d.get("tag") != ASYNC_TAG:
                self.replies.setdefault(f.d.get("tag"), f)
                self.all_replies.append(f)
            elif f.cmd in FLOW_EVENTS:
                self.flow.append(f)
            elif f.pos < self.cutoff:
                self.events.append(f)
        # events racing the disconnect are optional
        m = len(self.events)
        while m > 0:
            f = self.events[m - 1]
            if f.cmd == "SUBSCRIBE_EVENT" and f.pos > last_c2s and close_t - f.t <= EVENT_CLOSE_WINDOW_S:
                m -= 1
            else:
                break
        self.core_events = self.events[:m]
        # streams: channel -> (created at, deleted at) to spot queries racing teardown
        self.streams = []
        for r in self.requests:
            rep = self.replies.get(r.d.get("tag"))
            if r.cmd in CREATE_STREAM and rep is not None and rep.cmd == "REPLY":
                self.streams.append([channel_kind(r.cmd), first_u32(rep), rep.pos, inf])
            elif r.cmd in DELETE_STREAM:
                ch = first_u32(r)
                for st in reversed(self.streams):
                    if st[0] == channel_kind(r.cmd) and st[1] == ch and st[2] < r.pos:
                        st[3] = min(st[3], r.pos)
                        break

    def delivered(self, f):
        return f is not None and f.pos < self.cutoff

    def racing_teardown(self, req):
        """A latency query sent after the client asked to delete its stream."""
        if req.cmd not in TIMING_REQUESTS:
            return False
        ch = first_u32(req)
        for st in reversed(self.streams):
            if st[0] == channel_kind(req.cmd) and st[1] == ch and st[2] < req.pos:
                return req.pos > st[3]
        return False

    def not_waited_for(self, req, rep):
        """The recorded client sent this right before closing and never got the answer."""
        if req.cmd in NO_REPLY_C2S or req.d.get("tag") == ASYNC_TAG:
            return False
        if "c2s" not in self.close_pos or self.delivered(rep):
            return False
        return self.close_t["c2s"] - req.t <= CLOSE_WINDOW_S or req.pos > self.cutoff


class Session:
    """Frames of one conversation grouped per connection.

    records: list of (number, record) where number is the line in the .jsonl
    (expected side) or a sequence number (actual side)."""

    def __init__(self, records):
        self.result = None
        self.conns = {}
        for pos, (no, rec) in enumerate(records):
            typ = rec.get("type")
            if typ == "result":
                self.result = rec
            elif typ == "close":
                c = self.conn(rec["conn"])
                c.close_pos.setdefault(rec["dir"], pos)
                c.close_t.setdefault(rec["dir"], rec.get("t", 0.0))
                if c.first_close is None:
                    c.first_close = rec["dir"]
            elif typ == "note":
                if rec.get("dir") == "s2c" and "forwarding failed" in rec.get("text", "") and "conn" in rec:
                    c = self.conn(rec["conn"])
                    if c.s2c_fail_pos is None:
                        c.s2c_fail_pos = pos
            elif typ == "open":
                self.conn(rec["conn"])
            elif typ == "frame":
                self.conn(rec["conn"]).frames.append(Frame(no, pos, rec))

    def conn(self, n):
        if n not in self.conns:
            self.conns[n] = Conn(n)
        return self.conns[n]

    def build(self):
        for c in self.conns.values():
            c.build()


def base_name(name):
    """'[2].latency_usec' -> 'latency_usec'; '[0].port[1].name' -> 'port[1].name'."""
    if name and name.startswith("["):
        i = name.find("].")
        if i > 0:
            return name[i + 2:]
    return name


def index_kind(ctx, name, d, conn):
    """Kind of the u32 field 'name' in a packet of context ctx, or None."""
    if name is None:
        return None
    bn = base_name(name)
    if bn == "channel":
        cmd = d.get("reply_to") or d.get("command")
        return (channel_kind(cmd), conn)
    if bn == "index":
        if ctx in REPLY_INDEX_KIND:
            return REPLY_INDEX_KIND[ctx]
        if ctx in REQUEST_INDEX_KIND:
            return REQUEST_INDEX_KIND[ctx]
        if ctx == "SUBSCRIBE_EVENT":
            fac = (d.get("notes") or {}).get("facility")
            return SUBSCRIBE_FACILITY_KIND.get(fac)
        return None
    if ctx == "EXTENSION" and bn == "module_index":
        return "module"
    return FIELD_KIND.get(bn)


# ---------------------------------------------------------------------------

class Diff:
    __slots__ = ("key", "line", "conn", "label", "path", "msg")

    def __init__(self, key, line, conn, label, path, msg):
        self.key = key
        self.line = line
        self.conn = conn
        self.label = label
        self.path = path
        self.msg = msg

    def text(self, session_file):
        where = "%s:%s" % (session_file, self.line) if self.line else session_file
        s = where
        if self.conn is not None:
            s += " conn%s" % self.conn
        if self.label:
            s += " " + self.label
        s += ":"
        if self.path:
            s += " %s:" % self.path
        return s + " " + self.msg


class Env:
    """What the replay environment makes legitimately different."""

    def __init__(self, uid, gid, user, nsroot, root, hostname_e, hostname_a, machine_id_e, machine_id_a):
        self.uid = uid
        self.gid = gid
        self.user = user
        self.nsroot = nsroot
        self.root = root
        self.hostname_e = hostname_e
        self.hostname_a = hostname_a
        self.machine_id_e = machine_id_e
        self.machine_id_a = machine_id_a

    def norm_expected_string(self, s):
        if not isinstance(s, str):
            return s
        if self.nsroot and self.nsroot in s:
            s = s.replace(self.nsroot, self.root)
        return s

    def same_string(self, e, a):
        if e == a:
            return True
        e2 = self.norm_expected_string(e)
        if e2 == a:
            return True
        if self.hostname_e and e == self.hostname_e and a == self.hostname_a:
            return True
        if self.machine_id_e and e == self.machine_id_e and a == self.machine_id_a:
            return True
        return False


class Comparer:
    def __init__(self, exp, act, env, mapper=None, pipe=None, pcm_found=None, alsa=None):
        self.alsa = alsa            # AlsaSim in --alsa-sim mode, else None
        self._alsa_ent = {}         # entries of the packet being compared that stand for a replaced sink
        self.E = exp
        self.A = act
        self.env = env
        self.M = mapper or Mapper()
        self.diffs = []
        self.notes = []
        self.pipe = pipe            # analysis of the FIFO output (dict) or None
        self.cur_conn = None

    # -- reporting --
    def diff(self, key, f, path, msg, conn=None):
        line = f.no if f is not None and f.no else None
        if conn is None:
            conn = f.conn if f is not None else self.cur_conn
        self.diffs.append(Diff(key, line, conn, f.label() if f is not None else "", path, msg))

    # -- values --
    def compare_value(self, ctx, name, t, e, a, path, fe, key, conn):
        bn = base_name(name) if name else None
        if (ctx, bn) in VOLATILE or (ctx, bn) in IDENTITY:
            return
        if (ctx, bn) in USER_FIELDS:
            if a != self.env.user:
                self.diff(key, fe, path, "expected the server's user %s, got %s" % (_short(self.env.user), _short(a)))
            return
        if self._alsa_ent and name:
            ent = self._alsa_ent.get(name[:-len(bn)].rstrip("."))
            if ent is not None and self.alsa_value(ent, bn, t, e, a, path, fe, key):
                return
        if ctx == "REPLY(AUTH)" and bn == "version" and isinstance(e, int) and isinstance(a, int) \
                and conn in self.E.conns and self.E.conns[conn].shm_refused:
            e, a = e & 0xFFFF, a & 0xFFFF
        if (ctx, bn) in LATENCY and isinstance(e, int) and isinstance(a, int):
            cfg = getattr(self, "_cfg_lat", {}).get(name[:-len(bn)].rstrip(".") if name else "")
            if bn == "latency_usec" and isinstance(cfg, int) and cfg > TOL_LATENCY_USEC:
                # a device configured for long latency (a 2 s null sink) reports where in
                # its render cycle the query landed: anything from 0 to the configured value
                if not 0 <= a <= cfg + TOL_LATENCY_USEC:
                    self.diff(key, fe, path, "expected 0..%d (configured latency), got %d" % (cfg, a))
                return
            if abs(a - e) > TOL_LATENCY_USEC:
                self.diff(key, fe, path, "expected %d, got %d (tolerance %d usec)" % (e, a, TOL_LATENCY_USEC))
            return
        if t == "u32":
            kind = index_kind(ctx, name, fe.d, conn)
            if kind:
                m = self.M.check(kind, e, a)
                if m:
                    self.diff(key, fe, path, m)
                return
        if t == "proplist" and isinstance(e, dict) and isinstance(a, dict):
            for k in sorted(set(e) | set(a)):
                p = "%s.%s" % (path, k)
                if k not in a:
                    self.diff(key, fe, p, "missing (expected %s)" % _short(e[k]))
                    return
                if k not in e:
                    self.diff(key, fe, p, "unexpected (got %s)" % _short(a[k]))
                    return
                if k in IDENTITY_PROPS:
                    continue
                if not self.env.same_string(e[k], a[k]):
                    self.diff(key, fe, p, "expected %s, got %s" % (_short(e[k]), _short(a[k])))
                    return
            return
        if t == "string":
            if not self.env.same_string(e, a):
                self.diff(key, fe, path, "expected %s, got %s" % (_short(e), _short(a)))
            return
        if t == "format_info" and isinstance(e, dict) and isinstance(a, dict):
            if e.get("encoding") != a.get("encoding"):
                self.diff(key, fe, path + ".encoding", "expected %s, got %s" % (e.get("encoding"), a.get("encoding")))
                return
            self.compare_value(ctx, name, "proplist", e.get("proplist"), a.get("proplist"),
                               path + ".proplist", fe, key, conn)
            return
        if e != a:
            self.diff(key, fe, path, "expected %s, got %s" % (_short(e), _short(a)))

    # -- --alsa-sim: the substituted sink, its monitor and its module --
    def alsa_entries(self, ctx, ef, af):
        """Entries of this packet ("" or "[N]") that stand for a replaced pipe
        sink: prefix -> (role, info), role sink / source / module / stream."""
        def fields(fl):
            out = {}
            for x in fl:
                if len(x) > 2 and isinstance(x[2], str):
                    bn = base_name(x[2])
                    out.setdefault(x[2][:-len(bn)].rstrip("."), {})[bn] = x[1]
            return out
        fe_, fa_ = fields(ef), fields(af)
        ents = {}
        for pre, v in fe_.items():
            act = fa_.get(pre, {})
            name = v.get("name")
            if ctx in ("REPLY(GET_SINK_INFO)", "REPLY(GET_SINK_INFO_LIST)") and name in self.alsa.sinks:
                ents[pre] = ("sink", act)
            elif ctx in ("REPLY(GET_SOURCE_INFO)", "REPLY(GET_SOURCE_INFO_LIST)") and name in self.alsa.sources:
                ents[pre] = ("source", act)
            elif ctx in ("REPLY(GET_MODULE_INFO)", "REPLY(GET_MODULE_INFO_LIST)") and name == ALSA_PIPE_MODULE[0] \
                    and isinstance(v.get("argument"), str) and v["argument"].strip() in self.alsa.modules:
                ents[pre] = ("module", self.alsa.modules[v["argument"].strip()])
            elif (v.get("sink_name") in self.alsa.names or v.get("source_name") in self.alsa.names) \
                    and ("configured_sink_usec" in v or "configured_source_usec" in v):
                ents[pre] = ("stream", act)
        return ents

    def alsa_value(self, ent, bn, t, e, a, path, fe, key):
        """The ALSA substitution rules (ALSA_NORMALISATION); True when the
        field was compared here."""
        role, info = ent
        bad = lambda msg: self.diff(key, fe, path, "%s (ALSA substitution rule)" % msg)   # noqa: E731
        if role == "module":
            if bn == "name":
                if a != ALSA_PIPE_MODULE[1]:
                    bad("expected %s (replacing %s), got %s" % (ALSA_PIPE_MODULE[1], _short(e), _short(a)))
                return True
            if bn == "argument":
                if a != info:
                    bad("expected the replayer's arguments %s, got %s" % (_short(info), _short(a)))
                return True
            if bn == "proplist" and isinstance(e, dict) and isinstance(a, dict) and "module.description" in e:
                if a.get("module.description") != ALSA_PIPE_MODULE[2]:
                    bad("module.description: expected %s, got %s" % (_short(ALSA_PIPE_MODULE[2]),
                                                                     _short(a.get("module.description"))))
                    return True
                e = dict(e, **{"module.description": ALSA_PIPE_MODULE[2]})
                self.compare_value("", None, t, e, a, path, fe, key, fe.conn)
                return True
            return False
        if bn in ("configured_latency_usec", "configured_sink_usec", "configured_source_usec") \
                and role in ("sink", "source", "stream"):
            if e == 0:
                if a != 0:
                    bad("expected 0 (suspended device), got %s" % _short(a))
            elif not isinstance(a, int) or not 0 < a <= ALSA_MAX_CONFIGURED_USEC:
                bad("expected 1..%d (the device's configured latency), got %s" % (ALSA_MAX_CONFIGURED_USEC, _short(a)))
            return True
        if role == "stream":
            return False
        if bn == "latency_usec":
            cfg = info.get("configured_latency_usec")
            hi = (cfg if isinstance(cfg, int) else 0) + TOL_LATENCY_USEC
            if not isinstance(a, int) or not 0 <= a <= hi:
                bad("expected 0..%d (configured latency %s + %d), got %s" % (hi, cfg, TOL_LATENCY_USEC, _short(a)))
            return True
        if bn == "driver" and e == ALSA_PIPE_DRIVER[0]:
            if a != ALSA_PIPE_DRIVER[1]:
                bad("expected %s (replacing %s), got %s" % (_short(ALSA_PIPE_DRIVER[1]), _short(e), _short(a)))
            return True
        if bn == "flags" and isinstance(e, int) and isinstance(a, int):
            if role == "sink":
                free = SINK_DYNAMIC_LATENCY | SINK_HW_VOLUME_CTRL | SINK_HW_MUTE_CTRL
                if a & SINK_HW_VOLUME_CTRL:
                    free |= SINK_DECIBEL_VOLUME
                if not a & SINK_HARDWARE or (e | SINK_HARDWARE) & ~free != a & ~free:
                    bad("expected 0x%x with HARDWARE set (free: 0x%x), got 0x%x" % (e | SINK_HARDWARE, free, a))
            elif (e & ~SOURCE_DYNAMIC_LATENCY) != (a & ~SOURCE_DYNAMIC_LATENCY):
                bad("expected 0x%x (DYNAMIC_LATENCY free), got 0x%x" % (e, a))
            return True
        if bn in ("base_volume", "n_volume_steps") and role == "sink":
            fl = info.get("flags")
            if isinstance(fl, int) and fl & SINK_HW_VOLUME_CTRL:
                return True     # type compared by the caller
            return False
        if bn == "proplist" and role == "sink" and isinstance(e, dict) and isinstance(a, dict):
            e = dict(e)
            if "device.string" in e:
                want = self.alsa.sinks_device.get(info.get("name"))
                e["device.string"] = want if want is not None else a.get("device.string")
            for k in ALSA_REQUIRED_PROPS:
                if k not in a:
                    bad("%s missing (expected %s)" % (k, _short(ALSA_EXTRA_PROPS[k])))
                    return True
            for k in list(a):
                if k in e:
                    continue
                if k in ALSA_EXTRA_PROPS:
                    want = ALSA_EXTRA_PROPS[k]
                    if want is not None and a[k] != want:
                        bad("%s: expected %s, got %s" % (k, _short(want), _short(a[k])))
                        return True
                elif not k.startswith(ALSA_EXTRA_PREFIXES):
                    bad("%s: unexpected (got %s)" % (k, _short(a[k])))
                    return True
                e[k] = a[k]
            self.compare_value("", None, t, e, a, path, fe, key, fe.conn)
            return True
        return False

    def compare_fields(self, fe, fa, key):
        ctx = fe.ctx
        ef, af = fe.d.get("fields") or [], fa.d.get("fields") or []
        n0 = len(self.diffs)
        if bool(fe.d.get("parse_error")) != bool(fa.d.get("parse_error")):
            self.diff(key, fe, "", "tagstruct parse error: expected %s, got %s" % (
                fe.d.get("parse_error"), fa.d.get("parse_error")))
            return
        # configured latency per device entry ("" or "[N]"), for the latency_usec rule
        self._cfg_lat = {}
        for x in ef:
            if len(x) > 2 and isinstance(x[2], str) and x[2].endswith("configured_latency_usec"):
                self._cfg_lat[x[2][:-len("configured_latency_usec")].rstrip(".")] = x[1]
        self._alsa_ent = self.alsa_entries(ctx, ef, af) if self.alsa is not None else {}
        for i in range(min(len(ef), len(af))):
            x, y = ef[i], af[i]
            name = x[2] if len(x) > 2 else None
            path = name or "field #%d" % i
            if x[0] != y[0]:
                self.diff(key, fe, path, "type: expected %s %s, got %s %s" % (
                    x[0], _short(x[1], 60), y[0], _short(y[1], 60)))
                return
            self.compare_value(ctx, name, x[0], x[1], y[1], path, fe, key, fe.conn)
            if len(self.diffs) > n0:
                return      # the first differing field of a packet is enough
        if len(ef) != len(af):
            i = min(len(ef), len(af))
            if len(ef) > len(af):
                x = ef[i]
                self.diff(key, fe, x[2] if len(x) > 2 else "field #%d" % i,
                          "missing: %d fields expected, got %d (first missing: %s %s)" % (
                              len(ef), len(af), x[0], _short(x[1], 60)))
            else:
                y = af[i]
                self.diff(key, fe, "field #%d" % i, "%d fields expected, got %d (first extra: %s %s)" % (
                    len(ef), len(af), y[0], _short(y[1], 60)))

    def compare_creds(self, fe, fa, key):
        if fe.creds is None:
            return
        if fa.creds is None:
            self.diff(key, fe, "creds", "expected SCM_CREDENTIALS, got none")
            return
        for k, want in (("uid", self.env.uid), ("gid", self.env.gid)):
            if fa.creds.get(k) != want:
                self.diff(key, fe, "creds." + k, "expected %s (the server's), got %s" % (want, fa.creds.get(k)))

    def compare_packet(self, fe, fa, key, check_tag=True):
        if fe.cmd != fa.cmd or fe.d.get("reply_to") != fa.d.get("reply_to"):
            self.diff(key, fe, "", "expected %s%s, got %s%s" % (
                fe.ctx, _error_text(fe), fa.ctx, _error_text(fa)))
            return False
        if check_tag and (fe.d.get("tag") == ASYNC_TAG) != (fa.d.get("tag") == ASYNC_TAG):
            self.diff(key, fe, "tag", "expected %s, got %s" % (fe.d.get("tag"), fa.d.get("tag")))
        if fe.dir == "s2c":
            self.compare_creds(fe, fa, key)
            if fe.fds != fa.fds:
                self.diff(key, fe, "fds", "expected %d, got %d" % (fe.fds, fa.fds))
        if fe.cmd == "ERROR":
            ee, ea = _error_text(fe).strip(), _error_text(fa).strip()
            if ee != ea:
                self.diff(key, fe, "error", "expected %s, got %s" % (ee or fe.d.get("fields"), ea or fa.d.get("fields")))
                return True
        if fe.cmd == "SUBSCRIBE_EVENT":
            if (fe.d.get("fields") or [None])[0] != (fa.d.get("fields") or [None])[0]:
                self.diff(key, fe, "event", "expected%s, got%s" % (_event_text(fe), _event_text(fa)))
                return True
        self.compare_fields(fe, fa, key)
        return True

    # -- per connection --
    def compare_conn(self, ce, ca):
        self.cur_conn = ce.num
        if not ca.frames and ce.frames:
            self.diff((ce.frames[0].no, 0), ce.frames[0], "", "nothing was exchanged on this connection")
            return
        self.compare_requests(ce, ca)
        self.compare_events(ce, ca)
        self.compare_close(ce, ca)
        if ce.srb_cut is None:
            self.compare_flow(ce, ca)
            self.compare_data(ce, ca)

    def compare_requests(self, ce, ca):
        """Every request the replayer sent, and its answer by tag."""
        # sanity: what we sent must be what was recorded (after rewriting)
        server_closed = ca.first_close == "s2c"
        for i, fe in enumerate(ce.requests):
            if i >= len(ca.requests):
                if not server_closed:
                    self.diff((fe.no, 0), fe, "", "request could not be sent (connection gone)")
                return
            fa = ca.requests[i]
            if fe.cmd != fa.cmd:
                self.diff((fe.no, 0), fe, "", "replayer sent %s instead (internal error)" % fa.ctx)
                return
            tag = fe.d.get("tag")
            if fe.cmd in NO_REPLY_C2S or tag == ASYNC_TAG:
                continue
            self.compare_fields(fe, fa, (fe.no, 0))
            pe = ce.replies.get(tag)
            pa = ca.replies.get(fa.d.get("tag"))
            if ce.racing_teardown(fe):
                continue
            if pe is None or not ce.delivered(pe):
                # the recorded client never saw an answer
                if pe is None and pa is not None and not ce.not_waited_for(fe, pe) and "c2s" in ce.close_pos \
                        and ce.close_t["c2s"] - fe.t > CLOSE_WINDOW_S:
                    self.diff((fe.no, 1), fe, "", "answer to %s: expected none, got %s%s" % (
                        fe.cmd, pa.ctx, _error_text(pa)))
                continue
            if pa is None:
                self.diff((pe.no, 1), pe, "", "no answer from the server%s (expected %s%s)" % (
                    ": it had closed the connection" if server_closed and ca.close_pos.get("s2c", 0) > fa.pos else "",
                    pe.ctx, _error_text(pe)))
                continue
            self.compare_packet(pe, pa, (pe.no, 1))
            if fe.cmd in TIMING_REQUESTS and pa.cmd == "REPLY":
                self.check_timing_echo(fa, pa, pe)
        # answers with a tag nobody used, or twice
        asked = set(r.d.get("tag") for r in ca.requests)
        for f in ca.all_replies:
            if f.d.get("tag") not in asked or ca.replies[f.d.get("tag")] is not f:
                self.diff((ce.frames[-1].no, 3), None, "", "answer with a tag the client did not use, or a "
                          "second answer: %s tag=%s" % (f.ctx, f.d.get("tag")), conn=ce.num)
                break

    def check_timing_echo(self, qa, pa, pe):
        fq = {f[2]: f[1] for f in qa.d.get("fields", []) if len(f) > 2}
        fp = {f[2]: f[1] for f in pa.d.get("fields", []) if len(f) > 2}
        if "client_time" in fq and fp.get("client_time") != fq["client_time"]:
            self.diff((pe.no, 1), pe, "client_time", "does not echo the request's %s (got %s)" % (
                fq["client_time"], fp.get("client_time")))
            return
        # the replayed client_time is the recording's (old) wall clock: check
        # server_time against the wall clock when the reply arrived instead
        st = fp.get("server_time")
        if isinstance(st, list) and len(st) == 2 and pa.wall is not None:
            if abs(st[0] + st[1] / 1e6 - pa.wall) > TOL_SERVER_TIME_S:
                self.diff((pe.no, 1), pe, "server_time", "%d.%06d is more than %ds away from the wall clock "
                          "(%.6f)" % (st[0], st[1], TOL_SERVER_TIME_S, pa.wall))

    def compare_events(self, ce, ca):
        le = _merge_changes(ce.events)
        la = _merge_changes(ca.events)
        ke = len(_merge_changes(ce.core_events))
        ka = len(_merge_changes(ca.core_events))
        for i in range(max(len(le), len(la))):
            fe = le[i] if i < len(le) else None
            fa = la[i] if i < len(la) else None
            if fe is not None and fa is not None:
                n0 = len(self.diffs)
                self.compare_packet(fe, fa, (fe.no, 2))
                if len(self.diffs) > n0:
                    return
                continue
            if fe is not None:
                if i >= ke:
                    continue
                self.diff((fe.no, 2), fe, "", "server event missing: %s%s" % (fe.ctx, _event_text(fe)))
            else:
                if i >= ka:
                    continue
                self.diff((ce.frames[-1].no, 2), None, "", "unexpected server event: %s%s (line %s of the replay)" % (
                    fa.ctx, _event_text(fa), fa.no), conn=ce.num)
            return

    def compare_close(self, ce, ca):
        if ce.first_close == "c2s" and ca.first_close == "s2c":
            last = [f for f in ca.frames if f.dir == "s2c"]
            self.diff((ce.frames[-1].no if ce.srb_cut is None else 0, 4), None, "close",
                      "the server closed the connection (the recorded client closed first)%s" % (
                          "; last server frame: %s" % last[-1].label() if last else ""), conn=ce.num)
        elif ce.first_close == "s2c" and ca.first_close != "s2c":
            self.diff((ce.frames[-1].no, 4), None, "close",
                      "expected the server to close the connection, it did not", conn=ce.num)

    def compare_flow(self, ce, ca):
        def summary(c, mapper_side):
            s = {}
            for f in c.flow:
                fl = f.d.get("fields") or []
                ch = fl[0][1] if fl else None
                e = s.setdefault(ch, {"kinds": {}, "bytes": 0, "first": f})
                e["kinds"][f.cmd] = e["kinds"].get(f.cmd, 0) + 1
                if f.cmd == "REQUEST" and len(fl) > 1 and isinstance(fl[1][1], int):
                    e["bytes"] += fl[1][1]
            return s
        se, sa = summary(ce, 0), summary(ca, 1)
        kind = ("pchannel", ce.num)
        for ch in sorted(se, key=str):
            e = se[ch]
            a = sa.pop(self.M.to_actual(kind, ch), None)
            ke = set(e["kinds"]) - OPTIONAL_FLOW
            ka = set(a["kinds"]) - OPTIONAL_FLOW if a else set()
            if ke != ka:
                self.diff((e["first"].no, 6), e["first"], "stream channel %s" % ch,
                          "flow control packets: expected %s, got %s" % (sorted(ke) or "none", sorted(ka) or "none"))
                continue
            if "REQUEST" in ke:
                be, ba = e["bytes"], a["bytes"]
                tol = max(TOL_REQUEST_ABS, TOL_REQUEST_REL * be)
                if abs(ba - be) > tol:
                    self.diff((e["first"].no, 6), e["first"], "stream channel %s" % ch,
                              "REQUEST bytes in total: expected %d (%d packets), got %d (%d packets), "
                              "tolerance %d" % (be, e["kinds"]["REQUEST"], ba, a["kinds"]["REQUEST"], tol))
        for ch, a in sorted(sa.items(), key=lambda kv: str(kv[0])):
            ka = set(a["kinds"]) - OPTIONAL_FLOW
            if ka:
                self.diff((ce.frames[-1].no, 6), None, "", "unexpected flow control on channel %s: %s" % (
                    ch, sorted(ka)), conn=ce.num)

    def compare_data(self, ce, ca):
        """Server->client data frames per record channel (client data is ours)."""
        def summary(c):
            s = {}
            for f in c.data:
                if f.dir != "s2c":
                    continue
                d = f.d
                k = d.get("kind")
                if k not in ("memblock", "memblock_shm_ref"):
                    e = s.setdefault((k, None), {"frames": 0, "bytes": 0, "flags": set(), "first": f})
                    e["frames"] += 1
                    continue
                e = s.setdefault((k, d.get("channel")), {"frames": 0, "bytes": 0, "flags": set(), "first": f})
                e["frames"] += 1
                if k == "memblock":
                    e["bytes"] += d.get("length", 0)
                    e["flags"].add(d.get("seek"))
                else:
                    shm = d.get("shm") or {}
                    e["bytes"] += shm.get("length", 0)
                    e["flags"].add((d.get("seek"), shm.get("memfd_block"), shm.get("writable")))
            return s
        se, sa = summary(ce), summary(ca)
        kind = ("rchannel", ce.num)
        for k in sorted(se, key=str):
            e = se[k]
            ka = (k[0], self.M.to_actual(kind, k[1]) if k[1] is not None else None)
            a = sa.pop(ka, None)
            what = "server %s frames on channel %s" % k
            if a is None:
                self.diff((e["first"].no, 7), e["first"], "", "%s: expected %d frames (%d bytes), got none" % (
                    what, e["frames"], e["bytes"]))
                continue
            if e["flags"] != a["flags"]:
                self.diff((e["first"].no, 7), e["first"], "", "%s: seek modes expected %s, got %s" % (
                    what, sorted(map(str, e["flags"])), sorted(map(str, a["flags"]))))
            if k[0] in ("memblock", "memblock_shm_ref"):
                tol = max(TOL_DATA_ABS, TOL_DATA_REL * e["bytes"])
                if abs(a["bytes"] - e["bytes"]) > tol:
                    self.diff((e["first"].no, 7), e["first"], "", "%s: expected %d bytes (%d frames), got %d "
                              "(%d frames), tolerance %d" % (what, e["bytes"], e["frames"], a["bytes"],
                                                            a["frames"], tol))
        for k, a in sorted(sa.items(), key=lambda kv: str(kv[0])):
            self.diff((ce.frames[-1].no, 7), None, "", "unexpected server %s frames on channel %s: %d frames, "
                      "%d bytes" % (k[0], k[1], a["frames"], a["bytes"]), conn=ce.num)

    def compare_result(self):
        re_ = self.E.result
        if re_ is None or self.pipe is None:
            return
        ke = re_.get("checks") or {}
        ka = self.pipe
        key = (1 << 40, 0)
        src = ka.get("source", "the FIFO output")      # --alsa-sim: the simulated card's output file
        if ke.get("pcm_bit_exact_found") is not None and ke.get("pcm_bit_exact_found") != ka.get("pcm_bit_exact_found"):
            self.diff(key, None, "pipe sink", "played PCM found bit-exact in %s: expected %s, got %s "
                      "(%d bytes read)" % (src, ke.get("pcm_bit_exact_found"), ka.get("pcm_bit_exact_found"),
                                           ka.get("pipe_bytes", 0)), conn=None)
        be, ba = ke.get("pipe_nonsilent_4k_blocks"), ka.get("pipe_nonsilent_4k_blocks")
        if be is not None and ba is not None:
            tol = max(TOL_PIPE_BLOCKS_ABS, TOL_PIPE_BLOCKS_REL * be)
            if abs(ba - be) > tol:
                self.diff(key, None, "pipe sink", "non-silent 4 KiB blocks in %s: expected %d, got %d "
                          "(tolerance %d)" % (src, be, ba, tol), conn=None)

    def run(self):
        for num in sorted(self.E.conns):
            ce = self.E.conns[num]
            if not ce.frames:
                continue
            ca = self.A.conns.get(num)
            if ca is None:
                self.diff((ce.frames[0].no, -1), ce.frames[0], "", "connection was not replayed")
                continue
            self.compare_conn(ce, ca)
        self.cur_conn = None
        for m in self.M.final():
            self.diff((1 << 39, 0), None, "indices", m, conn=None)
        self.compare_result()
        self.diffs.sort(key=lambda d: d.key)
        return self.diffs


def _merge_changes(events):
    """Consecutive identical 'change' SUBSCRIBE_EVENTs count as one."""
    out = []
    for f in events:
        if out and f.cmd == "SUBSCRIBE_EVENT" and out[-1].cmd == "SUBSCRIBE_EVENT":
            n = f.d.get("notes") or {}
            if n.get("type") == "change" and out[-1].d.get("fields") == f.d.get("fields"):
                continue
        out.append(f)
    return out


def _error_text(f):
    if f is not None and f.cmd == "ERROR":
        e = (f.d.get("notes") or {}).get("error")
        if e is not None:
            return " %s" % e
    return ""


def _event_text(f):
    n = f.d.get("notes")
    if f.cmd == "SUBSCRIBE_EVENT" and n:
        fl = f.d.get("fields") or []
        idx = fl[1][1] if len(fl) > 1 else "?"
        return " %s/%s #%s" % (n.get("facility"), n.get("type"), idx)
    return ""


def is_shm_version(v):
    return isinstance(v, int) and bool(v & 0xC0000000)


