/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* main.c: the pulsecompat entry point, a drop-in for the pulseaudio binary.
 *
 * Order (as pulseaudio): built-in defaults → daemon.conf (+ .d) →
 * environment → command line; then the command (--help, --dump-conf, -k,
 * --check, --start, …) or the daemon. Startup commands are the default
 * script (unless -n) followed by -L/-F/-C in command-line order; when that
 * leaves nothing to run (no default script installed, or -n without -L/-F)
 * the built-in default script runs, so the daemon always starts usable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include "pulsecompat/conf.h"
#include "pulsecompat/options.h"
#include "pulsecompat/script.h"
#include "pulsecompat/pidfile.h"
#include "pulsecompat/rt.h"
#include "pulsecompat/daemon.h"
#include "pulsecompat/privs.h"
#include "engine/core.h"
#include "engine/base/log.h"

#define PULSECOMPAT_VERSION "0.1.0"

static Core *modules_core;

static bool module_exists(void *userdata, const char *name) {
        return modules_core && core_find_module_desc(modules_core, name) != NULL;
}

static int dump_modules(bool verbose) {
        Core *c = NULL;
        int r = core_new(&c);

        if (r < 0)
                return 1;
        r = daemon_register_modules(c);
        for (size_t i = 0; r >= 0 && i < c->n_module_descs; i++) {
                const ModuleDesc *d = c->module_descs[i];

                if (!verbose) {
                        printf("%-40s%s\n", d->name, d->description ? d->description : "");
                        continue;
                }
                printf("Name: %s\nDescription: %s\nAuthor: %s\nVersion: %s\nUsage: %s\nLoad Once: %s\n\n",
                       d->name, d->description ? d->description : "", d->author ? d->author : "",
                       d->version ? d->version : "", d->usage ? d->usage : "",
                       d->load_once ? "yes" : "no");
        }
        core_free(c);
        return r < 0 ? 1 : 0;
}

static void on_ready(void *userdata) {
        daemonize_finish(0);
        (void)sd_notify(0, "READY=1\nSTATUS=Listening for clients.");
}

static int build_script(DaemonConf *conf, ConfBuf *out) {
        _c_cleanup_free_ char *script = NULL;
        int r;

        if (conf->load_default_script_file) {
                r = daemon_conf_script_file(conf, &script);
                if (r < 0)
                        return r;
                if (script && access(script, R_OK) == 0) {
                        /* -L/-F run with the configured error mode, whatever the
                         * default script left behind (Debian's ends in .nofail). */
                        r = conf_buf_appendf(out, ".include %s\n%s", script,
                                             conf->fail ? ".fail\n" : ".nofail\n");
                        if (r < 0)
                                return r;
                } else {
                        log_info("Default script %s not found: using the built-in script.",
                                 script ? script : "(none)");
                }
        }
        if (conf->script_commands.str) {
                r = conf_buf_append(out, conf->script_commands.str);
                if (r < 0)
                        return r;
        }
        if (!out->str || !*out->str)
                return conf_buf_append(out, daemon_builtin_script);
        return 0;
}

int main(int argc, char **argv) {
        DaemonConf conf;
        ConfBuf script = CONF_BUF_NULL(script);
        _c_cleanup_free_ char *runtime_dir = NULL;
        PidFile pf = PIDFILE_NULL(pf);
        DaemonSettings s = { 0 };
        int r, ret = 1;

        log_set_ident("pulsecompat");
        /* Files we create (pid file, cookie, sockets' directory) are private by default. */
        umask(0077);
        if (daemon_conf_init(&conf) < 0)
                return 1;
        r = daemon_conf_load_default(&conf);
        if (r) {
                log_error("Failed to parse configuration file.");
                goto out;
        }
        if (daemon_conf_apply_env(&conf) < 0)
                goto out;
        r = options_parse(&conf, argc, argv);
        if (r)
                goto out;
        if (daemon_conf_apply_log(&conf, conf.daemonize) < 0)
                log_warn("Failed to open the log target; logging to stderr.");

        switch (conf.command) {
        case DAEMON_CMD_HELP:
                options_print_help(stdout, argv[0]);
                ret = 0;
                goto out;
        case DAEMON_CMD_VERSION:
                printf("pulsecompat " PULSECOMPAT_VERSION " (compatible with pulseaudio 16.1)\n");
                ret = 0;
                goto out;
        case DAEMON_CMD_DUMP_CONF:
                daemon_conf_dump(&conf, stdout);
                ret = 0;
                goto out;
        case DAEMON_CMD_DUMP_MODULES:
                ret = dump_modules(log_get_level() >= LOG_LEVEL_INFO);
                goto out;
        case DAEMON_CMD_DUMP_RESAMPLE_METHODS:
                daemon_conf_dump_resample_methods(stdout);
                ret = 0;
                goto out;
        case DAEMON_CMD_CLEANUP_SHM:
                /* We never create shared-memory segments: nothing to clean. */
                ret = 0;
                goto out;
        default:
                break;
        }

        if (conf.system_instance && geteuid() != 0) {
                log_error("System mode (--system) requires starting as root.");
                goto out;
        }
        r = runtime_dir_resolve(conf.system_instance, conf.system_runtime_dir, &runtime_dir);
        if (r < 0) {
                log_error("Failed to set up the runtime directory: %s", strerror(-r));
                goto out;
        }

        switch (conf.command) {
        case DAEMON_CMD_KILL:
                r = pidfile_kill(runtime_dir);
                if (r < 0)
                        log_error("Failed to kill daemon: %s", strerror(-r));
                ret = r < 0 ? 1 : 0;
                goto out;
        case DAEMON_CMD_CHECK:
                ret = pidfile_check(runtime_dir) == 0 ? 0 : 1;
                goto out;
        case DAEMON_CMD_START:
                if (conf.system_instance) {
                        log_error("--start is not supported for system instances.");
                        goto out;
                }
                if (pidfile_check(runtime_dir) == 0) {
                        ret = 0;
                        goto out;
                }
                conf.daemonize = true;
                break;
        default:
                break;
        }

        if (getuid() == 0 && !conf.system_instance)
                log_warn("This program is not intended to be run as root (unless --system is specified).");

        r = build_script(&conf, &script);
        if (r < 0)
                goto out;
        if (conf.daemonize) {
                r = daemonize();
                if (r < 0) {
                        log_error("Failed to daemonize: %s", strerror(-r));
                        goto out;
                }
        }
        {
                /* Priorities first: as root (system mode) the limits can still be raised,
                 * and the nice level survives the privilege drop. */
                RtSettings rt = {
                        .high_priority = conf.high_priority,
                        .nice_level = conf.nice_level,
                        .realtime = conf.realtime_scheduling,
                        .realtime_priority = conf.realtime_priority,
                        .rlimit_rttime = conf.rlimit[CONF_RLIMIT_RTTIME],
                        .rlimit_rtprio = conf.rlimit[CONF_RLIMIT_RTPRIO],
                        .rlimit_nice = conf.rlimit[CONF_RLIMIT_NICE],
                };

                rt_setup_limits(&rt);
                rt_setup(&rt);
        }
        if (conf.system_instance) {
                /* Directories as root, then root is gone for good: the pid file, the
                 * startup script, every module and every client run as the system user
                 * (docs/system-mode.md). A socket from systemd is already open. */
                if (!conf.disallow_exit)
                        log_warn("Running in system mode, but --disallow-exit not set.");
                if (!conf.disallow_module_loading)
                        log_warn("Running in system mode, but --disallow-module-loading not set.");
                r = privs_system_setup(conf.system_user, conf.system_group, runtime_dir,
                                       conf.system_state_dir);
                if (r < 0) {
                        log_error("Failed to drop root privileges: %s", strerror(-r));
                        daemonize_finish(1);
                        goto out;
                }
        }
        if (conf.use_pid_file) {
                pid_t other = 0;

                r = pidfile_create(&pf, runtime_dir, &other);
                if (r < 0) {
                        log_error("Failed to create pid file: %s", strerror(-r));
                        daemonize_finish(1);
                        goto out;
                }
                if (r > 0) {
                        log_error("Daemon already running (pid %d).", (int)other);
                        daemonize_finish(1);
                        goto out;
                }
        }

        setenv("PULSE_INTERNAL", "1", 1);
        setenv("PULSE_SYSTEM", conf.system_instance ? "1" : "0", 1);

        {
                int n = sd_listen_fds(1);

                s.inherited_fd = n >= 1 && sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) > 0
                                 ? SD_LISTEN_FDS_START : -1;
        }
        s.runtime_dir = runtime_dir;
        s.system_mode = conf.system_instance;
        s.disallow_exit = conf.disallow_exit;
        s.disallow_module_loading = conf.disallow_module_loading;
        s.fail = conf.fail;
        s.exit_idle_time = conf.exit_idle_time;
        s.script_text = script.str;
        s.script_name = "startup commands";
        s.max_connections = conf.max_connections;
        s.max_connections_per_uid = conf.per_uid_max_connections;
        s.auth_timeout_usec = (uint64_t)conf.auth_timeout_sec * 1000000ULL;
        s.access_group = conf.access_group;
        s.admin_group = conf.admin_group;
        s.system_isolation = conf.system_isolation;
        s.resample_method = conf.resample_method;
        s.disable_shm = conf.disable_shm;
        s.disable_memfd = !conf.enable_memfd;
        s.default_spec = conf.default_sample_spec;
        s.default_map = conf.default_channel_map;
        s.on_ready = on_ready;
        s.userdata = NULL;

        /* .ifexists module-foo.so answers from our compiled-in registry. */
        if (core_new(&modules_core) >= 0 && daemon_register_modules(modules_core) >= 0)
                script_set_module_exists(module_exists);

        ret = daemon_run(&s);
        daemonize_finish(1);
        (void)sd_notify(0, "STOPPING=1");
out:
        pidfile_remove(&pf);
        modules_core = core_free(modules_core);
        conf_buf_deinit(&script);
        daemon_conf_deinit(&conf);
        return ret;
}
