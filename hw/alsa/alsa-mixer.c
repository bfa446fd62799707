/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* alsa-mixer.c: hardware volume and mute through alsa-lib's simple mixer.
 *
 * Volume mapping (dB elements): the device volume v (cubic scale) means
 * volume_to_db(v) dB relative to the base volume. When the element goes
 * above 0 dB (max_dB > 0), the base volume is the volume at which the
 * hardware sits at 0 dB, so 100 % = the hardware maximum and base = 0 dB.
 * The hardware is set to the nearest step at or below the wanted dB
 * (clamped to [min_dB, max_dB]); whatever is left (a step's fraction, or
 * everything below the hardware minimum) is returned as a software factor
 * for the engine to apply. Mute: the element's switch, if it has one.
 * With ignore_dB (or no dB information) the mapping is linear in the
 * raw range and the DECIBEL flag is not set.
 *
 * Channels: a device channel maps to the element channel of the same
 * position (FL, FR, FC, ...); mono elements or positions the element does not
 * have use the loudest wanted volume for the whole element and software for
 * the balance.
 *
 * Events: the mixer's poll descriptors are watched on the main loop; a
 * change by anyone (amixer, another program) calls the owner back, which
 * reads the new volume and posts a CHANGE event. Main thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <alsa/asoundlib.h>
#include "engine/core.h"
#include "engine/base/log.h"
#include "hw/alsa/alsa-mixer.h"

#define MIXER_MAX_FDS 8

struct AlsaMixer {
        snd_mixer_t *mixer;
        snd_mixer_elem_t *elem;
        char *ctl;
        char *elem_name;
        bool capture;
        bool has_volume;
        bool has_switch;
        bool use_dB;
        long min_raw, max_raw;
        long min_dB, max_dB;            /* 1/100 dB */
        Core *core;
        void *handles[MIXER_MAX_FDS];
        size_t n_handles;
        void (*cb)(void *userdata);
        void *userdata;
};

static const char *const playback_names[] = {
        "Master", "PCM", "Speaker", "Headphone", "Front", "Digital", "Line", NULL,
};
static const char *const capture_names[] = {
        "Capture", "Mic", "Internal Mic", "Digital", "Line", "Input", NULL,
};

static bool elem_usable(AlsaMixer *m, snd_mixer_elem_t *e) {
        if (m->capture)
                return snd_mixer_selem_has_capture_volume(e) || snd_mixer_selem_has_capture_switch(e);
        return snd_mixer_selem_has_playback_volume(e) || snd_mixer_selem_has_playback_switch(e);
}

static snd_mixer_elem_t *find_elem(AlsaMixer *m, const char *name) {
        snd_mixer_selem_id_t *sid;

        snd_mixer_selem_id_alloca(&sid);
        snd_mixer_selem_id_set_name(sid, name);
        snd_mixer_selem_id_set_index(sid, 0);
        return snd_mixer_find_selem(m->mixer, sid);
}

int alsa_mixer_open(const char *ctl, DeviceKind kind, const char *element, bool ignore_dB,
                    AlsaMixer **ret) {
        AlsaMixer *m;
        const char *const *names = kind == DEVICE_SINK ? playback_names : capture_names;
        int r;

        if (!ctl || !*ctl)
                return ENGINE_E_NOENTITY;
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->capture = kind == DEVICE_SOURCE;
        m->ctl = strdup(ctl);
        if (!m->ctl) {
                free(m);
                return -ENOMEM;
        }
        r = snd_mixer_open(&m->mixer, 0);
        if (r < 0)
                goto fail;
        r = snd_mixer_attach(m->mixer, ctl);
        if (r < 0) {
                log_info("No mixer for '%s': %s", ctl, snd_strerror(r));
                r = -ENOENT;
                goto fail;
        }
        r = snd_mixer_selem_register(m->mixer, NULL, NULL);
        if (r >= 0)
                r = snd_mixer_load(m->mixer);
        if (r < 0) {
                log_info("Cannot load mixer '%s': %s", ctl, snd_strerror(r));
                goto fail;
        }
        if (element) {
                m->elem = find_elem(m, element);
                if (m->elem && !elem_usable(m, m->elem))
                        m->elem = NULL;
        } else {
                for (size_t i = 0; names[i] && !m->elem; i++) {
                        snd_mixer_elem_t *e = find_elem(m, names[i]);

                        if (e && elem_usable(m, e))
                                m->elem = e;
                }
        }
        if (!m->elem) {
                log_info("Mixer '%s' has no usable %s element%s%s.", ctl,
                         m->capture ? "capture" : "playback", element ? " named " : "",
                         element ? element : "");
                r = -ENOENT;
                goto fail;
        }
        m->elem_name = strdup(snd_mixer_selem_get_name(m->elem));
        if (!m->elem_name) {
                r = -ENOMEM;
                goto fail;
        }
        if (m->capture) {
                m->has_volume = snd_mixer_selem_has_capture_volume(m->elem);
                m->has_switch = snd_mixer_selem_has_capture_switch(m->elem);
                if (m->has_volume)
                        snd_mixer_selem_get_capture_volume_range(m->elem, &m->min_raw, &m->max_raw);
                if (m->has_volume && !ignore_dB &&
                    snd_mixer_selem_get_capture_dB_range(m->elem, &m->min_dB, &m->max_dB) >= 0)
                        m->use_dB = true;
        } else {
                m->has_volume = snd_mixer_selem_has_playback_volume(m->elem);
                m->has_switch = snd_mixer_selem_has_playback_switch(m->elem);
                if (m->has_volume)
                        snd_mixer_selem_get_playback_volume_range(m->elem, &m->min_raw, &m->max_raw);
                if (m->has_volume && !ignore_dB &&
                    snd_mixer_selem_get_playback_dB_range(m->elem, &m->min_dB, &m->max_dB) >= 0)
                        m->use_dB = true;
        }
        /* a lowest step that means "mute" (TLV mute flag): the usable minimum is the
         * next step; below it the engine attenuates in software */
        if (m->use_dB && m->min_dB <= SND_CTL_TLV_DB_GAIN_MUTE && m->max_raw > m->min_raw + 1) {
                long db = 0;
                int q = m->capture ? snd_mixer_selem_ask_capture_vol_dB(m->elem, m->min_raw + 1, &db)
                                   : snd_mixer_selem_ask_playback_vol_dB(m->elem, m->min_raw + 1, &db);

                if (q >= 0)
                        m->min_dB = db;
        }
        /* hostile ranges: empty or inverted ranges are unusable */
        if (m->has_volume && m->max_raw <= m->min_raw)
                m->has_volume = false;
        if (m->use_dB && m->max_dB <= m->min_dB)
                m->use_dB = false;
        if (!m->has_volume && !m->has_switch) {
                r = -ENOENT;
                goto fail;
        }
        log_info("Using mixer element '%s' of '%s': volume %s, %s, switch %s.", m->elem_name, ctl,
                 m->has_volume ? "yes" : "no", m->use_dB ? "dB" : "linear",
                 m->has_switch ? "yes" : "no");
        *ret = m;
        return 0;
fail:
        alsa_mixer_free(m);
        return r == -ENOENT ? ENGINE_E_NOENTITY : r < 0 ? r : -EIO;
}

AlsaMixer *alsa_mixer_free(AlsaMixer *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_handles; i++)
                if (m->core && m->core->loop && m->core->loop->remove_fd)
                        m->core->loop->remove_fd(m->core, m->handles[i]);
        if (m->mixer)
                snd_mixer_close(m->mixer);
        free(m->elem_name);
        free(m->ctl);
        free(m);
        return NULL;
}

uint32_t alsa_mixer_flags(const AlsaMixer *m) {
        uint32_t f = 0;

        if (m->has_volume)
                f |= SINK_FLAG_HW_VOLUME_CTRL;
        if (m->has_volume && m->use_dB)
                f |= SINK_FLAG_DECIBEL_VOLUME;
        if (m->has_switch)
                f |= SINK_FLAG_HW_MUTE_CTRL;
        return f;
}

Volume alsa_mixer_base_volume(const AlsaMixer *m) {
        if (m->has_volume && m->use_dB && m->max_dB > 0)
                return volume_from_db(-(double)m->max_dB / 100.0);
        return VOLUME_NORM;
}

uint32_t alsa_mixer_n_steps(const AlsaMixer *m) {
        if (m->has_volume && !m->use_dB)
                return (uint32_t)C_MIN(m->max_raw - m->min_raw + 1, (long)VOLUME_NORM + 1);
        return VOLUME_NORM + 1;
}

const char *alsa_mixer_element_name(const AlsaMixer *m) {
        return m->elem_name;
}

static snd_mixer_selem_channel_id_t position_to_schn(uint8_t pos) {
        switch (pos) {
        case CHANNEL_MONO: return SND_MIXER_SCHN_MONO;
        case CHANNEL_FRONT_LEFT: return SND_MIXER_SCHN_FRONT_LEFT;
        case CHANNEL_FRONT_RIGHT: return SND_MIXER_SCHN_FRONT_RIGHT;
        case CHANNEL_REAR_LEFT: return SND_MIXER_SCHN_REAR_LEFT;
        case CHANNEL_REAR_RIGHT: return SND_MIXER_SCHN_REAR_RIGHT;
        case CHANNEL_FRONT_CENTER: return SND_MIXER_SCHN_FRONT_CENTER;
        case CHANNEL_LFE: return SND_MIXER_SCHN_WOOFER;
        case CHANNEL_SIDE_LEFT: return SND_MIXER_SCHN_SIDE_LEFT;
        case CHANNEL_SIDE_RIGHT: return SND_MIXER_SCHN_SIDE_RIGHT;
        case CHANNEL_REAR_CENTER: return SND_MIXER_SCHN_REAR_CENTER;
        default: return SND_MIXER_SCHN_UNKNOWN;
        }
}

static bool elem_has_channel(AlsaMixer *m, snd_mixer_selem_channel_id_t c) {
        if (c == SND_MIXER_SCHN_UNKNOWN)
                return false;
        return m->capture ? snd_mixer_selem_has_capture_channel(m->elem, c)
                          : snd_mixer_selem_has_playback_channel(m->elem, c);
}

/* true if every device channel has its own element channel */
static bool per_channel(AlsaMixer *m, const ChannelMap *map) {
        bool mono = m->capture ? snd_mixer_selem_is_capture_mono(m->elem)
                               : snd_mixer_selem_is_playback_mono(m->elem);

        if (mono)
                return false;
        for (unsigned i = 0; i < map->channels; i++)
                if (!elem_has_channel(m, position_to_schn(map->map[i])))
                        return false;
        return true;
}

/* dB (1/100) the device volume v asks the hardware for */
static double volume_to_hw_cdb(AlsaMixer *m, Volume v) {
        double db = volume_to_db(v);

        if (m->max_dB > 0)
                db += (double)m->max_dB / 100.0;
        return db * 100.0;
}

static Volume hw_cdb_to_volume(AlsaMixer *m, long cdb) {
        double db = (double)cdb / 100.0;

        if (m->max_dB > 0)
                db -= (double)m->max_dB / 100.0;
        if (cdb <= SND_CTL_TLV_DB_GAIN_MUTE)
                return VOLUME_MUTED;
        return volume_from_db(db);
}

static long volume_to_raw(AlsaMixer *m, Volume v) {
        double f = (double)C_MIN(v, VOLUME_NORM) / VOLUME_NORM;

        return m->min_raw + lround(f * (double)(m->max_raw - m->min_raw));
}

static Volume raw_to_volume(AlsaMixer *m, long raw) {
        double f = (double)(raw - m->min_raw) / (double)(m->max_raw - m->min_raw);

        return (Volume)lround(C_CLAMP(f, 0.0, 1.0) * VOLUME_NORM);
}

/* Sets element channel c to v; returns the volume the hardware really has. */
static int set_one(AlsaMixer *m, snd_mixer_selem_channel_id_t c, bool all, Volume v, Volume *ret) {
        long val;
        int r;

        if (m->use_dB) {
                double want = volume_to_hw_cdb(m, v);
                long cdb = isinf(want) || want < (double)m->min_dB ? m->min_dB
                           : want > (double)m->max_dB ? m->max_dB : (long)floor(want);

                if (m->capture)
                        r = all ? snd_mixer_selem_set_capture_dB_all(m->elem, cdb, -1)
                                : snd_mixer_selem_set_capture_dB(m->elem, c, cdb, -1);
                else
                        r = all ? snd_mixer_selem_set_playback_dB_all(m->elem, cdb, -1)
                                : snd_mixer_selem_set_playback_dB(m->elem, c, cdb, -1);
                if (r < 0)
                        return r;
                r = m->capture ? snd_mixer_selem_get_capture_dB(m->elem, all ? SND_MIXER_SCHN_MONO : c, &val)
                               : snd_mixer_selem_get_playback_dB(m->elem, all ? SND_MIXER_SCHN_MONO : c, &val);
                if (r < 0)
                        return r;
                *ret = hw_cdb_to_volume(m, val);
                return 0;
        }
        val = volume_to_raw(m, v);
        if (m->capture)
                r = all ? snd_mixer_selem_set_capture_volume_all(m->elem, val)
                        : snd_mixer_selem_set_capture_volume(m->elem, c, val);
        else
                r = all ? snd_mixer_selem_set_playback_volume_all(m->elem, val)
                        : snd_mixer_selem_set_playback_volume(m->elem, c, val);
        if (r < 0)
                return r;
        *ret = v;       /* linear mapping: the hardware does it all */
        return 0;
}

int alsa_mixer_set_volume(AlsaMixer *m, const ChannelMap *map, const CVolume *want,
                          CVolume *ret_soft) {
        CVolume soft;
        Volume hw;
        int r;

        cvolume_set(&soft, want->channels, VOLUME_NORM);
        if (!m->has_volume) {
                *ret_soft = *want;
                return 0;
        }
        if (per_channel(m, map) && map->channels == want->channels) {
                for (unsigned i = 0; i < want->channels; i++) {
                        r = set_one(m, position_to_schn(map->map[i]), false, want->values[i], &hw);
                        if (r < 0)
                                return r;
                        soft.values[i] = hw ? (Volume)C_MIN((double)VOLUME_MAX,
                                                             lround((double)want->values[i] * VOLUME_NORM / hw))
                                            : VOLUME_MUTED;
                }
        } else {
                Volume mx = cvolume_max(want);

                r = set_one(m, SND_MIXER_SCHN_MONO, true, mx, &hw);
                if (r < 0)
                        return r;
                for (unsigned i = 0; i < want->channels; i++)
                        soft.values[i] = hw ? (Volume)C_MIN((double)VOLUME_MAX,
                                                             lround((double)want->values[i] * VOLUME_NORM / hw))
                                            : VOLUME_MUTED;
        }
        /* the cubic scale: a ratio of volumes is a ratio of cube roots of gains,
         * so want/hw on the volume scale is exactly the remaining gain */
        *ret_soft = soft;
        return 0;
}

static int get_one(AlsaMixer *m, snd_mixer_selem_channel_id_t c, Volume *ret) {
        long val;
        int r;

        if (m->use_dB) {
                r = m->capture ? snd_mixer_selem_get_capture_dB(m->elem, c, &val)
                               : snd_mixer_selem_get_playback_dB(m->elem, c, &val);
                if (r < 0)
                        return r;
                *ret = hw_cdb_to_volume(m, val);
                return 0;
        }
        r = m->capture ? snd_mixer_selem_get_capture_volume(m->elem, c, &val)
                       : snd_mixer_selem_get_playback_volume(m->elem, c, &val);
        if (r < 0)
                return r;
        *ret = raw_to_volume(m, val);
        return 0;
}

int alsa_mixer_get_volume(AlsaMixer *m, const ChannelMap *map, CVolume *ret) {
        CVolume v;
        Volume x;
        int r;

        cvolume_set(&v, map->channels, VOLUME_NORM);
        if (!m->has_volume) {
                *ret = v;
                return 0;
        }
        if (per_channel(m, map)) {
                for (unsigned i = 0; i < map->channels; i++) {
                        r = get_one(m, position_to_schn(map->map[i]), &v.values[i]);
                        if (r < 0)
                                return r;
                }
        } else {
                r = get_one(m, SND_MIXER_SCHN_MONO, &x);
                if (r < 0)
                        return r;
                cvolume_set(&v, map->channels, x);
        }
        *ret = v;
        return 0;
}

int alsa_mixer_set_mute(AlsaMixer *m, bool mute) {
        int r;

        if (!m->has_switch)
                return 0;
        r = m->capture ? snd_mixer_selem_set_capture_switch_all(m->elem, !mute)
                       : snd_mixer_selem_set_playback_switch_all(m->elem, !mute);
        return r < 0 ? r : 0;
}

int alsa_mixer_get_mute(AlsaMixer *m, bool *ret) {
        int on = 1, r;

        if (!m->has_switch) {
                *ret = false;
                return 0;
        }
        r = m->capture ? snd_mixer_selem_get_capture_switch(m->elem, SND_MIXER_SCHN_MONO, &on)
                       : snd_mixer_selem_get_playback_switch(m->elem, SND_MIXER_SCHN_MONO, &on);
        if (r < 0)
                return r;
        *ret = !on;
        return 0;
}

static void mixer_on_fd(void *userdata) {
        AlsaMixer *m = userdata;
        int r;

        /* reads the pending events and updates the element values */
        r = snd_mixer_handle_events(m->mixer);
        if (r < 0) {
                log_warn("Mixer '%s': %s; no longer watching it.", m->ctl, snd_strerror(r));
                for (size_t i = 0; i < m->n_handles; i++)
                        m->core->loop->remove_fd(m->core, m->handles[i]);
                m->n_handles = 0;
                return;
        }
        if (m->cb)
                m->cb(m->userdata);
}

int alsa_mixer_watch(AlsaMixer *m, Core *c, void (*cb)(void *userdata), void *userdata) {
        struct pollfd pfd[MIXER_MAX_FDS];
        int n, r;

        if (!c->loop || !c->loop->add_fd)
                return 0;
        n = snd_mixer_poll_descriptors_count(m->mixer);
        if (n <= 0)
                return 0;
        if (n > MIXER_MAX_FDS)
                n = MIXER_MAX_FDS;
        n = snd_mixer_poll_descriptors(m->mixer, pfd, (unsigned)n);
        if (n < 0)
                return n;
        m->core = c;
        m->cb = cb;
        m->userdata = userdata;
        for (int i = 0; i < n; i++) {
                r = c->loop->add_fd(c, pfd[i].fd, mixer_on_fd, m, &m->handles[m->n_handles]);
                if (r < 0)
                        return r;
                m->n_handles++;
        }
        return 0;
}
