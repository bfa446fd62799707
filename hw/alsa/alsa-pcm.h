/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* alsa-pcm.h: an ALSA PCM as a sink or source (data thread + hardware mixer).
 *
 * Internal API of the ALSA backend: module-alsa-sink / module-alsa-source
 * parse their arguments into an AlsaPcmConfig and call alsa_pcm_device_new();
 * module-alsa-card does the same for each sink/source of a profile.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "engine/core.h"

typedef struct AlsaPcmConfig {
        DeviceKind kind;          /* DEVICE_SINK or DEVICE_SOURCE */
        const char *device;       /* ALSA PCM name, e.g. "hw:0,0", "card0", "front:0" */
        const char *control;      /* ALSA ctl name for the mixer (NULL: derive from the PCM / none) */
        const char *name;         /* sink/source name (NULL: alsa_output.<device>/alsa_input.<device> sanitised) */
        const char *description;  /* device.description (NULL: from the PCM info / hint) */
        SampleSpec spec;          /* requested; format/rate/channels 0 = device's default */
        ChannelMap map;           /* channels 0 = auto */
        Card *card;               /* owning card or NULL */
        DevicePort *const *ports; size_t n_ports; /* card ports for this device (may be 0) */
        Proplist *props;          /* extra properties (copied), may be NULL */
        /* scheduling: */
        bool tsched; uint64_t tsched_buffer_usec; uint64_t tsched_watermark_usec;
        uint32_t fragments; uint32_t fragment_size; bool mmap; bool ignore_dB; bool fixed_latency_range;
        /* additions: */
        const char *mixer_element;      /* simple element to use (NULL: search the usual names) */
        bool no_mixer;                  /* never touch the mixer (software volume only) */
        bool refuse_pulse_plugin;       /* fail with ENGINE_E_NOTSUPPORTED if the PCM is
                                         * the libasound "pulse" ioplug (would feed ourselves) */
} AlsaPcmConfig;

/* Opens the PCM, negotiates, creates and links the Device with its data thread.
 * Return: 0, ENGINE_E_INVALID (bad config), ENGINE_E_NOENTITY (no such PCM),
 * ENGINE_E_BUSY (PCM in use), ENGINE_E_NOTSUPPORTED (no usable configuration or the
 * pulse plugin refused), ENGINE_E_EXIST (name taken), or -errno. */
int alsa_pcm_device_new(Core *c, Module *m, const AlsaPcmConfig *cfg, Device **ret);
/* Closes the PCM; the device's streams are rescued by device_free. NULL-safe. */
void alsa_pcm_device_free(Device *d);
