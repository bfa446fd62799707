/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* conn.c: one client connection: I/O on the loop, auth timer, teardown.
 *
 * Work per wakeup is bounded: at most CONN_FRAMES_PER_WAKEUP frames are
 * dispatched, then a deferred source continues, so one busy client cannot
 * starve the others or the audio control path.
 *
 * A connection is never freed from inside its own dispatch: conn_close()
 * marks it dead, releases its engine objects at once (so other clients
 * see the REMOVE events promptly) and the memory goes on the next loop
 * iteration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include "protocol/protocol.h"
#include "engine/base/log.h"

#define CONN_FRAMES_PER_WAKEUP 32

static void conn_set_epollout(Conn *c, bool on) {
        on = on && !c->ps.srb_out;      /* ring output waits for the peer's signal, not EPOLLOUT */
        if (c->dead || !c->io || c->out_armed == on)
                return;
        c->out_armed = on;
        (void)sd_event_source_set_io_events(c->io, EPOLLIN | (on ? EPOLLOUT : 0));
}

/* After queueing output: write it at the end of this loop iteration (see Protocol.out_pending). */
static void conn_update_io(Conn *c) {
        Protocol *p = c->proto;

        if (c->dead || !c->io)
                return;
        if (!pstream_wants_write(&c->ps)) {
                conn_set_epollout(c, false);
                return;
        }
        if (c->out_armed)
                return;                 /* the socket is full: EPOLLOUT writes it */
        if (!p->out_flush) {
                conn_set_epollout(c, true);
                return;
        }
        if (!c_list_is_linked(&c->out_link))
                c_list_link_tail(&p->out_pending, &c->out_link);
        (void)sd_event_source_set_enabled(p->out_flush, SD_EVENT_ONESHOT);
}

void packet_begin(TagstructWriter *w, uint32_t command, uint32_t tag) {
        tagstruct_put_u32(w, command);
        tagstruct_put_u32(w, tag);
}

int conn_send_packet(Conn *c, TagstructWriter *w) {
        uint8_t *data;
        size_t size;
        int r;

        if (c->dead) {
                tagstruct_writer_deinit(w);
                return 0;
        }
        if (tagstruct_writer_error(w)) {
                tagstruct_writer_deinit(w);
                conn_close(c);
                return -ENOMEM;
        }
        data = tagstruct_writer_steal(w, &size);
        r = pstream_send_packet(&c->ps, data, size, false);
        free(data);
        if (r) {
                log_info("Client %u: output queue full or error, dropping connection",
                         c->client ? c->client->index : IDX_INVALID);
                conn_close(c);
                return r < 0 ? r : -ENOBUFS;
        }
        conn_update_io(c);
        return 0;
}

void conn_reply_simple(Conn *c, uint32_t tag) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);

        packet_begin(&w, PROTO_CMD_REPLY, tag);
        (void)conn_send_packet(c, &w);
}

void conn_reply_error(Conn *c, uint32_t tag, uint32_t error) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);

        packet_begin(&w, PROTO_CMD_ERROR, tag);
        tagstruct_put_u32(&w, error);
        (void)conn_send_packet(c, &w);
}

static void conn_release(Conn *c);

static void conn_free(Conn *c) {
        conn_release(c);
        c_list_unlink(&c->link);
        c_list_unlink(&c->out_link);
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->auth_timer);
        sd_event_source_disable_unref(c->more);
        conn_shm_deinit(c);
        pstream_deinit(&c->ps);
        free(c->events);
        free(c);
}

static void conn_release(Conn *c) {
        Client *cl = c->client;

        conn_free_streams(c);
        if (!cl)
                return;
        c->client = NULL;
        cl->kill = NULL;
        client_free(cl);
}

void conn_close(Conn *c) {
        if (c->dead)
                return;
        c->dead = true;
        c->proto->n_conns--;
        sd_event_source_disable_unref(c->io);
        c->io = NULL;
        c->srb_io = sd_event_source_disable_unref(c->srb_io);
        conn_shm_log_stats(c);
        /* Its streams and client go on the next iteration, with the connection
         * (conn_destroy from the flush): we may be inside a loop over some
         * device's streams (a callback whose packet could not be queued), which
         * must not see other streams of this connection vanish under it. Until
         * then every packet to it is dropped (conn_send_packet). */
        if (c->proto->flush)
                (void)sd_event_source_set_enabled(c->proto->flush, SD_EVENT_ONESHOT);
}

void conn_destroy(Conn *c) {
        conn_close(c);
        conn_free(c);
}

static void conn_on_client_kill(Client *cl, void *userdata) {
        Conn *c = userdata;

        conn_close(c);
}

void conn_flush(Conn *c) {
        c_list_unlink(&c->out_link);
        if (c->dead)
                return;
        if (pstream_flush(&c->ps) < 0) {
                conn_close(c);
                return;
        }
        conn_set_epollout(c, pstream_wants_write(&c->ps));
}

int conn_process(Conn *c) {
        int r = 0;

        for (int i = 0; i < CONN_FRAMES_PER_WAKEUP && !c->dead; i++) {
                _c_cleanup_(frame_freep) Frame *f = NULL;

                r = pstream_read(&c->ps, &f);
                if (r == PSTREAM_E_AGAIN) {
                        r = 0;
                        break;
                }
                if (r == PSTREAM_E_EOF) {
                        conn_close(c);
                        return 0;
                }
                if (r) {
                        log_info("Client %u: %s, dropping connection",
                                 c->client ? c->client->index : IDX_INVALID,
                                 r == PSTREAM_E_PROTOCOL ? "invalid frame" : strerror(-r));
                        conn_close(c);
                        return 0;
                }
                if (f->flags & (PSTREAM_FLAG_SHM_MASK | PSTREAM_FLAG_SHM_WRITABLE)) {
                        /* SHM reference / release / revoke (only valid once negotiated) */
                        r = conn_shm_frame(c, f);
                        if (r < 0) {
                                log_info("Client %u: %s, dropping connection",
                                         c->client ? c->client->index : IDX_INVALID,
                                         r == DISPATCH_DROP ? "invalid SHM frame" : strerror(-r));
                                conn_close(c);
                                return 0;
                        }
                } else if (frame_is_packet(f)) {
                        /* fds that came with this packet: REGISTER_MEMFD_SHMID takes its one */
                        c->n_in_fds = frame_steal_fds(f, c->in_fds);
                        r = dispatch_packet(c, f->payload, f->length);
                        for (unsigned k = 0; k < c->n_in_fds; k++)
                                close(c->in_fds[k]);
                        c->n_in_fds = 0;
                        /* Events caused by this command go out before the next one is read. */
                        protocol_flush_events(c->proto);
                        if (r < 0) {
                                log_info("Client %u: protocol error (%s), dropping connection",
                                         c->client ? c->client->index : IDX_INVALID,
                                         r == DISPATCH_DROP ? "malformed or unexpected packet"
                                                            : strerror(-r));
                                conn_close(c);
                                return 0;
                        }
                } else if (c->authorized) {
                        /* Audio for a channel; data for unknown channels is ignored. */
                        conn_handle_memblock(c, f);
                }
                if (i == CONN_FRAMES_PER_WAKEUP - 1 && c->more)
                        (void)sd_event_source_set_enabled(c->more, SD_EVENT_ONESHOT);
        }
        if (c->dead)
                return 0;
        c_list_unlink(&c->out_link);
        r = pstream_flush(&c->ps);
        if (r < 0) {
                conn_close(c);
                return 0;
        }
        /* Room in the output queue again: send waiting record data. */
        if (!c_list_is_empty(&c->record) && c->ps.out_bytes == 0) {
                conn_pump_record(c);    /* ends with conn_flush() */
                return 0;
        }
        conn_set_epollout(c, pstream_wants_write(&c->ps));
        return 0;
}

static int conn_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Conn *c = userdata;

        if (revents & (EPOLLERR | EPOLLHUP) && !(revents & EPOLLIN)) {
                conn_close(c);
                return 0;
        }
        if (revents & EPOLLIN)
                c->ps.in_drained = false;
        else if (!c->ps.in_drained)
                c->ps.in_drained = true;        /* writable only: don't read */
        return conn_process(c);
}

static int conn_on_more(sd_event_source *s, void *userdata) {
        return conn_process(userdata);
}

static int conn_on_auth_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Conn *c = userdata;

        if (!c->authorized) {
                log_info("Client %u: authentication timed out", c->client ? c->client->index : IDX_INVALID);
                conn_close(c);
        }
        return 0;
}

int conn_new(Protocol *p, Listener *l, int fd, Conn **ret) {
        _c_cleanup_(proplist_freep) Proplist *props = proplist_new();
        char peer[128] = "UNIX socket client";
        Conn *c;
        uint64_t now;
        int r;

        if (!props) {
                close(fd);
                return -ENOMEM;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                close(fd);
                return -ENOMEM;
        }
        c->proto = p;
        c->listener = l;
        c_list_init(&c->link);
        c_list_init(&c->out_link);
        c_list_init(&c->playback);
        c_list_init(&c->record);
        c_list_init(&c->uploads);
        r = pstream_init(&c->ps, fd);
        if (r < 0) {
                pstream_deinit(&c->ps);
                free(c);
                return r;
        }
        c->ps.track_drain = p->event != NULL;   /* only when conn_on_io clears in_drained */
        if (l && l->is_unix) {
                socklen_t sl = sizeof(c->peer);

                c->have_peer = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->peer, &sl) == 0;
        } else {
                struct sockaddr_storage ss;
                socklen_t sl = sizeof(ss);
                char addr[INET6_ADDRSTRLEN] = "?";
                unsigned port = 0;

                if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
                        if (ss.ss_family == AF_INET) {
                                struct sockaddr_in *in = (struct sockaddr_in *)&ss;

                                inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr));
                                port = ntohs(in->sin_port);
                        } else if (ss.ss_family == AF_INET6) {
                                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

                                inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
                                port = ntohs(in6->sin6_port);
                        }
                }
                snprintf(peer, sizeof(peer), ss.ss_family == AF_INET6 ? "TCP/IP client from [%s]:%u"
                                                                        : "TCP/IP client from %s:%u",
                         addr, port);
                if (l && l->auth.n_ip_acl && ip_acl_match(l->auth.ip_acl[0], (struct sockaddr *)&ss))
                        c->authorized = true;
        }
        r = proplist_setf(props, "application.name", "Native client (%s)", peer);
        if (r >= 0)
                r = proplist_sets(props, "native-protocol.peer", peer);
        if (r >= 0)
                r = client_new(p->core, l ? l->module : NULL, "protocol-native.c", props, &c->client);
        if (r >= 0 && p->event) {
                r = sd_event_add_io(p->event, &c->io, fd, EPOLLIN, conn_on_io, c);
                if (r >= 0)
                        r = sd_event_add_defer(p->event, &c->more, conn_on_more, c);
                if (r >= 0)
                        r = sd_event_source_set_enabled(c->more, SD_EVENT_OFF);
                if (r >= 0)
                        r = sd_event_now(p->event, CLOCK_MONOTONIC, &now);
                if (r >= 0)
                        r = sd_event_add_time(p->event, &c->auth_timer, CLOCK_MONOTONIC,
                                              now + p->config.auth_timeout_usec, 0,
                                              conn_on_auth_timeout, c);
        }
        if (r < 0) {
                conn_release(c);
                sd_event_source_disable_unref(c->io);
                sd_event_source_disable_unref(c->auth_timer);
                sd_event_source_disable_unref(c->more);
                pstream_deinit(&c->ps);
                free(c);
                return r;
        }
        c->client->kill = conn_on_client_kill;
        c->client->kill_userdata = c;
        if (c->have_peer) {
                c->client->has_creds = true;
                c->client->creds = c->peer;
        }
        c_list_link_tail(&p->conns, &c->link);
        p->n_conns++;
        if (l && l->auth.anonymous)
                c->authorized = true;
        *ret = c;
        return 0;
}
