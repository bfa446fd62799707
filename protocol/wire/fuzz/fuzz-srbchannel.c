/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-srbchannel.c: the srbchannel ring and SHM references, driven by a lying peer.
 *
 * Per input: a server Srb (as offered to a client) attached to a Pstream
 * with SHM negotiated, the client's view of the same block (our own
 * srb_new_client), and a table with one imported 4 KiB memfd pool (id 1).
 * The input is a program of one-byte operations:
 *
 *   0 n bytes...   the "client" writes n bytes of ring content into ring A
 *   1 k v(4)       the peer overwrites header word k (0..10) with v: counts,
 *                  fdsem words and the geometry (which we must never re-read)
 *   2              the server reads up to 8 frames; every SHM reference is
 *                  parsed, checked against the pool table and, if valid,
 *                  copied out (the pool is truncated to 2 KiB halfway, so
 *                  short reads happen too)
 *   3              the server queues a packet and flushes into ring B
 *   4              the client drains ring B
 *
 * Unknown operations end the program. Oracles: the sanitizers (no read or
 * write outside the mapping whatever the header says), and every frame the
 * server produces passed the descriptor checks (length <= 16 MiB; SHM
 * references exactly 16 bytes).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include "protocol/wire/pstream.h"
#include "protocol/wire/shm.h"
#include "protocol/wire/srbchannel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static void server_reads(Pstream *ps, ShmImports *im, bool *dead) {
        static uint8_t buf[SHM_REF_SIZE * 4096];

        for (int i = 0; i < 8 && !*dead; i++) {
                Frame *f = NULL;
                int r = pstream_read(ps, &f);
                ShmRef ref;

                if (r == PSTREAM_E_AGAIN)
                        return;
                if (r) {
                        *dead = true;   /* the connection would be dropped here */
                        return;
                }
                CHECK(f->length <= PSTREAM_FRAME_MAX);
                /* control-channel SHM release (0x40000000) / revoke (0xC0000000, which
                 * shares the SHMDATA bit) carry no payload and no reference */
                if (!frame_is_packet(f) && (f->flags & PSTREAM_FLAG_SHM_DATA)) {
                        CHECK(f->length == SHM_REF_SIZE);
                        CHECK(shm_ref_parse(f->payload, f->length, &ref) == 0);
                        if (shm_imports_check(im, &ref, 4096) == 0)
                                (void)shm_imports_read(im, &ref, buf);
                }
                frame_free(f);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint8_t reply[] = { 'L', 0, 0, 0, 2, 'L', 0, 0, 0, 1 };
        ShmImports im = SHM_IMPORTS_NULL;
        uint8_t pool[4096];
        Srb *server = NULL, *client = NULL;
        Pstream ps;
        bool dead = false, truncated = false;
        size_t pos = 0;
        int sv[2], fd;

        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0);
        CHECK(pstream_init(&ps, sv[0]) == 0);
        pstream_enable_shm(&ps);
        CHECK(srb_new_server(&server) == 0);
        CHECK(srb_new_client(&client, server->block, SRB_BLOCK_SIZE,
                             fcntl(server->fd_signal, F_DUPFD_CLOEXEC, 3),
                             fcntl(server->fd_wait, F_DUPFD_CLOEXEC, 3)) == 0);
        CHECK(pstream_attach_srb(&ps, server) == 0);
        fd = memfd_create("fuzz-pool", MFD_CLOEXEC);
        CHECK(fd >= 0);
        memset(pool, 0x5a, sizeof(pool));
        CHECK(pwrite(fd, pool, sizeof(pool), 0) == (ssize_t)sizeof(pool));
        CHECK(shm_imports_add(&im, 1, fd) == 0);

        while (pos < size && !dead) {
                uint8_t op = data[pos++];
                size_t n, done;

                if (!truncated && pos > size / 2) {
                        CHECK(ftruncate(im.pools[0].fd, 2048) == 0);
                        truncated = true;
                }
                switch (op) {
                case 0:
                        if (pos >= size)
                                goto out;
                        n = (size_t)data[pos] * 4 + 1;
                        pos++;
                        n = C_MIN(n, size - pos);
                        (void)srb_write(client, data + pos, n, &done);
                        srb_signal_peer(client);
                        pos += n;
                        break;
                case 1: {
                        int32_t v;

                        if (size - pos < 5)
                                goto out;
                        memcpy(&v, data + pos + 1, 4);
                        memcpy(server->block + (data[pos] % 11) * 4, &v, 4);
                        pos += 5;
                        break;
                }
                case 2:
                        srb_ack(server);
                        server_reads(&ps, &im, &dead);
                        break;
                case 3:
                        if (pstream_send_packet(&ps, reply, sizeof(reply), false) == 0 &&
                            pstream_flush(&ps) < 0)
                                dead = true;
                        break;
                case 4: {
                        uint8_t sink[4096];

                        srb_ack(client);
                        (void)srb_read(client, sink, sizeof(sink), &done);
                        break;
                }
                default:
                        goto out;
                }
        }
        if (!dead)
                server_reads(&ps, &im, &dead);
out:
        shm_imports_deinit(&im);
        srb_free(client);
        pstream_deinit(&ps);            /* frees server, unmaps the block */
        close(sv[1]);
        return 0;
}
