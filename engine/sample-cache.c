/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sample-cache.c: uploaded samples and their playback.
 *
 * A played sample is an ordinary sink input owned by the cache: its queue
 * is filled with the whole sample at creation, it is drained at once, and
 * it frees itself when the drain completes (or when it is killed). So
 * sample playback shares every property of normal streams (mixing,
 * conversion, moves, kill, introspection) with no special data path.
 * The cache is bounded: single samples by SAMPLE_MAX_BYTES, the whole
 * cache by SAMPLE_CACHE_MAX_BYTES.
 */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "engine/core.h"
#include "engine/base/log.h"

#define SAMPLE_CACHE_MAX_BYTES (256ULL * 1024ULL * 1024ULL)

void sample_free(Sample *s) {
        if (!s)
                return;
        free(s->name);
        free(s->filename);
        free(s->data);
        proplist_free(s->props);
        free(s);
}

Sample *sample_cache_lookup(Core *c, const char *name) {
        Sample *s;

        if (!name)
                return NULL;
        idxmap_for_each(s, &c->samples, st)
                if (strcmp(s->name, name) == 0)
                        return s;
        return NULL;
}

Sample *sample_cache_lookup_owner(Core *c, const char *name, uint32_t owner_uid) {
        Sample *s;

        if (!name)
                return NULL;
        idxmap_for_each(s, &c->samples, st)
                if (s->owner_uid == owner_uid && strcmp(s->name, name) == 0)
                        return s;
        return NULL;
}

int sample_cache_add(Core *c, const char *name, const SampleSpec *ss, const ChannelMap *map,
                     uint8_t *data, size_t n, const Proplist *props, uint32_t owner_uid,
                     Sample **ret) {
        Sample *s, *old = c->sample_cache_per_owner ? sample_cache_lookup_owner(c, name, owner_uid)
                                                    : sample_cache_lookup(c, name);
        uint64_t total = c->sample_cache_bytes - (old ? old->length : 0) + n;

        if (!core_name_valid(name) || !sample_spec_valid(ss) || n == 0)
                return ENGINE_E_INVALID;
        if (n > SAMPLE_MAX_BYTES || total > SAMPLE_CACHE_MAX_BYTES)
                return ENGINE_E_TOOLARGE;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->core = c;
        s->name = strdup(name);
        s->props = props ? proplist_copy(props) : proplist_new();
        if (!s->name || !s->props || idxmap_reserve(&c->samples, 1) < 0) {
                sample_free(s);
                return -ENOMEM;
        }
        s->spec = *ss;
        s->map = *map;
        s->data = data;
        s->length = n;
        s->owner_uid = owner_uid;
        c->blocks_allocated_total++;
        c->bytes_allocated_total += n;
        if (old) {
                /* Replacing keeps the slot's identity for clients: CHANGE, same index. */
                idxmap_remove(&c->samples, old->index);
                s->index = old->index;
                c->sample_cache_bytes -= old->length;
                old->data = old->data;
                sample_free(old);
                /* re-insert with the old index, preserving order */
                {
                        IdxMap *m = &c->samples;
                        size_t i = 0;

                        while (i < m->n && m->entries[i].index < s->index)
                                i++;
                        memmove(m->entries + i + 1, m->entries + i, (m->n - i) * sizeof(*m->entries));
                        m->entries[i] = (IdxMapEntry){ s->index, s };
                        m->n++;
                }
                c->sample_cache_bytes += n;
                core_post_event(c, FACILITY_SAMPLE_CACHE, EVENT_CHANGE, s->index);
        } else {
                (void)idxmap_put(&c->samples, s, &s->index);
                c->sample_cache_bytes += n;
                core_post_event(c, FACILITY_SAMPLE_CACHE, EVENT_NEW, s->index);
        }
        if (ret)
                *ret = s;
        return 0;
}

void sample_cache_remove_sample(Core *c, Sample *s) {
        idxmap_remove(&c->samples, s->index);
        c->sample_cache_bytes -= s->length;
        core_post_event(c, FACILITY_SAMPLE_CACHE, EVENT_REMOVE, s->index);
        sample_free(s);
}

int sample_cache_remove(Core *c, const char *name) {
        Sample *s = sample_cache_lookup(c, name);

        if (!s)
                return ENGINE_E_NOENTITY;
        sample_cache_remove_sample(c, s);
        return 0;
}

static void sample_play_drained(SinkInput *si) {
        sink_input_free(si);
}

static void sample_play_killed(SinkInput *si) {
        sink_input_free(si);
}

static const SinkInputOwnerOps sample_play_ops = {
        .drained = sample_play_drained,
        .killed = sample_play_killed,
};

int sample_cache_play(Core *c, Sample *s, Device *sink, Volume volume, const Proplist *props,
                      Client *client, uint32_t *ret_index) {
        _c_cleanup_(proplist_freep) Proplist *p = proplist_copy(s->props);
        SinkInputNew n = { 0 };
        SinkInput *si;
        int r;

        if (!p)
                return -ENOMEM;
        if (props && proplist_update(p, PROPLIST_UPDATE_REPLACE, props) < 0)
                return -ENOMEM;
        n.sink = sink;
        n.client = client;
        n.driver = "play-memblockq.c";
        n.spec = s->spec;
        n.map = s->map;
        if (volume != VOLUME_INVALID) {
                cvolume_set(&n.volume, s->spec.channels, volume);
                n.volume_set = true;
        } else if (s->volume.channels) {
                n.volume = s->volume;
                n.volume_set = true;
        }
        n.props = p;
        n.initial_data = s->data;       /* queued before the sink can read */
        n.initial_length = s->length;
        n.flags = STREAM_FLAG_DRAIN_AND_FREE;
        n.attr = (BufferAttr){ .maxlength = (uint32_t)s->length, .tlength = (uint32_t)s->length,
                               .prebuf = 0, .minreq = UINT32_MAX };
        n.ops = &sample_play_ops;
        r = sink_input_new(c, &n, &si);
        if (r)
                return r;
        *ret_index = si->index;
        if (sink_input_drain(si)) {
                /* nothing to play: done at once (on the next iteration the owner frees it) */
                sink_input_free(si);
        }
        return 0;
}
