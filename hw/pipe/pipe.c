/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pipe.c: module-pipe-sink and module-pipe-source.
 *
 * The sink writes what it plays into a FIFO (created if missing), clocked
 * by the system clock (our data thread's timer), so tests can hear exactly
 * what was mixed. The FIFO is opened read-write and non-blocking: the
 * daemon never blocks on a reader, and when nobody reads and the pipe is
 * full, audio is dropped (a sound card would play it and move on too).
 * The source reads what a writer put into its FIFO; missing data is
 * silence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <limits.h>
#include "engine/core.h"
#include "engine/base/log.h"
#include "hw/pipe/pipe.h"

typedef struct PipeModule {
        Device *device;
        int fd;
        char *path;
        bool created;
} PipeModule;

static const char *const pipe_sink_args[] = {
        "file", "sink_name", "sink_properties", "format", "rate", "channels", "channel_map",
        "use_system_clock_for_timing", NULL,
};

static const char *const pipe_source_args[] = {
        "file", "source_name", "source_properties", "format", "rate", "channels", "channel_map",
        NULL,
};

static void pipe_write(DeviceIo *io, const void *data, size_t n) {
        PipeModule *pm = io->backend_data;
        const uint8_t *p = data;

        while (n > 0) {
                ssize_t w = write(pm->fd, p, n);

                if (w <= 0)
                        return;         /* full or broken: drop, never block */
                p += w;
                n -= (size_t)w;
        }
}

static size_t pipe_read(DeviceIo *io, void *data, size_t n) {
        PipeModule *pm = io->backend_data;
        size_t fs = sample_spec_frame_size(&io->device->spec);
        ssize_t r = read(pm->fd, data, n - n % fs);

        return r > 0 ? (size_t)r - (size_t)r % fs : 0;
}

static const DeviceIoBackend pipe_backend = {
        .write = pipe_write,
        .read = pipe_read,
};

/* Relative paths (and the default name) live in the daemon's runtime dir. */
static char *resolve_path(Core *c, const char *name) {
        char *p = NULL;

        if (name[0] == '/')
                return strdup(name);
        if (asprintf(&p, "%s/%s", c->runtime_dir ? c->runtime_dir : "/tmp", name) < 0)
                return NULL;
        return p;
}

static int pipe_init(Module *m, ModArgs *ma, DeviceKind kind) {
        const char *props_key = kind == DEVICE_SINK ? "sink_properties" : "source_properties";
        _c_cleanup_(proplist_freep) Proplist *props = proplist_new();
        SampleSpec ss = m->core->default_spec;
        ChannelMap map = m->core->default_map;
        const char *file = modargs_get(ma, "file", NULL), *pstr;
        PipeModule *pm;
        struct stat st;
        int r;

        if (!props)
                return -ENOMEM;
        if (modargs_get_sample_spec_and_map(ma, &ss, &map)) {
                log_error("Invalid sample format specification or channel map");
                return ENGINE_E_INVALID;
        }
        pm = calloc(1, sizeof(*pm));
        if (!pm)
                return -ENOMEM;
        pm->fd = -1;
        m->userdata = pm;
        pm->path = resolve_path(m->core, file ? file : kind == DEVICE_SINK ? "fifo_output" : "fifo_input");
        if (!pm->path)
                return -ENOMEM;
        if (stat(pm->path, &st) < 0) {
                if (mkfifo(pm->path, 0600) < 0) {
                        log_error("mkfifo('%s'): %m", pm->path);
                        return ENGINE_E_MODINIT;
                }
                pm->created = true;
        } else if (!S_ISFIFO(st.st_mode)) {
                log_error("'%s' exists and is not a FIFO.", pm->path);
                return ENGINE_E_MODINIT;
        }
        pm->fd = open(pm->path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (pm->fd < 0) {
                log_error("open('%s'): %m", pm->path);
                return ENGINE_E_MODINIT;
        }
        (void)fcntl(pm->fd, F_SETPIPE_SZ, 1024 * 1024);
        if (proplist_sets(props, "device.string", pm->path) < 0 ||
            proplist_setf(props, "device.description", "Unix FIFO sink %s", pm->path) < 0 ||
            proplist_sets(props, "device.icon_name",
                          kind == DEVICE_SINK ? "audio-card" : "audio-input-microphone") < 0)
                return -ENOMEM;
        if (kind == DEVICE_SOURCE &&
            proplist_setf(props, "device.description", "Unix FIFO source %s", pm->path) < 0)
                return -ENOMEM;
        pstr = modargs_get(ma, props_key, NULL);
        if (pstr && proplist_parse_string(props, pstr) < 0) {
                log_error("Invalid properties");
                return ENGINE_E_INVALID;
        }
        {
                DeviceNew dn = {
                        .kind = kind,
                        .name = modargs_get(ma, kind == DEVICE_SINK ? "sink_name" : "source_name",
                                            kind == DEVICE_SINK ? "fifo_output" : "fifo_input"),
                        .driver = kind == DEVICE_SINK ? "module-pipe-sink.c" : "module-pipe-source.c",
                        .module = m, .spec = ss, .map = map, .props = props,
                        .flags = kind == DEVICE_SINK
                                 ? SINK_FLAG_LATENCY | SINK_FLAG_DECIBEL_VOLUME | SINK_FLAG_DYNAMIC_LATENCY
                                 : SOURCE_FLAG_LATENCY | SOURCE_FLAG_DECIBEL_VOLUME |
                                   SOURCE_FLAG_DYNAMIC_LATENCY,
                        .with_monitor = kind == DEVICE_SINK,
                };

                r = device_new(m->core, &dn, &pm->device);
        }
        if (r)
                return r;
        /* The FIFO holds one pipe buffer (PIPE_BUF) ahead: that is the most latency
         * we can be asked for, as with PulseAudio's pipe devices. */
        device_set_latency_range(pm->device, pm->device->min_latency,
                                 C_MAX(sample_spec_bytes_to_usec(PIPE_BUF, &pm->device->spec),
                                       pm->device->min_latency));
        return device_io_start(pm->device, &pipe_backend, pm);
}

static int pipe_sink_init(Module *m, ModArgs *ma) {
        return pipe_init(m, ma, DEVICE_SINK);
}

static int pipe_source_init(Module *m, ModArgs *ma) {
        return pipe_init(m, ma, DEVICE_SOURCE);
}

static void pipe_done(Module *m) {
        PipeModule *pm = m->userdata;

        if (!pm)
                return;
        device_free(pm->device);
        if (pm->fd >= 0)
                close(pm->fd);
        if (pm->created)
                (void)unlink(pm->path);
        free(pm->path);
        free(pm);
        m->userdata = NULL;
}

static int pipe_n_used(Module *m) {
        PipeModule *pm = m->userdata;
        int n = 0;

        if (!pm || !pm->device)
                return 0;
        c_list_for_each(it, &pm->device->streams)
                n++;
        return n;
}

const ModuleDesc module_pipe_sink_desc = {
        .name = "module-pipe-sink",
        .description = "UNIX pipe sink",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "file=<path of the FIFO> sink_name=<name for the sink> sink_properties=<sink "
                 "properties> format=<sample format> rate=<sample rate> channels=<number of "
                 "channels> channel_map=<channel map> use_system_clock_for_timing=<yes or no>",
        .valid_args = pipe_sink_args,
        .init = pipe_sink_init,
        .done = pipe_done,
        .get_n_used = pipe_n_used,
};

const ModuleDesc module_pipe_source_desc = {
        .name = "module-pipe-source",
        .description = "UNIX pipe source",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "file=<path of the FIFO> source_name=<name for the source> source_properties=<source "
                 "properties> format=<sample format> rate=<sample rate> channels=<number of "
                 "channels> channel_map=<channel map>",
        .valid_args = pipe_source_args,
        .init = pipe_source_init,
        .done = pipe_done,
        .get_n_used = pipe_n_used,
};
