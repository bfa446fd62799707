#!/usr/bin/python3
"""Recording relay for the PulseAudio native protocol.

Listens on a unix stream socket, and for every accepted client opens a
connection to the real server's socket.  Bytes are forwarded both ways,
re-cut on pstream frame boundaries (each frame is forwarded with one
sendmsg, carrying the ancillary data that arrived with the frame's first
byte), and every frame is appended to a JSON Lines session file (see
FORMAT.md next to the sessions).

    pa_relay.py --listen RELAY_SOCKET --upstream SERVER_SOCKET --out SESSION.jsonl \
                [--header-json FILE] [--ready-file FILE]

Stops on SIGTERM/SIGINT (writes an "end" record and exits).

Ancillary data handling
  * SCM_CREDENTIALS: the relay sets SO_PASSCRED on both sockets, so the
    kernel hands it the peer's (pid, uid, gid) with every read.  Each frame is
    forwarded with the credentials that came with its first byte (as root the
    relay may pass on the client's pid), so the server's uid check in AUTH sees
    the real client.  The session records creds on a frame only when they
    differ from the previous creds recorded for that connection+direction.
  * SCM_RIGHTS: passed on unchanged to the other side (so shm/memfd sessions
    work through the relay); the session notes how many fds came with a frame.
    The fds themselves cannot be recorded.
"""
import argparse
import array
import base64
import json
import os
import signal
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # pa_wire.py: one level up
import pa_wire  # noqa: E402

FORMAT_VERSION = 1
UCRED = struct.Struct("iII")  # pid, uid, gid (struct ucred on Linux)
ANC_BUF = socket.CMSG_SPACE(UCRED.size) + socket.CMSG_SPACE(16 * 4)
READ_SIZE = 256 * 1024


class Recorder:
    def __init__(self, path, header):
        self.f = open(path, "w", encoding="utf-8")
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.header = dict(header)
        self.header.setdefault("type", "header")
        self.header["format_version"] = FORMAT_VERSION
        self.header["recorded_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._write(self.header)

    def now(self):
        return round(time.monotonic() - self.t0, 6)

    def _write(self, rec):
        self.f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.f.flush()

    def write(self, rec, t=None):
        with self.lock:
            # timestamp taken under the lock so records are in time order
            rec = dict(rec)
            rec_t = self.now() if t is None else t
            out = {"type": rec.pop("type"), "t": rec_t}
            out.update(rec)
            self._write(out)

    def close(self):
        with self.lock:
            self._write({"type": "end", "t": self.now()})
            self.f.close()


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


class Direction(threading.Thread):
    """Pumps one direction of one connection."""

    def __init__(self, conn, name, src, dst, rec, decoder, dec_lock):
        super().__init__(daemon=True)
        self.conn = conn
        self.name_ = name
        self.src = src
        self.dst = dst
        self.rec = rec
        self.decoder = decoder
        self.dec_lock = dec_lock
        self.last_creds = None
        self.cred_warned = False
        self.dst_dead = False

    def send_frame(self, frame, creds, fds):
        anc = []
        if creds is not None:
            anc.append((socket.SOL_SOCKET, socket.SCM_CREDENTIALS,
                        UCRED.pack(creds["pid"], creds["uid"], creds["gid"])))
        if fds:
            anc.append((socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes()))
        if self.dst_dead:
            return
        try:
            self._send(frame, anc)
        except OSError as e:
            self.dst_dead = True
            self.rec.write({"type": "note", "conn": self.conn, "dir": self.name_,
                            "text": "forwarding failed (%s); later frames dropped" % e.__class__.__name__})

    def _send(self, frame, anc):
        view = memoryview(frame)
        try:
            n = self.dst.sendmsg([view], anc)
        except PermissionError:
            # could not pass on these credentials: fall back to the relay's own
            if not self.cred_warned:
                self.rec.write({"type": "note", "conn": self.conn,
                                "text": "relay could not forward peer credentials; sent its own"})
                self.cred_warned = True
            anc = [a for a in anc if a[1] != socket.SCM_CREDENTIALS]
            n = self.dst.sendmsg([view], anc)
        while n < len(frame):
            n += self.dst.send(view[n:])

    def run(self):
        buf = bytearray()
        base = 0            # stream offset of buf[0]
        frame_anc = {}      # stream offset of a frame start -> (creds, fds)
        pending_creds = None
        try:
            while True:
                try:
                    data, ancdata, flags, _ = self.src.recvmsg(READ_SIZE, ANC_BUF)
                except (ConnectionResetError, OSError) as e:
                    self.rec.write({"type": "close", "conn": self.conn, "dir": self.name_,
                                    "reason": "error: %s" % e.__class__.__name__})
                    break
                creds, fds = parse_anc(ancdata)
                if flags & socket.MSG_CTRUNC:
                    self.rec.write({"type": "note", "conn": self.conn, "dir": self.name_,
                                    "text": "ancillary data truncated"})
                if not data:
                    for fd in fds:
                        os.close(fd)
                    self.rec.write({"type": "close", "conn": self.conn, "dir": self.name_,
                                    "reason": "eof"})
                    break
                c0 = base + len(buf)
                buf += data
                c1 = base + len(buf)
                # frame starts inside [c0, c1)
                starts = []
                pos = 0
                while True:
                    s = base + pos
                    if s >= c1:
                        break
                    if s >= c0:
                        starts.append(s)
                    n = pa_wire.frame_total_length(buf, pos)
                    if n is None:
                        break
                    pos += n
                for s in starts:
                    frame_anc.setdefault(s, [creds, []])
                if fds:
                    if starts:
                        frame_anc[starts[-1]][1].extend(fds)
                    else:
                        # cannot happen with PulseAudio senders (fds ride on
                        # the first write of a frame); keep them for the
                        # frame currently being assembled
                        frame_anc.setdefault(base, [creds, []])[1].extend(fds)
                        self.rec.write({"type": "note", "conn": self.conn, "dir": self.name_,
                                        "text": "fds arrived in the middle of a frame"})
                if creds is not None:
                    pending_creds = creds
                # emit complete frames
                pos = 0
                while True:
                    n = pa_wire.frame_total_length(buf, pos)
                    if n is None or len(buf) - pos < n:
                        break
                    frame = bytes(buf[pos:pos + n])
                    start = base + pos
                    fcreds, ffds = frame_anc.pop(start, [pending_creds, []])
                    # record first, forward second: a reply can then never be
                    # recorded before the request that caused it
                    with self.dec_lock:
                        decoded = self.decoder.decode(frame, self.name_)
                    rec = {"type": "frame", "conn": self.conn, "dir": self.name_,
                           "raw": base64.b64encode(frame).decode("ascii"),
                           "decoded": decoded}
                    if fcreds is not None and fcreds != self.last_creds:
                        rec["creds"] = fcreds
                        self.last_creds = fcreds
                    if ffds:
                        rec["fds"] = len(ffds)
                    self.rec.write(rec)
                    self.send_frame(frame, fcreds, ffds)
                    for fd in ffds:
                        os.close(fd)
                    pos += n
                if pos:
                    del buf[:pos]
                    base += pos
        finally:
            if buf:
                self.rec.write({"type": "note", "conn": self.conn, "dir": self.name_,
                                "text": "incomplete frame at close",
                                "raw": base64.b64encode(bytes(buf)).decode("ascii")})
            try:
                self.dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def serve(args):
    header = {"type": "header"}
    if args.header_json:
        with open(args.header_json, encoding="utf-8") as f:
            header.update(json.load(f))
    rec = Recorder(args.out, header)
    try:
        os.unlink(args.listen)
    except FileNotFoundError:
        pass
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    ls.bind(args.listen)
    os.chmod(args.listen, 0o777)
    ls.listen(16)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
        try:
            ls.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write(str(os.getpid()))

    threads = []
    n = 0
    while not stop.is_set():
        try:
            cs, _ = ls.accept()
        except OSError:
            break
        n += 1
        cs.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        us.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        try:
            us.connect(args.upstream)
        except OSError as e:
            rec.write({"type": "note", "conn": n, "text": "upstream connect failed: %s" % e})
            cs.close()
            continue
        pc = None
        try:
            pc = UCRED.unpack(cs.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, UCRED.size))
        except OSError:
            pass
        orec = {"type": "open", "conn": n}
        if pc:
            orec["peer"] = {"pid": pc[0], "uid": pc[1], "gid": pc[2]}
        rec.write(orec)
        decoder = pa_wire.ConnDecoder()
        lock = threading.Lock()
        a = Direction(n, "c2s", cs, us, rec, decoder, lock)
        b = Direction(n, "s2c", us, cs, rec, decoder, lock)
        a.start()
        b.start()
        threads += [a, b]
    # give connections still open a moment to drain, then stop
    deadline = time.monotonic() + args.drain_timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    rec.close()
    try:
        os.unlink(args.listen)
    except OSError:
        pass


def main():
    ap = argparse.ArgumentParser(description="PulseAudio native protocol recording relay")
    ap.add_argument("--listen", required=True, help="unix socket path clients connect to")
    ap.add_argument("--upstream", required=True, help="real server's unix socket path")
    ap.add_argument("--out", required=True, help="session JSONL file to write")
    ap.add_argument("--header-json", help="JSON object merged into the header record")
    ap.add_argument("--ready-file", help="written (with our pid) once listening")
    ap.add_argument("--drain-timeout", type=float, default=2.0)
    serve(ap.parse_args())


if __name__ == "__main__":
    main()
