/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device-io.c: the render/capture cycle of a device, run in its data thread.
 *
 * Sinks: on each tick the device renders one period ahead of the clock:
 * every active input is converted to float at the device rate and channel
 * layout (format → float, remap by position, speexdsp resampling), scaled
 * by stream × device volume and summed; the sum is converted (with
 * saturation) to the device format and handed to the backend. A sink's
 * monitor source lives in the same thread: its record streams receive the
 * mixed signal (or, with direct_on_input, one input's signal).
 * Sources: the backend fills one period, which goes to every record stream.
 *
 * Clock: frames are derived from CLOCK_MONOTONIC since the device started
 * running (no cumulative rounding drift); the reported device latency is
 * the part of the rendered period not yet "played" (rendered_until − now),
 * which makes read_index − latency advance linearly for libpulse's
 * smoother.
 *
 * Real-time rules: no allocation, no locks, no logging here. All buffers
 * are allocated by device_io_start(); per-stream state by the control
 * thread before the stream is added.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>
#include "engine/core.h"
#include "engine/base/log.h"

#define IO_MAX_PERIOD_USEC 50000ULL
#define IO_DEFAULT_PERIOD_USEC 10000ULL
#define IO_MIN_PERIOD_USEC 1000ULL
#define IO_CHUNK_FRAMES 1024U

DeviceIo *device_io_of(Device *d) {
        if (d->monitor_of)
                return d->monitor_of->io;
        return d->io;
}

uint64_t device_io_latency(DeviceIo *io) {
        uint64_t now = iothread_now_usec(), l = 0;

        if (io->rendered_until > now)
                l = io->rendered_until - now;
        if (io->backend && io->backend->delay)
                l += io->backend->delay(io);
        {
                int64_t off = atomic_load_explicit(&io->port_latency_offset, memory_order_relaxed);

                uint64_t mag = off < 0 ? (uint64_t)0 - (uint64_t)off : (uint64_t)off;

                l = off < 0 ? (mag >= l ? 0 : l - mag) : (l > UINT64_MAX - mag ? UINT64_MAX : l + mag);
        }
        return l;
}

static void notify_si(DeviceIo *io, SinkInput *si, uint32_t bits) {
        atomic_fetch_or_explicit(&si->notify, bits, memory_order_release);
        (void)io;
}

/* Appends frames (stream layout, float) to a record stream's ring. */
static void record_put(DeviceIo *io, SourceOutput *so, float *buf, size_t frames) {
        unsigned sch = so->spec.channels;
        size_t bytes = frames * so->io.frame_size;
        int64_t w, rd;

        if (!frames)
                return;
        dsp_apply_volume(buf, frames, sch, so->io.factors);
        w = atomic_load_explicit(&so->ring.write_index, memory_order_relaxed);
        rd = atomic_load_explicit(&so->ring.read_index, memory_order_acquire);
        if ((size_t)(w - rd) + bytes > so->ring.size ||
            (uint64_t)(w - rd) + bytes > so->attr.maxlength) {
                /* The reader is behind: drop (there is no record overflow message). */
                atomic_fetch_add_explicit(&so->dropped, bytes, memory_order_relaxed);
                return;
        }
        {
                size_t off = (size_t)((uint64_t)w & (so->ring.size - 1));
                size_t first = C_MIN(bytes, so->ring.size - off);

                if (first == bytes) {
                        dsp_from_float(so->spec.format, buf, so->ring.data + off, frames * sch);
                } else {
                        dsp_from_float(so->spec.format, buf, io->rec_out, frames * sch);
                        memcpy(so->ring.data + off, io->rec_out, first);
                        memcpy(so->ring.data, io->rec_out + first, bytes - first);
                }
        }
        atomic_store_explicit(&so->ring.write_index, w + (int64_t)bytes, memory_order_release);
        atomic_fetch_or_explicit(&so->notify, STREAM_NOTIFY_DATA, memory_order_release);
}

/* Record delivery: buf holds frames at the device rate and layout (float). */
static void deliver_record(DeviceIo *io, SourceOutput *so, const float *buf, size_t frames) {
        SourceOutputIo *sio = &so->io;
        unsigned dch = io->device->spec.channels, sch = so->spec.channels;
        size_t done = 0;

        if (sio->corked)
                return;
        while (done < frames) {
                size_t n = C_MIN(frames - done, (size_t)IO_CHUNK_FRAMES);

                dsp_remap_run(&sio->remap, buf + done * dch, io->rec_a, n);
                done += n;
                if (so->flags & STREAM_FLAG_PEAK_DETECT) {
                        const float *in = io->rec_a;
                        size_t left = n;

                        /* Peaks are mono values; every channel of the stream carries them. */
                        while (left) {
                                size_t used = dsp_peak_push(&sio->peak, in, left);
                                size_t got = dsp_peak_pop(&sio->peak, io->rec_c, IO_CHUNK_FRAMES);

                                for (size_t f = 0; f < got; f++)
                                        for (unsigned ch = 0; ch < sch; ch++)
                                                io->rec_b[f * sch + ch] = io->rec_c[f];
                                record_put(io, so, io->rec_b, got);
                                in += used * sch;
                                left -= used;
                                if (!used && !got)
                                        break;
                        }
                } else if (sio->resampler) {
                        const float *in = io->rec_a;
                        size_t left = n;

                        while (left) {
                                size_t used = left, out = IO_CHUNK_FRAMES;

                                dsp_resampler_process(sio->resampler, in, &used, io->rec_b, &out);
                                record_put(io, so, io->rec_b, out);
                                in += used * sch;
                                left -= used;
                                if (!used && !out)
                                        break;
                        }
                } else {
                        record_put(io, so, io->rec_a, n);
                }
        }
}

/* Wakes the control thread; during a backend tick once, when the tick ends (a tick
 * renders in chunks: one wake-up of the main loop per tick, not per chunk). */
static void io_notify(DeviceIo *io) {
        if (io->in_tick)
                io->notify_deferred = true;
        else
                iothread_notify(&io->thread);
}

/* Renders `frames` device frames of input si into io->tmp_c (silence where the
 * queue ran dry) and advances its read index by what was really consumed. */
static void render_input_data(DeviceIo *io, SinkInput *si, size_t frames, bool *notified, bool *gap);

/* Renders one input; returns true if the chunk cannot be rewound over (the stream's
 * state changed, or it consumed a gap as silence: its ring holds no such audio). */
static bool render_input(DeviceIo *io, SinkInput *si, size_t frames, bool *notified) {
        SinkInputIo *sio = &si->io;
        bool pre = sio->prebuffering, under = sio->underrun, drain = sio->drain, gap = false;
        int64_t rd;

        render_input_data(io, si, frames, notified, &gap);
        if (!io->backend || !io->backend->rewind)
                return false;
        rd = atomic_load_explicit(&si->ring.read_index, memory_order_relaxed);
        if (rd > sio->rd_max)
                sio->rd_max = rd;
        /* waiting for data (prebuffering or in underrun): the client's next data
         * rewinds the device, so that it is heard at once despite a deep queue */
        atomic_store_explicit(&si->want_rewind, sio->prebuffering || sio->underrun, memory_order_relaxed);
        return gap || pre != sio->prebuffering || under != sio->underrun || drain != sio->drain;
}

static void render_input_data(DeviceIo *io, SinkInput *si, size_t frames, bool *notified, bool *gap) {
        SinkInputIo *sio = &si->io;
        Device *dev = io->device;
        unsigned dch = dev->spec.channels;
        size_t fs = sio->frame_size, produced = 0, ssize = sample_format_size(si->spec.format);
        int64_t w = atomic_load_explicit(&si->ring.write_index, memory_order_acquire);
        int64_t rd = atomic_load_explicit(&si->ring.read_index, memory_order_relaxed);
        bool got_data = false, ran_dry = false;

        memset(io->tmp_c, 0, frames * dch * sizeof(float));
        if (sio->prebuffering) {
                /* sync-group members leave prebuffering together (render_sink's pre-pass) */
                if (si->sync_key ? sio->sync_ready : (w - rd >= (int64_t)si->attr.prebuf && w > rd))
                        sio->prebuffering = false;
                else if (!(sio->drain && w > rd))
                        goto dry;
        }
        while (produced < frames && !ran_dry) {
                size_t want = frames - produced, in_need, take, avail, out;

                in_need = sio->resampler ? dsp_resampler_input_frames_for(sio->resampler, want) : want;
                in_need = C_MAX(C_MIN(in_need, (size_t)IO_CHUNK_FRAMES), (size_t)1);
                avail = w > rd ? (size_t)(w - rd) / fs : 0;
                take = C_MIN(in_need, avail);
                if (take) {
                        size_t bytes = take * fs;
                        size_t off = (size_t)((uint64_t)rd & (si->ring.size - 1));
                        size_t first = C_MIN(bytes, si->ring.size - off);

                        dsp_to_float(si->spec.format, si->ring.data + off, io->tmp_a, first / ssize);
                        if (first < bytes)
                                dsp_to_float(si->spec.format, si->ring.data, io->tmp_a + first / ssize,
                                             (bytes - first) / ssize);
                        /* stream volume is per stream channel: apply it before remapping */
                        if (!dsp_volume_factors_unity(sio->factors, si->spec.channels))
                                dsp_apply_volume(io->tmp_a, take, si->spec.channels, sio->factors);
                        dsp_remap_run(&sio->remap, io->tmp_a, io->tmp_b, take);
                        got_data = true;
                }
                if (take < in_need) {
                        ran_dry = true;
                        if (!sio->resampler || si->attr.prebuf > 0) {
                                /* play what there is; the rest of the period is silence */
                                in_need = take;
                        } else {
                                /* prebuf 0: the gap plays as silence and is consumed */
                                memset(io->tmp_b + take * dch, 0, (in_need - take) * dch * sizeof(float));
                        }
                }
                if (sio->resampler) {
                        size_t in = in_need;

                        out = want;
                        if (in)
                                dsp_resampler_process(sio->resampler, io->tmp_b, &in,
                                                      io->tmp_c + produced * dch, &out);
                        else
                                out = 0;
                        /* advance by what the resampler really took: real data first */
                        rd += (int64_t)(C_MIN(in, take) * fs);
                        if (in > take)
                                rd += (int64_t)((in - take) * fs);
                        sio->playing_for += in * fs;
                        if (in == 0 && out == 0)
                                break;
                } else {
                        memcpy(io->tmp_c + produced * dch, io->tmp_b, take * dch * sizeof(float));
                        out = take;
                        rd += (int64_t)(take * fs);
                        sio->playing_for += take * fs;
                }
                produced += out;
        }
        if (ran_dry && si->attr.prebuf == 0)
                *gap = true;
        if (ran_dry && !sio->resampler && si->attr.prebuf == 0 && produced < frames) {
                rd += (int64_t)((frames - produced) * fs);   /* gap plays as silence */
                sio->playing_for += (frames - produced) * fs;
        }
        atomic_store_explicit(&si->ring.read_index, rd, memory_order_release);
        if (got_data) {
                uint32_t bits = STREAM_NOTIFY_CONSUMED;

                if (!sio->ever_started || sio->underrun)
                        bits |= STREAM_NOTIFY_STARTED;
                sio->ever_started = true;
                sio->underrun = false;
                sio->underrun_for = 0;
                notify_si(io, si, bits);
                *notified = true;
        } else if (si->attr.prebuf == 0 && ran_dry) {
                notify_si(io, si, STREAM_NOTIFY_CONSUMED);
                *notified = true;
        }
        if (!ran_dry)
                return;
dry:
        if (w <= rd) {
                if (sio->drain) {
                        sio->drain = false;
                        notify_si(io, si, STREAM_NOTIFY_DRAINED);
                        *notified = true;
                } else if (sio->ever_started && !sio->underrun) {
                        log_debug("Stream underflow at read index %" PRId64 ".", rd);
                        atomic_store_explicit(&si->underflow_index, rd, memory_order_relaxed);
                        notify_si(io, si, STREAM_NOTIFY_UNDERFLOW);
                        *notified = true;
                }
                if (sio->ever_started) {
                        sio->underrun = true;
                        if (si->attr.prebuf > 0) {
                                sio->playing_for = 0;
                                sio->underrun_for += frames * fs;
                        }
                }
                if (si->attr.prebuf > 0 && !sio->drain)
                        sio->prebuffering = true;
        }
}

static void render_sink_to(DeviceIo *io, size_t frames, void *dst);

static void render_sink(DeviceIo *io, size_t frames) {
        render_sink_to(io, frames, NULL);
}

static void render_sink_to(DeviceIo *io, size_t frames, void *dst) {
        Device *dev = io->device;
        unsigned dch = dev->spec.channels;
        bool notified = false, any_direct = false, hist = io->backend && io->backend->rewind;
        uint64_t seq = io->hist_seq;
        SinkInput *si;
        SourceOutput *so;
        CList *it;

        if (hist) {
                io->hist_seq++;
                io->hist_pos[seq % IO_HIST] = io->frames_done;
                if (!c_list_is_empty(&io->outputs))
                        io->rewind_barrier = seq + 1;   /* the monitor has heard it */
        }
        memset(io->mix, 0, frames * dch * sizeof(float));
        /* Sync groups (streams of one client with one sync id) start together: a
         * member leaves prebuffering only when every prebuffering member could. */
        for (it = io->inputs.next; it != &io->inputs; it = it->next) {
                si = c_container_of(it, SinkInput, io.link);
                if (!si->sync_key || !si->io.prebuffering)
                        continue;
                si->io.sync_ready = true;
                for (CList *jt = io->inputs.next; jt != &io->inputs && si->io.sync_ready; jt = jt->next) {
                        SinkInput *o = c_container_of(jt, SinkInput, io.link);
                        int64_t ow = atomic_load_explicit(&o->ring.write_index, memory_order_acquire);
                        int64_t ord = atomic_load_explicit(&o->ring.read_index, memory_order_relaxed);

                        if (o->sync_key == si->sync_key && o->io.prebuffering && !o->io.corked &&
                            !(ow - ord >= (int64_t)o->attr.prebuf && ow > ord))
                                si->io.sync_ready = false;
                }
        }
        for (it = io->outputs.next; it != &io->outputs; it = it->next) {
                so = c_container_of(it, SourceOutput, io.link);
                if (so->direct_on_input)
                        any_direct = true;
        }
        for (it = io->inputs.next; it != &io->inputs; it = it->next) {
                si = c_container_of(it, SinkInput, io.link);
                if (si->io.corked)
                        continue;
                if (hist) {
                        unsigned k = (unsigned)(seq % IO_HIST);

                        si->io.hist_rd[k] = atomic_load_explicit(&si->ring.read_index, memory_order_relaxed);
                        si->io.hist_pf[k] = si->io.playing_for;
                        si->io.hist_tag[k] = seq + 1;
                }
                if (render_input(io, si, frames, &notified))
                        io->rewind_barrier = seq + 1;
                if (any_direct) {
                        for (CList *jt = io->outputs.next; jt != &io->outputs; jt = jt->next) {
                                so = c_container_of(jt, SourceOutput, io.link);
                                if (so->direct_on_input == si)
                                        deliver_record(io, so, io->tmp_c, frames);
                        }
                }
                dsp_mix_add(io->mix, io->tmp_c, frames, dch, io->dev_factors);
        }
        dsp_from_float(dev->spec.format, io->mix, dst ? dst : io->out, frames * dch);
        if (!dst && io->backend && io->backend->write)
                io->backend->write(io, io->out, frames * sample_spec_frame_size(&dev->spec));
        for (it = io->outputs.next; it != &io->outputs; it = it->next) {
                so = c_container_of(it, SourceOutput, io.link);
                if (!so->direct_on_input)
                        deliver_record(io, so, io->mix, frames);
                notified = true;
        }
        if (notified)
                io_notify(io);
}

/* Sources deliver what the backend produced: a null source fills silence, a
 * FIFO only what a writer put there (no silence is invented in the middle of
 * someone's audio). */
static void deliver_capture(DeviceIo *io, const void *src, size_t got);

static void capture_source(DeviceIo *io, size_t frames) {
        Device *dev = io->device;
        size_t fs = sample_spec_frame_size(&dev->spec), got = 0;

        if (io->backend && io->backend->read)
                got = io->backend->read(io, io->out, frames * fs) / fs;
        if (!got)
                return;
        deliver_capture(io, io->out, got);
}

static void deliver_capture(DeviceIo *io, const void *src, size_t got) {
        Device *dev = io->device;
        SourceOutput *so;
        CList *it;

        dsp_to_float(dev->spec.format, src, io->mix, got * dev->spec.channels);
        dsp_apply_volume(io->mix, got, dev->spec.channels, io->dev_factors);
        for (it = io->outputs.next; it != &io->outputs; it = it->next) {
                so = c_container_of(it, SourceOutput, io.link);
                deliver_record(io, so, io->mix, got);
        }
        if (!c_list_is_empty(&io->outputs))
                io_notify(io);
}

/* The device clock: audio is produced up to one period ahead of CLOCK_MONOTONIC.
 * Position = start + frames_done / rate, computed (not accumulated), so there is
 * no rounding drift; a late wake-up catches up (a null sink consumes in real
 * time, like hardware would), unless we are hopelessly behind (> 1 s: then the
 * clock restarts rather than bursting). */
static uint64_t device_io_tick(IoThread *t, uint64_t now) {
        DeviceIo *io = t->userdata;
        Device *dev = io->device;
        uint64_t period = io->period_usec, target = now + period;
        size_t fs = sample_spec_frame_size(&dev->spec);

        if (io->backend && io->backend->tick) {
                /* the backend's clock: it says when it wants to run again (absolute) */
                uint64_t at;

                io->in_tick = true;
                at = io->backend->tick(io, now);
                io->in_tick = false;
                if (io->notify_deferred) {
                        io->notify_deferred = false;
                        iothread_notify(&io->thread);
                }
                io->rendered_until = 0;
                if (!at)
                        return 0;
                return at > t->next_tick ? at - t->next_tick : 1;
        }
        if (io->suspended || (c_list_is_empty(&io->inputs) && c_list_is_empty(&io->outputs))) {
                io->rendered_until = 0;
                return 0;
        }
        if (io->rendered_until == 0 || io->rendered_until + 1000000ULL < now) {
                io->start_usec = now;
                io->frames_done = 0;
                io->rendered_until = now;
        }
        for (int i = 0; i < 64 && io->rendered_until < target; i++) {
                uint64_t want = (target - io->start_usec) * dev->spec.rate / 1000000ULL + 1;
                size_t frames = want > io->frames_done ? (size_t)(want - io->frames_done) : 0;

                frames = C_MIN(frames, io->max_frames);
                if (!frames)
                        break;
                if (dev->kind == DEVICE_SINK)
                        render_sink(io, frames);
                else
                        capture_source(io, frames);
                io->frames_done += frames;
                io->bytes_rendered += frames * fs;
                io->rendered_until = io->start_usec + io->frames_done * 1000000ULL / dev->spec.rate;
        }
        return period;
}

static void device_io_fd_ready(IoThread *t, int fd, short revents) {
        DeviceIo *io = t->userdata;

        if (io->backend && io->backend->fd_ready) {
                io->in_tick = true;
                io->backend->fd_ready(io, fd, revents);
                io->in_tick = false;
                if (io->notify_deferred) {
                        io->notify_deferred = false;
                        iothread_notify(&io->thread);
                }
        }
}

static const IoThreadOps device_io_thread_ops = {
        .tick = device_io_tick,
        .fd_ready = device_io_fd_ready,
};

bool device_io_active(DeviceIo *io) {
        return !io->suspended && !(c_list_is_empty(&io->inputs) && c_list_is_empty(&io->outputs));
}

void device_io_render(DeviceIo *io, void *dst, size_t frames) {
        Device *dev = io->device;

        if (frames > io->max_frames)
                frames = io->max_frames;
        if (!frames)
                return;
        render_sink_to(io, frames, dst);
        io->frames_done += frames;
        io->bytes_rendered += frames * sample_spec_frame_size(&dev->spec);
}

void device_io_capture(DeviceIo *io, const void *src, size_t frames) {
        Device *dev = io->device;

        if (frames > io->max_frames)
                frames = io->max_frames;
        if (!frames)
                return;
        deliver_capture(io, src, frames);
        io->frames_done += frames;
        io->bytes_rendered += frames * sample_spec_frame_size(&dev->spec);
}

void device_io_set_poll_fd(DeviceIo *io, int fd, short events) {
        io->thread.extra_fd = fd;
        io->thread.extra_events = events;
}

void device_io_notify_backend(DeviceIo *io) {
        atomic_store_explicit(&io->backend_notify, true, memory_order_release);
        iothread_notify(&io->thread);
}

/* ---- rewinds ---- */

bool device_io_take_rewind_request(DeviceIo *io) {
        return atomic_exchange_explicit(&io->rewind_requested, false, memory_order_acq_rel);
}

bool device_io_rewind_ok(DeviceIo *io) {
        CList *it;

        if (!io->backend || !io->backend->rewind || !c_list_is_empty(&io->outputs))
                return false;
        for (it = io->inputs.next; it != &io->inputs; it = it->next)
                if (c_container_of(it, SinkInput, io.link)->io.drain)
                        return false;
        return true;
}

/* The first history entry of si at chunk seq or later (-1: none). */
static int hist_find(DeviceIo *io, SinkInputIo *sio, uint64_t seq) {
        for (; seq < io->hist_seq; seq++)
                if (sio->hist_tag[seq % IO_HIST] == seq + 1)
                        return (int)(seq % IO_HIST);
        return -1;
}

/* The first chunk a rewind may go back to. */
static uint64_t hist_first(DeviceIo *io) {
        uint64_t lo = io->hist_seq > IO_HIST - 1 ? io->hist_seq - (IO_HIST - 1) : 0;

        return C_MAX(lo, io->rewind_barrier);
}

/* Whether every stream still has the audio of chunk seq on (its ring keeps `reserve`
 * bytes behind the highest read index; the writer never touches those). */
static bool hist_feasible(DeviceIo *io, uint64_t seq) {
        CList *it;

        for (it = io->inputs.next; it != &io->inputs; it = it->next) {
                SinkInput *si = c_container_of(it, SinkInput, io.link);
                int k = hist_find(io, &si->io, seq);

                if (k >= 0 && si->io.hist_rd[k] < si->io.rd_max - (int64_t)si->ring.reserve)
                        return false;
        }
        return true;
}

/* The earliest chunk (>= the barrier) at most max frames back that can be rewound to;
 * io->hist_seq if none. */
static uint64_t hist_target(DeviceIo *io, size_t max) {
        for (uint64_t s = hist_first(io); s < io->hist_seq; s++)
                if (io->frames_done - io->hist_pos[s % IO_HIST] <= max && hist_feasible(io, s))
                        return s;
        return io->hist_seq;
}

size_t device_io_rewindable(DeviceIo *io, size_t max) {
        uint64_t s;

        if (!io->backend || !io->backend->rewind)
                return 0;
        s = hist_target(io, max);
        return s < io->hist_seq ? (size_t)(io->frames_done - io->hist_pos[s % IO_HIST]) : 0;
}

size_t device_io_rewind(DeviceIo *io, size_t frames) {
        uint64_t s, pos;
        CList *it;

        if (!io->backend || !io->backend->rewind)
                return 0;
        s = hist_target(io, frames);
        if (s >= io->hist_seq)
                return 0;
        pos = io->hist_pos[s % IO_HIST];
        for (it = io->inputs.next; it != &io->inputs; it = it->next) {
                SinkInput *si = c_container_of(it, SinkInput, io.link);
                SinkInputIo *sio = &si->io;
                int k = hist_find(io, sio, s);

                if (k >= 0) {
                        /* no state change since (the barrier): only the position moves */
                        atomic_store_explicit(&si->ring.read_index, sio->hist_rd[k], memory_order_release);
                        sio->playing_for = sio->hist_pf[k];
                        if (sio->resampler)
                                dsp_resampler_reset(sio->resampler);
                }
                for (uint64_t q = s; q < io->hist_seq; q++)
                        if (sio->hist_tag[q % IO_HIST] == q + 1)
                                sio->hist_tag[q % IO_HIST] = 0;
        }
        frames = (size_t)(io->frames_done - pos);
        io->bytes_rendered -= frames * sample_spec_frame_size(&io->device->spec);
        io->frames_done = pos;
        io->hist_seq = s;
        return frames;
}

static void request_rewind_fn(IoThread *t, void *arg) {
        DeviceIo *io = t->userdata;

        (void)arg;
        atomic_store_explicit(&io->rewind_requested, true, memory_order_release);
        if (io->backend && io->backend->tick)
                iothread_set_next_tick(t, iothread_now_usec());
}

void device_io_request_rewind(DeviceIo *io) {
        if (!io || !io->backend || !io->backend->rewind)
                return;
        iothread_invoke(&io->thread, request_rewind_fn, NULL);
}

/* Main loop side: handle the data thread's notifications. */
static void handle_si_notify(SinkInput *si) {
        uint32_t bits = atomic_exchange_explicit(&si->notify, 0, memory_order_acq_rel);

        if (!bits || !si->ops)
                return;
        if ((bits & STREAM_NOTIFY_STARTED) && si->ops->started)
                si->ops->started(si);
        if ((bits & STREAM_NOTIFY_UNDERFLOW) && si->ops->underflow)
                si->ops->underflow(si, atomic_load(&si->underflow_index));
        if ((bits & STREAM_NOTIFY_CONSUMED) && si->ops->consumed)
                si->ops->consumed(si);
        /* Last: the owner may free the stream when it drained. */
        if ((bits & STREAM_NOTIFY_DRAINED) && si->ops->drained)
                si->ops->drained(si);
}

static void handle_so_notify(SourceOutput *so) {
        uint32_t bits = atomic_exchange_explicit(&so->notify, 0, memory_order_acq_rel);

        if ((bits & STREAM_NOTIFY_DATA) && so->ops && so->ops->data)
                so->ops->data(so);
}

static void device_io_on_notify(void *userdata) {
        DeviceIo *io = userdata;
        Device *d = io->device, *mon = d->kind == DEVICE_SINK ? NULL : d;
        CList *it;

        iothread_notify_ack(&io->thread);
        /* A callback may free or move *any* stream of the list, not only its own
         * (a client whose connection fails closes, and all its streams go): the
         * next entry is kept in Device.notify_next, which unlinking moves on. */
        if (d->kind == DEVICE_SINK) {
                for (it = d->streams.next; it != &d->streams; it = d->notify_next) {
                        d->notify_next = it->next;
                        handle_si_notify(c_container_of(it, SinkInput, device_link));
                }
                d->notify_next = NULL;
                mon = d->monitor;
        }
        if (mon) {
                for (it = mon->streams.next; it != &mon->streams; it = mon->notify_next) {
                        mon->notify_next = it->next;
                        handle_so_notify(c_container_of(it, SourceOutput, device_link));
                }
                mon->notify_next = NULL;
        }
        /* Last: the backend may suspend the device or schedule its removal. */
        if (atomic_exchange_explicit(&io->backend_notify, false, memory_order_acq_rel) &&
            io->backend && io->backend->notify)
                io->backend->notify(io);
}

static void set_dev_factors_fn(IoThread *t, void *arg) {
        DeviceIo *io = t->userdata;

        if (memcmp(io->dev_factors, arg, sizeof(io->dev_factors)) && io->backend && io->backend->rewind) {
                atomic_store_explicit(&io->rewind_requested, true, memory_order_relaxed);
                if (io->backend->tick)
                        iothread_set_next_tick(t, iothread_now_usec());
        }
        memcpy(io->dev_factors, arg, sizeof(io->dev_factors));
}

static void set_suspended_fn(IoThread *t, void *arg) {
        DeviceIo *io = t->userdata;

        io->suspended = *(bool *)arg;
        if (!io->suspended && !t->next_tick)
                iothread_set_next_tick(t, iothread_now_usec());
}

void device_io_sync(Device *d) {
        DeviceIo *io = d->io;
        float f[32];
        bool s;

        if (!io)
                return;
        dsp_volume_factors(io->use_soft_volume ? &io->soft_volume : &d->volume, d->mute, f);
        iothread_invoke(&io->thread, set_dev_factors_fn, f);
        s = d->suspend_cause != 0;
        iothread_invoke(&io->thread, set_suspended_fn, &s);
}

static void device_io_free_buffers(DeviceIo *io) {
        free(io->mix);
        free(io->tmp_a);
        free(io->tmp_b);
        free(io->tmp_c);
        free(io->rec_a);
        free(io->rec_b);
        free(io->rec_c);
        free(io->out);
        free(io->rec_out);
}

int device_io_start(Device *d, const DeviceIoBackend *b, void *backend_data) {
        DeviceIo *io = calloc(1, sizeof(*io));
        size_t dch = d->spec.channels, fs = sample_spec_frame_size(&d->spec);
        int r;

        if (!io)
                return -ENOMEM;
        io->device = d;
        io->backend = b;
        io->backend_data = backend_data;
        c_list_init(&io->inputs);
        c_list_init(&io->outputs);
        io->period_usec = IO_DEFAULT_PERIOD_USEC;
        io->max_frames = (size_t)(d->spec.rate * IO_MAX_PERIOD_USEC / 1000000ULL) + 1;
        if (io->max_frames > IO_CHUNK_FRAMES)
                io->max_frames = IO_CHUNK_FRAMES;
        io->mix = calloc(io->max_frames * dch, sizeof(float));
        io->tmp_a = calloc((size_t)IO_CHUNK_FRAMES * CHANNELS_MAX, sizeof(float));
        io->tmp_b = calloc((size_t)IO_CHUNK_FRAMES * CHANNELS_MAX, sizeof(float));
        io->tmp_c = calloc((size_t)IO_CHUNK_FRAMES * CHANNELS_MAX, sizeof(float));
        io->rec_a = calloc((size_t)IO_CHUNK_FRAMES * CHANNELS_MAX, sizeof(float));
        io->rec_b = calloc((size_t)IO_CHUNK_FRAMES * CHANNELS_MAX, sizeof(float));
        io->rec_c = calloc((size_t)IO_CHUNK_FRAMES * CHANNELS_MAX, sizeof(float));
        io->out = malloc((size_t)IO_CHUNK_FRAMES * CHANNELS_MAX * 4 + io->max_frames * fs);
        io->rec_out = malloc((size_t)IO_CHUNK_FRAMES * CHANNELS_MAX * 4);
        if (!io->mix || !io->tmp_a || !io->tmp_b || !io->tmp_c || !io->out || !io->rec_a ||
            !io->rec_b || !io->rec_c || !io->rec_out) {
                r = -ENOMEM;
                goto fail;
        }
        dsp_volume_factors(&d->volume, d->mute, io->dev_factors);
        io->suspended = d->suspend_cause != 0;
        io->port_latency_offset = d->active_port ? d->active_port->latency_offset : 0;
        r = iothread_start(&io->thread, d->kind == DEVICE_SINK ? "pc-sink" : "pc-source",
                           &device_io_thread_ops, io);
        if (r < 0)
                goto fail;
        if (d->core->loop && d->core->loop->add_fd) {
                r = d->core->loop->add_fd(d->core, io->thread.notify_fd, device_io_on_notify, io,
                                          &io->notify_handle);
                if (r < 0) {
                        iothread_stop(&io->thread);
                        goto fail;
                }
        }
        d->io = io;
        return 0;
fail:
        device_io_free_buffers(io);
        free(io);
        return r;
}

void device_io_stop(Device *d) {
        DeviceIo *io = d->io;

        if (!io)
                return;
        iothread_stop(&io->thread);
        if (io->notify_handle && d->core->loop && d->core->loop->remove_fd)
                d->core->loop->remove_fd(d->core, io->notify_handle);
        device_io_free_buffers(io);
        free(io);
        d->io = NULL;
}
