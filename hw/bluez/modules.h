/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* modules.h: the module descriptors of the Bluetooth backend (NULL-terminated). */
#pragma once

#include "engine/core.h"

extern const ModuleDesc *const hw_bluez_module_descs[];
