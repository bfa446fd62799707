/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* alsa-pcm.c: an ALSA PCM as a sink or source (see alsa-pcm.h and docs/alsa.md).
 *
 * Control thread: opens and negotiates the PCM (non-blocking), creates the
 * Device, owns the hardware mixer (alsa-mixer.c) and reacts to what the
 * data thread reports (xrun counts, a dead device).
 *
 * Data thread (DeviceIoBackend.tick / .fd_ready, engine/device-io.c): the
 * backend drives the clock. Two modes:
 *  - timer scheduling (tsched, the default): a large hardware buffer (2 s
 *    or what the device allows), of which the lowest configured latency of
 *    the streams is kept filled: up to ALSA_DEEP_FILL_USEC while rewinds
 *    can take it back (device_io_rewind_ok), else ALSA_MAX_FILL_USEC; at
 *    least watermark + ALSA_MIN_SLEEP_USEC. When what is queued must change
 *    (a stream starts, stops, changes volume, drains) the engine asks for a
 *    rewind: sink_rewind() drops all but the watermark (snd_pcm_rewind),
 *    the engine rolls the streams back (device_io_rewind) and we render
 *    again, so it is heard within the watermark. The minimum latency,
 *    watermark + ALSA_MIN_CYCLE_USEC, bounds the wake-up rate of low-latency
 *    streams. The thread sleeps until the fill has drained to the
 *    watermark, measured with snd_pcm_avail() and the card's estimated rate.
 *    The watermark adapts: doubled when a wake-up finds the buffer (nearly)
 *    empty or on an underrun, shrunk by 1/8 after 10 s without trouble.
 *    stop_threshold is the boundary, so a late wake-up never stops the
 *    device; an avail beyond the buffer size (we fell behind, or the driver
 *    reports nonsense) is handled as an xrun: drop, prepare, refill.
 *  - period wake-ups (tsched=0, or a PCM whose pointer cannot be trusted):
 *    the PCM's poll descriptor is polled by the data thread; each wake-up
 *    fills the whole buffer (fragments × fragment_size).
 * Xruns (-EPIPE, -ESTRPIPE) are recovered with snd_pcm_recover() and counted;
 * other errors (-ENODEV, -EBADFD, -EIO, ...) mark the PCM dead: the thread
 * stops touching it (no busy loop) and tells the control thread, which logs
 * once and suspends the device (SUSPEND_UNAVAILABLE; -ENODEV also unloads a
 * stand-alone module-alsa-sink/-source so its streams move elsewhere).
 *
 * Latency/clock: after every transfer the thread publishes (time, delay
 * from snd_pcm_delay(), the card's estimated rate) through a seqlock; the
 * device latency anyone asks for is that delay extrapolated to now with the
 * card's rate, so stream times follow the card's clock (including drift).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdatomic.h>
#include <inttypes.h>
#include <alsa/asoundlib.h>
#include "engine/core.h"
#include "engine/card.h"
#include "engine/base/log.h"
#include "hw/alsa/alsa-pcm.h"
#include "hw/alsa/alsa-mixer.h"

#define ALSA_TSCHED_BUFFER_USEC 2000000ULL
#define ALSA_TSCHED_PERIOD_USEC 10000U
#define ALSA_WATERMARK_USEC 10000ULL
#define ALSA_MIN_WATERMARK_USEC 1000ULL
#define ALSA_MIN_SLEEP_USEC 2000ULL
#define ALSA_MIN_LATENCY_USEC 4000ULL
#define ALSA_MAX_FILL_USEC 50000ULL
#define ALSA_MIN_CYCLE_USEC 40000ULL    /* shortest planned time between two wake-ups */
#define ALSA_DEEP_FILL_USEC IO_REWIND_MAX_USEC
#define ALSA_QUIET_USEC 10000000ULL
#define ALSA_IDLE_STOP_USEC 1000000ULL
#define ALSA_RATE_WINDOW_USEC 1000000ULL
#define ALSA_FRAGMENTS 4U
#define ALSA_FRAGMENT_USEC 25000ULL

typedef struct AlsaPcm {
        Core *core;
        Module *module;
        Device *device;
        AlsaMixer *mixer;
        char *pcm_name;
        bool capture;
        bool want_mmap;
        bool want_tsched;
        bool fixed_latency_range;
        bool standalone;                /* no card: a dead device unloads the module */
        uint64_t cfg_buffer_usec;
        uint64_t cfg_watermark_usec;
        uint32_t cfg_fragments;
        uint32_t cfg_fragment_size;     /* bytes, 0 = default */
        /* negotiated at the first open; a resume must get the same */
        SampleSpec spec;
        snd_pcm_format_t sfmt;
        snd_pcm_uframes_t buffer_frames;
        snd_pcm_uframes_t period_frames;
        bool tsched;
        bool mmap;
        size_t frame_size;
        uint8_t *buf;
        size_t buf_frames;
        CVolume last_hw;                /* the hardware volume as we last set/saw it */
        bool last_hw_mute;
        bool fail_reported;
        /* data thread */
        snd_pcm_t *pcm;
        bool started;
        bool dead;
        uint64_t watermark_usec;
        uint64_t last_trouble;
        uint64_t idle_since;            /* sink: no streams since (0 = busy) */
        uint64_t ref_time;              /* rate estimation: (time, card position) at start */
        uint64_t ref_pos;
        uint64_t transferred;           /* frames written/read since start */
        double rate;                    /* the card's estimated frames per second */
        /* seqlock-published delay snapshot (any thread reads) */
        _Atomic uint32_t snap_seq;
        _Atomic uint64_t snap_time;
        _Atomic int64_t snap_delay;
        _Atomic uint64_t snap_rate_mhz;
        /* data thread → control thread */
        _Atomic int fail_error;
        _Atomic uint64_t xruns;
        uint64_t xruns_logged;
} AlsaPcm;

/* ---- formats ---- */

static const struct {
        uint8_t ours;
        snd_pcm_format_t alsa;
} format_table[] = {
        { SAMPLE_FLOAT32LE, SND_PCM_FORMAT_FLOAT_LE },
        { SAMPLE_S32LE, SND_PCM_FORMAT_S32_LE },
        { SAMPLE_S24_32LE, SND_PCM_FORMAT_S24_LE },
        { SAMPLE_S24LE, SND_PCM_FORMAT_S24_3LE },
        { SAMPLE_S16LE, SND_PCM_FORMAT_S16_LE },
        { SAMPLE_FLOAT32BE, SND_PCM_FORMAT_FLOAT_BE },
        { SAMPLE_S32BE, SND_PCM_FORMAT_S32_BE },
        { SAMPLE_S24_32BE, SND_PCM_FORMAT_S24_BE },
        { SAMPLE_S24BE, SND_PCM_FORMAT_S24_3BE },
        { SAMPLE_S16BE, SND_PCM_FORMAT_S16_BE },
        { SAMPLE_U8, SND_PCM_FORMAT_U8 },
        { SAMPLE_ALAW, SND_PCM_FORMAT_A_LAW },
        { SAMPLE_ULAW, SND_PCM_FORMAT_MU_LAW },
};

static snd_pcm_format_t to_alsa_format(uint8_t f) {
        for (size_t i = 0; i < C_ARRAY_SIZE(format_table); i++)
                if (format_table[i].ours == f)
                        return format_table[i].alsa;
        return SND_PCM_FORMAT_UNKNOWN;
}

static uint8_t from_alsa_format(snd_pcm_format_t f) {
        for (size_t i = 0; i < C_ARRAY_SIZE(format_table); i++)
                if (format_table[i].alsa == f)
                        return format_table[i].ours;
        return SAMPLE_INVALID;
}

static uint64_t frames_to_usec(AlsaPcm *p, uint64_t frames) {
        return frames * 1000000ULL / p->spec.rate;
}

static uint64_t usec_to_frames(AlsaPcm *p, uint64_t usec) {
        return usec * p->spec.rate / 1000000ULL;
}

/* ---- the pulse plugin must never be opened by the pulse server ---- */

/* true if the ALSA configuration makes name the libasound "pulse" plugin (opening it
 * would connect to a sound server, maybe ourselves, and block our own main loop) */
static bool pcm_is_pulse_plugin(const char *name) {
        snd_config_t *top = NULL, *conf = NULL, *type = NULL;
        const char *t = NULL;
        bool pulse = false;

        if (snd_config_update_ref(&top) < 0)
                return false;
        if (snd_config_search_definition(top, "pcm", name, &conf) >= 0) {
                if (snd_config_search(conf, "type", &type) >= 0 &&
                    snd_config_get_string(type, &t) >= 0 && t)
                        pulse = strcmp(t, "pulse") == 0;
                snd_config_delete(conf);
        }
        snd_config_unref(top);
        return pulse;
}

/* ---- open and negotiate ---- */

static int pcm_open(AlsaPcm *p, SampleSpec *ss, bool exact, snd_pcm_t **ret) {
        snd_pcm_t *pcm = NULL;
        snd_pcm_hw_params_t *hw;
        snd_pcm_sw_params_t *sw;
        snd_pcm_format_t f = to_alsa_format(ss->format);
        snd_pcm_uframes_t boundary, period, buffer;
        unsigned rate = ss->rate, channels = ss->channels;
        bool mmap = false;
        int r;

        snd_pcm_hw_params_alloca(&hw);
        snd_pcm_sw_params_alloca(&sw);
        r = snd_pcm_open(&pcm, p->pcm_name, p->capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK,
                         SND_PCM_NONBLOCK);
        if (r < 0)
                return r;
        r = snd_pcm_hw_params_any(pcm, hw);
        if (r < 0)
                goto fail;
        (void)snd_pcm_hw_params_set_rate_resample(pcm, hw, 0);
        if (p->want_mmap && snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_MMAP_INTERLEAVED) >= 0)
                mmap = true;
        else if ((r = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0)
                goto fail;
        if (f == SND_PCM_FORMAT_UNKNOWN || snd_pcm_hw_params_test_format(pcm, hw, f) < 0) {
                if (exact) {
                        r = -EINVAL;
                        goto fail;
                }
                f = SND_PCM_FORMAT_UNKNOWN;
                for (size_t i = 0; i < C_ARRAY_SIZE(format_table) && f == SND_PCM_FORMAT_UNKNOWN; i++)
                        if (snd_pcm_hw_params_test_format(pcm, hw, format_table[i].alsa) >= 0)
                                f = format_table[i].alsa;
                if (f == SND_PCM_FORMAT_UNKNOWN) {
                        r = -EINVAL;
                        goto fail;
                }
        }
        if ((r = snd_pcm_hw_params_set_format(pcm, hw, f)) < 0)
                goto fail;
        r = exact ? snd_pcm_hw_params_set_channels(pcm, hw, channels)
                  : snd_pcm_hw_params_set_channels_near(pcm, hw, &channels);
        if (r < 0)
                goto fail;
        r = exact ? snd_pcm_hw_params_set_rate(pcm, hw, rate, 0)
                  : snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, NULL);
        if (r < 0)
                goto fail;
        if (rate < 1000 || rate > 384000 || channels < 1 || channels > CHANNELS_MAX) {
                r = -EINVAL;
                goto fail;
        }
        if (p->want_tsched) {
                unsigned pt = ALSA_TSCHED_PERIOD_USEC, bt = (unsigned)p->cfg_buffer_usec;

                (void)snd_pcm_hw_params_set_period_time_near(pcm, hw, &pt, NULL);
                (void)snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &bt, NULL);
        } else {
                snd_pcm_uframes_t ps = p->cfg_fragment_size
                        ? p->cfg_fragment_size / (snd_pcm_format_physical_width(f) / 8 * channels)
                        : (snd_pcm_uframes_t)(ALSA_FRAGMENT_USEC * rate / 1000000ULL);
                unsigned periods = p->cfg_fragments ? p->cfg_fragments : ALSA_FRAGMENTS;

                (void)snd_pcm_hw_params_set_period_size_near(pcm, hw, &ps, NULL);
                (void)snd_pcm_hw_params_set_periods_near(pcm, hw, &periods, NULL);
        }
        if ((r = snd_pcm_hw_params(pcm, hw)) < 0)
                goto fail;
        if ((r = snd_pcm_hw_params_get_period_size(hw, &period, NULL)) < 0 ||
            (r = snd_pcm_hw_params_get_buffer_size(hw, &buffer)) < 0)
                goto fail;
        if (buffer < 2 || period == 0 || period > buffer) {
                r = -EINVAL;
                goto fail;
        }
        if ((r = snd_pcm_sw_params_current(pcm, sw)) < 0 ||
            (r = snd_pcm_sw_params_get_boundary(sw, &boundary)) < 0)
                goto fail;
        /* we start explicitly; with timer scheduling a late wake-up must not stop the
         * device (we notice the underrun ourselves), and played-out space is silenced */
        (void)snd_pcm_sw_params_set_start_threshold(pcm, sw, boundary);
        (void)snd_pcm_sw_params_set_stop_threshold(pcm, sw, p->want_tsched ? boundary : buffer);
        (void)snd_pcm_sw_params_set_avail_min(pcm, sw, p->want_tsched ? buffer : period);
        if (p->want_tsched && !p->capture) {
                (void)snd_pcm_sw_params_set_silence_threshold(pcm, sw, 0);
                (void)snd_pcm_sw_params_set_silence_size(pcm, sw, boundary);
        }
        if ((r = snd_pcm_sw_params(pcm, sw)) < 0)
                goto fail;
        if (exact && (buffer != p->buffer_frames || mmap != p->mmap)) {
                r = -EINVAL;
                goto fail;
        }
        ss->format = from_alsa_format(f);
        ss->rate = rate;
        ss->channels = (uint8_t)channels;
        p->sfmt = f;
        p->buffer_frames = buffer;
        p->period_frames = period;
        p->mmap = mmap;
        *ret = pcm;
        return 0;
fail:
        snd_pcm_close(pcm);
        return r < 0 ? r : -EINVAL;
}

/* ---- delay snapshot (seqlock) ---- */

static void publish(AlsaPcm *p, uint64_t now, int64_t delay) {
        uint32_t s = atomic_load_explicit(&p->snap_seq, memory_order_relaxed);

        atomic_store_explicit(&p->snap_seq, s + 1, memory_order_relaxed);
        atomic_thread_fence(memory_order_release);
        atomic_store_explicit(&p->snap_time, now, memory_order_relaxed);
        atomic_store_explicit(&p->snap_delay, delay, memory_order_relaxed);
        atomic_store_explicit(&p->snap_rate_mhz, (uint64_t)(p->rate * 1000.0), memory_order_relaxed);
        atomic_store_explicit(&p->snap_seq, s + 2, memory_order_release);
}

static uint64_t alsa_delay(DeviceIo *io) {
        AlsaPcm *p = io->backend_data;
        uint64_t t, rate_mhz, now;
        int64_t d, frames;
        uint32_t s1, s2;

        do {
                s1 = atomic_load_explicit(&p->snap_seq, memory_order_acquire);
                t = atomic_load_explicit(&p->snap_time, memory_order_relaxed);
                d = atomic_load_explicit(&p->snap_delay, memory_order_relaxed);
                rate_mhz = atomic_load_explicit(&p->snap_rate_mhz, memory_order_relaxed);
                atomic_thread_fence(memory_order_acquire);
                s2 = atomic_load_explicit(&p->snap_seq, memory_order_relaxed);
        } while ((s1 & 1) || s1 != s2);
        if (!t)
                return 0;
        now = iothread_now_usec();
        frames = (int64_t)((double)(now > t ? now - t : 0) * (double)rate_mhz / 1e9);
        frames = p->capture ? d + frames : d - frames;
        if (frames <= 0)
                return 0;
        return (uint64_t)frames * 1000000ULL / p->spec.rate;
}

/* snd_pcm_delay, clamped: a device can report anything */
static void snapshot(AlsaPcm *p, uint64_t now) {
        snd_pcm_sframes_t d = 0;

        if (snd_pcm_delay(p->pcm, &d) < 0)
                return;
        /* the delay is of now, not of the tick's start: rendering a deep fill (up
         * to 500 ms of audio) takes a while, more on a loaded machine */
        now = C_MAX(now, iothread_now_usec());
        if (d < 0)
                d = 0;
        if ((snd_pcm_uframes_t)d > 2 * p->buffer_frames)
                d = (snd_pcm_sframes_t)p->buffer_frames;
        /* the card's rate: frames it moved since the start over the time it took */
        if (now > p->ref_time + ALSA_RATE_WINDOW_USEC) {
                uint64_t pos = p->capture ? p->transferred + (uint64_t)d
                                          : (p->transferred > (uint64_t)d ? p->transferred - (uint64_t)d : 0);
                double r = (double)(pos - C_MIN(pos, p->ref_pos)) * 1e6 / (double)(now - p->ref_time);

                if (r > p->spec.rate * 0.98 && r < p->spec.rate * 1.02)
                        p->rate = r;
        }
        publish(p, now, (int64_t)d);
}

/* ---- data thread ---- */

static void trouble(AlsaPcm *p, uint64_t now) {
        uint64_t max = frames_to_usec(p, p->buffer_frames) / 2;

        p->last_trouble = now;
        if (p->fixed_latency_range || !p->tsched)
                return;
        p->watermark_usec = C_MIN(p->watermark_usec * 2, max);
        log_debug("Watermark raised to %" PRIu64 " usec.", p->watermark_usec);
}

static void mark_dead(AlsaPcm *p, DeviceIo *io, int err) {
        if (p->dead)
                return;
        p->dead = true;
        p->started = false;
        device_io_set_poll_fd(io, -1, 0);
        publish(p, 0, 0);
        atomic_store_explicit(&p->fail_error, err, memory_order_release);
        device_io_notify_backend(io);
}

/* Recovers an xrun/suspend; anything else kills the device. Return: 0 recovered, <0 dead. */
static int handle_error(AlsaPcm *p, DeviceIo *io, int err, uint64_t now) {
        if (err == -EAGAIN)
                return 0;
        if (err == -EPIPE || err == -ESTRPIPE) {
                atomic_fetch_add_explicit(&p->xruns, 1, memory_order_relaxed);
                trouble(p, now);
                if (snd_pcm_recover(p->pcm, err, 1) >= 0) {
                        p->started = false;
                        device_io_notify_backend(io);
                        return 0;
                }
        }
        mark_dead(p, io, err);
        return err;
}

static void pcm_stop(AlsaPcm *p, DeviceIo *io) {
        if (p->pcm && p->started)
                (void)snd_pcm_drop(p->pcm);
        p->started = false;
        device_io_set_poll_fd(io, -1, 0);
        publish(p, 0, 0);
}

/* (Re)starts the PCM from a clean PREPARED state. */
static int pcm_prepare(AlsaPcm *p, DeviceIo *io, uint64_t now) {
        snd_pcm_state_t st = snd_pcm_state(p->pcm);
        int r = 0;

        if (st == SND_PCM_STATE_DISCONNECTED) {
                mark_dead(p, io, -ENODEV);
                return -ENODEV;
        }
        if (st != SND_PCM_STATE_PREPARED) {
                (void)snd_pcm_drop(p->pcm);
                r = snd_pcm_prepare(p->pcm);
        }
        if (r < 0) {
                mark_dead(p, io, r);
                return r;
        }
        p->transferred = 0;
        p->ref_time = now;
        p->ref_pos = 0;
        return 0;
}

/* Writes up to n frames of the mix. Return: frames written or a negative error. */
static snd_pcm_sframes_t sink_write(AlsaPcm *p, DeviceIo *io, snd_pcm_uframes_t n) {
        snd_pcm_uframes_t done = 0;

        while (done < n) {
                snd_pcm_uframes_t k = C_MIN(n - done, (snd_pcm_uframes_t)p->buf_frames);
                snd_pcm_sframes_t w;

                if (p->mmap) {
                        const snd_pcm_channel_area_t *a;
                        snd_pcm_uframes_t off, frames = k;
                        int r = snd_pcm_mmap_begin(p->pcm, &a, &off, &frames);

                        if (r < 0)
                                return done ? (snd_pcm_sframes_t)done : r;
                        if (frames == 0)
                                break;
                        if (a[0].first % 8 == 0 && a[0].step == p->frame_size * 8 && a[0].first == 0) {
                                device_io_render(io, (uint8_t *)a[0].addr + off * p->frame_size, frames);
                        } else {
                                /* unusual layout: render, then copy channel by channel */
                                snd_pcm_channel_area_t src[CHANNELS_MAX];

                                device_io_render(io, p->buf, frames);
                                for (unsigned c = 0; c < p->spec.channels; c++) {
                                        src[c].addr = p->buf;
                                        src[c].first = c * (unsigned)snd_pcm_format_physical_width(p->sfmt);
                                        src[c].step = (unsigned)(p->frame_size * 8);
                                }
                                snd_pcm_areas_copy(a, off, src, 0, p->spec.channels, frames, p->sfmt);
                        }
                        w = snd_pcm_mmap_commit(p->pcm, off, frames);
                } else {
                        device_io_render(io, p->buf, k);
                        w = snd_pcm_writei(p->pcm, p->buf, k);
                }
                if (w < 0)
                        return done ? (snd_pcm_sframes_t)done : w;
                done += (snd_pcm_uframes_t)w;
                p->transferred += (uint64_t)w;
                if ((snd_pcm_uframes_t)w < k && !p->mmap)
                        break;          /* the rest of this chunk is lost: the device is full */
        }
        return (snd_pcm_sframes_t)done;
}

static snd_pcm_sframes_t source_read(AlsaPcm *p, DeviceIo *io, snd_pcm_uframes_t n) {
        snd_pcm_uframes_t done = 0;

        while (done < n) {
                snd_pcm_uframes_t k = C_MIN(n - done, (snd_pcm_uframes_t)p->buf_frames);
                snd_pcm_sframes_t g;

                if (p->mmap) {
                        const snd_pcm_channel_area_t *a;
                        snd_pcm_uframes_t off, frames = k;
                        snd_pcm_channel_area_t dst[CHANNELS_MAX];
                        int r = snd_pcm_mmap_begin(p->pcm, &a, &off, &frames);

                        if (r < 0)
                                return done ? (snd_pcm_sframes_t)done : r;
                        if (frames == 0)
                                break;
                        for (unsigned c = 0; c < p->spec.channels; c++) {
                                dst[c].addr = p->buf;
                                dst[c].first = c * (unsigned)snd_pcm_format_physical_width(p->sfmt);
                                dst[c].step = (unsigned)(p->frame_size * 8);
                        }
                        snd_pcm_areas_copy(dst, 0, a, off, p->spec.channels, frames, p->sfmt);
                        g = snd_pcm_mmap_commit(p->pcm, off, frames);
                } else {
                        g = snd_pcm_readi(p->pcm, p->buf, k);
                }
                if (g < 0)
                        return done ? (snd_pcm_sframes_t)done : g;
                if (g == 0)
                        break;
                device_io_capture(io, p->buf, (size_t)g);
                done += (snd_pcm_uframes_t)g;
                p->transferred += (uint64_t)g;
        }
        return (snd_pcm_sframes_t)done;
}

/* How much audio the sink keeps queued now (usec): the streams' lowest configured
 * latency, up to ALSA_DEEP_FILL_USEC while rewinds can take it back (else
 * ALSA_MAX_FILL_USEC). */
static uint64_t fill_target_usec(AlsaPcm *p, DeviceIo *io) {
        uint64_t lat = __atomic_load_n(&io->device->configured_latency, __ATOMIC_RELAXED);
        uint64_t max = frames_to_usec(p, p->buffer_frames) * 3 / 4;
        uint64_t cap = device_io_rewind_ok(io) ? ALSA_DEEP_FILL_USEC : ALSA_MAX_FILL_USEC;

        if (!lat || lat > cap)
                lat = cap;
        /* (the lowest latency granted, watermark + ALSA_MIN_CYCLE_USEC, leaves
         * ALSA_MIN_CYCLE_USEC between wake-ups; a watermark grown by trouble must
         * not make us take more than the streams' buffers hold: it shortens that) */
        lat = C_MAX(lat, p->watermark_usec + ALSA_MIN_SLEEP_USEC);
        return C_MIN(lat, max);
}

static bool poll_setup(AlsaPcm *p, DeviceIo *io) {
        struct pollfd pfd;

        if (snd_pcm_poll_descriptors_count(p->pcm) != 1 ||
            snd_pcm_poll_descriptors(p->pcm, &pfd, 1) != 1)
                return false;
        device_io_set_poll_fd(io, pfd.fd, pfd.events);
        return true;
}

/* Interrupt mode: move whatever the device can take/give now. */
static void irq_transfer(AlsaPcm *p, DeviceIo *io, uint64_t now) {
        snd_pcm_sframes_t avail = snd_pcm_avail_update(p->pcm), n;

        if (avail < 0) {
                if (handle_error(p, io, (int)avail, now) == 0)
                        pcm_stop(p, io);        /* restarted by the next tick */
                return;
        }
        if ((snd_pcm_uframes_t)avail > p->buffer_frames)
                avail = (snd_pcm_sframes_t)p->buffer_frames;
        n = p->capture ? source_read(p, io, (snd_pcm_uframes_t)avail)
                       : sink_write(p, io, (snd_pcm_uframes_t)avail);
        if (n < 0 && handle_error(p, io, (int)n, now) == 0)
                pcm_stop(p, io);
        else
                snapshot(p, now);
}

static uint64_t alsa_tick(DeviceIo *io, uint64_t now);

static void alsa_fd_ready(DeviceIo *io, int fd, short revents) {
        AlsaPcm *p = io->backend_data;
        struct pollfd pfd = { .fd = fd, .events = 0, .revents = revents };
        unsigned short rev = 0;
        uint64_t now = iothread_now_usec();

        if (!p->pcm || p->dead || !p->started) {
                device_io_set_poll_fd(io, -1, 0);
                return;
        }
        if (!device_io_active(io)) {
                pcm_stop(p, io);
                return;
        }
        pfd.events = io->thread.extra_events;
        if (snd_pcm_poll_descriptors_revents(p->pcm, &pfd, 1, &rev) < 0)
                rev = POLLERR;
        if (rev & (POLLERR | POLLOUT | POLLIN))
                irq_transfer(p, io, now);
        if (!p->started && !p->dead && device_io_active(io))
                (void)alsa_tick(io, now);       /* an xrun stopped it: start again */
}

/* Takes back rendered audio that is not played yet (a stream started, stopped or
 * changed volume): all but the watermark of the queue is dropped (snd_pcm_rewind)
 * and the streams are rolled back to match; the caller renders it again. */
static void sink_rewind(AlsaPcm *p, DeviceIo *io) {
        snd_pcm_sframes_t can, got, avail = snd_pcm_avail(p->pcm);
        uint64_t fill, keep = usec_to_frames(p, p->watermark_usec), max;
        size_t n, done;

        if (avail < 0 || (snd_pcm_uframes_t)avail >= p->buffer_frames)
                return;         /* errors: the caller's next call sees them */
        fill = p->buffer_frames - (uint64_t)avail;
        if (fill <= keep)
                return;
        can = snd_pcm_rewindable(p->pcm);
        if (can <= 0)
                return;
        max = C_MIN((uint64_t)can, fill - keep);
        n = device_io_rewindable(io, (size_t)max);
        if (!n)
                return;
        got = snd_pcm_rewind(p->pcm, n);
        if (got <= 0)
                return;
        done = device_io_rewind(io, (size_t)got);
        if (done < (size_t)got)
                (void)snd_pcm_forward(p->pcm, (snd_pcm_uframes_t)got - done);
        p->transferred -= C_MIN(p->transferred, (uint64_t)done);
        log_debug("Rewind: %zu of %" PRIu64 " queued frames taken back (%zu asked, %ld done by ALSA).",
                  done, fill, n, (long)got);
}

static uint64_t sink_tick(AlsaPcm *p, DeviceIo *io, uint64_t now) {
        snd_pcm_sframes_t avail = 0, n;
        uint64_t fill, target, wm, sleep;

        for (int tries = 0; tries < 3; tries++) {
                if (!p->started) {
                        if (pcm_prepare(p, io, now) < 0)
                                return 0;
                        /* prime with the fill target (the whole buffer in interrupt mode) */
                        n = sink_write(p, io, p->tsched ? usec_to_frames(p, fill_target_usec(p, io))
                                                        : p->buffer_frames);
                        if (n < 0) {
                                if (handle_error(p, io, (int)n, now) < 0)
                                        return 0;
                                continue;
                        }
                        n = snd_pcm_start(p->pcm);
                        if (n < 0) {
                                if (handle_error(p, io, (int)n, now) < 0)
                                        return 0;
                                continue;
                        }
                        p->started = true;
                        snapshot(p, now);
                        if (!p->tsched) {
                                if (!poll_setup(p, io)) {
                                        /* cannot poll it: fall back to timer scheduling */
                                        p->tsched = true;
                                }
                                return p->tsched ? now + ALSA_MIN_SLEEP_USEC : 0;
                        }
                        break;
                }
                avail = snd_pcm_avail(p->pcm);
                if (avail < 0) {
                        if (handle_error(p, io, (int)avail, now) < 0)
                                return 0;
                        continue;
                }
                if ((snd_pcm_uframes_t)avail > p->buffer_frames) {
                        /* the device played past what we wrote (a late wake-up), or
                         * reports nonsense: an underrun; restart cleanly */
                        atomic_fetch_add_explicit(&p->xruns, 1, memory_order_relaxed);
                        trouble(p, now);
                        device_io_notify_backend(io);
                        p->started = false;
                        continue;
                }
                break;
        }
        if (!p->started)
                return now + ALSA_MIN_SLEEP_USEC;
        if (!p->tsched)
                return 0;
        if (device_io_take_rewind_request(io))
                sink_rewind(p, io);
        avail = snd_pcm_avail(p->pcm);
        if (avail < 0) {
                (void)handle_error(p, io, (int)avail, now);
                return p->dead ? 0 : now + ALSA_MIN_SLEEP_USEC;
        }
        fill = avail >= (snd_pcm_sframes_t)p->buffer_frames ? 0 : p->buffer_frames - (uint64_t)avail;
        wm = p->watermark_usec;
        if (frames_to_usec(p, fill) < wm / 2 && now > p->ref_time + 100000)
                trouble(p, now);        /* woke up too late: need more headroom */
        else if (!p->fixed_latency_range && now > p->last_trouble + ALSA_QUIET_USEC &&
                 p->watermark_usec > p->cfg_watermark_usec) {
                p->watermark_usec = C_MAX(p->watermark_usec - p->watermark_usec / 8, p->cfg_watermark_usec);
                p->last_trouble = now;
        }
        target = usec_to_frames(p, fill_target_usec(p, io));
        if (target > fill) {
                n = sink_write(p, io, (snd_pcm_uframes_t)(target - fill));
                if (n < 0) {
                        if (handle_error(p, io, (int)n, now) < 0)
                                return 0;
                        return now + ALSA_MIN_SLEEP_USEC;
                }
                fill += (uint64_t)n;
        }
        snapshot(p, now);
        /* sleep until the fill drains to the watermark, on the card's clock */
        wm = usec_to_frames(p, p->watermark_usec);
        sleep = fill > wm ? (uint64_t)((double)(fill - wm) * 1e6 / p->rate) : 0;
        return now + C_MAX(sleep, ALSA_MIN_SLEEP_USEC / 2);
}

static uint64_t source_tick(AlsaPcm *p, DeviceIo *io, uint64_t now) {
        snd_pcm_sframes_t avail, n;
        uint64_t target;

        if (!p->started) {
                if (pcm_prepare(p, io, now) < 0)
                        return 0;
                n = snd_pcm_start(p->pcm);
                if (n < 0) {
                        (void)handle_error(p, io, (int)n, now);
                        return p->dead ? 0 : now + ALSA_MIN_SLEEP_USEC;
                }
                p->started = true;
                if (!p->tsched && !poll_setup(p, io))
                        p->tsched = true;
                snapshot(p, now);
                return p->tsched ? now + ALSA_MIN_SLEEP_USEC : 0;
        }
        if (!p->tsched)
                return 0;
        avail = snd_pcm_avail(p->pcm);
        if (avail < 0) {
                if (handle_error(p, io, (int)avail, now) < 0)
                        return 0;
                return now + ALSA_MIN_SLEEP_USEC;
        }
        if ((snd_pcm_uframes_t)avail > p->buffer_frames) {
                /* an overrun (or nonsense): drop what is there and start again */
                atomic_fetch_add_explicit(&p->xruns, 1, memory_order_relaxed);
                trouble(p, now);
                device_io_notify_backend(io);
                p->started = false;
                return now + ALSA_MIN_SLEEP_USEC;
        }
        n = source_read(p, io, (snd_pcm_uframes_t)avail);
        if (n < 0 && handle_error(p, io, (int)n, now) < 0)
                return 0;
        snapshot(p, now);
        target = __atomic_load_n(&io->device->configured_latency, __ATOMIC_RELAXED) / 2;
        target = C_CLAMP(target, ALSA_MIN_SLEEP_USEC, ALSA_MAX_FILL_USEC);
        target = C_MIN(target, frames_to_usec(p, p->buffer_frames) / 2);
        return now + target;
}

static uint64_t alsa_tick(DeviceIo *io, uint64_t now) {
        AlsaPcm *p = io->backend_data;

        if (!p->pcm || p->dead)
                return 0;
        if (!device_io_active(io)) {
                /* a sink plays out what is queued (silence after it) for a while
                 * before it stops: dropping at once would cut the end of a stream */
                if (!p->capture && !io->suspended && p->started && p->tsched) {
                        if (!p->idle_since)
                                p->idle_since = now;
                        if (now < p->idle_since + ALSA_IDLE_STOP_USEC)
                                return sink_tick(p, io, now);
                }
                p->idle_since = 0;
                if (p->started)
                        pcm_stop(p, io);
                return 0;
        }
        p->idle_since = 0;
        return p->capture ? source_tick(p, io, now) : sink_tick(p, io, now);
}

/* ---- control thread ---- */

static void alsa_notify(DeviceIo *io) {
        AlsaPcm *p = io->backend_data;
        uint64_t x = atomic_load_explicit(&p->xruns, memory_order_relaxed);
        int err = atomic_load_explicit(&p->fail_error, memory_order_acquire);
        Device *d = p->device;

        if (x != p->xruns_logged) {
                log_notice("%s '%s': %" PRIu64 " xrun(s) so far, recovered.",
                           p->capture ? "Source" : "Sink", d->name, x);
                p->xruns_logged = x;
        }
        if (!err || p->fail_reported)
                return;
        p->fail_reported = true;
        log_error("ALSA device '%s' of %s '%s' failed: %s; suspending it.", p->pcm_name,
                  p->capture ? "source" : "sink", d->name, snd_strerror(err));
        (void)device_suspend(d, true, SUSPEND_UNAVAILABLE);
        if ((err == -ENODEV || err == -EBADFD || err == -ENXIO) && p->standalone && p->module) {
                log_notice("The device is gone: unloading module #%u.", p->module->index);
                (void)module_unload_request(p->module, MODULE_ORIGIN_INTERNAL);
        }
}

static const DeviceIoBackend alsa_backend = {
        .delay = alsa_delay,
        .tick = alsa_tick,
        .fd_ready = alsa_fd_ready,
        .notify = alsa_notify,
        .rewind = true,
};

static void close_fn(IoThread *t, void *arg) {
        AlsaPcm *p = arg;
        DeviceIo *io = t->userdata;

        pcm_stop(p, io);
        if (p->pcm)
                snd_pcm_close(p->pcm);
        p->pcm = NULL;
}

static void attach_fn(IoThread *t, void *arg) {
        AlsaPcm *p = ((void **)arg)[0];

        p->pcm = ((void **)arg)[1];
        p->dead = false;
        p->started = false;
        atomic_store(&p->fail_error, 0);
        p->fail_reported = false;
        if (!t->next_tick)
                iothread_set_next_tick(t, iothread_now_usec());
}

static int alsa_suspend(Device *d, bool suspend) {
        AlsaPcm *p = d->userdata;
        SampleSpec ss = p->spec;
        snd_pcm_t *pcm;
        void *args[2];
        int r;

        if (!d->io)
                return 0;
        if (suspend) {
                iothread_invoke(&d->io->thread, close_fn, p);
                log_info("Closed ALSA device '%s' (suspended).", p->pcm_name);
                return 0;
        }
        r = pcm_open(p, &ss, true, &pcm);
        if (r < 0) {
                log_error("Cannot reopen ALSA device '%s': %s", p->pcm_name, snd_strerror(r));
                return r == -EBUSY ? ENGINE_E_BUSY : ENGINE_E_NOTSUPPORTED;
        }
        args[0] = p;
        args[1] = pcm;
        iothread_invoke(&d->io->thread, attach_fn, args);
        log_info("Reopened ALSA device '%s' (resumed).", p->pcm_name);
        return 0;
}

static void mixer_apply_soft(AlsaPcm *p, const CVolume *soft) {
        if (!p->device->io)
                return;
        p->device->io->soft_volume = *soft;
        p->device->io->use_soft_volume = true;
}

static int alsa_set_volume(Device *d) {
        AlsaPcm *p = d->userdata;
        CVolume soft;
        int r;

        if (!p->mixer || !(d->flags & SINK_FLAG_HW_VOLUME_CTRL))
                return 0;
        r = alsa_mixer_set_volume(p->mixer, &d->map, &d->volume, &soft);
        if (r < 0) {
                log_warn("Setting the hardware volume of '%s' failed: %s", d->name, snd_strerror(r));
                return 0;       /* the software volume still applies */
        }
        mixer_apply_soft(p, &soft);
        (void)alsa_mixer_get_volume(p->mixer, &d->map, &p->last_hw);
        return 0;
}

static int alsa_set_mute(Device *d) {
        AlsaPcm *p = d->userdata;

        if (p->mixer && (d->flags & SINK_FLAG_HW_MUTE_CTRL)) {
                if (alsa_mixer_set_mute(p->mixer, d->mute) < 0)
                        log_warn("Setting the hardware mute of '%s' failed.", d->name);
                p->last_hw_mute = d->mute;
        }
        return 0;
}

static bool cvolume_close(const CVolume *a, const CVolume *b) {
        if (a->channels != b->channels)
                return false;
        for (unsigned i = 0; i < a->channels; i++) {
                int64_t x = (int64_t)a->values[i] - (int64_t)b->values[i];

                if (x > 2 || x < -2)
                        return false;
        }
        return true;
}

/* Someone else changed the mixer (amixer, another program): take it over. */
static void alsa_mixer_changed(void *userdata) {
        AlsaPcm *p = userdata;
        Device *d = p->device;
        CVolume hw, unity;
        bool mute, changed = false;

        if (!d)
                return;
        if ((d->flags & SINK_FLAG_HW_VOLUME_CTRL) &&
            alsa_mixer_get_volume(p->mixer, &d->map, &hw) == 0 && !cvolume_close(&hw, &p->last_hw)) {
                p->last_hw = hw;
                d->volume = hw;
                cvolume_set(&unity, d->spec.channels, VOLUME_NORM);
                mixer_apply_soft(p, &unity);
                changed = true;
        }
        if ((d->flags & SINK_FLAG_HW_MUTE_CTRL) && alsa_mixer_get_mute(p->mixer, &mute) == 0 &&
            mute != p->last_hw_mute) {
                p->last_hw_mute = mute;
                d->mute = mute;
                changed = true;
        }
        if (changed) {
                device_io_sync(d);
                device_changed(d);
        }
}

static void alsa_free_cb(Device *d) {
        AlsaPcm *p = d->userdata;

        /* device_release: the data thread is stopped already (device_io_stop) */
        if (!p)
                return;
        p->mixer = alsa_mixer_free(p->mixer);
        if (p->pcm)
                snd_pcm_close(p->pcm);
        free(p->buf);
        free(p->pcm_name);
        free(p);
        d->userdata = NULL;
}

static const DeviceOps alsa_device_ops = {
        .set_volume = alsa_set_volume,
        .set_mute = alsa_set_mute,
        .suspend = alsa_suspend,
        .free = alsa_free_cb,
};

static void sanitize(char *s) {
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      *s == '.' || *s == '_' || *s == '-'))
                        *s = '_';
}

/* The ctl of the PCM's card: "hw:N" for kernel cards, else the PCM name itself when it
 * is a plain identifier (configurations like simhw define ctl.NAME next to pcm.NAME). */
static char *derive_control(snd_pcm_t *pcm, const char *device) {
        snd_pcm_info_t *info;
        char *s = NULL;

        snd_pcm_info_alloca(&info);
        if (snd_pcm_info(pcm, info) >= 0 && snd_pcm_info_get_card(info) >= 0) {
                if (asprintf(&s, "hw:%d", snd_pcm_info_get_card(info)) < 0)
                        return NULL;
                return s;
        }
        if (strchr(device, ':') || strchr(device, ' '))
                return NULL;
        return strdup(device);
}

static void free_unlinked(AlsaPcm *p, snd_pcm_t *pcm) {
        if (pcm)
                snd_pcm_close(pcm);
        if (!p)
                return;
        alsa_mixer_free(p->mixer);
        free(p->buf);
        free(p->pcm_name);
        free(p);
}

int alsa_pcm_device_new(Core *c, Module *m, const AlsaPcmConfig *cfg, Device **ret) {
        _c_cleanup_(proplist_freep) Proplist *props = NULL;
        AlsaPcm *p = NULL;
        snd_pcm_t *pcm = NULL;
        snd_pcm_info_t *info;
        SampleSpec ss = cfg->spec;
        ChannelMap map;
        char *name = NULL, *ctl = NULL;
        uint32_t flags;
        Device *d = NULL;
        int r;

        if (!cfg->device || !*cfg->device || (cfg->kind != DEVICE_SINK && cfg->kind != DEVICE_SOURCE))
                return ENGINE_E_INVALID;
        if (pcm_is_pulse_plugin(cfg->device)) {
                log_error("ALSA device '%s' is the PulseAudio plugin (it would route into a "
                          "sound server, maybe this one); refusing it.", cfg->device);
                return ENGINE_E_NOTSUPPORTED;
        }
        p = calloc(1, sizeof(*p));
        props = proplist_new();
        if (!p || !props || !(p->pcm_name = strdup(cfg->device))) {
                free_unlinked(p, NULL);
                return -ENOMEM;
        }
        p->core = c;
        p->module = m;
        p->capture = cfg->kind == DEVICE_SOURCE;
        p->want_mmap = cfg->mmap;
        p->want_tsched = cfg->tsched;
        p->fixed_latency_range = cfg->fixed_latency_range;
        p->standalone = !cfg->card;
        p->cfg_buffer_usec = cfg->tsched_buffer_usec ? cfg->tsched_buffer_usec : ALSA_TSCHED_BUFFER_USEC;
        p->cfg_buffer_usec = C_CLAMP(p->cfg_buffer_usec, 20000ULL, 10000000ULL);
        p->cfg_watermark_usec = cfg->tsched_watermark_usec ? cfg->tsched_watermark_usec : ALSA_WATERMARK_USEC;
        p->cfg_watermark_usec = C_CLAMP(p->cfg_watermark_usec, ALSA_MIN_WATERMARK_USEC, 1000000ULL);
        p->cfg_fragments = cfg->fragments ? C_CLAMP(cfg->fragments, 2U, 1024U) : 0;
        p->cfg_fragment_size = cfg->fragment_size;
        if (!ss.format || ss.format == SAMPLE_INVALID)
                ss.format = c->default_spec.format;
        if (!ss.rate)
                ss.rate = c->default_spec.rate;
        if (!ss.channels)
                ss.channels = cfg->map.channels ? cfg->map.channels : c->default_spec.channels;

        r = pcm_open(p, &ss, false, &pcm);
        if (r < 0) {
                log_error("Cannot open ALSA device '%s' for %s: %s", cfg->device,
                          p->capture ? "capture" : "playback", snd_strerror(r));
                free_unlinked(p, NULL);
                return r == -EBUSY ? ENGINE_E_BUSY : r == -ENOENT || r == -ENODEV ? ENGINE_E_NOENTITY
                                                                                  : ENGINE_E_NOTSUPPORTED;
        }
        p->spec = ss;
        p->tsched = p->want_tsched;
        p->frame_size = sample_spec_frame_size(&ss);
        p->rate = ss.rate;
        /* the pointer may move a period at a time: the watermark covers one period */
        p->cfg_watermark_usec = C_MAX(p->cfg_watermark_usec, frames_to_usec(p, p->period_frames) + 2000);
        p->watermark_usec = C_MIN(p->cfg_watermark_usec, frames_to_usec(p, p->buffer_frames) / 4);
        p->cfg_watermark_usec = p->watermark_usec;
        if (cfg->map.channels == ss.channels)
                map = cfg->map;
        else if (!channel_map_init_auto(&map, ss.channels)) {
                map.channels = ss.channels;
                for (unsigned i = 0; i < ss.channels; i++)
                        map.map[i] = (uint8_t)(CHANNEL_AUX0 + i);
        }
        p->buf_frames = 1024;
        p->buf = malloc(p->buf_frames * p->frame_size);
        if (!p->buf) {
                free_unlinked(p, pcm);
                return -ENOMEM;
        }

        /* mixer */
        if (!cfg->no_mixer) {
                ctl = cfg->control ? strdup(cfg->control) : derive_control(pcm, cfg->device);
                if (ctl) {
                        r = alsa_mixer_open(ctl, cfg->kind, cfg->mixer_element, cfg->ignore_dB, &p->mixer);
                        if (r == ENGINE_E_NOENTITY && cfg->control && !cfg->mixer_element) {
                                /* PulseAudio's control= names an element ("Master"): try
                                 * it as one on the PCM's own mixer */
                                char *dctl = derive_control(pcm, cfg->device);

                                if (dctl) {
                                        r = alsa_mixer_open(dctl, cfg->kind, cfg->control,
                                                            cfg->ignore_dB, &p->mixer);
                                        free(ctl);
                                        ctl = dctl;
                                }
                        }
                        if (r < 0 && r != -ENOMEM)
                                log_info("No hardware mixer on '%s': software volume.", ctl);
                        else if (r == -ENOMEM) {
                                free(ctl);
                                free_unlinked(p, pcm);
                                return r;
                        }
                }
        }
        flags = (p->capture ? SOURCE_FLAG_HARDWARE | SOURCE_FLAG_LATENCY
                            : SINK_FLAG_HARDWARE | SINK_FLAG_LATENCY) |
                (p->tsched ? (p->capture ? SOURCE_FLAG_DYNAMIC_LATENCY : SINK_FLAG_DYNAMIC_LATENCY) : 0);
        if (p->mixer)
                flags |= alsa_mixer_flags(p->mixer);
        else
                flags |= p->capture ? SOURCE_FLAG_DECIBEL_VOLUME : SINK_FLAG_DECIBEL_VOLUME;

        /* properties */
        snd_pcm_info_alloca(&info);
        {
                const char *desc = cfg->description;
                char buf[64];

                if (snd_pcm_info(pcm, info) >= 0 && !desc && snd_pcm_info_get_name(info) &&
                    *snd_pcm_info_get_name(info))
                        desc = snd_pcm_info_get_name(info);
                r = 0;
                if (desc)
                        r = proplist_sets(props, "device.description", desc);
                else
                        r = proplist_setf(props, "device.description", "ALSA %s on %s",
                                          p->capture ? "input" : "output", cfg->device);
                if (r >= 0)
                        r = proplist_sets(props, "device.string", cfg->device);
                if (r >= 0)
                        r = proplist_sets(props, "device.api", "alsa");
                if (r >= 0)
                        r = proplist_sets(props, "device.class", "sound");
                if (r >= 0)
                        r = proplist_sets(props, "device.access_mode", p->mmap ? "mmap" : "serial");
                if (r >= 0)
                        r = proplist_sets(props, "device.icon_name",
                                          p->capture ? "audio-input-microphone" : "audio-card");
                snprintf(buf, sizeof(buf), "%lu", (unsigned long)(p->buffer_frames * p->frame_size));
                if (r >= 0)
                        r = proplist_sets(props, "device.buffering.buffer_size", buf);
                snprintf(buf, sizeof(buf), "%lu", (unsigned long)(p->period_frames * p->frame_size));
                if (r >= 0)
                        r = proplist_sets(props, "device.buffering.fragment_size", buf);
                if (r >= 0 && ctl && p->mixer)
                        r = proplist_sets(props, "alsa.mixer_name", ctl);
                if (r >= 0 && p->mixer)
                        r = proplist_sets(props, "alsa.mixer_element", alsa_mixer_element_name(p->mixer));
                if (r >= 0 && cfg->props)
                        r = proplist_update(props, PROPLIST_UPDATE_REPLACE, cfg->props);
        }
        free(ctl);
        if (r < 0) {
                free_unlinked(p, pcm);
                return r;
        }
        if (cfg->name) {
                name = strdup(cfg->name);
        } else if (asprintf(&name, "%s.%s", p->capture ? "alsa_input" : "alsa_output", cfg->device) < 0) {
                name = NULL;
        }
        if (!name) {
                free_unlinked(p, pcm);
                return -ENOMEM;
        }
        if (!cfg->name) {
                sanitize(name);
                if (strlen(name) > 100)
                        name[100] = 0;
        }
        {
                DeviceNew dn = {
                        .kind = cfg->kind,
                        .name = name,
                        .driver = p->capture ? "module-alsa-source.c" : "module-alsa-sink.c",
                        .module = m,
                        .spec = ss,
                        .map = map,
                        .flags = flags,
                        .priority = 9000,
                        .props = props,
                        .with_monitor = !p->capture,
                };

                r = device_new(c, &dn, &d);
        }
        if (r) {
                log_error("Failed to create %s '%s'.", p->capture ? "source" : "sink", name);
                free(name);
                free_unlinked(p, pcm);
                return r;
        }
        free(name);
        /* from here on d owns p (ops->free); set after device_new so that a failed
         * device_new never frees p behind our back */
        d->ops = &alsa_device_ops;
        d->userdata = p;
        p->device = d;
        d->card = cfg->card;
        if (p->mixer) {
                d->base_volume = alsa_mixer_base_volume(p->mixer);
                d->n_volume_steps = alsa_mixer_n_steps(p->mixer);
        }
        if (cfg->n_ports && device_attach_card_ports(d, cfg->ports, cfg->n_ports, NULL) < 0)
                log_warn("Could not attach the card's ports to '%s'.", d->name);
        if (p->tsched)
                device_set_latency_range(d, C_MAX(ALSA_MIN_LATENCY_USEC, p->watermark_usec + ALSA_MIN_CYCLE_USEC),
                                         C_MIN(ALSA_DEEP_FILL_USEC, frames_to_usec(p, p->buffer_frames) / 2));
        else
                device_set_latency_range(d, frames_to_usec(p, p->buffer_frames),
                                         frames_to_usec(p, p->buffer_frames));
        p->pcm = pcm;           /* handed to the data thread (thread creation orders it) */
        r = device_io_start(d, &alsa_backend, p);
        if (r < 0) {
                log_error("Failed to start the data thread: %s", strerror(-r));
                device_free(d);
                return r;
        }
        if (p->mixer) {
                CVolume hw, unity;
                bool mute = false;

                /* the hardware's current settings become the device's */
                if ((d->flags & SINK_FLAG_HW_VOLUME_CTRL) &&
                    alsa_mixer_get_volume(p->mixer, &d->map, &hw) == 0) {
                        d->volume = hw;
                        p->last_hw = hw;
                        cvolume_set(&unity, d->spec.channels, VOLUME_NORM);
                        mixer_apply_soft(p, &unity);
                }
                if ((d->flags & SINK_FLAG_HW_MUTE_CTRL) && alsa_mixer_get_mute(p->mixer, &mute) == 0) {
                        d->mute = mute;
                        p->last_hw_mute = mute;
                }
                device_io_sync(d);
                if (alsa_mixer_watch(p->mixer, c, alsa_mixer_changed, p) < 0)
                        log_warn("Cannot watch the mixer of '%s' for changes.", d->name);
        }
        log_info("%s '%s' on ALSA device '%s': %s %u Hz %u ch, buffer %lu frames, period %lu, %s, %s.",
                 p->capture ? "Source" : "Sink", d->name, p->pcm_name, sample_format_to_string(ss.format),
                 ss.rate, ss.channels, (unsigned long)p->buffer_frames, (unsigned long)p->period_frames,
                 p->mmap ? "mmap" : "read/write", p->tsched ? "timer scheduling" : "period wake-ups");
        *ret = d;
        return 0;
}

void alsa_pcm_device_free(Device *d) {
        /* device_free stops the data thread, rescues the streams and calls ops->free,
         * which closes the PCM and the mixer */
        device_free(d);
}
