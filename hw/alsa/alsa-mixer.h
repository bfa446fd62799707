/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* alsa-mixer.h: hardware volume/mute of an ALSA device through snd_mixer simple elements. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "engine/core.h"

typedef struct AlsaMixer AlsaMixer;

/* Opens ctl (e.g. "hw:0", "card0") and picks the simple element: element if given,
 * else the first of the usual names (playback: Master, PCM, Speaker, Headphone...;
 * capture: Capture, Mic, ...) that has a volume (and/or switch) in that direction.
 * Return: 0, ENGINE_E_NOENTITY (no such ctl or no usable element), or -errno. */
int alsa_mixer_open(const char *ctl, DeviceKind kind, const char *element, bool ignore_dB,
                    AlsaMixer **ret);
AlsaMixer *alsa_mixer_free(AlsaMixer *m);
/* SINK_FLAG_HW_VOLUME_CTRL / _DECIBEL_VOLUME / _HW_MUTE_CTRL (same values for sources). */
uint32_t alsa_mixer_flags(const AlsaMixer *m);
Volume alsa_mixer_base_volume(const AlsaMixer *m);
uint32_t alsa_mixer_n_steps(const AlsaMixer *m);
const char *alsa_mixer_element_name(const AlsaMixer *m);
/* Sets the hardware as close to want as it can (never above); ret_soft is what the
 * engine must apply in software on top (per channel). Return: 0 or -errno. */
int alsa_mixer_set_volume(AlsaMixer *m, const ChannelMap *map, const CVolume *want,
                          CVolume *ret_soft);
/* The hardware volume now, on the device's channel map. Return: 0 or -errno. */
int alsa_mixer_get_volume(AlsaMixer *m, const ChannelMap *map, CVolume *ret);
int alsa_mixer_set_mute(AlsaMixer *m, bool mute);
int alsa_mixer_get_mute(AlsaMixer *m, bool *ret);
/* Watches the mixer's poll descriptors on the main loop; cb(userdata) after changes
 * were read (alsa_mixer_get_* then return the new values). Return: 0 or -errno. */
int alsa_mixer_watch(AlsaMixer *m, Core *c, void (*cb)(void *userdata), void *userdata);
