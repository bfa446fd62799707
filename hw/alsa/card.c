/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* card.c: module-alsa-card, one ALSA card as an engine Card.
 *
 * Profiles. Without UCM the card gets the four fixed profiles PulseAudio
 * users know, with PulseAudio's priorities:
 *      output:analog-stereo                          1 sink,   6500
 *      output:analog-stereo+input:analog-stereo      1+1,      6565
 *      input:analog-stereo                           1 source,   65
 *      off                                           nothing,     0
 * A profile is available when its PCMs open in that direction (probed once
 * at load with a non-blocking open that is closed again). The PCM names
 * come from pcm_playback= / pcm_capture= (simulated cards), else the first
 * of "front:ID" / "hw:ID" that opens.
 *
 * Ports come from the card's mixer (control=, default "hw:ID"): Master or
 * Speaker elements give analog-output-speaker, Headphone elements or a
 * "Headphone Jack" give analog-output-headphones, Capture or Mic elements
 * analog-input-mic, "Internal Mic" elements analog-input-internal-mic.
 * "... Jack" boolean controls set the availability of their port; the
 * module watches the control device on the main loop and, like
 * PulseAudio's default policy, moves a sink to a port that became
 * available (plugging headphones) and away from one that became
 * unavailable.
 *
 * UCM. With use_ucm=1 (the default) snd_use_case_mgr_open() is tried on the
 * card's control name ("hw:ID", or control= for cards that are not kernel
 * cards: alsa-lib then finds ucm2/conf.virt.d/<name>.conf). If it opens and
 * has a verb with a PlaybackPCM or CapturePCM, each verb becomes a profile
 * "<verb>" (described by the verb's comment) with one sink (the first
 * device's PlaybackPCM) and/or one source (the first CapturePCM); the
 * devices on those PCMs become ports "[Out] <device>" / "[In] <device>"
 * (PulseAudio 15's names) with the UCM Playback/CapturePriority, and their
 * JackControl (on JackCTL or the card's ctl) decides availability. Profile
 * switches set the verb ("off": "Inactive"); a device's port becoming
 * active enables the UCM device (EnableSequence) after disabling the old
 * one: the card wraps the devices' ops with a set_port (ucm_set_port).
 *
 * A profile switch keeps the devices both profiles have (output → duplex
 * adds a source and leaves the sink and its streams alone), creates the new
 * ones first and frees the old ones last, so a failure leaves the old
 * profile intact. Devices are created by alsa_pcm_device_new() (alsa-pcm.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <alsa/asoundlib.h>
#include <alsa/use-case.h>
#include "engine/card.h"
#include "engine/base/log.h"
#include "hw/alsa/alsa-card.h"
#include "hw/alsa/alsa-pcm.h"

#define PRIO_OUTPUT 6500U
#define PRIO_INPUT 65U
#define PRIO_DUPLEX (PRIO_OUTPUT + PRIO_INPUT)
#define MAX_JACKS 8U
#define CTL_EVENTS_PER_WAKEUP 64U
#define NAMEREG_TRIES 16U

enum { PORT_TYPE_SPEAKER = 2, PORT_TYPE_HEADPHONES = 3, PORT_TYPE_LINE = 4, PORT_TYPE_MIC = 5 };

/* What a profile brings up: the PCM of each direction (NULL: none). */
typedef struct ProfileData {
        char *pcm_playback;
        char *pcm_capture;
        char *ucm_verb;                 /* UCM profiles only */
        char *mapping;                  /* "analog-stereo" or the verb, for names */
        char *mixer_playback;           /* UCM PlaybackMixerElem / CaptureMixerElem */
        char *mixer_capture;
} ProfileData;

/* A "... Jack" control and the port it decides. */
typedef struct Jack {
        snd_ctl_elem_id_t *id;
        DevicePort *port;
} Jack;

typedef struct AlsaCard {
        Module *module;
        Card *card;
        char *device_id;
        char *name;                     /* the name= part of device names */
        char *control;                  /* ctl name or NULL (no mixer) */
        char *description;
        char *sink_name;                /* sink_name= / source_name= overrides */
        char *source_name;
        Proplist *sink_props;
        Proplist *source_props;
        AlsaPcmConfig base;             /* scheduling arguments passed through */
        Device *sink;
        Device *source;
        snd_ctl_t *ctl;                 /* jack monitoring, NULL without jacks */
        void *ctl_watch;
        Jack jacks[MAX_JACKS];
        size_t n_jacks;
        char *jack_ctl;                 /* UCM: the ctl name ctl was opened with */
        snd_use_case_mgr_t *ucm;
        char *ucm_card;                 /* the name UCM was opened with */
        /* UCM: the devices' ops with set_port switching UCM devices */
        DeviceOps sink_ops, source_ops;
        const DeviceOps *sink_base_ops, *source_base_ops;
} AlsaCard;

static const char *const alsa_card_args[] = {
        "name", "card_name", "card_properties", "sink_name", "sink_properties", "source_name",
        "source_properties", "namereg_fail", "device_id", "format", "rate", "channels",
        "channel_map", "fragments", "fragment_size", "mmap", "tsched", "tsched_buffer_size",
        "tsched_buffer_watermark", "fixed_latency_range", "profile", "ignore_dB",
        "deferred_volume", "profile_set", "paths_dir", "use_ucm", "avoid_resampling",
        "control", "pcm_playback", "pcm_capture", "description", NULL,
};

/* ---- helpers ---- */

/* Device and card names allow [A-Za-z0-9._-]; map everything else to '_'. */
static char *sanitize_name(const char *s) {
        char *r = strdup(s);

        if (!r)
                return NULL;
        for (char *p = r; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
                        *p = '_';
        if (strlen(r) > 100)
                r[100] = 0;
        return r;
}

static bool pcm_opens(const char *name, snd_pcm_stream_t stream) {
        snd_pcm_t *pcm = NULL;
        int r;

        if (!name)
                return false;
        r = snd_pcm_open(&pcm, name, stream, SND_PCM_NONBLOCK);
        if (r < 0) {
                log_debug("alsa-card: %s does not open for %s: %s", name,
                          stream == SND_PCM_STREAM_PLAYBACK ? "playback" : "capture",
                          snd_strerror(r));
                return false;
        }
        snd_pcm_close(pcm);
        return true;
}

/* pcm_playback= / pcm_capture= if given, else "front:ID" or "hw:ID", whichever
 * opens first (front: exists for analog outputs in the stock configuration). */
static char *pick_pcm(const ModArgs *ma, const char *key, const char *id, snd_pcm_stream_t st) {
        const char *given = modargs_get(ma, key, NULL);
        char buf[256];

        if (given)
                return strdup(given);
        if (!id)
                return NULL;
        snprintf(buf, sizeof(buf), "front:%s", id);
        if (pcm_opens(buf, st))
                return strdup(buf);
        snprintf(buf, sizeof(buf), "hw:%s", id);
        return strdup(buf);
}

static void profile_data_free(ProfileData *pd) {
        if (!pd)
                return;
        free(pd->pcm_playback);
        free(pd->pcm_capture);
        free(pd->ucm_verb);
        free(pd->mapping);
        free(pd->mixer_playback);
        free(pd->mixer_capture);
        free(pd);
}

static CardProfile *add_profile(AlsaCard *ac, const char *name, const char *desc,
                                const char *play, const char *cap, const char *verb,
                                const char *mapping, uint32_t prio, bool available) {
        ProfileData *pd = calloc(1, sizeof(*pd));
        CardProfile *p;

        if (!pd)
                return NULL;
        pd->pcm_playback = play ? strdup(play) : NULL;
        pd->pcm_capture = cap ? strdup(cap) : NULL;
        pd->ucm_verb = verb ? strdup(verb) : NULL;
        pd->mapping = mapping ? strdup(mapping) : NULL;
        if ((play && !pd->pcm_playback) || (cap && !pd->pcm_capture) ||
            (verb && !pd->ucm_verb) || (mapping && !pd->mapping)) {
                profile_data_free(pd);
                return NULL;
        }
        p = card_add_profile(ac->card, name, desc, play ? 1 : 0, cap ? 1 : 0, prio, available);
        if (!p) {
                profile_data_free(pd);
                return NULL;
        }
        p->userdata = pd;
        return p;
}

/* ---- mixer: ports and jacks ---- */

typedef struct MixerScan {
        bool speaker, headphone, hp_jack, capture, mic, mic_jack, internal_mic;
        snd_ctl_elem_id_t *hp_jack_id;
        snd_ctl_elem_id_t *mic_jack_id;
} MixerScan;

static bool name_starts(const char *n, const char *prefix) {
        return strncmp(n, prefix, strlen(prefix)) == 0;
}

/* Reads the element list of ctl (bounded) into scan. Return: 0 or -errno. */
static int mixer_scan(snd_ctl_t *ctl, MixerScan *scan) {
        snd_ctl_elem_list_t *list = NULL;
        unsigned n;
        int r;

        r = snd_ctl_elem_list_malloc(&list);
        if (r < 0)
                return r;
        r = snd_ctl_elem_list(ctl, list);
        if (r < 0)
                goto out;
        n = snd_ctl_elem_list_get_count(list);
        if (n > 4096)
                n = 4096;       /* a hostile or broken ctl plugin */
        r = snd_ctl_elem_list_alloc_space(list, n);
        if (r < 0)
                goto out;
        r = snd_ctl_elem_list(ctl, list);
        if (r < 0)
                goto out;
        n = C_MIN(n, snd_ctl_elem_list_get_used(list));
        for (unsigned i = 0; i < n; i++) {
                const char *en = snd_ctl_elem_list_get_name(list, i);
                snd_ctl_elem_id_t **jack_slot = NULL;

                if (!en)
                        continue;
                if (name_starts(en, "Master Playback") || name_starts(en, "Speaker Playback"))
                        scan->speaker = true;
                else if (name_starts(en, "Headphone Playback"))
                        scan->headphone = true;
                else if (strcmp(en, "Headphone Jack") == 0) {
                        scan->hp_jack = true;
                        jack_slot = &scan->hp_jack_id;
                } else if (name_starts(en, "Internal Mic"))
                        scan->internal_mic = true;
                else if (strcmp(en, "Mic Jack") == 0) {
                        scan->mic_jack = true;
                        jack_slot = &scan->mic_jack_id;
                } else if (name_starts(en, "Capture ") || name_starts(en, "Mic "))
                        scan->capture = true;
                if (jack_slot && !*jack_slot && snd_ctl_elem_id_malloc(jack_slot) == 0)
                        snd_ctl_elem_list_get_id(list, i, *jack_slot);
        }
        r = 0;
out:
        snd_ctl_elem_list_free_space(list);
        snd_ctl_elem_list_free(list);
        return r;
}

/* Return: 1 plugged, 0 unplugged, negative on error. */
static int jack_read(snd_ctl_t *ctl, snd_ctl_elem_id_t *id) {
        snd_ctl_elem_value_t *v;
        int r;

        snd_ctl_elem_value_alloca(&v);
        snd_ctl_elem_value_set_id(v, id);
        r = snd_ctl_elem_read(ctl, v);
        if (r < 0)
                return r;
        return snd_ctl_elem_value_get_boolean(v, 0) ? 1 : 0;
}

static void ports_for(AlsaCard *ac, uint8_t dir, DevicePort **out, size_t *n) {
        *n = 0;
        for (size_t i = 0; i < ac->card->n_ports && *n < 8; i++)
                if (ac->card->ports[i]->direction == dir)
                        out[(*n)++] = ac->card->ports[i];
}

static void jack_update(AlsaCard *ac, Jack *j);
static void jacks_start(AlsaCard *ac);

static void ctl_on_event(void *userdata) {
        AlsaCard *ac = userdata;
        snd_ctl_event_t *ev;
        unsigned n = 0;
        int r = 0;

        snd_ctl_event_alloca(&ev);
        /* Bounded: the loop calls us again while the fd stays readable. */
        while (n < CTL_EVENTS_PER_WAKEUP && (r = snd_ctl_read(ac->ctl, ev)) > 0)
                n++;
        if (r < 0 && r != -EAGAIN) {
                log_warn("alsa-card %s: control device failed (%s); jack detection stops.",
                         ac->card->name, snd_strerror(r));
                ac->module->core->loop->remove_fd(ac->module->core, ac->ctl_watch);
                ac->ctl_watch = NULL;
                return;
        }
        for (size_t i = 0; i < ac->n_jacks; i++)
                jack_update(ac, &ac->jacks[i]);
}

/* Applies a jack's state to its port and, as PulseAudio's default policy
 * does, moves the device onto a port that became available or off one that
 * went away. */
static void jack_update(AlsaCard *ac, Jack *j) {
        int v = jack_read(ac->ctl, j->id);
        uint32_t avail;
        Device *d;

        if (v < 0)
                return;
        avail = v ? 2 : 1;
        if (j->port->available == avail)
                return;
        card_set_port_available(ac->card, j->port, avail);
        d = j->port->direction == PORT_DIRECTION_OUTPUT ? ac->sink : ac->source;
        if (!d)
                return;
        for (size_t i = 0; i < d->n_ports; i++) {
                if (d->ports[i] != j->port)
                        continue;
                if (avail == 2 && d->active_port != j->port) {
                        (void)device_set_port(d, j->port->name);
                } else if (avail == 1 && d->active_port == j->port) {
                        DevicePort *best = NULL;

                        for (size_t k = 0; k < d->n_ports; k++)
                                if (d->ports[k]->available != 1 &&
                                    (!best || d->ports[k]->priority > best->priority))
                                        best = d->ports[k];
                        if (best)
                                (void)device_set_port(d, best->name);
                }
                break;
        }
}

static int add_jack(AlsaCard *ac, snd_ctl_elem_id_t *id, DevicePort *port) {
        if (ac->n_jacks >= MAX_JACKS)
                return 0;
        ac->jacks[ac->n_jacks].id = id;
        ac->jacks[ac->n_jacks].port = port;
        ac->n_jacks++;
        return 1;
}

/* Ports from the mixer; jacks are kept for monitoring. Never fails the load:
 * a card without a usable mixer simply has no ports. */
static void setup_mixer_ports(AlsaCard *ac, CardProfile *out, CardProfile *in,
                              CardProfile *duplex) {
        MixerScan scan = { 0 };
        snd_ctl_t *ctl = NULL;
        DevicePort *p;
        int r;

        if (!ac->control)
                return;
        r = snd_ctl_open(&ctl, ac->control, SND_CTL_NONBLOCK);
        if (r < 0) {
                log_info("alsa-card %s: no mixer at %s (%s): no ports.", ac->card->name,
                         ac->control, snd_strerror(r));
                return;
        }
        if (mixer_scan(ctl, &scan) < 0) {
                snd_ctl_close(ctl);
                return;
        }
#define LINK(port, prof) do { if ((port) && (prof)) (void)card_port_add_profile((port), (prof)); } while (0)
        if (scan.speaker || scan.headphone || scan.hp_jack) {
                if (scan.speaker) {
                        p = card_add_port(ac->card, "analog-output-speaker", "Speakers",
                                          PORT_DIRECTION_OUTPUT, 10000, 0, PORT_TYPE_SPEAKER);
                        LINK(p, out);
                        LINK(p, duplex);
                }
                if (scan.headphone || scan.hp_jack) {
                        p = card_add_port(ac->card, "analog-output-headphones", "Headphones",
                                          PORT_DIRECTION_OUTPUT, 9900, 0, PORT_TYPE_HEADPHONES);
                        LINK(p, out);
                        LINK(p, duplex);
                        if (p && scan.hp_jack_id && add_jack(ac, scan.hp_jack_id, p))
                                scan.hp_jack_id = NULL;
                }
        }
        if (scan.internal_mic) {
                p = card_add_port(ac->card, "analog-input-internal-mic", "Internal Microphone",
                                  PORT_DIRECTION_INPUT, 8900, 0, PORT_TYPE_MIC);
                LINK(p, in);
                LINK(p, duplex);
        }
        if (scan.capture || scan.mic_jack) {
                p = card_add_port(ac->card, "analog-input-mic", "Microphone",
                                  PORT_DIRECTION_INPUT, 8700, 0, PORT_TYPE_MIC);
                LINK(p, in);
                LINK(p, duplex);
                if (p && scan.mic_jack_id && add_jack(ac, scan.mic_jack_id, p))
                        scan.mic_jack_id = NULL;
        }
#undef LINK
        snd_ctl_elem_id_free(scan.hp_jack_id);
        snd_ctl_elem_id_free(scan.mic_jack_id);
        if (ac->n_jacks == 0) {
                snd_ctl_close(ctl);
                return;
        }
        ac->ctl = ctl;
        jacks_start(ac);
}

/* Reads the jacks' initial states and watches ac->ctl for their changes. */
static void jacks_start(AlsaCard *ac) {
        snd_ctl_t *ctl = ac->ctl;

        if (!ctl || ac->n_jacks == 0)
                return;
        for (size_t i = 0; i < ac->n_jacks; i++) {
                int v = jack_read(ctl, ac->jacks[i].id);

                if (v >= 0)
                        ac->jacks[i].port->available = v ? 2 : 1;
        }
        if (snd_ctl_subscribe_events(ctl, 1) < 0)
                return;
        {
                struct pollfd pfd;
                Core *c = ac->module->core;

                if (snd_ctl_poll_descriptors(ctl, &pfd, 1) == 1 && c->loop && c->loop->add_fd &&
                    c->loop->add_fd(c, pfd.fd, ctl_on_event, ac, &ac->ctl_watch) < 0)
                        ac->ctl_watch = NULL;
        }
}

/* ---- UCM ---- */

#define UCM_MAX_VERBS 32
#define UCM_MAX_DEVICES 32
#define UCM_OUT_PREFIX "[Out] "
#define UCM_IN_PREFIX "[In] "

/* "<key>/<device>/<verb>" of the UCM configuration, or NULL (malloc'ed). */
static char *ucm_value(AlsaCard *ac, const char *key, const char *dev, const char *verb) {
        const char *v = NULL;
        char id[512];

        if (snprintf(id, sizeof(id), "%s/%s/%s", key, dev, verb) >= (int)sizeof(id))
                return NULL;
        if (snd_use_case_get(ac->ucm, id, &v) < 0 || !v)
                return NULL;
        if (!*v || strlen(v) > 256) {   /* nothing usable */
                free((void *)v);
                return NULL;
        }
        return (char *)v;
}

/* The UCM device a port stands for: its name without the "[Out] "/"[In] " prefix. */
static const char *ucm_port_device(const DevicePort *p) {
        if (name_starts(p->name, UCM_OUT_PREFIX))
                return p->name + strlen(UCM_OUT_PREFIX);
        if (name_starts(p->name, UCM_IN_PREFIX))
                return p->name + strlen(UCM_IN_PREFIX);
        return p->name;
}

static uint32_t ucm_port_type(const char *dev, bool out) {
        if (strstr(dev, "Headphone") || strstr(dev, "Headset"))
                return out ? PORT_TYPE_HEADPHONES : PORT_TYPE_MIC;
        if (strstr(dev, "Speaker"))
                return PORT_TYPE_SPEAKER;
        if (strstr(dev, "Mic"))
                return PORT_TYPE_MIC;
        return PORT_TYPE_LINE;
}

/* Scans ctl's element list for an element named name. Return: a new id or NULL. */
static snd_ctl_elem_id_t *ctl_find_elem(snd_ctl_t *ctl, const char *name) {
        snd_ctl_elem_list_t *list = NULL;
        snd_ctl_elem_id_t *id = NULL;
        unsigned n;

        if (snd_ctl_elem_list_malloc(&list) < 0)
                return NULL;
        if (snd_ctl_elem_list(ctl, list) < 0)
                goto out;
        n = C_MIN(snd_ctl_elem_list_get_count(list), 4096U);
        if (snd_ctl_elem_list_alloc_space(list, n) < 0 || snd_ctl_elem_list(ctl, list) < 0)
                goto out;
        n = C_MIN(n, snd_ctl_elem_list_get_used(list));
        for (unsigned i = 0; i < n; i++) {
                const char *en = snd_ctl_elem_list_get_name(list, i);

                if (en && strcmp(en, name) == 0) {
                        if (snd_ctl_elem_id_malloc(&id) == 0)
                                snd_ctl_elem_list_get_id(list, i, id);
                        break;
                }
        }
out:
        snd_ctl_elem_list_free_space(list);
        snd_ctl_elem_list_free(list);
        return id;
}

/* JackControl (on JackCTL, default the card's UCM name) of a UCM device decides
 * the availability of port. All jacks must live on one control device (the
 * first one opened); others are ignored with a message. */
static void ucm_add_jack(AlsaCard *ac, DevicePort *port, const char *dev, const char *verb) {
        _c_cleanup_free_ char *jack = ucm_value(ac, "JackControl", dev, verb);
        _c_cleanup_free_ char *jctl = ucm_value(ac, "JackCTL", dev, verb);
        const char *ctl_name = jctl ? jctl : ac->ucm_card;
        snd_ctl_elem_id_t *id;
        int r;

        if (!jack)
                return;
        if (ac->ctl && !c_streq(ac->jack_ctl, ctl_name)) {
                log_info("alsa-card %s: jack %s of %s is on %s, not %s: ignored", ac->card->name,
                         jack, dev, ctl_name, ac->jack_ctl);
                return;
        }
        if (!ac->ctl) {
                r = snd_ctl_open(&ac->ctl, ctl_name, SND_CTL_NONBLOCK);
                if (r < 0) {
                        log_info("alsa-card %s: jack control device %s: %s", ac->card->name,
                                 ctl_name, snd_strerror(r));
                        ac->ctl = NULL;
                        return;
                }
                ac->jack_ctl = strdup(ctl_name);
        }
        id = ctl_find_elem(ac->ctl, jack);
        if (!id) {
                log_info("alsa-card %s: no jack control \"%s\" on %s", ac->card->name, jack,
                         ctl_name);
                return;
        }
        if (!add_jack(ac, id, port))
                snd_ctl_elem_id_free(id);
}

/* The port of UCM device dev (described by its comment) in one direction,
 * created on first use. */
static DevicePort *ucm_port(AlsaCard *ac, const char *dev, const char *comment, const char *verb,
                            bool out) {
        _c_cleanup_free_ char *name = NULL, *prio = NULL;
        DevicePort *port;
        unsigned long pr = 100;

        if (asprintf(&name, "%s%s", out ? UCM_OUT_PREFIX : UCM_IN_PREFIX, dev) < 0) {
                name = NULL;
                return NULL;
        }
        port = card_find_port(ac->card, name);
        if (port)
                return port;
        prio = ucm_value(ac, out ? "PlaybackPriority" : "CapturePriority", dev, verb);
        if (prio) {
                char *end;
                unsigned long x = strtoul(prio, &end, 10);

                if (end != prio && !*end && x <= 100000)
                        pr = x;
        }
        port = card_add_port(ac->card, name, comment && *comment ? comment : dev,
                             out ? PORT_DIRECTION_OUTPUT : PORT_DIRECTION_INPUT, (uint32_t)pr, 0,
                             ucm_port_type(dev, out));
        if (port)
                ucm_add_jack(ac, port, dev, verb);
        return port;
}

/* One verb: a profile with the first PlaybackPCM as sink and the first
 * CapturePCM as source; the devices on those PCMs become its ports. Return: 1 if
 * a profile was added, 0 if not, -ENOMEM. */
static int ucm_add_verb(AlsaCard *ac, const char *verb, const char *comment, uint32_t prio) {
        _c_cleanup_free_ char *play = NULL, *cap = NULL, *pelem = NULL, *celem = NULL;
        const char **devs = NULL;
        char id[512];
        CardProfile *p;
        ProfileData *pd;
        int nd, n;

        snprintf(id, sizeof(id), "_devices/%s", verb);
        nd = snd_use_case_get_list(ac->ucm, id, &devs);
        if (nd < 0)
                return 0;
        n = C_MIN(nd, UCM_MAX_DEVICES * 2);
        for (int k = 0; k + 1 < n; k += 2) {
                if (!play && (play = ucm_value(ac, "PlaybackPCM", devs[k], verb)))
                        pelem = ucm_value(ac, "PlaybackMixerElem", devs[k], verb);
                if (!cap && (cap = ucm_value(ac, "CapturePCM", devs[k], verb)))
                        celem = ucm_value(ac, "CaptureMixerElem", devs[k], verb);
        }
        p = NULL;
        if (play || cap)
                p = add_profile(ac, verb, comment && *comment ? comment : verb, play, cap, verb,
                                verb, prio,
                                (!play || pcm_opens(play, SND_PCM_STREAM_PLAYBACK)) &&
                                (!cap || pcm_opens(cap, SND_PCM_STREAM_CAPTURE)));
        if (p) {
                pd = p->userdata;
                pd->mixer_playback = pelem;
                pd->mixer_capture = celem;
                pelem = celem = NULL;
        }
        for (int k = 0; p && k + 1 < n; k += 2) {
                for (int dir = 0; dir < 2; dir++) {
                        _c_cleanup_free_ char *pcm = ucm_value(ac, dir ? "CapturePCM" : "PlaybackPCM",
                                                               devs[k], verb);
                        DevicePort *port;

                        if (!pcm)
                                continue;
                        if (!c_streq(pcm, dir ? cap : play)) {
                                log_info("alsa-card %s: UCM device %s of %s is on %s, not %s: "
                                         "no port (one sink and one source per verb)",
                                         ac->card->name, devs[k], verb, pcm, dir ? cap : play);
                                continue;
                        }
                        port = ucm_port(ac, devs[k], devs[k + 1], verb, !dir);
                        if (port)
                                (void)card_port_add_profile(port, p);
                }
        }
        if (nd > 0)
                snd_use_case_free_list(devs, nd);
        if ((play || cap) && !p)
                return -ENOMEM;
        return p ? 1 : 0;
}

/* Profiles and ports from the card's UCM verbs/devices (ucm_card: the name
 * given to snd_use_case_mgr_open, "hw:ID" or the control= name). Return: true
 * if UCM configured the card (profiles added), false to fall back. */
static bool setup_ucm(AlsaCard *ac, const char *ucm_card) {
        const char **verbs = NULL;
        int nv, added = 0, r = 0;

        if (snd_use_case_mgr_open(&ac->ucm, ucm_card) < 0) {
                log_debug("alsa-card %s: no UCM configuration for %s", ac->card->name, ucm_card);
                ac->ucm = NULL;
                return false;
        }
        ac->ucm_card = strdup(ucm_card);
        nv = ac->ucm_card ? snd_use_case_verb_list(ac->ucm, &verbs) : -ENOMEM;
        for (int i = 0; i + 1 < nv && i < UCM_MAX_VERBS * 2 && r >= 0; i += 2) {
                /* earlier verbs first, as the configuration lists them */
                r = ucm_add_verb(ac, verbs[i], verbs[i + 1],
                                 1000U + (uint32_t)(UCM_MAX_VERBS - i / 2));
                if (r > 0)
                        added++;
        }
        if (nv > 0)
                snd_use_case_free_list(verbs, nv);
        if (added == 0) {
                /* nothing usable: the fixed profiles, and no UCM ports or jacks */
                log_info("alsa-card %s: UCM configuration of %s has no usable verb", ac->card->name,
                         ucm_card);
                snd_use_case_mgr_close(ac->ucm);
                ac->ucm = NULL;
                return false;
        }
        log_info("alsa-card %s: %d profile(s) from UCM (%s)", ac->card->name, added, ucm_card);
        jacks_start(ac);
        return true;
}

/* Enables (runs the EnableSequence of) or disables the UCM device of port.
 * Return: 0 or -errno. */
static int ucm_port_enable(AlsaCard *ac, DevicePort *port, bool enable) {
        const char *dev = ucm_port_device(port);
        char id[300];
        long st = 0;
        int r;

        snprintf(id, sizeof(id), "_devstatus/%s", dev);
        if (snd_use_case_geti(ac->ucm, id, &st) >= 0 && (st != 0) == enable)
                return 0;
        r = snd_use_case_set(ac->ucm, enable ? "_enadev" : "_disdev", dev);
        if (r < 0)
                log_warn("alsa-card %s: UCM %s %s: %s", ac->card->name,
                         enable ? "enabling" : "disabling", dev, snd_strerror(r));
        return r;
}

/* Whether the UCM device of port is the active port of another card device
 * (a Headset with a playback and a capture side). */
static bool ucm_device_used_elsewhere(AlsaCard *ac, Device *d, DevicePort *port) {
        Device *other = d == ac->sink ? ac->source : ac->sink;

        return other && other != d && other->active_port &&
               strcmp(ucm_port_device(other->active_port), ucm_port_device(port)) == 0;
}

/* DeviceOps.set_port of UCM card devices: the old port's device is disabled
 * and the new one enabled (in that order: UCM devices often conflict). */
static int ucm_set_port(Device *d, DevicePort *p) {
        AlsaCard *ac = d->card ? d->card->userdata : NULL;
        const DeviceOps *base;
        DevicePort *old = d->active_port;
        int r;

        if (!ac)
                return ENGINE_E_INTERNAL;
        base = d->kind == DEVICE_SINK ? ac->sink_base_ops : ac->source_base_ops;
        if (base && base->set_port) {
                r = base->set_port(d, p);
                if (r)
                        return r;
        }
        if (!ac->ucm)
                return 0;
        if (old && old != p && !ucm_device_used_elsewhere(ac, d, old))
                (void)ucm_port_enable(ac, old, false);
        r = ucm_port_enable(ac, p, true);
        if (r < 0) {
                if (old && old != p)
                        (void)ucm_port_enable(ac, old, true);
                return ENGINE_E_INTERNAL;
        }
        return 0;
}

/* A new device of a UCM profile: port switches go through ucm_set_port, and
 * the UCM device of its initial port is enabled. */
static void ucm_attach(AlsaCard *ac, Device *d) {
        bool sink = d->kind == DEVICE_SINK;
        DeviceOps *ops = sink ? &ac->sink_ops : &ac->source_ops;

        if (sink)
                ac->sink_base_ops = d->ops;
        else
                ac->source_base_ops = d->ops;
        if (d->ops)
                *ops = *d->ops;
        else
                memset(ops, 0, sizeof(*ops));
        ops->set_port = ucm_set_port;
        d->ops = ops;
        if (d->active_port)
                (void)ucm_port_enable(ac, d->active_port, true);
}

/* ---- profiles ---- */

static int make_device(AlsaCard *ac, CardProfile *p, DeviceKind kind, Device **ret) {
        ProfileData *pd = p->userdata;
        bool sink = kind == DEVICE_SINK;
        _c_cleanup_(proplist_freep) Proplist *props = proplist_new();
        _c_cleanup_free_ char *name = NULL, *desc = NULL;
        DevicePort *ports[8];
        AlsaPcmConfig cfg = ac->base;
        const char *override = sink ? ac->sink_name : ac->source_name;
        Proplist *extra = sink ? ac->sink_props : ac->source_props;
        size_t n;
        int r;

        if (!props)
                return -ENOMEM;
        if (override)
                name = strdup(override);
        else if (asprintf(&name, "%s.%s.%s", sink ? "alsa_output" : "alsa_input", ac->name,
                          pd->mapping) < 0)
                name = NULL;
        if (!name)
                return -ENOMEM;
        if (strlen(name) > NAME_MAX_LEN)
                name[NAME_MAX_LEN] = 0;
        if (asprintf(&desc, "%s %s", ac->description,
                     pd->ucm_verb ? pd->ucm_verb : "Analog Stereo") < 0) {
                desc = NULL;
                return -ENOMEM;
        }
        if (proplist_sets(props, "device.api", "alsa") < 0 ||
            proplist_sets(props, "device.class", "sound") < 0 ||
            proplist_sets(props, "device.profile.name", pd->mapping) < 0 ||
            proplist_sets(props, "device.profile.description",
                          pd->ucm_verb ? pd->ucm_verb : "Analog Stereo") < 0 ||
            proplist_sets(props, "device.description", desc) < 0 ||
            proplist_sets(props, "device.icon_name", "audio-card") < 0 ||
            (ac->device_id && proplist_sets(props, "alsa.card", ac->device_id) < 0) ||
            (extra && proplist_update(props, PROPLIST_UPDATE_REPLACE, extra) < 0))
                return -ENOMEM;
        ports_for(ac, sink ? PORT_DIRECTION_OUTPUT : PORT_DIRECTION_INPUT, ports, &n);
        {
                /* only the ports of this profile */
                size_t k = 0;

                for (size_t i = 0; i < n; i++)
                        for (size_t j = 0; j < ports[i]->n_profiles; j++)
                                if (ports[i]->profiles[j] == p) {
                                        ports[k++] = ports[i];
                                        break;
                                }
                n = k;
        }
        cfg.kind = kind;
        cfg.device = sink ? pd->pcm_playback : pd->pcm_capture;
        cfg.control = ac->control;
        cfg.mixer_element = sink ? pd->mixer_playback : pd->mixer_capture;
        cfg.name = name;
        cfg.description = desc;
        cfg.card = ac->card;
        cfg.ports = ports;
        cfg.n_ports = n;
        cfg.props = props;
        r = alsa_pcm_device_new(ac->module->core, ac->module, &cfg, ret);
        if (r) {
                log_warn("alsa-card %s: cannot create %s on %s (%d)", ac->card->name,
                         sink ? "sink" : "source", cfg.device, r);
                return r;
        }
        /* The PCM module may or may not have attached the ports itself. */
        if ((*ret)->card != ac->card || ((*ret)->n_ports == 0 && n > 0)) {
                (*ret)->card = ac->card;
                (void)device_attach_card_ports(*ret, ports, n, NULL);
        }
        return 0;
}

/* Creates the devices of p that are missing (kept ones stay). On failure the
 * devices created here are freed again. Return: 0 or an ENGINE_E_* code. */
static int bring_up(AlsaCard *ac, CardProfile *p) {
        ProfileData *pd = p->userdata;
        Device *ns = NULL, *nsrc = NULL;
        int r;

        if (ac->ucm) {
                /* "off": no verb (runs the DisableSequences of what was enabled) */
                const char *verb = pd->ucm_verb ? pd->ucm_verb : SND_USE_CASE_VERB_INACTIVE;
                const char *cur = NULL;

                if (snd_use_case_get(ac->ucm, "_verb", &cur) < 0)
                        cur = NULL;
                r = c_streq(cur, verb) ? 0 : snd_use_case_set(ac->ucm, "_verb", verb);
                free((void *)cur);
                if (r < 0) {
                        log_warn("alsa-card %s: UCM verb %s: %s", ac->card->name, verb,
                                 snd_strerror(r));
                        if (pd->ucm_verb)
                                return ENGINE_E_INTERNAL;
                }
        }
        if (pd->pcm_playback && !ac->sink) {
                r = make_device(ac, p, DEVICE_SINK, &ns);
                if (r)
                        return r < 0 ? ENGINE_E_INTERNAL : r;
        }
        if (pd->pcm_capture && !ac->source) {
                r = make_device(ac, p, DEVICE_SOURCE, &nsrc);
                if (r) {
                        alsa_pcm_device_free(ns);
                        return r < 0 ? ENGINE_E_INTERNAL : r;
                }
        }
        if (ns)
                ac->sink = ns;
        if (nsrc)
                ac->source = nsrc;
        if (ac->ucm && ns)
                ucm_attach(ac, ns);
        if (ac->ucm && nsrc)
                ucm_attach(ac, nsrc);
        return 0;
}

static int alsa_card_set_profile(Card *card, CardProfile *p) {
        AlsaCard *ac = card->userdata;
        CardProfile *old = card->active_profile;
        ProfileData *opd = old ? old->userdata : NULL, *npd = p ? p->userdata : NULL;
        bool keep_sink, keep_source;
        int r;

        /* Availability was probed at load; a profile that did not open then is
         * probed again (the PCM may have been busy) and refused, with nothing
         * torn down, if it still does not open. */
        if (p && !p->available) {
                /* (a PCM our own device holds counts as opening) */
                bool held_p = ac->sink && opd && c_streq(opd->pcm_playback, npd->pcm_playback);
                bool held_c = ac->source && opd && c_streq(opd->pcm_capture, npd->pcm_capture);
                bool ok = (!npd->pcm_playback || held_p ||
                           pcm_opens(npd->pcm_playback, SND_PCM_STREAM_PLAYBACK)) &&
                          (!npd->pcm_capture || held_c ||
                           pcm_opens(npd->pcm_capture, SND_PCM_STREAM_CAPTURE));

                if (!ok) {
                        log_info("alsa-card %s: profile %s is not available", card->name, p->name);
                        return ENGINE_E_NOTSUPPORTED;
                }
                card_set_profile_available(card, p, true);
        }
        /* Keep a device when both profiles have it on the same PCM and verb. */
        keep_sink = ac->sink && npd && opd && npd->pcm_playback && opd->pcm_playback &&
                    strcmp(npd->pcm_playback, opd->pcm_playback) == 0 &&
                    c_streq_ptr(npd->ucm_verb, opd->ucm_verb);
        keep_source = ac->source && npd && opd && npd->pcm_capture && opd->pcm_capture &&
                      strcmp(npd->pcm_capture, opd->pcm_capture) == 0 &&
                      c_streq_ptr(npd->ucm_verb, opd->ucm_verb);
        /* The old devices hold their PCMs: they go first (their streams are
         * rescued to the fallback device by device_free). */
        if (!keep_sink) {
                alsa_pcm_device_free(ac->sink);
                ac->sink = NULL;
        }
        if (!keep_source) {
                alsa_pcm_device_free(ac->source);
                ac->source = NULL;
        }
        if (!p)
                return 0;
        r = bring_up(ac, p);
        if (r && old && old != p) {
                /* Put the old profile back as far as the hardware lets us. */
                if (!keep_sink) {
                        alsa_pcm_device_free(ac->sink);
                        ac->sink = NULL;
                }
                if (!keep_source) {
                        alsa_pcm_device_free(ac->source);
                        ac->source = NULL;
                }
                if (bring_up(ac, old))
                        log_warn("alsa-card %s: could not restore profile %s", card->name,
                                 old->name);
        }
        return r;
}

static void alsa_card_free_cb(Card *card) {
        for (size_t i = 0; i < card->n_profiles; i++) {
                profile_data_free(card->profiles[i]->userdata);
                card->profiles[i]->userdata = NULL;
        }
}

static const CardOps alsa_card_ops = {
        .set_profile = alsa_card_set_profile,
        .free = alsa_card_free_cb,
};

/* ---- the module ---- */

static int parse_pcm_args(AlsaCard *ac, const ModArgs *ma) {
        SampleSpec ss = { 0 };
        ChannelMap map = { 0 };
        uint32_t u;
        bool b;

        ac->base.tsched = true;
        ac->base.mmap = true;
        if (modargs_get(ma, "format", NULL) || modargs_get(ma, "rate", NULL) ||
            modargs_get(ma, "channels", NULL) || modargs_get(ma, "channel_map", NULL)) {
                ss = ac->module->core->default_spec;
                map = ac->module->core->default_map;
                if (modargs_get_sample_spec_and_map(ma, &ss, &map)) {
                        log_error("alsa-card: invalid sample format specification or channel map");
                        return ENGINE_E_INVALID;
                }
                if (!modargs_get(ma, "format", NULL))
                        ss.format = 0;
                if (!modargs_get(ma, "rate", NULL))
                        ss.rate = 0;
                if (!modargs_get(ma, "channels", NULL) && !modargs_get(ma, "channel_map", NULL)) {
                        ss.channels = 0;
                        map.channels = 0;
                }
        }
        ac->base.spec = ss;
        ac->base.map = map;
#define BOOL_ARG(key, field) do {                                                 \
                b = ac->base.field;                                              \
                if (modargs_get_bool(ma, key, &b)) {                             \
                        log_error("alsa-card: %s expects a boolean", key);       \
                        return ENGINE_E_INVALID;                                 \
                }                                                                \
                ac->base.field = b;                                              \
        } while (0)
        BOOL_ARG("tsched", tsched);
        BOOL_ARG("mmap", mmap);
        BOOL_ARG("ignore_dB", ignore_dB);
        BOOL_ARG("fixed_latency_range", fixed_latency_range);
#undef BOOL_ARG
#define U32_ARG(key, expr) do {                                                   \
                if (modargs_get(ma, key, NULL)) {                                \
                        if (modargs_get_u32(ma, key, &u)) {                      \
                                log_error("alsa-card: %s expects a number", key); \
                                return ENGINE_E_INVALID;                         \
                        }                                                        \
                        expr;                                                    \
                }                                                                \
        } while (0)
        U32_ARG("fragments", ac->base.fragments = u);
        U32_ARG("fragment_size", ac->base.fragment_size = u);
        /* PulseAudio gives these in bytes at the default spec; we keep usec. */
        U32_ARG("tsched_buffer_size", ac->base.tsched_buffer_usec =
                sample_spec_bytes_to_usec(u, &ac->module->core->default_spec));
        U32_ARG("tsched_buffer_watermark", ac->base.tsched_watermark_usec =
                sample_spec_bytes_to_usec(u, &ac->module->core->default_spec));
#undef U32_ARG
        return 0;
}

static int parse_props_arg(const ModArgs *ma, const char *key, Proplist **ret) {
        const char *s = modargs_get(ma, key, NULL);
        Proplist *p;

        if (!s)
                return 0;
        p = proplist_new();
        if (!p)
                return -ENOMEM;
        if (proplist_parse_string(p, s) < 0) {
                log_error("alsa-card: invalid %s", key);
                proplist_free(p);
                return ENGINE_E_INVALID;
        }
        *ret = p;
        return 0;
}

/* The card's description: card_properties' device.description, description=,
 * the ctl's card name, else the device id. */
static char *card_description(const ModArgs *ma, const Proplist *cprops, const char *control,
                              const char *id) {
        const char *d = cprops ? proplist_gets(cprops, "device.description") : NULL;
        snd_ctl_card_info_t *info;
        snd_ctl_t *ctl = NULL;
        char *r = NULL;

        if (d)
                return strdup(d);
        d = modargs_get(ma, "description", NULL);
        if (d)
                return strdup(d);
        if (control && snd_ctl_open(&ctl, control, SND_CTL_NONBLOCK) == 0) {
                snd_ctl_card_info_alloca(&info);
                if (snd_ctl_card_info(ctl, info) == 0 && snd_ctl_card_info_get_name(info)[0])
                        r = strdup(snd_ctl_card_info_get_name(info));
                snd_ctl_close(ctl);
                if (r)
                        return r;
        }
        return strdup(id ? id : "ALSA card");
}

static int alsa_card_init(Module *m, ModArgs *ma) {
        Core *c = m->core;
        _c_cleanup_(proplist_freep) Proplist *cprops = NULL;
        _c_cleanup_free_ char *play = NULL, *cap = NULL, *card_name = NULL;
        const char *id = modargs_get(ma, "device_id", NULL);
        bool namereg_fail = true, use_ucm = true, ucm = false;
        AlsaCard *ac;
        int r;

        if (!id && !(modargs_get(ma, "pcm_playback", NULL) || modargs_get(ma, "pcm_capture", NULL) ||
                     modargs_get(ma, "control", NULL))) {
                log_error("alsa-card: device_id= (or pcm_playback=/pcm_capture=/control=) is required");
                return ENGINE_E_INVALID;
        }
        if (id && (!*id || strlen(id) > 64 || strspn(id, "abcdefghijklmnopqrstuvwxyz"
                                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(id))) {
                log_error("alsa-card: invalid device_id");
                return ENGINE_E_INVALID;
        }
        if (modargs_get_bool(ma, "namereg_fail", &namereg_fail) ||
            modargs_get_bool(ma, "use_ucm", &use_ucm)) {
                log_error("alsa-card: namereg_fail / use_ucm expect a boolean");
                return ENGINE_E_INVALID;
        }
        ac = calloc(1, sizeof(*ac));
        if (!ac)
                return -ENOMEM;
        m->userdata = ac;
        ac->module = m;
        r = parse_pcm_args(ac, ma);
        if (r)
                return r;
        r = parse_props_arg(ma, "card_properties", &cprops);
        if (r == 0)
                r = parse_props_arg(ma, "sink_properties", &ac->sink_props);
        if (r == 0)
                r = parse_props_arg(ma, "source_properties", &ac->source_props);
        if (r)
                return r;
        ac->device_id = id ? strdup(id) : NULL;
        ac->name = sanitize_name(modargs_get(ma, "name", id ? id : modargs_get(ma, "pcm_playback",
                                                  modargs_get(ma, "pcm_capture",
                                                  modargs_get(ma, "control", "card")))));
        if ((id && !ac->device_id) || !ac->name)
                return -ENOMEM;
        if (modargs_get(ma, "sink_name", NULL)) {
                ac->sink_name = strdup(modargs_get(ma, "sink_name", NULL));
                if (!ac->sink_name)
                        return -ENOMEM;
        }
        if (modargs_get(ma, "source_name", NULL)) {
                ac->source_name = strdup(modargs_get(ma, "source_name", NULL));
                if (!ac->source_name)
                        return -ENOMEM;
        }
        if (modargs_get(ma, "control", NULL))
                ac->control = strdup(modargs_get(ma, "control", NULL));
        else if (id && asprintf(&ac->control, "hw:%s", id) < 0)
                ac->control = NULL;
        ac->description = card_description(ma, cprops, ac->control, id ? id : ac->name);
        if (!ac->description)
                return -ENOMEM;
        if (modargs_get(ma, "card_name", NULL))
                card_name = strdup(modargs_get(ma, "card_name", NULL));
        else if (asprintf(&card_name, "alsa_card.%s", ac->name) < 0)
                card_name = NULL;
        if (!card_name)
                return -ENOMEM;
        if (!core_name_valid(card_name)) {
                log_error("alsa-card: invalid card name");
                return ENGINE_E_INVALID;
        }

        {
                _c_cleanup_(proplist_freep) Proplist *props = proplist_new();
                CardNew cn = { .name = card_name, .driver = "module-alsa-card.c", .module = m,
                               .ops = &alsa_card_ops, .userdata = ac };

                if (!props ||
                    proplist_sets(props, "device.description", ac->description) < 0 ||
                    proplist_sets(props, "device.api", "alsa") < 0 ||
                    proplist_sets(props, "device.class", "sound") < 0 ||
                    proplist_sets(props, "device.icon_name", "audio-card") < 0 ||
                    (id && proplist_sets(props, "alsa.card", id) < 0) ||
                    (id && proplist_sets(props, "device.string", id) < 0) ||
                    (cprops && proplist_update(props, PROPLIST_UPDATE_REPLACE, cprops) < 0))
                        return -ENOMEM;
                cn.props = props;
                r = card_new(c, &cn, &ac->card);
                for (unsigned i = 2; r == ENGINE_E_EXIST && !namereg_fail && i < NAMEREG_TRIES; i++) {
                        char alt[NAME_MAX_LEN + 1];

                        snprintf(alt, sizeof(alt), "%.120s.%u", card_name, i);
                        cn.name = alt;
                        r = card_new(c, &cn, &ac->card);
                }
                if (r) {
                        log_error("alsa-card: cannot create card %s (%d)", card_name, r);
                        return r;
                }
        }

        /* UCM is looked up by the control device's name: "hw:ID" for a kernel
         * card (its driver/name select the configuration), or control= (a
         * non-kernel card: ucm2/conf.virt.d/<name>.conf, see docs/cards.md) */
        if (use_ucm && ac->control)
                ucm = setup_ucm(ac, ac->control);
        if (!ucm) {
                CardProfile *out, *in, *duplex;
                bool po, co;

                play = pick_pcm(ma, "pcm_playback", id, SND_PCM_STREAM_PLAYBACK);
                cap = pick_pcm(ma, "pcm_capture", id, SND_PCM_STREAM_CAPTURE);
                po = pcm_opens(play, SND_PCM_STREAM_PLAYBACK);
                co = pcm_opens(cap, SND_PCM_STREAM_CAPTURE);
                out = add_profile(ac, "output:analog-stereo", "Analog Stereo Output", play, NULL,
                                  NULL, "analog-stereo", PRIO_OUTPUT, po);
                duplex = add_profile(ac, "output:analog-stereo+input:analog-stereo",
                                     "Analog Stereo Duplex", play, cap, NULL, "analog-stereo",
                                     PRIO_DUPLEX, po && co);
                in = add_profile(ac, "input:analog-stereo", "Analog Stereo Input", NULL, cap, NULL,
                                 "analog-stereo", PRIO_INPUT, co);
                if ((play && !out) || (play && cap && !duplex) || (cap && !in))
                        return -ENOMEM;
                setup_mixer_ports(ac, out, in, duplex);
                if (!po && !co)
                        log_warn("alsa-card %s: neither %s nor %s opens; only \"off\" is usable.",
                                 card_name, play ? play : "-", cap ? cap : "-");
        }
        if (!add_profile(ac, "off", "Off", NULL, NULL, NULL, "off", 0, true))
                return -ENOMEM;
        r = card_put(ac->card, modargs_get(ma, "profile", NULL));
        if (r) {
                log_error("alsa-card: card %s failed to start (%d)", card_name, r);
                return r;
        }
        log_info("alsa-card: card %s (%s), profile %s", ac->card->name, ac->description,
                 ac->card->active_profile ? ac->card->active_profile->name : "-");
        return 0;
}

static void alsa_card_done(Module *m) {
        AlsaCard *ac = m->userdata;

        if (!ac)
                return;
        if (ac->ctl_watch)
                m->core->loop->remove_fd(m->core, ac->ctl_watch);
        card_free(ac->card);            /* frees the devices (streams are rescued) */
        for (size_t i = 0; i < ac->n_jacks; i++)
                snd_ctl_elem_id_free(ac->jacks[i].id);
        if (ac->ctl)
                snd_ctl_close(ac->ctl);
        if (ac->ucm)
                snd_use_case_mgr_close(ac->ucm);
        free(ac->ucm_card);
        free(ac->jack_ctl);
        proplist_free(ac->sink_props);
        proplist_free(ac->source_props);
        free(ac->device_id);
        free(ac->name);
        free(ac->control);
        free(ac->description);
        free(ac->sink_name);
        free(ac->source_name);
        free(ac);
        m->userdata = NULL;
}

static int alsa_card_n_used(Module *m) {
        AlsaCard *ac = m->userdata;
        int n = 0;

        if (!ac)
                return 0;
        if (ac->sink)
                c_list_for_each(it, &ac->sink->streams)
                        n++;
        if (ac->source)
                c_list_for_each(it, &ac->source->streams)
                        n++;
        return n;
}

const ModuleDesc module_alsa_card_desc = {
        .name = "module-alsa-card",
        .description = "ALSA Card",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "name=<name for the card/sink/source, to be prefixed> "
                 "card_name=<name for the card> card_properties=<properties for the card> "
                 "sink_name=<name for the sink> sink_properties=<properties for the sink> "
                 "source_name=<name for the source> source_properties=<properties for the source> "
                 "namereg_fail=<when false attempt to synthesise new names if they are already taken> "
                 "device_id=<ALSA card index> format=<sample format> rate=<sample rate> "
                 "fragments=<number of fragments> fragment_size=<fragment size> "
                 "mmap=<enable memory mapping?> tsched=<enable system timer based scheduling mode?> "
                 "tsched_buffer_size=<buffer size when using timer based scheduling> "
                 "tsched_buffer_watermark=<lower fill watermark> profile=<profile name> "
                 "fixed_latency_range=<disable latency range changes on underrun?> "
                 "ignore_dB=<ignore dB information from the device?> use_ucm=<load use case manager> "
                 "control=<name of mixer control> pcm_playback=<PCM for output> "
                 "pcm_capture=<PCM for input> description=<card description>",
        .valid_args = alsa_card_args,
        .init = alsa_card_init,
        .done = alsa_card_done,
        .get_n_used = alsa_card_n_used,
};
