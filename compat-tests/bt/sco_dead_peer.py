'''A SCO seam peer that accepts every connection, reads the request and never
answers (a hung "controller"). Prints READY, then "REQ <request line>" for each
connection; keeps the connections open until it is killed.

usage: sco_dead_peer.py SOCKET_PATH'''
import os
import select
import socket
import sys

sys.stdout.reconfigure(line_buffering=True)
path = sys.argv[1]
if os.path.exists(path):
    os.unlink(path)
lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
lst.bind(path)
lst.listen(8)
print('READY')
conns = []
while True:
    r, _, _ = select.select([lst] + conns, [], [], 1.0)
    for s in r:
        if s is lst:
            c, _ = lst.accept()
            conns.append(c)
            continue
        data = s.recv(256)
        if not data:
            conns.remove(s)
            s.close()
            print('CLOSED')
        else:
            print('REQ', data.decode(errors='replace').strip())
