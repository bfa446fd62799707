/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bt-io.c: Bluetooth audio in the data thread (see bt-io.h).
 *
 * Sink (we send): the engine's clock drives bt_io_write() once per period
 * with exactly the PCM due by then; we collect it and cut it into packets
 * as soon as one is full (A2DP: as many SBC frames as fit the write MTU, at
 * most 15; CVSD: MTU bytes of raw PCM; mSBC: one 60-byte packet per 7.5 ms).
 * So packets leave at real-time pace whatever the socket would accept; a
 * packet the socket refuses (EAGAIN) is dropped, and for RTP its sequence
 * number and timestamp are still consumed, which tells the receiver.
 *
 * Source (we receive): bt_io_read() drains the socket (bounded per call),
 * decodes into a jitter ring and hands the engine what is due. Output
 * starts once the ring holds the prefill target; an underrun returns to
 * prefilling (no silence is invented); if the sender runs fast (or sent a
 * burst) and the ring exceeds the maximum, the oldest audio is trimmed back
 * to the target, so the latency stays bounded.
 *
 * Latency: sink = PCM waiting for a packet + the codec delay + BlueZ's
 * transport Delay; source = the ring's fill + the transport Delay.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include "engine/base/log.h"
#include "hw/bluez/bt-io.h"

#define BT_IO_PCM_BUF (64U * 1024U)
#define BT_IO_PKT_BUF (8U * 1024U)
#define BT_IO_DEC_BUF (16U * 1024U)
#define BT_IO_RING (256U * 1024U)       /* power of two, > 1 s of 48 kHz stereo s16 */
#define BT_IO_MAX_RX_PER_TICK 64

struct BtIo {
        Core *core;
        Device *device;
        DeviceKind kind;
        BtCodec codec;
        uint8_t config[4];
        unsigned rate;
        unsigned channels;
        size_t frame_size;
        int event_fd;
        void *event_watch;
        void (*on_failure)(void *userdata);
        void *userdata;
        /* data thread */
        int fd;
        size_t read_mtu;
        size_t write_mtu;
        bool failed;
        SbcEncoder enc;
        SbcDecoder dec;
        MsbcCodec msbc;
        uint8_t *pcm;                   /* sink: PCM not yet packetised */
        size_t pcm_len;
        uint8_t *pkt;
        uint8_t *dec_buf;
        uint8_t *ring;                  /* source: jitter ring */
        uint64_t ring_r;
        uint64_t ring_w;
        bool prefilling;
        size_t prefill;
        size_t max_fill;
        /* shared */
        _Atomic uint64_t delay_usec;
        _Atomic uint64_t transport_delay_usec;
        _Atomic uint64_t st_packets, st_dropped, st_bad, st_oversize, st_underruns;
        _Atomic bool has_fd;
};

static void bt_io_fail(BtIo *b) {
        uint64_t one = 1;

        if (b->failed)
                return;
        b->failed = true;
        /* eventfd writes never block (a counter) */
        (void)!write(b->event_fd, &one, sizeof(one));
}

static uint64_t bytes_to_usec(BtIo *b, uint64_t bytes) {
        return bytes / b->frame_size * 1000000ULL / b->rate;
}

/* ---- sink ---- */

static size_t chunk_bytes(BtIo *b) {
        switch (b->codec) {
        case BT_CODEC_SBC:
                return sbc_encoder_packet_pcm(&b->enc);
        case BT_CODEC_MSBC:
                return MSBC_PCM_BYTES;
        case BT_CODEC_CVSD:
        default:
                return b->write_mtu & ~(size_t)1;
        }
}

static void send_packet(BtIo *b, const uint8_t *p, size_t n) {
        ssize_t w = send(b->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (w == (ssize_t)n) {
                atomic_fetch_add_explicit(&b->st_packets, 1, memory_order_relaxed);
                return;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EINTR)) {
                atomic_fetch_add_explicit(&b->st_dropped, 1, memory_order_relaxed);
                return;
        }
        bt_io_fail(b);
}

/* A2DP sink sockets carry nothing towards us: drain whatever a remote sends
 * (bounded) and notice the remote closing. */
static void drain_incoming(BtIo *b) {
        for (int i = 0; i < BT_IO_MAX_RX_PER_TICK; i++) {
                ssize_t l = recv(b->fd, b->pkt, BT_IO_PKT_BUF, MSG_DONTWAIT | MSG_TRUNC);

                if (l > 0)
                        continue;
                if (l == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                        bt_io_fail(b);
                return;
        }
}

static void bt_io_write(DeviceIo *io, const void *data, size_t n) {
        BtIo *b = io->backend_data;
        size_t chunk, done = 0;

        if (b->fd < 0 || b->failed)
                return;
        if (b->codec == BT_CODEC_SBC)
                drain_incoming(b);
        chunk = chunk_bytes(b);
        if (b->failed || !chunk)
                return;
        while (done < n) {
                size_t take = C_MIN(n - done, BT_IO_PCM_BUF - b->pcm_len);

                memcpy(b->pcm + b->pcm_len, (const uint8_t *)data + done, take);
                b->pcm_len += take;
                done += take;
                while (b->pcm_len >= chunk && !b->failed) {
                        if (b->codec == BT_CODEC_SBC) {
                                ssize_t l = sbc_encoder_packet(&b->enc, b->pcm, b->pkt, BT_IO_PKT_BUF);

                                if (l > 0)
                                        send_packet(b, b->pkt, (size_t)l);
                                else
                                        bt_io_fail(b);
                        } else if (b->codec == BT_CODEC_MSBC) {
                                if (msbc_encode(&b->msbc, b->pcm, b->pkt) == 0)
                                        send_packet(b, b->pkt, MSBC_PACKET);
                        } else {
                                send_packet(b, b->pcm, chunk);
                        }
                        memmove(b->pcm, b->pcm + chunk, b->pcm_len - chunk);
                        b->pcm_len -= chunk;
                }
                if (take == 0)
                        break;
        }
        /* 73 samples: SBC's analysis/synthesis delay with 8 subbands (4 subbands: 37) */
        atomic_store_explicit(&b->delay_usec,
                              bytes_to_usec(b, b->pcm_len) +
                              (b->codec == BT_CODEC_CVSD ? 0 : 73ULL * 1000000ULL / b->rate),
                              memory_order_relaxed);
}

/* ---- source ---- */

static void ring_push(BtIo *b, const uint8_t *p, size_t n) {
        while (n) {
                size_t off = (size_t)(b->ring_w & (BT_IO_RING - 1));
                size_t take = C_MIN(n, BT_IO_RING - off);

                memcpy(b->ring + off, p, take);
                b->ring_w += take;
                p += take;
                n -= take;
        }
        if (b->ring_w - b->ring_r > BT_IO_RING)
                b->ring_r = b->ring_w - BT_IO_RING;
}

static void receive(BtIo *b) {
        for (int i = 0; i < BT_IO_MAX_RX_PER_TICK; i++) {
                size_t cap = C_MIN(b->read_mtu ? b->read_mtu : BT_IO_PKT_BUF, (size_t)BT_IO_PKT_BUF);
                ssize_t l = recv(b->fd, b->pkt, cap, MSG_DONTWAIT | MSG_TRUNC);

                if (l < 0) {
                        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                                bt_io_fail(b);
                        return;
                }
                if (l == 0) {
                        bt_io_fail(b);          /* the remote closed the stream */
                        return;
                }
                if ((size_t)l > cap) {
                        atomic_fetch_add_explicit(&b->st_oversize, 1, memory_order_relaxed);
                        continue;
                }
                atomic_fetch_add_explicit(&b->st_packets, 1, memory_order_relaxed);
                if (b->codec == BT_CODEC_SBC) {
                        ssize_t got = sbc_decoder_packet(&b->dec, b->pkt, (size_t)l, b->dec_buf,
                                                         BT_IO_DEC_BUF);

                        if (got < 0 || (size_t)got % b->frame_size) {
                                atomic_fetch_add_explicit(&b->st_bad, 1, memory_order_relaxed);
                                continue;
                        }
                        ring_push(b, b->dec_buf, (size_t)got);
                } else if (b->codec == BT_CODEC_MSBC) {
                        uint64_t before = b->msbc.bad_frames;
                        size_t got = msbc_feed(&b->msbc, b->pkt, (size_t)l, b->dec_buf, BT_IO_DEC_BUF);

                        ring_push(b, b->dec_buf, got);
                        if (b->msbc.bad_frames != before)
                                atomic_fetch_add_explicit(&b->st_bad, b->msbc.bad_frames - before,
                                                          memory_order_relaxed);
                } else {
                        ring_push(b, b->pkt, (size_t)l & ~(size_t)1);
                }
        }
}

static size_t bt_io_read(DeviceIo *io, void *data, size_t n) {
        BtIo *b = io->backend_data;
        uint64_t avail;
        size_t out = 0;

        if (b->fd >= 0 && !b->failed)
                receive(b);
        avail = b->ring_w - b->ring_r;
        if (avail > b->max_fill) {
                uint64_t cut = (avail - b->prefill) / b->frame_size * b->frame_size;

                b->ring_r += cut;
                avail -= cut;
                atomic_fetch_add_explicit(&b->st_dropped, 1, memory_order_relaxed);
        }
        if (b->prefilling && avail >= b->prefill)
                b->prefilling = false;
        if (!b->prefilling) {
                out = (size_t)C_MIN(avail, (uint64_t)n);
                out -= out % b->frame_size;
                for (size_t done = 0; done < out;) {
                        size_t off = (size_t)(b->ring_r & (BT_IO_RING - 1));
                        size_t take = C_MIN(out - done, BT_IO_RING - off);

                        memcpy((uint8_t *)data + done, b->ring + off, take);
                        b->ring_r += take;
                        done += take;
                }
                if (out < n) {
                        b->prefilling = true;
                        atomic_fetch_add_explicit(&b->st_underruns, 1, memory_order_relaxed);
                }
        }
        atomic_store_explicit(&b->delay_usec, bytes_to_usec(b, b->ring_w - b->ring_r),
                              memory_order_relaxed);
        return out;
}

static uint64_t bt_io_delay(DeviceIo *io) {
        BtIo *b = io->backend_data;

        return atomic_load_explicit(&b->delay_usec, memory_order_relaxed) +
               atomic_load_explicit(&b->transport_delay_usec, memory_order_relaxed);
}

const DeviceIoBackend bt_io_backend = {
        .write = bt_io_write,
        .read = bt_io_read,
        .delay = bt_io_delay,
};

/* ---- main thread ---- */

static void bt_io_on_event(void *userdata) {
        BtIo *b = userdata;
        uint64_t v;

        if (read(b->event_fd, &v, sizeof(v)) != sizeof(v))
                return;
        if (b->on_failure)
                b->on_failure(b->userdata);
}

int bt_io_new(Core *core, DeviceKind kind, BtCodec codec, const uint8_t config[4],
              void (*on_failure)(void *userdata), void *userdata, BtIo **ret) {
        BtIo *b = calloc(1, sizeof(*b));
        int r;

        if (!b)
                return -ENOMEM;
        b->core = core;
        b->kind = kind;
        b->codec = codec;
        b->fd = -1;
        b->event_fd = -1;
        b->on_failure = on_failure;
        b->userdata = userdata;
        if (config)
                memcpy(b->config, config, 4);
        b->rate = codec == BT_CODEC_SBC ? sbc_config_rate(b->config)
                  : codec == BT_CODEC_MSBC ? 16000 : 8000;
        b->channels = codec == BT_CODEC_SBC ? sbc_config_channels(b->config) : 1;
        b->frame_size = 2 * b->channels;
        b->prefill = (size_t)((codec == BT_CODEC_SBC ? 60 : 30) * b->rate / 1000) * b->frame_size;
        b->max_fill = (size_t)((codec == BT_CODEC_SBC ? 250 : 150) * b->rate / 1000) * b->frame_size;
        b->prefilling = true;
        b->pcm = malloc(BT_IO_PCM_BUF);
        b->pkt = malloc(BT_IO_PKT_BUF);
        b->dec_buf = malloc(BT_IO_DEC_BUF);
        b->ring = kind == DEVICE_SOURCE ? malloc(BT_IO_RING) : NULL;
        if (!b->pcm || !b->pkt || !b->dec_buf || (kind == DEVICE_SOURCE && !b->ring)) {
                bt_io_free(b);
                return -ENOMEM;
        }
        if (codec == BT_CODEC_MSBC && msbc_init(&b->msbc) < 0) {
                bt_io_free(b);
                return -EINVAL;
        }
        if (codec == BT_CODEC_SBC && kind == DEVICE_SOURCE && sbc_decoder_init(&b->dec, b->config)) {
                bt_io_free(b);
                return -EINVAL;
        }
        b->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (b->event_fd < 0) {
                r = -errno;
                bt_io_free(b);
                return r;
        }
        r = core->loop && core->loop->add_fd
            ? core->loop->add_fd(core, b->event_fd, bt_io_on_event, b, &b->event_watch) : 0;
        if (r < 0) {
                bt_io_free(b);
                return r;
        }
        *ret = b;
        return 0;
}

void bt_io_attach(BtIo *b, Device *d) {
        b->device = d;
}

typedef struct FdSwap {
        int fd;
        size_t read_mtu;
        size_t write_mtu;
        SbcEncoder enc;
        int old_fd;
        SbcEncoder old_enc;
} FdSwap;

static void swap_fn(IoThread *t, void *arg) {
        BtIo *b = ((DeviceIo *)t->userdata)->backend_data;
        FdSwap *s = arg;

        s->old_fd = b->fd;
        s->old_enc = b->enc;
        b->fd = s->fd;
        b->enc = s->enc;
        b->read_mtu = s->read_mtu;
        b->write_mtu = s->write_mtu;
        b->failed = false;
        b->pcm_len = 0;
        b->ring_r = b->ring_w = 0;
        b->prefilling = true;
}

int bt_io_set_fd(BtIo *b, int fd, size_t read_mtu, size_t write_mtu) {
        FdSwap s = { .fd = fd, .read_mtu = read_mtu, .write_mtu = write_mtu, .old_fd = -1 };
        int r;

        if (fd >= 0 && b->codec == BT_CODEC_SBC && b->kind == DEVICE_SINK) {
                r = sbc_encoder_init(&s.enc, b->config, write_mtu);
                if (r) {
                        close(fd);
                        return SBC_E_MTU;
                }
        }
        if (fd >= 0 && b->codec == BT_CODEC_CVSD && write_mtu < 2 && b->kind == DEVICE_SINK) {
                close(fd);
                return SBC_E_MTU;
        }
        if (b->device && b->device->io)
                iothread_invoke(&b->device->io->thread, swap_fn, &s);
        else {
                s.old_fd = b->fd;
                s.old_enc = b->enc;
                b->fd = fd;
                b->enc = s.enc;
                b->read_mtu = read_mtu;
                b->write_mtu = write_mtu;
                b->failed = false;
        }
        /* drain a stale failure notification of the old socket */
        {
                uint64_t v;

                (void)!read(b->event_fd, &v, sizeof(v));
        }
        if (s.old_fd >= 0)
                close(s.old_fd);
        sbc_encoder_done(&s.old_enc);
        atomic_store(&b->has_fd, fd >= 0);
        return 0;
}

bool bt_io_has_fd(BtIo *b) {
        return atomic_load(&b->has_fd);
}

void bt_io_set_transport_delay(BtIo *b, uint64_t usec) {
        atomic_store_explicit(&b->transport_delay_usec, usec, memory_order_relaxed);
}

void bt_io_get_stats(BtIo *b, BtIoStats *ret) {
        ret->packets = atomic_load(&b->st_packets);
        ret->dropped = atomic_load(&b->st_dropped);
        ret->bad = atomic_load(&b->st_bad);
        ret->oversize = atomic_load(&b->st_oversize);
        ret->underruns = atomic_load(&b->st_underruns);
}

void bt_io_free(BtIo *b) {
        if (!b)
                return;
        if (b->event_watch && b->core->loop && b->core->loop->remove_fd)
                b->core->loop->remove_fd(b->core, b->event_watch);
        if (b->event_fd >= 0)
                close(b->event_fd);
        if (b->fd >= 0)
                close(b->fd);
        sbc_encoder_done(&b->enc);
        sbc_decoder_done(&b->dec);
        msbc_done(&b->msbc);
        free(b->pcm);
        free(b->pkt);
        free(b->dec_buf);
        free(b->ring);
        free(b);
}
