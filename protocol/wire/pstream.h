/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pstream.h: frames over a stream socket (the "pstream" of the native protocol).
 *
 * A Pstream owns no event loop: pstream_read() pops at most one complete
 * frame per call from what the socket has, pstream_flush() writes what the
 * socket accepts, and pstream_wants_write() tells the caller whether to
 * wait for EPOLLOUT. It is tested over a socketpair() without a loop.
 *
 * With SHM negotiated (pstream_enable_shm()) SHM reference, release and
 * revoke frames pass the descriptor check; with an attached srbchannel
 * (pstream_attach_srb()) frames travel through the shared rings instead of
 * the socket, which still carries EOF and frames with file descriptors.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "engine/base/list.h"
#include "protocol/wire/srbchannel.h"

#define PSTREAM_DESCRIPTOR_SIZE 20U
#define PSTREAM_FRAME_MAX (16U * 1024U * 1024U)
#define PSTREAM_CHANNEL_CONTROL 0xFFFFFFFFU
#define PSTREAM_FLAG_SEEK_MASK 0x000000FFU
#define PSTREAM_FLAG_SHM_MASK 0xFF000000U
#define PSTREAM_FLAG_SHM_DATA 0x80000000U
#define PSTREAM_FLAG_SHM_RELEASE 0x40000000U   /* the whole FLAGS word */
#define PSTREAM_FLAG_SHM_REVOKE 0xC0000000U    /* the whole FLAGS word */
#define PSTREAM_FLAG_SHM_MEMFD 0x20000000U
#define PSTREAM_FLAG_SHM_WRITABLE 0x00800000U
#define PSTREAM_OUT_MAX_DEFAULT (8U * 1024U * 1024U)
#define PSTREAM_MAX_FDS 2U      /* libpulse accepts at most 2 fds per message */

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
        uint8_t *payload;       /* length bytes, owned (NULL for SHM release/revoke) */
        int fds[PSTREAM_MAX_FDS];       /* arrived with the frame's first byte, owned */
        unsigned n_fds;
} Frame;

Frame *frame_free(Frame *f);
static inline void frame_freep(Frame **f) { if (*f) frame_free(*f); }
static inline bool frame_is_packet(const Frame *f) {
        return f->channel == PSTREAM_CHANNEL_CONTROL;
}

/* Takes the frame's fds (the caller owns them now); returns how many. */
unsigned frame_steal_fds(Frame *f, int fds[PSTREAM_MAX_FDS]);

typedef struct PstreamOut PstreamOut;

/* Reassembly state of one byte source (the socket, or the srbchannel ring). */
typedef struct PstreamIn {
        uint8_t *in;            /* read buffer */
        size_t in_size, in_pos, in_len;
        uint8_t desc[PSTREAM_DESCRIPTOR_SIZE];
        size_t desc_got;
        Frame *cur;
        size_t cur_got, cur_alloc;
        /* fds of the last recvmsg(): they belong to the last frame starting in its bytes */
        int fds[PSTREAM_MAX_FDS];
        unsigned n_fds;
        uint64_t gen;           /* recvmsg() count */
        uint64_t fds_gen;       /* the recvmsg() that brought fds */
        size_t fds_end;         /* its end in the buffer */
        uint64_t desc_gen;      /* where the descriptor being read started */
        size_t desc_pos;
} PstreamIn;

typedef struct Pstream {
        int fd;
        /* input */
        PstreamIn sock;
        PstreamIn ring;         /* only with an srbchannel */
        bool eof;
        bool shm;               /* SHM negotiated: SHM frames are valid */
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
        /* srbchannel (owned once attached) */
        Srb *srb;
        bool srb_out;           /* output goes to the ring (the socket queue had drained) */
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
/* Queue a control packet with file descriptors (dup'ed; the caller keeps its own),
 * sent alone in its own sendmsg(). Not possible once an srbchannel is attached.
 * Return: as pstream_send_packet(), -EINVAL also with an srbchannel or > 2 fds. */
int pstream_send_packet_fds(Pstream *ps, const void *payload, size_t n, const int *fds,
                            unsigned n_fds);
/* Queue an SHM reference memblock frame (16-byte payload, flags given in full). */
int pstream_send_shm_ref(Pstream *ps, uint32_t channel, uint32_t flags, const uint8_t ref[16]);
/* Queue an SHM release frame for block_id (native-protocol.md §3.2). */
int pstream_send_shm_release(Pstream *ps, uint32_t block_id);
/* Accept SHM reference / release / revoke frames from now on. */
static inline void pstream_enable_shm(Pstream *ps) { ps->shm = true; }
/* Move frame I/O to the srbchannel (takes over srb). Input switches at once;
 * output when the socket queue is empty. Return: 0 or -ENOMEM. */
int pstream_attach_srb(Pstream *ps, Srb *srb);
/* Write as much as the socket accepts. Return: 0 (all written), PSTREAM_E_AGAIN, or a negative errno. */
int pstream_flush(Pstream *ps);
static inline bool pstream_wants_write(const Pstream *ps) {
        return ps->out_bytes > 0;
}
/* Output waits for the *socket* (EPOLLOUT); output for the ring waits for the peer's signal. */
static inline bool pstream_wants_socket_write(const Pstream *ps) {
        return ps->out_bytes > 0 && !ps->srb_out;
}
