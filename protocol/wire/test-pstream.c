/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-pstream.c: unit tests of the frame layer (protocol/wire/pstream.c).
 *
 * Every test runs over a socketpair(AF_UNIX, SOCK_STREAM) without an event
 * loop: one end is a Pstream, the other either a second Pstream or a raw
 * fd the test writes descriptors and payload bytes to by hand (spec §3).
 *
 * TCases: frames (round trips, exact descriptor bytes), descriptor
 * (validation at every limit N / N + 1), reassembly (one byte at a time,
 * 1 MiB and 16 MiB across many reads, EOF mid-frame), output (queue cap,
 * flush), ancillary (credentials, passed fds are closed). The fixture
 * counts open fds so a test that leaks one fails.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "protocol/wire/pstream.h"
#include "engine/base/test-fds.h"

/* ---- fixture ---- */

static int fds_at_setup;

static void setup(void) {
        fds_at_setup = count_fds();
}

static void teardown(void) {
        ck_assert_int_eq(count_fds(), fds_at_setup);
}

/* ---- helpers ---- */

static void make_pair(int sv[2]) {
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

/* Two connected Pstreams. */
static void make_pstreams(Pstream *a, Pstream *b) {
        int sv[2];

        make_pair(sv);
        ck_assert_int_eq(pstream_init(a, sv[0]), 0);
        ck_assert_int_eq(pstream_init(b, sv[1]), 0);
}

/* A Pstream on one end, the raw fd of the other returned. */
static int make_pstream_raw(Pstream *ps) {
        int sv[2];

        make_pair(sv);
        ck_assert_int_eq(pstream_init(ps, sv[0]), 0);
        return sv[1];
}

static void put32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

static void make_desc(uint8_t d[PSTREAM_DESCRIPTOR_SIZE], uint32_t length, uint32_t channel,
                      uint32_t off_hi, uint32_t off_lo, uint32_t flags) {
        put32(d, length);
        put32(d + 4, channel);
        put32(d + 8, off_hi);
        put32(d + 12, off_lo);
        put32(d + 16, flags);
}

static void write_all(int fd, const void *p, size_t n) {
        const uint8_t *b = p;

        while (n > 0) {
                ssize_t k = write(fd, b, n);

                ck_assert_int_gt(k, 0);
                b += k;
                n -= (size_t)k;
        }
}

/* Reads until something other than AGAIN (the data is already in the socket). */
static int read_one(Pstream *ps, Frame **ret) {
        int r = PSTREAM_E_AGAIN;

        for (int i = 0; i < 1000 && r == PSTREAM_E_AGAIN; i++)
                r = pstream_read(ps, ret);
        return r;
}

/* Feeds one raw descriptor (no payload) and returns what pstream_read() says. */
static int feed_descriptor(uint32_t length, uint32_t channel, uint32_t flags) {
        uint8_t d[PSTREAM_DESCRIPTOR_SIZE];
        Frame *f = NULL;
        Pstream ps;
        int fd = make_pstream_raw(&ps), r;

        make_desc(d, length, channel, 0, 0, flags);
        write_all(fd, d, sizeof(d));
        r = pstream_read(&ps, &f);
        ck_assert_ptr_null(f);
        /* Nothing allocated for a payload that has not arrived. */
        ck_assert_uint_eq(ps.sock.cur_alloc, 0);
        pstream_deinit(&ps);
        close(fd);
        return r;
}

static uint8_t *pattern(size_t n, unsigned seed) {
        uint8_t *p = malloc(n);

        ck_assert_ptr_nonnull(p);
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t)(i * 131 + seed + (i >> 12));
        return p;
}

/* Moves one frame from a to b through the socket, flushing and reading in turns.
 * Returns the number of pstream_read() calls it took. */
static unsigned transfer(Pstream *a, Pstream *b, Frame **ret) {
        unsigned reads = 0;
        int r;

        for (;;) {
                r = pstream_flush(a);
                ck_assert(r == 0 || r == PSTREAM_E_AGAIN);
                r = pstream_read(b, ret);
                reads++;
                if (r == 0)
                        return reads;
                ck_assert_int_eq(r, PSTREAM_E_AGAIN);
                ck_assert_uint_lt(reads, 100000);
        }
}

/* ---- frames ---- */

START_TEST(test_packet_roundtrip) {
        static const uint8_t payload[] = { 'L', 0, 0, 0, 2, 'L', 0, 0, 0, 0, 'L', 0, 0, 0, 0x23 };
        Pstream a, b;
        Frame *f = NULL;

        make_pstreams(&a, &b);
        ck_assert_int_eq(pstream_send_packet(&a, payload, sizeof(payload), false), 0);
        ck_assert(pstream_wants_write(&a));
        ck_assert_int_eq(pstream_flush(&a), 0);
        ck_assert(!pstream_wants_write(&a));
        ck_assert_int_eq(read_one(&b, &f), 0);
        ck_assert(frame_is_packet(f));
        ck_assert_uint_eq(f->channel, PSTREAM_CHANNEL_CONTROL);
        ck_assert_uint_eq(f->flags, 0);
        ck_assert(f->offset == 0);
        ck_assert_uint_eq(f->length, sizeof(payload));
        ck_assert_mem_eq(f->payload, payload, sizeof(payload));
        frame_free(f);
        ck_assert_uint_eq(a.bytes_out, PSTREAM_DESCRIPTOR_SIZE + sizeof(payload));
        ck_assert_uint_eq(b.bytes_in, PSTREAM_DESCRIPTOR_SIZE + sizeof(payload));
        ck_assert_int_eq(pstream_read(&b, &f), PSTREAM_E_AGAIN);
        pstream_deinit(&a);
        pstream_deinit(&b);
}
END_TEST

START_TEST(test_packet_bytes_on_wire) {
        /* native-protocol.md §4: the AUTH reply frame, byte for byte. */
        static const uint8_t want[] = {
                0x00, 0x00, 0x00, 0x0f, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0x4c, 0, 0, 0, 0x02, 0x4c, 0, 0, 0, 0, 0x4c, 0, 0, 0, 0x23,
        };
        uint8_t got[sizeof(want) + 1];
        Pstream ps;
        int fd = make_pstream_raw(&ps);

        ck_assert_int_eq(pstream_send_packet(&ps, want + 20, 15, false), 0);
        ck_assert_int_eq(pstream_flush(&ps), 0);
        ck_assert_int_eq(read(fd, got, sizeof(got)), sizeof(want));
        ck_assert_mem_eq(got, want, sizeof(want));
        pstream_deinit(&ps);
        close(fd);
}
END_TEST

START_TEST(test_memblock_roundtrip) {
        /* Signed offset -4096 travels as 0xFFFFFFFF:0xFFFFF000 (spec §3.3); seek mode 3. */
        static const uint8_t want_desc[] = { 0, 0, 0, 6, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff,
                                             0xff, 0xff, 0xf0, 0x00, 0, 0, 0, 3 };
        static const uint8_t data[] = { 1, 2, 3, 4, 5, 6 };
        uint8_t got[64];
        Pstream a, b;
        Frame *f = NULL;
        int fd;

        fd = make_pstream_raw(&a);
        ck_assert_int_eq(pstream_send_memblock(&a, 7, -4096, 3, data, sizeof(data)), 0);
        ck_assert_int_eq(pstream_flush(&a), 0);
        ck_assert_int_eq(read(fd, got, sizeof(got)), 26);
        ck_assert_mem_eq(got, want_desc, sizeof(want_desc));
        ck_assert_mem_eq(got + 20, data, sizeof(data));
        pstream_deinit(&a);
        close(fd);

        make_pstreams(&a, &b);
        ck_assert_int_eq(pstream_send_memblock(&a, 7, -4096, 3, data, sizeof(data)), 0);
        ck_assert_int_eq(pstream_send_memblock(&a, 0, INT64_MAX, 1, data, 1), 0);
        ck_assert_int_eq(pstream_send_memblock(&a, 0xfffffffe, INT64_MIN, 2, data, 2), 0);
        ck_assert_int_eq(pstream_flush(&a), 0);

        ck_assert_int_eq(read_one(&b, &f), 0);
        ck_assert(!frame_is_packet(f));
        ck_assert_uint_eq(f->channel, 7);
        ck_assert(f->offset == -4096);
        ck_assert_uint_eq(f->flags, 3);
        ck_assert_uint_eq(f->length, sizeof(data));
        ck_assert_mem_eq(f->payload, data, sizeof(data));
        f = frame_free(f);
        ck_assert_int_eq(read_one(&b, &f), 0);
        ck_assert(f->offset == INT64_MAX);
        ck_assert_uint_eq(f->channel, 0);
        ck_assert_uint_eq(f->flags, 1);
        f = frame_free(f);
        ck_assert_int_eq(read_one(&b, &f), 0);
        ck_assert(f->offset == INT64_MIN);
        ck_assert_uint_eq(f->channel, 0xfffffffe);
        ck_assert_uint_eq(f->flags, 2);
        f = frame_free(f);
        pstream_deinit(&a);
        pstream_deinit(&b);
}
END_TEST

START_TEST(test_many_frames_one_read) {
        /* Several frames in one socket read come out one per call, in order. */
        Pstream a, b;
        Frame *f = NULL;

        make_pstreams(&a, &b);
        for (uint8_t i = 1; i <= 50; i++) {
                uint8_t p[3] = { i, i, i };

                ck_assert_int_eq(pstream_send_packet(&a, p, i % 3 + 1, false), 0);
        }
        ck_assert_int_eq(pstream_flush(&a), 0);
        for (uint8_t i = 1; i <= 50; i++) {
                ck_assert_int_eq(read_one(&b, &f), 0);
                ck_assert_uint_eq(f->length, i % 3 + 1);
                ck_assert_uint_eq(f->payload[0], i);
                f = frame_free(f);
        }
        ck_assert_int_eq(pstream_read(&b, &f), PSTREAM_E_AGAIN);
        pstream_deinit(&a);
        pstream_deinit(&b);
}
END_TEST

START_TEST(test_send_invalid_sizes) {
        static uint8_t one;
        Pstream ps;
        int fd = make_pstream_raw(&ps);

        ck_assert_int_eq(pstream_send_packet(&ps, &one, 0, false), -EINVAL);
        ck_assert_int_eq(pstream_send_memblock(&ps, 0, 0, 0, &one, 0), -EINVAL);
        ck_assert_int_eq(pstream_send_packet(&ps, &one, PSTREAM_FRAME_MAX + 1, false), -EINVAL);
        ck_assert_int_eq(pstream_send_memblock(&ps, 0, 0, 0, &one, PSTREAM_FRAME_MAX + 1), -EINVAL);
        ck_assert(!pstream_wants_write(&ps));
        pstream_deinit(&ps);
        close(fd);
}
END_TEST

/* ---- descriptor validation ---- */

START_TEST(test_desc_length) {
        ck_assert_int_eq(feed_descriptor(0, PSTREAM_CHANNEL_CONTROL, 0), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed_descriptor(0, 3, 0), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed_descriptor(1, PSTREAM_CHANNEL_CONTROL, 0), PSTREAM_E_AGAIN);
        /* 16 MiB is accepted (and nothing allocated yet), 16 MiB + 1 is not. */
        ck_assert_int_eq(feed_descriptor(PSTREAM_FRAME_MAX, PSTREAM_CHANNEL_CONTROL, 0),
                         PSTREAM_E_AGAIN);
        ck_assert_int_eq(feed_descriptor(PSTREAM_FRAME_MAX + 1, PSTREAM_CHANNEL_CONTROL, 0),
                         PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed_descriptor(PSTREAM_FRAME_MAX, 0, 0), PSTREAM_E_AGAIN);
        ck_assert_int_eq(feed_descriptor(PSTREAM_FRAME_MAX + 1, 0, 0), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed_descriptor(UINT32_MAX, 0, 0), PSTREAM_E_PROTOCOL);
}
END_TEST

START_TEST(test_desc_packet_flags) {
        ck_assert_int_eq(feed_descriptor(4, PSTREAM_CHANNEL_CONTROL, 1), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed_descriptor(4, PSTREAM_CHANNEL_CONTROL, 0x100), PSTREAM_E_PROTOCOL);
        /* SHM release / revoke frames without SHM negotiated (pstream_enable_shm()). */
        ck_assert_int_eq(feed_descriptor(0, PSTREAM_CHANNEL_CONTROL, 0x40000000), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed_descriptor(0, PSTREAM_CHANNEL_CONTROL, 0xC0000000), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed_descriptor(4, PSTREAM_CHANNEL_CONTROL, 0x80000000), PSTREAM_E_PROTOCOL);
}
END_TEST

START_TEST(test_desc_seek_mode) {
        for (uint32_t seek = 0; seek <= 3; seek++)
                ck_assert_int_eq(feed_descriptor(4, 1, seek), PSTREAM_E_AGAIN);
        ck_assert_int_eq(feed_descriptor(4, 1, 4), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed_descriptor(4, 1, 0xff), PSTREAM_E_PROTOCOL);
}
END_TEST

START_TEST(test_desc_shm_bits) {
        /* Every bit of the SHM byte, alone and with a valid seek mode, and SHMWRITABLE. */
        for (unsigned bit = 24; bit < 32; bit++) {
                ck_assert_int_eq(feed_descriptor(16, 1, 1U << bit), PSTREAM_E_PROTOCOL);
                ck_assert_int_eq(feed_descriptor(16, 1, (1U << bit) | 1), PSTREAM_E_PROTOCOL);
        }
        ck_assert_int_eq(feed_descriptor(16, 1, 0xa0800000), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(feed_descriptor(16, 1, 0x00800000), PSTREAM_E_PROTOCOL);
}
END_TEST

START_TEST(test_desc_split_then_invalid) {
        /* A bad descriptor delivered in two pieces is still refused once complete. */
        uint8_t d[PSTREAM_DESCRIPTOR_SIZE];
        Frame *f = NULL;
        Pstream ps;
        int fd = make_pstream_raw(&ps);

        make_desc(d, 0, PSTREAM_CHANNEL_CONTROL, 0, 0, 0);
        write_all(fd, d, 7);
        ck_assert_int_eq(pstream_read(&ps, &f), PSTREAM_E_AGAIN);
        write_all(fd, d + 7, sizeof(d) - 7);
        ck_assert_int_eq(pstream_read(&ps, &f), PSTREAM_E_PROTOCOL);
        pstream_deinit(&ps);
        close(fd);
}
END_TEST

/* ---- reassembly ---- */

START_TEST(test_one_byte_at_a_time) {
        uint8_t frame[PSTREAM_DESCRIPTOR_SIZE + 300];
        Frame *f = NULL;
        Pstream ps;
        int fd = make_pstream_raw(&ps);

        make_desc(frame, 300, 5, 0xffffffff, 0xfffffffe, 2);
        for (size_t i = 0; i < 300; i++)
                frame[PSTREAM_DESCRIPTOR_SIZE + i] = (uint8_t)i;
        /* Two frames back to back, every byte delivered on its own. */
        for (int round = 0; round < 2; round++) {
                for (size_t i = 0; i < sizeof(frame); i++) {
                        write_all(fd, frame + i, 1);
                        if (i + 1 < sizeof(frame)) {
                                ck_assert_int_eq(pstream_read(&ps, &f), PSTREAM_E_AGAIN);
                                ck_assert_ptr_null(f);
                        }
                }
                ck_assert_int_eq(pstream_read(&ps, &f), 0);
                ck_assert_uint_eq(f->channel, 5);
                ck_assert(f->offset == -2);
                ck_assert_uint_eq(f->flags, 2);
                ck_assert_uint_eq(f->length, 300);
                ck_assert_mem_eq(f->payload, frame + PSTREAM_DESCRIPTOR_SIZE, 300);
                f = frame_free(f);
        }
        pstream_deinit(&ps);
        close(fd);
}
END_TEST

START_TEST(test_large_frame_1mib) {
        size_t n = 1024 * 1024;
        uint8_t *data = pattern(n, 7);
        Pstream a, b;
        Frame *f = NULL;
        unsigned reads;

        make_pstreams(&a, &b);
        ck_assert_int_eq(pstream_send_memblock(&a, 3, 0, 0, data, n), 0);
        ck_assert_int_eq(pstream_send_packet(&a, data, 10, false), 0);
        reads = transfer(&a, &b, &f);
        /* A 64 KiB input buffer: at least 16 reads for 1 MiB. */
        ck_assert_uint_ge(reads, n / (64 * 1024));
        ck_assert_uint_eq(f->length, n);
        ck_assert_mem_eq(f->payload, data, n);
        f = frame_free(f);
        /* The frame after it is intact. */
        transfer(&a, &b, &f);
        ck_assert(frame_is_packet(f));
        ck_assert_uint_eq(f->length, 10);
        ck_assert_mem_eq(f->payload, data, 10);
        frame_free(f);
        free(data);
        pstream_deinit(&a);
        pstream_deinit(&b);
}
END_TEST

START_TEST(test_frame_16mib) {
        /* The limit itself goes through (the sender's queue cap raised for it). */
        size_t n = PSTREAM_FRAME_MAX;
        uint8_t *data = pattern(n, 3);
        Pstream a, b;
        Frame *f = NULL;

        make_pstreams(&a, &b);
        ck_assert_int_eq(pstream_send_packet(&a, data, n, false), PSTREAM_E_OVERFLOW);
        a.out_max = 2 * PSTREAM_FRAME_MAX;
        ck_assert_int_eq(pstream_send_packet(&a, data, n, false), 0);
        transfer(&a, &b, &f);
        ck_assert_uint_eq(f->length, n);
        ck_assert(memcmp(f->payload, data, n) == 0);
        frame_free(f);
        free(data);
        pstream_deinit(&a);
        pstream_deinit(&b);
}
END_TEST

START_TEST(test_eof_mid_frame) {
        uint8_t buf[PSTREAM_DESCRIPTOR_SIZE + 50];
        Frame *f = NULL;
        Pstream ps;
        int fd = make_pstream_raw(&ps);

        make_desc(buf, 100, PSTREAM_CHANNEL_CONTROL, 0, 0, 0);
        memset(buf + PSTREAM_DESCRIPTOR_SIZE, 'L', 50);
        write_all(fd, buf, sizeof(buf));
        close(fd);
        ck_assert_int_eq(read_one(&ps, &f), PSTREAM_E_EOF);
        ck_assert_ptr_null(f);
        ck_assert(ps.eof);
        /* And it stays at EOF. */
        ck_assert_int_eq(pstream_read(&ps, &f), PSTREAM_E_EOF);
        pstream_deinit(&ps);
}
END_TEST

START_TEST(test_eof_mid_descriptor) {
        uint8_t d[PSTREAM_DESCRIPTOR_SIZE];
        Frame *f = NULL;
        Pstream ps;
        int fd = make_pstream_raw(&ps);

        make_desc(d, 4, PSTREAM_CHANNEL_CONTROL, 0, 0, 0);
        write_all(fd, d, 11);
        ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
        ck_assert_int_eq(read_one(&ps, &f), PSTREAM_E_EOF);
        ck_assert_ptr_null(f);
        pstream_deinit(&ps);
        close(fd);
}
END_TEST

START_TEST(test_eof_after_frames) {
        /* Frames that arrived before the EOF are all delivered first. */
        uint8_t buf[2 * (PSTREAM_DESCRIPTOR_SIZE + 2)];
        Frame *f = NULL;
        Pstream ps;
        int fd = make_pstream_raw(&ps);

        make_desc(buf, 2, PSTREAM_CHANNEL_CONTROL, 0, 0, 0);
        buf[20] = 'a';
        buf[21] = 'b';
        memcpy(buf + 22, buf, 22);
        write_all(fd, buf, sizeof(buf));
        close(fd);
        ck_assert_int_eq(read_one(&ps, &f), 0);
        f = frame_free(f);
        ck_assert_int_eq(read_one(&ps, &f), 0);
        f = frame_free(f);
        ck_assert_int_eq(read_one(&ps, &f), PSTREAM_E_EOF);
        pstream_deinit(&ps);
}
END_TEST

START_TEST(test_eof_immediately) {
        Frame *f = NULL;
        Pstream ps;
        int fd = make_pstream_raw(&ps);

        close(fd);
        ck_assert_int_eq(pstream_read(&ps, &f), PSTREAM_E_EOF);
        pstream_deinit(&ps);
}
END_TEST

/* ---- output ---- */

START_TEST(test_output_cap_n_n1) {
        /* out_max counts whole frames (descriptor included): N fits, N + 1 does not. */
        static uint8_t data[1000];
        Pstream ps;
        int fd = make_pstream_raw(&ps);

        ps.out_max = 1000;
        ck_assert_int_eq(pstream_send_packet(&ps, data, 1000 - PSTREAM_DESCRIPTOR_SIZE, false), 0);
        ck_assert_uint_eq(ps.out_bytes, 1000);
        ck_assert_int_eq(pstream_send_packet(&ps, data, 1, false), PSTREAM_E_OVERFLOW);
        ck_assert_int_eq(pstream_send_memblock(&ps, 1, 0, 0, data, 1), PSTREAM_E_OVERFLOW);
        ck_assert_uint_eq(ps.out_bytes, 1000);
        /* Once written out, there is room again. */
        ck_assert_int_eq(pstream_flush(&ps), 0);
        ck_assert_uint_eq(ps.out_bytes, 0);
        ck_assert_int_eq(pstream_send_packet(&ps, data, 1000 - PSTREAM_DESCRIPTOR_SIZE + 1, false),
                         PSTREAM_E_OVERFLOW);
        ck_assert_int_eq(pstream_send_packet(&ps, data, 1000 - PSTREAM_DESCRIPTOR_SIZE, false), 0);
        pstream_deinit(&ps);
        close(fd);
}
END_TEST

START_TEST(test_output_peer_stops_reading) {
        /* The peer never reads: the queue fills to the default cap and stops there. */
        size_t n = 64 * 1024, queued = 0;
        uint8_t *data = pattern(n, 1);
        Pstream ps;
        int fd = make_pstream_raw(&ps), r = 0;

        ck_assert_uint_eq(ps.out_max, PSTREAM_OUT_MAX_DEFAULT);
        for (int i = 0; i < 10000; i++) {
                r = pstream_send_memblock(&ps, 1, 0, 0, data, n);
                if (r)
                        break;
                queued += n;
                ck_assert_int_eq(pstream_flush(&ps) < 0, 0);
        }
        ck_assert_int_eq(r, PSTREAM_E_OVERFLOW);
        ck_assert_uint_le(ps.out_bytes, ps.out_max);
        ck_assert_uint_ge(queued, PSTREAM_OUT_MAX_DEFAULT - n);
        ck_assert(pstream_wants_write(&ps));
        ck_assert_int_eq(pstream_flush(&ps), PSTREAM_E_AGAIN);
        free(data);
        pstream_deinit(&ps);
        close(fd);
}
END_TEST

START_TEST(test_flush_peer_closed) {
        static const uint8_t p[] = { 1 };
        Pstream ps;
        int fd = make_pstream_raw(&ps);

        close(fd);
        ck_assert_int_eq(pstream_send_packet(&ps, p, 1, false), 0);
        ck_assert_int_eq(pstream_flush(&ps), -EPIPE);
        pstream_deinit(&ps);
}
END_TEST

/* ---- ancillary data ---- */

/* recvmsg() of at most n bytes; fills *creds if SCM_CREDENTIALS came along. */
static ssize_t recv_with_creds(int fd, void *buf, size_t n, struct ucred *creds, bool *have) {
        union {
                struct cmsghdr align;
                uint8_t buf[CMSG_SPACE(sizeof(struct ucred))];
        } control;
        struct iovec iov = { buf, n };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                              .msg_control = &control, .msg_controllen = sizeof(control) };
        ssize_t k = recvmsg(fd, &msg, MSG_DONTWAIT);

        *have = false;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); k >= 0 && c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
                        memcpy(creds, CMSG_DATA(c), sizeof(*creds));
                        *have = true;
                }
        }
        return k;
}

START_TEST(test_creds_sent_with_auth_reply) {
        /* SO_PASSCRED is off on both ends while sending, so the kernel adds nothing of its
         * own: only the frame queued with_creds carries credentials, and they come with
         * its first byte, in a read of their own. */
        static const uint8_t p1[] = { 'L', 0, 0, 0, 1 }, p2[] = { 'L', 0, 0, 0, 2 },
                             p3[] = { 'L', 0, 0, 0, 3 };
        uint8_t buf[256];
        struct ucred uc;
        bool have;
        int zero = 0, one = 1;
        Pstream ps;
        int fd = make_pstream_raw(&ps);
        ssize_t k;

        ck_assert_int_eq(setsockopt(ps.fd, SOL_SOCKET, SO_PASSCRED, &zero, sizeof(zero)), 0);
        ck_assert_int_eq(pstream_send_packet(&ps, p1, sizeof(p1), false), 0);
        ck_assert_int_eq(pstream_send_packet(&ps, p2, sizeof(p2), true), 0);
        ck_assert_int_eq(pstream_send_packet(&ps, p3, sizeof(p3), false), 0);
        ck_assert_int_eq(pstream_flush(&ps), 0);
        ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);

        k = recv_with_creds(fd, buf, sizeof(buf), &uc, &have);
        ck_assert_int_eq(k, 25);
        ck_assert_uint_eq(buf[24], 1);
        ck_assert(!have || uc.pid != getpid());

        k = recv_with_creds(fd, buf, sizeof(buf), &uc, &have);
        ck_assert_int_eq(k, 25);
        ck_assert_uint_eq(buf[24], 2);
        ck_assert(have);
        ck_assert_int_eq(uc.pid, getpid());
        ck_assert_uint_eq(uc.uid, getuid());
        ck_assert_uint_eq(uc.gid, getgid());

        k = recv_with_creds(fd, buf, sizeof(buf), &uc, &have);
        ck_assert_int_eq(k, 25);
        ck_assert_uint_eq(buf[24], 3);
        ck_assert(!have || uc.pid != getpid());
        pstream_deinit(&ps);
        close(fd);
}
END_TEST

START_TEST(test_creds_received) {
        /* The receiving Pstream remembers the credentials that came with a frame. */
        static const uint8_t p[] = { 'L', 0, 0, 0, 8 };
        Pstream a, b;
        Frame *f = NULL;

        make_pstreams(&a, &b);
        ck_assert(!b.have_creds);
        ck_assert_int_eq(pstream_send_packet(&a, p, sizeof(p), true), 0);
        ck_assert_int_eq(pstream_flush(&a), 0);
        ck_assert_int_eq(read_one(&b, &f), 0);
        ck_assert(b.have_creds);
        ck_assert_int_eq(b.creds.pid, getpid());
        ck_assert_uint_eq(b.creds.uid, getuid());
        ck_assert_uint_eq(b.creds.gid, getgid());
        frame_free(f);
        pstream_deinit(&a);
        pstream_deinit(&b);
}
END_TEST

/* Sends one packet frame of length 4 (or a bare descriptor of length 0 when !valid)
 * with nfds descriptors (of /dev/null) attached. */
static void send_with_fds(int fd, unsigned nfds, bool valid) {
        uint8_t frame[PSTREAM_DESCRIPTOR_SIZE + 4] = { 0 };
        int fds[64];
        union {
                struct cmsghdr align;
                uint8_t buf[CMSG_SPACE(sizeof(int) * 64)];
        } control;
        struct iovec iov = { frame, valid ? sizeof(frame) : PSTREAM_DESCRIPTOR_SIZE };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                              .msg_controllen = CMSG_SPACE(sizeof(int) * nfds) };
        struct cmsghdr *c;

        ck_assert_uint_le(nfds, 64);
        make_desc(frame, valid ? 4 : 0, PSTREAM_CHANNEL_CONTROL, 0, 0, 0);
        for (unsigned i = 0; i < nfds; i++) {
                fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
                ck_assert_int_ge(fds[i], 0);
        }
        memset(&control, 0, sizeof(control));
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
        ck_assert_int_eq(sendmsg(fd, &msg, 0), (ssize_t)iov.iov_len);
        for (unsigned i = 0; i < nfds; i++)
                close(fds[i]);
}

START_TEST(test_passed_fds_closed) {
        /* Whatever number of fds a peer attaches, none stays open on our side. */
        static const unsigned counts[] = { 1, 2, 8, 9, 40 };
        Frame *f = NULL;
        Pstream ps;
        int fd = make_pstream_raw(&ps);
        int base = count_fds();

        for (size_t i = 0; i < C_ARRAY_SIZE(counts); i++) {
                send_with_fds(fd, counts[i], true);
                ck_assert_int_eq(read_one(&ps, &f), 0);
                ck_assert_uint_eq(f->length, 4);
                f = frame_free(f);
                ck_assert_int_eq(count_fds(), base);
        }
        /* fds that come with a frame the parser then refuses are closed too */
        send_with_fds(fd, 3, false);
        ck_assert_int_eq(read_one(&ps, &f), PSTREAM_E_PROTOCOL);
        ck_assert_int_eq(count_fds(), base);
        pstream_deinit(&ps);
        close(fd);
}
END_TEST

static Suite *pstream_suite(void) {
        Suite *s = suite_create("pstream");
        TCase *tc;

#define TC(name) do { tc = tcase_create(name); \
                      tcase_add_checked_fixture(tc, setup, teardown); \
                      tcase_set_timeout(tc, 60); \
                      suite_add_tcase(s, tc); } while (0)
        TC("frames");
        tcase_add_test(tc, test_packet_roundtrip);
        tcase_add_test(tc, test_packet_bytes_on_wire);
        tcase_add_test(tc, test_memblock_roundtrip);
        tcase_add_test(tc, test_many_frames_one_read);
        tcase_add_test(tc, test_send_invalid_sizes);

        TC("descriptor");
        tcase_add_test(tc, test_desc_length);
        tcase_add_test(tc, test_desc_packet_flags);
        tcase_add_test(tc, test_desc_seek_mode);
        tcase_add_test(tc, test_desc_shm_bits);
        tcase_add_test(tc, test_desc_split_then_invalid);

        TC("reassembly");
        tcase_add_test(tc, test_one_byte_at_a_time);
        tcase_add_test(tc, test_large_frame_1mib);
        tcase_add_test(tc, test_frame_16mib);
        tcase_add_test(tc, test_eof_mid_frame);
        tcase_add_test(tc, test_eof_mid_descriptor);
        tcase_add_test(tc, test_eof_after_frames);
        tcase_add_test(tc, test_eof_immediately);

        TC("output");
        tcase_add_test(tc, test_output_cap_n_n1);
        tcase_add_test(tc, test_output_peer_stops_reading);
        tcase_add_test(tc, test_flush_peer_closed);

        TC("ancillary");
        tcase_add_test(tc, test_creds_sent_with_auth_reply);
        tcase_add_test(tc, test_creds_received);
        tcase_add_test(tc, test_passed_fds_closed);
#undef TC
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(pstream_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
