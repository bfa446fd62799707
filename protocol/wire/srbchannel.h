/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* srbchannel.h: the shared ring buffer channel of the native protocol (v30+).
 *
 * One shared block holds a header and two byte rings: ring A carries
 * client -> server bytes, ring B server -> client (native-protocol.md §8).
 * Each side sleeps on its own eventfd; a writer wakes the other side through
 * a tiny shared semaphore (waiting / signalled / in_pipe) that writes the
 * eventfd only on a 0 -> 1 edge of `signalled` and only while the other side
 * says it is waiting, so a busy peer costs no syscalls.
 *
 * Like Pstream, a Srb owns no event loop: the owner polls srb_wait_fd(),
 * calls srb_ack() when it fires, then srb_read()/srb_write() as much as it
 * wants and srb_signal_peer() after writing.
 *
 * The shared block is writable by the peer: capacity and offsets are kept in
 * private copies and never read back; the shared counts are checked against
 * the capacity on every access, and a bad one is SRB_E_CORRUPT (drop the
 * peer), never an over-read.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Layout (as PulseAudio 16.1 makes it): a 64 KiB memfd, the block at offset 64. */
#define SRB_MEMFD_SIZE 65536U
#define SRB_BLOCK_OFFSET 64U
#define SRB_BLOCK_SIZE (SRB_MEMFD_SIZE - SRB_BLOCK_OFFSET)
#define SRB_HEADER_SIZE 48U

enum {
        _SRB_E_SUCCESS,
        SRB_E_CORRUPT,          /* the peer broke the shared header */
};

typedef struct Srb {
        void *map;              /* the whole mapping (owned) */
        size_t map_size;
        uint8_t *block;         /* header + rings, inside map */
        uint32_t capacity;      /* private copies: never re-read from the block */
        uint32_t in_off, out_off;
        uint32_t in_pos, out_pos;       /* our read / write index */
        int32_t *in_count, *out_count;  /* shared counts */
        int32_t *my_sem, *peer_sem;     /* shared fdsem data: waiting, signalled, in_pipe */
        int fd_wait;            /* eventfd we poll (owned) */
        bool wait_blocking;     /* fd_wait lacks O_NONBLOCK: poll before reading it */
        bool own_wait_fd;       /* fd_wait is our eventfd (non-blocking, not a semaphore) */
        int fd_signal;          /* eventfd that wakes the peer (owned) */
        int memfd;              /* until srb_close_memfd() (owned) */
        uint64_t bytes_in, bytes_out;
        uint64_t signals_sent;  /* eventfd writes (wake-ups we caused) */
        uint64_t full_stalls;   /* output stopped at a full ring (stats) */
} Srb;

/* Server side: a new sealed memfd with an initialised block and two eventfds.
 * Return: 0 or a negative errno. */
int srb_new_server(Srb **ret);
/* Client side (tests, fuzzer): attach to a block made by srb_new_server(),
 * reading its header (checked). Takes over fd_wait/fd_signal; map is borrowed.
 * Return: 0, SRB_E_CORRUPT, or a negative errno. */
int srb_new_client(Srb **ret, uint8_t *block, size_t block_size, int fd_wait, int fd_signal);
Srb *srb_free(Srb *s);
static inline void srb_freep(Srb **s) { if (*s) srb_free(*s); }

static inline int srb_wait_fd(const Srb *s) { return s->fd_wait; }
void srb_close_memfd(Srb *s);

/* Our eventfd fired (or we are about to look anyway): consume the signal.
 * Call before srb_read() so that data written after it wakes us again. */
void srb_ack(Srb *s);
/* Asks the peer not to wake us for a while (we will look at the ring on our
 * own, then srb_ack()): marks our side signalled, so the peer's posts skip the
 * eventfd write. A post racing with it is harmless (one extra eventfd count). */
void srb_suppress(Srb *s);
/* srb_ack() when we look without having been woken: skips the eventfd read
 * when the peer counted no write in flight. */
void srb_ack_polled(Srb *s);
/* Copies up to n bytes out of the incoming ring. Signals the peer when the
 * ring was full (its writer is waiting for room).
 * Return: 0 (*ret_n may be 0) or SRB_E_CORRUPT. */
int srb_read(Srb *s, void *buf, size_t n, size_t *ret_n);
/* Copies up to n bytes into the outgoing ring (as many as fit).
 * Return: 0 (*ret_n may be less than n: the ring is full) or SRB_E_CORRUPT. */
int srb_write(Srb *s, const void *buf, size_t n, size_t *ret_n);
/* Wakes the peer if it sleeps (fdsem post). */
void srb_signal_peer(Srb *s);
/* Bytes waiting in the incoming ring (checked). Return: 0 or SRB_E_CORRUPT. */
int srb_in_pending(Srb *s, size_t *ret_n);
