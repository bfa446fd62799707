/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bt-io.h: the data-thread backend of Bluetooth sinks and sources.
 *
 * One BtIo per device (sink or source). The main thread owns its life
 * cycle and hands the transport socket over with bt_io_set_fd(); the data
 * thread owns everything else (codec state, buffers) and never blocks:
 * packets that the socket cannot take right now are dropped and counted.
 * Fatal socket errors (EOF, reset) are reported back through an eventfd the
 * main loop watches (on_failure).
 */
#pragma once

#include <stdatomic.h>
#include "hw/bluez/bluez.h"

typedef struct BtIo BtIo;

typedef struct BtIoStats {
        uint64_t packets;               /* sent (sink) / received (source) */
        uint64_t dropped;               /* sink: could not be sent; source: jitter trims */
        uint64_t bad;                   /* malformed packets from the remote */
        uint64_t oversize;              /* packets larger than the read MTU */
        uint64_t underruns;
} BtIoStats;

extern const DeviceIoBackend bt_io_backend;

/* kind: what the device is; codec/config: what goes over the socket.
 * Return: 0, -ENOMEM, or a negative errno. */
int bt_io_new(Core *core, DeviceKind kind, BtCodec codec, const uint8_t config[4],
              void (*on_failure)(void *userdata), void *userdata, BtIo **ret);
/* After device_free() of its device (the data thread has stopped). NULL-safe. */
void bt_io_free(BtIo *b);
/* The device whose data thread runs b (before device_io_start). */
void bt_io_attach(BtIo *b, Device *d);
/* Hands fd (owned by b from now on) and the MTUs to the data thread; fd < 0 detaches
 * (the old socket is closed). Return: 0, SBC_E_MTU (MTU cannot carry a frame; fd is
 * closed), or -errno. */
int bt_io_set_fd(BtIo *b, int fd, size_t read_mtu, size_t write_mtu);
bool bt_io_has_fd(BtIo *b);
/* Extra latency (usec) of the transport itself (BlueZ's Delay). */
void bt_io_set_transport_delay(BtIo *b, uint64_t usec);
void bt_io_get_stats(BtIo *b, BtIoStats *ret);
