/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hotplug-fifo.h: a test hook simulating device hotplug (internal module loads).
 *
 * Enabled only when the daemon finds $PULSECOMPAT_TEST_HOTPLUG_FIFO (a path
 * to an existing FIFO, readable by the daemon's user). Each line written to
 * it is one command:
 *
 *   add NAME      load module-null-sink sink_name=NAME as MODULE_ORIGIN_INTERNAL
 *   remove NAME   unload the module-null-sink whose sink is NAME
 *
 * Internal loads are what the ALSA backend's udev source will do on a real
 * hotplug; like those they are allowed under --disallow-module-loading. NAME
 * must be a valid device name; anything else is logged and ignored. This
 * exists for compat-tests/system until that backend lands; the shipped
 * systemd unit never sets the variable.
 */
#pragma once

#include "engine/core.h"

typedef struct HotplugFifo HotplugFifo;

#define HOTPLUG_FIFO_ENV "PULSECOMPAT_TEST_HOTPLUG_FIFO"

/* Opens path and watches it on the core's main loop. Return: 0 or -errno (logged). */
int hotplug_fifo_new(Core *core, const char *path, HotplugFifo **ret);
HotplugFifo *hotplug_fifo_free(HotplugFifo *h);
