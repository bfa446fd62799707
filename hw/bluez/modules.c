/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* modules.c: every module the Bluetooth backend provides, for the daemon's registry. */
#include <stddef.h>
#include "hw/bluez/modules.h"

extern const ModuleDesc module_bluez5_discover_desc;
extern const ModuleDesc module_bluetooth_discover_desc;
extern const ModuleDesc module_bluez5_device_desc;

const ModuleDesc *const hw_bluez_module_descs[] = {
        &module_bluez5_discover_desc,
        &module_bluetooth_discover_desc,
        &module_bluez5_device_desc,
        NULL,
};
