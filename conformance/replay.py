#!/usr/bin/python3
"""Replay recorded PulseAudio native-protocol sessions against a server.

    replay.py --server PATH [--expected-failures FILE] [--only NAME,...] [-v]
    replay.py --reference          (= --server /usr/bin/pulseaudio, no expected failures)
    replay.py --normalisation      (print the normalisation table, Markdown)
    replay.py --server PATH --alsa-sim --simhw-lib DIR
                                   (pipe sinks replaced by module-alsa-sink on the
                                    simulated card of compat-tests/simhw; README.md)

Each session in sessions/ (NAME.jsonl, format in sessions/FORMAT.md) was
recorded between real libpulse 16.1 clients and Debian's PulseAudio 16.1.
For every session this program

1. starts the server exactly like the recorder started PulseAudio
   (`SERVER -n -F SCRIPT --daemonize=no --exit-idle-time=-1
   --use-pid-file=no --system=no --realtime=no --high-priority=no
   --disable-shm=yes` plus the session's daemon_flags) with HOME,
   XDG_RUNTIME_DIR and PULSE_RUNTIME_PATH in a private temp dir, the
   session's cookie at $HOME/.config/pulse/cookie, an empty ALSA config, and
   the pipe sink's FIFO created beforehand and drained by a thread;
2. opens the recorded connections in order and sends every client->server
   frame as recorded (raw bytes; SCM_CREDENTIALS with AUTH), keeping the
   recorded pace (`t` gaps, long gaps capped), waiting before each client
   action for the answers the recorded client had received by then, and
   rewriting values the server chose (stream channels, client / sink-input
   / source-output / module indices) through the mapping learnt from the
   server's replies;
3. collects what the server sends and compares it with the recording
   (pacompare.py: replies strictly by tag, field by field; asynchronous
   packets with the tolerances of the normalisation table; pipe-sink output
   against the recorded checks).

A session listed in the expected-failures file (NAME ISSUE REASON) that fails
is an expected failure; one that passes fails the run (remove it from the
list).  The last line is `conformance: N passed, M expected failures, K
failed`; the exit status is 1 when K > 0, 2 on usage errors, 77 when the
replay cannot run at all here (no AF_UNIX credentials passing).

Standard library only; run with /usr/bin/python3.
"""
import argparse
import array
import base64
import json
import os
import pwd
import queue
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pa_wire  # noqa: E402
import pacompare as C  # noqa: E402

DEFAULT_SESSIONS = os.path.join(HERE, "sessions")
DEFAULT_XFAIL = os.path.join(HERE, "expected-failures.txt")
REFERENCE_SERVER = "/usr/bin/pulseaudio"
DEFAULT_SIMHW_CONF = os.path.join(os.path.dirname(HERE), "compat-tests", "simhw", "simhw.conf")
SIMHW_PLUGIN = "libasound_module_pcm_simhw.so"

# The command line the recorder used, with shm disabled (our server does not
# offer shm; PulseAudio with --disable-shm=yes declines it the same way).
SERVER_FLAGS = ["--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "--system=no",
                "--realtime=no", "--high-priority=no", "--disable-shm=yes"]

UCRED = struct.Struct("iII")
ANC_BUF = socket.CMSG_SPACE(UCRED.size) + socket.CMSG_SPACE(16 * 4)

# Waiting rules (seconds)
REPLY_TIMEOUT = 5.0       # an answer the recorded client had received before its next action
EVENT_TIMEOUT = 1.0       # events the recorded client had received before it closed
SOCKET_TIMEOUT = 15.0     # server start-up (2 s once a server has missed it)
EOF_TIMEOUT = 1.0         # the server closing its end after ours
MAX_GAP = 2.0             # longer idle gaps between client actions are shortened to this
LINGER = 0.3              # after the last action: let the pipe sink flush
FAIL_FAST_TIMEOUT = 0.1   # waits after the server first failed to answer in time


socket_timeout = SOCKET_TIMEOUT


class ReplayError(Exception):
    """The replay could not be carried out (server did not start, ...)."""


# ---------------------------------------------------------------------------
# Recorded sessions

class Recorded:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-6]
        self.records = []           # (line number, record) with 'decoded' recomputed from 'raw'
        self.header = {}
        self.result = None
        raw = []
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                line = line.strip()
                if line:
                    raw.append((lineno, json.loads(line)))
        decoders = {}
        for lineno, rec in raw:
            if rec.get("type") == "frame":
                cd = decoders.setdefault(rec["conn"], pa_wire.ConnDecoder())
                rec["decoded"] = cd.decode(base64.b64decode(rec["raw"]), rec["dir"])
            elif rec.get("type") == "header":
                self.header = rec
            elif rec.get("type") == "result":
                self.result = rec
            self.records.append((lineno, rec))
        self.session = C.Session(self.records)
        self.session.build()
        self.sessions_dir = os.path.dirname(os.path.abspath(path))

    def sound_pcm(self):
        """PCM payloads of the session's sound files (WAV data chunks, raw files as they are)."""
        out = []
        for name in self.header.get("sounds") or []:
            p = os.path.join(self.sessions_dir, "sounds", name)
            try:
                with open(p, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            out.append((name, wav_data(data) if name.endswith(".wav") else data))
        return out


def wav_data(data):
    """The 'data' chunk of a RIFF/WAVE file (or the whole file if it is not one)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return data
    pos = 12
    while pos + 8 <= len(data):
        cid = data[pos:pos + 4]
        n = struct.unpack_from("<I", data, pos + 4)[0]
        if cid == b"data":
            return data[pos + 8:pos + 8 + n]
        pos += 8 + n + (n & 1)
    return b""


# ---------------------------------------------------------------------------
# Tagstruct patching (rewrite server-chosen values in client requests)

def top_level_offsets(payload):
    """(type char, offset of the value) for each top-level tagstruct value."""
    r = pa_wire._Reader(payload)
    out = []
    try:
        while not r.eof():
            tag = r.u8()
            off = r.i
            pa_wire._read_value(r, tag)
            out.append((chr(tag), off))
    except pa_wire.TagstructError:
        pass
    return out


def rewrite_c2s(frame, decoded, conn, mapper):
    """Client frame with server-chosen values mapped to the server under test's."""
    if decoded.get("kind") == "memblock":
        ch = decoded.get("channel")
        new = mapper.to_actual(("pchannel", conn), ch)
        if new == ch:
            return frame
        b = bytearray(frame)
        struct.pack_into(">I", b, 4, new)
        return bytes(b)
    if decoded.get("kind") != "packet":
        return frame
    ctx = decoded.get("command")
    fields = decoded.get("fields") or []
    patches = []
    for i, fl in enumerate(fields):
        if fl[0] != "u32" or len(fl) < 3:
            continue
        kind = C.index_kind(ctx, fl[2], decoded, conn)
        if kind is None or kind in C.EXACT_KINDS:
            continue
        new = mapper.to_actual(kind, fl[1])
        if new != fl[1]:
            patches.append((i, new))
    if not patches:
        return frame
    offs = top_level_offsets(frame[pa_wire.DESCRIPTOR_SIZE:])
    b = bytearray(frame)
    for i, new in patches:
        k = i + 2           # command and tag come first
        if k < len(offs) and offs[k][0] == "L":
            struct.pack_into(">I", b, pa_wire.DESCRIPTOR_SIZE + offs[k][1], new)
    return bytes(b)


def learn_from_reply(exp_d, act_d, conn, mapper):
    """Pair the fields of a recorded and an actual REPLY and learn the mapped kinds."""
    if exp_d.get("command") != "REPLY" or act_d.get("command") != "REPLY":
        return
    ctx = "REPLY(%s)" % exp_d.get("reply_to")
    ef, af = exp_d.get("fields") or [], act_d.get("fields") or []
    for x, y in zip(ef, af):
        if x[0] != "u32" or y[0] != "u32" or len(x) < 3:
            continue
        if len(y) > 2 and y[2] != x[2]:
            break       # layouts diverged
        kind = C.index_kind(ctx, x[2], exp_d, conn)
        if kind is None or kind in C.EXACT_KINDS:
            continue
        mapper.learn(kind, x[1], y[1])


# ---------------------------------------------------------------------------
# Live connections

def parse_anc(ancdata):
    creds = None
    fds = []
    for level, typ, data in ancdata:
        if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS and len(data) >= UCRED.size:
            pid, uid, gid = UCRED.unpack_from(data)
            creds = {"pid": pid, "uid": uid, "gid": gid}
        elif level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            a = array.array("i")
            a.frombytes(data[:len(data) - (len(data) % a.itemsize)])
            fds.extend(a)
    return creds, fds


class LiveConn:
    """One client connection to the server under test; a thread reads frames
    and puts them on the shared queue as (conn, t, wall, kind, payload)."""

    def __init__(self, num, path, q, t0):
        self.num = num
        self.q = q
        self.t0 = t0
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.connect(path)
        self.decoder = pa_wire.ConnDecoder()
        self.closed_by_us = False
        self.eof = False
        self.send_failed = False
        self.shm_refused = False
        self.srb_cut = False        # client's srbchannel ack reached: nothing more on the socket
        self.answers = {}           # tag -> decoded answer
        self.event_counts = {}      # command -> count of unsolicited non-flow packets
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        buf = bytearray()
        last_creds = None
        while True:
            try:
                data, anc, _, _ = self.sock.recvmsg(256 * 1024, ANC_BUF)
            except OSError as e:
                self.q.put((self.num, self.now(), time.time(), "close", "error: %s" % e.__class__.__name__))
                return
            creds, fds = parse_anc(anc)
            for fd in fds:
                os.close(fd)        # only counted (shm would need them; we never offer it)
            if not data:
                self.q.put((self.num, self.now(), time.time(), "close", "eof"))
                return
            # ancillary data arrives with the first byte of a frame (the
            # sender attaches it to the frame's first write)
            starts_frame = not buf
            buf += data
            pos = 0
            while True:
                n = pa_wire.frame_total_length(buf, pos)
                if n is None or len(buf) - pos < n:
                    break
                c, nfds = None, 0
                if pos == 0 and starts_frame:
                    nfds = len(fds)
                    if creds is not None and creds != last_creds:
                        c = last_creds = creds      # recorded when they change, like the relay
                self.q.put((self.num, self.now(), time.time(), "frame", (bytes(buf[pos:pos + n]), c, nfds)))
                pos += n
            del buf[:pos]

    def now(self):
        return time.monotonic() - self.t0

    def send(self, frame, with_creds):
        anc = []
        if with_creds:
            anc.append((socket.SOL_SOCKET, socket.SCM_CREDENTIALS,
                        UCRED.pack(os.getpid(), os.getuid(), os.getgid())))
        view = memoryview(frame)
        n = self.sock.sendmsg([view], anc)
        while n < len(frame):
            n += self.sock.send(view[n:])

    def shutdown(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class FifoReader(threading.Thread):
    """Drains the pipe sink's FIFO.  Opened O_RDWR so that neither side ever
    blocks or sees EOF whatever the server does with its end."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.data = bytearray()
        self.stop = threading.Event()
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)

    def run(self):
        p = select.poll()
        p.register(self.fd, select.POLLIN)
        while not self.stop.is_set():
            if p.poll(50):
                self._drain()
        self._drain()
        os.close(self.fd)

    def _drain(self):
        while True:
            try:
                b = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                return
            if not b:
                return
            self.data += b


def exit_text(rc):
    if rc is not None and rc < 0:
        try:
            return "killed by %s" % signal.Signals(-rc).name
        except ValueError:
            return "killed by signal %d" % -rc
    return "status %s" % rc


def analyse_pipe(data, pcms, want_pcm):
    res = {"pipe_bytes": len(data)}
    res["pipe_nonsilent_4k_blocks"] = sum(1 for i in range(0, len(data), 4096) if any(data[i:i + 4096]))
    if want_pcm:
        found = False
        for _, pcm in pcms:
            if pcm and data.find(pcm) >= 0:
                found = True
                res["pcm_offset_in_pipe_output"] = data.find(pcm)
                break
        res["pcm_bit_exact_found"] = found
    return res


# ---------------------------------------------------------------------------
# --alsa-sim: the pipe sink replaced by an ALSA sink on the simulated card
#
# Every `load-module module-pipe-sink ARGS` of the daemon script becomes
# `load-module module-alsa-sink device=conformance_simN sink_name=<the pipe
# sink's name> format= rate= channels= [channel_map=] [sink_properties=]`,
# where conformance_simN is a simhw PCM (compat-tests/simhw) defined in a
# generated ALSA config that includes simhw.conf: fixed to the pipe sink's
# sample spec, writing what it "played" as raw frames appended across
# reopens (suspend/resume) to $SIMHW_OUT/simN-play.raw, which is analysed
# instead of the FIFO.

# the pipe sink's format names (PulseAudio's sample-format names and
# aliases) -> the ALSA formats simhw accepts
SIM_FORMATS = {"s16le": "S16_LE", "s16": "S16_LE", "s16ne": "S16_LE",
               "s32le": "S32_LE", "s32": "S32_LE", "s32ne": "S32_LE",
               "float32le": "FLOAT_LE", "float32": "FLOAT_LE", "float32ne": "FLOAT_LE", "float": "FLOAT_LE"}
SIM_RATES = (44100, 48000, 96000)
PIPE_DEFAULTS = {"sink_name": "fifo_output", "format": "s16le", "rate": "44100", "channels": "2"}


def parse_modargs(text):
    """PulseAudio module arguments: key=value, values optionally quoted with
    ' or " (a backslash escapes the next character inside quotes).  Returns a
    list of (key, value); raises ValueError on malformed input."""
    out = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return out
        j = i
        while j < n and text[j] != "=" and not text[j].isspace():
            j += 1
        if j >= n or text[j] != "=" or j == i:
            raise ValueError("expected key=value at %r" % text[i:i + 30])
        key = text[i:j]
        i = j + 1
        val = []
        if i < n and text[i] in "'\"":
            q = text[i]
            i += 1
            while i < n and text[i] != q:
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                val.append(text[i])
                i += 1
            if i >= n:
                raise ValueError("unterminated quote in %r" % text)
            i += 1
        else:
            while i < n and not text[i].isspace():
                val.append(text[i])
                i += 1
        out.append((key, "".join(val)))


def quote_modarg(v):
    if v and not any(c.isspace() or c in "'\"\\" for c in v):
        return v
    return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')


class AlsaSubst:
    """One pipe sink replaced by an ALSA sink on a simhw PCM."""

    def __init__(self, num, pipe_text, pipe_args, out_dir):
        self.pipe_args = pipe_text.strip()     # as recorded (GET_MODULE_INFO argument)
        a = dict(PIPE_DEFAULTS)
        a.update(pipe_args)
        self.sink_name = a["sink_name"]
        self.pcm = "conformance_sim%d" % num
        self.format = a["format"]
        fmt = SIM_FORMATS.get(self.format.lower())
        if fmt is None:
            raise ReplayError("--alsa-sim: pipe sink format %r cannot be simulated (simhw takes S16_LE, S32_LE, "
                              "FLOAT_LE)" % self.format)
        try:
            self.rate, self.channels = int(a["rate"]), int(a["channels"])
        except ValueError:
            raise ReplayError("--alsa-sim: pipe sink rate/channels %r/%r are not numbers" % (a["rate"], a["channels"]))
        if self.rate not in SIM_RATES or not 1 <= self.channels <= 8:
            raise ReplayError("--alsa-sim: pipe sink rate %d / %d channels cannot be simulated (simhw: %s Hz, 1..8 "
                              "channels)" % (self.rate, self.channels, "/".join(map(str, SIM_RATES))))
        self.alsa_format = fmt
        self.out = os.path.join(out_dir, "sim%d-play.raw" % num)
        self.events = os.path.join(out_dir, "sim%d-events.log" % num)
        args = [("device", self.pcm), ("sink_name", self.sink_name), ("format", self.format),
                ("rate", str(self.rate)), ("channels", str(self.channels))]
        for k in ("channel_map", "sink_properties"):
            if k in pipe_args:
                args.append((k, pipe_args[k]))
        self.args = " ".join("%s=%s" % (k, quote_modarg(v)) for k, v in args)

    def pcm_conf(self):
        return ("pcm.%s {\n    type simhw\n    file \"%s\"\n    file_format \"raw\"\n    events \"%s\"\n"
                "    rate %d\n    channels %d\n    format \"%s\"\n    granularity 1\n"
                "    hint { show on description \"conformance replay: %s\" }\n}\n"
                % (self.pcm, self.out, self.events, self.rate, self.channels, self.alsa_format,
                   re.sub(r"[^A-Za-z0-9_.-]", "_", self.sink_name)))


def alsa_substitute(script, out_dir):
    """The daemon script with every module-pipe-sink replaced by
    module-alsa-sink on a simhw PCM; returns (script, [AlsaSubst])."""
    subst = []

    def repl(m):
        try:
            pa = dict(parse_modargs(m.group(2)))
        except ValueError as e:
            raise ReplayError("--alsa-sim: cannot parse the pipe sink's arguments: %s" % e)
        s = AlsaSubst(len(subst), m.group(2), pa, out_dir)
        subst.append(s)
        return "%sload-module module-alsa-sink %s" % (m.group(1), s.args)
    script = re.sub(r"^(\s*)load-module\s+module-pipe-sink\b(.*)$", repl, script, flags=re.M)
    return script, subst


# ---------------------------------------------------------------------------
# One replay

class Replay:
    def __init__(self, rec, server, opts):
        self.rec = rec
        self.server = server
        self.opts = opts
        self.mapper = C.Mapper()
        self.q = queue.Queue()
        self.conns = {}
        self.actual = []            # actual records (dicts), in the session format
        self.notes = []             # partial-replay notes
        self.problems = []          # (key, message): server exits etc.
        self.proc = None
        self.fifo = None
        self.alsa_subst = []        # --alsa-sim: the replaced pipe sinks (AlsaSubst)
        self.tmp = None
        self.given_up = set()       # (conn, tag) answers we stopped waiting for
        self.reply_timeout = opts.reply_timeout
        self.event_timeout = EVENT_TIMEOUT

    # -- environment --
    def setup(self):
        self.tmp = tempfile.mkdtemp(prefix="pa-conformance-%s-" % self.rec.name)
        os.chmod(self.tmp, 0o700)
        home = os.path.join(self.tmp, "home")
        run = os.path.join(self.tmp, "run")
        prt = os.path.join(run, "pulse")
        for d in (home, os.path.join(home, ".config"), os.path.join(home, ".config", "pulse"), run, prt):
            os.makedirs(d, mode=0o700, exist_ok=True)
        sdir = self.rec.sessions_dir
        with open(os.path.join(sdir, "daemon", "cookie"), "rb") as f:
            cookie = f.read()
        cpath = os.path.join(home, ".config", "pulse", "cookie")
        with open(cpath, "wb") as f:
            f.write(cookie)
        os.chmod(cpath, 0o600)
        alsa = os.path.join(self.tmp, "asound.conf")
        with open(alsa, "w") as f:
            f.write("# empty: ALSA 'default' must not route to a pulse socket\n")
        # daemon script: recording-root paths rewritten into the temp dir
        nsroot = (self.rec.header.get("environment") or {}).get("nsroot") or "/srv/pa-corpus"
        script_rel = self.rec.header.get("daemon_script") or "daemon/corpus.pa"
        with open(os.path.join(sdir, script_rel), encoding="utf-8") as f:
            script = f.read().replace(nsroot, self.tmp)
        self.script = os.path.join(self.tmp, os.path.basename(script_rel))
        if self.opts.alsa_sim:
            # the pipe sink becomes an ALSA sink on the simulated card; its
            # ALSA config includes simhw.conf and adds one PCM per sink
            sim_out = os.path.join(self.tmp, "simhw")
            os.makedirs(sim_out, mode=0o700, exist_ok=True)
            script, self.alsa_subst = alsa_substitute(script, sim_out)
            alsa = os.path.join(self.tmp, "asound-simhw.conf")
            with open(alsa, "w") as f:
                f.write("# generated by replay.py --alsa-sim: the simulated card plus one PCM per replaced "
                        "pipe sink\n<%s>\n" % self.opts.simhw_conf)
                for sub in self.alsa_subst:
                    f.write(sub.pcm_conf())
        with open(self.script, "w", encoding="utf-8") as f:
            f.write(script)
        # pipe sink FIFO: relative file= names live in the runtime dir
        for m in re.finditer(r"^\s*load-module\s+module-pipe-sink\b(.*)$", script, re.M):
            fm = re.search(r"\bfile=(\S+)", m.group(1))
            name = fm.group(1) if fm else "fifo_output"
            path = name if os.path.isabs(name) else os.path.join(prt, name)
            os.mkfifo(path, 0o600)
            self.fifo = FifoReader(path)
            self.fifo.start()
            break
        pw = pwd.getpwuid(os.getuid())
        self.env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": home, "XDG_RUNTIME_DIR": run,
                    "PULSE_RUNTIME_PATH": prt, "ALSA_CONFIG_PATH": alsa, "LC_ALL": "C", "LANG": "C",
                    "USER": pw.pw_name, "LOGNAME": pw.pw_name}
        if self.opts.alsa_sim:
            self.env["SIMHW_LIB"] = self.opts.simhw_lib
            self.env["SIMHW_OUT"] = sim_out
        for kv in self.opts.server_env or []:
            k, _, v = kv.partition("=")
            self.env[k] = v
        self.socket_path = os.path.join(prt, "native")
        self.user = pw.pw_name
        self.nsroot = nsroot

    def log_tail(self, n=6):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").strip().splitlines()
        except OSError:
            return ""
        lines = [ln for ln in lines if ln.strip()][-n:]
        return ("; server log: " + " | ".join(lines)) if lines else ""

    def stop_server(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log.closed:
            return
        # anything the server left behind in the process group we created for
        # it (start_new_session: the group id is the server's pid)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        self.log.close()

    def cleanup(self):
        for c in self.conns.values():
            c.close()
        if self.fifo is not None:
            self.fifo.stop.set()
            self.fifo.join(2)
        self.stop_server()
        if self.tmp and not self.opts.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- clock and incoming traffic --
    def now(self):
        return time.monotonic() - self.t0

    def pump(self, timeout):
        """Process incoming traffic for timeout seconds (what is queued at least)."""
        self.pump_until(lambda: False, timeout)

    def pump_until(self, cond, timeout):
        """Process incoming traffic until cond() holds or timeout seconds passed.
        Returns cond()."""
        end = time.monotonic() + max(0.0, timeout)
        while True:
            if cond():
                return True
            rem = end - time.monotonic()
            try:
                item = self.q.get(timeout=rem) if rem > 0 else self.q.get_nowait()
            except queue.Empty:
                return cond()
            self.handle(item)

    def handle(self, item):
        num, t, wall, kind, payload = item
        lc = self.conns[num]
        if kind == "close":
            lc.eof = True
            self.actual.append({"type": "close", "t": t, "conn": num, "dir": "s2c", "reason": payload})
            return
        frame, creds, nfds = payload
        d = lc.decoder.decode(frame, "s2c")
        rec = {"type": "frame", "t": t, "wall": wall, "conn": num, "dir": "s2c",
               "raw": base64.b64encode(frame).decode("ascii"), "decoded": d}
        if creds is not None:
            rec["creds"] = creds
        if nfds:
            rec["fds"] = nfds
        self.actual.append(rec)
        if d.get("kind") != "packet":
            return
        cmd = d.get("command")
        tag = d.get("tag")
        if cmd in ("REPLY", "ERROR") and tag != C.ASYNC_TAG:
            lc.answers.setdefault(tag, d)
            exp = self.expected_answer.get((num, tag))
            if exp is not None:
                learn_from_reply(exp.d, d, num, self.mapper)
            if d.get("reply_to") == "AUTH" and cmd == "REPLY":
                v = (d.get("fields") or [[None, 0]])[0][1]
                if isinstance(v, int) and self.auth_offered_shm.get(num) and not (v & 0xC0000000):
                    lc.shm_refused = True
        elif cmd not in C.FLOW_EVENTS:
            lc.event_counts[cmd] = lc.event_counts.get(cmd, 0) + 1

    # -- waiting rules --
    def wait_answers(self, pos):
        """Answers the recorded client had received before the action at pos."""
        for f in self.answers_before(pos):
            lc = self.conns.get(f.conn)
            if lc is None or lc.closed_by_us or (f.conn, f.d.get("tag")) in self.given_up:
                continue
            tag = f.d.get("tag")
            if tag not in lc.sent_tags:
                continue
            self.pump_until(lambda: tag in lc.answers or lc.eof, self.reply_timeout)
            if tag not in lc.answers:
                self.given_up.add((f.conn, tag))
                # fail fast: a server that left one answer out will leave out
                # more; the first missing answer is what the report shows
                self.reply_timeout = min(self.reply_timeout, FAIL_FAST_TIMEOUT)

    def answers_before(self, pos):
        out = []
        for f in self.answer_frames:
            if f.pos >= pos:
                break
            out.append(f)
        return out

    def wait_events(self, conn, pos):
        """Before closing: the unsolicited packets the recorded client had seen."""
        ce = self.rec.session.conns.get(conn)
        lc = self.conns[conn]
        if ce is None:
            return
        want = {}
        for f in ce.events:
            if f.pos < pos and ce.delivered(f) and f.cmd not in C.SHM_ONLY:
                want[f.cmd] = want.get(f.cmd, 0) + 1
        if not want:
            return
        if not self.pump_until(lambda: lc.eof or all(lc.event_counts.get(k, 0) >= n for k, n in want.items()),
                               self.event_timeout):
            self.event_timeout = min(self.event_timeout, FAIL_FAST_TIMEOUT)

    # -- the replay --
    def run(self):
        self.setup()
        exp = self.rec.session
        # recorded answers, by (conn, tag), and those a client saw before acting
        self.expected_answer = {}
        self.answer_frames = []
        self.auth_offered_shm = {}
        for c in exp.conns.values():
            for f in c.frames:
                if f.dir == "s2c" and f.kind == "packet" and f.cmd in ("REPLY", "ERROR") \
                        and f.d.get("tag") != C.ASYNC_TAG:
                    self.expected_answer.setdefault((c.num, f.d.get("tag")), f)
                    if c.delivered(f):
                        self.answer_frames.append(f)
                if f.dir == "c2s" and f.kind == "packet" and f.cmd == "AUTH":
                    v = (f.d.get("fields") or [[None, 0]])[0][1]
                    self.auth_offered_shm[c.num] = C.is_shm_version(v)
        self.answer_frames.sort(key=lambda f: f.pos)
        self.start_server_and_clock()
        pcms = self.rec.sound_pcm()
        pcm_stream = {}         # conn -> [pcm bytes, offset] for shm references sent inline
        prev_t = None
        offset = 0.0
        for pos, (lineno, r) in enumerate(self.rec.records):
            typ = r.get("type")
            if typ not in ("open", "frame", "close"):
                continue
            if typ in ("frame", "close") and r.get("dir") != "c2s":
                continue
            conn = r["conn"]
            lc = self.conns.get(conn)
            if typ == "frame" and (lc is None or lc.closed_by_us):
                continue
            if typ == "close" and (lc is None or lc.closed_by_us):
                continue
            # 1. causality: answers the recorded client had before this action
            self.wait_answers(pos)
            if typ == "close":
                self.wait_events(conn, pos)
            # 2. pace: recorded gaps, long idle gaps shortened
            t = r.get("t", 0.0)
            if prev_t is None:
                offset = -t         # the recording's start-up time is not the server's business
            elif t - prev_t > self.opts.max_gap:
                offset -= (t - prev_t) - self.opts.max_gap
            prev_t = t
            target = t + offset
            now = self.now()
            if now < target:
                self.pump(target - now)
            else:
                offset = now - t
            if self.proc.poll() is not None:
                break
            # 3. act
            if typ == "open":
                try:
                    lc = LiveConn(conn, self.socket_path, self.q, self.t0)
                except OSError as e:
                    self.problems.append(((lineno, -1), lineno, conn, "could not connect: %s" % e))
                    continue
                lc.sent_tags = set()
                self.conns[conn] = lc
                self.actual.append({"type": "open", "t": self.now(), "conn": conn})
            elif typ == "close":
                self.pump(0)
                lc.closed_by_us = True
                # stamp before acting: the reader thread may see the server's
                # answer (EOF) before shutdown() returns
                self.actual.append({"type": "close", "t": self.now(), "conn": conn, "dir": "c2s", "reason": "eof"})
                lc.shutdown()
            else:
                self.send_frame(lc, lineno, r, pcms, pcm_stream)
        # let late answers, the server's end of the connections and the pipe sink arrive
        end = time.monotonic() + self.reply_timeout
        for f in self.answer_frames:
            lc = self.conns.get(f.conn)
            if lc is None or lc.closed_by_us or f.d.get("tag") not in lc.sent_tags:
                continue
            self.pump_until(lambda: f.d.get("tag") in lc.answers or lc.eof, end - time.monotonic())
        for num, lc in sorted(self.conns.items()):
            if not lc.closed_by_us:
                lc.closed_by_us = True
                self.actual.append({"type": "close", "t": self.now(), "conn": num, "dir": "c2s",
                                    "reason": "end of recording"})
                lc.shutdown()
        self.pump_until(lambda: all(lc.eof for lc in self.conns.values()), EOF_TIMEOUT)
        self.pump(LINGER)
        if self.proc.poll() is not None:
            self.problems.append(((0, -2), None, None, "the server exited during the session (%s)%s" % (
                exit_text(self.proc.returncode), self.log_tail())))
        pipe = None
        want_pcm = (self.rec.result or {}).get("checks", {}).get("pcm_bit_exact_found") is not None
        if self.fifo is not None:
            self.fifo.stop.set()
            self.fifo.join(2)
            pipe = analyse_pipe(bytes(self.fifo.data), pcms, want_pcm)
        elif self.alsa_subst:
            # what the simulated card played (raw frames, appended across
            # reopens) stands for what the FIFO would have carried; the card
            # writes frames when its pointer passes them, so stop the server
            # first (closing the PCM writes out what was played up to then)
            self.stop_server()
            try:
                with open(self.alsa_subst[0].out, "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                data = b""
            pipe = analyse_pipe(data, pcms, want_pcm)
            pipe["source"] = "the simulated card's output %s" % os.path.basename(self.alsa_subst[0].out)
        return pipe

    def start_server_and_clock(self):
        # Start the server, wait for its socket to exist (without connecting:
        # a probe connection would count as a client and shift client indices).
        cmd = [self.server, "-n", "-F", self.script] + SERVER_FLAGS + list(self.rec.header.get("daemon_flags") or []) \
            + list(self.opts.server_arg or [])
        self.log_path = os.path.join(self.tmp, "server.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=self.tmp, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        global socket_timeout
        end = time.monotonic() + socket_timeout
        while True:
            if self.proc.poll() is not None:
                raise ReplayError("server exited (%s) before its socket appeared%s" % (
                    exit_text(self.proc.returncode), self.log_tail()))
            if os.path.exists(self.socket_path):
                break
            if time.monotonic() > end:
                timeout = socket_timeout
                socket_timeout = min(socket_timeout, 2.0)     # no need to wait as long next time
                raise ReplayError("server socket %s did not appear within %gs%s" % (
                    self.socket_path, timeout, self.log_tail()))
            time.sleep(0.01)
        # the socket file appears at bind(); give listen() a moment
        time.sleep(0.05)
        self.t0 = time.monotonic()

    def send_frame(self, lc, lineno, r, pcms, pcm_stream):
        conn = lc.num
        frame = base64.b64decode(r["raw"])
        d = r["decoded"]
        kind = d.get("kind")
        if lc.srb_cut:
            return
        if lc.shm_refused:
            if kind == "packet" and d.get("command") in C.SHM_ONLY:
                if d.get("command") == "ENABLE_SRBCHANNEL":
                    # PulseAudio moved the conversation into the shared ring
                    # buffer here: what the client did next is not on record
                    lc.srb_cut = True
                    self.notes.append("conn%d: everything after the srbchannel switch (line %d) travelled through "
                                      "shared memory and is not recorded; replayed up to there" % (conn, lineno))
                return
            if kind in ("shm_release", "shm_revoke"):
                return
            if kind == "memblock_shm_ref":
                # the data is not recorded, but it is the played file's PCM in order
                if len(pcms) != 1:
                    self.notes.append("conn%d: shm data at line %d not replayable" % (conn, lineno))
                    lc.srb_cut = True
                    return
                st = pcm_stream.setdefault(conn, [pcms[0][1], 0])
                n = (d.get("shm") or {}).get("length", 0)
                payload = st[0][st[1]:st[1] + n]
                st[1] += n
                desc = struct.unpack_from(">5I", frame, 0)
                frame = struct.pack(">5I", len(payload), desc[1], desc[2], desc[3], desc[4] & 0xFF) + payload
                if "shm references" not in " ".join(self.notes):
                    self.notes.append("conn%d: shm references sent as inline data (the played file's PCM)" % conn)
                d = pa_wire.ConnDecoder().decode(frame, "c2s")     # a memblock: no state needed
        elif r.get("fds"):
            lc.srb_cut = True
            self.problems.append(((lineno, 0), lineno, conn, "the server accepted shm/memfd: frames carrying "
                                  "file descriptors cannot be replayed (start it with --disable-shm=yes)"))
            return
        frame = rewrite_c2s(frame, d, conn, self.mapper)
        dd = lc.decoder.decode(frame, "c2s")
        t = self.now()      # stamped before sending: the answer may be read before send() returns
        try:
            lc.send(frame, with_creds=bool(r.get("creds")))
        except OSError as e:
            if not lc.send_failed:
                lc.send_failed = True
                self.actual.append({"type": "note", "t": self.now(), "conn": conn, "dir": "c2s",
                                    "text": "send failed: %s" % e.__class__.__name__})
            return
        if dd.get("kind") == "packet" and dd.get("tag") is not None:
            lc.sent_tags.add(dd.get("tag"))
        self.actual.append({"type": "frame", "t": t, "conn": conn, "dir": "c2s",
                            "raw": base64.b64encode(frame).decode("ascii"), "decoded": dd})


# ---------------------------------------------------------------------------

class Outcome:
    def __init__(self, name, diffs, notes, elapsed, error=None):
        self.name = name
        self.diffs = diffs
        self.notes = notes
        self.elapsed = elapsed
        self.error = error

    @property
    def passed(self):
        return not self.diffs and self.error is None


def machine_id():
    for p in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            with open(p) as f:
                return f.read().strip()
        except OSError:
            pass
    return None


def replay_one(path, server, opts):
    rec = Recorded(path)
    t_start = time.monotonic()
    rp = Replay(rec, server, opts)
    try:
        try:
            pipe = rp.run()
        except ReplayError as e:
            return Outcome(rec.name, [], rp.notes, time.monotonic() - t_start, error=str(e))
        finally:
            rp.cleanup()
        if opts.save_actual:
            os.makedirs(opts.save_actual, exist_ok=True)
            with open(os.path.join(opts.save_actual, rec.name + ".replay.jsonl"), "w", encoding="utf-8") as f:
                for a in sorted(rp.actual, key=lambda x: x.get("t", 0.0)):
                    f.write(json.dumps(a, ensure_ascii=False, separators=(",", ":")) + "\n")
        # actual conversation in time order (reader threads stamp arrival times)
        act_records = [(i + 1, a) for i, a in enumerate(sorted(rp.actual, key=lambda x: x.get("t", 0.0)))]
        act = C.Session(act_records)
        act.build()
        exp = rec.session
        for num, lc in rp.conns.items():
            ce = exp.conns.get(num)
            if ce is not None and lc.shm_refused:
                ce.shm_refused = True
                if lc.srb_cut:
                    acks = [f.pos for f in ce.frames if f.dir == "c2s" and f.cmd == "ENABLE_SRBCHANNEL"]
                    ce.srb_cut = acks[0] if acks else None
                ce.build()
        env = C.Env(os.getuid(), os.getgid(), rp.user, rp.nsroot, rp.tmp,
                    (rec.header.get("environment") or {}).get("hostname"), socket.gethostname(),
                    (rec.header.get("environment") or {}).get("machine_id"), machine_id())
        alsa = C.AlsaSim([(x.sink_name, x.pipe_args, x.args) for x in rp.alsa_subst]) if rp.alsa_subst else None
        cmp = C.Comparer(exp, act, env, mapper=rp.mapper, pipe=pipe, alsa=alsa)
        diffs = cmp.run()
        for key, line, conn, msg in rp.problems:
            diffs.insert(0, C.Diff(key, line, conn, "", "", msg))
        return Outcome(rec.name, diffs, rp.notes, time.monotonic() - t_start)
    except Exception as e:  # a replayer bug must not look like a server failure
        import traceback
        return Outcome(rec.name, [], rp.notes, time.monotonic() - t_start,
                       error="replayer error: %s\n%s" % (e, traceback.format_exc()))


def load_expected_failures(path):
    out = {}
    if not path or path == "none":
        return out
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            parts = s.split(None, 2)
            if len(parts) < 3:
                raise SystemExit("%s:%d: expected 'session-name  issue#  reason'" % (path, ln))
            out[parts[0]] = (parts[1], parts[2])
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("server_pos", nargs="?", metavar="SERVER", help="server binary (same as --server)")
    ap.add_argument("--server", help="server binary, started with pulseaudio's command line "
                    "(env CONFORMANCE_SERVER)")
    ap.add_argument("--reference", action="store_true",
                    help="replay against %s with an empty expected-failures list" % REFERENCE_SERVER)
    ap.add_argument("--sessions", default=DEFAULT_SESSIONS, help="directory with NAME.jsonl (default: %(default)s)")
    ap.add_argument("--expected-failures", default=None,
                    help="expected-failures file ('none' for an empty list; default: expected-failures.txt)")
    ap.add_argument("--only", help="comma separated session names")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every difference, not only the first")
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs (server log, FIFO, script)")
    ap.add_argument("--save-actual", metavar="DIR", help="write what the server sent as DIR/NAME.replay.jsonl")
    ap.add_argument("--server-arg", action="append", help="extra server argument (repeatable), e.g. -vvvv")
    ap.add_argument("--server-env", action="append", metavar="VAR=VALUE",
                    help="extra environment variable for the server (repeatable); the server otherwise gets "
                         "only PATH, HOME, XDG_RUNTIME_DIR, PULSE_RUNTIME_PATH, ALSA_CONFIG_PATH, LC_ALL, LANG, "
                         "USER, LOGNAME")
    ap.add_argument("--reply-timeout", type=float, default=REPLY_TIMEOUT)
    ap.add_argument("--max-gap", type=float, default=MAX_GAP)
    ap.add_argument("--repeat", type=int, default=1, help="replay each session N times (flakiness hunting)")
    ap.add_argument("--normalisation", action="store_true", help="print the normalisation table and exit")
    ap.add_argument("--alsa-sim", action="store_true",
                    help="replace every pipe sink of the daemon script by module-alsa-sink on a simulated card "
                         "(compat-tests/simhw) and check what the card played instead of the FIFO")
    ap.add_argument("--simhw-lib", metavar="DIR",
                    help="--alsa-sim: directory of the built libasound_module_pcm_simhw.so (env SIMHW_LIB)")
    ap.add_argument("--simhw-conf", metavar="FILE", default=DEFAULT_SIMHW_CONF,
                    help="--alsa-sim: the simulated card's ALSA config (default: %(default)s)")
    a = ap.parse_args(argv)
    if a.normalisation:
        print(C.normalisation_markdown(alsa_sim=a.alsa_sim))
        return 0
    if a.alsa_sim:
        a.simhw_lib = os.path.abspath(a.simhw_lib or os.environ.get("SIMHW_LIB") or "")
        if not os.path.isfile(os.path.join(a.simhw_lib, SIMHW_PLUGIN)):
            print("conformance: --alsa-sim needs --simhw-lib DIR (or SIMHW_LIB) naming the directory of the built "
                  "%s (not found in %s)" % (SIMHW_PLUGIN, a.simhw_lib), file=sys.stderr)
            return 2
        a.simhw_conf = os.path.abspath(a.simhw_conf)
        if not os.path.isfile(a.simhw_conf):
            print("conformance: simulated card config %s not found" % a.simhw_conf, file=sys.stderr)
            return 2
    server = a.server or a.server_pos or os.environ.get("CONFORMANCE_SERVER")
    xfail_path = a.expected_failures
    if a.reference:
        server = server or REFERENCE_SERVER
        if xfail_path is None:
            xfail_path = "none"
    if xfail_path is None:
        xfail_path = DEFAULT_XFAIL
    if not server:
        ap.error("no server given (--server PATH, or --reference)")
    if os.sep not in server:
        server = shutil.which(server) or server
    server = os.path.abspath(server)
    if not os.access(server, os.X_OK):
        if a.reference:
            print("conformance: reference server %s not installed: skipped" % server)
            return 77
        print("conformance: server %s is not an executable file" % server, file=sys.stderr)
        return 2
    if not hasattr(socket, "SCM_CREDENTIALS"):
        print("conformance: this platform cannot pass SCM_CREDENTIALS: skipped")
        return 77
    xfail = load_expected_failures(xfail_path)
    names = sorted(fn[:-6] for fn in os.listdir(a.sessions) if fn.endswith(".jsonl"))
    if a.only:
        want = a.only.split(",")
        unknown = [n for n in want if n not in names]
        if unknown:
            ap.error("unknown session(s): %s" % ", ".join(unknown))
        names = want
    for n in xfail:
        if n not in names and not a.only:
            print("warning: %s lists unknown session %s" % (xfail_path, n), file=sys.stderr)
    n_pass = n_xfail = n_fail = 0
    rel = os.path.relpath(a.sessions)
    if rel.startswith(os.pardir):
        rel = os.path.abspath(a.sessions)   # shorter paths only where they stay readable
    for name in names:
        for _ in range(max(1, a.repeat)):
            o = replay_one(os.path.join(a.sessions, name + ".jsonl"), server, a)
            sfile = os.path.join(rel, name + ".jsonl")
            x = xfail.get(name)
            first = None
            if o.error:
                first = o.error
            elif o.diffs:
                first = o.diffs[0].text(sfile)
            note = (" (%s)" % "; ".join(o.notes)) if o.notes else ""
            if o.passed and x is None:
                n_pass += 1
                print("PASS  %s [%.1fs]%s" % (name, o.elapsed, note))
            elif o.passed:
                n_fail += 1
                print("XPASS %s [%.1fs]: listed as expected failure (%s %s) but passes: remove it from %s"
                      % (name, o.elapsed, x[0], x[1], xfail_path))
            elif x is not None:
                n_xfail += 1
                print("XFAIL %s [%.1fs] (%s %s): %s" % (name, o.elapsed, x[0], x[1], first))
            else:
                n_fail += 1
                print("FAIL  %s [%.1fs]: %s" % (name, o.elapsed, first))
            if not o.passed and (a.verbose or x is None) and len(o.diffs) > 1:
                if a.verbose:
                    for d in o.diffs[1:]:
                        print("      " + d.text(sfile))
                else:
                    print("      (+%d more difference%s; -v lists them)" % (
                        len(o.diffs) - 1, "" if len(o.diffs) == 2 else "s"))
            sys.stdout.flush()
    print("conformance: %d passed, %d expected failures, %d failed" % (n_pass, n_xfail, n_fail))
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
