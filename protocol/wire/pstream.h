/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pstream.h: frames over a stream socket (the "pstream" of the native protocol).
 *
 * A Pstream owns no event loop: pstream_read() pops at most one complete
 * frame per call from what the socket has, pstream_flush() writes what the
 * socket accepts, and pstream_wants_write() tells the caller whether to
 * wait for EPOLLOUT. It is tested over a socketpair() without a loop.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "engine/base/list.h"

#define PSTREAM_DESCRIPTOR_SIZE 20U
#define PSTREAM_FRAME_MAX (16U * 1024U * 1024U)
#define PSTREAM_CHANNEL_CONTROL 0xFFFFFFFFU
#define PSTREAM_FLAG_SEEK_MASK 0x000000FFU
#define PSTREAM_FLAG_SHM_MASK 0xFF000000U
#define PSTREAM_OUT_MAX_DEFAULT (8U * 1024U * 1024U)

enum {
        _PSTREAM_E_SUCCESS,
        PSTREAM_E_AGAIN,        /* nothing complete yet / output still pending */
        PSTREAM_E_EOF,          /* peer closed */
        PSTREAM_E_PROTOCOL,     /* malformed frame: drop the peer */
        PSTREAM_E_OVERFLOW,     /* output queue over its limit: the peer stopped reading */
};

typedef struct Frame {
        uint32_t channel;
        int64_t offset;
        uint32_t flags;
        uint32_t length;
        uint8_t *payload;       /* length bytes, owned */
} Frame;

Frame *frame_free(Frame *f);
static inline void frame_freep(Frame **f) { if (*f) frame_free(*f); }
static inline bool frame_is_packet(const Frame *f) {
        return f->channel == PSTREAM_CHANNEL_CONTROL;
}

typedef struct PstreamOut PstreamOut;

typedef struct Pstream {
        int fd;
        /* input */
        uint8_t *in;            /* read buffer */
        size_t in_size, in_pos, in_len;
        uint8_t desc[PSTREAM_DESCRIPTOR_SIZE];
        size_t desc_got;
        Frame *cur;
        size_t cur_got, cur_alloc;
        bool eof;
        /* track_drain (set by the owner): a short read sets in_drained, and pstream_read
         * then returns PSTREAM_E_AGAIN without a syscall until the owner clears it when
         * poll reports the socket readable again. */
        bool track_drain;
        bool in_drained;
        /* peer credentials of the last message that carried them */
        bool have_creds;
        struct ucred creds;
        /* output */
        CList out;
        size_t out_bytes;
        size_t out_max;
        uint64_t bytes_in, bytes_out;
} Pstream;

/* Takes over fd (closed by pstream_deinit). Enables SO_PASSCRED when it is a unix socket. */
int pstream_init(Pstream *ps, int fd);
void pstream_deinit(Pstream *ps);

/* Returns 0 and a frame, or PSTREAM_E_AGAIN / _EOF / _PROTOCOL, or a negative errno.
 * Reads at most one socket buffer per call, so callers bound their work per wakeup. */
int pstream_read(Pstream *ps, Frame **ret);

/* Queue a control packet (payload is copied). with_creds attaches our own
 * SCM_CREDENTIALS, as PulseAudio does on the AUTH reply.
 * Return: 0, PSTREAM_E_OVERFLOW, -ENOMEM, -EINVAL (empty or too large). */
int pstream_send_packet(Pstream *ps, const void *payload, size_t n, bool with_creds);
/* Queue a memblock frame (copied). */
int pstream_send_memblock(Pstream *ps, uint32_t channel, int64_t offset, uint8_t seek,
                          const void *data, size_t n);
/* Write as much as the socket accepts. Return: 0 (all written), PSTREAM_E_AGAIN, or a negative errno. */
int pstream_flush(Pstream *ps);
static inline bool pstream_wants_write(const Pstream *ps) {
        return ps->out_bytes > 0;
}
