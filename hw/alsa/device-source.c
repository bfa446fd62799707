/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device-source.c: card enumeration and hotplug for the detect modules.
 *
 * Hotplug follows udev's processed events on subsystem "sound" through an
 * sd-device monitor attached to the main loop's (default) sd-event. Only
 * the card device itself ("cardN") matters: "add" and "change" count once
 * udev says SOUND_INITIALIZED=1 (all of the card's PCM and control nodes
 * exist then), "remove" always. Everything is taken from the event's own
 * properties (DEVPATH/sysname → N, ID_PATH, ID_MODEL): the device need
 * not exist in /sys (it does not, for injected test events), and nothing
 * in an event is trusted beyond being a string — names are validated and
 * sanitised before they reach module arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <alsa/asoundlib.h>
#include <systemd/sd-device.h>
#include "engine/base/log.h"
#include "hw/alsa/device-source.h"

#define STATIC_MAX_CARDS 32U
#define FIELD_MAX 128U

typedef struct StaticCard {
        char *key, *name, *description, *pcm_playback, *pcm_capture, *control;
} StaticCard;

struct DeviceSource {
        bool is_static;
        StaticCard cards[STATIC_MAX_CARDS];
        size_t n_cards;
        sd_device_monitor *monitor;
        DeviceSourceFn fn;
        void *userdata;
};

static bool field_ok(const char *s, bool allow_space) {
        size_t n = strlen(s);

        if (n == 0 || n > FIELD_MAX)
                return false;
        for (const char *p = s; *p; p++) {
                unsigned char ch = (unsigned char)*p;

                if (ch < 0x20 || ch == 0x7f || ch == '\'' || ch == '"' || ch == '\\' ||
                    (!allow_space && ch == ' '))
                        return false;
        }
        return true;
}

DeviceSource *device_source_free(DeviceSource *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_cards; i++) {
                StaticCard *c = &s->cards[i];

                free(c->key);
                free(c->name);
                free(c->description);
                free(c->pcm_playback);
                free(c->pcm_capture);
                free(c->control);
        }
        if (s->monitor) {
                (void)sd_device_monitor_stop(s->monitor);
                (void)sd_device_monitor_detach_event(s->monitor);
                s->monitor = sd_device_monitor_unref(s->monitor);
        }
        free(s);
        return NULL;
}

int device_source_new_system(DeviceSource **ret) {
        DeviceSource *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* Parses one "KEY:f=v,f=v" entry (modified in place). */
static int parse_static_card(StaticCard *c, char *entry) {
        char *colon = strchr(entry, ':'), *save = NULL, *tok;

        if (colon)
                *colon = 0;
        if (!field_ok(entry, false) || !core_name_valid(entry))
                return ENGINE_E_INVALID;
        c->key = strdup(entry);
        if (!c->key)
                return -ENOMEM;
        if (!colon)
                return 0;
        for (tok = strtok_r(colon + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(tok, '='), **slot = NULL, **slot2 = NULL;

                if (!eq)
                        return ENGINE_E_INVALID;
                *eq = 0;
                if (strcmp(tok, "pcm") == 0) {
                        slot = &c->pcm_playback;
                        slot2 = &c->pcm_capture;
                } else if (strcmp(tok, "pcm_playback") == 0) {
                        slot = &c->pcm_playback;
                } else if (strcmp(tok, "pcm_capture") == 0) {
                        slot = &c->pcm_capture;
                } else if (strcmp(tok, "ctl") == 0) {
                        slot = &c->control;
                } else if (strcmp(tok, "desc") == 0) {
                        slot = &c->description;
                } else if (strcmp(tok, "name") == 0) {
                        slot = &c->name;
                } else {
                        return ENGINE_E_INVALID;
                }
                if (!field_ok(eq + 1, slot == &c->description) || *slot)
                        return ENGINE_E_INVALID;
                *slot = strdup(eq + 1);
                if (!*slot)
                        return -ENOMEM;
                if (slot2) {
                        if (*slot2)
                                return ENGINE_E_INVALID;
                        *slot2 = strdup(eq + 1);
                        if (!*slot2)
                                return -ENOMEM;
                }
        }
        if (c->name && !core_name_valid(c->name))
                return ENGINE_E_INVALID;
        if (!c->pcm_playback && !c->pcm_capture)
                return ENGINE_E_INVALID;        /* a simulated card needs its PCM names */
        return 0;
}

int device_source_new_static(const char *spec, DeviceSource **ret) {
        _c_cleanup_free_ char *copy = NULL;
        DeviceSource *s;
        char *save = NULL, *entry;
        int r = 0;

        if (!spec || strlen(spec) > 4096)
                return ENGINE_E_INVALID;
        copy = strdup(spec);
        s = calloc(1, sizeof(*s));
        if (!copy || !s) {
                free(s);
                return -ENOMEM;
        }
        s->is_static = true;
        for (entry = strtok_r(copy, ";", &save); entry; entry = strtok_r(NULL, ";", &save)) {
                if (s->n_cards >= STATIC_MAX_CARDS) {
                        r = ENGINE_E_INVALID;
                        break;
                }
                r = parse_static_card(&s->cards[s->n_cards++], entry);
                if (r)
                        break;
                for (size_t i = 0; i + 1 < s->n_cards; i++)
                        if (strcmp(s->cards[i].key, s->cards[s->n_cards - 1].key) == 0)
                                r = ENGINE_E_INVALID;
                if (r)
                        break;
        }
        if (r) {
                device_source_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

/* "cardN" → N (0..9999); -1 for anything else (controlCN, pcmCNDMp, ...). */
static int card_number(const char *sysname) {
        char *end;
        long v;

        if (!sysname || strncmp(sysname, "card", 4) != 0 || sysname[4] < '0' || sysname[4] > '9')
                return -1;
        errno = 0;
        v = strtol(sysname + 4, &end, 10);
        if (errno || *end || v < 0 || v > 9999)
                return -1;
        return (int)v;
}

/* Fills info for card n from a udev device (may be NULL) into bufs. */
static void info_from_device(sd_device *dev, int n, AlsaCardInfo *info, char key[16],
                             char name[FIELD_MAX + 1], char desc[FIELD_MAX + 1]) {
        const char *v = NULL;

        snprintf(key, 16, "%d", n);
        snprintf(name, FIELD_MAX + 1, "card%d", n);
        desc[0] = 0;
        if (dev && sd_device_get_property_value(dev, "ID_PATH", &v) >= 0 && v && *v &&
            field_ok(v, false))
                snprintf(name, FIELD_MAX + 1, "%s", v);
        v = NULL;
        if (dev && ((sd_device_get_property_value(dev, "ID_MODEL_FROM_DATABASE", &v) >= 0 && v) ||
                    (sd_device_get_property_value(dev, "ID_MODEL", &v) >= 0 && v)) &&
            field_ok(v, true))
                snprintf(desc, FIELD_MAX + 1, "%s", v);
        /* names must be valid engine names: ID_PATH has ':' and friends */
        for (char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
                        *p = '_';
        *info = (AlsaCardInfo){ .key = key, .device_id = key, .name = name,
                                .description = desc[0] ? desc : NULL };
}

int device_source_enumerate(DeviceSource *s, DeviceSourceFn fn, void *userdata) {
        int n = -1, r;

        if (s->is_static) {
                for (size_t i = 0; i < s->n_cards; i++) {
                        StaticCard *c = &s->cards[i];
                        AlsaCardInfo info = {
                                .key = c->key, .name = c->name ? c->name : c->key,
                                .description = c->description, .pcm_playback = c->pcm_playback,
                                .pcm_capture = c->pcm_capture, .control = c->control,
                        };

                        fn(userdata, true, &info);
                }
                return 0;
        }
        for (unsigned guard = 0; guard < 256; guard++) {
                char key[16], name[FIELD_MAX + 1], desc[FIELD_MAX + 1], sysname[32];
                sd_device *dev = NULL;
                AlsaCardInfo info;

                r = snd_card_next(&n);
                if (r < 0 || n < 0)
                        return r < 0 ? r : 0;
                snprintf(sysname, sizeof(sysname), "card%d", n);
                (void)sd_device_new_from_subsystem_sysname(&dev, "sound", sysname);
                info_from_device(dev, n, &info, key, name, desc);
                fn(userdata, true, &info);
                sd_device_unref(dev);
        }
        return 0;
}

static int monitor_on_event(sd_device_monitor *m, sd_device *dev, void *userdata) {
        DeviceSource *s = userdata;
        char key[16], name[FIELD_MAX + 1], desc[FIELD_MAX + 1];
        sd_device_action_t action;
        const char *sysname = NULL, *init = NULL;
        AlsaCardInfo info;
        int n;

        if (sd_device_get_action(dev, &action) < 0 || sd_device_get_sysname(dev, &sysname) < 0)
                return 0;
        n = card_number(sysname);
        if (n < 0)
                return 0;
        info_from_device(dev, n, &info, key, name, desc);
        if (action == SD_DEVICE_REMOVE) {
                log_info("hotplug: sound card %d removed", n);
                s->fn(s->userdata, false, &info);
                return 0;
        }
        if (action != SD_DEVICE_ADD && action != SD_DEVICE_CHANGE)
                return 0;
        /* Only once udev has processed all the card's nodes. */
        if (sd_device_get_property_value(dev, "SOUND_INITIALIZED", &init) < 0 ||
            !init || strcmp(init, "1") != 0) {
                log_debug("hotplug: card %d not initialised yet", n);
                return 0;
        }
        log_info("hotplug: sound card %d (%s) present", n, info.description ? info.description : "?");
        s->fn(s->userdata, true, &info);
        return 0;
}

int device_source_watch(DeviceSource *s, DeviceSourceFn fn, void *userdata) {
        int r;

        if (s->monitor)
                return 0;
        r = sd_device_monitor_new(&s->monitor);
        if (r < 0)
                return r;
        s->fn = fn;
        s->userdata = userdata;
        r = sd_device_monitor_filter_add_match_subsystem_devtype(s->monitor, "sound", NULL);
        if (r >= 0)
                r = sd_device_monitor_attach_event(s->monitor, NULL);
        if (r >= 0)
                r = sd_device_monitor_start(s->monitor, monitor_on_event, s);
        if (r < 0) {
                (void)sd_device_monitor_detach_event(s->monitor);
                s->monitor = sd_device_monitor_unref(s->monitor);
                return r;
        }
        return 0;
}
