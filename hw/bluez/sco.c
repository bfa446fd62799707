/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sco.c: opens the SCO audio link of an HFP/HSP connection without blocking
 * the main thread.
 *
 * sco_connect() starts a small state machine on the main loop (sd-event io
 * source + a timer) and reports the result once, through the callback:
 *
 *   seam (module-bluez5-discover sco_socket=PATH, the test seam):
 *     CONNECT   non-blocking connect() to the UNIX stream socket PATH
 *     SEND      the line "CONNECT <address> <cvsd|msbc>\n" (partial writes resume)
 *     RECEIVE   one reply with a SOCK_SEQPACKET fd (SCM_RIGHTS) and the text
 *               "MTU <n>\n", 1 <= n <= 1024 (may arrive in pieces; the fd may
 *               come with any of them; extra fds are closed)
 *   kernel (AF_BLUETOOTH, BTPROTO_SCO):
 *     CONNECT   non-blocking connect() (EINPROGRESS), then SO_ERROR; BT_VOICE
 *               transparent for mSBC. Untested here: the CI kernel has no
 *               AF_BLUETOOTH.
 *
 * A peer that never answers, answers garbage or hangs up costs nothing but
 * the timeout (SCO_TIMEOUT_USEC); the daemon keeps serving meanwhile. The
 * callback never runs from inside sco_connect() and the request is freed
 * right after it; sco_connect_cancel() drops a request before that.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "engine/base/log.h"
#include "hw/bluez/bluez.h"

#define SCO_TIMEOUT_USEC (5ULL * 1000000ULL)
#define SCO_REPLY_MAX 64U

typedef enum ScoState {
        SCO_CONNECTING,
        SCO_SENDING,
        SCO_RECEIVING,
} ScoState;

struct ScoConnect {
        ScoState state;
        bool seam;
        BtCodec codec;
        int sock;                       /* the UNIX socket (seam) or the SCO socket (kernel) */
        int fd;                         /* the SEQPACKET fd received from the seam */
        sd_event_source *io;
        sd_event_source *timer;
        char line[64];
        size_t line_len;
        size_t line_sent;
        char reply[SCO_REPLY_MAX];
        size_t reply_len;
        ScoConnectFn cb;
        void *userdata;
};

void sco_connect_cancel(ScoConnect *s) {
        if (!s)
                return;
        sd_event_source_disable_unref(s->io);
        sd_event_source_disable_unref(s->timer);
        if (s->sock >= 0)
                close(s->sock);
        if (s->fd >= 0)
                close(s->fd);
        free(s);
}

/* Reports and frees s. fd (>= 0) goes to the callback's owner. */
static void finish(ScoConnect *s, int fd, uint16_t mtu, int error) {
        ScoConnectFn cb = s->cb;
        void *userdata = s->userdata;

        if (fd == s->fd)
                s->fd = -1;
        if (fd == s->sock)
                s->sock = -1;
        sco_connect_cancel(s);
        cb(fd, mtu, error, userdata);
}

static int set_events(ScoConnect *s, uint32_t events) {
        return sd_event_source_set_io_events(s->io, events);
}

/* ---- seam ---- */

static void seam_take_fds(ScoConnect *s, struct msghdr *mh) {
        for (struct cmsghdr *ch = CMSG_FIRSTHDR(mh); ch; ch = CMSG_NXTHDR(mh, ch)) {
                size_t n;

                if (ch->cmsg_level != SOL_SOCKET || ch->cmsg_type != SCM_RIGHTS ||
                    ch->cmsg_len < CMSG_LEN(0))
                        continue;
                n = (ch->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < n; i++) {
                        int fd;

                        memcpy(&fd, CMSG_DATA(ch) + i * sizeof(int), sizeof(int));
                        if (s->fd < 0)
                                s->fd = fd;
                        else
                                close(fd);      /* only one fd is expected */
                }
        }
}

static void seam_check_reply(ScoConnect *s) {
        unsigned mtu = 0;
        int type = 0;
        socklen_t tl = sizeof(type);
        char extra;

        s->reply[s->reply_len] = 0;
        if (s->fd < 0 || sscanf(s->reply, "MTU %u%c", &mtu, &extra) != 2 || extra != '\n' ||
            mtu == 0 || mtu > 1024) {
                log_warn("Bluetooth: the SCO seam sent a bad reply (%s fd).", s->fd < 0 ? "no" : "with an");
                finish(s, -1, 0, -EPROTO);
                return;
        }
        if (getsockopt(s->fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_SEQPACKET ||
            fcntl(s->fd, F_SETFL, O_NONBLOCK | O_RDWR) < 0) {
                log_warn("Bluetooth: the SCO seam handed out a socket of the wrong type (%d).", type);
                finish(s, -1, 0, -EPROTO);
                return;
        }
        finish(s, s->fd, (uint16_t)mtu, 0);
}

static void seam_receive(ScoConnect *s) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(4 * sizeof(int))];
        } cm;
        struct iovec iov = { .iov_base = s->reply + s->reply_len,
                             .iov_len = sizeof(s->reply) - 1 - s->reply_len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
                             .msg_controllen = sizeof(cm.buf) };
        ssize_t l = recvmsg(s->sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

        if (l < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (l <= 0) {
                finish(s, -1, 0, l < 0 ? -errno : -ECONNRESET);
                return;
        }
        seam_take_fds(s, &mh);
        if (mh.msg_flags & MSG_CTRUNC) {
                finish(s, -1, 0, -EPROTO);
                return;
        }
        s->reply_len += (size_t)l;
        if (memchr(s->reply, '\n', s->reply_len))
                seam_check_reply(s);
        else if (s->reply_len >= sizeof(s->reply) - 1)
                finish(s, -1, 0, -EPROTO);      /* no newline in 63 bytes */
}

static void seam_send(ScoConnect *s) {
        ssize_t l = send(s->sock, s->line + s->line_sent, s->line_len - s->line_sent,
                         MSG_DONTWAIT | MSG_NOSIGNAL);

        if (l < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (l <= 0) {
                finish(s, -1, 0, l < 0 ? -errno : -EIO);
                return;
        }
        s->line_sent += (size_t)l;
        if (s->line_sent == s->line_len) {
                s->state = SCO_RECEIVING;
                if (set_events(s, EPOLLIN) < 0)
                        finish(s, -1, 0, -EIO);
        }
}

/* ---- kernel ---- */

/* linux/bluetooth headers are not needed for these few constants */
#define PC_AF_BLUETOOTH 31
#define PC_BTPROTO_SCO 2
#define PC_SOL_BLUETOOTH 274
#define PC_BT_VOICE 11
#define PC_BT_VOICE_TRANSPARENT 0x0003
#define PC_SOL_SCO 17
#define PC_SCO_OPTIONS 1

struct pc_sockaddr_sco {
        sa_family_t sco_family;
        uint8_t sco_bdaddr[6];
};

static void kernel_connected(ScoConnect *s) {
        uint16_t opt[1] = { 0 };
        socklen_t ol = sizeof(opt);
        int err = 0;
        socklen_t el = sizeof(err);

        if (getsockopt(s->sock, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
                err = errno;
        if (err) {
                finish(s, -1, 0, -err);
                return;
        }
        if (getsockopt(s->sock, PC_SOL_SCO, PC_SCO_OPTIONS, opt, &ol) < 0 || opt[0] == 0)
                opt[0] = 48;
        finish(s, s->sock, s->codec == BT_CODEC_MSBC ? MSBC_PACKET : opt[0], 0);
}

static int kernel_start(ScoConnect *s, const char *address) {
        struct pc_sockaddr_sco sa = { .sco_family = PC_AF_BLUETOOTH };
        unsigned b[6];

        if (sscanf(address, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
                return -EINVAL;
        for (int i = 0; i < 6; i++)
                sa.sco_bdaddr[i] = (uint8_t)b[5 - i];       /* bdaddr_t is little-endian */
        s->sock = socket(PC_AF_BLUETOOTH, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, PC_BTPROTO_SCO);
        if (s->sock < 0)
                return -errno;
        if (s->codec == BT_CODEC_MSBC) {
                uint16_t voice = PC_BT_VOICE_TRANSPARENT;

                if (setsockopt(s->sock, PC_SOL_BLUETOOTH, PC_BT_VOICE, &voice, sizeof(voice)) < 0)
                        return -errno;
        }
        if (connect(s->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
                return -errno;
        s->state = SCO_CONNECTING;
        return 0;
}

static int seam_start(ScoConnect *s, const char *path, const char *address) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int n;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        n = snprintf(s->line, sizeof(s->line), "CONNECT %s %s\n", address,
                     s->codec == BT_CODEC_MSBC ? "msbc" : "cvsd");
        if (n < 0 || (size_t)n >= sizeof(s->line))
                return -EINVAL;
        s->line_len = (size_t)n;
        s->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s->sock < 0)
                return -errno;
        /* a UNIX connect either completes at once or fails (EAGAIN: backlog full) */
        if (connect(s->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        s->state = SCO_SENDING;
        return 0;
}

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        ScoConnect *s = userdata;

        switch (s->state) {
        case SCO_CONNECTING:
                kernel_connected(s);
                break;
        case SCO_SENDING:
                if (revents & (EPOLLERR | EPOLLHUP) && !(revents & EPOLLOUT))
                        finish(s, -1, 0, -ECONNRESET);
                else
                        seam_send(s);
                break;
        case SCO_RECEIVING:
                seam_receive(s);
                break;
        }
        return 0;
}

static int on_timeout(sd_event_source *src, uint64_t usec, void *userdata) {
        ScoConnect *s = userdata;

        log_warn("Bluetooth: opening the SCO link timed out (%s, %s).",
                 s->seam ? "seam" : "kernel",
                 s->state == SCO_CONNECTING ? "connecting" : s->state == SCO_SENDING ? "sending"
                 : "waiting for the reply");
        finish(s, -1, 0, -ETIMEDOUT);
        return 0;
}

int sco_connect(BtDiscovery *d, const char *address, BtCodec codec, ScoConnectFn cb, void *userdata,
                ScoConnect **ret) {
        ScoConnect *s;
        int r;

        if (!d->event)
                return -ENOTCONN;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->sock = s->fd = -1;
        s->codec = codec;
        s->cb = cb;
        s->userdata = userdata;
        s->seam = d->sco_socket != NULL;
        r = s->seam ? seam_start(s, d->sco_socket, address) : kernel_start(s, address);
        if (r >= 0)
                r = sd_event_add_io(d->event, &s->io, s->sock, EPOLLOUT, on_io, s);
        if (r >= 0)
                r = sd_event_add_time_relative(d->event, &s->timer, CLOCK_MONOTONIC, SCO_TIMEOUT_USEC,
                                               0, on_timeout, s);
        if (r < 0) {
                sco_connect_cancel(s);
                return r;
        }
        *ret = s;
        return 0;
}
