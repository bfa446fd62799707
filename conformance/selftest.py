#!/usr/bin/python3
"""Tests of the conformance tooling itself (not of the server).

    selftest.py [--server /usr/bin/pulseaudio]

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


def docs_checks():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    T.check("README.md carries the current normalisation table (replay.py --normalisation)",
            pacompare.normalisation_markdown() in readme)


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


def main():
    server = replay.REFERENCE_SERVER
    if len(sys.argv) > 2 and sys.argv[1] == "--server":
        server = sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="pa-conformance-selftest-")
    try:
        offline_checks(tmp)
        docs_checks()
        have_server = os.access(server, os.X_OK)
        if have_server:
            server_checks(tmp, server)
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
