/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* script.h: the startup-script language of default.pa / system.pa / -L / -F. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "engine/types/volume.h"

/* Positive outcome of the script_run_*() functions (negative values are errnos). */
enum {
        _SCRIPT_E_SUCCESS,
        SCRIPT_E_FAILED,        /* an error happened while errors were fatal (.fail) */
};

/* Limits (pulseaudio has no include limit and recurses until it runs out of fds). */
#define SCRIPT_LINE_MAX 2047U           /* characters per line, as pulseaudio */
#define SCRIPT_INCLUDE_DEPTH_MAX 16U    /* nested .include levels */
#define SCRIPT_IF_DEPTH_MAX 32U         /* nested .ifexists levels in one file */
#define SCRIPT_FILE_SIZE_MAX (4U << 20) /* bytes per script file */

/*
 * What the script does to the daemon. Any member may be NULL: the command
 * is then reported as not supported (an error). Each op returns 0, or a
 * positive or negative error; the script then logs "FILE:LINE: <command>
 * failed" (the op may log the reason itself first).
 */
typedef struct ScriptOps {
        int (*load_module)(void *userdata, const char *name, const char *args, uint32_t *ret_index);
        int (*unload_module)(void *userdata, const char *name_or_index);
        int (*set_default_sink)(void *userdata, const char *name);
        int (*set_default_source)(void *userdata, const char *name);
        int (*set_sink_volume)(void *userdata, const char *name, Volume v);
        int (*set_source_volume)(void *userdata, const char *name, Volume v);
        int (*set_sink_mute)(void *userdata, const char *name, bool mute);
        int (*set_source_mute)(void *userdata, const char *name, bool mute);
        int (*suspend_sink)(void *userdata, const char *name, bool suspend);   /* name NULL = all */
        int (*suspend_source)(void *userdata, const char *name, bool suspend);
        int (*exit_daemon)(void *userdata);
} ScriptOps;

/**
 * script_run_file() - run a script file.
 * @fail: the initial error mode (daemon.conf "fail"); .fail/.nofail change it
 *        for the rest of the run, including the including files.
 *
 * A missing or unreadable @path is an error like any other (fatal only
 * while @fail is set). Messages name "FILE:LINE".
 *
 * Return: 0 (also when errors were only logged under .nofail),
 *         SCRIPT_E_FAILED, or -ENOMEM.
 */
int script_run_file(const char *path, const ScriptOps *ops, void *userdata, bool fail);

/**
 * script_run_string() - run script text; @name stands for the file name in
 * messages (e.g. "command line arguments"). Relative .include paths are
 * relative to the working directory.
 *
 * Return: as script_run_file().
 */
int script_run_string(const char *text, const char *name, const ScriptOps *ops, void *userdata,
                      bool fail);

/*
 * How ".ifexists NAME" decides for a NAME that is not an absolute path
 * (absolute paths are checked with access()). The callback gets NAME
 * without a trailing ".so" and the userdata of the running script; it
 * should answer whether load-module NAME could find the module. Without a
 * callback, NAME.so / NAME is looked for in the colon-separated
 * dl_search_path given to script_set_dl_search_path() (none: false).
 * Process-global; set both before running scripts.
 */
typedef bool (*ScriptModuleExistsFn)(void *userdata, const char *name);
void script_set_module_exists(ScriptModuleExistsFn fn);
/* Return: 0 or -ENOMEM. NULL clears. */
int script_set_dl_search_path(const char *path);
