/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* core.c: registries, events, defaults, name lookup and object messages.
 *
 * Events: core_post_event() calls every listener synchronously. The protocol
 * layer's listener only *queues* per connection (with PulseAudio's
 * coalescing) and flushes after the current command, so posting an event
 * from the middle of an operation is cheap and never re-enters a client.
 *
 * Defaults: the configured default is a name (it may name a device that
 * does not exist yet, e.g. a USB card plugged in later); the effective
 * default is recomputed whenever devices come or go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <sys/random.h>
#include "engine/core.h"
#include "engine/card.h"
#include "engine/base/log.h"

typedef struct MessageHandler {
        CList link;
        char *path;
        char *description;
        MessageHandlerFn fn;
        void *userdata;
} MessageHandler;

static int core_handle_core_message(Core *c, const char *path, const char *message,
                                    const char *params, char **ret_response, void *userdata);

int core_new(Core **ret) {
        Core *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        c_list_init(&c->listeners);
        c_list_init(&c->message_handlers);
        c->resample_method = 0x7fff;    /* "auto": resolved by the streams code */
        c->default_spec = (SampleSpec){ .format = SAMPLE_S16LE, .channels = 2, .rate = 44100 };
        channel_map_init_auto(&c->default_map, 2);
        if (getrandom(&c->cookie, sizeof(c->cookie), GRND_NONBLOCK) != sizeof(c->cookie))
                c->cookie = (uint32_t)time(NULL) ^ (uint32_t)getpid();
        r = core_register_message_handler(c, "/core", "Core message handler",
                                          core_handle_core_message, NULL);
        if (r < 0) {
                core_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

Core *core_free(Core *c) {
        Module *m;
        Client *cl;
        Device *d;
        MessageHandler *h;
        Sample *s;

        if (!c)
                return NULL;
        c->exiting = true;
        /* Clients first (they own streams), then modules newest first, then leftovers. */
        while ((cl = idxmap_next(&c->clients, &(uint32_t){ 0 })))
                client_free(cl);
        while (idxmap_size(&c->modules) > 0) {
                m = c->modules.entries[c->modules.n - 1].ptr;
                module_unload(m);
        }
        {
                Card *card;

                while ((card = idxmap_next(&c->cards, &(uint32_t){ 0 })))
                        card_free(card);
        }
        while ((d = idxmap_next(&c->sinks, &(uint32_t){ 0 })))
                device_free(d);
        while ((d = idxmap_next(&c->sources, &(uint32_t){ 0 })))
                device_free(d);
        while ((s = idxmap_next(&c->samples, &(uint32_t){ 0 }))) {
                idxmap_remove(&c->samples, s->index);
                free(s->name);
                free(s->filename);
                free(s->data);
                proplist_free(s->props);
                free(s);
        }
        c_list_for_each_entry_safe(h, t, &c->message_handlers, link) {
                c_list_unlink(&h->link);
                free(h->path);
                free(h->description);
                free(h);
        }
        idxmap_deinit(&c->sinks);
        idxmap_deinit(&c->sources);
        idxmap_deinit(&c->clients);
        idxmap_deinit(&c->modules);
        idxmap_deinit(&c->sink_inputs);
        idxmap_deinit(&c->source_outputs);
        idxmap_deinit(&c->samples);
        idxmap_deinit(&c->cards);
        free(c->module_descs);
        free(c->configured_default_sink);
        free(c->configured_default_source);
        free(c->runtime_dir);
        free(c);
        return NULL;
}

int core_add_listener(Core *c, CoreListener *l, CoreEventFn fn, void *userdata) {
        l->fn = fn;
        l->userdata = userdata;
        c_list_link_tail(&c->listeners, &l->link);
        return 0;
}

void core_remove_listener(CoreListener *l) {
        c_list_unlink(&l->link);
}

void core_post_event(Core *c, uint32_t facility, uint32_t type, uint32_t index) {
        CoreListener *l;

        if (c->exiting)
                return;
        c_list_for_each_entry_safe(l, t, &c->listeners, link)
                l->fn(c, facility | type, index, l->userdata);
}

int core_defer(Core *c, CoreDeferFn fn, void *userdata) {
        if (!c->loop || !c->loop->defer) {
                fn(c, userdata);
                return 0;
        }
        return c->loop->defer(c, fn, userdata);
}

void core_request_exit(Core *c, int code) {
        if (c->loop && c->loop->request_exit)
                c->loop->request_exit(c, code);
}

bool core_name_valid(const char *name) {
        size_t n = 0;

        if (!name || !*name)
                return false;
        for (const char *p = name; *p; p++, n++) {
                char ch = *p;

                if (n >= NAME_MAX_LEN)
                        return false;
                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
                        return false;
        }
        return true;
}

IdxMap *core_device_map(Core *c, DeviceKind kind) {
        return kind == DEVICE_SINK ? &c->sinks : &c->sources;
}

Device *core_get_device(Core *c, DeviceKind kind, uint32_t index) {
        return idxmap_get(core_device_map(c, kind), index);
}

static bool all_digits(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

Device *core_lookup_device(Core *c, DeviceKind kind, const char *name, bool allow_special) {
        IdxMap *map = core_device_map(c, kind);
        Device *d;

        if (!name)
                return NULL;
        if (allow_special) {
                if (kind == DEVICE_SINK && strcmp(name, "@DEFAULT_SINK@") == 0)
                        return c->default_sink;
                if (kind == DEVICE_SOURCE && strcmp(name, "@DEFAULT_SOURCE@") == 0)
                        return c->default_source;
                if (kind == DEVICE_SOURCE && strcmp(name, "@DEFAULT_MONITOR@") == 0)
                        return c->default_sink ? c->default_sink->monitor : NULL;
        }
        if (all_digits(name)) {
                unsigned long v;

                errno = 0;
                v = strtoul(name, NULL, 10);
                if (errno == 0 && v < UINT32_MAX) {
                        d = idxmap_get(map, (uint32_t)v);
                        if (d)
                                return d;
                }
        }
        idxmap_for_each(d, map, st)
                if (strcmp(d->name, name) == 0)
                        return d;
        return NULL;
}

int core_resolve_device(Core *c, DeviceKind kind, uint32_t index, const char *name,
                        bool allow_default, Device **ret) {
        Device *d;

        if (index != IDX_INVALID && name)
                return ENGINE_E_INVALID;
        if (index == IDX_INVALID && !name) {
                if (!allow_default)
                        return ENGINE_E_INVALID;
                d = kind == DEVICE_SINK ? c->default_sink : c->default_source;
        } else if (name) {
                if (!core_name_valid(name) && name[0] != '@')
                        return ENGINE_E_INVALID;
                d = core_lookup_device(c, kind, name, true);
        } else {
                d = core_get_device(c, kind, index);
        }
        if (!d)
                return ENGINE_E_NOENTITY;
        *ret = d;
        return 0;
}

/* Higher is better: real devices beat monitors, configured name wins,
 * then priority, then the current default (stability), then lower index. */
static bool device_better(Core *c, Device *a, Device *b, const char *configured, Device *current) {
        bool a_avail = !a->active_port || a->active_port->available != 1;
        bool b_avail = !b->active_port || b->active_port->available != 1;

        if (a_avail != b_avail)
                return a_avail;
        if (configured) {
                bool ac = strcmp(a->name, configured) == 0, bc = strcmp(b->name, configured) == 0;

                if (ac != bc)
                        return ac;
        }
        if (!a->monitor_of != !b->monitor_of)
                return !a->monitor_of;
        if (a->monitor_of && b->monitor_of && a->monitor_of != b->monitor_of)
                return device_better(c, a->monitor_of, b->monitor_of, c->configured_default_sink,
                                     c->default_sink);
        if (a->priority != b->priority)
                return a->priority > b->priority;
        if ((a == current) != (b == current))
                return a == current;
        return a->index < b->index;
}

static Device *pick_default(Core *c, DeviceKind kind) {
        const char *configured = kind == DEVICE_SINK ? c->configured_default_sink
                                                     : c->configured_default_source;
        Device *current = kind == DEVICE_SINK ? c->default_sink : c->default_source;
        Device *best = NULL, *d;

        idxmap_for_each(d, core_device_map(c, kind), st) {
                if (!d->linked)
                        continue;
                if (!best || device_better(c, d, best, configured, current))
                        best = d;
        }
        return best;
}

void core_update_defaults(Core *c) {
        Device *s = pick_default(c, DEVICE_SINK), *o;
        bool changed = false;

        if (s != c->default_sink) {
                c->default_sink = s;
                changed = true;
        }
        o = pick_default(c, DEVICE_SOURCE);
        if (o != c->default_source) {
                c->default_source = o;
                changed = true;
        }
        if (changed)
                core_post_event(c, FACILITY_SERVER, EVENT_CHANGE, IDX_INVALID);
}

int core_set_default_device(Core *c, DeviceKind kind, const char *name) {
        char **slot = kind == DEVICE_SINK ? &c->configured_default_sink
                                          : &c->configured_default_source;
        Device *d;
        char *copy;

        if (name) {
                d = core_lookup_device(c, kind, name, false);
                if (!d)
                        return ENGINE_E_NOENTITY;
        } else {
                d = kind == DEVICE_SINK ? c->default_sink : c->default_source;
                if (!d)
                        return ENGINE_E_NOENTITY;
        }
        if (c_streq(*slot, d->name)) {
                core_update_defaults(c);
                return 0;
        }
        copy = strdup(d->name);
        if (!copy)
                return -ENOMEM;
        free(*slot);
        *slot = copy;
        {
                Device *os = c->default_sink, *oo = c->default_source;

                core_update_defaults(c);
                /* The configured default changed: that alone is a SERVER CHANGE. */
                if (os == c->default_sink && oo == c->default_source)
                        core_post_event(c, FACILITY_SERVER, EVENT_CHANGE, IDX_INVALID);
        }
        return 0;
}

/* ---- object messages ---- */

int core_register_message_handler(Core *c, const char *path, const char *description,
                                  MessageHandlerFn fn, void *userdata) {
        MessageHandler *h;

        c_list_for_each_entry(h, &c->message_handlers, link)
                if (strcmp(h->path, path) == 0)
                        return ENGINE_E_EXIST;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->path = strdup(path);
        h->description = strdup(description ? description : "");
        if (!h->path || !h->description) {
                free(h->path);
                free(h->description);
                free(h);
                return -ENOMEM;
        }
        h->fn = fn;
        h->userdata = userdata;
        c_list_link_tail(&c->message_handlers, &h->link);
        return 0;
}

void core_unregister_message_handler(Core *c, const char *path) {
        MessageHandler *h;

        c_list_for_each_entry_safe(h, t, &c->message_handlers, link) {
                if (strcmp(h->path, path) == 0) {
                        c_list_unlink(&h->link);
                        free(h->path);
                        free(h->description);
                        free(h);
                        return;
                }
        }
}

/* Appends s to a JSON string literal (with quotes), escaping as JSON requires. */
static int json_append_string(char **buf, size_t *len, size_t *alloc, const char *s) {
        for (size_t i = 0; ; i++) {
                char tmp[8];
                const char *piece = tmp;
                size_t pl;
                unsigned char ch = i == 0 ? '"' : (unsigned char)s[i - 1];

                if (i == 0) {
                        tmp[0] = '"';
                        tmp[1] = 0;
                } else if (ch == 0) {
                        tmp[0] = '"';
                        tmp[1] = 0;
                } else if (ch == '"' || ch == '\\') {
                        tmp[0] = '\\';
                        tmp[1] = (char)ch;
                        tmp[2] = 0;
                } else if (ch < 0x20) {
                        snprintf(tmp, sizeof(tmp), "\\u%04x", ch);
                } else {
                        tmp[0] = (char)ch;
                        tmp[1] = 0;
                }
                pl = strlen(piece);
                if (*len + pl + 1 > *alloc) {
                        size_t na = (*alloc + pl + 1) * 2;
                        char *nb = realloc(*buf, na);

                        if (!nb)
                                return -ENOMEM;
                        *buf = nb;
                        *alloc = na;
                }
                memcpy(*buf + *len, piece, pl + 1);
                *len += pl;
                if (i > 0 && ch == 0)
                        return 0;
        }
}

static int json_append_raw(char **buf, size_t *len, size_t *alloc, const char *s) {
        size_t pl = strlen(s);

        if (*len + pl + 1 > *alloc) {
                size_t na = (*alloc + pl + 1) * 2;
                char *nb = realloc(*buf, na);

                if (!nb)
                        return -ENOMEM;
                *buf = nb;
                *alloc = na;
        }
        memcpy(*buf + *len, s, pl + 1);
        *len += pl;
        return 0;
}

static int core_handle_core_message(Core *c, const char *path, const char *message,
                                    const char *params, char **ret_response, void *userdata) {
        char *buf = NULL;
        size_t len = 0, alloc = 0;
        MessageHandler *h;
        bool first = true;
        int r = 0;

        if (strcmp(message, "list-handlers") != 0)
                return ENGINE_E_NOTIMPLEMENTED;
        r = json_append_raw(&buf, &len, &alloc, "[");
        c_list_for_each_entry(h, &c->message_handlers, link) {
                if (r < 0)
                        break;
                r = json_append_raw(&buf, &len, &alloc, first ? "{\"name\":" : ",{\"name\":");
                if (r >= 0)
                        r = json_append_string(&buf, &len, &alloc, h->path);
                if (r >= 0)
                        r = json_append_raw(&buf, &len, &alloc, ",\"description\":");
                if (r >= 0)
                        r = json_append_string(&buf, &len, &alloc, h->description);
                if (r >= 0)
                        r = json_append_raw(&buf, &len, &alloc, "}");
                first = false;
        }
        if (r >= 0)
                r = json_append_raw(&buf, &len, &alloc, "]");
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret_response = buf;
        return 0;
}

int core_send_message(Core *c, const char *path, const char *message, const char *params,
                      char **ret_response) {
        MessageHandler *h;
        size_t n;

        if (!path || !message || !utf8_valid(path) || !utf8_valid(message))
                return ENGINE_E_INVALID;
        if (params && !utf8_valid(params))
                return ENGINE_E_INVALID;
        n = strlen(path);
        /* A trailing '/' is ignored. */
        if (n > 1 && path[n - 1] == '/')
                n--;
        c_list_for_each_entry(h, &c->message_handlers, link) {
                if (strlen(h->path) == n && strncmp(h->path, path, n) == 0)
                        return h->fn(c, h->path, message, params, ret_response, h->userdata);
        }
        return ENGINE_E_NOENTITY;
}
