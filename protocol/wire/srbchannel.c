/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* srbchannel.c: the shared ring buffer pair (see srbchannel.h).
 *
 * Shared block layout (native-endian int32, native-protocol.md §8):
 *
 *   0 read_count   bytes in ring A (client -> server)
 *   4 write_count  bytes in ring B (server -> client)
 *   8 fdsem A      waiting, signalled, in_pipe: the server sleeps on it
 *  20 fdsem B      the same for the client
 *  32 capacity, 36 ring A offset, 40 ring B offset (from the block start)
 *
 * Rings: a writer copies into the free part, then adds to the count; a
 * reader copies out, then subtracts. The read/write indices are private.
 * The fetch-and-subtract result tells a reader whether the ring was full
 * *at that instant*, which is exactly when the writer may be waiting for
 * room, so "was full" is judged on it and not on an earlier load.
 *
 * Wake-ups: post = if signalled goes 0 -> 1 and the peer's waiting is
 * non-zero, count the write in in_pipe and write 1 to the peer's eventfd.
 * Our own waiting flag stays 1 while the channel exists (our loop always
 * polls the eventfd); srb_ack() drains the eventfd and then clears
 * signalled, before the ring is read, so data written after that posts
 * again (the other order loses wake-ups: see srb_ack()).
 *
 * Eventfds: our wait eventfd is non-blocking (the peer only writes to it,
 * so the flag, shared with the peer's copy, changes nothing for it) and
 * read only with O_NONBLOCK: a peer that drains it itself cannot block us.
 * The peer's eventfd stays blocking, as libpulse expects; an eventfd write
 * blocks only at a counter of 2^64-2, which only a same-uid peer (SHM is
 * never offered to others) could arrange.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include "engine/base/macro.h"
#include "protocol/wire/shm.h"
#include "protocol/wire/srbchannel.h"

#define OFF_READ_COUNT 0
#define OFF_WRITE_COUNT 4
#define OFF_SEM_A 8
#define OFF_SEM_B 20
#define OFF_CAPACITY 32
#define OFF_READBUF 36
#define OFF_WRITEBUF 40

#define SEM_WAITING 0
#define SEM_SIGNALLED 1
#define SEM_IN_PIPE 2

static int32_t *field(uint8_t *block, size_t off) {
        return (int32_t *)(void *)(block + off);
}

static size_t align8(size_t v) {
        return (v + 7U) & ~(size_t)7U;
}

static Srb *srb_alloc(void) {
        Srb *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->fd_wait = s->fd_signal = s->memfd = -1;
        return s;
}

Srb *srb_free(Srb *s) {
        if (!s)
                return NULL;
        if (s->map && s->map_size)
                munmap(s->map, s->map_size);
        if (s->fd_wait >= 0)
                close(s->fd_wait);
        if (s->fd_signal >= 0)
                close(s->fd_signal);
        if (s->memfd >= 0)
                close(s->memfd);
        free(s);
        return NULL;
}

void srb_close_memfd(Srb *s) {
        if (s->memfd >= 0)
                close(s->memfd);
        s->memfd = -1;
}

int srb_new_server(Srb **ret) {
        _c_cleanup_(srb_freep) Srb *s = srb_alloc();
        uint8_t *b;
        size_t cap;
        int r;

        if (!s)
                return -ENOMEM;
        r = shm_memfd_new("pulsecompat-srbchannel", SRB_MEMFD_SIZE, &s->memfd, &s->map);
        if (r < 0)
                return r;
        s->map_size = SRB_MEMFD_SIZE;
        s->fd_wait = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (s->fd_wait < 0)
                return -errno;
        s->own_wait_fd = true;
        s->fd_signal = eventfd(0, EFD_CLOEXEC);
        if (s->fd_signal < 0)
                return -errno;

        b = s->block = (uint8_t *)s->map + SRB_BLOCK_OFFSET;
        cap = (SRB_BLOCK_SIZE - SRB_HEADER_SIZE) / 2;
        s->capacity = (uint32_t)cap;
        s->in_off = SRB_HEADER_SIZE;
        s->out_off = (uint32_t)align8(SRB_HEADER_SIZE + cap);
        memset(b, 0, SRB_HEADER_SIZE);
        *field(b, OFF_CAPACITY) = (int32_t)s->capacity;
        *field(b, OFF_READBUF) = (int32_t)s->in_off;
        *field(b, OFF_WRITEBUF) = (int32_t)s->out_off;
        s->in_count = field(b, OFF_READ_COUNT);
        s->out_count = field(b, OFF_WRITE_COUNT);
        s->my_sem = field(b, OFF_SEM_A);
        s->peer_sem = field(b, OFF_SEM_B);
        /* Our loop always polls the eventfd: we are always "waiting". */
        __atomic_store_n(&s->my_sem[SEM_WAITING], 1, __ATOMIC_SEQ_CST);
        *ret = s;
        s = NULL;
        return 0;
}

int srb_new_client(Srb **ret, uint8_t *block, size_t block_size, int fd_wait, int fd_signal) {
        Srb *s;
        int32_t cap, rd, wr;

        if (block_size < SRB_HEADER_SIZE + 2 || block_size > INT32_MAX) {
                close(fd_wait);
                close(fd_signal);
                return SRB_E_CORRUPT;
        }
        cap = __atomic_load_n(field(block, OFF_CAPACITY), __ATOMIC_SEQ_CST);
        rd = __atomic_load_n(field(block, OFF_READBUF), __ATOMIC_SEQ_CST);
        wr = __atomic_load_n(field(block, OFF_WRITEBUF), __ATOMIC_SEQ_CST);
        /* Both rings inside the block, not overlapping the header or each other. */
        if (cap <= 0 || rd < (int32_t)SRB_HEADER_SIZE || wr < (int32_t)SRB_HEADER_SIZE ||
            (size_t)rd > block_size || (size_t)cap > block_size - (size_t)rd ||
            (size_t)wr > block_size || (size_t)cap > block_size - (size_t)wr ||
            (rd < wr ? (int64_t)rd + cap > wr : (int64_t)wr + cap > rd)) {
                close(fd_wait);
                close(fd_signal);
                return SRB_E_CORRUPT;
        }
        s = srb_alloc();
        if (!s) {
                close(fd_wait);
                close(fd_signal);
                return -ENOMEM;
        }
        s->block = block;
        s->capacity = (uint32_t)cap;
        s->in_off = (uint32_t)wr;
        s->out_off = (uint32_t)rd;
        s->in_count = field(block, OFF_WRITE_COUNT);
        s->out_count = field(block, OFF_READ_COUNT);
        s->my_sem = field(block, OFF_SEM_B);
        s->peer_sem = field(block, OFF_SEM_A);
        s->fd_wait = fd_wait;
        s->fd_signal = fd_signal;
        s->wait_blocking = !(fcntl(fd_wait, F_GETFL) & O_NONBLOCK);
        __atomic_store_n(&s->my_sem[SEM_WAITING], 1, __ATOMIC_SEQ_CST);
        *ret = s;
        return 0;
}

void srb_signal_peer(Srb *s) {
        int32_t zero = 0;
        uint64_t one = 1;

        if (!__atomic_compare_exchange_n(&s->peer_sem[SEM_SIGNALLED], &zero, 1, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
                return;         /* already signalled: the peer will look anyway */
        if (__atomic_load_n(&s->peer_sem[SEM_WAITING], __ATOMIC_SEQ_CST) <= 0)
                return;         /* awake: it checks signalled before it sleeps */
        __atomic_fetch_add(&s->peer_sem[SEM_IN_PIPE], 1, __ATOMIC_SEQ_CST);
        s->signals_sent++;
        while (write(s->fd_signal, &one, sizeof(one)) < 0 && errno == EINTR)
                ;
}

void srb_suppress(Srb *s) {
        __atomic_store_n(&s->my_sem[SEM_SIGNALLED], 1, __ATOMIC_SEQ_CST);
}

void srb_ack_polled(Srb *s) {
        /* The peer counts in_pipe up *before* it writes the eventfd: with nothing
         * counted there is nothing to read. (A peer lying about in_pipe leaves the
         * eventfd readable: the loop wakes us and srb_ack() reads it.) */
        if (s->own_wait_fd && __atomic_load_n(&s->my_sem[SEM_IN_PIPE], __ATOMIC_SEQ_CST) <= 0) {
                __atomic_store_n(&s->my_sem[SEM_SIGNALLED], 0, __ATOMIC_SEQ_CST);
                return;
        }
        srb_ack(s);
}

void srb_ack(Srb *s) {
        uint64_t v;

        /* Order matters: first consume the eventfd, *then* clear signalled, then (the
         * caller) read the ring. Cleared first, a post landing between the clear and
         * the drain would have its eventfd write eaten while signalled stays 1, and
         * every later post would skip the eventfd: a lost wake-up. */
        for (;;) {
                ssize_t n;

                if (s->wait_blocking) {
                        struct pollfd p = { .fd = s->fd_wait, .events = POLLIN };

                        if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
                                break;
                }
                n = read(s->fd_wait, &v, sizeof(v));

                if (n == (ssize_t)sizeof(v)) {
                        /* The peer counted its writes in in_pipe: take ours off. */
                        __atomic_fetch_sub(&s->my_sem[SEM_IN_PIPE],
                                           (int32_t)(v > INT32_MAX ? INT32_MAX : v),
                                           __ATOMIC_SEQ_CST);
                        /* our own eventfd (not a semaphore): one read takes the
                         * whole count; a second would only say EAGAIN */
                        if (s->own_wait_fd)
                                break;
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                break;
        }
        __atomic_store_n(&s->my_sem[SEM_SIGNALLED], 0, __ATOMIC_SEQ_CST);
}

static int srb_count(Srb *s, int32_t *count, uint32_t *ret) {
        int32_t v = __atomic_load_n(count, __ATOMIC_SEQ_CST);

        if (v < 0 || (uint32_t)v > s->capacity)
                return SRB_E_CORRUPT;
        *ret = (uint32_t)v;
        return 0;
}

int srb_in_pending(Srb *s, size_t *ret_n) {
        uint32_t v;
        int r = srb_count(s, s->in_count, &v);

        if (r)
                return r;
        *ret_n = v;
        return 0;
}

int srb_read(Srb *s, void *buf, size_t n, size_t *ret_n) {
        uint8_t *ring = s->block + s->in_off;
        uint32_t avail, take, first;
        int32_t old;
        int r;

        *ret_n = 0;
        r = srb_count(s, s->in_count, &avail);
        if (r)
                return r;
        take = (uint32_t)(n < avail ? n : avail);
        if (take == 0)
                return 0;
        first = s->capacity - s->in_pos;
        if (first > take)
                first = take;
        memcpy(buf, ring + s->in_pos, first);
        memcpy((uint8_t *)buf + first, ring, take - first);
        s->in_pos = (s->in_pos + take) % s->capacity;
        old = __atomic_fetch_sub(s->in_count, (int32_t)take, __ATOMIC_SEQ_CST);
        if (old < (int32_t)take || (uint32_t)old > s->capacity)
                return SRB_E_CORRUPT;   /* the peer rewrote the count under us */
        if ((uint32_t)old == s->capacity)
                srb_signal_peer(s);     /* its writer waits for room */
        s->bytes_in += take;
        *ret_n = take;
        return 0;
}

int srb_write(Srb *s, const void *buf, size_t n, size_t *ret_n) {
        uint8_t *ring = s->block + s->out_off;
        uint32_t used, room, put, first;
        int32_t old;
        int r;

        *ret_n = 0;
        r = srb_count(s, s->out_count, &used);
        if (r)
                return r;
        room = s->capacity - used;
        put = (uint32_t)(n < room ? n : room);
        if (put == 0)
                return 0;
        first = s->capacity - s->out_pos;
        if (first > put)
                first = put;
        memcpy(ring + s->out_pos, buf, first);
        memcpy(ring, (const uint8_t *)buf + first, put - first);
        s->out_pos = (s->out_pos + put) % s->capacity;
        old = __atomic_fetch_add(s->out_count, (int32_t)put, __ATOMIC_SEQ_CST);
        if (old < 0 || (uint32_t)old > s->capacity - put)
                return SRB_E_CORRUPT;
        s->bytes_out += put;
        *ret_n = put;
        return 0;
}
