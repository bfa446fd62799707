/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stream.h: playback streams (sink inputs), record streams (source outputs),
 * the per-device data plane and the sample cache.
 *
 * Included at the end of core.h; do not include directly.
 *
 * A playback stream's queue is a power-of-two byte ring indexed by two
 * monotonic 64-bit byte counters: write_index (owned by the control
 * thread, published with release) and read_index (owned by the data
 * thread). Gaps between them play as silence; data below read_index is
 * dropped. A record stream's ring goes the other way (the data thread
 * writes, the control thread reads and sends).
 */
#pragma once

#include <stdatomic.h>
#include "engine/core.h"
#include "engine/iothread.h"
#include "engine/dsp/dsp.h"

typedef struct BufferAttr {
        uint32_t maxlength;
        uint32_t tlength;
        uint32_t prebuf;
        uint32_t minreq;
        uint32_t fragsize;
} BufferAttr;

enum {
        STREAM_FLAG_NO_REMAP = 1U << 0,
        STREAM_FLAG_NO_REMIX = 1U << 1,
        STREAM_FLAG_FIX_FORMAT = 1U << 2,
        STREAM_FLAG_FIX_RATE = 1U << 3,
        STREAM_FLAG_FIX_CHANNELS = 1U << 4,
        STREAM_FLAG_DONT_MOVE = 1U << 5,
        STREAM_FLAG_VARIABLE_RATE = 1U << 6,
        STREAM_FLAG_ADJUST_LATENCY = 1U << 7,
        STREAM_FLAG_EARLY_REQUESTS = 1U << 8,
        STREAM_FLAG_DONT_INHIBIT_AUTO_SUSPEND = 1U << 9,
        STREAM_FLAG_FAIL_ON_SUSPEND = 1U << 10,
        STREAM_FLAG_PEAK_DETECT = 1U << 11,
        STREAM_FLAG_PASSTHROUGH = 1U << 12,
        STREAM_FLAG_DRAIN_AND_FREE = 1U << 13,  /* sample playback: free when played */
};

/* Notifications from the data thread (bits in SinkInput.notify / SourceOutput.notify). */
enum {
        STREAM_NOTIFY_STARTED = 1U << 0,
        STREAM_NOTIFY_UNDERFLOW = 1U << 1,
        STREAM_NOTIFY_DRAINED = 1U << 2,
        STREAM_NOTIFY_CONSUMED = 1U << 3,
        STREAM_NOTIFY_DATA = 1U << 4,
};

/* Rewinds (backends with DeviceIoBackend.rewind): the render history kept per device
 * and stream, in render chunks, and how far back a stream's ring keeps played data. */
#define IO_HIST 128U
#define IO_REWIND_MAX_USEC 500000ULL

typedef struct StreamRing {
        uint8_t *data;
        size_t size;                    /* power of two */
        size_t reserve;                 /* bytes behind the read index the writer never
                                         * overwrites (data a rewind may play again) */
        _Atomic int64_t write_index;
        _Atomic int64_t read_index;
} StreamRing;

/* What the owner of a stream (a protocol connection, the sample cache) is told. */
typedef struct SinkInputOwnerOps {
        void (*started)(SinkInput *si);
        void (*underflow)(SinkInput *si, int64_t read_index);
        void (*drained)(SinkInput *si);
        void (*consumed)(SinkInput *si);        /* read index advanced: maybe REQUEST */
        void (*killed)(SinkInput *si);          /* owner must free si */
        void (*moved)(SinkInput *si);
        void (*suspended)(SinkInput *si, bool suspended);
} SinkInputOwnerOps;

typedef struct SourceOutputOwnerOps {
        void (*data)(SourceOutput *so);         /* new data in the ring */
        void (*killed)(SourceOutput *so);
        void (*moved)(SourceOutput *so);
        void (*suspended)(SourceOutput *so, bool suspended);
} SourceOutputOwnerOps;

/* Data-thread state of a playback stream (touched only in the data thread). */
typedef struct SinkInputIo {
        CList link;
        bool linked;
        bool corked;
        bool prebuffering;
        bool underrun;
        bool drain;
        bool ever_started;
        bool muted;
        bool sync_ready;                /* scratch of the sync-group pre-pass */
        uint64_t underrun_for;
        uint64_t playing_for;
        float factors[32];
        DspRemap remap;
        DspResampler *resampler;
        size_t frame_size;
        /* rewind history: read index and playing_for at the start of render chunk
         * seq (hist_tag = seq + 1 when valid), and the highest read index so far */
        int64_t hist_rd[IO_HIST];
        uint64_t hist_pf[IO_HIST];
        uint64_t hist_tag[IO_HIST];
        int64_t rd_max;
} SinkInputIo;

struct SinkInput {
        Core *core;
        uint32_t index;
        Device *sink;
        Client *client;
        Module *module;
        Proplist *props;
        SampleSpec spec;
        ChannelMap map;
        CVolume volume;
        bool mute;
        bool corked;
        bool has_volume;
        bool volume_writable;
        bool linked;
        FormatInfo *format;
        CList device_link;
        const char *driver;
        char resample_method[24];
        uint32_t flags;
        _Atomic uint64_t sync_key;      /* sync group (0 = none): streams start together */
        BufferAttr requested_attr;      /* as the client asked: renegotiated on moves */
        BufferAttr attr;
        uint64_t configured_latency;    /* usec granted by the device */
        int64_t missing;                /* credit to hand out (REQUEST accounting) */
        int64_t last_read_index;        /* read index seen by the control thread */
        StreamRing ring;
        _Atomic uint32_t notify;
        _Atomic int64_t underflow_index;
        _Atomic bool want_rewind;       /* waiting for data: new data should rewind the device */
        const SinkInputOwnerOps *ops;
        void *owner;
        SinkInputIo io;
};

typedef struct SourceOutputIo {
        CList link;
        bool linked;
        bool corked;
        float factors[32];
        DspRemap remap;
        DspResampler *resampler;
        DspPeak peak;
        size_t frame_size;
} SourceOutputIo;

struct SourceOutput {
        Core *core;
        uint32_t index;
        Device *source;
        Client *client;
        Module *module;
        Proplist *props;
        SampleSpec spec;
        ChannelMap map;
        CVolume volume;
        bool mute;
        bool corked;
        bool linked;
        FormatInfo *format;
        CList device_link;
        const char *driver;
        char resample_method[24];
        uint32_t flags;
        BufferAttr attr;
        uint64_t configured_latency;
        SinkInput *direct_on_input;
        StreamRing ring;
        _Atomic uint32_t notify;
        _Atomic uint64_t dropped;       /* bytes lost to a full ring */
        const SourceOutputOwnerOps *ops;
        void *owner;
        SourceOutputIo io;
};

/* ---- playback ---- */

typedef struct SinkInputNew {
        Device *sink;                   /* NULL: default sink */
        Client *client;
        Module *module;
        const char *driver;
        SampleSpec spec;
        ChannelMap map;
        CVolume volume;                 /* used when volume_set */
        bool volume_set;
        bool mute;
        bool muted_set;
        bool corked;
        uint32_t flags;
        const Proplist *props;
        BufferAttr attr;                /* requested, -1 / 0 as on the wire */
        const SinkInputOwnerOps *ops;
        void *owner;
        uint64_t sync_key;              /* sync group, 0 = none */
        const uint8_t *initial_data;    /* queued before the stream is linked (samples) */
        size_t initial_length;
} SinkInputNew;

#define STREAMS_PER_DEVICE_MAX 256U

/* Return: 0, ENGINE_E_NOENTITY (no sink), ENGINE_E_INVALID, ENGINE_E_NOTSUPPORTED,
 * ENGINE_E_BADSTATE (fail_on_suspend on a suspended sink), ENGINE_E_TOOLARGE. */
int sink_input_new(Core *c, const SinkInputNew *n, SinkInput **ret);
void sink_input_free(SinkInput *si);
/* Client data. Return: 0, or 1 on overflow (data dropped, caller sends OVERFLOW). */
int sink_input_write(SinkInput *si, int64_t offset, uint8_t seek, const uint8_t *data, size_t n);
/* Bytes to hand out with REQUEST now (0 if none); resets the counter. */
uint32_t sink_input_take_request(SinkInput *si);
void sink_input_cork(SinkInput *si, bool cork);
void sink_input_flush(SinkInput *si);
void sink_input_trigger(SinkInput *si);
void sink_input_prebuf(SinkInput *si);
/* Returns true when already drained (nothing queued); else ops->drained comes later. */
bool sink_input_drain(SinkInput *si);
void sink_input_cancel_drain(SinkInput *si);
int sink_input_set_buffer_attr(SinkInput *si, const BufferAttr *req, uint32_t flags);
int sink_input_set_rate(SinkInput *si, uint32_t rate);
int sink_input_set_volume(SinkInput *si, const CVolume *v);
int sink_input_set_mute(SinkInput *si, bool mute);
/* Return: 0, ENGINE_E_INVALID (DONT_MOVE, no room), or -errno. */
int sink_input_move(SinkInput *si, Device *dest);
/* The owner is told (killed) and frees it. */
void sink_input_kill(SinkInput *si);

typedef struct StreamLatency {
        uint64_t device_usec;           /* device latency + rendered-not-played */
        uint64_t source_usec;
        bool playing;
        int64_t write_index;
        int64_t read_index;
        uint64_t underrun_for;
        uint64_t playing_for;
} StreamLatency;

void sink_input_get_latency(SinkInput *si, StreamLatency *ret);
uint64_t sink_input_buffer_usec(SinkInput *si);

/* ---- record ---- */

typedef struct SourceOutputNew {
        Device *source;                 /* NULL: default source */
        Client *client;
        Module *module;
        const char *driver;
        SampleSpec spec;
        ChannelMap map;
        CVolume volume;
        bool volume_set;
        bool mute;
        bool muted_set;
        bool corked;
        uint32_t flags;
        const Proplist *props;
        BufferAttr attr;
        SinkInput *direct_on_input;
        const SourceOutputOwnerOps *ops;
        void *owner;
} SourceOutputNew;

int source_output_new(Core *c, const SourceOutputNew *n, SourceOutput **ret);
void source_output_free(SourceOutput *so);
/* Control thread: up to max bytes (frame aligned) that can be read now. */
size_t source_output_peek(SourceOutput *so, const uint8_t **ret, size_t max);
void source_output_drop(SourceOutput *so, size_t n);
void source_output_cork(SourceOutput *so, bool cork);
void source_output_flush(SourceOutput *so);
int source_output_set_buffer_attr(SourceOutput *so, const BufferAttr *req, uint32_t flags);
int source_output_set_rate(SourceOutput *so, uint32_t rate);
int source_output_set_volume(SourceOutput *so, const CVolume *v);
int source_output_set_mute(SourceOutput *so, bool mute);
int source_output_move(SourceOutput *so, Device *dest);
void source_output_kill(SourceOutput *so);
void source_output_get_latency(SourceOutput *so, StreamLatency *ret);

/* ---- the data plane of a device ---- */

typedef struct DeviceIoBackend {
        /* sink: the rendered bytes (device spec) go to the device */
        void (*write)(DeviceIo *io, const void *data, size_t n);
        /* source: fill up to n bytes (device spec); return bytes filled, the rest is silence */
        size_t (*read)(DeviceIo *io, void *data, size_t n);
        /* usec of audio queued in the device beyond what we track (hardware buffer);
         * called from the control thread and the data thread */
        uint64_t (*delay)(DeviceIo *io);
        /* Optional: backend-driven timing (ALSA). When set, the data thread calls it on
         * every timer tick instead of running its own clock; the backend moves audio with
         * device_io_render()/device_io_capture() and returns the absolute CLOCK_MONOTONIC
         * usec of its next wake-up (0 = no timer until a stream arrives or resume). */
        uint64_t (*tick)(DeviceIo *io, uint64_t now_usec);
        /* Optional: the fd set with device_io_set_poll_fd() is ready (data thread). */
        void (*fd_ready)(DeviceIo *io, int fd, short revents);
        /* Optional: the data thread called device_io_notify_backend() (control thread). */
        void (*notify)(DeviceIo *io);
        /* The backend rewinds (device_io_rewindable/device_io_rewind): the engine keeps
         * a render history and asks for rewinds (device_io_take_rewind_request). */
        bool rewind;
} DeviceIoBackend;

struct DeviceIo {
        Device *device;
        IoThread thread;
        const DeviceIoBackend *backend;
        void *backend_data;
        CList inputs;                   /* SinkInput.io.link (sinks) */
        CList outputs;                  /* SourceOutput.io.link (sources; for sinks: the monitor's) */
        size_t max_frames;
        float *mix;
        float *tmp_a;
        float *tmp_b;
        float *tmp_c;
        float *rec_a;                   /* record path scratch (never aliases the render buffers) */
        float *rec_b;
        float *rec_c;
        uint8_t *out;
        uint8_t *rec_out;
        uint64_t period_usec;
        uint64_t rendered_until;        /* CLOCK_MONOTONIC usec up to which audio was produced */
        uint64_t start_usec;            /* when the clock (re)started */
        uint64_t frames_done;           /* frames produced since start_usec */
        uint64_t bytes_rendered;
        float dev_factors[32];
        CVolume soft_volume;            /* with use_soft_volume: what software applies */
        bool use_soft_volume;           /* (the rest of Device.volume is in hardware) */
        _Atomic bool backend_notify;
        bool in_tick;                   /* in backend->tick/fd_ready: notify when it ends */
        uint64_t hist_seq;              /* rewind history: next render chunk number */
        uint64_t hist_pos[IO_HIST];     /* frames_done at the start of each chunk */
        uint64_t rewind_barrier;        /* no rewind to a chunk before this one */
        _Atomic bool rewind_requested;
        bool notify_deferred;
        bool suspended;
        void *notify_handle;
        _Atomic uint64_t underruns;
        _Atomic int64_t port_latency_offset;    /* usec, active card port's (engine/card.c) */
};

/* Starts the data thread of a sink or source. */
int device_io_start(Device *d, const DeviceIoBackend *b, void *backend_data);
void device_io_stop(Device *d);
/* Pushes volume/mute/suspend state of d into its data thread. */
void device_io_sync(Device *d);
/* The device the data plane of d runs in (a monitor runs in its sink's thread). */
DeviceIo *device_io_of(Device *d);
/* Device latency now: audio produced but not yet played. */
uint64_t device_io_latency(DeviceIo *io);
/* Backend-driven timing (DeviceIoBackend.tick), data thread only:
 * true while the device has streams and is not suspended; */
bool device_io_active(DeviceIo *io);
/* renders frames (<= io->max_frames) of the mix into dst (device format); also feeds
 * the monitor; */
void device_io_render(DeviceIo *io, void *dst, size_t frames);
/* hands frames (device format) captured by the backend to the record streams; */
void device_io_capture(DeviceIo *io, const void *src, size_t frames);
/* polls fd (-1: none) with events in the data thread; */
void device_io_set_poll_fd(DeviceIo *io, int fd, short events);
/* makes the control thread call backend->notify (coalesced). */
void device_io_notify_backend(DeviceIo *io);
/* Rewinds (backend->rewind), data thread: something changed what the rendered audio should
 * be (a stream started, was corked/removed/flushed, a volume changed); clears the request; */
bool device_io_take_rewind_request(DeviceIo *io);
/* whether the device may keep a deep queue: rewinds work (no monitor stream already
 * received the audio, no stream is draining); */
bool device_io_rewind_ok(DeviceIo *io);
/* the most frames (<= max) the streams can be rolled back by (0: none); */
size_t device_io_rewindable(DeviceIo *io, size_t max);
/* rolls the streams back by at most frames (the backend dropped that many rendered frames
 * from its queue): returns how many it rolled back (<= frames; the backend forwards the
 * rest again); */
size_t device_io_rewind(DeviceIo *io, size_t frames);
/* any thread: ask the data thread to rewind (it ticks at once). */
void device_io_request_rewind(DeviceIo *io);

/* ---- sample cache ---- */

#define SAMPLE_MAX_BYTES (16U * 1024U * 1024U)

/* Stores data under name (replacing; with Core.sample_cache_per_owner only the
 * same owner's sample of that name). Takes ownership of data on success.
 * Return: 0, ENGINE_E_INVALID, ENGINE_E_TOOLARGE, -ENOMEM. */
int sample_cache_add(Core *c, const char *name, const SampleSpec *ss, const ChannelMap *map,
                     uint8_t *data, size_t n, const Proplist *props, uint32_t owner_uid,
                     Sample **ret);
Sample *sample_cache_lookup(Core *c, const char *name);
int sample_cache_remove(Core *c, const char *name);
/* The sample called name that owner_uid uploaded, or NULL. */
Sample *sample_cache_lookup_owner(Core *c, const char *name, uint32_t owner_uid);
/* Removes (REMOVE event) and frees s. */
void sample_cache_remove_sample(Core *c, Sample *s);
/* Plays a sample on sink; returns the sink input index. */
int sample_cache_play(Core *c, Sample *s, Device *sink, Volume volume, const Proplist *props,
                      Client *client, uint32_t *ret_index);
void sample_free(Sample *s);
