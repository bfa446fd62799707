/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon.h: the running daemon: event loop, core, protocol, startup script. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "engine/core.h"

typedef struct Daemon Daemon;

typedef struct DaemonSettings {
        const char *runtime_dir;        /* per-user or system runtime dir */
        bool system_mode;
        bool disallow_exit;
        bool disallow_module_loading;
        bool fail;                      /* stop on a failing startup-script command */
        int exit_idle_time;             /* seconds, < 0 = never */
        const char *script_text;        /* startup commands (default script + -L/-F/-C) */
        const char *script_name;        /* for messages */
        size_t max_connections;
        size_t max_connections_per_uid;
        uint64_t auth_timeout_usec;
        const char *access_group;
        const char *admin_group;        /* system mode: members act on every user's objects */
        bool system_isolation;          /* system mode: users act only on their own objects */
        int inherited_fd;               /* socket activation, -1 if none */
        const char *resample_method;    /* daemon.conf name; NULL = auto */
        bool disable_shm;               /* daemon.conf enable-shm = no */
        bool disable_memfd;             /* daemon.conf enable-memfd = no */
        SampleSpec default_spec;
        ChannelMap default_map;
        /* called once sockets listen (readiness for daemonize/sd_notify) */
        void (*on_ready)(void *userdata);
        void *userdata;
} DaemonSettings;

/* Runs the daemon until exit. Return: the exit code. */
int daemon_run(const DaemonSettings *s);
/* Registers every compiled-in module descriptor (also used by --dump-modules). */
int daemon_register_modules(Core *c);
/* The built-in default script used when no script file is found. */
extern const char daemon_builtin_script[];
