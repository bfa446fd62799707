/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* conn-shm.c: memfd shared memory and the srbchannel on one connection.
 *
 * Negotiation (native-protocol.md §6.5): SHM is offered only on unix
 * sockets, to a peer with our own uid, that asked for SHM *and* memfd with
 * protocol >= 32, and only when daemon.conf allows both. We never do POSIX
 * SHM (/dev/shm segments): a client that cannot do memfd gets no SHM and
 * copies its audio through the socket, which libpulse supports fully.
 *
 * Import (client -> server audio): REGISTER_MEMFD_SHMID gives a pool fd per
 * shm_id (protocol/wire/shm.c maps it read-only and copies out of the mapping
 * under a SIGBUS guard, so a peer truncating its pool is an error, not a
 * crash); a memblock
 * frame with SHMDATA|MEMFD_BLOCK names a range in it. The range is checked,
 * copied once into a per-connection scratch buffer, handed to the stream
 * exactly like an inline memblock, and the block is released at once (the
 * engine has its own copy), so the client can reuse it immediately.
 * PulseAudio releases when the data has been played; the client only needs
 * the release eventually.
 *
 * srbchannel (§8): right after the AUTH reply we register the ring's memfd,
 * send ENABLE_SRBCHANNEL with the two eventfds and the writable reference to
 * the ring block on channel 0. The client acknowledges with the same tag;
 * from then on the pstream reads the ring (and the socket, for EOF), and
 * writes the ring once the socket queue has drained. Our eventfd is one
 * more io source on the loop.
 *
 * REQUEST batching: a REQUEST sent on a srbchannel connection makes the
 * client write its audio within a fraction of a millisecond. Rather than be
 * woken by every client's eventfd (16 streams: ~10 wake-ups of the main loop
 * per 10 ms period, each a context switch), the connection is marked
 * signalled on our side (srb_suppress: the client's post skips the eventfd
 * write) and one timer SRB_BATCH_USEC later reads every batched ring, then
 * acknowledges (back to being woken). A client's packet in that window waits
 * at most SRB_BATCH_USEC; streams with a minreq under SRB_BATCH_MIN_REQUEST_USEC
 * are not batched.
 *
 * Every violation (unknown shm id, range outside the pool, POSIX reference,
 * wrong ack tag, a registration without exactly one fd) drops the
 * connection; nothing here trusts a number from the peer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include "protocol/protocol.h"
#include "engine/base/log.h"

/* libpulse's blocks are at most 65472 bytes; anything up to 1 MiB is accepted. */
#define SHM_REF_LENGTH_MAX (1024U * 1024U)

static uint32_t conn_index(const Conn *c) {
        return c->client ? c->client->index : IDX_INVALID;
}

static uint32_t random_u32(void) {
        uint32_t v = 0;

        if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
                v = (uint32_t)getpid() * 2654435761U ^ (uint32_t)(uintptr_t)&v;
        return v;
}

uint32_t conn_shm_negotiate(Conn *c, uint32_t word) {
        const ProtocolConfig *cfg = &c->proto->config;
        uint32_t version = word & PROTO_VERSION_MASK;

        if (c->shm)
                return PROTO_FLAG_SHM | PROTO_FLAG_MEMFD;       /* a second AUTH */
        if (cfg->disable_shm || cfg->disable_memfd)
                return 0;
        if (!c->listener || !c->listener->is_unix || !c->have_peer || c->peer.uid != getuid())
                return 0;
        if (version < 32 || !(word & PROTO_FLAG_SHM) || !(word & PROTO_FLAG_MEMFD))
                return 0;
        c->shm = true;
        pstream_enable_shm(&c->ps);
        log_debug("Client %u: SHM negotiated (memfd)", conn_index(c));
        return PROTO_FLAG_SHM | PROTO_FLAG_MEMFD;
}

static int send_with_fds(Conn *c, TagstructWriter *w, const int *fds, unsigned n) {
        uint8_t *data;
        size_t size;
        int r;

        if (tagstruct_writer_error(w)) {
                tagstruct_writer_deinit(w);
                return -ENOMEM;
        }
        data = tagstruct_writer_steal(w, &size);
        r = pstream_send_packet_fds(&c->ps, data, size, fds, n);
        free(data);
        return r > 0 ? -ENOBUFS : r;
}

void conn_shm_offer_srbchannel(Conn *c) {
        _c_cleanup_(srb_freep) Srb *srb = NULL;
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        uint8_t ref[SHM_REF_SIZE];
        uint32_t shm_id = random_u32(), tag = random_u32();
        int fds[2];
        int r;

        if (!c->shm || c->srb_offered || c->ps.srb || !c->listener || !c->listener->srbchannel ||
            c->version < 30)
                return;
        r = srb_new_server(&srb);
        if (r < 0) {
                log_info("Client %u: no srbchannel: %s", conn_index(c), strerror(-r));
                return;
        }
        /* 1. our ring pool, by memfd */
        packet_begin(&w, PROTO_CMD_REGISTER_MEMFD_SHMID, 0xFFFFFFFFU);
        tagstruct_put_u32(&w, shm_id);
        r = send_with_fds(c, &w, &srb->memfd, 1);
        /* 2. the two eventfds: [0] the one we wait on, [1] the one we signal */
        if (r == 0) {
                packet_begin(&w, PROTO_CMD_ENABLE_SRBCHANNEL, tag);
                fds[0] = srb->fd_wait;
                fds[1] = srb->fd_signal;
                r = send_with_fds(c, &w, fds, 2);
        }
        /* 3. the ring block: writable, on channel 0 */
        if (r == 0) {
                shm_ref_write(ref, &(ShmRef){ .block_id = 1, .shm_id = shm_id,
                                              .offset = SRB_BLOCK_OFFSET,
                                              .length = SRB_BLOCK_SIZE });
                r = pstream_send_shm_ref(&c->ps, 0,
                                         PSTREAM_FLAG_SHM_DATA | PSTREAM_FLAG_SHM_MEMFD |
                                                 PSTREAM_FLAG_SHM_WRITABLE, ref);
        }
        if (r) {
                /* Partly queued: the client would wait for the rest. Give up on it. */
                log_info("Client %u: failed to offer the srbchannel, dropping connection",
                         conn_index(c));
                conn_close(c);
                return;
        }
        srb_close_memfd(srb);           /* the queued packet holds its own copy */
        c->srb_offered = srb;
        c->srb_tag = tag;
        srb = NULL;
        log_debug("Client %u: srbchannel offered (tag %u)", conn_index(c), tag);
}

#define SRB_BATCH_USEC 500ULL
#define SRB_BATCH_MIN_REQUEST_USEC 8000ULL

static int protocol_on_srb_poll(sd_event_source *s, uint64_t usec, void *userdata) {
        Protocol *p = userdata;
        Conn *c;

        c_list_for_each_entry_safe(c, t, &p->conns, link) {
                if (!c->srb_batched)
                        continue;
                c->srb_batched = false;
                if (c->dead || !c->ps.srb)
                        continue;
                srb_ack_polled(c->ps.srb);
                c->srb_batches++;
                (void)conn_process(c);
        }
        return 0;
}

void conn_srb_batch(Conn *c, uint64_t min_request_usec) {
        Protocol *p = c->proto;
        uint64_t now;
        int enabled = SD_EVENT_OFF;

        if (!c->ps.srb || c->dead || !p->event || c->srb_batched ||
            min_request_usec < SRB_BATCH_MIN_REQUEST_USEC)
                return;
        if (sd_event_now(p->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        if (!p->srb_poll) {
                if (sd_event_add_time(p->event, &p->srb_poll, CLOCK_MONOTONIC, now + SRB_BATCH_USEC, 1,
                                      protocol_on_srb_poll, p) < 0)
                        return;
        } else if (sd_event_source_get_enabled(p->srb_poll, &enabled) < 0 || enabled == SD_EVENT_OFF) {
                if (sd_event_source_set_time(p->srb_poll, now + SRB_BATCH_USEC) < 0 ||
                    sd_event_source_set_enabled(p->srb_poll, SD_EVENT_ONESHOT) < 0)
                        return;
        }
        srb_suppress(c->ps.srb);
        c->srb_batched = true;
}

void protocol_srb_poll_free(Protocol *p) {
        p->srb_poll = sd_event_source_disable_unref(p->srb_poll);
}

static int conn_on_srb(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Conn *c = userdata;

        if (c->dead || !c->ps.srb)
                return 0;
        srb_ack(c->ps.srb);
        return conn_process(c);
}

int cmd_enable_srbchannel(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        Srb *srb = c->srb_offered;
        int r;

        if (tagstruct_end(ts))
                return DISPATCH_DROP;
        if (!srb || tag != c->srb_tag) {
                log_info("Client %u: ENABLE_SRBCHANNEL we did not offer (tag %u)", conn_index(c), tag);
                return DISPATCH_DROP;
        }
        if (c->proto->event) {
                r = sd_event_add_io(c->proto->event, &c->srb_io, srb_wait_fd(srb), EPOLLIN,
                                    conn_on_srb, c);
                if (r < 0)
                        return r;
        }
        r = pstream_attach_srb(&c->ps, srb);
        if (r < 0) {
                c->srb_io = sd_event_source_disable_unref(c->srb_io);
                return r;
        }
        c->srb_offered = NULL;
        log_debug("Client %u: using the srbchannel", conn_index(c));
        return 0;
}

int cmd_register_memfd_shmid(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        uint32_t shm_id;
        int fd, r;

        tagstruct_get_u32(ts, &shm_id);
        if (tagstruct_end(ts))
                return DISPATCH_DROP;
        if (!c->shm || c->n_in_fds != 1) {
                log_info("Client %u: REGISTER_MEMFD_SHMID without memfd SHM or without one fd",
                         conn_index(c));
                return DISPATCH_DROP;
        }
        fd = c->in_fds[0];
        c->n_in_fds = 0;
        r = shm_imports_add(&c->shm_imports, shm_id, fd);      /* takes fd */
        if (r) {
                log_info("Client %u: REGISTER_MEMFD_SHMID %u refused (%s)", conn_index(c), shm_id,
                         r == SHM_E_EXIST ? "registered twice" :
                         r == SHM_E_LIMIT ? "too many pools" : "not a memfd or bad size");
                return DISPATCH_DROP;
        }
        log_debug("Client %u: memfd pool %u registered", conn_index(c), shm_id);
        return 0;
}

int conn_shm_frame(Conn *c, const Frame *f) {
        ShmRef ref;
        Frame data;
        int r;

        if (frame_is_packet(f))
                return 0;               /* release/revoke of our ring block: nothing to do */
        /* An SHM reference (pstream checked: SHM negotiated, 16 bytes). */
        if (!(f->flags & PSTREAM_FLAG_SHM_MEMFD)) {
                log_info("Client %u: POSIX SHM reference (not negotiated)", conn_index(c));
                return DISPATCH_DROP;
        }
        if (shm_ref_parse(f->payload, f->length, &ref))
                return DISPATCH_DROP;
        r = shm_imports_check(&c->shm_imports, &ref, SHM_REF_LENGTH_MAX);
        if (r) {
                log_info("Client %u: bad SHM reference (%s: pool %u, offset %u, length %u)",
                         conn_index(c), r == SHM_E_UNKNOWN ? "unknown pool" : "out of range",
                         ref.shm_id, ref.offset, ref.length);
                return DISPATCH_DROP;
        }
        if (c->shm_buf_size < ref.length) {
                uint8_t *p = realloc(c->shm_buf, ref.length);

                if (!p)
                        return -ENOMEM;
                c->shm_buf = p;
                c->shm_buf_size = ref.length;
        }
        r = shm_imports_read(&c->shm_imports, &ref, c->shm_buf);
        if (r) {
                log_info("Client %u: SHM pool %u shrank under its reference", conn_index(c),
                         ref.shm_id);
                return r < 0 ? r : DISPATCH_DROP;
        }
        /* The bytes are ours now: give the block back first (the client may be waiting). */
        r = pstream_send_shm_release(&c->ps, ref.block_id);
        if (r)
                return r < 0 ? r : -ENOBUFS;
        data = (Frame){ .channel = f->channel, .offset = f->offset,
                        .flags = f->flags & PSTREAM_FLAG_SEEK_MASK, .length = ref.length,
                        .payload = c->shm_buf };
        c->shm_blocks++;
        c->shm_bytes += ref.length;
        if (c->authorized)
                conn_handle_memblock(c, &data);
        return 0;
}

void conn_shm_log_stats(Conn *c) {
        const Srb *srb = c->ps.srb;

        log_debug("Client %u: transport: shm=%s, %llu memfd blocks (%llu bytes), srbchannel=%s "
                  "(%llu bytes in, %llu out, %llu wake-ups sent, %llu full-ring stalls, "
                  "%llu batched reads)",
                  conn_index(c), c->shm ? "yes" : "no", (unsigned long long)c->shm_blocks,
                  (unsigned long long)c->shm_bytes, srb ? "yes" : "no",
                  (unsigned long long)(srb ? srb->bytes_in : 0),
                  (unsigned long long)(srb ? srb->bytes_out : 0),
                  (unsigned long long)(srb ? srb->signals_sent : 0),
                  (unsigned long long)(srb ? srb->full_stalls : 0),
                  (unsigned long long)c->srb_batches);
}

void conn_shm_deinit(Conn *c) {
        c->srb_io = sd_event_source_disable_unref(c->srb_io);
        c->srb_offered = srb_free(c->srb_offered);
        shm_imports_deinit(&c->shm_imports);
        free(c->shm_buf);
        c->shm_buf = NULL;
        c->shm_buf_size = 0;
        for (unsigned i = 0; i < c->n_in_fds; i++)
                close(c->in_fds[i]);
        c->n_in_fds = 0;
}
