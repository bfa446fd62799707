/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stream.c: playback and record streams, control-thread side.
 *
 * Buffer attributes follow semantics.md §4.2 / §5 step by step (the worked
 * examples there are unit-tested). REQUEST accounting (§4.3): `missing`
 * grows with consumption (read index advances, seen through the data
 * thread's CONSUMED notifications), flushes and non-relative seeks, and is
 * handed out when it reaches minreq or the stream is prebuffering.
 *
 * Every change of data-thread state goes through iothread_invoke() with a
 * small by-value request, so the data thread never sees a half-updated
 * stream and the control thread never touches SinkInputIo outside an
 * invoke.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "engine/core.h"
#include "engine/base/log.h"

#define MAXLENGTH_DEFAULT (4U * 1024U * 1024U)
#define DEFAULT_TLENGTH_USEC 2000000ULL
#define DEFAULT_MINREQ_USEC 20000ULL
#define DEFAULT_FRAGSIZE_USEC 2000000ULL

static uint64_t bytes_to_usec(uint64_t n, const SampleSpec *ss) {
        return sample_spec_bytes_to_usec(n, ss);
}

/* usec → bytes, rounded up to a whole frame. */
static uint32_t usec_to_bytes_up(uint64_t usec, const SampleSpec *ss) {
        uint64_t fs = sample_spec_frame_size(ss);
        uint64_t frames = (usec * ss->rate + 999999ULL) / 1000000ULL;
        uint64_t b = frames * fs;

        return b > UINT32_MAX ? UINT32_MAX - (UINT32_MAX % fs) : (uint32_t)b;
}

static uint32_t usec_to_bytes(uint64_t usec, const SampleSpec *ss) {
        uint64_t b = sample_spec_usec_to_bytes(usec, ss);

        return b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
}

static uint32_t round_up(uint32_t v, uint32_t f) {
        uint64_t r = ((uint64_t)v + f - 1) / f * f;

        return r > UINT32_MAX ? v - v % f : (uint32_t)r;
}

static uint32_t round_down(uint32_t v, uint32_t f) {
        return v - v % f;
}

static uint64_t clamp_latency(Device *d, uint64_t l) {
        return C_CLAMP(l, d->min_latency, d->max_latency);
}

/* semantics.md §4.2, steps 1-13. Computed in 64 bits: clients may send any u32,
 * and sums like minreq + F must not wrap. */
static void playback_negotiate(const SampleSpec *ss, Device *dev, BufferAttr *a, uint32_t flags,
                               uint64_t *ret_latency) {
        uint64_t F = sample_spec_frame_size(ss);
        uint64_t maxlength = a->maxlength, tlength = a->tlength, prebuf = a->prebuf, minreq = a->minreq;
        uint64_t maxcap = (flags & STREAM_FLAG_DRAIN_AND_FREE) ? SAMPLE_MAX_BYTES : MAXLENGTH_DEFAULT;
        uint64_t tl, mr, L, C;

        if (maxlength == UINT32_MAX || maxlength > maxcap)
                maxlength = maxcap;
        if (maxlength == 0)
                maxlength = F;
        if (tlength == UINT32_MAX)
                tlength = usec_to_bytes_up(DEFAULT_TLENGTH_USEC, ss);
        if (tlength == 0)
                tlength = F;
        if (tlength > maxlength)
                tlength = maxlength;
        if (minreq == UINT32_MAX) {
                uint64_t m = usec_to_bytes_up(DEFAULT_MINREQ_USEC, ss);
                uint64_t t4 = tlength / 4 / F * F;

                minreq = C_MIN(m, t4);
        }
        if (minreq == 0)
                minreq = F;
        if (tlength < minreq + F)
                tlength = minreq + F;

        tl = bytes_to_usec(tlength, ss);
        mr = bytes_to_usec(minreq, ss);
        if (flags & STREAM_FLAG_EARLY_REQUESTS)
                L = mr;
        else if (flags & STREAM_FLAG_ADJUST_LATENCY)
                L = tl > 2 * mr ? (tl - 2 * mr) / 2 : 0;
        else
                L = tl > 2 * mr ? tl - 2 * mr : 0;
        C = clamp_latency(dev, L);
        if ((flags & STREAM_FLAG_ADJUST_LATENCY) && tl >= C)
                tl -= C;
        if (tl < C + 2 * mr)
                tl = C + 2 * mr;
        tlength = usec_to_bytes_up(tl, ss);
        if (minreq == 0) {
                minreq = F;
                tlength += 2 * F;
        }
        if (tlength <= minreq)
                tlength = 2 * minreq + F;

        /* final sanitising: everything frame aligned and within maxlength */
        maxlength = C_MAX((maxlength + F - 1) / F * F, F);
        tlength = C_MIN((tlength + F - 1) / F * F, maxlength);
        minreq = C_CLAMP(minreq / F * F, F, tlength);
        if (prebuf == UINT32_MAX || prebuf > tlength + F - minreq)
                prebuf = tlength + F - minreq;
        if (prebuf)
                prebuf = C_MIN(C_MAX((prebuf + F - 1) / F * F, F), tlength + F - minreq);
        a->maxlength = (uint32_t)maxlength;
        a->tlength = (uint32_t)tlength;
        a->minreq = (uint32_t)minreq;
        a->prebuf = (uint32_t)prebuf;
        a->fragsize = 0;
        *ret_latency = C;
}

/* semantics.md §5 */
static void record_negotiate(const SampleSpec *ss, Device *dev, BufferAttr *a, uint32_t flags,
                             uint64_t *ret_latency) {
        uint32_t F = (uint32_t)sample_spec_frame_size(ss);
        uint64_t C = 0;

        if (a->maxlength == UINT32_MAX || a->maxlength > MAXLENGTH_DEFAULT)
                a->maxlength = MAXLENGTH_DEFAULT;
        if (a->maxlength == 0)
                a->maxlength = F;
        if (a->fragsize > a->maxlength && a->fragsize != UINT32_MAX)
                a->fragsize = a->maxlength;
        if (a->fragsize == UINT32_MAX)
                a->fragsize = usec_to_bytes_up(DEFAULT_FRAGSIZE_USEC, ss);
        if (a->fragsize == 0)
                a->fragsize = F;
        if (flags & (STREAM_FLAG_ADJUST_LATENCY | STREAM_FLAG_EARLY_REQUESTS)) {
                C = clamp_latency(dev, bytes_to_usec(a->fragsize, ss));
                if (flags & STREAM_FLAG_ADJUST_LATENCY)
                        a->fragsize = usec_to_bytes(C, ss);
        }
        a->maxlength = C_MAX(round_up(a->maxlength, F), F);
        a->fragsize = C_MAX(round_down(a->fragsize, F), F);
        if (a->fragsize > a->maxlength)
                a->fragsize = a->maxlength;
        a->tlength = a->prebuf = a->minreq = 0;
        *ret_latency = C;
}

static size_t ring_size_for(size_t want) {
        size_t s = 64 * 1024;

        while (s < want && s < (size_t)64 * 1024 * 1024)
                s <<= 1;
        return s;
}

static int ring_alloc(StreamRing *r, size_t want) {
        size_t size = ring_size_for(want);
        uint8_t *d = calloc(1, size);

        if (!d)
                return -ENOMEM;
        r->data = d;
        r->size = size;
        atomic_store(&r->write_index, 0);
        atomic_store(&r->read_index, 0);
        return 0;
}

/* Copy into the ring at absolute byte position pos (wrapping). */
static void ring_put(StreamRing *r, int64_t pos, const uint8_t *data, size_t n) {
        size_t off = (size_t)((uint64_t)pos & (r->size - 1));
        size_t first = C_MIN(n, r->size - off);

        memcpy(r->data + off, data, first);
        if (n > first)
                memcpy(r->data, data + first, n - first);
}

static void ring_zero(StreamRing *r, int64_t pos, size_t n) {
        size_t off = (size_t)((uint64_t)pos & (r->size - 1));
        size_t first = C_MIN(n, r->size - off);

        memset(r->data + off, 0, first);
        if (n > first)
                memset(r->data, 0, n - first);
}

/* The daemon's resample-method; "auto" (and anything unset) is speex-float-1. */
static int stream_resample_method(Core *c) {
        if (c->resample_method >= 0 && c->resample_method < _DSP_RESAMPLE_N &&
            c->resample_method != DSP_RESAMPLE_COPY && c->resample_method != DSP_RESAMPLE_PEAKS)
                return c->resample_method;
        return DSP_RESAMPLE_AUTO;
}

/* ---- device bookkeeping ---- */

static void device_update_latency(Device *d) {
        uint64_t lat = d->max_latency;
        SinkInput *si;
        SourceOutput *so;

        if (d->kind == DEVICE_SINK) {
                c_list_for_each_entry(si, &d->streams, device_link)
                        if (si->configured_latency && si->configured_latency < lat)
                                lat = si->configured_latency;
        } else {
                c_list_for_each_entry(so, &d->streams, device_link)
                        if (so->configured_latency && so->configured_latency < lat)
                                lat = so->configured_latency;
        }
        d->configured_latency = lat;
}

/* RUNNING while some stream actually moves data (uncorked), IDLE otherwise. */
static DeviceState device_compute_state(Device *d) {
        SinkInput *si;
        SourceOutput *so;

        if (d->suspend_cause)
                return DEVICE_SUSPENDED;
        if (d->kind == DEVICE_SINK) {
                c_list_for_each_entry(si, &d->streams, device_link)
                        if (!si->corked)
                                return DEVICE_RUNNING;
        } else {
                c_list_for_each_entry(so, &d->streams, device_link)
                        if (!so->corked)
                                return DEVICE_RUNNING;
        }
        return DEVICE_IDLE;
}

/* always_event: streams came or went (PulseAudio posts a device CHANGE then);
 * otherwise (cork) only a state change is announced. */
static void device_state_update(Device *d, bool always_event) {
        DeviceState ns;

        device_update_latency(d);
        ns = device_compute_state(d);
        if (d->kind == DEVICE_SINK && d->monitor && !d->monitor->suspend_cause)
                d->monitor->state = device_compute_state(d->monitor);
        if (ns != d->state || always_event) {
                d->state = ns;
                device_changed(d);
        }
}

/* Takes a stream off its device's list; moves device_io_on_notify()'s cursor
 * past it first, should the notify loop be running (see Device.notify_next). */
static void device_unlink_stream(Device *d, CList *link) {
        if (d && d->notify_next == link)
                d->notify_next = link->next;
        c_list_unlink(link);
}

static void device_streams_changed(Device *d) {
        device_state_update(d, true);
}

static size_t device_stream_count(Device *d) {
        size_t n = 0;

        c_list_for_each(it, &d->streams)
                n++;
        return n;
}

/* ---- data-thread requests for playback ---- */

typedef struct SiReq {
        SinkInput *si;
        DeviceIo *io;
        int op;
        bool flag;
        uint32_t value;
        bool result;
        StreamLatency *lat;
} SiReq;

enum {
        SI_ADD,
        SI_REMOVE,
        SI_CORK,
        SI_FLUSH,
        SI_TRIGGER,
        SI_PREBUF,
        SI_DRAIN,
        SI_CANCEL_DRAIN,
        SI_VOLUME,
        SI_LATENCY,
        SI_RATE,
};

static void si_update_factors(SinkInput *si) {
        dsp_volume_factors(&si->volume, si->mute, si->io.factors);
}

/* Data thread: what is rendered but not played must be rendered again (rewinding
 * backends only; the backend does it on its next tick, which is now). */
static void si_want_rewind(IoThread *t, DeviceIo *dio) {
        if (!dio || !dio->backend || !dio->backend->rewind)
                return;
        atomic_store_explicit(&dio->rewind_requested, true, memory_order_relaxed);
        if (dio->backend->tick && t->running)
                iothread_set_next_tick(t, iothread_now_usec());
}

static void si_invoke_fn(IoThread *t, void *arg) {
        SiReq *r = arg;
        SinkInput *si = r->si;
        SinkInputIo *io = &si->io;

        switch (r->op) {
        case SI_ADD:
                c_list_link_tail(&r->io->inputs, &io->link);
                io->linked = true;
                memset(io->hist_tag, 0, sizeof(io->hist_tag));
                io->rd_max = atomic_load(&si->ring.read_index);
                /* its first data rewinds the device (heard now, not after the queue) */
                atomic_store_explicit(&si->want_rewind, true, memory_order_relaxed);
                if (!t->next_tick)
                        iothread_set_next_tick(t, iothread_now_usec());
                break;
        case SI_REMOVE:
                if (io->linked) {
                        c_list_unlink(&io->link);
                        io->linked = false;
                        /* a stream deleted with data left is cut off at once; a drained
                         * one plays out what was rendered of it */
                        if (!io->corked && atomic_load(&si->ring.write_index) > atomic_load(&si->ring.read_index))
                                si_want_rewind(t, r->io);
                }
                break;
        case SI_CORK:
                if (io->corked != r->flag)
                        si_want_rewind(t, r->io);
                io->corked = r->flag;
                /* Uncorking re-enters prebuffering unless a drain is pending. */
                if (!r->flag && !io->drain && si->attr.prebuf > 0)
                        io->prebuffering = true;
                break;
        case SI_FLUSH: {
                int64_t rd = atomic_load(&si->ring.read_index);

                atomic_store_explicit(&si->ring.write_index, rd, memory_order_release);
                /* the flushed audio is not played again: drop the history, rewind */
                memset(io->hist_tag, 0, sizeof(io->hist_tag));
                si_want_rewind(t, r->io);
                if (si->attr.prebuf > 0)
                        io->prebuffering = true;
                /* playback restarts from scratch: the next data is STARTED again */
                io->underrun = io->ever_started;
                break;
        }
        case SI_TRIGGER:
                io->prebuffering = false;
                si_want_rewind(t, r->io);
                break;
        case SI_PREBUF:
                if (si->attr.prebuf > 0) {
                        io->prebuffering = true;
                        io->underrun = io->ever_started;
                }
                break;
        case SI_DRAIN: {
                int64_t w = atomic_load(&si->ring.write_index), rd = atomic_load(&si->ring.read_index);

                if (w <= rd) {
                        r->result = true;
                } else {
                        io->drain = true;
                        io->prebuffering = false;
                        r->result = false;
                        /* the drain is answered when the queue is rendered: take back
                         * a deep device queue, so that this is close to when it plays */
                        si_want_rewind(t, r->io);
                }
                break;
        }
        case SI_CANCEL_DRAIN:
                io->drain = false;
                break;
        case SI_VOLUME:
                si_update_factors(si);
                si_want_rewind(t, r->io);
                break;
        case SI_RATE:
                if (io->resampler)
                        (void)dsp_resampler_set_input_rate(io->resampler, r->value);
                break;
        case SI_LATENCY: {
                StreamLatency *l = r->lat;
                DeviceIo *dio = r->io;

                l->read_index = atomic_load(&si->ring.read_index);
                l->write_index = atomic_load(&si->ring.write_index);
                /* With prebuf 0 an underrun keeps "playing" silence (the read index runs
                 * on), as PulseAudio reports it; players' clocks depend on that. */
                l->playing = io->linked && !io->corked && !io->prebuffering &&
                             (!io->underrun || si->attr.prebuf == 0) && !dio->suspended;
                l->underrun_for = io->ever_started ? io->underrun_for : UINT64_MAX;
                l->playing_for = io->playing_for;
                l->device_usec = device_io_latency(dio);
                if (io->resampler)
                        l->device_usec += sample_spec_bytes_to_usec(
                                dsp_resampler_delay_frames(io->resampler) *
                                sample_spec_frame_size(&si->sink->spec), &si->sink->spec);
                break;
        }
        default:
                break;
        }
}

static void si_invoke(SinkInput *si, int op, bool flag) {
        DeviceIo *io = si->sink ? device_io_of(si->sink) : NULL;
        SiReq r = { .si = si, .io = io, .op = op, .flag = flag };

        if (!io) {
                /* No data plane (control-plane-only device): apply directly. */
                if (op == SI_ADD || op == SI_REMOVE)
                        return;
                si_invoke_fn(&(IoThread){ 0 }, &r);
                return;
        }
        iothread_invoke(&io->thread, si_invoke_fn, &r);
}

/* Per-stream conversion state for the device it plays on (allocates: control thread). */
static int si_setup_conversion(SinkInput *si, Device *sink) {
        DspResampler *rs = NULL;
        int r;

        r = dsp_remap_init(&si->io.remap, &si->map, &sink->map,
                           si->flags & STREAM_FLAG_NO_REMAP, si->flags & STREAM_FLAG_NO_REMIX);
        if (r < 0)
                return ENGINE_E_NOTSUPPORTED;
        if (si->spec.rate != sink->spec.rate || (si->flags & STREAM_FLAG_VARIABLE_RATE)) {
                /* VARIABLE_RATE: size the filter for rates up to 4x now, so a later
                 * UPDATE_*_SAMPLE_RATE never allocates in the data thread. */
                uint32_t max_in = (si->flags & STREAM_FLAG_VARIABLE_RATE)
                                  ? C_MIN((uint32_t)RATE_MAX, si->spec.rate * 4) : si->spec.rate;

                r = dsp_resampler_new_variable(&rs, sink->spec.channels, si->spec.rate,
                                               sink->spec.rate, stream_resample_method(si->core),
                                               max_in);
                if (r < 0)
                        return r == -ENOMEM ? r : ENGINE_E_NOTSUPPORTED;
                snprintf(si->resample_method, sizeof(si->resample_method), "%s",
                         dsp_resample_method_to_string(dsp_resampler_get_method(rs)));
        } else {
                snprintf(si->resample_method, sizeof(si->resample_method), "copy");
        }
        si->io.resampler = rs;
        return 0;
}

int sink_input_new(Core *c, const SinkInputNew *n, SinkInput **ret) {
        Device *sink = n->sink ? n->sink : c->default_sink;
        SinkInput *si;
        SampleSpec ss = n->spec;
        ChannelMap map = n->map;
        int r;

        if (!sink)
                return ENGINE_E_NOENTITY;
        if ((n->flags & STREAM_FLAG_FAIL_ON_SUSPEND) && sink->suspend_cause)
                return ENGINE_E_BADSTATE;
        if (device_stream_count(sink) >= STREAMS_PER_DEVICE_MAX)
                return ENGINE_E_TOOLARGE;
        if (n->flags & STREAM_FLAG_FIX_FORMAT)
                ss.format = sink->spec.format;
        if (n->flags & STREAM_FLAG_FIX_RATE)
                ss.rate = sink->spec.rate;
        if (n->flags & STREAM_FLAG_FIX_CHANNELS) {
                ss.channels = sink->spec.channels;
                map = sink->map;
        }
        if (!sample_spec_valid(&ss))
                return ENGINE_E_INVALID;
        if (map.channels != ss.channels && !channel_map_init_auto(&map, ss.channels))
                return ENGINE_E_INVALID;

        si = calloc(1, sizeof(*si));
        if (!si)
                return -ENOMEM;
        si->core = c;
        si->index = IDX_INVALID;
        si->spec = ss;
        si->map = map;
        si->client = n->client;
        si->module = n->module;
        si->driver = n->driver;
        si->flags = n->flags;
        si->sync_key = n->sync_key;
        si->ops = n->ops;
        si->owner = n->owner;
        si->has_volume = si->volume_writable = !(n->flags & STREAM_FLAG_PASSTHROUGH);
        si->corked = n->corked;
        c_list_init(&si->device_link);
        c_list_init(&si->io.link);
        si->io.frame_size = sample_spec_frame_size(&ss);
        si->props = proplist_new();
        if (!si->props) {
                r = -ENOMEM;
                goto fail;
        }
        if (n->props && (r = proplist_update(si->props, PROPLIST_UPDATE_REPLACE, n->props)) < 0)
                goto fail;
        if (n->client && (r = proplist_update(si->props, PROPLIST_UPDATE_MERGE, n->client->props)) < 0)
                goto fail;
        if (n->volume_set && n->volume.channels == ss.channels)
                si->volume = n->volume;
        else if (n->volume_set && n->volume.channels == 1)
                cvolume_set(&si->volume, ss.channels, n->volume.values[0]);
        else
                cvolume_set(&si->volume, ss.channels, VOLUME_NORM);
        si->mute = n->muted_set ? n->mute : false;
        si->format = format_info_from_sample_spec(&ss, &map);
        if (!si->format) {
                r = -ENOMEM;
                goto fail;
        }
        si->requested_attr = n->attr;
        si->attr = n->attr;
        playback_negotiate(&ss, sink, &si->attr, n->flags, &si->configured_latency);
        {
                /* played data a rewind may need again stays in the ring (ring.reserve):
                 * the writer keeps the room it would have without it */
                size_t room = ring_size_for((size_t)si->attr.tlength * 2 + si->attr.minreq * 2 + 65536 +
                                            n->initial_length);

                r = ring_alloc(&si->ring, room + usec_to_bytes_up(IO_REWIND_MAX_USEC, &si->spec));
                si->ring.reserve = r < 0 ? 0 : si->ring.size - room;
        }
        if (r < 0)
                goto fail;
        if (n->initial_length) {
                if (n->initial_length > si->ring.size || n->initial_length > si->attr.maxlength) {
                        r = ENGINE_E_TOOLARGE;
                        goto fail;
                }
                ring_put(&si->ring, 0, n->initial_data, n->initial_length);
                atomic_store(&si->ring.write_index, (int64_t)n->initial_length);
        }
        c->blocks_allocated_total++;
        c->bytes_allocated_total += si->ring.size;
        r = si_setup_conversion(si, sink);
        if (r)
                goto fail;
        r = idxmap_reserve(&c->sink_inputs, 1);
        if (r < 0)
                goto fail;

        /* commit */
        si->missing = 0;                /* the create reply hands out tlength */
        si->io.corked = si->corked;
        si->io.prebuffering = si->attr.prebuf > 0;
        si->io.muted = si->mute;
        si_update_factors(si);
        (void)idxmap_put(&c->sink_inputs, si, &si->index);
        si->sink = sink;
        si->linked = true;
        c_list_link_tail(&sink->streams, &si->device_link);
        /* before the data thread sees the stream: a backend that fills ahead by the
         * configured latency (ALSA: up to 500 ms) must not, for a stream that starts
         * during that fill, render more than the stream's buffer holds (underflow) */
        device_update_latency(sink);
        si_invoke(si, SI_ADD, false);
        core_post_event(c, FACILITY_SINK_INPUT, EVENT_NEW, si->index);
        device_streams_changed(sink);
        *ret = si;
        return 0;
fail:
        dsp_resampler_free(si->io.resampler);
        free(si->ring.data);
        format_info_free(si->format);
        proplist_free(si->props);
        free(si);
        return r;
}

void sink_input_free(SinkInput *si) {
        Core *c;
        Device *sink;

        if (!si)
                return;
        c = si->core;
        sink = si->sink;
        if (si->linked) {
                si_invoke(si, SI_REMOVE, false);
                si->linked = false;
                device_unlink_stream(sink, &si->device_link);
                idxmap_remove(&c->sink_inputs, si->index);
                core_post_event(c, FACILITY_SINK_INPUT, EVENT_REMOVE, si->index);
                if (sink)
                        device_streams_changed(sink);
        }
        dsp_resampler_free(si->io.resampler);
        free(si->ring.data);
        format_info_free(si->format);
        proplist_free(si->props);
        free(si);
}

int sink_input_write(SinkInput *si, int64_t offset, uint8_t seek, const uint8_t *data, size_t n) {
        int64_t w = atomic_load_explicit(&si->ring.write_index, memory_order_relaxed);
        int64_t rd = atomic_load_explicit(&si->ring.read_index, memory_order_acquire);
        int64_t old = w, base, end, ahead, moved;

        switch (seek) {
        case 0:
                base = w;
                break;
        case 1:
                base = 0;
                break;
        case 2:
                base = rd;
                break;
        case 3:
                base = w > rd ? w : rd;
                break;
        default:
                return 0;
        }
        /* Offsets come from the client: any arithmetic that would overflow is an
         * out-of-range write, dropped like one beyond maxlength. */
        if (__builtin_add_overflow(base, offset, &w) ||
            __builtin_add_overflow(w, (int64_t)n, &end) ||
            __builtin_sub_overflow(end, rd, &ahead) ||
            __builtin_sub_overflow(w, old, &moved))
                return 1;
        /* Non-relative seeks change what the client owes us: account them. */
        if (seek != 0 && !__builtin_sub_overflow(si->missing, moved, &moved))
                si->missing = moved;
        if (ahead > (int64_t)si->attr.maxlength || ahead > (int64_t)(si->ring.size - si->ring.reserve)) {
                /* dropped, but the write index still moves (credit consumed) */
                atomic_store_explicit(&si->ring.write_index, end, memory_order_release);
                return 1;
        }
        if (end > rd) {
                int64_t start = w < rd ? rd : w;
                int64_t cur = atomic_load_explicit(&si->ring.write_index, memory_order_relaxed);
                int64_t fill_from = cur > rd ? cur : rd;

                /* A forward gap plays as silence. */
                if (start > fill_from)
                        ring_zero(&si->ring, fill_from, (size_t)(start - fill_from));
                ring_put(&si->ring, start, data + (start - w), (size_t)(end - start));
        }
        atomic_store_explicit(&si->ring.write_index, end, memory_order_release);
        /* the stream was waiting for this: play it now, not after the device's queue */
        if (end > rd && end - rd >= (int64_t)si->attr.prebuf && si->linked && si->sink && !si->corked &&
            atomic_exchange_explicit(&si->want_rewind, false, memory_order_relaxed))
                device_io_request_rewind(device_io_of(si->sink));
        return 0;
}

uint32_t sink_input_take_request(SinkInput *si) {
        int64_t rd = atomic_load_explicit(&si->ring.read_index, memory_order_acquire);
        int64_t w = atomic_load_explicit(&si->ring.write_index, memory_order_relaxed);
        bool prebuffering = si->attr.prebuf > 0 && w - rd < (int64_t)si->attr.prebuf;
        int64_t m;

        if (rd > si->last_read_index) {
                si->missing += rd - si->last_read_index;
                si->last_read_index = rd;
        }
        m = si->missing;
        if (m <= 0)
                return 0;
        if (m < (int64_t)si->attr.minreq && !prebuffering)
                return 0;
        si->missing -= m;
        return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

void sink_input_cork(SinkInput *si, bool cork) {
        if (si->corked == cork)
                return;
        si->corked = cork;
        si_invoke(si, SI_CORK, cork);
        core_post_event(si->core, FACILITY_SINK_INPUT, EVENT_CHANGE, si->index);
        if (si->sink)
                device_state_update(si->sink, false);
}

void sink_input_flush(SinkInput *si) {
        int64_t w = atomic_load(&si->ring.write_index), rd;

        si_invoke(si, SI_FLUSH, false);
        rd = atomic_load(&si->ring.read_index);
        if (w > rd)
                si->missing += w - rd;
}

void sink_input_trigger(SinkInput *si) {
        si_invoke(si, SI_TRIGGER, false);
}

void sink_input_prebuf(SinkInput *si) {
        si_invoke(si, SI_PREBUF, false);
}

bool sink_input_drain(SinkInput *si) {
        DeviceIo *io = si->sink ? device_io_of(si->sink) : NULL;
        SiReq r = { .si = si, .io = io, .op = SI_DRAIN };

        if (!io)
                return true;
        iothread_invoke(&io->thread, si_invoke_fn, &r);
        return r.result;
}

void sink_input_cancel_drain(SinkInput *si) {
        si_invoke(si, SI_CANCEL_DRAIN, false);
}

int sink_input_set_buffer_attr(SinkInput *si, const BufferAttr *req, uint32_t flags) {
        BufferAttr a = *req;
        uint32_t old_tlength = si->attr.tlength;
        uint64_t lat;

        si->requested_attr = *req;
        si->flags = (si->flags & ~(STREAM_FLAG_ADJUST_LATENCY | STREAM_FLAG_EARLY_REQUESTS)) |
                    (flags & (STREAM_FLAG_ADJUST_LATENCY | STREAM_FLAG_EARLY_REQUESTS));
        playback_negotiate(&si->spec, si->sink, &a, si->flags, &lat);
        if ((size_t)a.tlength * 2 > si->ring.size - si->ring.reserve) {
                /* Keep the ring; cap tlength to what it holds (documented limit; the
                 * reserve behind the read index is not the writer's). */
                a.tlength = (uint32_t)((si->ring.size - si->ring.reserve) / 2);
                a.tlength -= a.tlength % (uint32_t)sample_spec_frame_size(&si->spec);
                if (a.prebuf > a.tlength)
                        a.prebuf = a.tlength;
        }
        si->attr = a;
        si->configured_latency = lat;
        si->missing += (int64_t)a.tlength - (int64_t)old_tlength;
        if (si->sink)
                device_update_latency(si->sink);
        return 0;
}

int sink_input_set_rate(SinkInput *si, uint32_t rate) {
        SiReq r;
        DeviceIo *io;

        if (rate == 0 || rate > RATE_MAX)
                return ENGINE_E_INVALID;
        if (!(si->flags & STREAM_FLAG_VARIABLE_RATE) || !si->io.resampler) {
                si->spec.rate = rate;
                return 0;
        }
        si->spec.rate = rate;
        io = si->sink ? device_io_of(si->sink) : NULL;
        r = (SiReq){ .si = si, .io = io, .op = SI_RATE, .value = rate };
        if (io)
                iothread_invoke(&io->thread, si_invoke_fn, &r);
        return 0;
}

int sink_input_set_volume(SinkInput *si, const CVolume *v) {
        if (!si->volume_writable)
                return ENGINE_E_BADSTATE;
        if (!cvolume_valid(v))
                return ENGINE_E_INVALID;
        if (v->channels == 1 && si->spec.channels != 1)
                cvolume_scale(&si->volume, v->values[0]);
        else if (v->channels == si->spec.channels)
                si->volume = *v;
        else
                return ENGINE_E_INVALID;
        si_invoke(si, SI_VOLUME, false);
        core_post_event(si->core, FACILITY_SINK_INPUT, EVENT_CHANGE, si->index);
        return 0;
}

int sink_input_set_mute(SinkInput *si, bool mute) {
        if (si->mute == mute)
                return 0;
        si->mute = mute;
        si_invoke(si, SI_VOLUME, false);
        core_post_event(si->core, FACILITY_SINK_INPUT, EVENT_CHANGE, si->index);
        return 0;
}

int sink_input_move(SinkInput *si, Device *dest) {
        Device *old = si->sink;
        DspRemap remap;
        DspResampler *old_rs;
        int r;

        if (dest == old)
                return 0;
        if (si->flags & STREAM_FLAG_DONT_MOVE)
                return ENGINE_E_INVALID;
        if (device_stream_count(dest) >= STREAMS_PER_DEVICE_MAX)
                return ENGINE_E_INVALID;
        remap = si->io.remap;
        old_rs = si->io.resampler;
        si_invoke(si, SI_REMOVE, false);
        r = si_setup_conversion(si, dest);
        if (r) {
                si->io.remap = remap;
                si->io.resampler = old_rs;
                si_invoke(si, SI_ADD, false);
                return r < 0 ? r : ENGINE_E_INVALID;
        }
        dsp_resampler_free(old_rs);
        device_unlink_stream(si->sink, &si->device_link);
        si->sink = dest;
        c_list_link_tail(&dest->streams, &si->device_link);
        {
                BufferAttr a = si->requested_attr;
                uint32_t old_tlength = si->attr.tlength;
                uint64_t lat;

                playback_negotiate(&si->spec, dest, &a, si->flags, &lat);
                if ((size_t)a.tlength * 2 > si->ring.size - si->ring.reserve)
                        a.tlength = si->attr.tlength;   /* the queue keeps its size */
                si->attr = a;
                si->configured_latency = lat;
                si->missing += (int64_t)a.tlength - (int64_t)old_tlength;
        }
        device_update_latency(dest);    /* before the data thread renders it (as in _new) */
        si_invoke(si, SI_ADD, false);
        device_streams_changed(old);
        device_streams_changed(dest);
        core_post_event(si->core, FACILITY_SINK_INPUT, EVENT_CHANGE, si->index);
        if (si->ops && si->ops->moved)
                si->ops->moved(si);
        return 0;
}

void sink_input_kill(SinkInput *si) {
        if (si->ops && si->ops->killed)
                si->ops->killed(si);
        else
                sink_input_free(si);
}

void sink_input_get_latency(SinkInput *si, StreamLatency *ret) {
        DeviceIo *io = si->sink ? device_io_of(si->sink) : NULL;
        SiReq r = { .si = si, .io = io, .op = SI_LATENCY, .lat = ret };

        memset(ret, 0, sizeof(*ret));
        if (!io) {
                ret->write_index = atomic_load(&si->ring.write_index);
                ret->read_index = atomic_load(&si->ring.read_index);
                ret->underrun_for = UINT64_MAX;
                return;
        }
        iothread_invoke(&io->thread, si_invoke_fn, &r);
}

uint64_t sink_input_buffer_usec(SinkInput *si) {
        int64_t w = atomic_load(&si->ring.write_index), rd = atomic_load(&si->ring.read_index);

        return w > rd ? sample_spec_bytes_to_usec((uint64_t)(w - rd), &si->spec) : 0;
}

/* ---- record ---- */

typedef struct SoReq {
        SourceOutput *so;
        DeviceIo *io;
        int op;
        bool flag;
        uint32_t value;
        StreamLatency *lat;
} SoReq;

enum {
        SO_ADD,
        SO_REMOVE,
        SO_CORK,
        SO_FLUSH,
        SO_VOLUME,
        SO_LATENCY,
        SO_RATE,
};

static void so_invoke_fn(IoThread *t, void *arg) {
        SoReq *r = arg;
        SourceOutput *so = r->so;
        SourceOutputIo *io = &so->io;

        switch (r->op) {
        case SO_ADD:
                c_list_link_tail(&r->io->outputs, &io->link);
                io->linked = true;
                if (!t->next_tick)
                        iothread_set_next_tick(t, iothread_now_usec());
                break;
        case SO_REMOVE:
                if (io->linked) {
                        c_list_unlink(&io->link);
                        io->linked = false;
                }
                break;
        case SO_CORK:
                io->corked = r->flag;
                break;
        case SO_FLUSH:
                atomic_store(&so->ring.read_index, atomic_load(&so->ring.write_index));
                break;
        case SO_VOLUME:
                dsp_volume_factors(&so->volume, so->mute, io->factors);
                break;
        case SO_RATE:
                if (io->resampler)
                        (void)dsp_resampler_set_input_rate(io->resampler, r->value);
                break;
        case SO_LATENCY: {
                StreamLatency *l = r->lat;
                Device *src = so->source;

                l->write_index = atomic_load(&so->ring.write_index);
                l->read_index = atomic_load(&so->ring.read_index);
                l->playing = io->linked && !io->corked && !r->io->suspended;
                l->device_usec = src->monitor_of ? device_io_latency(r->io) : 0;
                l->source_usec = src->monitor_of ? 0 : device_io_latency(r->io);
                break;
        }
        default:
                break;
        }
}

static void so_invoke(SourceOutput *so, int op, bool flag) {
        DeviceIo *io = so->source ? device_io_of(so->source) : NULL;
        SoReq r = { .so = so, .io = io, .op = op, .flag = flag };

        if (!io) {
                if (op == SO_ADD || op == SO_REMOVE || op == SO_LATENCY)
                        return;
                so_invoke_fn(&(IoThread){ 0 }, &r);
                return;
        }
        iothread_invoke(&io->thread, so_invoke_fn, &r);
}

static int so_setup_conversion(SourceOutput *so, Device *src) {
        DspResampler *rs = NULL;
        uint32_t out_rate = (so->flags & STREAM_FLAG_PEAK_DETECT) ? src->spec.rate : so->spec.rate;
        int r;

        r = dsp_remap_init(&so->io.remap, &src->map, &so->map,
                           so->flags & STREAM_FLAG_NO_REMAP, so->flags & STREAM_FLAG_NO_REMIX);
        if (r < 0)
                return ENGINE_E_NOTSUPPORTED;
        if (so->flags & STREAM_FLAG_PEAK_DETECT) {
                if (dsp_peak_init(&so->io.peak, so->spec.channels, src->spec.rate, so->spec.rate) < 0)
                        return ENGINE_E_NOTSUPPORTED;
                snprintf(so->resample_method, sizeof(so->resample_method), "peaks");
        } else if (src->spec.rate != out_rate || (so->flags & STREAM_FLAG_VARIABLE_RATE)) {
                r = dsp_resampler_new(&rs, so->spec.channels, src->spec.rate, out_rate,
                                      stream_resample_method(so->core));
                if (r < 0)
                        return r == -ENOMEM ? r : ENGINE_E_NOTSUPPORTED;
                snprintf(so->resample_method, sizeof(so->resample_method), "%s",
                         dsp_resample_method_to_string(dsp_resampler_get_method(rs)));
        } else {
                snprintf(so->resample_method, sizeof(so->resample_method), "copy");
        }
        so->io.resampler = rs;
        return 0;
}

int source_output_new(Core *c, const SourceOutputNew *n, SourceOutput **ret) {
        Device *src = n->source ? n->source : c->default_source;
        SourceOutput *so;
        SampleSpec ss = n->spec;
        ChannelMap map = n->map;
        int r;

        if (!src)
                return ENGINE_E_NOENTITY;
        if ((n->flags & STREAM_FLAG_FAIL_ON_SUSPEND) && src->suspend_cause)
                return ENGINE_E_BADSTATE;
        if (device_stream_count(src) >= STREAMS_PER_DEVICE_MAX)
                return ENGINE_E_TOOLARGE;
        if (n->flags & STREAM_FLAG_FIX_FORMAT)
                ss.format = src->spec.format;
        if (n->flags & STREAM_FLAG_FIX_RATE)
                ss.rate = src->spec.rate;
        if (n->flags & STREAM_FLAG_FIX_CHANNELS) {
                ss.channels = src->spec.channels;
                map = src->map;
        }
        if (!sample_spec_valid(&ss))
                return ENGINE_E_INVALID;
        if (map.channels != ss.channels && !channel_map_init_auto(&map, ss.channels))
                return ENGINE_E_INVALID;
        so = calloc(1, sizeof(*so));
        if (!so)
                return -ENOMEM;
        so->core = c;
        so->index = IDX_INVALID;
        so->spec = ss;
        so->map = map;
        so->client = n->client;
        so->module = n->module;
        so->driver = n->driver;
        so->flags = n->flags;
        so->ops = n->ops;
        so->owner = n->owner;
        so->corked = n->corked;
        so->direct_on_input = n->direct_on_input;
        c_list_init(&so->device_link);
        c_list_init(&so->io.link);
        so->io.frame_size = sample_spec_frame_size(&ss);
        so->props = proplist_new();
        if (!so->props) {
                r = -ENOMEM;
                goto fail;
        }
        if (n->props && (r = proplist_update(so->props, PROPLIST_UPDATE_REPLACE, n->props)) < 0)
                goto fail;
        if (n->client && (r = proplist_update(so->props, PROPLIST_UPDATE_MERGE, n->client->props)) < 0)
                goto fail;
        if (n->volume_set && n->volume.channels == ss.channels)
                so->volume = n->volume;
        else
                cvolume_set(&so->volume, ss.channels, VOLUME_NORM);
        so->mute = n->muted_set ? n->mute : false;
        so->format = format_info_from_sample_spec(&ss, &map);
        if (!so->format) {
                r = -ENOMEM;
                goto fail;
        }
        so->attr = n->attr;
        record_negotiate(&ss, src, &so->attr, n->flags, &so->configured_latency);
        r = ring_alloc(&so->ring, C_MIN((size_t)so->attr.maxlength,
                                        C_MAX((size_t)so->attr.fragsize * 4, (size_t)256 * 1024)));
        if (r < 0)
                goto fail;
        c->blocks_allocated_total++;
        c->bytes_allocated_total += so->ring.size;
        r = so_setup_conversion(so, src);
        if (r)
                goto fail;
        r = idxmap_reserve(&c->source_outputs, 1);
        if (r < 0)
                goto fail;

        so->io.corked = so->corked;
        dsp_volume_factors(&so->volume, so->mute, so->io.factors);
        (void)idxmap_put(&c->source_outputs, so, &so->index);
        so->source = src;
        so->linked = true;
        c_list_link_tail(&src->streams, &so->device_link);
        so_invoke(so, SO_ADD, false);
        core_post_event(c, FACILITY_SOURCE_OUTPUT, EVENT_NEW, so->index);
        device_streams_changed(src);
        *ret = so;
        return 0;
fail:
        dsp_resampler_free(so->io.resampler);
        free(so->ring.data);
        format_info_free(so->format);
        proplist_free(so->props);
        free(so);
        return r;
}

void source_output_free(SourceOutput *so) {
        Core *c;
        Device *src;

        if (!so)
                return;
        c = so->core;
        src = so->source;
        if (so->linked) {
                so_invoke(so, SO_REMOVE, false);
                so->linked = false;
                device_unlink_stream(src, &so->device_link);
                idxmap_remove(&c->source_outputs, so->index);
                core_post_event(c, FACILITY_SOURCE_OUTPUT, EVENT_REMOVE, so->index);
                if (src)
                        device_streams_changed(src);
        }
        dsp_resampler_free(so->io.resampler);
        free(so->ring.data);
        format_info_free(so->format);
        proplist_free(so->props);
        free(so);
}

size_t source_output_peek(SourceOutput *so, const uint8_t **ret, size_t max) {
        int64_t w = atomic_load_explicit(&so->ring.write_index, memory_order_acquire);
        int64_t rd = atomic_load_explicit(&so->ring.read_index, memory_order_relaxed);
        size_t avail, off, contig, fs = sample_spec_frame_size(&so->spec);

        if (w <= rd)
                return 0;
        avail = (size_t)(w - rd);
        off = (size_t)((uint64_t)rd & (so->ring.size - 1));
        contig = C_MIN(avail, so->ring.size - off);
        contig = C_MIN(contig, max);
        contig -= contig % fs;
        *ret = so->ring.data + off;
        return contig;
}

void source_output_drop(SourceOutput *so, size_t n) {
        atomic_fetch_add_explicit(&so->ring.read_index, (int64_t)n, memory_order_release);
}

void source_output_cork(SourceOutput *so, bool cork) {
        if (so->corked == cork)
                return;
        so->corked = cork;
        so_invoke(so, SO_CORK, cork);
        core_post_event(so->core, FACILITY_SOURCE_OUTPUT, EVENT_CHANGE, so->index);
        if (so->source)
                device_state_update(so->source, false);
}

void source_output_flush(SourceOutput *so) {
        so_invoke(so, SO_FLUSH, false);
}

int source_output_set_buffer_attr(SourceOutput *so, const BufferAttr *req, uint32_t flags) {
        BufferAttr a = *req;
        uint64_t lat;

        so->flags = (so->flags & ~(STREAM_FLAG_ADJUST_LATENCY | STREAM_FLAG_EARLY_REQUESTS)) |
                    (flags & (STREAM_FLAG_ADJUST_LATENCY | STREAM_FLAG_EARLY_REQUESTS));
        record_negotiate(&so->spec, so->source, &a, so->flags, &lat);
        so->attr = a;
        so->configured_latency = lat;
        if (so->source)
                device_update_latency(so->source);
        return 0;
}

int source_output_set_rate(SourceOutput *so, uint32_t rate) {
        if (rate == 0 || rate > RATE_MAX)
                return ENGINE_E_INVALID;
        so->spec.rate = rate;
        return 0;
}

int source_output_set_volume(SourceOutput *so, const CVolume *v) {
        if (!cvolume_valid(v))
                return ENGINE_E_INVALID;
        if (v->channels == 1 && so->spec.channels != 1)
                cvolume_scale(&so->volume, v->values[0]);
        else if (v->channels == so->spec.channels)
                so->volume = *v;
        else
                return ENGINE_E_INVALID;
        so_invoke(so, SO_VOLUME, false);
        core_post_event(so->core, FACILITY_SOURCE_OUTPUT, EVENT_CHANGE, so->index);
        return 0;
}

int source_output_set_mute(SourceOutput *so, bool mute) {
        if (so->mute == mute)
                return 0;
        so->mute = mute;
        so_invoke(so, SO_VOLUME, false);
        core_post_event(so->core, FACILITY_SOURCE_OUTPUT, EVENT_CHANGE, so->index);
        return 0;
}

int source_output_move(SourceOutput *so, Device *dest) {
        Device *old = so->source;
        DspRemap remap;
        DspResampler *old_rs;
        int r;

        if (dest == old)
                return 0;
        if ((so->flags & STREAM_FLAG_DONT_MOVE) || so->direct_on_input)
                return ENGINE_E_INVALID;
        remap = so->io.remap;
        old_rs = so->io.resampler;
        so_invoke(so, SO_REMOVE, false);
        r = so_setup_conversion(so, dest);
        if (r) {
                so->io.remap = remap;
                so->io.resampler = old_rs;
                so_invoke(so, SO_ADD, false);
                return r < 0 ? r : ENGINE_E_INVALID;
        }
        dsp_resampler_free(old_rs);
        device_unlink_stream(so->source, &so->device_link);
        so->source = dest;
        c_list_link_tail(&dest->streams, &so->device_link);
        so_invoke(so, SO_ADD, false);
        device_streams_changed(old);
        device_streams_changed(dest);
        core_post_event(so->core, FACILITY_SOURCE_OUTPUT, EVENT_CHANGE, so->index);
        if (so->ops && so->ops->moved)
                so->ops->moved(so);
        return 0;
}

void source_output_kill(SourceOutput *so) {
        if (so->ops && so->ops->killed)
                so->ops->killed(so);
        else
                source_output_free(so);
}

void source_output_get_latency(SourceOutput *so, StreamLatency *ret) {
        DeviceIo *io = so->source ? device_io_of(so->source) : NULL;
        SoReq r = { .so = so, .io = io, .op = SO_LATENCY, .lat = ret };

        memset(ret, 0, sizeof(*ret));
        if (!io) {
                ret->write_index = atomic_load(&so->ring.write_index);
                ret->read_index = atomic_load(&so->ring.read_index);
                return;
        }
        iothread_invoke(&io->thread, so_invoke_fn, &r);
}
