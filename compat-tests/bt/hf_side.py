'''Plays the headset (HF) on the fake RFCOMM link that the mock relays to a
UNIX socket: runs the service level connection and codec negotiation.

usage: hf_side.py RELAY [SECONDS [CONTROL [FEATURES]]]
  SECONDS   keep the link up that long after the SLC
  CONTROL   a file the test appends lines to; each new line is sent to the AG as
            an AT command (e.g. "AT+VGS=3"); what the AG sends meanwhile is
            printed as "RX <line>"
  FEATURES  our AT+BRSF features (default 1012: remote volume control, codec
            negotiation, ...)'''
import os
import select
import socket
import sys
import time

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(3)
buf = b''
sys.stdout.reconfigure(line_buffering=True)
features = int(sys.argv[4]) if len(sys.argv) > 4 else 1012


def cmd(at, expect=b'OK'):
    global buf
    s.sendall(at.encode() + b'\r')
    while expect not in buf and b'ERROR' not in buf:
        buf += s.recv(1024)
    out, _, buf = buf.partition(expect)
    print(f'{at!r} -> {(out + expect).decode().strip()!r}')
    return out


ag_features = int(cmd('AT+BRSF=%d' % features).split(b'+BRSF:')[1].split(b'\r')[0])
cmd('AT+BAC=1,2')              # HF supports CVSD (1) and mSBC (2)
cmd('AT+CIND=?')
cmd('AT+CIND?')
cmd('AT+CMER=3,0,0,1')
if ag_features & 512 and features & 128:   # the AG negotiates codecs: it picks one now
    while b'+BCS:' not in buf:
        buf += s.recv(1024)
    codec = buf.split(b'+BCS:')[1].split(b'\r')[0].strip().decode()
    buf = b''
    print('AG proposed codec', codec)
    cmd('AT+BCS=' + codec)
cmd('AT+VGS=9')
print('SLC-DONE', flush=True)
# keep the RFCOMM link up while the test moves audio
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 0
control = sys.argv[3] if len(sys.argv) > 3 else None
if control is None:
    time.sleep(seconds)
else:
    ctl_pos = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r, _, _ = select.select([s], [], [], 0.05)
        if r:
            data = s.recv(4096)
            if not data:
                print('AG-CLOSED')
                break
            buf += data
        while b'\n' in buf:
            line, _, buf = buf.partition(b'\n')
            line = line.strip().decode(errors='replace')
            if line:
                print('RX', line)
        if os.path.exists(control):
            with open(control, 'rb') as f:
                f.seek(ctl_pos)
                new = f.read()
            whole = new[:new.rfind(b'\n') + 1]
            ctl_pos += len(whole)
            for cl in whole.decode().splitlines():
                if cl.strip():
                    print('TX', cl.strip())
                    s.sendall(cl.strip().encode() + b'\r')
s.close()
