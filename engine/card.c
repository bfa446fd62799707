/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* card.c: cards, their profiles and ports (API in engine/card.h).
 *
 * A card is a registry object (FACILITY_CARD) that owns profiles and
 * ports; the backend (ALSA, Bluetooth) owns the devices a profile brings
 * up and attaches the card's ports to them (borrowed pointers). The engine
 * never creates devices itself: switching profiles is always the backend's
 * ops->set_profile, which must leave the old profile active on failure.
 *
 * Event order (what clients see through SUBSCRIBE):
 *      card_put:          CARD NEW, then the NEW events of the profile's devices
 *      card_set_profile:  REMOVE of the old devices, NEW of the new ones, CARD CHANGE
 *      card_free:         REMOVE of the devices (their streams are rescued to the
 *                         fallback device by device_free), then CARD REMOVE
 * CARD NEW comes first so that a client fetching a new sink finds the card
 * its "card index" field names.
 *
 * Latency offsets: each port has one (usec, may be negative). A device's
 * reported latency includes the offset of its active port, clamped at 0
 * (device_latency(), sink/source info and the stream latency replies). The
 * data thread reads it from DeviceIo.port_latency_offset, which the main
 * thread keeps in sync (device_sync_port_latency()).
 *
 * Everything here runs on the main thread.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/card.h"
#include "engine/base/log.h"

static bool profile_is_off(const CardProfile *p) {
        return p->n_sinks == 0 && p->n_sources == 0;
}

static void profile_free(CardProfile *p) {
        if (!p)
                return;
        free(p->name);
        free(p->description);
        free(p);
}

static void port_free(DevicePort *p) {
        if (!p)
                return;
        free(p->name);
        free(p->description);
        free(p->availability_group);
        free(p->profiles);
        proplist_free(p->props);
        free(p);
}

int card_new(Core *c, const CardNew *n, Card **ret) {
        Card *card;

        if (!n || !core_name_valid(n->name) || !n->ops || !n->ops->set_profile)
                return ENGINE_E_INVALID;
        {
                Card *o;

                idxmap_for_each(o, &c->cards, st)
                        if (strcmp(o->name, n->name) == 0)
                                return ENGINE_E_EXIST;
        }
        card = calloc(1, sizeof(*card));
        if (!card)
                return -ENOMEM;
        card->core = c;
        card->index = IDX_INVALID;
        card->name = strdup(n->name);
        card->driver = n->driver ? strdup(n->driver) : NULL;
        card->props = proplist_new();
        if (!card->name || (n->driver && !card->driver) || !card->props ||
            (n->props && proplist_update(card->props, PROPLIST_UPDATE_REPLACE, n->props) < 0)) {
                free(card->name);
                free(card->driver);
                proplist_free(card->props);
                free(card);
                return -ENOMEM;
        }
        card->module = n->module;
        card->ops = n->ops;
        card->userdata = n->userdata;
        *ret = card;
        return 0;
}

CardProfile *card_add_profile(Card *card, const char *name, const char *description,
                              uint32_t n_sinks, uint32_t n_sources, uint32_t priority,
                              bool available) {
        CardProfile *p, **np;

        if (card->linked || !name || !*name || card_find_profile(card, name))
                return NULL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        p->card = card;
        p->name = strdup(name);
        p->description = strdup(description ? description : name);
        if (!p->name || !p->description) {
                profile_free(p);
                return NULL;
        }
        p->n_sinks = n_sinks;
        p->n_sources = n_sources;
        p->priority = priority;
        p->available = available;
        np = realloc(card->profiles, (card->n_profiles + 1) * sizeof(*np));
        if (!np) {
                profile_free(p);
                return NULL;
        }
        card->profiles = np;
        card->profiles[card->n_profiles++] = p;
        return p;
}

DevicePort *card_add_port(Card *card, const char *name, const char *description,
                          uint8_t direction, uint32_t priority, uint32_t available,
                          uint32_t type) {
        DevicePort *p, **np;

        if (!name || !*name || card_find_port(card, name) || available > 2 ||
            (direction != PORT_DIRECTION_OUTPUT && direction != PORT_DIRECTION_INPUT))
                return NULL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        p->name = strdup(name);
        p->description = strdup(description ? description : name);
        p->props = proplist_new();
        if (!p->name || !p->description || !p->props) {
                port_free(p);
                return NULL;
        }
        p->card = card;
        p->direction = direction;
        p->priority = priority;
        p->available = available;
        p->type = type;
        np = realloc(card->ports, (card->n_ports + 1) * sizeof(*np));
        if (!np) {
                port_free(p);
                return NULL;
        }
        card->ports = np;
        card->ports[card->n_ports++] = p;
        return p;
}

int card_port_add_profile(DevicePort *port, CardProfile *p) {
        CardProfile **np;

        if (!port->card || p->card != port->card)
                return ENGINE_E_INVALID;
        for (size_t i = 0; i < port->n_profiles; i++)
                if (port->profiles[i] == p)
                        return 0;
        np = realloc(port->profiles, (port->n_profiles + 1) * sizeof(*np));
        if (!np)
                return -ENOMEM;
        port->profiles = np;
        port->profiles[port->n_profiles++] = p;
        return 0;
}

CardProfile *card_find_profile(Card *card, const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < card->n_profiles; i++)
                if (strcmp(card->profiles[i]->name, name) == 0)
                        return card->profiles[i];
        return NULL;
}

DevicePort *card_find_port(Card *card, const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < card->n_ports; i++)
                if (strcmp(card->ports[i]->name, name) == 0)
                        return card->ports[i];
        return NULL;
}

/* The profile card_put() starts with when none is requested: available
 * before unavailable, "off" (no devices) after everything else, then the
 * highest priority, then the first added. */
static CardProfile *card_pick_profile(Card *card) {
        CardProfile *best = NULL;

        for (size_t i = 0; i < card->n_profiles; i++) {
                CardProfile *p = card->profiles[i];

                if (!best) {
                        best = p;
                        continue;
                }
                if (p->available != best->available) {
                        if (p->available)
                                best = p;
                        continue;
                }
                if (profile_is_off(p) != profile_is_off(best)) {
                        if (!profile_is_off(p))
                                best = p;
                        continue;
                }
                if (p->priority > best->priority)
                        best = p;
        }
        return best;
}

static CardProfile *card_off_profile(Card *card) {
        for (size_t i = 0; i < card->n_profiles; i++)
                if (profile_is_off(card->profiles[i]))
                        return card->profiles[i];
        return NULL;
}

int card_put(Card *card, const char *initial) {
        Core *c = card->core;
        CardProfile *p = NULL, *off;
        int r;

        if (card->linked)
                return ENGINE_E_INVALID;
        if (initial) {
                p = card_find_profile(card, initial);
                if (!p)
                        log_warn("Card %s: no profile \"%s\", choosing one.", card->name, initial);
        }
        if (!p)
                p = card_pick_profile(card);
        r = idxmap_reserve(&c->cards, 1);
        if (r < 0)
                return r;
        (void)idxmap_put(&c->cards, card, &card->index);
        card->linked = true;
        core_post_event(c, FACILITY_CARD, EVENT_NEW, card->index);
        if (!p)
                return 0;       /* a card without profiles: nothing to bring up */
        r = card->ops->set_profile(card, p);
        if (r) {
                off = card_off_profile(card);
                log_warn("Card %s: profile %s failed (%d)%s", card->name, p->name, r,
                         off && off != p ? ", falling back to off" : "");
                if (off && off != p && card->ops->set_profile(card, off) == 0) {
                        p = off;
                        r = 0;
                }
        }
        if (r) {
                /* Not linked after all: the REMOVE discards the queued NEW. */
                idxmap_remove(&c->cards, card->index);
                card->linked = false;
                core_post_event(c, FACILITY_CARD, EVENT_REMOVE, card->index);
                return r;
        }
        card->active_profile = p;
        return 0;
}

/* Devices still pointing at the card's ports when it goes (a backend bug):
 * detach them rather than leave dangling pointers. */
static void card_detach_devices(Card *card, IdxMap *map) {
        Device *d;

        idxmap_for_each(d, map, st) {
                if (d->card != card)
                        continue;
                log_warn("Card %s is going away while device %s still uses it.", card->name,
                         d->name);
                free(d->ports);
                d->ports = NULL;
                d->n_ports = 0;
                d->active_port = NULL;
                d->card = NULL;
        }
}

void card_free(Card *card) {
        Core *c;

        if (!card)
                return;
        c = card->core;
        if (card->linked) {
                card->linked = false;
                /* Tear the devices down first: their REMOVE events (and the rescue
                 * of their streams) precede CARD REMOVE. */
                if (card->active_profile)
                        (void)card->ops->set_profile(card, NULL);
                card->active_profile = NULL;
                idxmap_remove(&c->cards, card->index);
                core_post_event(c, FACILITY_CARD, EVENT_REMOVE, card->index);
        }
        card_detach_devices(card, &c->sinks);
        card_detach_devices(card, &c->sources);
        if (card->ops && card->ops->free)
                card->ops->free(card);
        for (size_t i = 0; i < card->n_ports; i++)
                port_free(card->ports[i]);
        free(card->ports);
        for (size_t i = 0; i < card->n_profiles; i++)
                profile_free(card->profiles[i]);
        free(card->profiles);
        proplist_free(card->props);
        free(card->name);
        free(card->driver);
        free(card);
}

int card_set_profile(Card *card, const char *name) {
        CardProfile *p = card_find_profile(card, name);
        int r;

        if (!p)
                return ENGINE_E_NOENTITY;
        if (!card->linked)
                return ENGINE_E_BADSTATE;
        if (p == card->active_profile)
                return 0;
        r = card->ops->set_profile(card, p);
        if (r)
                return r;
        card->active_profile = p;
        log_info("Card %s: profile %s", card->name, p->name);
        core_post_event(card->core, FACILITY_CARD, EVENT_CHANGE, card->index);
        return 0;
}

static bool device_has_port(const Device *d, const DevicePort *port) {
        for (size_t i = 0; i < d->n_ports; i++)
                if (d->ports[i] == port)
                        return true;
        return false;
}

/* Posts CHANGE for every device of the card that has port (and, with
 * active_only, only where it is the active port); returns how many. */
static unsigned card_port_devices_changed(Card *card, DevicePort *port, bool active_only) {
        IdxMap *maps[2] = { &card->core->sinks, &card->core->sources };
        unsigned n = 0;
        Device *d;

        for (size_t i = 0; i < 2; i++)
                idxmap_for_each(d, maps[i], st) {
                        if (d->card != card || !device_has_port(d, port))
                                continue;
                        if (active_only && d->active_port != port)
                                continue;
                        device_sync_port_latency(d);
                        device_changed(d);
                        n++;
                }
        return n;
}

int card_set_port_latency_offset(Card *card, const char *port, int64_t offset_usec) {
        DevicePort *p = card_find_port(card, port);

        if (!p)
                return ENGINE_E_NOENTITY;
        if (p->latency_offset == offset_usec)
                return 0;
        p->latency_offset = offset_usec;
        if (card->ops->port_latency_offset_changed)
                card->ops->port_latency_offset_changed(card, p);
        core_post_event(card->core, FACILITY_CARD, EVENT_CHANGE, card->index);
        (void)card_port_devices_changed(card, p, true);
        return 0;
}

void card_set_port_available(Card *card, DevicePort *port, uint32_t available) {
        if (available > 2 || port->card != card || port->available == available)
                return;
        port->available = available;
        log_info("Card %s: port %s is now %s", card->name, port->name,
                 available == 2 ? "available" : available == 1 ? "unavailable" : "unknown");
        if (!card->linked)
                return;
        core_post_event(card->core, FACILITY_CARD, EVENT_CHANGE, card->index);
        (void)card_port_devices_changed(card, port, false);
        /* The default device prefers devices whose active port is not unavailable. */
        core_update_defaults(card->core);
}

void card_set_profile_available(Card *card, CardProfile *p, bool available) {
        if (p->card != card || p->available == available)
                return;
        p->available = available;
        if (card->linked)
                core_post_event(card->core, FACILITY_CARD, EVENT_CHANGE, card->index);
}

void device_sync_port_latency(Device *d) {
        int64_t off = d->active_port ? d->active_port->latency_offset : 0;

        if (d->io)
                atomic_store_explicit(&d->io->port_latency_offset, off, memory_order_relaxed);
}

uint64_t device_port_latency_apply(const Device *d, uint64_t latency) {
        int64_t off = d->active_port ? d->active_port->latency_offset : 0;
        uint64_t mag = off < 0 ? (uint64_t)0 - (uint64_t)off : (uint64_t)off;

        if (off < 0)
                return mag >= latency ? 0 : latency - mag;
        return latency > UINT64_MAX - mag ? UINT64_MAX : latency + mag;
}

int device_attach_card_ports(Device *d, DevicePort *const *ports, size_t n, DevicePort *active) {
        DevicePort **np = NULL;
        DevicePort *best = NULL;

        if (n > 0) {
                np = malloc(n * sizeof(*np));
                if (!np)
                        return -ENOMEM;
                memcpy(np, ports, n * sizeof(*np));
        }
        for (size_t i = 0; i < n; i++) {
                DevicePort *p = np[i];
                bool pa = p->available != 1, ba;

                if (!best) {
                        best = p;
                        continue;
                }
                ba = best->available != 1;
                if (pa != ba ? pa : p->priority > best->priority)
                        best = p;
        }
        if (active) {
                bool found = false;

                for (size_t i = 0; i < n; i++)
                        found = found || np[i] == active;
                if (found)
                        best = active;
        }
        /* Ports the device owned itself would leak here: only card devices use this. */
        free(d->ports);
        d->ports = np;
        d->n_ports = n;
        d->active_port = best;
        if (n > 0 && !d->card)
                d->card = np[0]->card;
        device_sync_port_latency(d);
        if (d->linked) {
                device_changed(d);
                core_update_defaults(d->core);
        }
        return 0;
}

Card *core_lookup_card(Core *c, const char *name) {
        Card *card;

        if (!name || !*name)
                return NULL;
        if (strspn(name, "0123456789") == strlen(name)) {
                unsigned long v;
                char *end;

                errno = 0;
                v = strtoul(name, &end, 10);
                if (errno == 0 && *end == 0 && v < UINT32_MAX) {
                        card = idxmap_get(&c->cards, (uint32_t)v);
                        if (card)
                                return card;
                }
        }
        idxmap_for_each(card, &c->cards, st)
                if (strcmp(card->name, name) == 0)
                        return card;
        return NULL;
}

int core_resolve_card(Core *c, uint32_t index, const char *name, Card **ret) {
        Card *card;

        if ((index == IDX_INVALID) == (name == NULL))
                return ENGINE_E_INVALID;
        if (name) {
                if (!core_name_valid(name))
                        return ENGINE_E_INVALID;
                card = core_lookup_card(c, name);
        } else {
                card = idxmap_get(&c->cards, index);
        }
        if (!card)
                return ENGINE_E_NOENTITY;
        *ret = card;
        return 0;
}
