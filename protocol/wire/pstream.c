/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pstream.c: frame reassembly and output queue.
 *
 * Input: bytes are read with recvmsg() into a fixed 64 KiB buffer, then cut
 * into a 20-byte descriptor and a payload. The descriptor is validated
 * *before* any payload memory is touched (length 1..16 MiB, packet frames
 * with flags 0, no SHM bits since we never negotiate SHM, seek mode <= 3).
 * The payload buffer grows with the bytes that actually arrived (doubling),
 * so a peer that announces 16 MiB and sends nothing costs nothing: memory
 * is bounded by what the peer really sent.
 * Ancillary data: credentials are remembered; any passed fds are closed at
 * once (we offer neither memfd nor srbchannel, so a peer has no reason to
 * send any).
 *
 * Output: a FIFO of ready-made frames (descriptor + payload in one buffer).
 * The queue is capped (out_max); a peer that stops reading hits the cap and
 * is dropped by its owner instead of making the daemon's memory grow.
 */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "protocol/wire/pstream.h"

#define PSTREAM_IN_BUFFER (64U * 1024U)

struct PstreamOut {
        CList link;
        size_t size, pos;
        bool with_creds;
        uint8_t data[];
};

Frame *frame_free(Frame *f) {
        if (f) {
                free(f->payload);
                free(f);
        }
        return NULL;
}

int pstream_init(Pstream *ps, int fd) {
        int one = 1;

        *ps = (Pstream){ .fd = fd, .out_max = PSTREAM_OUT_MAX_DEFAULT };
        c_list_init(&ps->out);
        ps->in = malloc(PSTREAM_IN_BUFFER);
        if (!ps->in)
                return -ENOMEM;
        ps->in_size = PSTREAM_IN_BUFFER;
        (void)setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
        return 0;
}

void pstream_deinit(Pstream *ps) {
        PstreamOut *o;

        c_list_for_each_entry_safe(o, t, &ps->out, link) {
                c_list_unlink(&o->link);
                free(o);
        }
        ps->cur = frame_free(ps->cur);
        free(ps->in);
        ps->in = NULL;
        if (ps->fd >= 0)
                close(ps->fd);
        ps->fd = -1;
}

static uint32_t rd32(const uint8_t *p) {
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

/* One recvmsg() into the free part of the input buffer. */
static int pstream_fill(Pstream *ps) {
        union {
                struct cmsghdr align;
                uint8_t buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 8)];
        } control;
        struct iovec iov;
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                              .msg_control = &control, .msg_controllen = sizeof(control) };
        ssize_t n;

        if (ps->in_pos == ps->in_len)
                ps->in_pos = ps->in_len = 0;
        iov.iov_base = ps->in + ps->in_len;
        iov.iov_len = ps->in_size - ps->in_len;
        if (iov.iov_len == 0)
                return 0;

        n = recvmsg(ps->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) {
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

                        nfd = C_MIN(nfd, C_ARRAY_SIZE(fds));
                        memcpy(fds, CMSG_DATA(c), nfd * sizeof(int));
                        for (size_t i = 0; i < nfd; i++)
                                close(fds[i]);
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
        ps->in_len += (size_t)n;
        ps->bytes_in += (uint64_t)n;
        return 0;
}

static int pstream_check_descriptor(Pstream *ps) {
        uint32_t length = rd32(ps->desc), channel = rd32(ps->desc + 4);
        uint32_t flags = rd32(ps->desc + 16);
        Frame *f;

        if (length == 0 || length > PSTREAM_FRAME_MAX)
                return PSTREAM_E_PROTOCOL;
        if (channel == PSTREAM_CHANNEL_CONTROL) {
                if (flags != 0)
                        return PSTREAM_E_PROTOCOL;
        } else {
                /* SHMWRITABLE (0x00800000) is an SHM bit too, outside the 0xFF000000 byte. */
                if (flags & (PSTREAM_FLAG_SHM_MASK | 0x00800000U))
                        return PSTREAM_E_PROTOCOL;
                if ((flags & PSTREAM_FLAG_SEEK_MASK) > 3)
                        return PSTREAM_E_PROTOCOL;
        }
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->length = length;
        f->channel = channel;
        f->offset = (int64_t)((uint64_t)rd32(ps->desc + 8) << 32 | rd32(ps->desc + 12));
        f->flags = flags;
        ps->cur = f;
        ps->cur_got = 0;
        ps->cur_alloc = 0;
        return 0;
}

int pstream_read(Pstream *ps, Frame **ret) {
        bool filled = false;
        int r;

        for (;;) {
                size_t avail = ps->in_len - ps->in_pos;

                if (!ps->cur) {
                        size_t take = C_MIN(avail, PSTREAM_DESCRIPTOR_SIZE - ps->desc_got);

                        memcpy(ps->desc + ps->desc_got, ps->in + ps->in_pos, take);
                        ps->desc_got += take;
                        ps->in_pos += take;
                        avail -= take;
                        if (ps->desc_got == PSTREAM_DESCRIPTOR_SIZE) {
                                r = pstream_check_descriptor(ps);
                                if (r)
                                        return r;
                                ps->desc_got = 0;
                        }
                }
                if (ps->cur) {
                        Frame *f = ps->cur;
                        size_t take = C_MIN(avail, f->length - ps->cur_got);

                        if (ps->cur_got + take > ps->cur_alloc) {
                                size_t na = C_MAX(ps->cur_alloc * 2, ps->cur_got + take);
                                uint8_t *p;

                                na = C_MIN(C_MAX(na, (size_t)4096), (size_t)f->length);
                                p = realloc(f->payload, na);
                                if (!p)
                                        return -ENOMEM;
                                f->payload = p;
                                ps->cur_alloc = na;
                        }
                        if (take > 0) {
                                /* payload is still NULL while nothing has arrived */
                                memcpy(f->payload + ps->cur_got, ps->in + ps->in_pos, take);
                                ps->cur_got += take;
                                ps->in_pos += take;
                        }
                        if (ps->cur_got == f->length) {
                                ps->cur = NULL;
                                *ret = f;
                                return 0;
                        }
                }
                if (ps->in_pos < ps->in_len)
                        continue;
                if (filled || ps->eof || ps->in_drained)
                        return ps->eof ? PSTREAM_E_EOF : PSTREAM_E_AGAIN;
                r = pstream_fill(ps);
                if (r)
                        return r;
                filled = true;
        }
}

static int pstream_enqueue(Pstream *ps, uint32_t length, uint32_t channel, int64_t offset,
                           uint32_t flags, const void *data, bool with_creds) {
        PstreamOut *o;

        if (length == 0 || length > PSTREAM_FRAME_MAX)
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
        wr32(o->data, length);
        wr32(o->data + 4, channel);
        wr32(o->data + 8, (uint32_t)((uint64_t)offset >> 32));
        wr32(o->data + 12, (uint32_t)offset);
        wr32(o->data + 16, flags);
        memcpy(o->data + PSTREAM_DESCRIPTOR_SIZE, data, length);
        c_list_link_tail(&ps->out, &o->link);
        ps->out_bytes += o->size;
        return 0;
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

int pstream_flush(Pstream *ps) {
        /* Bounded: at most 16 sendmsg() per call, so one peer can't hog the loop. */
        for (int round = 0; round < 16; round++) {
                PstreamOut *o;
                struct iovec iov[16];
                size_t niov = 0;
                union {
                        struct cmsghdr align;
                        uint8_t buf[CMSG_SPACE(sizeof(struct ucred))];
                } control;
                struct msghdr msg = { .msg_iov = iov };
                ssize_t n;
                CList *it;

                if (c_list_is_empty(&ps->out))
                        return 0;
                o = c_list_entry(ps->out.next, PstreamOut, link);
                if (o->with_creds && o->pos == 0) {
                        /* Credentials travel with the frame's first byte, alone in its sendmsg(). */
                        struct cmsghdr *c;
                        struct ucred uc = { .pid = getpid(), .uid = getuid(), .gid = getgid() };

                        memset(&control, 0, sizeof(control));
                        msg.msg_control = &control;
                        msg.msg_controllen = sizeof(control.buf);
                        c = CMSG_FIRSTHDR(&msg);
                        c->cmsg_level = SOL_SOCKET;
                        c->cmsg_type = SCM_CREDENTIALS;
                        c->cmsg_len = CMSG_LEN(sizeof(uc));
                        memcpy(CMSG_DATA(c), &uc, sizeof(uc));
                        iov[niov++] = (struct iovec){ o->data, o->size };
                } else {
                        for (it = &o->link; it != &ps->out && niov < C_ARRAY_SIZE(iov); it = it->next) {
                                PstreamOut *x = c_list_entry(it, PstreamOut, link);

                                if (x != o && x->with_creds)
                                        break;
                                iov[niov++] = (struct iovec){ x->data + x->pos, x->size - x->pos };
                        }
                }
                msg.msg_iovlen = niov;
                n = sendmsg(ps->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return PSTREAM_E_AGAIN;
                        if (errno == EPERM && msg.msg_control) {
                                /* credentials refused (e.g. TCP): send without them */
                                o->with_creds = false;
                                continue;
                        }
                        return -errno;
                }
                ps->bytes_out += (uint64_t)n;
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
                        free(x);
                }
        }
        return c_list_is_empty(&ps->out) ? 0 : PSTREAM_E_AGAIN;
}
