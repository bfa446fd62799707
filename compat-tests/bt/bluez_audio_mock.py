'''python-dbusmock template: BlueZ 5 (adapter/device from the stock "bluez5"
template) plus working audio plumbing:

 * org.bluez.Media1.RegisterEndpoint is recorded together with the caller's
   unique bus name, so the mock can call the endpoint back.
 * org.bluez.Mock.ConnectA2DP(adapter, address, uuid) plays BlueZ's part of an
   A2DP connection: SelectConfiguration -> new MediaTransport1 object ->
   SetConfiguration.  Returns the transport path.
 * org.bluez.MediaTransport1.Acquire/TryAcquire hand out one end of a
   SOCK_SEQPACKET socketpair (plus read/write MTU).  Every packet the client
   writes is appended to <record_dir>/<transport-name>.pkts as
   [u32 little-endian length][packet bytes].  For the sink direction,
   org.bluez.Mock.InjectPackets(transport, file) sends recorded packets into
   the client's end.
 * org.bluez.ProfileManager1.RegisterProfile is recorded; ConnectProfile
   (org.bluez.Mock) calls Profile1.NewConnection with one end of a
   SOCK_STREAM socketpair standing in for the RFCOMM channel (for either role:
   the UUID picks the profile we registered, e.g. HFP AG or HFP HF); the relay
   passes bytes and hang-ups both ways.

pulsecompat additions (compat-tests/bt): arrival times of recorded packets
(<name>.times, CLOCK_MONOTONIC seconds, one line per packet),
InjectPacketsPaced (real-time pacing with jitter), SendRaw, CloseStream,
SetAcquireMode and SelectOnly/ConnectA2DPConfig for the hostile tests.

Parameters (JSON via -p): {"record_dir": "/some/dir", "read_mtu": 895, "write_mtu": 895}
'''
import os
import random
import socket
import struct
import time

import dbus
import dbus.lowlevel
from gi.repository import GLib

from dbusmock import mockobject
from dbusmock.templates import bluez5
# re-export the stock Mock methods (AddAdapter, AddDevice, PairDevice, ...)
from dbusmock.templates.bluez5 import *  # noqa: F401,F403 pylint: disable=wildcard-import,unused-wildcard-import

BUS_NAME = bluez5.BUS_NAME
MAIN_OBJ = bluez5.MAIN_OBJ
SYSTEM_BUS = True
IS_OBJECT_MANAGER = True

MOCK_IFACE = 'org.bluez.Mock'
MEDIA_IFACE = 'org.bluez.Media1'
ENDPOINT_IFACE = 'org.bluez.MediaEndpoint1'
TRANSPORT_IFACE = 'org.bluez.MediaTransport1'
PROFILE_IFACE = 'org.bluez.Profile1'
OM_IFACE = 'org.freedesktop.DBus.ObjectManager'

A2DP_SOURCE = '0000110a-0000-1000-8000-00805f9b34fb'
A2DP_SINK = '0000110b-0000-1000-8000-00805f9b34fb'
# remote device SBC capabilities: every rate/mode/block/subband/allocation, bitpool 2..53
SBC_ALL_CAPS = [0xff, 0xff, 2, 53]

state = {
    'endpoints': [],    # dicts: sender, path, uuid, codec, caps
    'profiles': [],     # dicts: sender, path, uuid
    'transports': {},   # path -> dict(sock, watch, rec, packets, bytes, endpoint)
    'params': {},
}


def _on_message(_conn, msg):
    '''connection filter: remember who registered endpoints/profiles'''
    if msg.get_type() != 1:  # method call
        return dbus.lowlevel.HANDLER_RESULT_NOT_YET_HANDLED
    member, iface = msg.get_member(), msg.get_interface()
    try:
        if iface == MEDIA_IFACE and member == 'RegisterEndpoint':
            path, props = msg.get_args_list(byte_arrays=True)
            state['endpoints'].append({
                'sender': msg.get_sender(), 'path': str(path), 'adapter': msg.get_path(),
                'uuid': str(props.get('UUID', '')).lower(), 'codec': int(props.get('Codec', 0)),
                'caps': bytes(props.get('Capabilities', b''))})
        elif iface == MEDIA_IFACE and member == 'UnregisterEndpoint':
            path = str(msg.get_args_list()[0])
            state['endpoints'] = [e for e in state['endpoints']
                                  if not (e['path'] == path and e['sender'] == msg.get_sender())]
        elif iface == 'org.bluez.ProfileManager1' and member == 'RegisterProfile':
            path, uuid, _opts = msg.get_args_list()
            state['profiles'].append({'sender': msg.get_sender(), 'path': str(path), 'uuid': str(uuid).lower()})
    except Exception as e:  # never break dispatch
        print('bluez_audio_mock filter error:', e)
    return dbus.lowlevel.HANDLER_RESULT_NOT_YET_HANDLED


def load(mock, parameters):
    bluez5.load(mock, parameters)
    state['params'] = dict(parameters or {})
    mock.connection.add_message_filter(_on_message)


def _param(name, default):
    return state['params'].get(name, default)


def _endpoint_for(uuid):
    for e in reversed(state['endpoints']):
        if e['uuid'] == uuid.lower():
            return e
    raise dbus.exceptions.DBusException(f'no endpoint registered for {uuid}',
                                        name=MOCK_IFACE + '.NoEndpoint')


def _device_path(adapter, address):
    path = f'/org/bluez/{adapter}/dev_' + address.replace(':', '_').upper()
    if path not in mockobject.objects:
        raise dbus.exceptions.DBusException(f'no device {path}', name=MOCK_IFACE + '.NoSuchDevice')
    return path


def _set_state(path, value):
    mockobject.objects[path].UpdateProperties(TRANSPORT_IFACE, {'State': dbus.String(value, variant_level=1)})


def _on_readable(fd, cond, path):
    t = state['transports'].get(path)
    if t is None:
        return False
    if cond & GLib.IO_IN:
        try:
            data = t['sock'].recv(65536)
        except OSError:
            data = b''
        if data:
            t['rec'].write(struct.pack('<I', len(data)) + data)
            t['rec'].flush()
            t['times'].write('%.6f\n' % time.monotonic())
            t['times'].flush()
            t['packets'] += 1
            t['bytes'] += len(data)
            return True
    # peer closed its end
    _close_stream(path)
    return False


def _close_stream(path):
    t = state['transports'].get(path)
    if not t or t['sock'] is None:
        return
    if t['watch']:
        GLib.source_remove(t['watch'])
    t['watch'] = None
    t['sock'].close()
    t['sock'] = None
    _set_state(path, 'idle')


def _acquire(self, try_only):
    path = self.path
    t = state['transports'][path]
    current = str(self.props[TRANSPORT_IFACE]['State'])
    if try_only and current != 'pending':
        raise dbus.exceptions.DBusException('transport not pending', name='org.bluez.Error.NotAvailable')
    if t['sock'] is not None:
        raise dbus.exceptions.DBusException('already acquired', name='org.bluez.Error.NotAuthorized')
    mode = state.get('acquire_mode', 'seqpacket')
    if mode == 'error':
        raise dbus.exceptions.DBusException('acquire refused', name='org.bluez.Error.Failed')
    ours, theirs = socket.socketpair(socket.AF_UNIX,
                                     socket.SOCK_STREAM if mode == 'stream' else socket.SOCK_SEQPACKET)
    ours.setblocking(False)
    t['sock'] = ours
    t['watch'] = GLib.io_add_watch(ours.fileno(), GLib.PRIORITY_DEFAULT,
                                   GLib.IO_IN | GLib.IO_HUP | GLib.IO_ERR, _on_readable, path)
    fd = dbus.types.UnixFd(theirs.fileno())  # dbus-python keeps its own dup
    theirs.close()
    _set_state(path, 'active')
    return (fd, dbus.UInt16(_param('read_mtu', 895)), dbus.UInt16(_param('write_mtu', 895)))


def _release(self):
    _close_stream(self.path)


@dbus.service.method(MOCK_IFACE, in_signature='sss', out_signature='o',
                     async_callbacks=('ok', 'fail'))
def ConnectA2DP(self, adapter, address, uuid, ok, fail):
    '''Play BlueZ: negotiate with the client's endpoint for "uuid" (the local
    role: A2DP_SOURCE when the client sends audio to the device) and create a
    MediaTransport1.  Replies with the transport path once SetConfiguration
    has been answered.'''
    try:
        dev = _device_path(adapter, address)
        ep = _endpoint_for(uuid)
    except dbus.exceptions.DBusException as e:
        fail(e)
        return
    bus = self.connection
    n = sum(1 for p in state['transports'] if p.startswith(dev + '/'))
    tpath = f'{dev}/sep1/fd{n}'
    caps = dbus.ByteArray(bytes(_param('remote_caps', SBC_ALL_CAPS)))

    def selected(config):
        config = bytes(config)
        props = {
            'Device': dbus.ObjectPath(dev, variant_level=1),
            'UUID': dbus.String(uuid, variant_level=1),
            'Codec': dbus.Byte(ep['codec'], variant_level=1),
            'Configuration': dbus.Array(config, signature='y', variant_level=1),
            'State': dbus.String('idle', variant_level=1),
            'Delay': dbus.UInt16(1500, variant_level=1),  # 1/10 ms units
            'Volume': dbus.UInt16(127, variant_level=1),
        }
        self.AddObject(tpath, TRANSPORT_IFACE, props, [
            ('Acquire', '', 'hqq', lambda obj: _acquire(obj, False)),
            ('TryAcquire', '', 'hqq', lambda obj: _acquire(obj, True)),
            ('Release', '', '', _release),
        ])
        rec_dir = _param('record_dir', '/tmp')
        name = tpath.replace('/org/bluez/', '').replace('/', '_')
        state['transports'][tpath] = {
            'sock': None, 'watch': None, 'packets': 0, 'bytes': 0, 'endpoint': ep,
            'rec': open(os.path.join(rec_dir, name + '.pkts'), 'ab'), 'config': config,
            'times': open(os.path.join(rec_dir, name + '.times'), 'a')}
        self.EmitSignal(OM_IFACE, 'InterfacesAdded', 'oa{sa{sv}}',
                        [dbus.ObjectPath(tpath), {TRANSPORT_IFACE: props}])
        set_props = {k: v for k, v in props.items() if k != 'State'}
        bus.call_async(ep['sender'], ep['path'], ENDPOINT_IFACE, 'SetConfiguration', 'oa{sv}',
                       (dbus.ObjectPath(tpath), set_props),
                       lambda: ok(dbus.ObjectPath(tpath)), fail)

    bus.call_async(ep['sender'], ep['path'], ENDPOINT_IFACE, 'SelectConfiguration', 'ay',
                   (caps,), selected, fail, byte_arrays=True)


@dbus.service.method(MOCK_IFACE, in_signature='ss', out_signature='')
def SetTransportState(_self, tpath, value):
    '''idle / pending / active; "pending" asks a sink-side client to TryAcquire'''
    _set_state(tpath, value)


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='tt')
def GetTransportStats(_self, tpath):
    t = state['transports'][tpath]
    return (dbus.UInt64(t['packets']), dbus.UInt64(t['bytes']))


@dbus.service.method(MOCK_IFACE, in_signature='ss', out_signature='u')
def InjectPackets(_self, tpath, filename):
    '''send recorded [u32 len][packet] records into the acquired socket (the
    remote device "talking" to a sink endpoint); returns packets sent'''
    t = state['transports'][tpath]
    sent = 0
    with open(filename, 'rb') as f:
        while True:
            hdr = f.read(4)
            if len(hdr) < 4:
                break
            (length,) = struct.unpack('<I', hdr)
            t['sock'].setblocking(True)
            t['sock'].send(f.read(length))
            t['sock'].setblocking(False)
            sent += 1
    return dbus.UInt32(sent)


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='',
                     async_callbacks=('ok', 'fail'))
def DisconnectA2DP(self, tpath, ok, fail):
    '''remote went away: ClearConfiguration on the endpoint, drop the transport'''
    t = state['transports'].get(tpath)
    if t is None:
        fail(dbus.exceptions.DBusException('no such transport', name=MOCK_IFACE + '.NoSuchTransport'))
        return
    _close_stream(tpath)
    del state['transports'][tpath]
    t['rec'].close()
    t['times'].close()
    self.RemoveObject(tpath)
    self.EmitSignal(OM_IFACE, 'InterfacesRemoved', 'oas',
                    [dbus.ObjectPath(tpath), [TRANSPORT_IFACE]])
    ep = t['endpoint']
    self.connection.call_async(ep['sender'], ep['path'], ENDPOINT_IFACE, 'ClearConfiguration', 'o',
                               (dbus.ObjectPath(tpath),), ok, fail)


@dbus.service.method(MOCK_IFACE, in_signature='sss', out_signature='s',
                     async_callbacks=('ok', 'fail'))
def ConnectProfile(self, adapter, address, uuid, ok, fail):
    '''HFP/HSP: hand the client's Profile1 a connected SOCK_STREAM socketpair
    as if it were the RFCOMM channel.  The mock keeps the other end; the
    returned string is the path of a UNIX socket where a test can talk AT
    commands to the client through it.'''
    try:
        dev = _device_path(adapter, address)
        prof = next(p for p in reversed(state['profiles']) if p['uuid'] == uuid.lower())
    except (dbus.exceptions.DBusException, StopIteration):
        fail(dbus.exceptions.DBusException('no device or profile', name=MOCK_IFACE + '.NoProfile'))
        return
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    rec_dir = _param('record_dir', '/tmp')
    relay = os.path.join(rec_dir, 'rfcomm-' + address.replace(':', '') + '.sock')
    if os.path.exists(relay):
        os.unlink(relay)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(relay)
    listener.listen(1)
    state.setdefault('rfcomm', []).append((ours, listener))

    def accept(_fd, _cond):
        conn, _ = listener.accept()
        # plain byte relay between the test's connection and the "RFCOMM" end
        def pump(src, dst):
            def cb(_fd, _c):
                try:
                    data = src.recv(4096)
                except OSError:
                    data = b''
                if not data:
                    # pass the hang-up on, so each side sees the other close
                    try:
                        dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return False
                dst.sendall(data)
                return True
            return cb
        GLib.io_add_watch(conn.fileno(), GLib.IO_IN | GLib.IO_HUP, pump(conn, ours))
        GLib.io_add_watch(ours.fileno(), GLib.IO_IN | GLib.IO_HUP, pump(ours, conn))
        state['rfcomm'].append((conn,))
        return False
    GLib.io_add_watch(listener.fileno(), GLib.IO_IN, accept)

    fd = dbus.types.UnixFd(theirs.fileno())
    theirs.close()
    opts = {'Version': dbus.UInt16(0x0108, variant_level=1), 'Features': dbus.UInt16(0, variant_level=1)}
    self.connection.call_async(prof['sender'], prof['path'], PROFILE_IFACE, 'NewConnection', 'oha{sv}',
                               (dbus.ObjectPath(dev), fd, opts), lambda: ok(relay), fail)


@dbus.service.method(MOCK_IFACE, in_signature='ssu', out_signature='u')
def InjectPacketsPaced(_self, tpath, filename, jitter_ms):
    """send recorded packets at the pace of their RTP timestamps (rate from the
    transport's configuration), each delayed by a random 0..jitter_ms; packets
    the socket cannot take are dropped (a real radio link would lose them).
    Returns the number of packets scheduled."""
    t = state['transports'][tpath]
    cfg = t['config']
    rate = 48000 if cfg[0] & 0x10 else 44100 if cfg[0] & 0x20 else 32000 if cfg[0] & 0x40 else 16000
    pkts = []
    with open(filename, 'rb') as f:
        while True:
            hdr = f.read(4)
            if len(hdr) < 4:
                break
            (length,) = struct.unpack('<I', hdr)
            pkts.append(f.read(length))
    if not pkts:
        return dbus.UInt32(0)
    ts0 = struct.unpack('>I', pkts[0][4:8])[0] if len(pkts[0]) >= 8 else 0
    start = time.monotonic()
    rnd = random.Random(7)
    sched = []
    for p in pkts:
        ts = struct.unpack('>I', p[4:8])[0] if len(p) >= 8 else ts0
        due = start + ((ts - ts0) & 0xffffffff) / rate + rnd.uniform(0, jitter_ms / 1000.0)
        sched.append((due, p))
    sched.sort(key=lambda x: x[0])
    state.setdefault('inject', {})[tpath] = {'sent': 0, 'dropped': 0}
    st = state['inject'][tpath]

    def tick():
        now = time.monotonic()
        while sched and sched[0][0] <= now:
            _due, p = sched.pop(0)
            sock = state['transports'].get(tpath, {}).get('sock')
            if sock is None:
                return False
            try:
                sock.send(p)
                st['sent'] += 1
            except OSError:
                st['dropped'] += 1
        return bool(sched)
    GLib.timeout_add(2, tick)
    return dbus.UInt32(len(pkts))


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='uu')
def GetInjectStats(_self, tpath):
    st = state.get('inject', {}).get(tpath, {'sent': 0, 'dropped': 0})
    return (dbus.UInt32(st['sent']), dbus.UInt32(st['dropped']))


@dbus.service.method(MOCK_IFACE, in_signature='say', out_signature='b')
def SendRaw(_self, tpath, data):
    """one raw packet (any bytes, any size) into the client's socket"""
    sock = state['transports'][tpath]['sock']
    if sock is None:
        return False
    try:
        sock.send(bytes(data))
        return True
    except OSError:
        return False


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='')
def CloseStream(_self, tpath):
    """the remote end of the stream socket goes away (state stays as it is)"""
    t = state['transports'][tpath]
    if t['sock'] is not None:
        if t['watch']:
            GLib.source_remove(t['watch'])
        t['watch'] = None
        t['sock'].close()
        t['sock'] = None


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='')
def SetAcquireMode(_self, mode):
    """seqpacket (default), stream (wrong socket type) or error (Acquire fails)"""
    state['acquire_mode'] = str(mode)


@dbus.service.method(MOCK_IFACE, in_signature='say', out_signature='s',
                     async_callbacks=('ok', 'fail'))
def SelectOnly(self, uuid, caps, ok, fail):
    """call SelectConfiguration with arbitrary capabilities; returns the
    chosen configuration as hex, or "error:<name>" """
    try:
        ep = _endpoint_for(uuid)
    except dbus.exceptions.DBusException as e:
        fail(e)
        return
    self.connection.call_async(ep['sender'], ep['path'], ENDPOINT_IFACE, 'SelectConfiguration', 'ay',
                               (dbus.ByteArray(bytes(caps)),),
                               lambda cfg: ok(bytes(cfg).hex()),
                               lambda e: ok('error:' + str(e.get_dbus_name())), byte_arrays=True)


@dbus.service.method(MOCK_IFACE, in_signature='sssayv', out_signature='s',
                     async_callbacks=('ok', 'fail'))
def SetConfigurationRaw(self, adapter, address, uuid, config, extra, ok, fail):
    """call SetConfiguration directly (no SelectConfiguration) with the given
    configuration bytes; "extra" replaces the Configuration value when it is not
    a byte array (wrong types). Returns "ok" or "error:<name>"; the transport
    object is not created, so nothing can be acquired."""
    try:
        dev = _device_path(adapter, address)
        ep = _endpoint_for(uuid)
    except dbus.exceptions.DBusException as e:
        fail(e)
        return
    tpath = f'{dev}/sep9/fd{random.randint(0, 1 << 30)}'
    value = dbus.Array(bytes(config), signature='y', variant_level=1)
    if not isinstance(extra, (dbus.Array, bytes)) or len(extra):
        value = extra
    props = {'Device': dbus.ObjectPath(dev, variant_level=1),
             'UUID': dbus.String(uuid, variant_level=1),
             'Codec': dbus.Byte(0, variant_level=1),
             'Configuration': value}
    self.connection.call_async(ep['sender'], ep['path'], ENDPOINT_IFACE, 'SetConfiguration', 'oa{sv}',
                               (dbus.ObjectPath(tpath), props), lambda: ok('ok'),
                               lambda e: ok('error:' + str(e.get_dbus_name())))
