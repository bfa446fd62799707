#!/usr/bin/python3
"""Tests of the conformance tooling itself (not of the server).

    selftest.py [--server /usr/bin/pulseaudio] [--simhw-lib DIR]

A replayer that passes everything proves nothing, so this checks that it
fails where it must: recorded sessions are mutated (a string in a reply, an
error code, a dropped subscription event, a latency beyond tolerance, the
pipe-sink check) and replayed against the reference server (Debian's
PulseAudio, which produced the recordings), and each mutation must be
reported at the right line and field while tolerated changes must pass.  It
also checks the expected-failures semantics (XFAIL / XPASS), the replay
against a deliberately minimal fake server, the tagstruct rewriting, and
that extract-fuzz-seeds.py is deterministic.

Prints `selftest: N passed, M failed`; exit 1 on failures, 77 when the
reference server is not installed (the server-independent checks still run
first and count).
"""
import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pa_wire  # noqa: E402
import pacompare  # noqa: E402
import replay  # noqa: E402

PY = "/usr/bin/python3"
SESSIONS = os.path.join(HERE, "sessions")

FAKE_SERVER = r'''#!/usr/bin/python3
# Minimal stand-in server: answers AUTH and SET_CLIENT_NAME, ERROR
# NOTIMPLEMENTED to everything else.
import os, socket, struct, threading
ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ls.bind(os.path.join(os.environ["PULSE_RUNTIME_PATH"], "native"))
ls.listen(8)
def pkt(cmd, tag, body):
    p = b"L" + struct.pack(">I", cmd) + b"L" + struct.pack(">I", tag) + body
    return struct.pack(">5I", len(p), 0xFFFFFFFF, 0, 0, 0) + p
def serve(s, idx):
    buf = b""
    while True:
        d = s.recv(65536)
        if not d:
            return
        buf += d
        while len(buf) >= 20 and len(buf) >= 20 + struct.unpack(">I", buf[:4])[0]:
            n = 20 + struct.unpack(">I", buf[:4])[0]
            fr, buf = buf[:n], buf[n:]
            if struct.unpack(">I", fr[4:8])[0] != 0xFFFFFFFF:
                continue
            cmd, tag = struct.unpack(">I", fr[21:25])[0], struct.unpack(">I", fr[26:30])[0]
            if cmd == 8:
                s.sendall(pkt(2, tag, b"L" + struct.pack(">I", 35)))
            elif cmd == 9:
                s.sendall(pkt(2, tag, b"L" + struct.pack(">I", idx)))
            else:
                s.sendall(pkt(0, tag, b"L" + struct.pack(">I", 23)))
n = 0
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c, n), daemon=True).start()
    n += 1
'''


class T:
    passed = 0
    failed = 0

    @classmethod
    def check(cls, name, ok, detail=""):
        if ok:
            cls.passed += 1
            print("ok    %s" % name)
        else:
            cls.failed += 1
            print("FAIL  %s%s" % (name, (": " + detail) if detail else ""))
        sys.stdout.flush()


def session_copy(tmp, name, mutate=None):
    """A sessions dir holding only NAME (mutated), with the support files."""
    d = os.path.join(tmp, "s-%s-%d" % (name, len(os.listdir(tmp))))
    os.makedirs(d)
    for sub in ("daemon", "client", "sounds"):
        shutil.copytree(os.path.join(SESSIONS, sub), os.path.join(d, sub))
    with open(os.path.join(SESSIONS, name + ".jsonl"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    if mutate:
        lines = mutate(lines)
    with open(os.path.join(d, name + ".jsonl"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return d


def line_of(lines, pred):
    for i, ln in enumerate(lines):
        r = json.loads(ln)
        if r.get("type") == "frame" and pred(r["decoded"]):
            return i
    raise AssertionError("no such frame")


def patch_raw(lines, i, fn):
    r = json.loads(lines[i])
    b = bytearray(base64.b64decode(r["raw"]))
    fn(b)
    r["raw"] = base64.b64encode(bytes(b)).decode("ascii")
    lines[i] = json.dumps(r)
    return lines


def replace_bytes(old, new):
    def fn(b):
        i = b.index(old)
        b[i:i + len(old)] = new
    return fn


def run_replay(server, sessions, *extra):
    cp = subprocess.run([PY, os.path.join(HERE, "replay.py"), "--server", server, "--sessions", sessions,
                         "--expected-failures", "none"] + list(extra),
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    return cp.returncode, cp.stdout


def offline_checks(tmp):
    # tagstruct rewriting: a DELETE_PLAYBACK_STREAM on channel 0 becomes channel 7
    payload = b"L" + struct.pack(">I", 4) + b"L" + struct.pack(">I", 5) + b"L" + struct.pack(">I", 0)
    frame = struct.pack(">5I", len(payload), 0xFFFFFFFF, 0, 0, 0) + payload
    d = pa_wire.ConnDecoder().decode(frame, "c2s")
    m = pacompare.Mapper()
    m.learn(("pchannel", 1), 0, 7)
    out = replay.rewrite_c2s(frame, d, 1, m)
    T.check("rewrite: channel mapped in a request", out[-4:] == struct.pack(">I", 7) and out[:-4] == frame[:-4])
    mb = struct.pack(">5I", 4, 0, 0, 0, 0) + b"\0\0\0\0"
    out = replay.rewrite_c2s(mb, pa_wire.ConnDecoder().decode(mb, "c2s"), 1, m)
    T.check("rewrite: channel mapped in a memblock", struct.unpack_from(">I", out, 4)[0] == 7)
    m2 = pacompare.Mapper()
    T.check("mapper: a permutation is accepted", m2.check("client", 0, 1) is None and m2.check("client", 1, 0) is None
            and not m2.final())
    m3 = pacompare.Mapper()
    T.check("mapper: another numbering is reported", m3.check("client", 0, 5) is None and bool(m3.final()))
    # fuzz seeds: deterministic, payload = tagstruct after the descriptor
    a, b = os.path.join(tmp, "seeds-a"), os.path.join(tmp, "seeds-b")
    for o in (a, b):
        subprocess.run([PY, os.path.join(HERE, "extract-fuzz-seeds.py"), o], check=True, stdout=subprocess.DEVNULL)
    fa, fb = sorted(os.listdir(a)), sorted(os.listdir(b))
    same = fa == fb and all(open(os.path.join(a, x), "rb").read() == open(os.path.join(b, x), "rb").read() for x in fa)
    T.check("fuzz seeds: deterministic", same and len(fa) > 50, "%d files" % len(fa))
    auth = [x for x in fa if x.endswith(".AUTH")]
    ok = bool(auth)
    if ok:
        data = open(os.path.join(a, auth[0]), "rb").read()
        ok = data[:5] == b"L" + struct.pack(">I", 8) and data[5] == ord("L")
    T.check("fuzz seeds: files hold the packet payload (u32 command, u32 tag, ...)", ok)


PIPE_ARGS = ("sink_name=pipe file=pipe.fifo format=s16le rate=44100 channels=2 use_system_clock_for_timing=yes "
             "sink_properties=device.description=Pipe")
ALSA_ARGS = "device=conformance_sim0 sink_name=pipe format=s16le rate=44100 channels=2 " \
    "sink_properties=device.description=Pipe"


def alsa_rule(role, info, bn, t, e, a, reply_to="GET_SINK_INFO_LIST"):
    """Diffs (strings) from one field under the ALSA substitution rules, or None if not handled there."""
    sess = pacompare.Session([])
    cmp = pacompare.Comparer(sess, sess, pacompare.Env(0, 0, "u", "/srv/pa-corpus", "/tmp/x", None, None, None, None),
                             alsa=pacompare.AlsaSim([("pipe", PIPE_ARGS, ALSA_ARGS)]))
    fe = pacompare.Frame(1, 0, {"conn": 1, "dir": "s2c", "decoded": {
        "kind": "packet", "command": "REPLY", "reply_to": reply_to, "tag": 2, "fields": []}})
    cmp._alsa_ent = {"": (role, info)}
    if not cmp.alsa_value((role, info), bn, t, e, a, bn, fe, (1, 1)):
        return None
    return [d.msg for d in cmp.diffs]


def offline_alsa_checks():
    # the substitution of the daemon script
    with open(os.path.join(SESSIONS, "daemon", "corpus.pa"), encoding="utf-8") as f:
        script, subst = replay.alsa_substitute(f.read(), "/tmp/x")
    T.check("alsa-sim: the pipe sink line becomes module-alsa-sink with its name, spec and properties",
            len(subst) == 1 and "load-module module-alsa-sink " + ALSA_ARGS in script and "module-pipe-sink" not in
            script and subst[0].pipe_args == PIPE_ARGS, script)
    T.check("alsa-sim: the simulated PCM is fixed to the pipe sink's spec and appends raw frames",
            all(x in subst[0].pcm_conf() for x in ('file_format "raw"', "rate 44100", "channels 2", '"S16_LE"')))
    T.check("alsa-sim: module arguments with quotes are parsed",
            replay.parse_modargs("a=1 b='x y' c=\"p=q r\" d=") == [("a", "1"), ("b", "x y"), ("c", "p=q r"), ("d", "")])
    try:
        replay.alsa_substitute("load-module module-pipe-sink format=u8\n", "/tmp/x")
        ok = False
    except replay.ReplayError as e:
        ok = "cannot be simulated" in str(e)
    T.check("alsa-sim: a format the simulated card lacks is a clear error", ok)
    # the rules: what they accept and what they still reject
    snk = {"name": "pipe", "flags": 0xa6, "configured_latency_usec": 25000}
    T.check("alsa rule: sink flags + HARDWARE, DYNAMIC_LATENCY free", alsa_rule("sink", snk, "flags", "u32", 0xa2, 0xa6) == []
            and alsa_rule("sink", snk, "flags", "u32", 0xa2, 0x26) == []
            and alsa_rule("sink", snk, "flags", "u32", 0xa2, 0x37) == [])
    T.check("alsa rule: sink flags without HARDWARE or with another bit fail",
            len(alsa_rule("sink", snk, "flags", "u32", 0xa2, 0xa2)) == 1
            and len(alsa_rule("sink", snk, "flags", "u32", 0xa2, 0xae)) == 1
            and len(alsa_rule("sink", snk, "flags", "u32", 0xa2, 0x86)) == 1)
    T.check("alsa rule: monitor flags: only DYNAMIC_LATENCY free", alsa_rule("source", {}, "flags", "u32", 0x62, 0x22) == []
            and len(alsa_rule("source", {}, "flags", "u32", 0x62, 0x66)) == 1)
    T.check("alsa rule: driver must be module-alsa-sink.c",
            alsa_rule("sink", snk, "driver", "string", "module-pipe-sink.c", "module-alsa-sink.c") == []
            and len(alsa_rule("sink", snk, "driver", "string", "module-pipe-sink.c", "module-pipe-sink.c")) == 1)
    pe = {"device.string": "/srv/pa-corpus/run/pulse/pipe.fifo", "device.description": "Pipe",
          "device.icon_name": "audio-card"}
    ours = {"device.description": "Pipe", "device.string": "conformance_sim0", "device.api": "alsa",
            "device.class": "sound", "device.access_mode": "mmap", "device.icon_name": "audio-card",
            "device.buffering.buffer_size": "352800", "device.buffering.fragment_size": "704"}
    pa = dict(ours, **{"alsa.name": "conformance_sim0", "alsa.resolution_bits": "16"})
    T.check("alsa rule: the ALSA sink's proplists (ours, PulseAudio's with alsa.*) pass",
            alsa_rule("sink", snk, "proplist", "proplist", pe, ours) == []
            and alsa_rule("sink", snk, "proplist", "proplist", pe, pa) == [])
    bad = [dict(ours, **{"foo.bar": "1"}), dict(ours, **{"device.string": "card0"}),
           dict(ours, **{"device.description": "X"}), dict(ours, **{"device.api": "oss"}),
           {k: v for k, v in ours.items() if k != "device.api"},
           {k: v for k, v in ours.items() if k != "device.icon_name"}]
    T.check("alsa rule: an added key, another device.string / description / api, a missing key fail",
            all(len(alsa_rule("sink", snk, "proplist", "proplist", pe, b) or []) == 1 for b in bad))
    T.check("alsa rule: configured latency 1..2 s, 0 only where recorded 0",
            alsa_rule("sink", snk, "configured_latency_usec", "usec", 23219, 25000) == []
            and alsa_rule("sink", snk, "configured_latency_usec", "usec", 0, 0) == []
            and len(alsa_rule("sink", snk, "configured_latency_usec", "usec", 23219, 0)) == 1
            and len(alsa_rule("sink", snk, "configured_latency_usec", "usec", 0, 25000)) == 1
            and len(alsa_rule("stream", {}, "configured_sink_usec", "usec", 23219, 3000000)) == 1)
    T.check("alsa rule: latency within the configured latency + tolerance",
            alsa_rule("sink", snk, "latency_usec", "usec", 16000, 120000) == []
            and len(alsa_rule("sink", snk, "latency_usec", "usec", 16000, 130000)) == 1)
    T.check("alsa rule: module name, argument and description",
            alsa_rule("module", ALSA_ARGS, "argument", "string", PIPE_ARGS, ALSA_ARGS) == []
            and len(alsa_rule("module", ALSA_ARGS, "argument", "string", PIPE_ARGS, ALSA_ARGS + " tsched=0")) == 1
            and len(alsa_rule("module", ALSA_ARGS, "name", "string", "module-pipe-sink", "module-null-sink")) == 1
            and len(alsa_rule("module", ALSA_ARGS, "proplist", "proplist", {"module.description": "UNIX pipe sink"},
                              {"module.description": "Pipe"})) == 1)
    T.check("alsa rule: other fields of the replaced sink are not relaxed",
            alsa_rule("sink", snk, "description", "string", "Pipe", "Pipe") is None
            and alsa_rule("sink", snk, "volume", "cvolume", [65536], [65536]) is None
            and alsa_rule("sink", snk, "base_volume", "volume", 65536, 65536) is None
            and alsa_rule("stream", {}, "tlength", "u32", 1, 1) is None)
    sess = pacompare.Session([])
    cmp = pacompare.Comparer(sess, sess, None, alsa=pacompare.AlsaSim([("pipe", PIPE_ARGS, ALSA_ARGS)]))
    ents = cmp.alsa_entries("REPLY(GET_SINK_INFO_LIST)", [["string", "null1", "[0].name"], ["string", "pipe", "[1].name"]],
                            [["string", "null1", "[0].name"], ["string", "pipe", "[1].name"]])
    ents2 = cmp.alsa_entries("REPLY(GET_SOURCE_INFO_LIST)", [["string", "pipe", "[0].name"],
                                                               ["string", "pipe.monitor", "[1].name"]], [])
    T.check("alsa rule: only the replaced sink's entry and its monitor's are selected",
            list(ents) == ["[1]"] and ents["[1]"][0] == "sink" and list(ents2) == ["[1]"], "%s %s" % (ents, ents2))


def docs_checks():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    T.check("README.md carries the current normalisation table (replay.py --normalisation)",
            pacompare.normalisation_markdown() in readme)
    T.check("README.md carries the ALSA substitution rules (replay.py --alsa-sim --normalisation)",
            pacompare.alsa_normalisation_markdown() in readme)


def server_checks(tmp, server):
    # 1. a string in a reply
    def m1(lines):
        i = line_of(lines, lambda d: d.get("reply_to") == "GET_SERVER_INFO")
        return patch_raw(lines, i, replace_bytes(b"null1\0", b"nullX\0"))
    rc, out = run_replay(server, session_copy(tmp, "pactl-info", m1))
    T.check("mutated reply string is reported with line and field",
            rc == 1 and "pactl-info.jsonl:8 conn1 s2c REPLY(GET_SERVER_INFO) tag=2: default_sink_name: "
                        "expected \"nullX\", got \"null1\"" in out, out)

    # 2. an error code
    def m2(lines):
        i = line_of(lines, lambda d: d.get("command") == "ERROR")

        def fn(b):
            b[20 + 14] = 3      # third u32 of the payload: the error code
        return patch_raw(lines, i, fn)
    rc, out = run_replay(server, session_copy(tmp, "pactl-set-default-sink", m2))
    T.check("mutated error code is reported", rc == 1 and "error: expected INVALID, got NOENTITY" in out, out)

    # 3. a subscription event dropped from the recording
    def m3(lines):
        evs = [i for i, ln in enumerate(lines) if '"command":"SUBSCRIBE_EVENT"' in ln]
        del lines[evs[2]]
        return lines
    rc, out = run_replay(server, session_copy(tmp, "pactl-subscribe", m3))
    T.check("an extra server event is reported", rc == 1 and "SUBSCRIBE_EVENT" in out, out)

    # 4. latency inside / outside the tolerance
    def lat(delta):
        def m(lines):
            i = line_of(lines, lambda d: d.get("reply_to") == "GET_SINK_INFO_LIST")

            def fn(b):
                k = b.index(b"null1.monitor\0") + len(b"null1.monitor\0")
                assert b[k] == ord("U")
                v = struct.unpack_from(">Q", b, k + 1)[0]
                struct.pack_into(">Q", b, k + 1, v + delta)
            return patch_raw(lines, i, fn)
        return m
    rc, out = run_replay(server, session_copy(tmp, "pactl-list-full", lat(40000)))
    T.check("a latency within tolerance passes", rc == 0 and "PASS" in out, out)
    rc, out = run_replay(server, session_copy(tmp, "pactl-list-full", lat(300000)))
    T.check("a latency beyond tolerance fails", rc == 1 and "[0].latency_usec" in out, out)

    # 5. the pipe-sink check
    def m5(lines):
        r = json.loads(lines[-1])
        r["checks"]["pcm_bit_exact_found"] = False
        lines[-1] = json.dumps(r)
        return lines
    rc, out = run_replay(server, session_copy(tmp, "paplay-s16le-44100-stereo", m5))
    T.check("the pipe-sink PCM check is compared", rc == 1 and "pipe sink: played PCM" in out, out)

    # 6. expected failures: XFAIL counts, XPASS fails the run
    d = session_copy(tmp, "pactl-info", m1)
    xf = os.path.join(tmp, "xfail.txt")
    with open(xf, "w") as f:
        f.write("# test\npactl-info  #0  mutated on purpose\n")
    cp = subprocess.run([PY, os.path.join(HERE, "replay.py"), "--server", server, "--sessions", d,
                         "--expected-failures", xf], stdout=subprocess.PIPE, universal_newlines=True)
    T.check("a listed failing session is an expected failure", cp.returncode == 0 and
            cp.stdout.rstrip().endswith("conformance: 0 passed, 1 expected failures, 0 failed"), cp.stdout)
    d = session_copy(tmp, "pactl-info")
    cp = subprocess.run([PY, os.path.join(HERE, "replay.py"), "--server", server, "--sessions", d,
                         "--expected-failures", xf], stdout=subprocess.PIPE, universal_newlines=True)
    T.check("a listed passing session fails the run (XPASS)", cp.returncode == 1 and "XPASS" in cp.stdout and
            cp.stdout.rstrip().endswith("conformance: 0 passed, 0 expected failures, 1 failed"), cp.stdout)

    # 7. a server that is not PulseAudio at all
    fake = os.path.join(tmp, "fake-server")
    with open(fake, "w") as f:
        f.write(FAKE_SERVER)
    os.chmod(fake, 0o755)
    rc, out = run_replay(fake, session_copy(tmp, "pactl-info"))
    T.check("a minimal fake server fails pactl-info at GET_SERVER_INFO", rc == 1 and
            "expected REPLY(GET_SERVER_INFO), got ERROR(GET_SERVER_INFO) NOTIMPLEMENTED" in out, out)


def alsa_server_checks(tmp, server, simhw_lib):
    sim = ["--alsa-sim", "--simhw-lib", simhw_lib]
    rc, out = run_replay(server, session_copy(tmp, "pactl-list-full"), *sim)
    T.check("alsa-sim: the reference's module-alsa-sink on the simulated card passes pactl-list-full",
            rc == 0 and "PASS" in out, out)

    def m1(lines):
        i = line_of(lines, lambda d: d.get("reply_to") == "GET_SINK_INFO_LIST")
        return patch_raw(lines, i, replace_bytes(b"Pipe\0", b"Pipx\0"))
    rc, out = run_replay(server, session_copy(tmp, "pactl-list-full", m1), *sim)
    T.check("alsa-sim: a field of the replaced sink outside the rules is still compared",
            rc == 1 and "[2].description: expected \"Pipx\", got \"Pipe\"" in out, out)

    def m2(lines):
        r = json.loads(lines[-1])
        r["checks"]["pcm_bit_exact_found"] = False
        lines[-1] = json.dumps(r)
        return lines
    rc, out = run_replay(server, session_copy(tmp, "paplay-s16le-44100-stereo"), *sim)
    T.check("alsa-sim: the played PCM is found bit-exact in the simulated card's output", rc == 0 and "PASS" in out, out)
    rc, out = run_replay(server, session_copy(tmp, "paplay-s16le-44100-stereo", m2), *sim)
    T.check("alsa-sim: the PCM check reads the simulated card's output",
            rc == 1 and "played PCM found bit-exact in the simulated card's output" in out, out)


def main():
    server = replay.REFERENCE_SERVER
    simhw_lib = None
    args = sys.argv[1:]
    while len(args) >= 2 and args[0] in ("--server", "--simhw-lib"):
        if args[0] == "--server":
            server = args[1]
        else:
            simhw_lib = args[1]
        args = args[2:]
    tmp = tempfile.mkdtemp(prefix="pa-conformance-selftest-")
    try:
        offline_checks(tmp)
        offline_alsa_checks()
        docs_checks()
        have_server = os.access(server, os.X_OK)
        if have_server:
            server_checks(tmp, server)
            if simhw_lib:
                alsa_server_checks(tmp, server, simhw_lib)
            else:
                print("skip  --alsa-sim replay checks: no --simhw-lib DIR")
        else:
            print("skip  replay checks: %s not installed" % server)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("selftest: %d passed, %d failed" % (T.passed, T.failed))
    if T.failed:
        return 1
    return 0 if have_server else 77


if __name__ == "__main__":
    sys.exit(main())
