/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon.c: owns the sd-event loop; wires core, protocol and modules; runs
 * the startup script.
 *
 * Signals: SIGTERM and SIGINT end the loop cleanly (listeners unlink their
 * sockets, modules unload in reverse order); SIGHUP is logged; SIGPIPE is
 * ignored (sockets use MSG_NOSIGNAL anyway). The loop never blocks on a
 * client: every client fd is non-blocking and per-wakeup work is bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <systemd/sd-event.h>
#include <systemd/sd-daemon.h>
#include "pulsecompat/daemon.h"
#include "pulsecompat/script.h"
#include "pulsecompat/hotplug-fifo.h"
#include "protocol/protocol.h"
#include "protocol/access.h"
#include "hw/null/null.h"
#include "hw/pipe/pipe.h"
#include "hw/alsa/modules.h"
#include "hw/bluez/modules.h"
#include "engine/base/log.h"

const char daemon_builtin_script[] =
        "# Built-in default script of pulsecompat (used when no default.pa is found).\n"
        "# The ALSA default device if there is one (loaded before our socket exists, so\n"
        "# libasound's pulse hook cannot route \"default\" into ourselves; module-alsa-sink\n"
        "# also refuses the pulse plugin); module-always-sink adds a null sink otherwise.\n"
        ".nofail\n"
        "load-module module-alsa-sink device=default\n"
        ".fail\n"
        "load-module module-native-protocol-unix\n"
        ".nofail\n"
        "load-module module-always-sink\n";

struct Daemon {
        const DaemonSettings *settings;
        sd_event *event;
        Core *core;
        Protocol *protocol;
        sd_event_source *idle_timer;
        CList defers;
        int idle_seconds;
        int exit_code;
};

typedef struct DeferCall {
        CList link;
        Daemon *daemon;
        sd_event_source *source;
        CoreDeferFn fn;
        void *userdata;
} DeferCall;

static int daemon_on_defer(sd_event_source *s, void *userdata) {
        DeferCall *d = userdata;
        Core *core = d->daemon->core;

        c_list_unlink(&d->link);
        sd_event_source_disable_unref(d->source);
        d->fn(core, d->userdata);
        if (d->daemon->protocol)
                protocol_flush_events(d->daemon->protocol);
        free(d);
        return 0;
}

static int daemon_defer(Core *c, CoreDeferFn fn, void *userdata) {
        Daemon *d = c->loop_userdata;
        DeferCall *dc = calloc(1, sizeof(*dc));
        sd_event_source *s;
        int r;

        if (!dc)
                return -ENOMEM;
        dc->daemon = d;
        dc->fn = fn;
        dc->userdata = userdata;
        r = sd_event_add_defer(d->event, &s, daemon_on_defer, dc);
        if (r < 0) {
                free(dc);
                return r;
        }
        dc->source = s;
        c_list_link_tail(&d->defers, &dc->link);
        return 0;
}

static void daemon_request_exit(Core *c, int code) {
        Daemon *d = c->loop_userdata;

        d->exit_code = code;
        (void)sd_event_exit(d->event, code);
}

typedef struct FdWatch {
        sd_event_source *source;
        void (*cb)(void *userdata);
        void *userdata;
} FdWatch;

static int daemon_on_fd(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        FdWatch *w = userdata;

        w->cb(w->userdata);
        return 0;
}

static int daemon_add_fd(Core *c, int fd, void (*cb)(void *userdata), void *userdata, void **ret) {
        Daemon *d = c->loop_userdata;
        FdWatch *w = calloc(1, sizeof(*w));
        int r;

        if (!w)
                return -ENOMEM;
        w->cb = cb;
        w->userdata = userdata;
        r = sd_event_add_io(d->event, &w->source, fd, EPOLLIN, daemon_on_fd, w);
        if (r < 0) {
                free(w);
                return r;
        }
        /* Stream notifications come before client I/O in the same iteration. */
        (void)sd_event_source_set_priority(w->source, SD_EVENT_PRIORITY_IMPORTANT);
        *ret = w;
        return 0;
}

static void daemon_remove_fd(Core *c, void *handle) {
        FdWatch *w = handle;

        if (!w)
                return;
        sd_event_source_disable_unref(w->source);
        free(w);
}

static const CoreLoopOps daemon_loop_ops = {
        .defer = daemon_defer,
        .request_exit = daemon_request_exit,
        .add_fd = daemon_add_fd,
        .remove_fd = daemon_remove_fd,
};

int daemon_register_modules(Core *c) {
        static const ModuleDesc *const descs[] = {
                &module_native_protocol_unix_desc,
                &module_native_protocol_tcp_desc,
                &module_null_sink_desc,
                &module_null_source_desc,
                &module_always_sink_desc,
                &module_pipe_sink_desc,
                &module_pipe_source_desc,
        };

        for (size_t i = 0; i < C_ARRAY_SIZE(descs); i++) {
                int r = core_register_module_desc(c, descs[i]);

                if (r)
                        return r < 0 ? r : -EEXIST;
        }
        for (const ModuleDesc *const *d = hw_alsa_module_descs; *d; d++) {
                int r = core_register_module_desc(c, *d);

                if (r)
                        return r < 0 ? r : -EEXIST;
        }
        for (const ModuleDesc *const *d = hw_bluez_module_descs; *d; d++) {
                int r = core_register_module_desc(c, *d);

                if (r)
                        return r < 0 ? r : -EEXIST;
        }
        return 0;
}

/* ---- startup script operations ---- */

/* PulseAudio modules that distribution scripts (Debian's default.pa and system.pa)
 * load unconditionally, which pulsecompat does not provide as modules. A script
 * load of one of these is skipped with a notice instead of failing the start-up,
 * so the stock scripts work; a client's LOAD_MODULE of them still fails. */
static const struct {
        const char *name;
        const char *why;
} absorbed_modules[] = {
        { "module-rescue-streams", "built in: streams of a removed device move to the default" },
        { "module-device-restore", "device settings are not persisted yet" },
        { "module-stream-restore", "stream settings are not persisted yet" },
        { "module-card-restore", "card profiles are not persisted yet" },
        { "module-default-device-restore", "the default devices are not persisted yet" },
        { "module-augment-properties", "desktop-file properties are not added" },
        { "module-switch-on-port-available", "no ports before the ALSA backend" },
        { "module-switch-on-connect", "not implemented" },
        { "module-intended-roles", "not implemented" },
        { "module-suspend-on-idle", "not implemented: the null and pipe devices cost nothing idle" },
        { "module-position-event-sounds", "not implemented" },
        { "module-role-cork", "not implemented" },
        { "module-filter-heuristics", "no filters" },
        { "module-filter-apply", "no filters" },
        { "module-console-kit", "sessions are not tracked" },
        { "module-systemd-login", "sessions are not tracked" },
        { "module-detect", "device detection comes with the ALSA backend" },
};

static int op_load_module(void *ud, const char *name, const char *args, uint32_t *ret_index) {
        Daemon *d = ud;
        Module *m;
        int r = module_load(d->core, name, args, MODULE_ORIGIN_SCRIPT, &m);

        if (r == ENGINE_E_NOENTITY) {
                for (size_t i = 0; i < C_ARRAY_SIZE(absorbed_modules); i++)
                        if (strcmp(absorbed_modules[i].name, name) == 0) {
                                log_notice("Skipping %s: %s.", name, absorbed_modules[i].why);
                                return 0;
                        }
        }
        if (r == 0 && ret_index)
                *ret_index = m->index;
        return r;
}

static int op_unload_module(void *ud, const char *what) {
        Daemon *d = ud;
        Module *m;
        char *end;
        unsigned long idx = strtoul(what, &end, 10);
        bool found = false;

        if (*what && !*end) {
                m = idxmap_get(&d->core->modules, (uint32_t)idx);
                if (!m)
                        return ENGINE_E_NOENTITY;
                module_unload(m);
                return 0;
        }
        /* By name: every instance. */
        for (;;) {
                Module *hit = NULL;

                idxmap_for_each(m, &d->core->modules, st)
                        if (strcmp(m->name, what) == 0) {
                                hit = m;
                                break;
                        }
                if (!hit)
                        break;
                module_unload(hit);
                found = true;
        }
        return found ? 0 : ENGINE_E_NOENTITY;
}

static int op_set_default(Daemon *d, DeviceKind kind, const char *name) {
        return core_set_default_device(d->core, kind, name);
}

static int op_set_default_sink(void *ud, const char *name) {
        return op_set_default(ud, DEVICE_SINK, name);
}

static int op_set_default_source(void *ud, const char *name) {
        return op_set_default(ud, DEVICE_SOURCE, name);
}

static int op_device_volume(Daemon *d, DeviceKind kind, const char *name, Volume v) {
        Device *dev = core_lookup_device(d->core, kind, name, true);
        CVolume cv;

        if (!dev)
                return ENGINE_E_NOENTITY;
        cvolume_set(&cv, dev->spec.channels, v);
        return device_set_volume(dev, &cv);
}

static int op_set_sink_volume(void *ud, const char *name, Volume v) {
        return op_device_volume(ud, DEVICE_SINK, name, v);
}

static int op_set_source_volume(void *ud, const char *name, Volume v) {
        return op_device_volume(ud, DEVICE_SOURCE, name, v);
}

static int op_device_mute(Daemon *d, DeviceKind kind, const char *name, bool mute) {
        Device *dev = core_lookup_device(d->core, kind, name, true);

        return dev ? device_set_mute(dev, mute) : ENGINE_E_NOENTITY;
}

static int op_set_sink_mute(void *ud, const char *name, bool mute) {
        return op_device_mute(ud, DEVICE_SINK, name, mute);
}

static int op_set_source_mute(void *ud, const char *name, bool mute) {
        return op_device_mute(ud, DEVICE_SOURCE, name, mute);
}

static int op_suspend(Daemon *d, DeviceKind kind, const char *name, bool suspend) {
        Device *dev;

        if (!name) {
                idxmap_for_each(dev, core_device_map(d->core, kind), st)
                        if (!dev->monitor_of)
                                (void)device_suspend(dev, suspend, SUSPEND_USER);
                return 0;
        }
        dev = core_lookup_device(d->core, kind, name, true);
        return dev ? device_suspend(dev, suspend, SUSPEND_USER) : ENGINE_E_NOENTITY;
}

static int op_suspend_sink(void *ud, const char *name, bool suspend) {
        return op_suspend(ud, DEVICE_SINK, name, suspend);
}

static int op_suspend_source(void *ud, const char *name, bool suspend) {
        return op_suspend(ud, DEVICE_SOURCE, name, suspend);
}

static int op_exit(void *ud) {
        Daemon *d = ud;

        daemon_request_exit(d->core, 0);
        return 0;
}

static const ScriptOps daemon_script_ops = {
        .load_module = op_load_module,
        .unload_module = op_unload_module,
        .set_default_sink = op_set_default_sink,
        .set_default_source = op_set_default_source,
        .set_sink_volume = op_set_sink_volume,
        .set_source_volume = op_set_source_volume,
        .set_sink_mute = op_set_sink_mute,
        .set_source_mute = op_set_source_mute,
        .suspend_sink = op_suspend_sink,
        .suspend_source = op_suspend_source,
        .exit_daemon = op_exit,
};

/* ---- signals and idle exit ---- */

static int daemon_on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Daemon *d = userdata;

        switch (si->ssi_signo) {
        case SIGTERM:
        case SIGINT:
                log_notice("Got signal %s, exiting.", si->ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
                (void)sd_notify(0, "STOPPING=1\nSTATUS=Shutting down.");
                d->exit_code = 0;
                (void)sd_event_exit(d->event, 0);
                break;
        case SIGHUP:
                log_info("Got SIGHUP (nothing to reload).");
                break;
        default:
                break;
        }
        return 0;
}

/* --exit-idle-time: exit once no client has been connected for that long. */
static int daemon_on_idle_check(sd_event_source *src, uint64_t usec, void *userdata) {
        Daemon *d = userdata;

        if (d->protocol->n_conns == 0)
                d->idle_seconds++;
        else
                d->idle_seconds = 0;
        if (d->idle_seconds >= d->settings->exit_idle_time) {
                log_info("Exiting after %d s without clients (exit-idle-time).", d->idle_seconds);
                d->exit_code = 0;
                (void)sd_event_exit(d->event, 0);
                return 0;
        }
        return sd_event_source_set_time_relative(src, 1000000);
}

int daemon_run(const DaemonSettings *s) {
        Daemon d = { .settings = s, .exit_code = 1 };
        ProtocolConfig pc = {
                .max_connections = s->max_connections,
                .max_connections_per_uid = s->max_connections_per_uid,
                .auth_timeout_usec = s->auth_timeout_usec,
                .system_mode = s->system_mode,
                .access_group = s->access_group,
                .runtime_dir = s->runtime_dir,
                .inherited_fd = s->inherited_fd,
                .isolation = s->system_isolation,
                .admin_group = s->admin_group,
                .disable_shm = s->disable_shm,
                .disable_memfd = s->disable_memfd,
        };
        HotplugFifo *hotplug = NULL;
        const char *hotplug_path = getenv(HOTPLUG_FIFO_ENV);
        sigset_t mask;
        int r;

        c_list_init(&d.defers);
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

        r = sd_event_default(&d.event);
        if (r < 0) {
                log_error("Failed to create event loop: %s", strerror(-r));
                return 1;
        }
        /* $WATCHDOG_USEC set by systemd: WATCHDOG=1 goes out from the loop. */
        (void)sd_event_set_watchdog(d.event, true);
        r = sd_event_add_signal(d.event, NULL, SIGTERM, daemon_on_signal, &d);
        if (r >= 0)
                r = sd_event_add_signal(d.event, NULL, SIGINT, daemon_on_signal, &d);
        if (r >= 0)
                r = sd_event_add_signal(d.event, NULL, SIGHUP, daemon_on_signal, &d);
        if (r >= 0)
                r = core_new(&d.core);
        if (r < 0) {
                log_error("Failed to set up: %s", strerror(-r));
                goto finish;
        }
        d.core->loop = &daemon_loop_ops;
        d.core->loop_userdata = &d;
        d.core->disallow_exit = s->disallow_exit;
        if (s->runtime_dir && !(d.core->runtime_dir = strdup(s->runtime_dir))) {
                log_error("Out of memory.");
                goto finish;
        }
        if (s->resample_method) {
                int m = dsp_resample_method_from_string(s->resample_method);

                if (m < 0) {
                        /* soxr-*, ffmpeg, src-*: PulseAudio names we map to speex */
                        log_notice("Resample method %s is not available; using speex-float-1.",
                                   s->resample_method);
                        m = DSP_RESAMPLE_AUTO;
                }
                d.core->resample_method = m;
        }
        if (s->default_spec.rate)
                d.core->default_spec = s->default_spec;
        if (s->default_map.channels)
                d.core->default_map = s->default_map;
        r = daemon_register_modules(d.core);
        if (r >= 0)
                r = protocol_new(d.core, d.event, &pc, &d.protocol);
        if (r < 0) {
                log_error("Failed to set up: %s", strerror(-r));
                goto finish;
        }
        protocol_set_global(d.protocol);
        if (s->system_mode) {
                /* access group at AUTH; isolation, sample namespaces (protocol/access.h) */
                d.protocol->check_peer = access_check_peer;
                d.core->sample_cache_per_owner = s->system_isolation;
        }

        r = script_run_string(s->script_text ? s->script_text : daemon_builtin_script,
                              s->script_name ? s->script_name : "<built-in>",
                              &daemon_script_ops, &d, s->fail);
        if (r) {
                log_error("Failed to initialize daemon due to errors while executing startup commands.");
                d.exit_code = 1;
                goto finish;
        }
        if (c_list_is_empty(&d.protocol->listeners))
                log_warn("No native protocol listener was loaded: clients cannot connect.");
        /* Client-side restrictions apply after the startup script. */
        d.core->disallow_module_loading = s->disallow_module_loading;
        if (hotplug_path && *hotplug_path)
                (void)hotplug_fifo_new(d.core, hotplug_path, &hotplug);
        if (s->exit_idle_time >= 0 && !s->system_mode) {
                r = sd_event_add_time_relative(d.event, &d.idle_timer, CLOCK_MONOTONIC,
                                               s->exit_idle_time == 0 ? 1 : 1000000, 0,
                                               daemon_on_idle_check, &d);
                if (r >= 0)
                        (void)sd_event_source_set_enabled(d.idle_timer, SD_EVENT_ON);
        }
        log_info("Daemon startup complete.");
        if (s->on_ready)
                s->on_ready(s->userdata);
        r = sd_event_loop(d.event);
        d.exit_code = r < 0 ? 1 : r;

finish:
        sd_event_source_disable_unref(d.idle_timer);
        hotplug_fifo_free(hotplug);
        if (d.core)
                d.core->exiting = true;
        protocol_disconnect_all(d.protocol);
        core_free(d.core);
        protocol_free(d.protocol);
        {
                DeferCall *dc;

                c_list_for_each_entry_safe(dc, t, &d.defers, link) {
                        sd_event_source_disable_unref(dc->source);
                        c_list_unlink(&dc->link);
                        free(dc);
                }
        }
        sd_event_unref(d.event);
        return d.exit_code;
}
