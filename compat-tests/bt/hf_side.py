'''Plays the headset (HF) on the fake RFCOMM link that the mock relays to a
UNIX socket: runs the service level connection and codec negotiation.'''
import socket
import sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(3)
buf = b''
sys.stdout.reconfigure(line_buffering=True)


def cmd(at, expect=b'OK'):
    global buf
    s.sendall(at.encode() + b'\r')
    while expect not in buf and b'ERROR' not in buf:
        buf += s.recv(1024)
    out, _, buf = buf.partition(expect)
    print(f'{at!r} -> {(out + expect).decode().strip()!r}')
    return out


ag_features = int(cmd('AT+BRSF=1012').split(b'+BRSF:')[1].split(b'\r')[0])  # HF features incl. codec negotiation
cmd('AT+BAC=1,2')              # HF supports CVSD (1) and mSBC (2)
cmd('AT+CIND=?')
cmd('AT+CIND?')
cmd('AT+CMER=3,0,0,1')
if ag_features & 512:          # the AG negotiates codecs: it picks one now
    while b'+BCS:' not in buf:
        buf += s.recv(1024)
    codec = buf.split(b'+BCS:')[1].split(b'\r')[0].strip().decode()
    buf = b''
    print('AG proposed codec', codec)
    cmd('AT+BCS=' + codec)
cmd('AT+VGS=9')
print('SLC-DONE', flush=True)
# keep the RFCOMM link up while the test moves audio
import time
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
s.close()
