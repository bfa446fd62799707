/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* alsa-sink.c: module-alsa-sink and module-alsa-source.
 *
 * Both parse PulseAudio's arguments into an AlsaPcmConfig and let
 * alsa-pcm.c do the work. Conveniences as PulseAudio has them:
 * device_id=N means device=hw:N, name=X names the device alsa_output.X /
 * alsa_input.X. deferred_volume*, rewind_safeguard, alternate_rate,
 * avoid_resampling and namereg_fail are accepted and ignored (we have no
 * deferred volume and no rewinds; see docs/alsa.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "engine/core.h"
#include "engine/base/log.h"
#include "hw/alsa/alsa-pcm.h"
#include "hw/alsa/alsa-sink.h"

typedef struct AlsaModule {
        Device *device;
} AlsaModule;

static const char *const alsa_sink_args[] = {
        "name", "sink_name", "sink_properties", "namereg_fail", "device", "device_id", "format",
        "rate", "alternate_rate", "channels", "channel_map", "fragments", "fragment_size", "mmap",
        "tsched", "tsched_buffer_size", "tsched_buffer_watermark", "ignore_dB", "control",
        "rewind_safeguard", "deferred_volume", "deferred_volume_safety_margin",
        "deferred_volume_extra_delay", "fixed_latency_range", "avoid_resampling", NULL,
};

static const char *const alsa_source_args[] = {
        "name", "source_name", "source_properties", "namereg_fail", "device", "device_id", "format",
        "rate", "alternate_rate", "channels", "channel_map", "fragments", "fragment_size", "mmap",
        "tsched", "tsched_buffer_size", "tsched_buffer_watermark", "ignore_dB", "control",
        "deferred_volume", "deferred_volume_safety_margin", "deferred_volume_extra_delay",
        "fixed_latency_range", "avoid_resampling", NULL,
};

static int get_bool(ModArgs *ma, const char *key, bool *v) {
        if (modargs_get_bool(ma, key, v)) {
                log_error("Invalid argument, expected boolean value for %s", key);
                return ENGINE_E_INVALID;
        }
        return 0;
}

static int alsa_init(Module *m, ModArgs *ma, DeviceKind kind) {
        const char *props_key = kind == DEVICE_SINK ? "sink_properties" : "source_properties";
        const char *name_key = kind == DEVICE_SINK ? "sink_name" : "source_name";
        _c_cleanup_(proplist_freep) Proplist *props = proplist_new();
        AlsaPcmConfig cfg = {
                .kind = kind, .tsched = true, .mmap = true,
        };
        SampleSpec ss = m->core->default_spec;
        ChannelMap map = m->core->default_map;
        char *device = NULL, *name = NULL;
        const char *s;
        uint32_t u = 0, id = 0;
        AlsaModule *am;
        int r;

        if (!props)
                return -ENOMEM;
        if (modargs_get_sample_spec_and_map(ma, &ss, &map)) {
                log_error("Failed to parse sample specification and channel map");
                return ENGINE_E_INVALID;
        }
        cfg.spec = ss;
        cfg.map = map;
        if (!modargs_get(ma, "format", NULL) && !modargs_get(ma, "rate", NULL) &&
            !modargs_get(ma, "channels", NULL) && !modargs_get(ma, "channel_map", NULL)) {
                /* nothing asked: take the daemon's defaults as a wish, the device decides */
                cfg.map.channels = 0;
        }
        if ((r = get_bool(ma, "tsched", &cfg.tsched)) || (r = get_bool(ma, "mmap", &cfg.mmap)) ||
            (r = get_bool(ma, "ignore_dB", &cfg.ignore_dB)) ||
            (r = get_bool(ma, "fixed_latency_range", &cfg.fixed_latency_range)))
                return r;
        {
                bool b = false;

                if ((r = get_bool(ma, "deferred_volume", &b)) || (r = get_bool(ma, "namereg_fail", &b)) ||
                    (r = get_bool(ma, "avoid_resampling", &b)))
                        return r;
        }
        if (modargs_get_u32(ma, "fragments", &cfg.fragments) ||
            modargs_get_u32(ma, "fragment_size", &cfg.fragment_size)) {
                log_error("Failed to parse buffer metrics");
                return ENGINE_E_INVALID;
        }
        if (modargs_get_u32(ma, "tsched_buffer_size", &u)) {
                log_error("Failed to parse tsched_buffer_size");
                return ENGINE_E_INVALID;
        }
        if (u)
                cfg.tsched_buffer_usec = sample_spec_bytes_to_usec(u, &ss);
        u = 0;
        if (modargs_get_u32(ma, "tsched_buffer_watermark", &u)) {
                log_error("Failed to parse tsched_buffer_watermark");
                return ENGINE_E_INVALID;
        }
        if (u)
                cfg.tsched_watermark_usec = sample_spec_bytes_to_usec(u, &ss);
        s = modargs_get(ma, props_key, NULL);
        if (s && proplist_parse_string(props, s) < 0) {
                log_error("Invalid properties");
                return ENGINE_E_INVALID;
        }
        cfg.props = props;
        if (modargs_get(ma, "device_id", NULL)) {
                if (modargs_get_u32(ma, "device_id", &id) || id > 255) {
                        log_error("Invalid device_id");
                        return ENGINE_E_INVALID;
                }
                if (asprintf(&device, "hw:%u", id) < 0)
                        return -ENOMEM;
        } else {
                device = strdup(modargs_get(ma, "device", "default"));
                if (!device)
                        return -ENOMEM;
        }
        cfg.device = device;
        cfg.control = modargs_get(ma, "control", NULL);
        cfg.description = proplist_gets(props, "device.description");
        cfg.name = modargs_get(ma, name_key, NULL);
        if (!cfg.name && (s = modargs_get(ma, "name", NULL))) {
                if (asprintf(&name, "%s.%s", kind == DEVICE_SINK ? "alsa_output" : "alsa_input", s) < 0) {
                        free(device);
                        return -ENOMEM;
                }
                cfg.name = name;
        }
        if (cfg.name && !core_name_valid(cfg.name)) {
                log_error("Invalid %s name '%s'", kind == DEVICE_SINK ? "sink" : "source", cfg.name);
                free(device);
                free(name);
                return ENGINE_E_INVALID;
        }
        am = calloc(1, sizeof(*am));
        if (!am) {
                free(device);
                free(name);
                return -ENOMEM;
        }
        m->userdata = am;
        r = alsa_pcm_device_new(m->core, m, &cfg, &am->device);
        free(device);
        free(name);
        if (r) {
                am->device = NULL;
                return r < 0 ? r : ENGINE_E_MODINIT;
        }
        return 0;
}

static int alsa_sink_init(Module *m, ModArgs *ma) {
        return alsa_init(m, ma, DEVICE_SINK);
}

static int alsa_source_init(Module *m, ModArgs *ma) {
        return alsa_init(m, ma, DEVICE_SOURCE);
}

static void alsa_done(Module *m) {
        AlsaModule *am = m->userdata;

        if (!am)
                return;
        if (am->device)
                alsa_pcm_device_free(am->device);
        free(am);
        m->userdata = NULL;
}

static int alsa_n_used(Module *m) {
        AlsaModule *am = m->userdata;
        int n = 0;

        if (!am || !am->device)
                return 0;
        c_list_for_each(it, &am->device->streams)
                n++;
        return n;
}

const ModuleDesc module_alsa_sink_desc = {
        .name = "module-alsa-sink",
        .description = "ALSA Sink",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "name=<name of the sink, to be prefixed> sink_name=<name for the sink> "
                 "sink_properties=<properties for the sink> namereg_fail=<when false attempt to "
                 "synthesise new sink_name if it is already taken> device=<ALSA device> "
                 "device_id=<ALSA card index> format=<sample format> rate=<sample rate> "
                 "alternate_rate=<alternate sample rate> channels=<number of channels> "
                 "channel_map=<channel map> fragments=<number of fragments> "
                 "fragment_size=<fragment size> mmap=<enable memory mapping?> "
                 "tsched=<enable system timer based scheduling mode?> "
                 "tsched_buffer_size=<buffer size when using timer based scheduling> "
                 "tsched_buffer_watermark=<lower fill watermark> ignore_dB=<ignore dB information "
                 "from the device?> control=<name of mixer control, or name and index separated "
                 "by a comma> rewind_safeguard=<number of bytes that cannot be rewound> "
                 "deferred_volume=<Synchronize software and hardware volume changes to avoid "
                 "glitches?> deferred_volume_safety_margin=<usec adjustment depending on volume "
                 "direction> deferred_volume_extra_delay=<usec adjustment to HW volume changes> "
                 "fixed_latency_range=<disable latency range changes on underrun?> "
                 "avoid_resampling=<use stream original sample rate if possible?>",
        .valid_args = alsa_sink_args,
        .init = alsa_sink_init,
        .done = alsa_done,
        .get_n_used = alsa_n_used,
};

const ModuleDesc module_alsa_source_desc = {
        .name = "module-alsa-source",
        .description = "ALSA Source",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "name=<name for the source, to be prefixed> source_name=<name for the source> "
                 "source_properties=<properties for the source> namereg_fail=<when false attempt "
                 "to synthesise new source_name if it is already taken> device=<ALSA device> "
                 "device_id=<ALSA card index> format=<sample format> rate=<sample rate> "
                 "alternate_rate=<alternate sample rate> channels=<number of channels> "
                 "channel_map=<channel map> fragments=<number of fragments> "
                 "fragment_size=<fragment size> mmap=<enable memory mapping?> "
                 "tsched=<enable system timer based scheduling mode?> "
                 "tsched_buffer_size=<buffer size when using timer based scheduling> "
                 "tsched_buffer_watermark=<upper fill watermark> ignore_dB=<ignore dB information "
                 "from the device?> control=<name of mixer control> deferred_volume=<Synchronize "
                 "software and hardware volume changes to avoid glitches?> "
                 "deferred_volume_safety_margin=<usec adjustment depending on volume direction> "
                 "deferred_volume_extra_delay=<usec adjustment to HW volume changes> "
                 "fixed_latency_range=<disable latency range changes on overrun?> "
                 "avoid_resampling=<use stream original sample rate if possible?>",
        .valid_args = alsa_source_args,
        .init = alsa_source_init,
        .done = alsa_done,
        .get_n_used = alsa_n_used,
};
