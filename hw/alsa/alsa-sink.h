/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* alsa-sink.h: module-alsa-sink and module-alsa-source descriptors. */
#pragma once

#include "engine/core.h"

extern const ModuleDesc module_alsa_sink_desc;
extern const ModuleDesc module_alsa_source_desc;
