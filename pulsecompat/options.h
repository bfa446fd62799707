/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* options.h: the pulseaudio(1)-compatible command line. */
#pragma once

#include <stdio.h>
#include "pulsecompat/conf.h"

/* Positive outcomes of options_parse() (negative values are errnos). */
enum {
        _OPTIONS_E_SUCCESS,
        OPTIONS_E_USAGE,        /* bad option or value; logged, then "Failed to parse command line." */
        OPTIONS_E_TOO_MANY,     /* non-option arguments; logged as "Too many arguments." */
};

/**
 * options_parse() - apply the command line to @c (after daemon.conf and the
 * environment were applied, so the command line wins).
 *
 * Long options take optional BOOL values only as "--opt=VALUE"; "-v" and a
 * bare "--log-level" raise the level by one; the last command option
 * (--help, --version, --dump-conf, -k, ...) wins and is stored in
 * c->command; -L/-F/-C append to c->script_commands in command-line order
 * ("load-module ARGS", ".include /absolute/path",
 * "load-module module-cli exit_on_eof=1", one per line). getopt_long prints
 * its own messages for unknown options ("PROG: unrecognized option '--foo'");
 * every other problem is logged here, including the final "Failed to parse
 * command line." / "Too many arguments." lines, so the caller only exits 1.
 *
 * Return: 0, OPTIONS_E_USAGE, OPTIONS_E_TOO_MANY, or -ENOMEM.
 */
int options_parse(DaemonConf *c, int argc, char **argv);

/* Print the --help text; argv0's basename names the program. */
void options_print_help(FILE *f, const char *argv0);
