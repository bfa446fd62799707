/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* udev-detect.c: module-udev-detect and module-detect.
 *
 * Both load one module-alsa-card per card found by the device source
 * (device-source.h). module-detect only enumerates at load time;
 * module-udev-detect also follows cards coming and going (sd-device
 * monitor) and unloads a card's module when it disappears, which frees
 * its devices: their streams are rescued to the fallback device, so a
 * client sees PLAYBACK_STREAM_MOVED, not KILLED.
 *
 * The card modules are MODULE_ORIGIN_INTERNAL loads, so they keep working
 * under --disallow-module-loading. The detect module remembers each card
 * by the source's key and the module index (never a pointer: a client or
 * script may unload the card module behind our back); unloading the
 * detect module unloads the card modules it loaded.
 *
 * Test hook (no environment variables): simulated_cards= replaces the
 * snd_card_next() enumeration with a static list, see device-source.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/base/log.h"
#include "hw/alsa/alsa-card.h"
#include "hw/alsa/device-source.h"

#define DETECT_MAX_CARDS 64U

typedef struct DetectedCard {
        char *key;
        uint32_t module;        /* index of our module-alsa-card */
} DetectedCard;

typedef struct Detect {
        Module *module;
        DeviceSource *source;
        DetectedCard cards[DETECT_MAX_CARDS];
        size_t n_cards;
        char *pass_args;        /* tsched=... etc. passed on to every card */
} Detect;

static const char *const udev_detect_args[] = {
        "tsched", "fixed_latency_range", "ignore_dB", "deferred_volume", "use_ucm",
        "avoid_resampling", "simulated_cards", NULL,
};

static const char *const detect_args[] = {
        "just-one", "tsched", "simulated_cards", NULL,
};

/* Appends ' key="value"' with the value escaped for modargs. */
static int append_arg(char **buf, const char *key, const char *value) {
        size_t n = *buf ? strlen(*buf) : 0, extra = strlen(key) + 2 * strlen(value) + 8;
        char *nb = realloc(*buf, n + extra), *p;

        if (!nb)
                return -ENOMEM;
        p = nb + n;
        p += sprintf(p, "%s%s=\"", n ? " " : "", key);
        for (const char *s = value; *s; s++) {
                if (*s == '"' || *s == '\\')
                        *p++ = '\\';
                *p++ = *s;
        }
        *p++ = '"';
        *p = 0;
        *buf = nb;
        return 0;
}

static DetectedCard *find_card(Detect *d, const char *key) {
        for (size_t i = 0; i < d->n_cards; i++)
                if (strcmp(d->cards[i].key, key) == 0)
                        return &d->cards[i];
        return NULL;
}

static void forget_card(Detect *d, DetectedCard *dc) {
        free(dc->key);
        *dc = d->cards[--d->n_cards];
}

static void card_added(Detect *d, const AlsaCardInfo *info) {
        Core *c = d->module->core;
        _c_cleanup_free_ char *args = NULL;
        DetectedCard *dc = find_card(d, info->key);
        Module *m;
        int r = 0;

        if (dc) {
                if (idxmap_get(&c->modules, dc->module))
                        return;                 /* known, still loaded ("change" event) */
                forget_card(d, dc);             /* unloaded behind our back: load again */
        }
        if (d->n_cards >= DETECT_MAX_CARDS) {
                log_warn("detect: too many cards, ignoring %s", info->key);
                return;
        }
        if (info->device_id)
                r = append_arg(&args, "device_id", info->device_id);
        if (r == 0 && info->name)
                r = append_arg(&args, "name", info->name);
        if (r == 0 && info->description)
                r = append_arg(&args, "description", info->description);
        if (r == 0 && info->pcm_playback)
                r = append_arg(&args, "pcm_playback", info->pcm_playback);
        if (r == 0 && info->pcm_capture)
                r = append_arg(&args, "pcm_capture", info->pcm_capture);
        if (r == 0 && info->control)
                r = append_arg(&args, "control", info->control);
        if (r == 0)
                r = append_arg(&args, "namereg_fail", "false");
        if (r < 0)
                return;
        if (d->pass_args) {
                char *nb = NULL;

                if (asprintf(&nb, "%s %s", args, d->pass_args) < 0)
                        return;
                free(args);
                args = nb;
        }
        r = module_load(c, "module-alsa-card", args, MODULE_ORIGIN_INTERNAL, &m);
        if (r) {
                log_warn("detect: module-alsa-card for card %s failed (%d)", info->key, r);
                return;
        }
        dc = &d->cards[d->n_cards];
        dc->key = strdup(info->key);
        if (!dc->key) {
                module_unload(m);
                return;
        }
        dc->module = m->index;
        d->n_cards++;
}

static void card_removed(Detect *d, const AlsaCardInfo *info) {
        DetectedCard *dc = find_card(d, info->key);
        Module *m;

        if (!dc)
                return;
        m = idxmap_get(&d->module->core->modules, dc->module);
        forget_card(d, dc);
        if (m && m->desc == &module_alsa_card_desc)
                module_unload(m);
}

static void on_card(void *userdata, bool added, const AlsaCardInfo *info) {
        Detect *d = userdata;

        if (added)
                card_added(d, info);
        else
                card_removed(d, info);
}

static int collect_pass_args(Detect *d, const ModArgs *ma, const char *const *keys) {
        for (size_t i = 0; keys[i]; i++) {
                const char *v = modargs_get(ma, keys[i], NULL);
                bool b;

                if (!v)
                        continue;
                if (modargs_get_bool(ma, keys[i], &b)) {
                        log_error("detect: %s expects a boolean", keys[i]);
                        return ENGINE_E_INVALID;
                }
                if (append_arg(&d->pass_args, keys[i], b ? "yes" : "no") < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int detect_init_common(Module *m, ModArgs *ma, bool watch) {
        static const char *const pass_udev[] = { "tsched", "fixed_latency_range", "ignore_dB",
                                                 "use_ucm", NULL };
        static const char *const pass_detect[] = { "tsched", NULL };
        const char *sim = modargs_get(ma, "simulated_cards", NULL);
        Detect *d = calloc(1, sizeof(*d));
        int r;

        if (!d)
                return -ENOMEM;
        m->userdata = d;
        d->module = m;
        r = collect_pass_args(d, ma, watch ? pass_udev : pass_detect);
        if (r)
                return r;
        r = sim ? device_source_new_static(sim, &d->source) : device_source_new_system(&d->source);
        if (r) {
                log_error("detect: invalid simulated_cards= (\"KEY:pcm=NAME,ctl=NAME,desc=TEXT;...\")");
                return r;
        }
        if (watch) {
                r = device_source_watch(d->source, on_card, d);
                if (r < 0)
                        log_warn("detect: cannot watch for sound cards (%s); hotplug is off.",
                                 strerror(-r));
        }
        r = device_source_enumerate(d->source, on_card, d);
        if (r < 0)
                log_warn("detect: enumerating cards failed: %s", strerror(-r));
        log_info("detect: %zu card(s)", d->n_cards);
        return 0;
}

static int udev_detect_init(Module *m, ModArgs *ma) {
        return detect_init_common(m, ma, true);
}

static int detect_init(Module *m, ModArgs *ma) {
        return detect_init_common(m, ma, false);
}

static void detect_done(Module *m) {
        Detect *d = m->userdata;

        if (!d)
                return;
        d->source = device_source_free(d->source);
        while (d->n_cards > 0) {
                DetectedCard *dc = &d->cards[d->n_cards - 1];
                Module *cm = idxmap_get(&m->core->modules, dc->module);

                free(dc->key);
                d->n_cards--;
                if (cm && cm->desc == &module_alsa_card_desc)
                        module_unload(cm);
        }
        free(d->pass_args);
        free(d);
        m->userdata = NULL;
}

const ModuleDesc module_udev_detect_desc = {
        .name = "module-udev-detect",
        .description = "Detect available audio hardware and load matching drivers",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "tsched=<enable system timer based scheduling mode?> "
                 "fixed_latency_range=<disable latency range changes on underrun?> "
                 "ignore_dB=<ignore dB information from the device?> "
                 "deferred_volume=<syncronize sw and hw volume changes in IO-thread?> "
                 "use_ucm=<use ALSA UCM for card configuration?> "
                 "avoid_resampling=<use stream original sample rate if possible?> "
                 "simulated_cards=<test: KEY:pcm=NAME,ctl=NAME,desc=TEXT;...>",
        .valid_args = udev_detect_args,
        .load_once = true,
        .init = udev_detect_init,
        .done = detect_done,
};

const ModuleDesc module_detect_desc = {
        .name = "module-detect",
        .description = "Detect available audio hardware and load matching drivers",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "just-one=<boolean> tsched=<enable system timer based scheduling mode?> "
                 "simulated_cards=<test: KEY:pcm=NAME,ctl=NAME,desc=TEXT;...>",
        .valid_args = detect_args,
        .load_once = true,
        .init = detect_init,
        .done = detect_done,
};
