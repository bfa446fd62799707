/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-srbchannel.c: unit tests of shm.c (references, imported pools),
 * srbchannel.c (rings, fdsem wake-ups, a lying peer) and the pstream over
 * an srbchannel (frames both ways, fd-carrying packets, SHM frames).
 *
 * The "client" side is our own srb_new_client() on the same mapping, which
 * follows the layout of native-protocol.md §8 read from the header. The
 * fixture counts open fds so a test that leaks one fails.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <signal.h>
#include "protocol/wire/pstream.h"
#include "protocol/wire/shm.h"
#include "protocol/wire/srbchannel.h"
#include "engine/base/test-fds.h"

static int fds_at_setup;

static void setup(void) {
        fds_at_setup = count_fds();
}

static void teardown(void) {
        ck_assert_int_eq(count_fds(), fds_at_setup);
}

static bool readable(int fd) {
        struct pollfd p = { .fd = fd, .events = POLLIN };

        return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* A server Srb and a client Srb on the same block (client fds are dups). */
static void make_pair(Srb **srv, Srb **cli) {
        int wait_fd, signal_fd;

        ck_assert_int_eq(srb_new_server(srv), 0);
        /* the client waits on the server's signal fd and signals the server's wait fd */
        wait_fd = fcntl((*srv)->fd_signal, F_DUPFD_CLOEXEC, 3);
        signal_fd = fcntl((*srv)->fd_wait, F_DUPFD_CLOEXEC, 3);
        ck_assert_int_ge(wait_fd, 0);
        ck_assert_int_ge(signal_fd, 0);
        ck_assert_int_eq(srb_new_client(cli, (*srv)->block, SRB_BLOCK_SIZE, wait_fd, signal_fd), 0);
}

static int32_t *hdr(Srb *s, size_t off) {
        return (int32_t *)(void *)(s->block + off);
}

/* ---- shm.c ---- */

START_TEST(test_ref_parse) {
        uint8_t b[SHM_REF_SIZE];
        ShmRef r;

        shm_ref_write(b, &(ShmRef){ 1, 0xdeadbeef, 64, 65472 });
        ck_assert_int_eq(b[4], 0xde);   /* big-endian */
        ck_assert_int_eq(shm_ref_parse(b, sizeof(b), &r), 0);
        ck_assert_uint_eq(r.block_id, 1);
        ck_assert_uint_eq(r.shm_id, 0xdeadbeef);
        ck_assert_uint_eq(r.offset, 64);
        ck_assert_uint_eq(r.length, 65472);
        ck_assert_int_eq(shm_ref_parse(b, 15, &r), SHM_E_INVALID);
        ck_assert_int_eq(shm_ref_parse(b, 17, &r), SHM_E_INVALID);
        ck_assert_int_eq(shm_ref_parse(NULL, 16, &r), SHM_E_INVALID);
}
END_TEST

static int make_memfd(size_t size, const void *fill) {
        int fd = memfd_create("test", MFD_CLOEXEC);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
        if (fill)
                ck_assert_int_eq(pwrite(fd, fill, size, 0), (ssize_t)size);
        return fd;
}

START_TEST(test_imports_ranges) {
        ShmImports im = SHM_IMPORTS_NULL;
        uint8_t data[4096], out[4096];

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t)(i * 7);
        ck_assert_int_eq(shm_imports_add(&im, 5, make_memfd(4096, data)), 0);
        /* inside, at the end (N), one past (N + 1), overflow, empty, unknown id */
        ck_assert_int_eq(shm_imports_check(&im, &(ShmRef){ 0, 5, 0, 4096 }, 1 << 20), 0);
        ck_assert_int_eq(shm_imports_check(&im, &(ShmRef){ 0, 5, 4095, 1 }, 1 << 20), 0);
        ck_assert_int_eq(shm_imports_check(&im, &(ShmRef){ 0, 5, 4095, 2 }, 1 << 20), SHM_E_RANGE);
        ck_assert_int_eq(shm_imports_check(&im, &(ShmRef){ 0, 5, 4096, 1 }, 1 << 20), SHM_E_RANGE);
        ck_assert_int_eq(shm_imports_check(&im, &(ShmRef){ 0, 5, 8, UINT32_MAX }, 1 << 20),
                         SHM_E_RANGE);
        ck_assert_int_eq(shm_imports_check(&im, &(ShmRef){ 0, 5, UINT32_MAX, 16 }, 1 << 20),
                         SHM_E_RANGE);
        ck_assert_int_eq(shm_imports_check(&im, &(ShmRef){ 0, 5, 0, 0 }, 1 << 20), SHM_E_RANGE);
        ck_assert_int_eq(shm_imports_check(&im, &(ShmRef){ 0, 5, 0, 2048 }, 2047), SHM_E_RANGE);
        ck_assert_int_eq(shm_imports_check(&im, &(ShmRef){ 0, 6, 0, 16 }, 1 << 20), SHM_E_UNKNOWN);
        /* the bytes */
        ck_assert_int_eq(shm_imports_read(&im, &(ShmRef){ 0, 5, 100, 1000 }, out), 0);
        ck_assert_mem_eq(out, data + 100, 1000);
        shm_imports_deinit(&im);
}
END_TEST

/* The peer shrinks its pool under our mapping: pages past the new end fault
 * (SIGBUS, caught by the guard: SHM_E_RANGE), the rest still reads; then a
 * SIGBUS outside a guarded copy is not swallowed (checked in a child). */
START_TEST(test_imports_truncated) {
        ShmImports im = SHM_IMPORTS_NULL;
        static uint8_t data[3 * 4096], out[8192];
        pid_t pid;
        int st;

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t)(i * 13);
        ck_assert_int_eq(shm_imports_add(&im, 5, make_memfd(sizeof(data), data)), 0);
        ck_assert_int_eq(ftruncate(im.pools[0].fd, 512), 0);
        ck_assert_int_eq(shm_imports_read(&im, &(ShmRef){ 0, 5, 8192, 1000 }, out), SHM_E_RANGE);
        ck_assert_int_eq(shm_imports_read(&im, &(ShmRef){ 0, 5, 100, 8000 }, out), SHM_E_RANGE);
        /* the guard is re-armed after a fault: again, then a good read */
        ck_assert_int_eq(shm_imports_read(&im, &(ShmRef){ 0, 5, 4096, 16 }, out), SHM_E_RANGE);
        ck_assert_int_eq(shm_imports_read(&im, &(ShmRef){ 0, 5, 0, 256 }, out), 0);
        ck_assert_mem_eq(out, data, 256);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                volatile const uint8_t *m = im.pools[0].map;

                (void)m[8192];          /* unguarded: must die of SIGBUS */
                _exit(0);
        }
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        /* not swallowed: killed by SIGBUS, or under AddressSanitizer its SIGBUS report
         * and then exit 1, or SIGABRT with abort_on_error=1 (tools/test.sh) */
        ck_assert((WIFSIGNALED(st) && (WTERMSIG(st) == SIGBUS || WTERMSIG(st) == SIGABRT)) ||
                  (WIFEXITED(st) && WEXITSTATUS(st) != 0));
        shm_imports_deinit(&im);
}
END_TEST

START_TEST(test_imports_registration) {
        ShmImports im = SHM_IMPORTS_NULL;
        int p[2];
        char path[] = "/tmp/test-srb-XXXXXX";
        int f;

        ck_assert_int_eq(shm_imports_add(&im, 1, make_memfd(64, NULL)), 0);
        ck_assert_int_eq(shm_imports_add(&im, 1, make_memfd(64, NULL)), SHM_E_EXIST);
        /* not a memfd: a pipe, an empty memfd, a regular file */
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        ck_assert_int_eq(shm_imports_add(&im, 2, p[0]), SHM_E_INVALID);
        close(p[1]);
        ck_assert_int_eq(shm_imports_add(&im, 2, make_memfd(0, NULL)), SHM_E_INVALID);
        f = mkostemp(path, O_CLOEXEC);
        ck_assert_int_ge(f, 0);
        unlink(path);
        ck_assert_int_eq(ftruncate(f, 4096), 0);
        if (fcntl(f, F_GET_SEALS) < 0)          /* /tmp may be tmpfs, which can seal */
                ck_assert_int_eq(shm_imports_add(&im, 2, f), SHM_E_INVALID);
        else
                close(f);
        /* the limit: N pools, then N + 1 */
        for (uint32_t id = 100; im.n_pools < SHM_IMPORTS_MAX; id++)
                ck_assert_int_eq(shm_imports_add(&im, id, make_memfd(64, NULL)), 0);
        ck_assert_int_eq(shm_imports_add(&im, 999, make_memfd(64, NULL)), SHM_E_LIMIT);
        shm_imports_deinit(&im);
}
END_TEST

START_TEST(test_memfd_sealed) {
        void *map;
        int fd;

        ck_assert_int_eq(shm_memfd_new("t", 65536, &fd, &map), 0);
        /* the peer gets this fd: it can neither shrink nor grow it */
        ck_assert_int_lt(ftruncate(fd, 4096), 0);
        ck_assert_int_lt(ftruncate(fd, 1 << 20), 0);
        ck_assert_int_eq(munmap(map, 65536), 0);
        close(fd);
}
END_TEST

/* ---- srbchannel.c ---- */

START_TEST(test_header_layout) {
        Srb *s, *c;

        make_pair(&s, &c);
        ck_assert_int_eq(*hdr(s, 32), 32712);           /* capacity, as PulseAudio */
        ck_assert_int_eq(*hdr(s, 36), 48);
        ck_assert_int_eq(*hdr(s, 40), 32760);
        ck_assert_int_eq(*hdr(s, 8), 1);                /* the server is always "waiting" */
        srb_free(c);
        srb_free(s);
}
END_TEST

START_TEST(test_roundtrip_and_wrap) {
        uint8_t in[20000], out[20000];
        Srb *s, *c;
        size_t n;

        make_pair(&s, &c);
        for (int round = 0; round < 10; round++) {      /* 200 kB through a 32 kB ring */
                for (size_t i = 0; i < sizeof(in); i++)
                        in[i] = (uint8_t)(i + round * 31);
                ck_assert_int_eq(srb_write(c, in, sizeof(in), &n), 0);
                ck_assert_uint_eq(n, sizeof(in));
                srb_signal_peer(c);
                ck_assert(readable(s->fd_wait));
                srb_ack(s);
                ck_assert(!readable(s->fd_wait));
                ck_assert_int_eq(srb_read(s, out, sizeof(out), &n), 0);
                ck_assert_uint_eq(n, sizeof(in));
                ck_assert_mem_eq(in, out, sizeof(in));
                /* and back */
                ck_assert_int_eq(srb_write(s, in, sizeof(in), &n), 0);
                srb_signal_peer(s);
                srb_ack(c);
                ck_assert_int_eq(srb_read(c, out, sizeof(out), &n), 0);
                ck_assert_uint_eq(n, sizeof(in));
                ck_assert_mem_eq(in, out, sizeof(in));
        }
        srb_free(c);
        srb_free(s);
}
END_TEST

START_TEST(test_signal_only_on_edge) {
        uint8_t b[100] = { 0 };
        Srb *s, *c;
        size_t n;

        make_pair(&s, &c);
        /* many writes before the server looks: one eventfd write */
        for (int i = 0; i < 50; i++) {
                ck_assert_int_eq(srb_write(c, b, sizeof(b), &n), 0);
                srb_signal_peer(c);
        }
        ck_assert_uint_eq(c->signals_sent, 1);
        srb_ack(s);
        ck_assert_int_eq(*hdr(s, 8 + 8), 0);            /* in_pipe back to 0 */
        /* a peer that is not waiting gets no eventfd write at all */
        __atomic_store_n(hdr(s, 20), 0, __ATOMIC_SEQ_CST);
        ck_assert_int_eq(srb_write(s, b, sizeof(b), &n), 0);
        srb_signal_peer(s);
        ck_assert_uint_eq(s->signals_sent, 0);
        ck_assert(!readable(c->fd_wait));
        srb_free(c);
        srb_free(s);
}
END_TEST

/* REQUEST batching: with our side marked signalled (srb_suppress), the peer's
 * posts write no eventfd; srb_ack_polled() reads the eventfd only when the peer
 * counted a write in flight, and afterwards the peer wakes us again. */
START_TEST(test_suppress_and_polled_ack) {
        uint8_t b[64] = { 0 }, out[64];
        Srb *s, *c;
        size_t n;

        make_pair(&s, &c);
        srb_suppress(s);
        for (int i = 0; i < 5; i++) {
                ck_assert_int_eq(srb_write(c, b, sizeof(b), &n), 0);
                srb_signal_peer(c);
        }
        ck_assert_uint_eq(c->signals_sent, 0);
        ck_assert(!readable(s->fd_wait));
        srb_ack_polled(s);              /* nothing in the pipe: no read, signalled cleared */
        ck_assert_int_eq(*hdr(s, 8 + 4), 0);
        ck_assert_int_eq(srb_read(s, out, sizeof(out), &n), 0);
        ck_assert_uint_eq(n, sizeof(out));
        ck_assert_int_eq(srb_write(c, b, sizeof(b), &n), 0);
        srb_signal_peer(c);
        ck_assert_uint_eq(c->signals_sent, 1);
        ck_assert(readable(s->fd_wait));
        srb_ack_polled(s);              /* counted: the eventfd is drained */
        ck_assert(!readable(s->fd_wait));
        ck_assert_int_eq(*hdr(s, 8 + 8), 0);
        srb_free(c);
        srb_free(s);
}
END_TEST

START_TEST(test_full_ring_signals_writer) {
        static uint8_t b[40000];
        Srb *s, *c;
        size_t n;

        make_pair(&s, &c);
        ck_assert_int_eq(srb_write(c, b, sizeof(b), &n), 0);
        ck_assert_uint_eq(n, 32712);                    /* partial: the ring is full */
        ck_assert_int_eq(srb_write(c, b, 1, &n), 0);
        ck_assert_uint_eq(n, 0);
        srb_ack(c);
        ck_assert(!readable(c->fd_wait));
        ck_assert_int_eq(srb_read(s, b, 100, &n), 0);   /* reading a full ring wakes the writer */
        ck_assert(readable(c->fd_wait));
        srb_ack(c);
        ck_assert_int_eq(srb_read(s, b, 100, &n), 0);   /* not full any more: no signal */
        ck_assert(!readable(c->fd_wait));
        srb_free(c);
        srb_free(s);
}
END_TEST

START_TEST(test_lying_counts) {
        uint8_t b[64];
        Srb *s, *c;
        size_t n;

        make_pair(&s, &c);
        /* incoming count above the capacity, negative; outgoing count likewise */
        __atomic_store_n(s->in_count, 32713, __ATOMIC_SEQ_CST);
        ck_assert_int_eq(srb_read(s, b, sizeof(b), &n), SRB_E_CORRUPT);
        ck_assert_uint_eq(n, 0);
        __atomic_store_n(s->in_count, -1, __ATOMIC_SEQ_CST);
        ck_assert_int_eq(srb_read(s, b, sizeof(b), &n), SRB_E_CORRUPT);
        __atomic_store_n(s->in_count, 32712, __ATOMIC_SEQ_CST);         /* at capacity: fine */
        ck_assert_int_eq(srb_read(s, b, sizeof(b), &n), 0);
        ck_assert_uint_eq(n, sizeof(b));
        __atomic_store_n(s->out_count, INT32_MIN, __ATOMIC_SEQ_CST);
        ck_assert_int_eq(srb_write(s, b, sizeof(b), &n), SRB_E_CORRUPT);
        __atomic_store_n(s->out_count, 32712, __ATOMIC_SEQ_CST);
        ck_assert_int_eq(srb_write(s, b, sizeof(b), &n), 0);
        ck_assert_uint_eq(n, 0);
        /* the peer rewrites the geometry: we never read it back */
        *hdr(s, 32) = INT32_MAX;
        *hdr(s, 36) = -5000;
        __atomic_store_n(s->in_count, 16, __ATOMIC_SEQ_CST);
        ck_assert_int_eq(srb_read(s, b, sizeof(b), &n), 0);
        ck_assert_uint_eq(n, 16);
        srb_free(c);
        srb_free(s);
}
END_TEST

START_TEST(test_client_header_checked) {
        static const int32_t bad[][3] = {
                { 0, 48, 32760 }, { -1, 48, 32760 }, { 32712, 47, 32760 }, { 32712, 48, 48 },
                { 32713, 48, 32760 }, { 32712, 48, 32761 }, { INT32_MAX, 48, 32760 },
        };
        Srb *s, *c;

        ck_assert_int_eq(srb_new_server(&s), 0);
        for (size_t i = 0; i < C_ARRAY_SIZE(bad); i++) {
                int a = fcntl(s->fd_signal, F_DUPFD_CLOEXEC, 3), b = fcntl(s->fd_wait, F_DUPFD_CLOEXEC, 3);

                *hdr(s, 32) = bad[i][0];
                *hdr(s, 36) = bad[i][1];
                *hdr(s, 40) = bad[i][2];
                ck_assert_int_eq(srb_new_client(&c, s->block, SRB_BLOCK_SIZE, a, b), SRB_E_CORRUPT);
        }
        srb_free(s);
}
END_TEST

#define STRESS_BYTES 200000

static void *stress_writer(void *userdata) {
        Srb *c = userdata;
        uint8_t b = 0;
        size_t n;

        for (int i = 0; i < STRESS_BYTES; i++) {
                do
                        ck_assert_int_eq(srb_write(c, &b, 1, &n), 0);
                while (n == 0);         /* full: spin (the test's writer never sleeps) */
                srb_signal_peer(c);
        }
        return NULL;
}

START_TEST(test_no_lost_wakeup) {
        /* A writer thread posts after every byte while the server sleeps on its
         * eventfd between reads: data in the ring with no wake-up pending is a
         * lost wake-up (it happened when srb_ack() cleared signalled before
         * draining the eventfd). */
        static uint8_t buf[65536];
        pthread_t t;
        size_t total = 0, n, pending;
        Srb *s, *c;

        make_pair(&s, &c);
        ck_assert_int_eq(pthread_create(&t, NULL, stress_writer, c), 0);
        while (total < STRESS_BYTES) {
                struct pollfd p = { .fd = s->fd_wait, .events = POLLIN };

                if (poll(&p, 1, 2000) == 0) {
                        ck_assert_int_eq(srb_in_pending(s, &pending), 0);
                        ck_assert_msg(pending == 0, "lost wake-up: %zu bytes wait in the ring", pending);
                }
                srb_ack(s);
                do {
                        ck_assert_int_eq(srb_read(s, buf, sizeof(buf), &n), 0);
                        total += n;
                } while (n > 0);
        }
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_uint_eq(total, STRESS_BYTES);
        srb_free(c);
        srb_free(s);
}
END_TEST

/* ---- pstream over the ring ---- */

static void make_pstreams_srb(Pstream *srv, Pstream *cli) {
        Srb *s, *c;
        int sv[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(pstream_init(srv, sv[0]), 0);
        ck_assert_int_eq(pstream_init(cli, sv[1]), 0);
        make_pair(&s, &c);
        ck_assert_int_eq(pstream_attach_srb(srv, s), 0);
        ck_assert_int_eq(pstream_attach_srb(cli, c), 0);
}

static int read_one(Pstream *ps, Frame **ret) {
        int r = PSTREAM_E_AGAIN;

        for (int i = 0; i < 1000 && r == PSTREAM_E_AGAIN; i++)
                r = pstream_read(ps, ret);
        return r;
}

START_TEST(test_pstream_frames_through_ring) {
        static uint8_t big[200000];
        Pstream a, b;
        Frame *f = NULL;
        size_t got = 0;

        make_pstreams_srb(&a, &b);
        for (size_t i = 0; i < sizeof(big); i++)
                big[i] = (uint8_t)(i * 13 + 1);
        ck_assert_int_eq(pstream_send_packet(&b, "\0\0\0\1hello", 9, false), 0);
        ck_assert_int_eq(pstream_send_memblock(&b, 3, -4096, 1, big, sizeof(big)), 0);
        /* 200 kB through a 32 kB ring: the writer stops, the reader makes room */
        for (int i = 0; i < 1000 && got < 2; i++) {
                int r;

                (void)pstream_flush(&b);
                r = pstream_read(&a, &f);
                if (r == PSTREAM_E_AGAIN)
                        continue;
                ck_assert_int_eq(r, 0);
                if (got == 0) {
                        ck_assert(frame_is_packet(f));
                        ck_assert_mem_eq(f->payload, "\0\0\0\1hello", 9);
                } else {
                        ck_assert_uint_eq(f->channel, 3);
                        ck_assert_int_eq(f->offset, -4096);
                        ck_assert_uint_eq(f->flags, 1);
                        ck_assert_uint_eq(f->length, sizeof(big));
                        ck_assert_mem_eq(f->payload, big, sizeof(big));
                }
                got++;
                f = frame_free(f);
        }
        ck_assert_uint_eq(got, 2);
        /* nothing went through the socket */
        ck_assert_uint_eq(b.srb->bytes_out, 20 + 9 + 20 + sizeof(big));
        pstream_deinit(&a);
        pstream_deinit(&b);
}
END_TEST

/* SHM releases alone do not wake the client (it reads them with its next
 * REQUEST or reply); anything else does, and so does a ring too full to take
 * the rest (the client must read to make room). */
START_TEST(test_pstream_release_is_lazy) {
        Pstream a, b;
        Frame *f = NULL;
        int r;

        make_pstreams_srb(&a, &b);
        pstream_enable_shm(&b);
        ck_assert_int_eq(pstream_send_shm_release(&a, 7), 0);
        ck_assert_int_eq(pstream_flush(&a), 0);
        ck_assert_uint_eq(a.srb->signals_sent, 0);
        ck_assert_int_eq(read_one(&b, &f), 0);   /* it is there when the client looks */
        ck_assert_uint_eq(f->flags, PSTREAM_FLAG_SHM_RELEASE);
        f = frame_free(f);
        ck_assert_int_eq(pstream_send_shm_release(&a, 8), 0);
        ck_assert_int_eq(pstream_send_packet(&a, "\0\0\0\1hello", 9, false), 0);
        ck_assert_int_eq(pstream_flush(&a), 0);
        ck_assert_uint_eq(a.srb->signals_sent, 1);
        ck_assert_int_eq(read_one(&b, &f), 0);
        f = frame_free(f);
        ck_assert_int_eq(read_one(&b, &f), 0);
        ck_assert(frame_is_packet(f));
        f = frame_free(f);
        srb_ack(b.srb);                 /* the client slept again: signalled cleared */
        /* more releases than the 32 kB ring holds: the client is woken to read */
        for (int i = 0; i < 2000; i++)
                ck_assert_int_eq(pstream_send_shm_release(&a, (uint32_t)i), 0);
        r = pstream_flush(&a);
        ck_assert_int_eq(r, PSTREAM_E_AGAIN);
        ck_assert_uint_eq(a.srb->signals_sent, 2);
        pstream_deinit(&a);
        pstream_deinit(&b);
}
END_TEST

START_TEST(test_pstream_eof_on_socket) {
        Pstream a, b;
        Frame *f = NULL;

        make_pstreams_srb(&a, &b);
        pstream_deinit(&b);
        ck_assert_int_eq(read_one(&a, &f), PSTREAM_E_EOF);
        pstream_deinit(&a);
}
END_TEST

START_TEST(test_pstream_corrupt_ring) {
        Pstream a, b;
        Frame *f = NULL;

        make_pstreams_srb(&a, &b);
        __atomic_store_n(a.srb->in_count, 100000, __ATOMIC_SEQ_CST);
        ck_assert_int_eq(read_one(&a, &f), PSTREAM_E_PROTOCOL);
        /* output into a ring whose count lies */
        __atomic_store_n(a.srb->out_count, -7, __ATOMIC_SEQ_CST);
        ck_assert_int_eq(pstream_send_packet(&a, "\0\0\0\1hello", 9, false), 0);
        ck_assert_int_lt(pstream_flush(&a), 0);
        pstream_deinit(&a);
        pstream_deinit(&b);
}
END_TEST

START_TEST(test_pstream_fds_and_shm_frames) {
        static const uint8_t ref[16] = { 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 64, 0, 0, 0, 16 };
        Pstream a, b;
        Frame *f = NULL;
        int sv[2], fds[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(pstream_init(&a, sv[0]), 0);
        ck_assert_int_eq(pstream_init(&b, sv[1]), 0);
        ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
        /* SHM frames need negotiation on the receiving side */
        ck_assert_int_eq(pstream_send_shm_release(&b, 77), 0);
        ck_assert_int_eq(pstream_flush(&b), 0);
        ck_assert_int_eq(read_one(&a, &f), PSTREAM_E_PROTOCOL);
        pstream_deinit(&a);
        pstream_deinit(&b);

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(pstream_init(&a, sv[0]), 0);
        ck_assert_int_eq(pstream_init(&b, sv[1]), 0);
        pstream_enable_shm(&a);
        ck_assert_int_eq(pstream_send_packet(&b, "\0\0\0\1plain", 9, false), 0);
        ck_assert_int_eq(pstream_send_packet_fds(&b, "\0\0\0\1withfd", 10, fds, 2), 0);
        ck_assert_int_eq(pstream_send_shm_release(&b, 77), 0);
        ck_assert_int_eq(pstream_send_shm_ref(&b, 4, 0xa0800000, ref), 0);
        ck_assert_int_eq(pstream_send_shm_ref(&b, 4, 0x40000000, ref), -EINVAL);
        ck_assert_int_eq(pstream_flush(&b), 0);
        ck_assert_int_eq(read_one(&a, &f), 0);
        ck_assert_uint_eq(f->n_fds, 0);
        f = frame_free(f);
        ck_assert_int_eq(read_one(&a, &f), 0);
        ck_assert_uint_eq(f->n_fds, 2);                 /* the fds came with this packet */
        ck_assert_mem_eq(f->payload, "\0\0\0\1withfd", 10);
        f = frame_free(f);
        ck_assert_int_eq(read_one(&a, &f), 0);
        ck_assert_uint_eq(f->length, 0);
        ck_assert_uint_eq(f->flags, 0x40000000);
        ck_assert_uint_eq((uint64_t)f->offset >> 32, 77);
        f = frame_free(f);
        ck_assert_int_eq(read_one(&a, &f), 0);
        ck_assert_uint_eq(f->flags, 0xa0800000);
        ck_assert_uint_eq(f->length, 16);
        ck_assert_mem_eq(f->payload, ref, 16);
        f = frame_free(f);
        close(fds[0]);
        close(fds[1]);
        pstream_deinit(&a);
        pstream_deinit(&b);
}
END_TEST

static int feed(uint32_t length, uint32_t channel, uint32_t flags) {
        uint8_t d[20] = { 0 };
        Frame *f = NULL;
        Pstream ps;
        int sv[2], r;

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(pstream_init(&ps, sv[0]), 0);
        pstream_enable_shm(&ps);
        for (int i = 0; i < 4; i++)
                d[i] = (uint8_t)(length >> (24 - 8 * i));
        for (int i = 0; i < 4; i++)
                d[4 + i] = (uint8_t)(channel >> (24 - 8 * i));
        for (int i = 0; i < 4; i++)
                d[16 + i] = (uint8_t)(flags >> (24 - 8 * i));
        ck_assert_int_eq(write(sv[1], d, 20), 20);
        r = pstream_read(&ps, &f);
        frame_free(f);
        pstream_deinit(&ps);
        close(sv[1]);
        return r;
}

START_TEST(test_shm_descriptors) {
        /* with SHM negotiated: exactly the valid forms pass */
        ck_assert_int_eq(feed(0, PSTREAM_CHANNEL_CONTROL, 0x40000000), 0);
        ck_assert_int_eq(feed(0, PSTREAM_CHANNEL_CONTROL, 0xC0000000), 0);
        ck_assert_int_eq(feed(1, PSTREAM_CHANNEL_CONTROL, 0x40000000), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed(0, PSTREAM_CHANNEL_CONTROL, 0x40000001), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed(0, PSTREAM_CHANNEL_CONTROL, 0), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed(16, 1, 0x80000000), PSTREAM_E_AGAIN);
        ck_assert_int_eq(feed(16, 1, 0xa0000003), PSTREAM_E_AGAIN);
        ck_assert_int_eq(feed(16, 1, 0xa0800000), PSTREAM_E_AGAIN);
        ck_assert_int_eq(feed(15, 1, 0xa0000000), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed(17, 1, 0xa0000000), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed(16, 1, 0x20000000), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed(16, 1, 0x00800000), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed(16, 1, 0xC0000000), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed(16, 1, 0x81000000), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed(16, 1, 0xa0000004), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed(0, 1, 0x40000000), PSTREAM_E_PROTOCOL);
}
END_TEST

static Suite *srb_suite(void) {
        Suite *s = suite_create("srbchannel");
        TCase *tc;

#define TC(name) do { tc = tcase_create(name); \
                      tcase_add_checked_fixture(tc, setup, teardown); \
                      tcase_set_timeout(tc, 60); \
                      suite_add_tcase(s, tc); } while (0)
        TC("shm");
        tcase_add_test(tc, test_ref_parse);
        tcase_add_test(tc, test_imports_ranges);
        tcase_add_test(tc, test_imports_truncated);
        tcase_add_test(tc, test_imports_registration);
        tcase_add_test(tc, test_memfd_sealed);
        TC("ring");
        tcase_add_test(tc, test_header_layout);
        tcase_add_test(tc, test_roundtrip_and_wrap);
        tcase_add_test(tc, test_signal_only_on_edge);
        tcase_add_test(tc, test_full_ring_signals_writer);
        tcase_add_test(tc, test_suppress_and_polled_ack);
        tcase_add_test(tc, test_lying_counts);
        tcase_add_test(tc, test_client_header_checked);
        tcase_add_test(tc, test_no_lost_wakeup);
        TC("pstream");
        tcase_add_test(tc, test_pstream_frames_through_ring);
        tcase_add_test(tc, test_pstream_eof_on_socket);
        tcase_add_test(tc, test_pstream_release_is_lazy);
        tcase_add_test(tc, test_pstream_corrupt_ring);
        tcase_add_test(tc, test_pstream_fds_and_shm_frames);
        tcase_add_test(tc, test_shm_descriptors);
#undef TC
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(srb_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
