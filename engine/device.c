/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device.c: sinks and sources (one representation, a kind field).
 *
 * A sink always gets a monitor source named "<sink>.monitor" whose
 * description is "Monitor of <sink description>". Creation does every
 * fallible step first and then links (commit), so a failed device_new()
 * leaves no trace in the registries and posts no events.
 *
 * Removal rescues streams: each stream on the device is moved to the
 * (new) default device of that kind, or killed when there is none or the
 * move is refused (semantics.md §1.4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "engine/core.h"
#include "engine/card.h"
#include "engine/base/log.h"

static Device *device_alloc(Core *c, DeviceKind kind) {
        Device *d = calloc(1, sizeof(*d));

        if (!d)
                return NULL;
        d->core = c;
        d->kind = kind;
        d->index = IDX_INVALID;
        c_list_init(&d->streams);
        d->props = proplist_new();
        if (!d->props) {
                free(d);
                return NULL;
        }
        d->base_volume = VOLUME_NORM;
        d->n_volume_steps = VOLUME_NORM + 1;
        d->state = DEVICE_IDLE;
        d->min_latency = 500;
        d->max_latency = 2000000;
        return d;
}

static void device_release(Device *d) {
        if (!d)
                return;
        if (d->ops && d->ops->free)
                d->ops->free(d);
        for (size_t i = 0; i < d->n_ports; i++) {
                DevicePort *p = d->ports[i];

                if (p->card)
                        continue;       /* borrowed from the card */
                free(p->name);
                free(p->description);
                free(p->availability_group);
                proplist_free(p->props);
                free(p);
        }
        free(d->ports);
        for (size_t i = 0; i < d->n_formats; i++)
                format_info_free(d->formats[i]);
        free(d->formats);
        proplist_free(d->props);
        free(d->name);
        free(d->driver);
        free(d);
}

int device_add_default_format(Device *d) {
        FormatInfo **nf, *f;

        f = format_info_new(ENCODING_PCM);
        if (!f)
                return -ENOMEM;
        nf = realloc(d->formats, (d->n_formats + 1) * sizeof(*nf));
        if (!nf) {
                format_info_free(f);
                return -ENOMEM;
        }
        d->formats = nf;
        d->formats[d->n_formats++] = f;
        return 0;
}

static int device_fill(Device *d, const DeviceNew *n, const char *name) {
        d->name = strdup(name);
        d->driver = n->driver ? strdup(n->driver) : NULL;
        if (!d->name || (n->driver && !d->driver))
                return -ENOMEM;
        d->module = n->module;
        d->spec = n->spec;
        if (n->map.channels)
                d->map = n->map;
        else
                channel_map_init_auto(&d->map, n->spec.channels);
        cvolume_set(&d->volume, d->spec.channels, VOLUME_NORM);
        d->flags = n->flags;
        d->priority = n->priority;
        if (n->props && proplist_update(d->props, PROPLIST_UPDATE_REPLACE, n->props) < 0)
                return -ENOMEM;
        return device_add_default_format(d);
}

static void device_link(Core *c, Device *d) {
        d->linked = true;
        idxmap_put(core_device_map(c, d->kind), d, &d->index); /* space reserved by caller */
}

int device_new(Core *c, const DeviceNew *n, Device **ret) {
        Device *d = NULL, *mon = NULL;
        char monname[NAME_MAX_LEN + 16];
        const char *desc;
        int r;

        if (!core_name_valid(n->name) || !sample_spec_valid(&n->spec))
                return ENGINE_E_INVALID;
        if (n->map.channels && n->map.channels != n->spec.channels)
                return ENGINE_E_INVALID;
        if (core_lookup_device(c, n->kind, n->name, false) &&
            strcmp(core_lookup_device(c, n->kind, n->name, false)->name, n->name) == 0)
                return ENGINE_E_EXIST;
        if (n->kind == DEVICE_SINK && n->with_monitor) {
                Device *o;

                snprintf(monname, sizeof(monname), "%s.monitor", n->name);
                o = core_lookup_device(c, DEVICE_SOURCE, monname, false);
                if (strlen(monname) > NAME_MAX_LEN || (o && strcmp(o->name, monname) == 0))
                        return ENGINE_E_EXIST;
        }

        d = device_alloc(c, n->kind);
        if (!d)
                return -ENOMEM;
        r = device_fill(d, n, n->name);
        if (r < 0)
                goto fail;
        if (!proplist_contains(d->props, "device.description")) {
                r = proplist_sets(d->props, "device.description", n->name);
                if (r < 0)
                        goto fail;
        }
        d->ops = n->ops;
        d->userdata = n->userdata;

        if (n->kind == DEVICE_SINK && n->with_monitor) {
                DeviceNew mn = {
                        .kind = DEVICE_SOURCE, .name = monname, .driver = n->driver,
                        .module = n->module, .spec = n->spec, .map = d->map,
                        .flags = SOURCE_FLAG_LATENCY | SOURCE_FLAG_DECIBEL_VOLUME |
                                 SOURCE_FLAG_DYNAMIC_LATENCY,
                };

                mon = device_alloc(c, DEVICE_SOURCE);
                if (!mon) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = device_fill(mon, &mn, monname);
                if (r < 0)
                        goto fail;
                desc = device_description(d);
                r = proplist_setf(mon->props, "device.description", "Monitor of %s", desc);
                if (r >= 0)
                        r = proplist_sets(mon->props, "device.class", "monitor");
                if (r >= 0)
                        r = proplist_sets(mon->props, "device.icon_name", "audio-input-microphone");
                if (r < 0)
                        goto fail;
                {
                        static const char *const inherit[] = { "device.bus", "device.vendor.name",
                                                               "device.product.name" };

                        for (size_t i = 0; i < C_ARRAY_SIZE(inherit); i++) {
                                const char *v = proplist_gets(d->props, inherit[i]);

                                if (v && proplist_sets(mon->props, inherit[i], v) < 0) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                        }
                }
        }

        /* Reserve registry space so linking cannot fail (commit below). */
        r = idxmap_reserve(core_device_map(c, d->kind), 1);
        if (r >= 0 && mon)
                r = idxmap_reserve(&c->sources, 2);
        if (r < 0)
                goto fail;

        /* commit: nothing below fails. Events in PulseAudio's order, as seen on
         * the wire: CHANGE sink, CHANGE monitor, NEW monitor, (SERVER CHANGE), NEW sink. */
        device_link(c, d);
        if (mon) {
                device_link(c, mon);
                d->monitor = mon;
                mon->monitor_of = d;
        }
        core_post_event(c, d->kind == DEVICE_SINK ? FACILITY_SINK : FACILITY_SOURCE, EVENT_CHANGE,
                        d->index);
        if (mon) {
                core_post_event(c, FACILITY_SOURCE, EVENT_CHANGE, mon->index);
                core_post_event(c, FACILITY_SOURCE, EVENT_NEW, mon->index);
                core_update_defaults(c);
        }
        core_post_event(c, d->kind == DEVICE_SINK ? FACILITY_SINK : FACILITY_SOURCE, EVENT_NEW,
                        d->index);
        core_update_defaults(c);
        *ret = d;
        return 0;

fail:
        device_release(mon);
        device_release(d);
        return r;
}

const char *device_description(const Device *d) {
        const char *s = proplist_gets(d->props, "device.description");

        return s ? s : d->name;
}

/* Moves every stream of a vanishing device to the default device of its
 * kind; streams that cannot move (DONT_MOVE, no other device) are killed. */
static void device_rescue_streams(Device *d) {
        Core *c = d->core;
        SinkInput *si;
        SourceOutput *so;

        if (d->kind == DEVICE_SINK) {
                c_list_for_each_entry_safe(si, t, &d->streams, device_link) {
                        Device *dest = c->default_sink;

                        if (!dest || dest == d || sink_input_move(si, dest) != 0)
                                sink_input_kill(si);
                }
        } else {
                c_list_for_each_entry_safe(so, t, &d->streams, device_link) {
                        Device *dest = c->default_source;

                        if (so->direct_on_input || !dest || dest == d || dest->monitor_of == d->monitor_of ||
                            source_output_move(so, dest) != 0)
                                source_output_kill(so);
                }
        }
}

/* Takes d out of the registry: streams are rescued, REMOVE is posted. */
static void device_unlink(Device *d) {
        Core *c = d->core;

        idxmap_remove(core_device_map(c, d->kind), d->index);
        device_rescue_streams(d);
        if (d->monitor_of)
                d->monitor_of->monitor = NULL;
        core_post_event(c, d->kind == DEVICE_SINK ? FACILITY_SINK : FACILITY_SOURCE,
                        EVENT_REMOVE, d->index);
}

void device_free(Device *d) {
        Core *c;
        Device *mon;

        if (!d)
                return;
        c = d->core;
        mon = d->monitor;
        if (d->linked) {
                /* As PulseAudio: the defaults move on first (SERVER CHANGE, also to
                 * "none"), then the monitor and the device go (REMOVE events), and the
                 * streams are rescued to the new defaults on the way. */
                d->linked = false;
                if (mon)
                        mon->linked = false;
                core_update_defaults(c);
                if (mon)
                        device_unlink(mon);
                device_unlink(d);
        }
        if (mon) {
                d->monitor = NULL;
                mon->monitor_of = NULL;
                device_release(mon);
        }
        device_io_stop(d);
        device_release(d);
}

void device_changed(Device *d) {
        core_post_event(d->core, d->kind == DEVICE_SINK ? FACILITY_SINK : FACILITY_SOURCE,
                        EVENT_CHANGE, d->index);
}

int device_set_volume(Device *d, const CVolume *v) {
        CVolume nv;
        int r;

        if (!cvolume_valid(v))
                return ENGINE_E_INVALID;
        if (v->channels == 1 && d->spec.channels != 1) {
                nv = d->volume;
                cvolume_scale(&nv, v->values[0]);
        } else if (v->channels == d->spec.channels) {
                nv = *v;
        } else {
                return ENGINE_E_INVALID;
        }
        if (cvolume_equal(&nv, &d->volume))
                return 0;
        d->volume = nv;
        if (d->ops && d->ops->set_volume) {
                r = d->ops->set_volume(d);
                if (r)
                        return r;
        }
        device_io_sync(d);
        device_changed(d);
        return 0;
}

int device_set_mute(Device *d, bool mute) {
        int r;

        if (d->mute == mute)
                return 0;
        d->mute = mute;
        if (d->ops && d->ops->set_mute) {
                r = d->ops->set_mute(d);
                if (r)
                        return r;
        }
        device_io_sync(d);
        device_changed(d);
        return 0;
}

static void device_update_state(Device *d) {
        DeviceState ns = d->suspend_cause ? DEVICE_SUSPENDED
                         : c_list_is_empty(&d->streams) ? DEVICE_IDLE : DEVICE_RUNNING;

        if (ns != d->state) {
                d->state = ns;
                device_changed(d);
        }
}

static void device_notify_suspended(Device *d, bool suspended) {
        SinkInput *si;
        SourceOutput *so;

        if (d->kind == DEVICE_SINK) {
                c_list_for_each_entry_safe(si, t, &d->streams, device_link) {
                        if (suspended && (si->flags & STREAM_FLAG_FAIL_ON_SUSPEND))
                                sink_input_kill(si);
                        else if (si->ops && si->ops->suspended)
                                si->ops->suspended(si, suspended);
                }
        } else {
                c_list_for_each_entry_safe(so, t, &d->streams, device_link) {
                        if (suspended && (so->flags & STREAM_FLAG_FAIL_ON_SUSPEND))
                                source_output_kill(so);
                        else if (so->ops && so->ops->suspended)
                                so->ops->suspended(so, suspended);
                }
        }
}

int device_suspend(Device *d, bool suspend, uint32_t cause) {
        uint32_t nc = suspend ? (d->suspend_cause | cause) : (d->suspend_cause & ~cause);
        bool was = d->suspend_cause != 0, now = nc != 0;
        int r;

        if (d->monitor_of)
                return ENGINE_E_INVALID;
        if (was != now && d->ops && d->ops->suspend) {
                r = d->ops->suspend(d, now);
                if (r)
                        return r;
        }
        d->suspend_cause = nc;
        device_io_sync(d);
        device_update_state(d);
        /* A sink's monitor follows its sink. */
        if (d->monitor) {
                d->monitor->suspend_cause = nc;
                device_update_state(d->monitor);
        }
        if (was != now) {
                device_notify_suspended(d, now);
                if (d->monitor)
                        device_notify_suspended(d->monitor, now);
        }
        return 0;
}

int device_set_port(Device *d, const char *port) {
        int r;

        if (d->n_ports == 0)
                return ENGINE_E_NOTIMPLEMENTED;
        for (size_t i = 0; i < d->n_ports; i++) {
                if (strcmp(d->ports[i]->name, port) != 0)
                        continue;
                if (d->active_port == d->ports[i])
                        return 0;
                if (d->ops && d->ops->set_port) {
                        r = d->ops->set_port(d, d->ports[i]);
                        if (r)
                                return r;
                }
                d->active_port = d->ports[i];
                device_sync_port_latency(d);
                device_changed(d);
                core_update_defaults(d->core);
                return 0;
        }
        return ENGINE_E_NOENTITY;
}

void device_set_latency_range(Device *d, uint64_t min, uint64_t max) {
        Device *targets[2] = { d, d->monitor };

        for (size_t i = 0; i < 2; i++) {
                if (!targets[i])
                        continue;
                targets[i]->min_latency = min;
                targets[i]->max_latency = C_MAX(max, min);
                if (c_list_is_empty(&targets[i]->streams))
                        targets[i]->configured_latency = targets[i]->max_latency;
        }
}

uint64_t device_latency(Device *d) {
        if (d->suspend_cause)
                return 0;
        if (d->ops && d->ops->get_latency)
                return device_port_latency_apply(d, d->ops->get_latency(d));
        /* Audio produced by the data thread but not yet played (monitors: their sink's). */
        return device_io_of(d) ? device_io_latency(device_io_of(d)) : 0;
}
