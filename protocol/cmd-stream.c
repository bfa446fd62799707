/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cmd-stream.c: playback, record and upload streams of a connection.
 *
 * A connection numbers its playback+upload streams from one counter and its
 * record streams from another (never reused). The engine tells us about
 * consumption, start, underflow and drain through SinkInputOwnerOps; we
 * turn those into REQUEST / STARTED / UNDERFLOW messages and drain replies.
 * Record data is sent in chunks of at most fragsize bytes, only while the
 * connection's output queue is short, so a slow reader cannot make the
 * daemon buffer without bound (the engine's ring drops what does not fit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include "protocol/protocol.h"
#include "protocol/access.h"
#include "engine/base/log.h"

#define PARSE_END(ts) do { if (tagstruct_end(ts)) return DISPATCH_DROP; } while (0)
#define CONN_STREAMS_MAX 256U
#define CONN_UPLOAD_BYTES_MAX (64U * 1024U * 1024U)
#define RECORD_OUT_QUEUE_MAX (256U * 1024U)

static PlaybackStream *find_playback(Conn *c, uint32_t channel) {
        PlaybackStream *p;

        c_list_for_each_entry(p, &c->playback, link)
                if (p->channel == channel)
                        return p;
        return NULL;
}

static RecordStream *find_record(Conn *c, uint32_t channel) {
        RecordStream *r;

        c_list_for_each_entry(r, &c->record, link)
                if (r->channel == channel)
                        return r;
        return NULL;
}

static UploadStream *find_upload(Conn *c, uint32_t channel) {
        UploadStream *u;

        c_list_for_each_entry(u, &c->uploads, link)
                if (u->channel == channel)
                        return u;
        return NULL;
}

static void send_simple_channel(Conn *c, uint32_t command, uint32_t channel) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);

        packet_begin(&w, command, PROTO_TAG_ASYNC);
        tagstruct_put_u32(&w, channel);
        (void)conn_send_packet(c, &w);
}

static void playback_maybe_request(PlaybackStream *p) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        uint32_t n;

        if (p->conn->dead)
                return;
        n = sink_input_take_request(p->si);
        if (!n)
                return;
        packet_begin(&w, PROTO_CMD_REQUEST, PROTO_TAG_ASYNC);
        tagstruct_put_u32(&w, p->channel);
        tagstruct_put_u32(&w, n);
        if (conn_send_packet(p->conn, &w) == 0)
                conn_srb_batch(p->conn, sample_spec_bytes_to_usec(p->si->attr.minreq, &p->si->spec));
}

/* ---- engine → connection ---- */

static void pb_started(SinkInput *si) {
        PlaybackStream *p = si->owner;

        if (p->conn->version >= 13)
                send_simple_channel(p->conn, PROTO_CMD_STARTED, p->channel);
}

static void pb_underflow(SinkInput *si, int64_t read_index) {
        PlaybackStream *p = si->owner;
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);

        packet_begin(&w, PROTO_CMD_UNDERFLOW, PROTO_TAG_ASYNC);
        tagstruct_put_u32(&w, p->channel);
        if (p->conn->version >= 23)
                tagstruct_put_s64(&w, read_index);
        (void)conn_send_packet(p->conn, &w);
        playback_maybe_request(p);
}

static void pb_consumed(SinkInput *si) {
        playback_maybe_request(si->owner);
}

static void pb_drained(SinkInput *si) {
        PlaybackStream *p = si->owner;

        if (p->drain_pending) {
                p->drain_pending = false;
                conn_reply_simple(p->conn, p->drain_tag);
        }
}

static void playback_free(PlaybackStream *p) {
        if (p->drain_pending && !p->conn->dead)
                conn_reply_error(p->conn, p->drain_tag, PROTO_ERR_NOENTITY);
        c_list_unlink(&p->link);
        p->conn->n_streams--;
        sink_input_free(p->si);
        free(p);
}

static void pb_killed(SinkInput *si) {
        PlaybackStream *p = si->owner;

        send_simple_channel(p->conn, PROTO_CMD_PLAYBACK_STREAM_KILLED, p->channel);
        playback_free(p);
}

static void pb_moved(SinkInput *si) {
        PlaybackStream *p = si->owner;
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);

        if (p->conn->version < 12)
                return;
        packet_begin(&w, PROTO_CMD_PLAYBACK_STREAM_MOVED, PROTO_TAG_ASYNC);
        tagstruct_put_u32(&w, p->channel);
        tagstruct_put_u32(&w, si->sink->index);
        tagstruct_put_string(&w, si->sink->name);
        tagstruct_put_bool(&w, si->sink->suspend_cause != 0);
        if (p->conn->version >= 13) {
                tagstruct_put_u32(&w, si->attr.maxlength);
                tagstruct_put_u32(&w, si->attr.tlength);
                tagstruct_put_u32(&w, si->attr.prebuf);
                tagstruct_put_u32(&w, si->attr.minreq);
                tagstruct_put_usec(&w, si->configured_latency);
        }
        (void)conn_send_packet(p->conn, &w);
}

static void pb_suspended(SinkInput *si, bool suspended) {
        PlaybackStream *p = si->owner;
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);

        if (p->conn->version < 12)
                return;
        packet_begin(&w, PROTO_CMD_PLAYBACK_STREAM_SUSPENDED, PROTO_TAG_ASYNC);
        tagstruct_put_u32(&w, p->channel);
        tagstruct_put_bool(&w, suspended);
        (void)conn_send_packet(p->conn, &w);
}

static const SinkInputOwnerOps playback_ops = {
        .started = pb_started,
        .underflow = pb_underflow,
        .drained = pb_drained,
        .consumed = pb_consumed,
        .killed = pb_killed,
        .moved = pb_moved,
        .suspended = pb_suspended,
};

static void rec_data(SourceOutput *so) {
        RecordStream *r = so->owner;

        conn_pump_record(r->conn);
}

static void record_free(RecordStream *r) {
        c_list_unlink(&r->link);
        r->conn->n_streams--;
        source_output_free(r->so);
        free(r);
}

static void rec_killed(SourceOutput *so) {
        RecordStream *r = so->owner;

        send_simple_channel(r->conn, PROTO_CMD_RECORD_STREAM_KILLED, r->channel);
        record_free(r);
}

static void rec_moved(SourceOutput *so) {
        RecordStream *r = so->owner;
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);

        if (r->conn->version < 12)
                return;
        packet_begin(&w, PROTO_CMD_RECORD_STREAM_MOVED, PROTO_TAG_ASYNC);
        tagstruct_put_u32(&w, r->channel);
        tagstruct_put_u32(&w, so->source->index);
        tagstruct_put_string(&w, so->source->name);
        tagstruct_put_bool(&w, so->source->suspend_cause != 0);
        if (r->conn->version >= 13) {
                tagstruct_put_u32(&w, so->attr.maxlength);
                tagstruct_put_u32(&w, so->attr.fragsize);
                tagstruct_put_usec(&w, so->configured_latency);
        }
        (void)conn_send_packet(r->conn, &w);
}

static void rec_suspended(SourceOutput *so, bool suspended) {
        RecordStream *r = so->owner;
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);

        if (r->conn->version < 12)
                return;
        packet_begin(&w, PROTO_CMD_RECORD_STREAM_SUSPENDED, PROTO_TAG_ASYNC);
        tagstruct_put_u32(&w, r->channel);
        tagstruct_put_bool(&w, suspended);
        (void)conn_send_packet(r->conn, &w);
}

static const SourceOutputOwnerOps record_ops = {
        .data = rec_data,
        .killed = rec_killed,
        .moved = rec_moved,
        .suspended = rec_suspended,
};

void conn_pump_record(Conn *c) {
        bool progress = true;

        /* Round-robin, one chunk per stream per pass, while the socket keeps up. */
        while (progress && !c->dead && c->ps.out_bytes < RECORD_OUT_QUEUE_MAX) {
                RecordStream *r;

                progress = false;
                c_list_for_each_entry(r, &c->record, link) {
                        const uint8_t *data;
                        size_t n;

                        if (c->ps.out_bytes >= RECORD_OUT_QUEUE_MAX)
                                break;
                        n = source_output_peek(r->so, &data, r->so->attr.fragsize);
                        if (!n)
                                continue;
                        if (pstream_send_memblock(&c->ps, r->channel, 0, 0, data, n) != 0) {
                                conn_close(c);
                                return;
                        }
                        source_output_drop(r->so, n);
                        progress = true;
                }
        }
        conn_flush(c);
}

void conn_free_streams(Conn *c) {
        PlaybackStream *p;
        RecordStream *r;
        UploadStream *u;

        c_list_for_each_entry_safe(p, t, &c->playback, link) {
                p->drain_pending = false;
                playback_free(p);
        }
        c_list_for_each_entry_safe(r, t2, &c->record, link)
                record_free(r);
        c_list_for_each_entry_safe(u, t3, &c->uploads, link) {
                c_list_unlink(&u->link);
                c->n_streams--;
                c->upload_bytes -= u->length;
                proplist_free(u->props);
                free(u->name);
                free(u->data);
                free(u);
        }
}

void conn_handle_memblock(Conn *c, const Frame *f) {
        PlaybackStream *p = find_playback(c, f->channel);
        UploadStream *u;
        size_t fs;

        if (p) {
                fs = sample_spec_frame_size(&p->si->spec);
                /* Misaligned blocks are ignored, as PulseAudio does. */
                if (f->length % fs)
                        return;
                if (sink_input_write(p->si, f->offset, (uint8_t)(f->flags & PSTREAM_FLAG_SEEK_MASK),
                                     f->payload, f->length) > 0)
                        send_simple_channel(c, PROTO_CMD_OVERFLOW, p->channel);
                playback_maybe_request(p);
                return;
        }
        u = find_upload(c, f->channel);
        if (u) {
                size_t n = C_MIN((size_t)f->length, u->length - u->received);

                memcpy(u->data + u->received, f->payload, n);
                u->received += n;
        }
        /* Anything else (unknown or record channel) is ignored. */
}

/* ---- creation ---- */

/* With a format list: the first PCM format we can derive a spec from. */
static int pick_format(FormatInfo **formats, size_t n, Device *dev, SampleSpec *ss, ChannelMap *map) {
        for (size_t i = 0; i < n; i++) {
                SampleSpec s = dev ? dev->spec : (SampleSpec){ SAMPLE_S16LE, 2, 44100 };
                ChannelMap m;

                if (!format_info_is_pcm(formats[i]))
                        continue;
                if (format_info_to_sample_spec(formats[i], &s, &m) < 0) {
                        /* any PCM, or partially specified: fill from the device */
                        if (!proplist_is_empty(formats[i]->props) && dev == NULL)
                                continue;
                        s = dev ? dev->spec : s;
                        m = dev ? dev->map : m;
                        if (!dev)
                                channel_map_init_auto(&m, s.channels);
                }
                if (!sample_spec_valid(&s))
                        continue;
                if (m.channels != s.channels && !channel_map_init_auto(&m, s.channels))
                        continue;
                *ss = s;
                *map = m;
                return (int)i;
        }
        return -1;
}

static uint32_t next_channel(Conn *c) {
        return c->next_playback_channel++;
}

int cmd_create_playback_stream(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        _c_cleanup_(proplist_freep) Proplist *props = proplist_new();
        FormatInfo *formats[16] = { NULL };
        uint8_t n_formats = 0;
        SinkInputNew n = { 0 };
        const char *name = NULL, *sink_name;
        uint32_t sink_index, sync_id;
        bool b[7] = { 0 }, start_muted = false, adjust = false, volume_set = true, early = false,
             muted_set = false, dont_inhibit = false, fail_on_suspend = false, relative = false,
             passthrough = false, corked;
        PlaybackStream *p = NULL;
        Device *sink = NULL;
        SinkInput *si;
        int r = 0, chosen = -1;

        if (!props)
                return -ENOMEM;
        if (c->version < 13)
                tagstruct_get_string(ts, &name);
        tagstruct_get_sample_spec(ts, &n.spec);
        tagstruct_get_channel_map(ts, &n.map);
        tagstruct_get_u32(ts, &sink_index);
        tagstruct_get_string_or_null(ts, &sink_name);
        tagstruct_get_u32(ts, &n.attr.maxlength);
        tagstruct_get_bool(ts, &corked);
        tagstruct_get_u32(ts, &n.attr.tlength);
        tagstruct_get_u32(ts, &n.attr.prebuf);
        tagstruct_get_u32(ts, &n.attr.minreq);
        tagstruct_get_u32(ts, &sync_id);
        tagstruct_get_cvolume(ts, &n.volume);
        if (c->version >= 12)
                for (int i = 0; i < 7; i++)
                        tagstruct_get_bool(ts, &b[i]);
        if (c->version >= 13) {
                tagstruct_get_bool(ts, &start_muted);
                tagstruct_get_bool(ts, &adjust);
                tagstruct_get_proplist(ts, props);
        }
        if (c->version >= 14) {
                tagstruct_get_bool(ts, &volume_set);
                tagstruct_get_bool(ts, &early);
        }
        if (c->version >= 15) {
                tagstruct_get_bool(ts, &muted_set);
                tagstruct_get_bool(ts, &dont_inhibit);
                tagstruct_get_bool(ts, &fail_on_suspend);
        }
        if (c->version >= 17)
                tagstruct_get_bool(ts, &relative);
        if (c->version >= 18)
                tagstruct_get_bool(ts, &passthrough);
        if (c->version >= 21) {
                tagstruct_get_u8(ts, &n_formats);
                if (n_formats > C_ARRAY_SIZE(formats))
                        return DISPATCH_DROP;
                for (uint8_t i = 0; i < n_formats && !tagstruct_error(ts); i++)
                        tagstruct_get_format_info(ts, &formats[i]);
        }
        if (tagstruct_end(ts)) {
                r = DISPATCH_DROP;
                goto out;
        }
        if (sink_name && !core_name_valid(sink_name) && strcmp(sink_name, "@DEFAULT_SINK@") != 0) {
                r = PROTO_ERR_INVALID;
                goto out;
        }
        if (sink_index != IDX_INVALID && sink_name) {
                r = PROTO_ERR_INVALID;
                goto out;
        }
        if (!cvolume_valid(&n.volume)) {
                r = PROTO_ERR_INVALID;
                goto out;
        }
        if (c->version < 13 && name && proplist_sets(props, "media.name", name) < 0) {
                r = -ENOMEM;
                goto out;
        }
        if (sink_index != IDX_INVALID || sink_name) {
                r = core_resolve_device(c->proto->core, DEVICE_SINK, sink_index, sink_name, true, &sink);
                if (r) {
                        r = PROTO_ERR_NOENTITY;
                        goto out;
                }
        }
        if (n_formats == 0) {
                if (!sample_spec_valid(&n.spec) || n.map.channels != n.spec.channels ||
                    !channel_map_valid(&n.map) || n.volume.channels != n.spec.channels) {
                        r = PROTO_ERR_INVALID;
                        goto out;
                }
        } else {
                for (uint8_t i = 0; i < n_formats; i++)
                        if (!format_info_valid(formats[i])) {
                                r = PROTO_ERR_INVALID;
                                goto out;
                        }
                chosen = pick_format(formats, n_formats, sink ? sink : c->proto->core->default_sink,
                                     &n.spec, &n.map);
                if (chosen < 0) {
                        r = PROTO_ERR_NOTSUPPORTED;
                        goto out;
                }
                if (n.volume.channels != n.spec.channels)
                        volume_set = false;
        }
        if (c->n_streams >= CONN_STREAMS_MAX || access_check_stream_quota(c)) {
                r = PROTO_ERR_TOOLARGE;
                goto out;
        }
        p = calloc(1, sizeof(*p));
        if (!p) {
                r = -ENOMEM;
                goto out;
        }
        n.sink = sink;
        n.client = c->client;
        n.driver = "protocol-native.c";
        n.module = c->listener ? c->listener->module : NULL;
        n.volume_set = volume_set;
        n.mute = start_muted;
        n.muted_set = muted_set || (c->version < 15 && start_muted);
        n.corked = corked;
        n.props = props;
        n.flags = (b[0] ? STREAM_FLAG_NO_REMAP : 0) | (b[1] ? STREAM_FLAG_NO_REMIX : 0) |
                  (b[2] ? STREAM_FLAG_FIX_FORMAT : 0) | (b[3] ? STREAM_FLAG_FIX_RATE : 0) |
                  (b[4] ? STREAM_FLAG_FIX_CHANNELS : 0) | (b[5] ? STREAM_FLAG_DONT_MOVE : 0) |
                  (b[6] ? STREAM_FLAG_VARIABLE_RATE : 0) | (adjust ? STREAM_FLAG_ADJUST_LATENCY : 0) |
                  (early ? STREAM_FLAG_EARLY_REQUESTS : 0) |
                  (dont_inhibit ? STREAM_FLAG_DONT_INHIBIT_AUTO_SUSPEND : 0) |
                  (fail_on_suspend ? STREAM_FLAG_FAIL_ON_SUSPEND : 0) |
                  (passthrough ? STREAM_FLAG_PASSTHROUGH : 0);
        n.ops = &playback_ops;
        n.owner = p;
        r = sink_input_new(c->proto->core, &n, &si);
        if (r) {
                free(p);
                r = r < 0 ? r : (int)engine_to_proto_error(r);
                goto out;
        }
        if (chosen >= 0) {
                /* The negotiated format is the client's own choice, as it sent it. */
                FormatInfo *f = format_info_copy(formats[chosen]);

                if (f) {
                        format_info_free(si->format);
                        si->format = f;
                }
        }
        p->conn = c;
        p->si = si;
        p->sync_id = sync_id;
        if (n.sync_key) {
                /* the first member joins the group too */
                PlaybackStream *member;

                c_list_for_each_entry(member, &c->playback, link)
                        if (member->sync_id == sync_id)
                                member->si->sync_key = n.sync_key;
        }
        p->channel = next_channel(c);
        c_list_link_tail(&c->playback, &p->link);
        c->n_streams++;
        /* The reply hands out the whole initial credit: tlength. */
        si->missing = 0;
        si->last_read_index = 0;

        packet_begin(&w, PROTO_CMD_REPLY, tag);
        tagstruct_put_u32(&w, p->channel);
        tagstruct_put_u32(&w, si->index);
        tagstruct_put_u32(&w, si->attr.tlength);
        if (c->version >= 9) {
                tagstruct_put_u32(&w, si->attr.maxlength);
                tagstruct_put_u32(&w, si->attr.tlength);
                tagstruct_put_u32(&w, si->attr.prebuf);
                tagstruct_put_u32(&w, si->attr.minreq);
        }
        if (c->version >= 12) {
                tagstruct_put_sample_spec(&w, &si->spec);
                tagstruct_put_channel_map(&w, &si->map);
                tagstruct_put_u32(&w, si->sink->index);
                tagstruct_put_string(&w, si->sink->name);
                tagstruct_put_bool(&w, si->sink->suspend_cause != 0);
        }
        if (c->version >= 13)
                tagstruct_put_usec(&w, si->configured_latency);
        if (c->version >= 21)
                tagstruct_put_format_info(&w, si->format);
        r = conn_send_packet(c, &w);
out:
        for (size_t i = 0; i < C_ARRAY_SIZE(formats); i++)
                format_info_free(formats[i]);
        return r;
}

int cmd_create_record_stream(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        _c_cleanup_(proplist_freep) Proplist *props = proplist_new();
        FormatInfo *formats[16] = { NULL };
        uint8_t n_formats = 0;
        SourceOutputNew n = { 0 };
        const char *name = NULL, *source_name;
        uint32_t source_index, direct_on_input = IDX_INVALID;
        bool b[7] = { 0 }, peak = false, adjust = false, early = false, dont_inhibit = false,
             fail_on_suspend = false, volume_set = false, muted = false, muted_set = false,
             relative = false, passthrough = false, corked;
        RecordStream *rs = NULL;
        Device *source = NULL;
        SourceOutput *so;
        int r = 0;

        if (!props)
                return -ENOMEM;
        if (c->version < 13)
                tagstruct_get_string(ts, &name);
        tagstruct_get_sample_spec(ts, &n.spec);
        tagstruct_get_channel_map(ts, &n.map);
        tagstruct_get_u32(ts, &source_index);
        tagstruct_get_string_or_null(ts, &source_name);
        tagstruct_get_u32(ts, &n.attr.maxlength);
        tagstruct_get_bool(ts, &corked);
        tagstruct_get_u32(ts, &n.attr.fragsize);
        if (c->version >= 12)
                for (int i = 0; i < 7; i++)
                        tagstruct_get_bool(ts, &b[i]);
        if (c->version >= 13) {
                tagstruct_get_bool(ts, &peak);
                tagstruct_get_bool(ts, &adjust);
                tagstruct_get_proplist(ts, props);
                tagstruct_get_u32(ts, &direct_on_input);
        }
        if (c->version >= 14)
                tagstruct_get_bool(ts, &early);
        if (c->version >= 15) {
                tagstruct_get_bool(ts, &dont_inhibit);
                tagstruct_get_bool(ts, &fail_on_suspend);
        }
        if (c->version >= 22) {
                tagstruct_get_u8(ts, &n_formats);
                if (n_formats > C_ARRAY_SIZE(formats))
                        return DISPATCH_DROP;
                for (uint8_t i = 0; i < n_formats && !tagstruct_error(ts); i++)
                        tagstruct_get_format_info(ts, &formats[i]);
                tagstruct_get_cvolume(ts, &n.volume);
                tagstruct_get_bool(ts, &muted);
                tagstruct_get_bool(ts, &volume_set);
                tagstruct_get_bool(ts, &muted_set);
                tagstruct_get_bool(ts, &relative);
                tagstruct_get_bool(ts, &passthrough);
        }
        if (tagstruct_end(ts)) {
                r = DISPATCH_DROP;
                goto out;
        }
        if (source_name && !core_name_valid(source_name) && strcmp(source_name, "@DEFAULT_SOURCE@") != 0 &&
            strcmp(source_name, "@DEFAULT_MONITOR@") != 0) {
                r = PROTO_ERR_INVALID;
                goto out;
        }
        if (source_index != IDX_INVALID && source_name) {
                r = PROTO_ERR_INVALID;
                goto out;
        }
        if (c->version >= 22 && !cvolume_valid(&n.volume)) {
                r = PROTO_ERR_INVALID;
                goto out;
        }
        if (c->version < 13 && name && proplist_sets(props, "media.name", name) < 0) {
                r = -ENOMEM;
                goto out;
        }
        if (source_index != IDX_INVALID || source_name) {
                r = core_resolve_device(c->proto->core, DEVICE_SOURCE, source_index, source_name, true,
                                        &source);
                if (r) {
                        r = PROTO_ERR_NOENTITY;
                        goto out;
                }
        }
        if (direct_on_input != IDX_INVALID) {
                SinkInput *si = idxmap_get(&c->proto->core->sink_inputs, direct_on_input);

                if (!si) {
                        r = PROTO_ERR_NOENTITY;
                        goto out;
                }
                if (source && source != si->sink->monitor) {
                        r = PROTO_ERR_INVALID;
                        goto out;
                }
                source = si->sink->monitor;
                n.direct_on_input = si;
        }
        r = access_check_record(c, source, n.direct_on_input);
        if (r)
                goto out;
        if (n_formats == 0) {
                if (!sample_spec_valid(&n.spec) || n.map.channels != n.spec.channels ||
                    !channel_map_valid(&n.map) ||
                    (c->version >= 22 && n.volume.channels != n.spec.channels)) {
                        r = PROTO_ERR_INVALID;
                        goto out;
                }
        } else {
                if (pick_format(formats, n_formats, source ? source : c->proto->core->default_source,
                                &n.spec, &n.map) < 0) {
                        r = PROTO_ERR_NOTSUPPORTED;
                        goto out;
                }
        }
        if (c->n_streams >= CONN_STREAMS_MAX || access_check_stream_quota(c)) {
                r = PROTO_ERR_TOOLARGE;
                goto out;
        }
        rs = calloc(1, sizeof(*rs));
        if (!rs) {
                r = -ENOMEM;
                goto out;
        }
        n.source = source;
        n.client = c->client;
        n.driver = "protocol-native.c";
        n.module = c->listener ? c->listener->module : NULL;
        n.volume_set = volume_set;
        n.mute = muted;
        n.muted_set = muted_set;
        n.corked = corked;
        n.props = props;
        n.flags = (b[0] ? STREAM_FLAG_NO_REMAP : 0) | (b[1] ? STREAM_FLAG_NO_REMIX : 0) |
                  (b[2] ? STREAM_FLAG_FIX_FORMAT : 0) | (b[3] ? STREAM_FLAG_FIX_RATE : 0) |
                  (b[4] ? STREAM_FLAG_FIX_CHANNELS : 0) | (b[5] ? STREAM_FLAG_DONT_MOVE : 0) |
                  (b[6] ? STREAM_FLAG_VARIABLE_RATE : 0) | (adjust ? STREAM_FLAG_ADJUST_LATENCY : 0) |
                  (early ? STREAM_FLAG_EARLY_REQUESTS : 0) | (peak ? STREAM_FLAG_PEAK_DETECT : 0) |
                  (dont_inhibit ? STREAM_FLAG_DONT_INHIBIT_AUTO_SUSPEND : 0) |
                  (fail_on_suspend ? STREAM_FLAG_FAIL_ON_SUSPEND : 0);
        n.ops = &record_ops;
        n.owner = rs;
        r = source_output_new(c->proto->core, &n, &so);
        if (r) {
                free(rs);
                r = r < 0 ? r : (int)engine_to_proto_error(r);
                goto out;
        }
        rs->conn = c;
        rs->so = so;
        rs->channel = c->next_record_channel++;
        c_list_link_tail(&c->record, &rs->link);
        c->n_streams++;

        packet_begin(&w, PROTO_CMD_REPLY, tag);
        tagstruct_put_u32(&w, rs->channel);
        tagstruct_put_u32(&w, so->index);
        if (c->version >= 9) {
                tagstruct_put_u32(&w, so->attr.maxlength);
                tagstruct_put_u32(&w, so->attr.fragsize);
        }
        if (c->version >= 12) {
                tagstruct_put_sample_spec(&w, &so->spec);
                tagstruct_put_channel_map(&w, &so->map);
                tagstruct_put_u32(&w, so->source->index);
                tagstruct_put_string(&w, so->source->name);
                tagstruct_put_bool(&w, so->source->suspend_cause != 0);
        }
        if (c->version >= 13)
                tagstruct_put_usec(&w, so->configured_latency);
        if (c->version >= 22)
                tagstruct_put_format_info(&w, so->format);
        r = conn_send_packet(c, &w);
out:
        for (size_t i = 0; i < C_ARRAY_SIZE(formats); i++)
                format_info_free(formats[i]);
        return r;
}

int cmd_delete_stream(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        uint32_t channel;

        tagstruct_get_u32(ts, &channel);
        PARSE_END(ts);
        if (command == PROTO_CMD_DELETE_PLAYBACK_STREAM) {
                PlaybackStream *p = find_playback(c, channel);

                if (!p)
                        return PROTO_ERR_NOENTITY;
                playback_free(p);
        } else if (command == PROTO_CMD_DELETE_RECORD_STREAM) {
                RecordStream *r = find_record(c, channel);

                if (!r)
                        return PROTO_ERR_NOENTITY;
                record_free(r);
        } else {
                UploadStream *u = find_upload(c, channel);

                if (!u)
                        return PROTO_ERR_NOENTITY;
                c_list_unlink(&u->link);
                c->n_streams--;
                c->upload_bytes -= u->length;
                proplist_free(u->props);
                free(u->name);
                free(u->data);
                free(u);
        }
        conn_reply_simple(c, tag);
        return 0;
}

/* CORK/FLUSH/TRIGGER/PREBUF/DRAIN (playback), CORK/FLUSH (record). */
int cmd_stream_channel_op(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        uint32_t channel;
        bool b = false;
        bool is_record = command == PROTO_CMD_CORK_RECORD_STREAM || command == PROTO_CMD_FLUSH_RECORD_STREAM;

        tagstruct_get_u32(ts, &channel);
        if (command == PROTO_CMD_CORK_PLAYBACK_STREAM || command == PROTO_CMD_CORK_RECORD_STREAM)
                tagstruct_get_bool(ts, &b);
        PARSE_END(ts);
        if (channel == IDX_INVALID && !is_record)
                return PROTO_ERR_INVALID;
        if (is_record) {
                RecordStream *r = find_record(c, channel);

                if (!r)
                        return PROTO_ERR_NOENTITY;
                if (command == PROTO_CMD_CORK_RECORD_STREAM)
                        source_output_cork(r->so, b);
                else
                        source_output_flush(r->so);
                conn_reply_simple(c, tag);
                return 0;
        }
        {
                PlaybackStream *p = find_playback(c, channel);

                if (!p)
                        return PROTO_ERR_NOENTITY;
                switch (command) {
                case PROTO_CMD_CORK_PLAYBACK_STREAM:
                        sink_input_cork(p->si, b);
                        break;
                case PROTO_CMD_FLUSH_PLAYBACK_STREAM:
                case PROTO_CMD_TRIGGER_PLAYBACK_STREAM:
                case PROTO_CMD_PREBUF_PLAYBACK_STREAM: {
                        /* applies to every member of the stream's sync group */
                        PlaybackStream *m;

                        c_list_for_each_entry(m, &c->playback, link) {
                                if (m != p && (!p->si->sync_key || m->si->sync_key != p->si->sync_key))
                                        continue;
                                if (command == PROTO_CMD_FLUSH_PLAYBACK_STREAM)
                                        sink_input_flush(m->si);
                                else if (command == PROTO_CMD_TRIGGER_PLAYBACK_STREAM)
                                        sink_input_trigger(m->si);
                                else
                                        sink_input_prebuf(m->si);
                                if (m != p)
                                        playback_maybe_request(m);
                        }
                        break;
                }
                case PROTO_CMD_DRAIN_PLAYBACK_STREAM:
                        if (p->drain_pending)
                                return PROTO_ERR_BADSTATE;
                        if (!sink_input_drain(p->si)) {
                                p->drain_pending = true;
                                p->drain_tag = tag;
                                return 0;
                        }
                        break;
                default:
                        break;
                }
                conn_reply_simple(c, tag);
                playback_maybe_request(p);
                return 0;
        }
}

static void put_now(TagstructWriter *w) {
        struct timeval now;

        gettimeofday(&now, NULL);
        tagstruct_put_timeval(w, &now);
}

int cmd_get_latency(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        struct timeval client_tv;
        uint32_t channel;
        StreamLatency l;

        tagstruct_get_u32(ts, &channel);
        tagstruct_get_timeval(ts, &client_tv);
        PARSE_END(ts);
        if (command == PROTO_CMD_GET_PLAYBACK_LATENCY) {
                PlaybackStream *p = find_playback(c, channel);

                if (!p)
                        return PROTO_ERR_NOENTITY;
                sink_input_get_latency(p->si, &l);
                packet_begin(&w, PROTO_CMD_REPLY, tag);
                tagstruct_put_usec(&w, l.device_usec);
                tagstruct_put_usec(&w, 0);
                tagstruct_put_bool(&w, l.playing);
                tagstruct_put_timeval(&w, &client_tv);
                put_now(&w);
                tagstruct_put_s64(&w, l.write_index);
                tagstruct_put_s64(&w, l.read_index);
                if (c->version >= 13) {
                        tagstruct_put_u64(&w, l.underrun_for);
                        tagstruct_put_u64(&w, l.playing_for);
                }
        } else {
                RecordStream *r = find_record(c, channel);

                if (!r)
                        return PROTO_ERR_NOENTITY;
                source_output_get_latency(r->so, &l);
                packet_begin(&w, PROTO_CMD_REPLY, tag);
                tagstruct_put_usec(&w, l.device_usec);
                tagstruct_put_usec(&w, l.source_usec);
                tagstruct_put_bool(&w, l.playing);
                tagstruct_put_timeval(&w, &client_tv);
                put_now(&w);
                tagstruct_put_s64(&w, l.write_index);
                tagstruct_put_s64(&w, l.read_index);
        }
        return conn_send_packet(c, &w);
}

int cmd_set_buffer_attr(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        BufferAttr a = { 0 };
        uint32_t channel;
        bool adjust = false, early = false;
        uint32_t flags;

        tagstruct_get_u32(ts, &channel);
        if (tagstruct_error(ts))
                return DISPATCH_DROP;
        if (command == PROTO_CMD_SET_PLAYBACK_STREAM_BUFFER_ATTR) {
                PlaybackStream *p = find_playback(c, channel);

                if (!p)
                        return PROTO_ERR_NOENTITY;
                tagstruct_get_u32(ts, &a.maxlength);
                tagstruct_get_u32(ts, &a.tlength);
                tagstruct_get_u32(ts, &a.prebuf);
                tagstruct_get_u32(ts, &a.minreq);
                if (c->version >= 13)
                        tagstruct_get_bool(ts, &adjust);
                if (c->version >= 14)
                        tagstruct_get_bool(ts, &early);
                PARSE_END(ts);
                flags = (adjust ? STREAM_FLAG_ADJUST_LATENCY : 0) | (early ? STREAM_FLAG_EARLY_REQUESTS : 0);
                (void)sink_input_set_buffer_attr(p->si, &a, flags);
                packet_begin(&w, PROTO_CMD_REPLY, tag);
                tagstruct_put_u32(&w, p->si->attr.maxlength);
                tagstruct_put_u32(&w, p->si->attr.tlength);
                tagstruct_put_u32(&w, p->si->attr.prebuf);
                tagstruct_put_u32(&w, p->si->attr.minreq);
                if (c->version >= 13)
                        tagstruct_put_usec(&w, p->si->configured_latency);
                (void)conn_send_packet(c, &w);
                playback_maybe_request(p);
                return 0;
        } else {
                RecordStream *r = find_record(c, channel);

                if (!r)
                        return PROTO_ERR_NOENTITY;
                tagstruct_get_u32(ts, &a.maxlength);
                tagstruct_get_u32(ts, &a.fragsize);
                if (c->version >= 13)
                        tagstruct_get_bool(ts, &adjust);
                if (c->version >= 14)
                        tagstruct_get_bool(ts, &early);
                PARSE_END(ts);
                flags = (adjust ? STREAM_FLAG_ADJUST_LATENCY : 0) | (early ? STREAM_FLAG_EARLY_REQUESTS : 0);
                (void)source_output_set_buffer_attr(r->so, &a, flags);
                packet_begin(&w, PROTO_CMD_REPLY, tag);
                tagstruct_put_u32(&w, r->so->attr.maxlength);
                tagstruct_put_u32(&w, r->so->attr.fragsize);
                if (c->version >= 13)
                        tagstruct_put_usec(&w, r->so->configured_latency);
                return conn_send_packet(c, &w);
        }
}

int cmd_update_sample_rate(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        uint32_t channel, rate;
        int r;

        tagstruct_get_u32(ts, &channel);
        tagstruct_get_u32(ts, &rate);
        PARSE_END(ts);
        if (rate == 0 || rate > RATE_MAX)
                return PROTO_ERR_INVALID;
        if (command == PROTO_CMD_UPDATE_PLAYBACK_STREAM_SAMPLE_RATE) {
                PlaybackStream *p = find_playback(c, channel);

                if (!p)
                        return PROTO_ERR_NOENTITY;
                r = sink_input_set_rate(p->si, rate);
        } else {
                RecordStream *rs = find_record(c, channel);

                if (!rs)
                        return PROTO_ERR_NOENTITY;
                r = source_output_set_rate(rs->so, rate);
        }
        if (r)
                return r < 0 ? r : (int)engine_to_proto_error(r);
        conn_reply_simple(c, tag);
        return 0;
}

static Proplist **stream_props(Conn *c, uint32_t command, uint32_t channel, uint32_t *facility,
                               uint32_t *index) {
        bool playback = command == PROTO_CMD_UPDATE_PLAYBACK_STREAM_PROPLIST ||
                        command == PROTO_CMD_REMOVE_PLAYBACK_STREAM_PROPLIST ||
                        command == PROTO_CMD_SET_PLAYBACK_STREAM_NAME;

        if (playback) {
                PlaybackStream *p = find_playback(c, channel);

                if (!p)
                        return NULL;
                *facility = FACILITY_SINK_INPUT;
                *index = p->si->index;
                return &p->si->props;
        } else {
                RecordStream *r = find_record(c, channel);

                if (!r)
                        return NULL;
                *facility = FACILITY_SOURCE_OUTPUT;
                *index = r->so->index;
                return &r->so->props;
        }
}

int cmd_stream_proplist(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        bool update = command == PROTO_CMD_UPDATE_PLAYBACK_STREAM_PROPLIST ||
                      command == PROTO_CMD_UPDATE_RECORD_STREAM_PROPLIST;
        uint32_t channel, mode = 0, facility, index;
        _c_cleanup_(proplist_freep) Proplist *p = proplist_new();
        const char *keys[PROPLIST_ENTRIES_MAX];
        size_t nkeys = 0;
        Proplist **target;
        bool changed = false;

        if (!p)
                return -ENOMEM;
        tagstruct_get_u32(ts, &channel);
        if (update) {
                tagstruct_get_u32(ts, &mode);
                tagstruct_get_proplist(ts, p);
        } else {
                for (;;) {
                        const char *k;

                        tagstruct_get_string_or_null(ts, &k);
                        if (tagstruct_error(ts))
                                return DISPATCH_DROP;
                        if (!k)
                                break;
                        if (nkeys < C_ARRAY_SIZE(keys))
                                keys[nkeys++] = k;
                }
        }
        PARSE_END(ts);
        target = stream_props(c, command, channel, &facility, &index);
        if (!target)
                return PROTO_ERR_NOENTITY;
        if (update) {
                Proplist *copy;
                int r;

                if (mode >= _PROPLIST_UPDATE_N)
                        return PROTO_ERR_INVALID;
                copy = proplist_copy(*target);
                if (!copy)
                        return -ENOMEM;
                r = proplist_update(copy, (ProplistUpdateMode)mode, p);
                if (r < 0) {
                        proplist_free(copy);
                        return r == -ENOMEM ? r : PROTO_ERR_INVALID;
                }
                proplist_free(*target);
                *target = copy;
                changed = true;
        } else {
                for (size_t i = 0; i < nkeys; i++)
                        if (proplist_unset(*target, keys[i]) == 0)
                                changed = true;
        }
        if (changed)
                core_post_event(c->proto->core, facility, EVENT_CHANGE, index);
        conn_reply_simple(c, tag);
        return 0;
}

int cmd_set_stream_name(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        uint32_t channel, facility, index;
        const char *name;
        Proplist **target;

        tagstruct_get_u32(ts, &channel);
        tagstruct_get_string_or_null(ts, &name);
        PARSE_END(ts);
        if (!name || !utf8_valid(name))
                return PROTO_ERR_INVALID;
        target = stream_props(c, command, channel, &facility, &index);
        if (!target)
                return PROTO_ERR_NOENTITY;
        if (proplist_sets(*target, "media.name", name) < 0)
                return -ENOMEM;
        core_post_event(c->proto->core, facility, EVENT_CHANGE, index);
        conn_reply_simple(c, tag);
        return 0;
}

/* ---- sample cache ---- */

int cmd_create_upload_stream(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        _c_cleanup_(proplist_freep) Proplist *props = proplist_new();
        const char *name;
        SampleSpec ss;
        ChannelMap map;
        uint32_t length;
        UploadStream *u;
        size_t fs;

        if (!props)
                return -ENOMEM;
        tagstruct_get_string_or_null(ts, &name);
        tagstruct_get_sample_spec(ts, &ss);
        tagstruct_get_channel_map(ts, &map);
        tagstruct_get_u32(ts, &length);
        if (c->version >= 13)
                tagstruct_get_proplist(ts, props);
        PARSE_END(ts);
        if (!name && c->version >= 13) {
                name = proplist_gets(props, "event.id");
                if (!name)
                        name = proplist_gets(props, "media.name");
        }
        if (!sample_spec_valid(&ss) || !channel_map_valid(&map) || map.channels != ss.channels)
                return PROTO_ERR_INVALID;
        fs = sample_spec_frame_size(&ss);
        if (length == 0 || length % fs)
                return PROTO_ERR_INVALID;
        if (length > SAMPLE_MAX_BYTES)
                return PROTO_ERR_TOOLARGE;
        if (!name || !core_name_valid(name))
                return PROTO_ERR_INVALID;
        if (c->n_streams >= CONN_STREAMS_MAX || c->upload_bytes + length > CONN_UPLOAD_BYTES_MAX ||
            access_check_stream_quota(c) || access_check_upload_quota(c, length))
                return PROTO_ERR_TOOLARGE;
        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        u->name = strdup(name);
        u->data = malloc(length);
        u->props = proplist_copy(props);
        if (!u->name || !u->data || !u->props) {
                free(u->name);
                free(u->data);
                proplist_free(u->props);
                free(u);
                return -ENOMEM;
        }
        u->conn = c;
        u->spec = ss;
        u->map = map;
        u->length = length;
        u->channel = next_channel(c);
        c_list_link_tail(&c->uploads, &u->link);
        c->n_streams++;
        c->upload_bytes += length;
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        tagstruct_put_u32(&w, u->channel);
        tagstruct_put_u32(&w, length);
        return conn_send_packet(c, &w);
}

int cmd_finish_upload_stream(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        uint32_t channel;
        UploadStream *u;
        int r = 0;

        tagstruct_get_u32(ts, &channel);
        PARSE_END(ts);
        u = find_upload(c, channel);
        if (!u)
                return PROTO_ERR_NOENTITY;
        c_list_unlink(&u->link);
        c->n_streams--;
        c->upload_bytes -= u->length;
        if (u->received == 0) {
                r = PROTO_ERR_TOOLARGE;
        } else {
                uint32_t uid = access_sample_owner(c);

                Proplist *props = proplist_new();

                /* As PulseAudio: uploaded samples are event sounds unless said otherwise. */
                if (!props || proplist_sets(props, "media.role", "event") < 0 ||
                    proplist_update(props, PROPLIST_UPDATE_REPLACE, u->props) < 0 ||
                    (c->client && proplist_update(props, PROPLIST_UPDATE_MERGE, c->client->props) < 0)) {
                        proplist_free(props);
                        props = NULL;
                }
                if (props) {
                        proplist_free(u->props);
                        u->props = props;
                }
                r = sample_cache_add(c->proto->core, u->name, &u->spec, &u->map, u->data,
                                     u->received - u->received % sample_spec_frame_size(&u->spec),
                                     u->props, uid, NULL);
                if (r == 0)
                        u->data = NULL;
                else
                        r = r < 0 ? PROTO_ERR_INTERNAL : (int)engine_to_proto_error(r);
        }
        proplist_free(u->props);
        free(u->name);
        free(u->data);
        free(u);
        if (r)
                return r;
        conn_reply_simple(c, tag);
        return 0;
}

int cmd_play_sample(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        _c_cleanup_(proplist_freep) Proplist *props = proplist_new();
        const char *sink_name, *name;
        uint32_t sink_index, volume, index;
        Device *sink;
        Sample *s;
        int r;

        if (!props)
                return -ENOMEM;
        tagstruct_get_u32(ts, &sink_index);
        tagstruct_get_string_or_null(ts, &sink_name);
        tagstruct_get_u32(ts, &volume);
        tagstruct_get_string_or_null(ts, &name);
        if (c->version >= 13)
                tagstruct_get_proplist(ts, props);
        PARSE_END(ts);
        if (sink_name && !core_name_valid(sink_name) && strcmp(sink_name, "@DEFAULT_SINK@") != 0)
                return PROTO_ERR_INVALID;
        if (sink_index != IDX_INVALID && sink_name)
                return PROTO_ERR_INVALID;
        if (!name || !core_name_valid(name))
                return PROTO_ERR_INVALID;
        if (volume != VOLUME_INVALID && volume > VOLUME_MAX)
                return PROTO_ERR_INVALID;
        r = core_resolve_device(c->proto->core, DEVICE_SINK, sink_index, sink_name, true, &sink);
        if (r)
                return (int)engine_to_proto_error(r);
        s = access_sample_lookup(c, name);
        if (!s)
                return PROTO_ERR_NOENTITY;
        r = sample_cache_play(c->proto->core, s, sink, volume, props, c->client, &index);
        if (r)
                return r < 0 ? r : (int)engine_to_proto_error(r);
        packet_begin(&w, PROTO_CMD_REPLY, tag);
        if (c->version >= 13)
                tagstruct_put_u32(&w, index);
        return conn_send_packet(c, &w);
}

int cmd_remove_sample(Conn *c, uint32_t command, uint32_t tag, Tagstruct *ts) {
        const char *name;
        int r;

        tagstruct_get_string_or_null(ts, &name);
        PARSE_END(ts);
        if (!name || !core_name_valid(name))
                return PROTO_ERR_INVALID;
        if (access_isolated(c->proto)) {
                /* per-uid namespace: this caller's sample of that name; shared ones are read-only */
                Sample *s = access_sample_lookup(c, name);

                if (!s)
                        return PROTO_ERR_NOENTITY;
                if (access_sample_shared(s) && !access_is_admin(c))
                        return PROTO_ERR_ACCESS;
                sample_cache_remove_sample(c->proto->core, s);
                conn_reply_simple(c, tag);
                return 0;
        }
        r = sample_cache_remove(c->proto->core, name);
        if (r)
                return (int)engine_to_proto_error(r);
        conn_reply_simple(c, tag);
        return 0;
}
