#!/usr/bin/python3
"""Record PulseAudio native-protocol sessions for the conformance suite.

    record_corpus.py [--only NAME[,NAME...]] [--list] [--no-namespace]
                     [--work DIR] [--public-dir DIR] [--hidden-dir DIR]
                     [--daemon PATH]

pulsecompat's copy of the shared recorder (shared/conformance/tools), kept in
the tree so that anyone can add a scenario: define it in scenarios.py next to
this file and run (as root: namespaces)

    /usr/bin/python3 conformance/recorder/record_corpus.py --only NAME

The session lands in conformance/sessions/ (NAME.jsonl + NAME.txt, support
files, regenerated README.md).  Differences from the shared tool: the decoder
pa_wire.py lives one directory up (shared with the replayer), the work dir is
a fresh temp dir unless --work/PA_REC_WORK is given, sessions go to
../sessions by default.

For every scenario in scenarios.py:
  1. a fresh pulseaudio daemon is started from data/daemon/corpus.pa (plus the
     scenario's extra flags), with private HOME / XDG_RUNTIME_DIR,
  2. pa_relay.py listens on a relay socket and records every connection,
  3. the scenario's client commands run with PULSE_SERVER=unix:<relay socket>
     and PULSE_CLIENTCONFIG=<client.conf> (enable-shm = no unless stated),
  4. relay and daemon are stopped, the session gets a trailing "result"
     record (client exit status/output, pipe-sink checks) and a readable .txt.

Isolation: unless --no-namespace is given, each scenario runs (as root) in
its own mount+UTS+PID namespace: the work directory is bind-mounted at a
fixed neutral path (NSROOT, default /srv/pa-corpus; /srv is covered by a
private tmpfs first, so nothing is created there on the real file system),
the host name is set to "pa-corpus", and /etc/machine-id is replaced by a
fixed value.  That keeps machine-specific paths, host names and ids out of
the recordings and makes pids small and mostly stable.

Environment overrides: PA_REC_WORK (work dir, default ./pa-rec-work),
PA_REC_NSROOT, CORPUS_PUBLIC_DIR (default ../sessions next to this file),
CORPUS_HIDDEN_DIR (default <work>/hidden-sessions), PA_REC_DAEMON (the
server binary, default "pulseaudio" from PATH; --daemon wins; another
server is started with exactly the same command line, which is how a
drop-in replacement is re-recorded for comparison with the stored sessions;
it must not live under the parent of NSROOT, which the namespace hides),
PA_REC_CLIENT_TIMEOUT (seconds a scenario's clients may run, default 60).
Needs: pulseaudio, pulseaudio-utils, gstreamer1.0-tools,
gstreamer1.0-pulseaudio, gstreamer1.0-plugins-base, libasound2-plugins,
alsa-utils, libpulse-dev, a C compiler, util-linux (unshare), Python 3.
"""
import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))      # pa_wire.py is shared with the replayer
import pa_wire  # noqa: E402
import scenarios as SC  # noqa: E402
import make_sounds  # noqa: E402

HOSTNAME = "pa-corpus"
MACHINE_ID = "c0ffee00c0ffee00c0ffee00c0ffee00"
DATA = os.path.join(HERE, "data")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def cookie_bytes():
    # fixed, documented cookie so AUTH packets are identical across runs
    return bytes(range(256))


# ---------------------------------------------------------------------------
# preparation (outside the namespace)

def prepare_work(work):
    for d in ("conf", "sounds", "home/.config/pulse", "bin", "out", "logs"):
        os.makedirs(os.path.join(work, d), exist_ok=True)
    for sub in ("daemon", "client"):
        for name in os.listdir(os.path.join(DATA, sub)):
            shutil.copy(os.path.join(DATA, sub, name), os.path.join(work, "conf", name))
    for p in ("home/.config/pulse/cookie", "conf/cookie"):
        with open(os.path.join(work, p), "wb") as f:
            f.write(cookie_bytes())
    os.chmod(os.path.join(work, "home"), 0o700)
    make_sounds.write_all(os.path.join(work, "sounds"))
    for src in sorted(os.listdir(os.path.join(HERE, "clients"))):
        if src.endswith(".c"):
            exe = os.path.join(work, "bin", src[:-2])
            subprocess.run(["cc", "-O1", "-Wall", "-o", exe, os.path.join(HERE, "clients", src),
                            "-lpulse", "-lm"], check=True)


# ---------------------------------------------------------------------------
# inside the namespace

def setup_namespace(work, nsroot):
    socket.sethostname(HOSTNAME)
    parent = os.path.dirname(nsroot)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "pa-corpus-ns", parent], check=True)
    os.makedirs(nsroot)
    subprocess.run(["mount", "--bind", work, nsroot], check=True)
    mid = os.path.join(nsroot, "conf", "machine-id")
    with open(mid, "w") as f:
        f.write(MACHINE_ID + "\n")
    for target in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        if os.path.exists(target):
            subprocess.run(["mount", "--bind", mid, target], check=True)


def wait_for(path, timeout, proc=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path):
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def stop(proc, sig=signal.SIGTERM, timeout=5.0):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def analyse_pipe(raw_path, check_pcm=None):
    res = {}
    try:
        with open(raw_path, "rb") as f:
            data = f.read()
    except OSError:
        return {"pipe_bytes": 0}
    res["pipe_bytes"] = len(data)
    nz = [i for i in range(0, len(data), 4096) if any(data[i:i + 4096])]
    res["pipe_nonsilent_4k_blocks"] = len(nz)
    if check_pcm:
        with open(check_pcm, "rb") as f:
            pcm = f.read()
        pos = data.find(pcm)
        res["pcm_bit_exact_found"] = pos >= 0
        if pos >= 0:
            res["pcm_offset_in_pipe_output"] = pos
    return res


def run_scenario_inside(sc, nsroot, log_level, daemon_bin="pulseaudio"):
    R = nsroot
    name = sc["name"]
    run = os.path.join(R, "run")
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(run, mode=0o700)
    crun = os.path.join(R, "client-run")
    shutil.rmtree(crun, ignore_errors=True)
    os.makedirs(crun, mode=0o700)
    relay_dir = os.path.join(R, "relay")
    os.makedirs(relay_dir, exist_ok=True)
    out = os.path.join(R, "out")
    base_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.path.join(R, "home"),
                "LC_ALL": "C", "LANG": "C", "USER": "root", "LOGNAME": "root"}

    daemon_flags = list(sc.get("daemon_flags", []))
    dscript = sc.get("daemon_script", SC.DAEMON_SCRIPT)
    dcmd = [daemon_bin, "-n", "-F", os.path.join(R, "conf", dscript),
            "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "--system=no",
            "--realtime=no", "--high-priority=no", "--disable-shm=no",
            "--log-target=file:" + os.path.join(R, "logs", name + ".daemon.log"),
            "--log-level=" + log_level] + daemon_flags
    denv = dict(base_env, XDG_RUNTIME_DIR=run)
    daemon = subprocess.Popen(dcmd, env=denv, stdin=subprocess.DEVNULL, cwd=R)
    sock = os.path.join(run, "pulse", "native")
    if not wait_for(sock, 15, daemon):
        stop(daemon)
        raise RuntimeError("daemon did not come up for %s" % name)
    fifo = os.path.join(run, "pulse", "pipe.fifo")
    pipe_raw = os.path.join(out, name + ".pipe.raw")
    reader = None
    if wait_for(fifo, 5):
        reader = subprocess.Popen(["cat", fifo], stdout=open(pipe_raw, "wb"), stdin=subprocess.DEVNULL)

    client_conf = sc.get("client_conf", "client.conf")
    header = {
        "scenario": name,
        "part": sc["part"],
        "description": sc["desc"],
        "commands": sc["script"],
        "server": ("PulseAudio 16.1 (Debian 12 package 16.1+dfsg1-2+b1)" if daemon_bin == "pulseaudio"
                   else "daemon override: " + daemon_bin),
        "daemon_script": "daemon/" + dscript,
        "daemon_flags": daemon_flags,
        "client_conf": "client/" + client_conf,
        "sounds": sorted(set(sc.get("sounds", []))),
        "environment": {"hostname": HOSTNAME, "machine_id": MACHINE_ID,
                        "nsroot": R, "user": "root (uid 0, gid 0)",
                        "cookie": "daemon/cookie (bytes 0x00..0xff)"},
    }
    hdr_path = os.path.join(out, name + ".header.json")
    with open(hdr_path, "w") as f:
        json.dump(header, f)
    relay_sock = os.path.join(relay_dir, "native")
    ready = os.path.join(out, name + ".relay.ready")
    if os.path.exists(ready):
        os.unlink(ready)
    session = os.path.join(out, name + ".jsonl")
    relay = subprocess.Popen([sys.executable, os.path.join(HERE, "pa_relay.py"), "--listen", relay_sock,
                              "--upstream", sock, "--out", session, "--header-json", hdr_path,
                              "--ready-file", ready], stdin=subprocess.DEVNULL)
    if not wait_for(ready, 10, relay):
        stop(relay)
        stop(daemon)
        raise RuntimeError("relay did not start")

    cenv = dict(base_env, XDG_RUNTIME_DIR=crun, PULSE_SERVER="unix:" + relay_sock,
                PULSE_CLIENTCONFIG=os.path.join(R, "conf", client_conf),
                PATH=os.path.join(R, "bin") + ":" + base_env["PATH"])
    t0 = time.monotonic()
    cp = subprocess.run(["timeout", os.environ.get("PA_REC_CLIENT_TIMEOUT") or "60",
                         "bash", "-c", "set -e\n" + sc["script"]], env=cenv,
                        cwd=os.path.join(R, "sounds"), stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.monotonic() - t0
    time.sleep(0.3)
    stop(relay)
    stop(daemon)
    stop(reader)
    checks = analyse_pipe(pipe_raw, os.path.join(R, "sounds", sc["check_pcm"]) if sc.get("check_pcm") else None)
    result = {"type": "result", "client_exit_code": cp.returncode,
              "client_elapsed_s": round(elapsed, 3),
              "client_stdout": cp.stdout.decode("utf-8", "replace")[-20000:],
              "client_stderr": cp.stderr.decode("utf-8", "replace")[-4000:],
              "checks": checks}
    with open(session, "a", encoding="utf-8") as f:
        f.write(json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n")
    return 0


# ---------------------------------------------------------------------------
# post-processing (outside)

def summarise(session_path):
    cmds = {}
    conns = set()
    frames = 0
    fds = 0
    kinds = {}
    header = result = None
    for rec in pa_wire.load_jsonl(session_path):
        if rec.get("type") == "header":
            header = rec
        if rec.get("type") == "result":
            result = rec
        if rec.get("type") != "frame":
            continue
        frames += 1
        conns.add(rec["conn"])
        fds += rec.get("fds", 0)
        d = rec.get("decoded", {})
        kinds[d.get("kind")] = kinds.get(d.get("kind"), 0) + 1
        if d.get("kind") == "packet":
            k = "%s %s" % (rec["dir"], d.get("command"))
            if d.get("command") in ("REPLY", "ERROR") and d.get("reply_to"):
                k += "(%s)" % d["reply_to"]
            cmds[k] = cmds.get(k, 0) + 1
    return {"frames": frames, "connections": len(conns), "frame_kinds": kinds, "fds_passed": fds,
            "packets": dict(sorted(cmds.items())), "bytes": os.path.getsize(session_path),
            "header": header, "result": result}


def _md(s):
    return s.replace("|", "\\|").replace("\n", "<br>")


def write_part_readme(dest, part):
    """README.md listing every session found in dest (scans the .jsonl files)."""
    rows = []
    total = 0
    for fn in sorted(os.listdir(dest)):
        if not fn.endswith(".jsonl"):
            continue
        s = summarise(os.path.join(dest, fn))
        total += s["bytes"]
        rows.append((fn[:-6], s))
    for fn in os.listdir(dest):
        if fn.endswith(".txt"):
            total += os.path.getsize(os.path.join(dest, fn))
    L = []
    L.append("# PulseAudio native protocol sessions (%s part)\n" % part)
    L.append("Recordings of real, unmodified libpulse clients talking to a real PulseAudio 16.1 "
             "server (Debian 12), captured by a relay between client and server. Format: see FORMAT.md "
             "(JSON Lines, format_version 1). Each `NAME.jsonl` has a readable companion `NAME.txt`.\n")
    L.append("Every session was recorded against a *fresh* daemon started from `daemon/<script>` "
             "(plus the listed flags), so indices (clients, sinks, modules, sink inputs) start from the "
             "values a fresh server gives. Clients used `client/client.conf` (shm off: all audio "
             "in-band) unless the table says otherwise. Sound files used are in `sounds/`; they are "
             "generated deterministically by `make_sounds.py` in the tools.\n")
    if part == "public":
        L.append("Scenario definitions: `../recorder/scenarios.py` (the first 17 come from the shared corpus, "
                 "the others were recorded by pulsecompat's conformance suite); recorder and how to record: "
                 "`../README.md`. `/usr/bin/python3 ../pa_wire.py decode NAME.jsonl` re-renders a `.txt`; "
                 "`../replay.py` replays the sessions against a server.\n")
    else:
        L.append("Held-out part: not visible to the developers. Scenario definitions are in "
                 "`scenarios_hidden.py` next to this file; re-record with the public tools "
                 "(`shared/conformance/tools/record_corpus.py --extra-scenarios scenarios_hidden.py "
                 "--hidden-dir <this dir> --only NAME,...`). Same format and environment as the public part.\n")
    if os.path.exists(os.path.join(dest, "NOTES.md")):
        L.append("Hand-written observations (surprises on the wire): `NOTES.md`.\n")
    L.append("Total size of this part: %.2f MB in %d sessions.\n" % (total / 1e6, len(rows)))
    L.append("| scenario | client command(s) | daemon | conns | frames | KiB | client exit |")
    L.append("|---|---|---|---|---|---|---|")
    for name, s in rows:
        h = s["header"] or {}
        r = s["result"] or {}
        daemon = h.get("daemon_script", "").replace("daemon/", "")
        if h.get("daemon_flags"):
            daemon += " " + " ".join(h["daemon_flags"])
        if h.get("client_conf", "client/client.conf") != "client/client.conf":
            daemon += "<br>client: " + h["client_conf"].replace("client/", "")
        L.append("| `%s` | <code>%s</code> | %s | %d | %d | %.0f | %s |" % (
            name, _md(h.get("commands", "")), daemon, s["connections"], s["frames"], s["bytes"] / 1024.0,
            r.get("client_exit_code")))
    L.append("")
    L.append("## What each session shows\n")
    for name, s in rows:
        h = s["header"] or {}
        r = s["result"] or {}
        L.append("### %s\n" % name)
        L.append(h.get("description", "") + "\n")
        chk = r.get("checks") or {}
        if chk.get("pcm_bit_exact_found") is not None:
            L.append("Pipe-sink check: the WAV's PCM data %s found bit-exact in the pipe sink's output.\n"
                     % ("was" if chk["pcm_bit_exact_found"] else "was NOT"))
        L.append("Packets (direction, command, count): " + ", ".join(
            "`%s`×%d" % (k, v) for k, v in s["packets"].items()) + "\n")
        kinds = {k: v for k, v in s["frame_kinds"].items() if k != "packet"}
        if kinds or s["fds_passed"]:
            L.append("Other frames: %s; file descriptors passed: %d\n" % (
                ", ".join("%s×%d" % kv for kv in sorted(kinds.items())) or "none", s["fds_passed"]))
    with open(os.path.join(dest, "README.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(L) + "\n")
    return total


def load_scenarios(extra_files):
    scen = [dict(s) for s in SC.SCENARIOS]
    for path in extra_files:
        spec = importlib.util.spec_from_file_location("extra_scenarios_%d" % len(scen), path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        scen += [dict(s) for s in mod.SCENARIOS]
    return scen


def publish(work, sc, dest):
    name = sc["name"]
    src = os.path.join(work, "out", name + ".jsonl")
    os.makedirs(dest, exist_ok=True)
    shutil.copy(src, os.path.join(dest, name + ".jsonl"))
    with open(os.path.join(dest, name + ".txt"), "w", encoding="utf-8") as f:
        for rec in pa_wire.load_jsonl(src):
            if rec.get("type") == "result":
                f.write("# result: exit=%s elapsed=%ss checks=%s\n" % (
                    rec["client_exit_code"], rec["client_elapsed_s"], json.dumps(rec["checks"])))
                for line in rec["client_stdout"].splitlines()[:200]:
                    f.write("#   stdout| %s\n" % line)
                for line in rec["client_stderr"].splitlines()[:50]:
                    f.write("#   stderr| %s\n" % line)
                continue
            f.write(pa_wire.render_record(rec) + "\n")
    # support files, so the part is self-contained
    for sub, files in (("daemon", [sc.get("daemon_script", SC.DAEMON_SCRIPT), "cookie"]),
                       ("client", [sc.get("client_conf", "client.conf")]),
                       ("sounds", sc.get("sounds", []))):
        os.makedirs(os.path.join(dest, sub), exist_ok=True)
        for fn in files:
            p = os.path.join(work, "conf" if sub != "sounds" else "sounds", fn)
            shutil.copy(p, os.path.join(dest, sub, fn))
    fmt = os.path.join(os.path.dirname(HERE), "sessions", "FORMAT.md")
    if os.path.exists(fmt) and not os.path.exists(os.path.join(dest, "FORMAT.md")):
        shutil.copy(fmt, os.path.join(dest, "FORMAT.md"))
    s = summarise(src)
    return {k: v for k, v in s.items() if k not in ("header", "result")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="comma separated scenario names")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--no-namespace", action="store_true")
    ap.add_argument("--work", default=os.environ.get("PA_REC_WORK"),
                    help="work dir (default: a new temp dir, removed afterwards unless --keep-work)")
    ap.add_argument("--keep-work", action="store_true")
    ap.add_argument("--nsroot", default=os.environ.get("PA_REC_NSROOT", "/srv/pa-corpus"))
    ap.add_argument("--public-dir", default=os.environ.get("CORPUS_PUBLIC_DIR", os.path.join(HERE, "..", "sessions")))
    ap.add_argument("--hidden-dir", default=os.environ.get("CORPUS_HIDDEN_DIR"))
    ap.add_argument("--extra-scenarios", action="append", default=[],
                    help="python file with another SCENARIOS list (e.g. the hidden part); repeatable")
    ap.add_argument("--log-level", default="info")
    ap.add_argument("--daemon", default=os.environ.get("PA_REC_DAEMON") or "pulseaudio",
                    help="server binary started with pulseaudio's command line (env PA_REC_DAEMON; "
                         "default: pulseaudio from PATH)")
    ap.add_argument("--inside", help=argparse.SUPPRESS)
    a = ap.parse_args()
    made_work = False
    if not a.work:
        if a.inside:
            ap.error("--inside needs --work")
        a.work = tempfile.mkdtemp(prefix="pa-rec-")
        made_work = True
    work = os.path.abspath(a.work)
    daemon_bin = os.path.abspath(a.daemon) if os.sep in a.daemon else a.daemon
    extra = [os.path.abspath(p) for p in a.extra_scenarios]
    if os.environ.get("CORPUS_EXTRA_SCENARIOS"):
        extra += [os.path.abspath(p) for p in os.environ["CORPUS_EXTRA_SCENARIOS"].split(os.pathsep) if p]
    all_scen = load_scenarios(extra)
    byname = {s["name"]: s for s in all_scen}

    if a.inside:
        nsroot = a.nsroot
        if not a.no_namespace:
            setup_namespace(work, nsroot)
        else:
            nsroot = work
        return run_scenario_inside(byname[a.inside], nsroot, a.log_level, daemon_bin)

    if a.list:
        for s in all_scen:
            print("%-28s %-7s %s" % (s["name"], s["part"], s["desc"]))
        return 0
    names = a.only.split(",") if a.only else [s["name"] for s in all_scen]
    hidden_dir = a.hidden_dir or os.path.join(work, "hidden-sessions")
    os.makedirs(work, exist_ok=True)
    prepare_work(work)
    index = {}
    for n in names:
        sc = byname[n]
        level = "debug" if "shm" in n else a.log_level
        base = [sys.executable, os.path.abspath(__file__), "--inside", n, "--work", work,
                "--nsroot", a.nsroot, "--log-level", level, "--daemon", daemon_bin]
        for p in extra:
            base += ["--extra-scenarios", p]
        if a.no_namespace:
            cmd = base + ["--no-namespace"]
        else:
            # --kill-child: if the recorder is stopped, the namespace (daemon,
            # relay, clients) goes with it (its pid 1 ignores SIGTERM from outside)
            cmd = ["unshare", "--mount", "--uts", "--pid", "--fork", "--kill-child", "--mount-proc",
                   "--propagation", "private"] + base
        print("== recording", n, flush=True)
        r = subprocess.run(cmd)
        if r.returncode != 0:
            print("!! scenario %s failed (rc=%d)" % (n, r.returncode), flush=True)
            continue
        dest = a.public_dir if sc["part"] == "public" else hidden_dir
        index[n] = publish(work, sc, dest)
        print("   %s -> %s: %s" % (n, sc["part"], json.dumps({k: v for k, v in index[n].items() if k != "packets"})),
              flush=True)
    with open(os.path.join(work, "out", "index.json"), "w") as f:
        json.dump(index, f, indent=1)
    if made_work and not a.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    elif made_work:
        print("work dir kept: %s" % work)
    parts = {}
    for n in index:
        sc = byname[n]
        parts[sc["part"]] = a.public_dir if sc["part"] == "public" else hidden_dir
    for part, dest in sorted(parts.items()):
        total = write_part_readme(dest, part)
        print("%s part: %s, %.2f MB" % (part, dest, total / 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
