/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* modules.c: every module the ALSA backend provides, for the daemon's registry. */
#include <stddef.h>
#include "hw/alsa/modules.h"
#include "hw/alsa/alsa-sink.h"
#include "hw/alsa/alsa-card.h"

const ModuleDesc *const hw_alsa_module_descs[] = {
        &module_alsa_sink_desc,
        &module_alsa_source_desc,
        &module_alsa_card_desc,
        &module_udev_detect_desc,
        &module_detect_desc,
        NULL,
};
