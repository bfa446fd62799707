/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* card.h: cards, their profiles and ports (ALSA and Bluetooth backends).
 *
 * A card groups the devices of one piece of hardware. It has a list of
 * profiles (each says how many sinks/sources it brings up: "output:analog-stereo",
 * "a2dp_sink", "off", ...) and a list of ports (jacks, speakers, headset
 * connectors). The card owns its ports; the devices it creates point at
 * the subset of ports they can route to (Device.ports holds borrowed
 * pointers when Device.card is set and DevicePort.card is that card).
 *
 * Life cycle (main thread only):
 *      card_new()          allocate, not yet visible
 *      card_add_profile(), card_add_port(), card_port_add_profile()
 *      card_put()          link, pick the initial profile (calling ops->set_profile
 *                          for it, which creates the devices), post CARD NEW
 *      card_set_profile()  client request or backend decision; posts CARD CHANGE
 *      card_free()         ops->set_profile(NULL) tears the devices down (their
 *                          streams are rescued to the fallback device by device_free),
 *                          then ops->free, post CARD REMOVE, free
 */
#pragma once

#include "engine/core.h"

typedef struct CardProfile {
        Card *card;
        char *name;
        char *description;
        uint32_t n_sinks;
        uint32_t n_sources;
        uint32_t priority;
        bool available;
        void *userdata;         /* backend data (e.g. the PCM names of this profile) */
} CardProfile;

/* Port directions as on the wire (card info). */
enum {
        PORT_DIRECTION_OUTPUT = 1,
        PORT_DIRECTION_INPUT = 2,
};

typedef struct CardOps {
        /* Switch to profile p (NULL: tear everything down before the card goes away).
         * The backend frees the devices of the old profile and creates those of p,
         * with Device.card = card. Return 0 or a positive ENGINE_E_* code (the old
         * profile stays active on failure). */
        int (*set_profile)(Card *card, CardProfile *p);
        /* Optional: called after a port's latency offset changed. */
        void (*port_latency_offset_changed)(Card *card, DevicePort *port);
        /* Release backend state (userdata and profile userdata). */
        void (*free)(Card *card);
} CardOps;

struct CardPriv;

typedef struct CardNew {
        const char *name;               /* requested; must satisfy core_name_valid() */
        const char *driver;             /* e.g. "module-alsa-card.c" */
        Module *module;                 /* owner (may be NULL) */
        Proplist *props;                /* copied; should carry device.description */
        const CardOps *ops;
        void *userdata;
} CardNew;

/* Return: 0, ENGINE_E_EXIST (name taken), ENGINE_E_INVALID, -ENOMEM. */
int card_new(Core *c, const CardNew *n, Card **ret);
/* Return: the profile, or NULL (ENOMEM, duplicate name, card already put). */
CardProfile *card_add_profile(Card *card, const char *name, const char *description,
                              uint32_t n_sinks, uint32_t n_sources, uint32_t priority,
                              bool available);
/* direction: PORT_DIRECTION_*; available: 0 unknown, 1 no, 2 yes; type: PA_DEVICE_PORT_TYPE_*.
 * Return: the port (owned by the card), or NULL. */
DevicePort *card_add_port(Card *card, const char *name, const char *description,
                          uint8_t direction, uint32_t priority, uint32_t available,
                          uint32_t type);
int card_port_add_profile(DevicePort *port, CardProfile *p);
/* Links the card and activates initial (NULL: the available profile with the highest
 * priority, "off" last). Return: 0 or the backend's code (the card is not linked then). */
int card_put(Card *card, const char *initial);
/* NULL-safe. */
void card_free(Card *card);

CardProfile *card_find_profile(Card *card, const char *name);
DevicePort *card_find_port(Card *card, const char *name);
/* Return: 0, ENGINE_E_NOENTITY (no such profile), or the backend's code. */
int card_set_profile(Card *card, const char *name);
/* Return: 0, ENGINE_E_NOENTITY (no such port). Posts CARD CHANGE and CHANGE for the
 * devices using the port; device_latency() includes the active port's offset. */
int card_set_port_latency_offset(Card *card, const char *port, int64_t offset_usec);
/* Backend: jack plugged/unplugged etc. Posts CHANGE for the card and affected devices. */
void card_set_port_available(Card *card, DevicePort *port, uint32_t available);
void card_set_profile_available(Card *card, CardProfile *p, bool available);

/* Attach ports of the card to a device being created by the backend (borrowed pointers;
 * active may be NULL = the available port with the highest priority). Return 0 or -ENOMEM. */
int device_attach_card_ports(Device *d, DevicePort *const *ports, size_t n, DevicePort *active);
/* Pushes the active port's latency offset into d's data thread (after the active port or
 * its offset changed; device_set_port and card_set_port_latency_offset call it). */
void device_sync_port_latency(Device *d);
/* latency + the active port's offset, clamped at 0. */
uint64_t device_port_latency_apply(const Device *d, uint64_t latency);

/* Lookup by name or index digits. */
Card *core_lookup_card(Core *c, const char *name);
/* Addressing rule: exactly one of index (!= -1) and name.
 * Return: 0, ENGINE_E_INVALID, ENGINE_E_NOENTITY. */
int core_resolve_card(Core *c, uint32_t index, const char *name, Card **ret);
