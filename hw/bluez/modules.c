/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* modules.c: every module the Bluetooth backend provides, for the daemon's registry. */
#include <stddef.h>
#include "hw/bluez/modules.h"

const ModuleDesc *const hw_bluez_module_descs[] = {
        NULL,
};
