/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* server.c: the Protocol object, listening sockets, accept and event fan-out.
 *
 * Accept: the peer's credentials are read once (SO_PEERCRED) and kept on
 * the connection; access checks use that copy. Over the connection cap the
 * socket is closed at once (as PulseAudio does).
 *
 * Events: the core's listener appends to each subscribed connection's
 * queue with PulseAudio's coalescing and arms one deferred flush, so
 * events go out after the reply of the command that caused them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include "protocol/protocol.h"
#include "engine/base/log.h"

static Protocol *global_protocol;

Protocol *protocol_get(Core *core) {
        return global_protocol && global_protocol->core == core ? global_protocol : NULL;
}

void protocol_set_global(Protocol *p) {
        global_protocol = p;
}

static bool event_matches(uint32_t mask, uint32_t event) {
        return mask & (1U << (event & FACILITY_MASK));
}

static void conn_queue_event(Conn *c, uint32_t event, uint32_t index) {
        uint32_t fac = event & FACILITY_MASK, type = event & EVENT_TYPE_MASK;

        if (type == EVENT_CHANGE) {
                for (size_t i = 0; i < c->n_events; i++) {
                        PendingEvent *e = &c->events[i];

                        if ((e->event & FACILITY_MASK) == fac && e->index == index &&
                            (e->event & EVENT_TYPE_MASK) != EVENT_REMOVE)
                                return;
                }
        } else if (type == EVENT_REMOVE) {
                size_t j = 0;

                for (size_t i = 0; i < c->n_events; i++) {
                        PendingEvent *e = &c->events[i];

                        if ((e->event & FACILITY_MASK) == fac && e->index == index)
                                continue;
                        c->events[j++] = *e;
                }
                c->n_events = j;
        }
        if (c->n_events == c->allocated_events) {
                size_t na = c->allocated_events ? c->allocated_events * 2 : 16;
                PendingEvent *n;

                /* A subscriber that never lets us flush cannot grow this forever. */
                if (na > 65536) {
                        log_warn("Client %u: event queue overflow, dropping connection",
                                 c->client ? c->client->index : IDX_INVALID);
                        conn_close(c);
                        return;
                }
                n = realloc(c->events, na * sizeof(*n));
                if (!n) {
                        conn_close(c);
                        return;
                }
                c->events = n;
                c->allocated_events = na;
        }
        c->events[c->n_events++] = (PendingEvent){ event, index };
}

static void protocol_on_core_event(Core *core, uint32_t event, uint32_t index, void *userdata) {
        Protocol *p = userdata;
        Conn *c;
        bool any = false;

        c_list_for_each_entry(c, &p->conns, link) {
                if (c->dead || !event_matches(c->subscription_mask, event))
                        continue;
                conn_queue_event(c, event, index);
                any = true;
        }
        if (any) {
                p->events_pending = true;
                if (p->flush)
                        (void)sd_event_source_set_enabled(p->flush, SD_EVENT_ONESHOT);
        }
}

void protocol_flush_events(Protocol *p) {
        Conn *c;

        if (!p->events_pending)
                return;
        p->events_pending = false;
        c_list_for_each_entry(c, &p->conns, link) {
                if (!c->dead && c->n_events) {
                        for (size_t i = 0; i < c->n_events && !c->dead; i++) {
                                TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);

                                if (!event_matches(c->subscription_mask, c->events[i].event))
                                        continue;
                                packet_begin(&w, PROTO_CMD_SUBSCRIBE_EVENT, PROTO_TAG_ASYNC);
                                tagstruct_put_u32(&w, c->events[i].event);
                                tagstruct_put_u32(&w, c->events[i].index);
                                (void)conn_send_packet(c, &w);
                        }
                        c->n_events = 0;
                }
        }
}

static int protocol_on_out_flush(sd_event_source *s, void *userdata) {
        Protocol *p = userdata;
        Conn *c;

        /* conn_flush unlinks c from out_pending (and may close it). */
        while (!c_list_is_empty(&p->out_pending)) {
                c = c_list_entry(p->out_pending.next, Conn, out_link);
                conn_flush(c);
        }
        return 0;
}

static int protocol_on_flush(sd_event_source *s, void *userdata) {
        Protocol *p = userdata;
        Conn *c;

        protocol_flush_events(p);
        /* Write what is queued, then reap closed connections. */
        c_list_for_each_entry_safe(c, t, &p->conns, link)
                if (!c->dead)
                        conn_flush(c);
        c_list_for_each_entry_safe(c, t2, &p->conns, link)
                if (c->dead)
                        conn_destroy(c);
        return 0;
}

int protocol_new(Core *core, sd_event *event, const ProtocolConfig *config, Protocol **ret) {
        Protocol *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        p->core = core;
        p->event = sd_event_ref(event);
        p->config = *config;
        if (!p->config.max_connections)
                p->config.max_connections = 256;
        if (!p->config.max_connections_per_uid)
                p->config.max_connections_per_uid = 64;
        if (!p->config.auth_timeout_usec)
                p->config.auth_timeout_usec = 60ULL * 1000000ULL;
        c_list_init(&p->listeners);
        c_list_init(&p->conns);
        c_list_init(&p->out_pending);
        r = sd_event_add_defer(event, &p->out_flush, protocol_on_out_flush, p);
        if (r < 0) {
                protocol_free(p);
                return r;
        }
        (void)sd_event_source_set_enabled(p->out_flush, SD_EVENT_OFF);
        r = sd_event_add_defer(event, &p->flush, protocol_on_flush, p);
        if (r < 0) {
                protocol_free(p);
                return r;
        }
        (void)sd_event_source_set_enabled(p->flush, SD_EVENT_OFF);
        (void)sd_event_source_set_priority(p->flush, SD_EVENT_PRIORITY_IDLE);
        core_add_listener(core, &p->core_listener, protocol_on_core_event, p);
        *ret = p;
        return 0;
}

void protocol_disconnect_all(Protocol *p) {
        Conn *c;

        if (!p)
                return;
        c_list_for_each_entry_safe(c, t, &p->conns, link)
                conn_destroy(c);
        /* The core goes away next: stop listening to it. */
        if (c_list_is_linked(&p->core_listener.link))
                core_remove_listener(&p->core_listener);
}

/* Listeners belong to their modules (unloaded before this runs). */
Protocol *protocol_free(Protocol *p) {
        if (!p)
                return NULL;
        protocol_disconnect_all(p);
        if (c_list_is_linked(&p->core_listener.link))
                core_remove_listener(&p->core_listener);
        sd_event_source_disable_unref(p->flush);
        sd_event_source_disable_unref(p->out_flush);
        protocol_srb_poll_free(p);
        sd_event_unref(p->event);
        if (global_protocol == p)
                global_protocol = NULL;
        free(p);
        return NULL;
}

/* ---- listeners ---- */

static size_t conns_of_uid(Protocol *p, uid_t uid) {
        Conn *c;
        size_t n = 0;

        c_list_for_each_entry(c, &p->conns, link)
                if (!c->dead && c->have_peer && c->peer.uid == uid)
                        n++;
        return n;
}

static int listener_on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Listener *l = userdata;
        Protocol *p = l->proto;

        /* Bounded: accept at most 16 per wakeup. */
        for (int i = 0; i < 16; i++) {
                int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                Conn *c;
                int r;

                if (cfd < 0) {
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                log_warn("accept() failed: %m");
                        return 0;
                }
                if (p->n_conns >= p->config.max_connections) {
                        log_warn("Too many connections (%zu), refusing.", p->n_conns);
                        close(cfd);
                        continue;
                }
                if (l->is_unix) {
                        struct ucred uc;
                        socklen_t sl = sizeof(uc);

                        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &uc, &sl) == 0 &&
                            uc.uid != 0 && uc.uid != getuid() &&
                            conns_of_uid(p, uc.uid) >= p->config.max_connections_per_uid) {
                                log_warn("Too many connections from uid %u, refusing.", uc.uid);
                                close(cfd);
                                continue;
                        }
                }
                r = conn_new(p, l, cfd, &c);
                if (r < 0)
                        log_warn("Failed to set up connection: %s", strerror(-r));
        }
        return 0;
}

static int listener_attach(Protocol *p, Listener *l) {
        int r = sd_event_add_io(p->event, &l->source, l->fd, EPOLLIN, listener_on_accept, l);

        if (r < 0)
                return r;
        c_list_link_tail(&p->listeners, &l->link);
        return 0;
}

static Listener *listener_alloc(Protocol *p, Module *m) {
        Listener *l = calloc(1, sizeof(*l));

        if (!l)
                return NULL;
        l->proto = p;
        l->module = m;
        l->fd = -1;
        c_list_init(&l->link);
        return l;
}

int listener_new_unix(Protocol *p, Module *m, const char *path, int inherited_fd, Listener **ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        Listener *l;
        int r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        l = listener_alloc(p, m);
        if (!l)
                return -ENOMEM;
        l->is_unix = true;
        l->path = strdup(path);
        if (!l->path) {
                listener_free(l);
                return -ENOMEM;
        }
        if (inherited_fd >= 0) {
                l->fd = inherited_fd;
                (void)fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK);
        } else {
                strcpy(sa.sun_path, path);
                l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (l->fd < 0) {
                        r = -errno;
                        listener_free(l);
                        return r;
                }
                /* A stale socket from a dead daemon is replaced; a live one is an error. */
                if (connect(l->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
                        log_error("Another daemon is already listening on %s.", path);
                        listener_free(l);
                        return -EADDRINUSE;
                }
                close(l->fd);
                l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (l->fd < 0) {
                        r = -errno;
                        listener_free(l);
                        return r;
                }
                (void)unlink(path);
                if (bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
                    listen(l->fd, SOMAXCONN) < 0) {
                        r = -errno;
                        log_error("Failed to listen on %s: %s", path, strerror(-r));
                        listener_free(l);
                        return r;
                }
                l->owns_path = true;
                /* Access is controlled by the directory and by authentication. */
                (void)chmod(path, 0777);
        }
        r = listener_attach(p, l);
        if (r < 0) {
                listener_free(l);
                return r;
        }
        *ret = l;
        return 0;
}

int listener_new_tcp(Protocol *p, Module *m, const char *listen_addr, uint16_t port, Listener **ret) {
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICHOST };
        struct addrinfo *ai = NULL;
        char portstr[16];
        Listener *l;
        int one = 1, r;

        snprintf(portstr, sizeof(portstr), "%u", port);
        r = getaddrinfo(listen_addr, portstr, &hints, &ai);
        if (r != 0 || !ai)
                return -EINVAL;
        l = listener_alloc(p, m);
        if (!l) {
                freeaddrinfo(ai);
                return -ENOMEM;
        }
        l->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (l->fd < 0) {
                r = -errno;
                goto fail;
        }
        (void)setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6)
                (void)setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(l->fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(l->fd, SOMAXCONN) < 0) {
                r = -errno;
                log_error("Failed to listen on %s port %u: %s", listen_addr, port, strerror(-r));
                goto fail;
        }
        freeaddrinfo(ai);
        ai = NULL;
        r = listener_attach(p, l);
        if (r < 0)
                goto fail;
        *ret = l;
        return 0;
fail:
        if (ai)
                freeaddrinfo(ai);
        listener_free(l);
        return r;
}

Listener *listener_free(Listener *l) {
        if (!l)
                return NULL;
        c_list_unlink(&l->link);
        sd_event_source_disable_unref(l->source);
        if (l->fd >= 0)
                close(l->fd);
        if (l->owns_path && l->path)
                (void)unlink(l->path);
        free(l->path);
        auth_config_deinit(&l->auth);
        /* Connections accepted through it stay; they no longer refer to it. */
        if (l->proto) {
                Conn *c;

                c_list_for_each_entry(c, &l->proto->conns, link)
                        if (c->listener == l)
                                c->listener = NULL;
        }
        free(l);
        return NULL;
}
