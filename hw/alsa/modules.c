/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* modules.c: every module the ALSA backend provides, for the daemon's registry. */
#include <stddef.h>
#include "hw/alsa/modules.h"

const ModuleDesc *const hw_alsa_module_descs[] = {
        NULL,
};
