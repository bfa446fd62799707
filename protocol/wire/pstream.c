/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pstream.c: frame reassembly and output queue.
 *
 * Input: bytes are read with recvmsg() into a fixed 64 KiB buffer, then cut
 * into a 20-byte descriptor and a payload. The descriptor is validated
 * *before* any payload memory is touched (length 1..16 MiB, packet frames
 * with flags 0, seek mode <= 3; SHM bits only once SHM was negotiated, and
 * then only in their exact forms: a 16-byte reference with SHMDATA, or an
 * empty release/revoke packet frame).
 * The payload buffer grows with the bytes that actually arrived (doubling),
 * so a peer that announces 16 MiB and sends nothing costs nothing: memory
 * is bounded by what the peer really sent.
 * Ancillary data: credentials are remembered. Passed fds (at most two) belong
 * to the frame whose first byte came with them. Linux *does* glue earlier
 * bytes of the same writer in front of the fd-carrying segment in one
 * recvmsg() (native-protocol.md §3.5 says otherwise), but it always stops
 * right after that segment; and a sender puts an fd-carrying frame alone in
 * its sendmsg(). So the fds belong to the last frame that starts inside the
 * bytes of that recvmsg(): the one whose start + 20 + length reaches the
 * read's end. They travel in the Frame; fds no frame claimed are closed at
 * the next read.
 *
 * srbchannel: the same reassembly runs on a second PstreamIn fed from the
 * ring (srb_read() instead of recvmsg()); the socket parser keeps running
 * for EOF and fd-carrying frames. Output switches to the ring once the
 * socket queue has drained, so the peer sees every frame exactly once and
 * in order on each transport.
 *
 * Output: a FIFO of ready-made frames (descriptor + payload in one buffer).
 * The queue is capped (out_max); a peer that stops reading hits the cap and
 * is dropped by its owner instead of making the daemon's memory grow.
 */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "protocol/wire/pstream.h"
#include "protocol/wire/byteorder.h"

#define PSTREAM_IN_BUFFER (64U * 1024U)

struct PstreamOut {
        CList link;
        size_t size, pos;
        bool with_creds;
        bool lazy;                      /* the peer need not be woken for it (SHM release) */
        int fds[PSTREAM_MAX_FDS];       /* sent with the first byte, then closed */
        unsigned n_fds;
        uint8_t data[];
};

static void close_fds(int *fds, unsigned *n) {
        for (unsigned i = 0; i < *n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        *n = 0;
}

Frame *frame_free(Frame *f) {
        if (f) {
                close_fds(f->fds, &f->n_fds);
                free(f->payload);
                free(f);
        }
        return NULL;
}

unsigned frame_steal_fds(Frame *f, int fds[PSTREAM_MAX_FDS]) {
        unsigned n = f->n_fds;

        memcpy(fds, f->fds, n * sizeof(int));
        f->n_fds = 0;
        return n;
}

static PstreamOut *out_free(PstreamOut *o) {
        close_fds(o->fds, &o->n_fds);
        free(o);
        return NULL;
}

static int pstream_in_init(PstreamIn *pi) {
        *pi = (PstreamIn){ .in = malloc(PSTREAM_IN_BUFFER) };
        if (!pi->in)
                return -ENOMEM;
        pi->in_size = PSTREAM_IN_BUFFER;
        return 0;
}

static void pstream_in_deinit(PstreamIn *pi) {
        pi->cur = frame_free(pi->cur);
        close_fds(pi->fds, &pi->n_fds);
        free(pi->in);
        pi->in = NULL;
}

int pstream_init(Pstream *ps, int fd) {
        int one = 1;

        *ps = (Pstream){ .fd = fd, .out_max = PSTREAM_OUT_MAX_DEFAULT };
        c_list_init(&ps->out);
        if (pstream_in_init(&ps->sock) < 0)
                return -ENOMEM;
        (void)setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
        return 0;
}

void pstream_deinit(Pstream *ps) {
        PstreamOut *o;

        c_list_for_each_entry_safe(o, t, &ps->out, link) {
                c_list_unlink(&o->link);
                out_free(o);
        }
        pstream_in_deinit(&ps->sock);
        pstream_in_deinit(&ps->ring);
        ps->srb = srb_free(ps->srb);
        if (ps->fd >= 0)
                close(ps->fd);
        ps->fd = -1;
}

int pstream_attach_srb(Pstream *ps, Srb *srb) {
        int r;

        if (ps->srb)
                return -EBUSY;
        r = pstream_in_init(&ps->ring);
        if (r < 0)
                return r;
        ps->srb = srb;
        ps->srb_out = c_list_is_empty(&ps->out);
        return 0;
}



/* One recvmsg() into the free part of the socket input buffer. */
static int pstream_fill(Pstream *ps) {
        PstreamIn *pi = &ps->sock;
        union {
                struct cmsghdr align;
                uint8_t buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 8)];
        } control;
        struct iovec iov;
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                              .msg_control = &control, .msg_controllen = sizeof(control) };
        ssize_t n;

        if (pi->in_pos == pi->in_len)
                pi->in_pos = pi->in_len = 0;
        iov.iov_base = pi->in + pi->in_len;
        iov.iov_len = pi->in_size - pi->in_len;
        if (iov.iov_len == 0)
                return 0;
        /* Unclaimed fds of the previous read, unless the frame they may belong to has
         * only started (its descriptor is still incomplete). */
        if (pi->n_fds > 0 && !(pi->desc_got > 0 && pi->desc_gen == pi->fds_gen))
                close_fds(pi->fds, &pi->n_fds);
        pi->gen++;

        n = recvmsg(ps->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) {
                if (errno == EAGAIN && ps->track_drain)
                        ps->in_drained = true;  /* empty: wait for the owner's poll */
                if (errno == EAGAIN || errno == EINTR)
                        return PSTREAM_E_AGAIN;
                if (errno == ECONNRESET || errno == EPIPE)
                        return PSTREAM_E_EOF;
                return -errno;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level != SOL_SOCKET)
                        continue;
                if (c->cmsg_type == SCM_CREDENTIALS &&
                    c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
                        memcpy(&ps->creds, CMSG_DATA(c), sizeof(ps->creds));
                        ps->have_creds = true;
                } else if (c->cmsg_type == SCM_RIGHTS) {
                        size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        int fds[8];
                        bool keep = n > 0 && pi->n_fds == 0 && nfd <= PSTREAM_MAX_FDS;

                        nfd = C_MIN(nfd, C_ARRAY_SIZE(fds));
                        memcpy(fds, CMSG_DATA(c), nfd * sizeof(int));
                        for (size_t i = 0; i < nfd; i++) {
                                if (keep)
                                        pi->fds[pi->n_fds++] = fds[i];
                                else
                                        close(fds[i]);
                        }
                        if (keep) {
                                pi->fds_gen = pi->gen;
                                pi->fds_end = pi->in_len + (size_t)n;
                        }
                }
        }
        if (n == 0) {
                ps->eof = true;
                return PSTREAM_E_EOF;
        }
        /* A short read emptied the socket: with track_drain, don't ask again (EAGAIN)
         * until the owner's poll says it is readable (it clears in_drained). */
        if (ps->track_drain && (size_t)n < iov.iov_len)
                ps->in_drained = true;
        pi->in_len += (size_t)n;
        ps->bytes_in += (uint64_t)n;
        return 0;
}

/* One srb_read() into the free part of the ring input buffer. */
static int pstream_fill_ring(Pstream *ps) {
        PstreamIn *pi = &ps->ring;
        size_t n;
        int r;

        if (pi->in_pos == pi->in_len)
                pi->in_pos = pi->in_len = 0;
        r = srb_read(ps->srb, pi->in + pi->in_len, pi->in_size - pi->in_len, &n);
        if (r)
                return PSTREAM_E_PROTOCOL;
        if (n == 0)
                return PSTREAM_E_AGAIN;
        pi->in_len += n;
        ps->bytes_in += n;
        return 0;
}

static bool shm_data_flags_valid(uint32_t flags) {
        /* SHMDATA, optionally with MEMFD_BLOCK and SHMWRITABLE; nothing else in the SHM bits */
        uint32_t shm = flags & (PSTREAM_FLAG_SHM_MASK | PSTREAM_FLAG_SHM_WRITABLE);

        return (shm & PSTREAM_FLAG_SHM_DATA) &&
               !(shm & ~(PSTREAM_FLAG_SHM_DATA | PSTREAM_FLAG_SHM_MEMFD | PSTREAM_FLAG_SHM_WRITABLE));
}

static int pstream_check_descriptor(Pstream *ps, PstreamIn *pi) {
        uint32_t length = be32_read(pi->desc), channel = be32_read(pi->desc + 4);
        uint32_t flags = be32_read(pi->desc + 16);
        Frame *f;

        if (length > PSTREAM_FRAME_MAX)
                return PSTREAM_E_PROTOCOL;
        if (channel == PSTREAM_CHANNEL_CONTROL) {
                if (flags == 0) {
                        if (length == 0)
                                return PSTREAM_E_PROTOCOL;
                } else if (!ps->shm || length != 0 ||
                           (flags != PSTREAM_FLAG_SHM_RELEASE && flags != PSTREAM_FLAG_SHM_REVOKE)) {
                        return PSTREAM_E_PROTOCOL;
                }
        } else {
                if (length == 0)
                        return PSTREAM_E_PROTOCOL;
                /* SHMWRITABLE (0x00800000) is an SHM bit too, outside the 0xFF000000 byte. */
                if (flags & (PSTREAM_FLAG_SHM_MASK | PSTREAM_FLAG_SHM_WRITABLE)) {
                        if (!ps->shm || !shm_data_flags_valid(flags) || length != 16)
                                return PSTREAM_E_PROTOCOL;
                }
                if ((flags & PSTREAM_FLAG_SEEK_MASK) > 3)
                        return PSTREAM_E_PROTOCOL;
        }
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->length = length;
        f->channel = channel;
        f->offset = (int64_t)((uint64_t)be32_read(pi->desc + 8) << 32 | be32_read(pi->desc + 12));
        f->flags = flags;
        /* fds that came with this frame's first byte: it is the last frame starting in
         * the read that brought them (its end reaches the end of that read) */
        if (pi->n_fds > 0 && pi->desc_gen == pi->fds_gen &&
            (uint64_t)pi->desc_pos + PSTREAM_DESCRIPTOR_SIZE + length >= pi->fds_end) {
                memcpy(f->fds, pi->fds, pi->n_fds * sizeof(int));
                f->n_fds = pi->n_fds;
                pi->n_fds = 0;
        }
        pi->cur = f;
        pi->cur_got = 0;
        pi->cur_alloc = 0;
        return 0;
}

/* Reassembles one frame of one source; fill() adds bytes (at most once per call). */
static int pstream_in_read(Pstream *ps, PstreamIn *pi, int (*fill)(Pstream *), bool may_fill,
                           Frame **ret) {
        bool filled = false;
        int r;

        for (;;) {
                size_t avail = pi->in_len - pi->in_pos;

                if (!pi->cur) {
                        size_t take = C_MIN(avail, PSTREAM_DESCRIPTOR_SIZE - pi->desc_got);

                        if (take > 0 && pi->desc_got == 0) {
                                pi->desc_gen = pi->gen;
                                pi->desc_pos = pi->in_pos;
                        }
                        memcpy(pi->desc + pi->desc_got, pi->in + pi->in_pos, take);
                        pi->desc_got += take;
                        pi->in_pos += take;
                        avail -= take;
                        if (pi->desc_got == PSTREAM_DESCRIPTOR_SIZE) {
                                r = pstream_check_descriptor(ps, pi);
                                if (r)
                                        return r;
                                pi->desc_got = 0;
                        }
                }
                if (pi->cur) {
                        Frame *f = pi->cur;
                        size_t take = C_MIN(avail, f->length - pi->cur_got);

                        if (pi->cur_got + take > pi->cur_alloc) {
                                size_t na = C_MAX(pi->cur_alloc * 2, pi->cur_got + take);
                                uint8_t *p;

                                na = C_MIN(C_MAX(na, (size_t)4096), (size_t)f->length);
                                p = realloc(f->payload, na);
                                if (!p)
                                        return -ENOMEM;
                                f->payload = p;
                                pi->cur_alloc = na;
                        }
                        if (take > 0) {
                                /* payload is still NULL while nothing has arrived */
                                memcpy(f->payload + pi->cur_got, pi->in + pi->in_pos, take);
                                pi->cur_got += take;
                                pi->in_pos += take;
                        }
                        if (pi->cur_got == f->length) {
                                pi->cur = NULL;
                                *ret = f;
                                return 0;
                        }
                }
                if (pi->in_pos < pi->in_len)
                        continue;
                if (filled || !may_fill)
                        return PSTREAM_E_AGAIN;
                r = fill(ps);
                if (r)
                        return r;
                filled = true;
        }
}

int pstream_read(Pstream *ps, Frame **ret) {
        int r;

        if (ps->srb) {
                r = pstream_in_read(ps, &ps->ring, pstream_fill_ring, true, ret);
                if (r != PSTREAM_E_AGAIN)
                        return r;
        }
        r = pstream_in_read(ps, &ps->sock, pstream_fill, !ps->eof && !ps->in_drained, ret);
        if (r == PSTREAM_E_AGAIN && ps->eof)
                return PSTREAM_E_EOF;
        return r;
}

static int pstream_enqueue(Pstream *ps, uint32_t length, uint32_t channel, int64_t offset,
                           uint32_t flags, const void *data, bool with_creds) {
        PstreamOut *o;
        bool empty_ok = channel == PSTREAM_CHANNEL_CONTROL && flags == PSTREAM_FLAG_SHM_RELEASE;

        if ((length == 0 && !empty_ok) || length > PSTREAM_FRAME_MAX)
                return -EINVAL;
        /* out_bytes counts whole frames, so the descriptor counts here too */
        if (ps->out_bytes + PSTREAM_DESCRIPTOR_SIZE + length > ps->out_max)
                return PSTREAM_E_OVERFLOW;
        o = malloc(sizeof(*o) + PSTREAM_DESCRIPTOR_SIZE + length);
        if (!o)
                return -ENOMEM;
        o->size = PSTREAM_DESCRIPTOR_SIZE + length;
        o->pos = 0;
        o->with_creds = with_creds;
        o->lazy = empty_ok;
        o->n_fds = 0;
        be32_write(o->data, length);
        be32_write(o->data + 4, channel);
        be32_write(o->data + 8, (uint32_t)((uint64_t)offset >> 32));
        be32_write(o->data + 12, (uint32_t)offset);
        be32_write(o->data + 16, flags);
        if (length > 0)
                memcpy(o->data + PSTREAM_DESCRIPTOR_SIZE, data, length);
        c_list_link_tail(&ps->out, &o->link);
        ps->out_bytes += o->size;
        return 0;
}

int pstream_send_packet_fds(Pstream *ps, const void *payload, size_t n, const int *fds,
                            unsigned n_fds) {
        int dups[PSTREAM_MAX_FDS];
        PstreamOut *o;
        int r;

        if (ps->srb || n_fds == 0 || n_fds > PSTREAM_MAX_FDS || n > PSTREAM_FRAME_MAX)
                return -EINVAL;
        for (unsigned i = 0; i < n_fds; i++) {
                dups[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
                if (dups[i] < 0) {
                        r = -errno;
                        close_fds(dups, &i);
                        return r;
                }
        }
        r = pstream_enqueue(ps, (uint32_t)n, PSTREAM_CHANNEL_CONTROL, 0, 0, payload, false);
        if (r) {
                close_fds(dups, &n_fds);
                return r;
        }
        o = c_list_entry(ps->out.prev, PstreamOut, link);
        memcpy(o->fds, dups, n_fds * sizeof(int));
        o->n_fds = n_fds;
        return 0;
}

int pstream_send_shm_ref(Pstream *ps, uint32_t channel, uint32_t flags, const uint8_t ref[16]) {
        if (channel == PSTREAM_CHANNEL_CONTROL || !shm_data_flags_valid(flags))
                return -EINVAL;
        return pstream_enqueue(ps, 16, channel, 0, flags, ref, false);
}

int pstream_send_shm_release(Pstream *ps, uint32_t block_id) {
        return pstream_enqueue(ps, 0, PSTREAM_CHANNEL_CONTROL, (int64_t)((uint64_t)block_id << 32),
                               PSTREAM_FLAG_SHM_RELEASE, NULL, false);
}

int pstream_send_packet(Pstream *ps, const void *payload, size_t n, bool with_creds) {
        if (n > PSTREAM_FRAME_MAX)
                return -EINVAL;
        return pstream_enqueue(ps, (uint32_t)n, PSTREAM_CHANNEL_CONTROL, 0, 0, payload, with_creds);
}

int pstream_send_memblock(Pstream *ps, uint32_t channel, int64_t offset, uint8_t seek,
                          const void *data, size_t n) {
        if (n > PSTREAM_FRAME_MAX)
                return -EINVAL;
        return pstream_enqueue(ps, (uint32_t)n, channel, offset, seek, data, false);
}

/* Copies queued frames into the ring (as much as fits), then wakes the peer once:
 * unless all it got were SHM releases (it reads them with the next REQUEST or
 * reply, ~one minreq later: a wake-up each would double the client's wake-ups)
 * or the ring is full (then it must read to make room: wake it). */
static int pstream_flush_ring(Pstream *ps) {
        bool wrote = false;
        int r = 0;

        while (!c_list_is_empty(&ps->out)) {
                PstreamOut *o = c_list_entry(ps->out.next, PstreamOut, link);
                size_t n;

                r = srb_write(ps->srb, o->data + o->pos, o->size - o->pos, &n);
                if (r) {
                        r = -EPROTO;    /* the peer broke the ring header: drop it */
                        break;
                }
                if (n > 0 && !o->lazy)
                        wrote = true;
                o->pos += n;
                ps->out_bytes -= n;
                ps->bytes_out += n;
                if (o->pos < o->size) {
                        ps->srb->full_stalls++;
                        wrote = true;   /* it must read to make room */
                        break;          /* ring full: the peer signals when it has read */
                }
                c_list_unlink(&o->link);
                out_free(o);
        }
        if (wrote)
                srb_signal_peer(ps->srb);
        if (r)
                return r;
        return c_list_is_empty(&ps->out) ? 0 : PSTREAM_E_AGAIN;
}

static int pstream_flush_socket(Pstream *ps) {
        /* Bounded: at most 16 sendmsg() per call, so one peer can't hog the loop. */
        for (int round = 0; round < 16; round++) {
                PstreamOut *o;
                struct iovec iov[16];
                size_t niov = 0;
                union {
                        struct cmsghdr align;
                        uint8_t buf[CMSG_SPACE(sizeof(struct ucred)) +
                                    CMSG_SPACE(sizeof(int) * PSTREAM_MAX_FDS)];
                } control;
                struct msghdr msg = { .msg_iov = iov };
                ssize_t n;
                CList *it;

                if (c_list_is_empty(&ps->out))
                        return 0;
                o = c_list_entry(ps->out.next, PstreamOut, link);
                if ((o->with_creds || o->n_fds > 0) && o->pos == 0) {
                        /* Credentials and fds travel with the frame's first byte, alone in
                         * its sendmsg(). */
                        struct cmsghdr *c;
                        struct ucred uc = { .pid = getpid(), .uid = getuid(), .gid = getgid() };

                        memset(&control, 0, sizeof(control));
                        msg.msg_control = &control;
                        msg.msg_controllen = (o->with_creds ? CMSG_SPACE(sizeof(uc)) : 0) +
                                             (o->n_fds ? CMSG_SPACE(sizeof(int) * o->n_fds) : 0);
                        c = CMSG_FIRSTHDR(&msg);
                        if (o->with_creds) {
                                c->cmsg_level = SOL_SOCKET;
                                c->cmsg_type = SCM_CREDENTIALS;
                                c->cmsg_len = CMSG_LEN(sizeof(uc));
                                memcpy(CMSG_DATA(c), &uc, sizeof(uc));
                                c = CMSG_NXTHDR(&msg, c);
                        }
                        if (o->n_fds > 0) {
                                c->cmsg_level = SOL_SOCKET;
                                c->cmsg_type = SCM_RIGHTS;
                                c->cmsg_len = CMSG_LEN(sizeof(int) * o->n_fds);
                                memcpy(CMSG_DATA(c), o->fds, sizeof(int) * o->n_fds);
                        }
                        iov[niov++] = (struct iovec){ o->data, o->size };
                } else {
                        for (it = &o->link; it != &ps->out && niov < C_ARRAY_SIZE(iov); it = it->next) {
                                PstreamOut *x = c_list_entry(it, PstreamOut, link);

                                if (x != o && (x->with_creds || x->n_fds > 0))
                                        break;
                                iov[niov++] = (struct iovec){ x->data + x->pos, x->size - x->pos };
                        }
                }
                msg.msg_iovlen = niov;
                n = sendmsg(ps->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return PSTREAM_E_AGAIN;
                        if (errno == EPERM && msg.msg_control && o->with_creds) {
                                /* credentials refused (e.g. TCP): send without them */
                                o->with_creds = false;
                                continue;
                        }
                        return -errno;
                }
                ps->bytes_out += (uint64_t)n;
                if (n > 0) {
                        /* the first byte went: so did the ancillary data */
                        o->with_creds = false;
                        close_fds(o->fds, &o->n_fds);
                }
                while (n > 0 && !c_list_is_empty(&ps->out)) {
                        PstreamOut *x = c_list_entry(ps->out.next, PstreamOut, link);
                        size_t left = x->size - x->pos;

                        if ((size_t)n < left) {
                                x->pos += (size_t)n;
                                x->with_creds = false;
                                ps->out_bytes -= (size_t)n;
                                n = 0;
                                break;
                        }
                        n -= (ssize_t)left;
                        ps->out_bytes -= left;
                        c_list_unlink(&x->link);
                        out_free(x);
                }
        }
        return c_list_is_empty(&ps->out) ? 0 : PSTREAM_E_AGAIN;
}

int pstream_flush(Pstream *ps) {
        int r;

        if (ps->srb_out)
                return pstream_flush_ring(ps);
        r = pstream_flush_socket(ps);
        if (r == 0 && ps->srb) {
                /* The socket queue drained: from now on frames go to the ring. */
                ps->srb_out = true;
        }
        return r;
}
