/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device-source.h: where the detect modules learn about sound cards.
 *
 * A device source enumerates the cards present now and (optionally)
 * watches for cards coming and going. Production: snd_card_next() plus an
 * sd-device monitor on subsystem "sound". Tests: a static list parsed from
 * a module argument (simulated cards whose PCM/ctl names are not hw:N),
 * still combined with the real sd-device monitor so injected udev events
 * exercise the production hotplug path (hw:N then maps to a simulated
 * card through the test's ALSA configuration).
 */
#pragma once

#include <stdbool.h>
#include "engine/core.h"

typedef struct DeviceSource DeviceSource;

/* One card as the detect modules need it (strings may be NULL). */
typedef struct AlsaCardInfo {
        const char *key;                /* unique while present: "7" for card7, test ids */
        const char *device_id;          /* module-alsa-card device_id= (hw:ID) */
        const char *name;               /* name= (card "alsa_card.NAME") */
        const char *description;
        const char *pcm_playback;       /* overrides for simulated cards */
        const char *pcm_capture;
        const char *control;
} AlsaCardInfo;

typedef void (*DeviceSourceFn)(void *userdata, bool added, const AlsaCardInfo *info);

/* Production source (snd_card_next + sd-device). */
int device_source_new_system(DeviceSource **ret);
/* Test source: "KEY:pcm=P,ctl=C,desc=D,name=N;KEY2:..." (pcm_playback=/pcm_capture=
 * set the directions separately). Return: 0, ENGINE_E_INVALID, -ENOMEM. */
int device_source_new_static(const char *spec, DeviceSource **ret);
DeviceSource *device_source_free(DeviceSource *s);
/* Calls fn(userdata, true, info) for every card present. */
int device_source_enumerate(DeviceSource *s, DeviceSourceFn fn, void *userdata);
/* Starts watching (sd-device monitor on the main loop). Return: 0 or -errno. */
int device_source_watch(DeviceSource *s, DeviceSourceFn fn, void *userdata);
