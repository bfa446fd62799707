/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-core.c: handshake, server-wide and module/client commands.
 *
 * Layout rules (commands.md): fields depend on the *client's* version
 * (c->version); every parser ends with tagstruct_end() so trailing or
 * malformed data drops the connection before anything is changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pwd.h>
#include <sys/time.h>
#include "protocol/protocol.h"
#include "protocol/access.h"
#include "engine/base/log.h"

#define PARSE_END(ts) do { if (tagstruct_end(ts)) return DISPATCH_DROP; } while (0)

static bool peer_authorized(Conn *c, const uint8_t *cookie) {
        Listener *l = c->listener;
        Protocol *p = c->proto;

        if (!l)
                return false;
        if (l->auth.anonymous)
                return true;
        if (c->have_peer) {
                if (p->config.system_mode && p->check_peer)
                        return p->check_peer(p, &c->peer, p->check_peer_userdata) == 0;
                if (c->peer.uid == getuid())
                        return true;
                if (l->auth.group_enabled && l->auth.group &&
                    auth_peer_in_group(&c->peer, l->auth.group))
                        return true;
        }
        if (l->auth.cookie_enabled && l->auth.have_cookie &&
            memcmp(cookie, l->auth.cookie, PROTO_COOKIE_LENGTH) == 0)
                return true;
        return false;
}

int cmd_auth(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        const uint8_t *cookie;
        uint32_t version, shm_flags;

        tagstruct_get_u32(ts, &version);
        tagstruct_get_arbitrary(ts, PROTO_COOKIE_LENGTH, &cookie);
        PARSE_END(ts);

        if (version < PROTO_VERSION_MIN)
                return PROTO_ERR_VERSION;
        /* Flag bits only exist from version 13 on. */
        c->version = (version & PROTO_VERSION_MASK) >= 13 ? (version & PROTO_VERSION_MASK) : version;
        if (c->version > 0xFFFF)
                c->version &= PROTO_VERSION_MASK;
        if (c->client)
                (void)proplist_setf(c->client->props, "native-protocol.version", "%u", c->version);

        if (!c->authorized) {
                if (peer_authorized(c, cookie)) {
                        c->authorized = true;
                } else {
                        log_info("Client %u: access denied", c->client ? c->client->index : IDX_INVALID);
                        c->auth_failed = true;
                        return PROTO_ERR_ACCESS;
                }
        }
        if (c->auth_timer)
                (void)sd_event_source_set_enabled(c->auth_timer, SD_EVENT_OFF);

        /* Bits 31/30: SHM and memfd for this connection (conn-shm.c decides). */
        shm_flags = conn_shm_negotiate(c, version);
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        tagstruct_put_u32(&w, PROTO_VERSION_MAX | shm_flags);
        if (tagstruct_writer_error(&w)) {
                tagstruct_writer_deinit(&w);
                return -ENOMEM;
        }
        {
                size_t size;
                uint8_t *data = tagstruct_writer_steal(&w, &size);
                int r = pstream_send_packet(&c->ps, data, size,
                                            c->listener && c->listener->is_unix);

                free(data);
                if (r)
                        return r < 0 ? r : -ENOBUFS;
        }
        if (shm_flags)
                conn_shm_offer_srbchannel(c);
        return 0;
}

int cmd_set_client_name(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        _c_cleanup_(proplist_freep) Proplist *p = proplist_new();
        int r;

        if (!p)
                return -ENOMEM;
        if (c->version >= 13) {
                tagstruct_get_proplist(ts, p);
        } else {
                const char *name;

                tagstruct_get_string(ts, &name);
                if (!tagstruct_error(ts) && (!name || !utf8_valid(name)))
                        return PROTO_ERR_INVALID;
                if (!tagstruct_error(ts) && proplist_sets(p, "application.name", name) < 0)
                        return -ENOMEM;
        }
        PARSE_END(ts);
        r = client_update_proplist(c->client, PROPLIST_UPDATE_REPLACE, p);
        if (r)
                return r < 0 ? r : (int)engine_to_proto_error(r);
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        if (c->version >= 13)
                tagstruct_put_u32(&w, c->client->index);
        return conn_send_packet(c, &w);
}

int cmd_update_client_proplist(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        _c_cleanup_(proplist_freep) Proplist *p = proplist_new();
        uint32_t mode;
        int r;

        if (!p)
                return -ENOMEM;
        tagstruct_get_u32(ts, &mode);
        tagstruct_get_proplist(ts, p);
        PARSE_END(ts);
        if (mode >= _PROPLIST_UPDATE_N)
                return PROTO_ERR_INVALID;
        r = client_update_proplist(c->client, (ProplistUpdateMode)mode, p);
        if (r)
                return r < 0 ? r : (int)engine_to_proto_error(r);
        conn_reply_simple(c, tag);
        return 0;
}

int cmd_remove_client_proplist(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        const char *keys[PROPLIST_ENTRIES_MAX];
        size_t n = 0;

        for (;;) {
                const char *k;

                tagstruct_get_string_or_null(ts, &k);
                if (tagstruct_error(ts))
                        return DISPATCH_DROP;
                if (!k)
                        break;
                if (n < C_ARRAY_SIZE(keys))
                        keys[n++] = k;
        }
        PARSE_END(ts);
        client_remove_props(c->client, keys, n);
        conn_reply_simple(c, tag);
        return 0;
}

static const char *daemon_user_name(void) {
        struct passwd *pw = getpwuid(getuid());

        return pw ? pw->pw_name : "unknown";
}

int cmd_get_server_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Core *core = c->proto->core;
        char host[256] = "localhost";

        PARSE_END(ts);
        (void)gethostname(host, sizeof(host) - 1);
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        tagstruct_put_string(&w, "pulseaudio");
        tagstruct_put_string(&w, "16.1");
        tagstruct_put_string(&w, daemon_user_name());
        tagstruct_put_string(&w, host);
        tagstruct_put_sample_spec(&w, &core->default_spec);
        tagstruct_put_string(&w, core->default_sink ? core->default_sink->name : NULL);
        tagstruct_put_string(&w, core->default_source ? core->default_source->name : NULL);
        tagstruct_put_u32(&w, core->cookie);
        if (c->version >= 15)
                tagstruct_put_channel_map(&w, &core->default_map);
        return conn_send_packet(c, &w);
}

int cmd_stat(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Core *core = c->proto->core;
        uint64_t blocks = 0, bytes = 0;
        SinkInput *si;
        SourceOutput *so;

        PARSE_END(ts);
        /* Our "memory blocks" are the stream queues and the cached samples. */
        idxmap_for_each(si, &core->sink_inputs, st1) {
                blocks++;
                bytes += si->ring.size;
        }
        idxmap_for_each(so, &core->source_outputs, st2) {
                blocks++;
                bytes += so->ring.size;
        }
        blocks += idxmap_size(&core->samples);
        bytes += core->sample_cache_bytes;
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        tagstruct_put_u32(&w, (uint32_t)C_MIN(blocks, (uint64_t)UINT32_MAX));
        tagstruct_put_u32(&w, (uint32_t)C_MIN(bytes, (uint64_t)UINT32_MAX));
        tagstruct_put_u32(&w, (uint32_t)C_MIN(core->blocks_allocated_total, (uint64_t)UINT32_MAX));
        tagstruct_put_u32(&w, (uint32_t)C_MIN(core->bytes_allocated_total, (uint64_t)UINT32_MAX));
        tagstruct_put_u32(&w, (uint32_t)C_MIN(core->sample_cache_bytes, (uint64_t)UINT32_MAX));
        return conn_send_packet(c, &w);
}

int cmd_exit(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        Core *core = c->proto->core;

        PARSE_END(ts);
        if (core->disallow_exit || (access_isolated(c->proto) && !access_is_admin(c)))
                return PROTO_ERR_ACCESS;
        log_notice("Client %u asked the daemon to exit.", c->client ? c->client->index : IDX_INVALID);
        conn_reply_simple(c, tag);
        (void)pstream_flush(&c->ps);
        core_request_exit(core, 0);
        return 0;
}

int cmd_subscribe(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        uint32_t mask;

        tagstruct_get_u32(ts, &mask);
        PARSE_END(ts);
        if (mask & ~(uint32_t)SUBSCRIPTION_MASK_ALL)
                return PROTO_ERR_INVALID;
        c->subscription_mask = mask;
        conn_reply_simple(c, tag);
        return 0;
}

int cmd_lookup(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        DeviceKind kind = command == PROTO_CMD_LOOKUP_SINK ? DEVICE_SINK : DEVICE_SOURCE;
        const char *name;
        Device *d;

        tagstruct_get_string_or_null(ts, &name);
        PARSE_END(ts);
        if (!name || (!core_name_valid(name) && name[0] != '@'))
                return PROTO_ERR_INVALID;
        d = core_lookup_device(c->proto->core, kind, name, true);
        if (!d)
                return PROTO_ERR_NOENTITY;
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        tagstruct_put_u32(&w, d->index);
        return conn_send_packet(c, &w);
}

int cmd_load_module(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        const char *name, *args;
        Module *m;
        int r;

        tagstruct_get_string_or_null(ts, &name);
        tagstruct_get_string_or_null(ts, &args);
        PARSE_END(ts);
        if (!name || !*name || strchr(name, '/') || !utf8_valid(name) ||
            (args && !utf8_valid(args)))
                return PROTO_ERR_INVALID;
        /* Under --disallow-module-loading everybody gets pulseaudio's answer below. */
        if (!c->proto->core->disallow_module_loading && access_isolated(c->proto) &&
            !access_is_admin(c))
                return PROTO_ERR_ACCESS;
        r = module_load(c->proto->core, name, args, MODULE_ORIGIN_CLIENT, &m);
        if (r < 0 && r != -ENOMEM)
                return PROTO_ERR_MODINITFAILED;
        if (r < 0)
                return r;
        if (r) {
                if (r == ENGINE_E_ACCESS)
                        log_info("Client %u: module loading is disallowed",
                                 c->client ? c->client->index : IDX_INVALID);
                return PROTO_ERR_MODINITFAILED;
        }
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        tagstruct_put_u32(&w, m->index);
        return conn_send_packet(c, &w);
}

int cmd_unload_module(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        uint32_t index;
        Module *m;
        int r;

        tagstruct_get_u32(ts, &index);
        PARSE_END(ts);
        if (index == IDX_INVALID)
                return PROTO_ERR_INVALID;
        m = idxmap_get(&c->proto->core->modules, index);
        if (!m)
                return PROTO_ERR_NOENTITY;
        if (!c->proto->core->disallow_module_loading && access_isolated(c->proto) &&
            !access_is_admin(c))
                return PROTO_ERR_ACCESS;
        r = module_unload_request(m, MODULE_ORIGIN_CLIENT);
        if (r < 0)
                return r;
        /* Under --disallow-module-loading the request is acknowledged and ignored. */
        conn_reply_simple(c, tag);
        return 0;
}

int cmd_kill_client(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        uint32_t index;
        Client *cl;

        tagstruct_get_u32(ts, &index);
        PARSE_END(ts);
        if (index == IDX_INVALID)
                return PROTO_ERR_INVALID;
        cl = idxmap_get(&c->proto->core->clients, index);
        if (!cl)
                return PROTO_ERR_NOENTITY;
        if (!access_may_control_client(c, cl))
                return PROTO_ERR_ACCESS;
        conn_reply_simple(c, tag);
        client_kill(cl);
        return 0;
}

int cmd_send_object_message(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        const char *path, *message, *params;
        _c_cleanup_free_ char *response = NULL;
        int r;

        tagstruct_get_string_or_null(ts, &path);
        tagstruct_get_string_or_null(ts, &message);
        tagstruct_get_string_or_null(ts, &params);
        PARSE_END(ts);
        if (!path || !message)
                return PROTO_ERR_INVALID;
        r = core_send_message(c->proto->core, path, message, params, &response);
        if (r < 0)
                return r;
        if (r)
                return (int)engine_to_proto_error(r);
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        tagstruct_put_string(&w, response);
        return conn_send_packet(c, &w);
}

int cmd_extension(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        uint32_t index;
        const char *name;

        tagstruct_get_u32(ts, &index);
        tagstruct_get_string_or_null(ts, &name);
        if (tagstruct_error(ts))
                return DISPATCH_DROP;
        /* The extension's own fields follow; with no extensions we never parse them. */
        if ((index == IDX_INVALID) == (name == NULL))
                return PROTO_ERR_INVALID;
        if (name && !utf8_valid(name))
                return PROTO_ERR_INVALID;
        /* No module here implements a protocol extension. */
        return PROTO_ERR_NOEXTENSION;
}

int cmd_set_default(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        DeviceKind kind = command == PROTO_CMD_SET_DEFAULT_SINK ? DEVICE_SINK : DEVICE_SOURCE;
        const char *name;
        int r;

        tagstruct_get_string_or_null(ts, &name);
        PARSE_END(ts);
        if (name && !core_name_valid(name))
                return PROTO_ERR_INVALID;
        r = core_set_default_device(c->proto->core, kind, name);
        if (r < 0)
                return r;
        if (r)
                return (int)engine_to_proto_error(r);
        conn_reply_simple(c, tag);
        return 0;
}
