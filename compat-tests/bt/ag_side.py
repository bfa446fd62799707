'''Plays the audio gateway (a phone) on the fake RFCOMM link that the mock
relays to a UNIX socket, towards pulsecompat acting as the hands-free unit.

usage: ag_side.py RELAY CODEC CONTROL SECONDS
  CODEC    msbc: advertise codec negotiation and select mSBC (+BCS: 2) once the
           SLC is up; cvsd: no codec negotiation; refuse: answer AT+BRSF with
           ERROR after some garbage (a hostile or broken phone)
  CONTROL  a file the test appends lines to; each new line is sent to the HF as
           an unsolicited result code (e.g. "+VGS: 6")

Prints every command it receives ("RX <line>"), "SEQ <commands of the SLC>",
"HF-FEATURES <n>", "SLC-DONE", "CODEC-CONFIRMED <id>" (the HF answered our +BCS
with the same id), and answers OK / ERROR like a phone would.'''
import os
import select
import socket
import sys
import time

relay, codec, control, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
sys.stdout.reconfigure(line_buffering=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(relay)
AG_FEATURES = 512 if codec == 'msbc' else 0      # bit 9: codec negotiation


def say(text):
    s.sendall(b'\r\n' + text.encode() + b'\r\n')


buf = b''
seq = []
slc = False
proposed = None
hf_features = 0
ctl_pos = 0
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    r, _, _ = select.select([s], [], [], 0.05)
    if r:
        data = s.recv(4096)
        if not data:
            print('HF-CLOSED')
            break
        buf += data
    while b'\r' in buf:
        line, _, buf = buf.partition(b'\r')
        line = line.strip().decode(errors='replace')
        if not line:
            continue
        print('RX', line)
        if not slc:
            seq.append(line)
        if codec == 'refuse':
            s.sendall(b'\r\n+BCS: 99\r\n+VGS: 77\r\n' + b'Z' * 600 + b'\r\n\x00\xff\r\n')
            say('ERROR')
        elif line.startswith('AT+BRSF='):
            hf_features = int(line[8:])
            print('HF-FEATURES', hf_features)
            say('+BRSF: %d' % AG_FEATURES)
            say('OK')
        elif line.startswith('AT+BAC='):
            say('OK')
        elif line == 'AT+CIND=?':
            say('+CIND: ("service",(0,1)),("call",(0,1)),("callsetup",(0-3)),'
                '("callheld",(0-2)),("signal",(0-5)),("roam",(0,1)),("battchg",(0-5))')
            say('OK')
        elif line == 'AT+CIND?':
            say('+CIND: 1,0,0,0,4,0,3')
            say('OK')
        elif line.startswith('AT+CMER='):
            say('OK')
            slc = True
            print('SEQ', ' '.join(seq))
            print('SLC-DONE')
            if codec == 'msbc' and hf_features & 128:
                proposed = 2
                say('+BCS: 2')
        elif line.startswith('AT+BCS='):
            if proposed is not None and int(line[7:]) == proposed:
                say('OK')
                print('CODEC-CONFIRMED', proposed)
                proposed = None
            else:
                say('ERROR')
        elif line.startswith(('AT+VGS=', 'AT+VGM=')):
            say('OK')
        else:
            say('ERROR')
    if os.path.exists(control):
        with open(control, 'rb') as f:
            f.seek(ctl_pos)
            new = f.read()
        # only whole lines
        whole = new[:new.rfind(b'\n') + 1]
        ctl_pos += len(whole)
        for cl in whole.decode().splitlines():
            if cl.strip():
                print('TX', cl.strip())
                say(cl.strip())
s.close()
