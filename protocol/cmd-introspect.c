/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-introspect.c: GET_*_INFO[_LIST] and the device control commands.
 *
 * Sinks and sources share one entry writer: the layouts differ only in
 * the flag values, the meaning of the "monitor" fields and the version at
 * which the format list appears (21 for sinks, 22 for sources).
 */
#include <stdlib.h>
#include <string.h>
#include "protocol/protocol.h"
#include "protocol/access.h"
#include "engine/card.h"
#include "engine/base/log.h"

#define PARSE_END(ts) do { if (tagstruct_end(ts)) return DISPATCH_DROP; } while (0)

static DeviceKind kind_of(uint32_t command) {
        switch (command) {
        case PROTO_CMD_GET_SINK_INFO:
        case PROTO_CMD_GET_SINK_INFO_LIST:
        case PROTO_CMD_SET_SINK_VOLUME:
        case PROTO_CMD_SET_SINK_MUTE:
        case PROTO_CMD_SUSPEND_SINK:
        case PROTO_CMD_SET_SINK_PORT:
                return DEVICE_SINK;
        default:
                return DEVICE_SOURCE;
        }
}

static void put_port(TagstructWriter *w, Conn *c, const DevicePort *p) {
        tagstruct_put_string(w, p->name);
        tagstruct_put_string(w, p->description);
        tagstruct_put_u32(w, p->priority);
        if (c->version >= 24)
                tagstruct_put_u32(w, p->available);
        if (c->version >= 34) {
                tagstruct_put_string(w, p->availability_group);
                tagstruct_put_u32(w, p->type);
        }
}

void put_device_info(TagstructWriter *w, Conn *c, Device *d) {
        Device *other = d->kind == DEVICE_SINK ? d->monitor : d->monitor_of;
        uint32_t fmt_version = d->kind == DEVICE_SINK ? 21 : 22;
        const char *desc = proplist_gets(d->props, "device.description");

        tagstruct_put_u32(w, d->index);
        tagstruct_put_string(w, d->name);
        tagstruct_put_string(w, desc ? desc : "(null)");
        tagstruct_put_sample_spec(w, &d->spec);
        tagstruct_put_channel_map(w, &d->map);
        tagstruct_put_u32(w, d->module ? d->module->index : IDX_INVALID);
        tagstruct_put_cvolume(w, &d->volume);
        tagstruct_put_bool(w, d->mute);
        tagstruct_put_u32(w, other ? other->index : IDX_INVALID);
        tagstruct_put_string(w, other ? other->name : NULL);
        tagstruct_put_usec(w, device_latency(d));
        tagstruct_put_string(w, d->driver);
        tagstruct_put_u32(w, d->flags);
        if (c->version >= 13) {
                tagstruct_put_proplist(w, d->props);
                /* A suspended device has no configured latency (as PulseAudio reports). */
                tagstruct_put_usec(w, d->suspend_cause ? 0 : d->configured_latency);
        }
        if (c->version >= 15) {
                tagstruct_put_volume(w, d->base_volume);
                tagstruct_put_u32(w, d->state);
                tagstruct_put_u32(w, d->n_volume_steps);
                tagstruct_put_u32(w, d->card ? d->card->index : IDX_INVALID);
        }
        if (c->version >= 16) {
                tagstruct_put_u32(w, (uint32_t)d->n_ports);
                for (size_t i = 0; i < d->n_ports; i++)
                        put_port(w, c, d->ports[i]);
                tagstruct_put_string(w, d->active_port ? d->active_port->name : NULL);
        }
        if (c->version >= fmt_version) {
                tagstruct_put_u8(w, (uint8_t)d->n_formats);
                for (size_t i = 0; i < d->n_formats; i++)
                        tagstruct_put_format_info(w, d->formats[i]);
        }
}

int cmd_get_device_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        const char *name;
        uint32_t index;
        Device *d;
        int r;

        tagstruct_get_u32(ts, &index);
        tagstruct_get_string_or_null(ts, &name);
        PARSE_END(ts);
        r = core_resolve_device(c->proto->core, kind_of(command), index, name, true, &d);
        if (r)
                return (int)engine_to_proto_error(r);
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        put_device_info(&w, c, d);
        return conn_send_packet(c, &w);
}

int cmd_get_device_info_list(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Device *d;

        PARSE_END(ts);
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        idxmap_for_each(d, core_device_map(c->proto->core, kind_of(command)), st)
                put_device_info(&w, c, d);
        return conn_send_packet(c, &w);
}

int cmd_set_device_volume(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        const char *name;
        uint32_t index;
        CVolume v;
        Device *d;
        int r;

        tagstruct_get_u32(ts, &index);
        tagstruct_get_string_or_null(ts, &name);
        tagstruct_get_cvolume(ts, &v);
        PARSE_END(ts);
        if (!cvolume_valid(&v))
                return PROTO_ERR_INVALID;
        r = core_resolve_device(c->proto->core, kind_of(command), index, name, false, &d);
        if (r)
                return (int)engine_to_proto_error(r);
        r = device_set_volume(d, &v);
        if (r < 0)
                return r;
        if (r)
                return (int)engine_to_proto_error(r);
        conn_reply_simple(c, tag);
        return 0;
}

int cmd_set_device_mute(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        const char *name;
        uint32_t index;
        bool mute;
        Device *d;
        int r;

        tagstruct_get_u32(ts, &index);
        tagstruct_get_string_or_null(ts, &name);
        tagstruct_get_bool(ts, &mute);
        PARSE_END(ts);
        r = core_resolve_device(c->proto->core, kind_of(command), index, name, false, &d);
        if (r)
                return (int)engine_to_proto_error(r);
        r = device_set_mute(d, mute);
        if (r < 0)
                return r;
        if (r)
                return (int)engine_to_proto_error(r);
        conn_reply_simple(c, tag);
        return 0;
}

int cmd_suspend_device(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        DeviceKind kind = kind_of(command);
        Core *core = c->proto->core;
        const char *name;
        uint32_t index;
        bool suspend;
        Device *d;
        int r;

        tagstruct_get_u32(ts, &index);
        tagstruct_get_string_or_null(ts, &name);
        tagstruct_get_bool(ts, &suspend);
        PARSE_END(ts);
        if (index == IDX_INVALID && name && !*name) {
                /* All devices of that kind; monitors follow their sinks. */
                idxmap_for_each(d, core_device_map(core, kind), st)
                        if (!d->monitor_of)
                                (void)device_suspend(d, suspend, SUSPEND_USER);
                conn_reply_simple(c, tag);
                return 0;
        }
        r = core_resolve_device(core, kind, index, name, false, &d);
        if (r)
                return (int)engine_to_proto_error(r);
        r = device_suspend(d, suspend, SUSPEND_USER);
        if (r < 0)
                return r;
        if (r)
                return PROTO_ERR_INVALID;
        conn_reply_simple(c, tag);
        return 0;
}

int cmd_set_device_port(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        const char *name, *port;
        uint32_t index;
        Device *d;
        int r;

        tagstruct_get_u32(ts, &index);
        tagstruct_get_string_or_null(ts, &name);
        tagstruct_get_string_or_null(ts, &port);
        PARSE_END(ts);
        if (!port)
                return PROTO_ERR_INVALID;
        r = core_resolve_device(c->proto->core, kind_of(command), index, name, false, &d);
        if (r)
                return (int)engine_to_proto_error(r);
        r = device_set_port(d, port);
        if (r < 0)
                return r;
        if (r)
                return (int)engine_to_proto_error(r);
        conn_reply_simple(c, tag);
        return 0;
}

int cmd_set_port_latency_offset(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        const char *name, *port;
        uint32_t index;
        int64_t offset;
        Card *card;
        int r;

        tagstruct_get_u32(ts, &index);
        tagstruct_get_string_or_null(ts, &name);
        tagstruct_get_string_or_null(ts, &port);
        tagstruct_get_s64(ts, &offset);
        PARSE_END(ts);
        if ((index == IDX_INVALID) == (name == NULL) || !port)
                return PROTO_ERR_INVALID;
        r = core_resolve_card(c->proto->core, index, name, &card);
        if (r)
                return (int)engine_to_proto_error(r);
        r = card_set_port_latency_offset(card, port, offset);
        if (r < 0)
                return r;
        if (r)
                return (int)engine_to_proto_error(r);
        conn_reply_simple(c, tag);
        return 0;
}

static void put_module_info(TagstructWriter *w, Conn *c, Module *m) {
        tagstruct_put_u32(w, m->index);
        tagstruct_put_string(w, m->name);
        tagstruct_put_string(w, m->argument);
        tagstruct_put_u32(w, (uint32_t)module_get_n_used(m));
        if (c->version < 15)
                tagstruct_put_bool(w, false);
        else
                tagstruct_put_proplist(w, m->props);
}

int cmd_get_module_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Core *core = c->proto->core;
        Module *m;

        if (command == PROTO_CMD_GET_MODULE_INFO) {
                uint32_t index;

                tagstruct_get_u32(ts, &index);
                PARSE_END(ts);
                if (index == IDX_INVALID)
                        return PROTO_ERR_INVALID;
                m = idxmap_get(&core->modules, index);
                if (!m)
                        return PROTO_ERR_NOENTITY;
                packet_begin(&w, PROTO_CMD_REPLY, tag);
                put_module_info(&w, c, m);
                return conn_send_packet(c, &w);
        }
        PARSE_END(ts);
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        idxmap_for_each(m, &core->modules, st)
                if (m->initialised)
                        put_module_info(&w, c, m);
        return conn_send_packet(c, &w);
}

static void put_client_info(TagstructWriter *w, Conn *c, Client *cl) {
        _c_cleanup_(proplist_freep) Proplist *tmp = NULL;
        const Proplist *props = access_visible_props(c, cl, cl->props, &tmp);
        const char *name = client_name(cl);

        tagstruct_put_u32(w, cl->index);
        tagstruct_put_string(w, name ? name : "(null)");
        tagstruct_put_u32(w, cl->module ? cl->module->index : IDX_INVALID);
        tagstruct_put_string(w, cl->driver);
        if (c->version >= 13)
                tagstruct_put_proplist(w, props);
}

int cmd_get_client_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Core *core = c->proto->core;
        Client *cl;

        if (command == PROTO_CMD_GET_CLIENT_INFO) {
                uint32_t index;

                tagstruct_get_u32(ts, &index);
                PARSE_END(ts);
                if (index == IDX_INVALID)
                        return PROTO_ERR_INVALID;
                cl = idxmap_get(&core->clients, index);
                if (!cl)
                        return PROTO_ERR_NOENTITY;
                packet_begin(&w, PROTO_CMD_REPLY, tag);
                put_client_info(&w, c, cl);
                return conn_send_packet(c, &w);
        }
        PARSE_END(ts);
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        idxmap_for_each(cl, &core->clients, st)
                put_client_info(&w, c, cl);
        return conn_send_packet(c, &w);
}

/* Card entry (commands.md §5.8): profiles, active profile, properties, then
 * (v26) the ports with the names of the profiles each belongs to, (v27) the
 * latency offset, (v34) availability group and type. */
static void put_card_info(TagstructWriter *w, Conn *c, Card *card) {
        tagstruct_put_u32(w, card->index);
        tagstruct_put_string(w, card->name);
        tagstruct_put_u32(w, card->module ? card->module->index : IDX_INVALID);
        tagstruct_put_string(w, card->driver);
        tagstruct_put_u32(w, (uint32_t)card->n_profiles);
        for (size_t i = 0; i < card->n_profiles; i++) {
                const CardProfile *p = card->profiles[i];

                tagstruct_put_string(w, p->name);
                tagstruct_put_string(w, p->description);
                tagstruct_put_u32(w, p->n_sinks);
                tagstruct_put_u32(w, p->n_sources);
                tagstruct_put_u32(w, p->priority);
                if (c->version >= 29)
                        tagstruct_put_u32(w, p->available ? 1 : 0);
        }
        tagstruct_put_string(w, card->active_profile ? card->active_profile->name : NULL);
        tagstruct_put_proplist(w, card->props);
        if (c->version < 26)
                return;
        tagstruct_put_u32(w, (uint32_t)card->n_ports);
        for (size_t i = 0; i < card->n_ports; i++) {
                const DevicePort *p = card->ports[i];

                tagstruct_put_string(w, p->name);
                tagstruct_put_string(w, p->description);
                tagstruct_put_u32(w, p->priority);
                tagstruct_put_u32(w, p->available <= 2 ? p->available : 0);
                tagstruct_put_u8(w, p->direction);
                tagstruct_put_proplist(w, p->props);
                tagstruct_put_u32(w, (uint32_t)p->n_profiles);
                for (size_t k = 0; k < p->n_profiles; k++)
                        tagstruct_put_string(w, p->profiles[k]->name);
                if (c->version >= 27)
                        tagstruct_put_s64(w, p->latency_offset);
                if (c->version >= 34) {
                        tagstruct_put_string(w, p->availability_group);
                        tagstruct_put_u32(w, p->type);
                }
        }
}

int cmd_get_card_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Core *core = c->proto->core;
        Card *card;

        if (command == PROTO_CMD_GET_CARD_INFO) {
                uint32_t index;
                const char *name;
                int r;

                tagstruct_get_u32(ts, &index);
                tagstruct_get_string_or_null(ts, &name);
                PARSE_END(ts);
                r = core_resolve_card(core, index, name, &card);
                if (r)
                        return (int)engine_to_proto_error(r);
                packet_begin(&w, PROTO_CMD_REPLY, tag);
                put_card_info(&w, c, card);
                return conn_send_packet(c, &w);
        }
        PARSE_END(ts);
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        idxmap_for_each(card, &core->cards, st)
                put_card_info(&w, c, card);
        return conn_send_packet(c, &w);
}

int cmd_set_card_profile(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        uint32_t index;
        const char *name, *profile;
        Card *card;
        int r;

        tagstruct_get_u32(ts, &index);
        tagstruct_get_string_or_null(ts, &name);
        tagstruct_get_string_or_null(ts, &profile);
        PARSE_END(ts);
        if ((index == IDX_INVALID) == (name == NULL) || !profile)
                return PROTO_ERR_INVALID;
        r = core_resolve_card(c->proto->core, index, name, &card);
        if (r)
                return (int)engine_to_proto_error(r);
        r = card_set_profile(card, profile);
        if (r < 0)
                return r;
        if (r)
                return (int)engine_to_proto_error(r);
        conn_reply_simple(c, tag);
        return 0;
}

static void put_sink_input_info(TagstructWriter *w, Conn *c, SinkInput *si) {
        _c_cleanup_(proplist_freep) Proplist *tmp = NULL;
        const Proplist *props = access_visible_props(c, si->client, si->props, &tmp);
        const char *name = props ? proplist_gets(props, "media.name") : NULL;
        CVolume v = si->volume;

        if (!si->has_volume)
                cvolume_set(&v, si->spec.channels, VOLUME_NORM);
        tagstruct_put_u32(w, si->index);
        tagstruct_put_string(w, name ? name : "(null)");
        tagstruct_put_u32(w, si->module ? si->module->index : IDX_INVALID);
        tagstruct_put_u32(w, si->client ? si->client->index : IDX_INVALID);
        tagstruct_put_u32(w, si->sink->index);
        tagstruct_put_sample_spec(w, &si->spec);
        tagstruct_put_channel_map(w, &si->map);
        tagstruct_put_cvolume(w, &v);
        tagstruct_put_usec(w, sink_input_buffer_usec(si));
        tagstruct_put_usec(w, device_io_of(si->sink) ? device_io_latency(device_io_of(si->sink)) : 0);
        tagstruct_put_string(w, si->resample_method[0] ? si->resample_method : NULL);
        tagstruct_put_string(w, si->driver);
        if (c->version >= 11)
                tagstruct_put_bool(w, si->mute);
        if (c->version >= 13)
                tagstruct_put_proplist(w, props);
        if (c->version >= 19)
                tagstruct_put_bool(w, si->corked);
        if (c->version >= 20) {
                tagstruct_put_bool(w, si->has_volume);
                tagstruct_put_bool(w, si->volume_writable);
        }
        if (c->version >= 21)
                tagstruct_put_format_info(w, si->format);
}

static void put_source_output_info(TagstructWriter *w, Conn *c, SourceOutput *so) {
        _c_cleanup_(proplist_freep) Proplist *tmp = NULL;
        const Proplist *props = access_visible_props(c, so->client, so->props, &tmp);
        const char *name = props ? proplist_gets(props, "media.name") : NULL;
        DeviceIo *io = device_io_of(so->source);
        int64_t wi = atomic_load(&so->ring.write_index), ri = atomic_load(&so->ring.read_index);

        tagstruct_put_u32(w, so->index);
        tagstruct_put_string(w, name ? name : "(null)");
        tagstruct_put_u32(w, so->module ? so->module->index : IDX_INVALID);
        tagstruct_put_u32(w, so->client ? so->client->index : IDX_INVALID);
        tagstruct_put_u32(w, so->source->index);
        tagstruct_put_sample_spec(w, &so->spec);
        tagstruct_put_channel_map(w, &so->map);
        tagstruct_put_usec(w, wi > ri ? sample_spec_bytes_to_usec((uint64_t)(wi - ri), &so->spec) : 0);
        tagstruct_put_usec(w, io ? device_io_latency(io) : 0);
        tagstruct_put_string(w, so->resample_method[0] ? so->resample_method : NULL);
        tagstruct_put_string(w, so->driver);
        if (c->version >= 13)
                tagstruct_put_proplist(w, props);
        if (c->version >= 19)
                tagstruct_put_bool(w, so->corked);
        if (c->version >= 22) {
                tagstruct_put_cvolume(w, &so->volume);
                tagstruct_put_bool(w, so->mute);
                tagstruct_put_bool(w, true);
                tagstruct_put_bool(w, true);
                tagstruct_put_format_info(w, so->format);
        }
}

int cmd_get_sink_input_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Core *core = c->proto->core;
        SinkInput *si;

        if (command == PROTO_CMD_GET_SINK_INPUT_INFO) {
                uint32_t index;

                tagstruct_get_u32(ts, &index);
                PARSE_END(ts);
                if (index == IDX_INVALID)
                        return PROTO_ERR_INVALID;
                si = idxmap_get(&core->sink_inputs, index);
                if (!si)
                        return PROTO_ERR_NOENTITY;
                packet_begin(&w, PROTO_CMD_REPLY, tag);
                put_sink_input_info(&w, c, si);
                return conn_send_packet(c, &w);
        }
        PARSE_END(ts);
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        idxmap_for_each(si, &core->sink_inputs, st)
                put_sink_input_info(&w, c, si);
        return conn_send_packet(c, &w);
}

int cmd_get_source_output_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Core *core = c->proto->core;
        SourceOutput *so;

        if (command == PROTO_CMD_GET_SOURCE_OUTPUT_INFO) {
                uint32_t index;

                tagstruct_get_u32(ts, &index);
                PARSE_END(ts);
                if (index == IDX_INVALID)
                        return PROTO_ERR_INVALID;
                so = idxmap_get(&core->source_outputs, index);
                if (!so)
                        return PROTO_ERR_NOENTITY;
                packet_begin(&w, PROTO_CMD_REPLY, tag);
                put_source_output_info(&w, c, so);
                return conn_send_packet(c, &w);
        }
        PARSE_END(ts);
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        idxmap_for_each(so, &core->source_outputs, st)
                put_source_output_info(&w, c, so);
        return conn_send_packet(c, &w);
}

static void put_sample_info(TagstructWriter *w, Conn *c, Sample *s) {
        _c_cleanup_(proplist_freep) Proplist *tmp = NULL;
        const Proplist *props = access_visible_sample_props(c, s, &tmp);

        tagstruct_put_u32(w, s->index);
        tagstruct_put_string(w, s->name);
        tagstruct_put_cvolume(w, &s->volume);
        tagstruct_put_usec(w, sample_spec_bytes_to_usec(s->length, &s->spec));
        tagstruct_put_sample_spec(w, &s->spec);
        tagstruct_put_channel_map(w, &s->map);
        tagstruct_put_u32(w, (uint32_t)s->length);
        tagstruct_put_bool(w, s->lazy);
        tagstruct_put_string(w, s->filename);
        if (c->version >= 13)
                tagstruct_put_proplist(w, props);
}

int cmd_get_sample_info(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Core *core = c->proto->core;
        Sample *s;

        if (command == PROTO_CMD_GET_SAMPLE_INFO) {
                uint32_t index;
                const char *name;

                tagstruct_get_u32(ts, &index);
                tagstruct_get_string_or_null(ts, &name);
                PARSE_END(ts);
                if ((index == IDX_INVALID) == (name == NULL))
                        return PROTO_ERR_INVALID;
                s = name ? access_sample_lookup(c, name) : idxmap_get(&core->samples, index);
                if (!s)
                        return PROTO_ERR_NOENTITY;
                packet_begin(&w, PROTO_CMD_REPLY, tag);
                put_sample_info(&w, c, s);
                return conn_send_packet(c, &w);
        }
        PARSE_END(ts);
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        idxmap_for_each(s, &core->samples, st)
                put_sample_info(&w, c, s);
        return conn_send_packet(c, &w);
}

/* SET_SINK_INPUT_VOLUME/MUTE, KILL_*, MOVE_*, SET_SOURCE_OUTPUT_VOLUME/MUTE:
 * parse the request, then look the stream up by its global index. */
int cmd_stream_index_op(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        Core *core = c->proto->core;
        bool is_sink_input = command == PROTO_CMD_SET_SINK_INPUT_VOLUME ||
                             command == PROTO_CMD_SET_SINK_INPUT_MUTE ||
                             command == PROTO_CMD_KILL_SINK_INPUT ||
                             command == PROTO_CMD_MOVE_SINK_INPUT;
        uint32_t index, dev_index;
        const char *dev_name;
        CVolume v;
        bool b;

        tagstruct_get_u32(ts, &index);
        switch (command) {
        case PROTO_CMD_SET_SINK_INPUT_VOLUME:
        case PROTO_CMD_SET_SOURCE_OUTPUT_VOLUME:
                tagstruct_get_cvolume(ts, &v);
                PARSE_END(ts);
                if (!cvolume_valid(&v))
                        return PROTO_ERR_INVALID;
                break;
        case PROTO_CMD_SET_SINK_INPUT_MUTE:
        case PROTO_CMD_SET_SOURCE_OUTPUT_MUTE:
                tagstruct_get_bool(ts, &b);
                PARSE_END(ts);
                break;
        case PROTO_CMD_MOVE_SINK_INPUT:
        case PROTO_CMD_MOVE_SOURCE_OUTPUT:
                tagstruct_get_u32(ts, &dev_index);
                tagstruct_get_string_or_null(ts, &dev_name);
                PARSE_END(ts);
                if ((dev_index == IDX_INVALID) == (dev_name == NULL))
                        return PROTO_ERR_INVALID;
                break;
        default:
                PARSE_END(ts);
                break;
        }
        if (index == IDX_INVALID)
                return PROTO_ERR_INVALID;
        if (is_sink_input) {
                SinkInput *si = idxmap_get(&core->sink_inputs, index);
                int r = 0;

                if (!si)
                        return PROTO_ERR_NOENTITY;
                if (!access_may_control_client(c, si->client))
                        return PROTO_ERR_ACCESS;
                switch (command) {
                case PROTO_CMD_SET_SINK_INPUT_VOLUME:
                        r = sink_input_set_volume(si, &v);
                        break;
                case PROTO_CMD_SET_SINK_INPUT_MUTE:
                        r = sink_input_set_mute(si, b);
                        break;
                case PROTO_CMD_KILL_SINK_INPUT:
                        conn_reply_simple(c, tag);
                        sink_input_kill(si);
                        return 0;
                case PROTO_CMD_MOVE_SINK_INPUT: {
                        Device *d;

                        r = core_resolve_device(core, DEVICE_SINK, dev_index, dev_name, false, &d);
                        if (r)
                                return (int)engine_to_proto_error(r);
                        r = sink_input_move(si, d);
                        if (r > 0)
                                r = ENGINE_E_INVALID;
                        break;
                }
                default:
                        break;
                }
                if (r)
                        return r < 0 ? r : (int)engine_to_proto_error(r);
        } else {
                SourceOutput *so = idxmap_get(&core->source_outputs, index);
                int r = 0;

                if (!so)
                        return PROTO_ERR_NOENTITY;
                if (!access_may_control_client(c, so->client))
                        return PROTO_ERR_ACCESS;
                switch (command) {
                case PROTO_CMD_SET_SOURCE_OUTPUT_VOLUME:
                        r = source_output_set_volume(so, &v);
                        break;
                case PROTO_CMD_SET_SOURCE_OUTPUT_MUTE:
                        r = source_output_set_mute(so, b);
                        break;
                case PROTO_CMD_KILL_SOURCE_OUTPUT:
                        conn_reply_simple(c, tag);
                        source_output_kill(so);
                        return 0;
                case PROTO_CMD_MOVE_SOURCE_OUTPUT: {
                        Device *d;

                        r = core_resolve_device(core, DEVICE_SOURCE, dev_index, dev_name, false, &d);
                        if (r)
                                return (int)engine_to_proto_error(r);
                        /* no way around the monitor rule of CREATE_RECORD_STREAM */
                        if (!so->direct_on_input && access_check_record(c, d, NULL))
                                return PROTO_ERR_ACCESS;
                        r = source_output_move(so, d);
                        if (r > 0)
                                r = ENGINE_E_INVALID;
                        break;
                }
                default:
                        break;
                }
                if (r)
                        return r < 0 ? r : (int)engine_to_proto_error(r);
        }
        conn_reply_simple(c, tag);
        return 0;
}
