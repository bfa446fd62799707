/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* null.c: module-null-sink, module-null-source and module-always-sink.
 *
 * The null devices have no hardware: software volume, one "any PCM"
 * format. Until the streams engine adds a clocked data thread they only
 * exist in the control plane. module-always-sink keeps one null sink
 * ("auto_null") present while no other sink exists; it loads and unloads
 * it as an *internal* load, so it keeps working under
 * --disallow-module-loading.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/core.h"
#include "engine/base/log.h"
#include "hw/null/null.h"

#define NULL_CONFIGURED_LATENCY_USEC 2000000ULL
#define NULL_NOREWINDS_LATENCY_USEC 50000ULL

typedef struct NullModule {
        Device *device;
} NullModule;

/* The null devices' data plane: a clocked thread that mixes and discards
 * (sink) or produces silence (source); monitors still see the mix. */
static void null_write(DeviceIo *io, const void *data, size_t n) {
}

static size_t null_read(DeviceIo *io, void *data, size_t n) {
        uint8_t f = io->device->spec.format;

        memset(data, f == SAMPLE_U8 ? 0x80 : f == SAMPLE_ALAW ? 0xD5 : f == SAMPLE_ULAW ? 0xFF : 0, n);
        return n;
}

static const DeviceIoBackend null_backend = {
        .write = null_write,
        .read = null_read,
};

static const char *const null_sink_args[] = {
        "sink_name", "sink_properties", "format", "rate", "channels", "channel_map",
        "formats", "norewinds", NULL,
};

static const char *const null_source_args[] = {
        "source_name", "source_properties", "format", "rate", "channels", "channel_map",
        "latency_time", NULL,
};

static int null_init(Module *m, ModArgs *ma, DeviceKind kind) {
        const char *name_key = kind == DEVICE_SINK ? "sink_name" : "source_name";
        const char *props_key = kind == DEVICE_SINK ? "sink_properties" : "source_properties";
        const char *def_name = kind == DEVICE_SINK ? "null" : "source.null";
        _c_cleanup_(proplist_freep) Proplist *props = proplist_new();
        SampleSpec ss = m->core->default_spec;
        ChannelMap map = m->core->default_map;
        NullModule *nm;
        const char *pstr;
        bool b = false;
        int r;

        if (!props)
                return -ENOMEM;
        if (modargs_get_sample_spec_and_map(ma, &ss, &map)) {
                log_error("Invalid sample format specification or channel map");
                return ENGINE_E_INVALID;
        }
        if (modargs_get_bool(ma, "norewinds", &b)) {
                log_error("Invalid argument, expected boolean value for norewinds");
                return ENGINE_E_INVALID;
        }
        if (proplist_sets(props, "device.description",
                          kind == DEVICE_SINK ? "Null Output" : "Null Input") < 0 ||
            proplist_sets(props, "device.class", "abstract") < 0 ||
            proplist_sets(props, "device.icon_name",
                          kind == DEVICE_SINK ? "audio-card" : "audio-input-microphone") < 0)
                return -ENOMEM;
        pstr = modargs_get(ma, props_key, NULL);
        if (pstr && proplist_parse_string(props, pstr) < 0) {
                log_error("Invalid properties");
                return ENGINE_E_INVALID;
        }
        nm = calloc(1, sizeof(*nm));
        if (!nm)
                return -ENOMEM;
        m->userdata = nm;
        {
                DeviceNew dn = {
                        .kind = kind,
                        .name = modargs_get(ma, name_key, def_name),
                        .driver = kind == DEVICE_SINK ? "module-null-sink.c" : "module-null-source.c",
                        .module = m, .spec = ss, .map = map, .props = props,
                        .flags = kind == DEVICE_SINK
                                 ? SINK_FLAG_LATENCY | SINK_FLAG_DECIBEL_VOLUME |
                                   SINK_FLAG_DYNAMIC_LATENCY | SINK_FLAG_SET_FORMATS
                                 : SOURCE_FLAG_LATENCY | SOURCE_FLAG_DECIBEL_VOLUME |
                                   SOURCE_FLAG_DYNAMIC_LATENCY,
                        .with_monitor = kind == DEVICE_SINK,
                };

                r = device_new(m->core, &dn, &nm->device);
        }
        if (r) {
                log_error("Failed to create %s.", kind == DEVICE_SINK ? "sink" : "source");
                return r;
        }
        /* Without rewinds the sink renders at most 50 ms ahead; otherwise up to 2 s. */
        device_set_latency_range(nm->device, nm->device->min_latency,
                                 kind == DEVICE_SINK && b ? NULL_NOREWINDS_LATENCY_USEC
                                                          : NULL_CONFIGURED_LATENCY_USEC);
        r = device_io_start(nm->device, &null_backend, nm);
        if (r < 0) {
                log_error("Failed to start the data thread: %s", strerror(-r));
                return r;
        }
        return 0;
}

static int null_sink_init(Module *m, ModArgs *ma) {
        return null_init(m, ma, DEVICE_SINK);
}

static int null_source_init(Module *m, ModArgs *ma) {
        return null_init(m, ma, DEVICE_SOURCE);
}

static void null_done(Module *m) {
        NullModule *nm = m->userdata;

        if (!nm)
                return;
        device_free(nm->device);
        free(nm);
        m->userdata = NULL;
}

static int null_sink_n_used(Module *m) {
        NullModule *nm = m->userdata;
        int n = 0;

        if (!nm || !nm->device)
                return 0;
        c_list_for_each(it, &nm->device->streams)
                n++;
        return n;
}

const ModuleDesc module_null_sink_desc = {
        .name = "module-null-sink",
        .description = "Clocked NULL sink",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "sink_name=<name of sink> sink_properties=<properties for the sink> "
                 "format=<sample format> rate=<sample rate> channels=<number of channels> "
                 "channel_map=<channel map> formats=<semi-colon separated sink formats> "
                 "norewinds=<disable rewinds>",
        .valid_args = null_sink_args,
        .init = null_sink_init,
        .done = null_done,
        .get_n_used = null_sink_n_used,
};

const ModuleDesc module_null_source_desc = {
        .name = "module-null-source",
        .description = "Clocked NULL source",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "format=<sample format> channels=<number of channels> rate=<sample rate> "
                 "source_name=<name of source> channel_map=<channel map> "
                 "source_properties=<properties for the source> latency_time=<latency time in ms>",
        .valid_args = null_source_args,
        .init = null_source_init,
        .done = null_done,
};

/* ---- module-always-sink ---- */

typedef struct AlwaysSink {
        Module *module;
        CoreListener listener;
        uint32_t null_module;           /* index of our auto_null module, or IDX_INVALID */
        char *sink_name;
        bool scheduled;
} AlwaysSink;

static const char *const always_sink_args[] = { "sink_name", NULL };

static bool other_sink_exists(AlwaysSink *as) {
        Device *d;

        idxmap_for_each(d, &as->module->core->sinks, st)
                if (!d->module || d->module->index != as->null_module)
                        return true;
        return false;
}

static void always_sink_check(Core *c, void *userdata) {
        Module *self = idxmap_get(&c->modules, (uint32_t)(uintptr_t)userdata);
        AlwaysSink *as;
        Module *nm;

        /* Deferred by index: the module may have been unloaded meanwhile. */
        if (!self || self->desc != &module_always_sink_desc || !self->userdata)
                return;
        as = self->userdata;
        nm = as->null_module != IDX_INVALID ? idxmap_get(&c->modules, as->null_module) : NULL;

        as->scheduled = false;
        if (c->exiting)
                return;
        if (!nm && !other_sink_exists(as)) {
                char args[256];
                Module *m;

                snprintf(args, sizeof(args), "sink_name=%s sink_properties='device.description=\"Dummy Output\"'",
                         as->sink_name);
                if (module_load(c, "module-null-sink", args, MODULE_ORIGIN_INTERNAL, &m) == 0)
                        as->null_module = m->index;
        } else if (nm && other_sink_exists(as)) {
                as->null_module = IDX_INVALID;
                module_unload(nm);
        }
}

static void always_sink_event(Core *c, uint32_t event, uint32_t index, void *userdata) {
        AlwaysSink *as = userdata;

        if ((event & FACILITY_MASK) != FACILITY_SINK || as->scheduled)
                return;
        if ((event & EVENT_TYPE_MASK) == EVENT_CHANGE)
                return;
        as->scheduled = core_defer(c, always_sink_check, (void *)(uintptr_t)as->module->index) == 0;
}

static int always_sink_init(Module *m, ModArgs *ma) {
        AlwaysSink *as = calloc(1, sizeof(*as));

        if (!as)
                return -ENOMEM;
        m->userdata = as;
        as->module = m;
        as->null_module = IDX_INVALID;
        as->sink_name = strdup(modargs_get(ma, "sink_name", "auto_null"));
        if (!as->sink_name)
                return -ENOMEM;
        if (!core_name_valid(as->sink_name))
                return ENGINE_E_INVALID;
        core_add_listener(m->core, &as->listener, always_sink_event, as);
        as->scheduled = core_defer(m->core, always_sink_check, (void *)(uintptr_t)m->index) == 0;
        return 0;
}

static void always_sink_done(Module *m) {
        AlwaysSink *as = m->userdata;
        Module *nm;

        if (!as)
                return;
        if (c_list_is_linked(&as->listener.link))
                core_remove_listener(&as->listener);
        if (as->null_module != IDX_INVALID &&
            (nm = idxmap_get(&m->core->modules, as->null_module)))
                module_unload(nm);
        free(as->sink_name);
        free(as);
        m->userdata = NULL;
}

const ModuleDesc module_always_sink_desc = {
        .name = "module-always-sink",
        .description = "Always keeps at least one sink loaded even if it's a null one",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "sink_name=<name of sink>",
        .valid_args = always_sink_args,
        .load_once = true,
        .init = always_sink_init,
        .done = always_sink_done,
};
