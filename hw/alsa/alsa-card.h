/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* alsa-card.h: module-alsa-card, module-udev-detect and module-detect.
 *
 * module-alsa-card turns one ALSA card into an engine Card with profiles
 * (output / input / duplex / off, or the card's UCM verbs) whose sinks and
 * sources are ALSA PCM devices (alsa-pcm.h). The detect modules find cards
 * through a device source (enumerate + watch) and load one module-alsa-card
 * per card as the daemon's own (internal) loads.
 */
#pragma once

#include "engine/core.h"

extern const ModuleDesc module_alsa_card_desc;
extern const ModuleDesc module_udev_detect_desc;
extern const ModuleDesc module_detect_desc;
